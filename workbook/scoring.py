"""Scoring as pure functions: indicator -> sub-area -> pillar -> profile.

No matplotlib, no widgets, no database: the functions take the framework and two tidy frames
(ratings and evidence, as :meth:`Store.ratings_frame` and :meth:`Store.evidence_frame` return
them) and return tidy frames. The same results feed the Voila pages, the charts and the reports.

Rules (see ``docs/methodology.md``):

* The **agreed** rating is scored. Levels 1-5 count as themselves; ``IE`` counts as level 1
  and is flagged; ``NA`` is left out of scores and completion; ``NE`` and unrated indicators
  are left out of scores and count as open in completion.
* **Evidence caps** a level: a rating at or above a rule's level needs evidence of one of the
  rule's strengths; otherwise the level used is capped just below the first rule not met.
* **Confidence** (high/medium/low) is derived from the evidence and shown next to the score,
  never blended into it.
* A **sub-area** is the mean of its indicators' levels, capped at the weakest legal-lens
  indicator plus ``aggregation.legal_cap`` (a strong system cannot hide a missing legal basis),
  or the lowest indicator where the sub-area is marked ``weakest_link``.
* A **pillar** is the weighted mean of its scored sub-areas (weights printed), with the
  unweighted mean and a weight-sensitivity range alongside.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .framework import Framework

STALE_AFTER_YEARS = 3
CONFIDENCE_ORDER = {"low": 0, "medium": 1, "high": 2}


@dataclass(frozen=True)
class Scores:
    """Everything scored for one assessment."""

    indicators: pd.DataFrame
    subareas: pd.DataFrame
    pillars: pd.DataFrame

    @property
    def flags(self) -> pd.DataFrame:
        """Indicators that need a look: disagreements, insufficient evidence, caps, low confidence."""
        df = self.indicators
        mask = df["disagreement"] | (df["status"] == "IE") | df["capped"] | (df["confidence"] == "low")
        return df.loc[mask, ["pillar_id", "subarea_id", "indicator_id", "status", "agreed", "national",
                             "external", "disagreement", "capped", "cap_reason", "confidence"]]


def _level(value) -> float:
    try:
        return float(int(value))
    except (TypeError, ValueError):
        return np.nan


def evidence_cap(framework: Framework, strengths: set[str]) -> tuple[int, str]:
    """The highest level the evidence supports, and why (empty when uncapped)."""
    for rule in sorted(framework.evidence_rules, key=lambda r: r.level):
        if not strengths.intersection(rule.needs):
            return rule.level - 1, rule.text
    return 5, ""


def confidence(n_types: int, newest: dt.date | None, national, external, status: str,
               as_of: dt.date) -> str:
    """``high`` needs two evidence types, recent evidence and national/external agreement."""
    nat, ext = _level(national), _level(external)
    disagree = not np.isnan(nat) and not np.isnan(ext) and abs(nat - ext) > 1
    agree = not np.isnan(nat) and not np.isnan(ext) and abs(nat - ext) <= 1
    stale = newest is None or (as_of - newest).days > STALE_AFTER_YEARS * 365.25
    if n_types == 0 or disagree or status == "IE":
        return "low"
    if n_types >= 2 and not stale and agree:
        return "high"
    return "medium"


def score_indicators(framework: Framework, ratings: pd.DataFrame, evidence: pd.DataFrame | None = None,
                     *, as_of: dt.date | None = None) -> pd.DataFrame:
    """One row per indicator with the level used in aggregates, caps, flags and confidence."""
    as_of = as_of or dt.date.today()
    ev = evidence if evidence is not None else pd.DataFrame(columns=["indicator_id", "type", "date"])
    strength = {t.id: t.strength for t in framework.evidence_types}
    by_ind: dict[str, list[tuple[str, dt.date | None]]] = {}
    for ind_id, etype, date in zip(ev["indicator_id"], ev["type"], ev["date"]):
        by_ind.setdefault(ind_id, []).append((etype, None if pd.isna(date) else pd.Timestamp(date).date()))
    rated = ratings.set_index("indicator_id")
    rows = []
    for ind_id, ind in framework.indicators.items():
        r = rated.loc[ind_id] if ind_id in rated.index else None
        agreed = None if r is None or pd.isna(r["agreed"]) else str(r["agreed"])
        national = None if r is None or pd.isna(r["national"]) else str(r["national"])
        external = None if r is None or pd.isna(r["external"]) else str(r["external"])
        records = by_ind.get(ind_id, [])
        strengths = {strength.get(t, "") for t, _ in records}
        cap, why = evidence_cap(framework, strengths)
        rated_level = _level(agreed)
        capped = False
        reason = ""
        if agreed is None:
            status, level = "missing", np.nan
        elif agreed in ("NA", "NE"):
            status, level = agreed, np.nan
        elif agreed == "IE":
            status, level = "IE", 1.0
        else:
            status, level = "rated", rated_level
            if rated_level > cap:
                capped, level = True, float(cap)
                reason = f"{why}; capped at {cap}"
        nat, ext = _level(national), _level(external)
        disagreement = bool(not np.isnan(nat) and not np.isnan(ext) and abs(nat - ext) > 1)
        dates = [d for _, d in records if d is not None]
        conf = (confidence(len({t for t, _ in records}), max(dates) if dates else None, national, external,
                           status, as_of) if status in ("rated", "IE") else None)
        sa = framework.subarea_of(ind_id)
        rows.append({"pillar_id": framework.pillar_of(ind_id).id, "subarea_id": sa.id, "indicator_id": ind_id,
                     "indicator": ind.name, "lens": ind.lens, "national": national, "external": external,
                     "agreed": agreed, "status": status, "rated_level": rated_level, "level": level,
                     "capped": capped, "cap_reason": reason, "evidence_count": len(records),
                     "disagreement": disagreement, "confidence": conf})
    return pd.DataFrame(rows)


def _typical_confidence(values: pd.Series) -> str | None:
    """The lower median of the confidences present: one weak indicator does not hide the rest,
    and half the indicators must reach a class for the group to get it."""
    present = sorted((v for v in values if isinstance(v, str)), key=CONFIDENCE_ORDER.__getitem__)
    return present[(len(present) - 1) // 2] if present else None


def score_subareas(framework: Framework, indicators: pd.DataFrame) -> pd.DataFrame:
    """One row per sub-area: score after the legal cap or weakest link, counts and completion."""
    cap_margin = framework.aggregation.legal_cap
    rows = []
    for p in framework.pillars:
        for sa in p.subareas:
            df = indicators[indicators["subarea_id"] == sa.id]
            levels = df["level"].dropna()
            applicable = int((df["status"] != "NA").sum())
            n_scored = int(levels.size)
            mean = float(levels.mean()) if n_scored else np.nan
            legal = df.loc[(df["lens"] == "legal") & df["level"].notna(), "level"]
            score, capped_by_legal = mean, False
            if n_scored and sa.aggregation == "weakest_link":
                score = float(levels.min())
            elif n_scored and legal.size and mean > legal.min() + cap_margin:
                score, capped_by_legal = float(legal.min() + cap_margin), True
            rows.append({"pillar_id": p.id, "subarea_id": sa.id, "subarea": sa.name, "method": sa.aggregation,
                         "weight": sa.weight, "criticality": sa.criticality,
                         "n_indicators": len(df), "n_applicable": applicable, "n_scored": n_scored,
                         "n_ie": int((df["status"] == "IE").sum()), "n_na": int((df["status"] == "NA").sum()),
                         "n_ne": int((df["status"] == "NE").sum()),
                         "n_missing": int((df["status"] == "missing").sum()),
                         "mean": mean, "score": score, "capped_by_legal": capped_by_legal,
                         "completion": n_scored / applicable if applicable else np.nan,
                         "flags": int((df["disagreement"] | (df["status"] == "IE") | df["capped"]).sum()),
                         "confidence": _typical_confidence(df["confidence"])})
    return pd.DataFrame(rows)


def _weighted(scores: np.ndarray, weights: np.ndarray) -> float:
    return float(np.dot(scores, weights) / weights.sum())


def score_pillars(framework: Framework, subareas: pd.DataFrame) -> pd.DataFrame:
    """One row per pillar: weighted and unweighted means, sensitivity range, completion."""
    rows = []
    for p in framework.pillars:
        df = subareas[subareas["pillar_id"] == p.id]
        scored = df[df["score"].notna()]
        s, w = scored["score"].to_numpy(float), scored["weight"].to_numpy(float)
        if s.size:
            weighted, unweighted = _weighted(s, w), float(s.mean())
            # sensitivity: each sub-area's weight halved and doubled in turn
            trials = [weighted]
            for i in range(s.size):
                for factor in (0.5, 2.0):
                    w2 = w.copy()
                    w2[i] *= factor
                    trials.append(_weighted(s, w2))
            low, high = min(trials), max(trials)
        else:
            weighted = unweighted = low = high = np.nan
        applicable = int(df["n_applicable"].sum())
        rated = int(df["n_scored"].sum())
        rows.append({"pillar_id": p.id, "pillar": p.name, "score": weighted, "unweighted": unweighted,
                     "sensitivity_low": low, "sensitivity_high": high,
                     "weights": ", ".join(f"{sid} {wt:g}" for sid, wt in zip(df["subarea_id"], df["weight"])),
                     "n_subareas": len(df), "n_subareas_scored": int(s.size),
                     "n_indicators": int(df["n_indicators"].sum()), "n_applicable": applicable,
                     "n_rated": rated, "n_ie": int(df["n_ie"].sum()), "n_na": int(df["n_na"].sum()),
                     "n_ne": int(df["n_ne"].sum()), "n_missing": int(df["n_missing"].sum()),
                     "completion": rated / applicable if applicable else np.nan,
                     "flags": int(df["flags"].sum()),
                     "confidence": _typical_confidence(df["confidence"])})
    return pd.DataFrame(rows)


def score_assessment(framework: Framework, ratings: pd.DataFrame, evidence: pd.DataFrame | None = None,
                     *, as_of: dt.date | None = None) -> Scores:
    """Score everything at once: the overall profile is ``Scores.pillars`` (no single index)."""
    ind = score_indicators(framework, ratings, evidence, as_of=as_of)
    sub = score_subareas(framework, ind)
    return Scores(ind, sub, score_pillars(framework, sub))

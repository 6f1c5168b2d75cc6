"""Scoring as pure functions: criteria -> indicator -> sub-area -> pillar profile.

No matplotlib, no widgets, no database: the functions take the framework and tidy frames
(ratings, evidence and criteria answers, as the store returns them) and return tidy frames. The
same results feed the Voila pages, the charts and the reports. The rules are argued in
``docs/methodology.md``; in short:

* **Criteria** (framework 2.0) back each level with yes / no / not-applicable checks. The level
  they give is *gated*: level N counts only when every capacity criterion of N and of every level
  below is met or not applicable. Normative criteria (a political choice such as joining a treaty)
  never gate; they are counted apart as *normative alignment*.
* The **agreed** rating is scored. When the criteria give another level, the agreed level is an
  *override*: kept, and flagged with the team's written reason. Without an agreed rating, a level
  the criteria settle is used. ``IE`` counts as level 1 and marks the indicator *verify first*;
  ``NA`` and indicators that do not exist for the country's kinds of crossing point are left out;
  ``NE`` and unrated indicators are left out of scores and count as open in completion.
* **Evidence caps** a level: a rating at or above a rule's level needs evidence of one of the
  rule's strengths; otherwise the level used is capped just below the first rule not met.
* **Confidence** (high/medium/low) comes from the evidence and is shown next to the level, never
  blended into it.
* A **sub-area** states its rule: ``weakest_link`` (the lowest indicator, with "+" when another is
  higher: PEFA's M1) or ``median_floor`` (the lower median, never more than one level above the
  weakest). Framework 1.0's ``mean`` (capped by the weakest legal-lens indicator) is kept for
  assessments rated against 1.0. Whatever the rule, a sub-area that reads level 3 or above while
  an applicable indicator is at level 1 or 2 carries a warning naming it.
* A **pillar** is a profile of sub-area levels: their lower median, lowest and highest, and how
  many sit at each level. No weighted means as headlines; the *method range* shows what the
  levels would be under each of the three rules.
"""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .framework import Framework, Indicator
from .i18n.messages import N_

STALE_AFTER_YEARS = 3
CONFIDENCE_ORDER = {"low": 0, "medium": 1, "high": 2}
ANSWERS: tuple[str, ...] = ("yes", "no", "na")
METHODS: tuple[str, ...] = ("weakest_link", "median_floor", "mean")
METHOD_NAMES = {"weakest_link": "weakest link", "median_floor": "median with a floor", "mean": "mean"}
#: A sub-area at this level or above with an indicator at WEAK_AT or below carries a warning.
WARN_FROM, WEAK_AT = 3, 2
#: The notes the scoring writes beside a level, in English (frames and CSV exports keep them so);
#: marked for the catalogues, shown in a reader's language by ``present.levels.scoring_note``.
HELD_NOTE = N_("held at %(level)s, one above its weakest indicator (median %(median)s)")
LEGAL_NOTE = N_("capped by its legal basis")
CAPPED_NOTE = N_("%(rule)s; capped at %(level)s")
NO_KINDS_NOTE = N_("the country has no %(kinds)s")


@dataclass(frozen=True)
class Scores:
    """Everything scored for one assessment."""

    indicators: pd.DataFrame
    subareas: pd.DataFrame
    pillars: pd.DataFrame

    @property
    def flags(self) -> pd.DataFrame:
        """Indicators that need a look: disagreements, insufficient evidence (verify first), caps,
        low confidence, levels set against the criteria, levels gated by a lower level."""
        df = self.indicators
        mask = (df["disagreement"] | (df["status"] == "IE") | df["capped"] | (df["confidence"] == "low")
                | df["override"] | (df["gated_by"] != ""))
        return df.loc[mask, ["pillar_id", "subarea_id", "indicator_id", "status", "agreed", "national",
                             "external", "disagreement", "capped", "cap_reason", "confidence", "override",
                             "override_reason", "criteria_level", "gated_by", "verify_first"]]

    @property
    def warnings(self) -> list[str]:
        """Sub-areas whose level hides a weak indicator, in words (empty when none)."""
        return [w for w in self.subareas["warning"] if w]


def _level(value) -> float:
    try:
        return float(int(value))
    except (TypeError, ValueError):
        return np.nan


def format_level(level: float, plus: bool = False) -> str:
    """``2``, ``2+`` or an empty string for a level that is not scored."""
    if level is None or (isinstance(level, float) and math.isnan(level)):
        return ""
    return f"{int(level)}{'+' if plus else ''}"


# -- criteria ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CriteriaResult:
    """What an indicator's ticked criteria say.

    ``level`` is ``None`` when no capacity criterion is answered. ``open_from`` is the first level
    whose criteria are not all answered (the level may rise when they are). ``gated_by`` names the
    unmet criterion that holds the level down when a higher level's criteria are all met
    (practice ahead of paper).
    """

    level: int | None
    blocked_by: tuple[str, ...] = ()
    open_from: int | None = None
    gated_by: str = ""
    normative_met: int = 0
    normative_total: int = 0
    answered: int = 0


def criteria_level(indicator: Indicator, answers: Mapping[str, str],
                   kinds: frozenset[str] | None = None) -> CriteriaResult:
    """The gated level that ``answers`` (``{criterion_id: "yes" | "no" | "na"}``) give.

    >>> # level 2 needs all of 2's capacity criteria met; level 3 all of 2's and 3's; and so on.
    """
    level, blocked, open_from, attained = 1, (), None, True
    met_above: list[int] = []
    answered = 0
    normative_met = normative_total = 0
    for lv in indicator.levels[1:]:
        capacity = [c for c in lv.criteria if not c.normative and c.applies(kinds)]
        for c in lv.criteria:
            a = answers.get(c.id)
            if a is not None:
                answered += 1
            if c.normative and c.applies(kinds) and a in ("yes", "no"):
                normative_total += 1
                normative_met += a == "yes"
        values = [answers.get(c.id) for c in capacity]
        all_met = all(v in ("yes", "na") for v in values)
        if attained and all_met:
            level = lv.level
            continue
        if attained:
            attained = False
            blocked = tuple(c.id for c, v in zip(capacity, values) if v == "no")
            if not blocked:
                open_from = lv.level
        elif all_met and values:
            met_above.append(lv.level)
    if not any(answers.get(c.id) is not None for c in indicator.criteria if not c.normative):
        return CriteriaResult(None, normative_met=normative_met, normative_total=normative_total,
                              answered=answered)
    gated = ""
    if blocked and met_above:
        gated = (f"the criteria of level {max(met_above)} are met, but {', '.join(blocked)} of level "
                 f"{level + 1} is not")
    return CriteriaResult(level, blocked, open_from, gated, normative_met, normative_total, answered)


def _answers_by_indicator(framework: Framework, criteria: pd.DataFrame | None) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    if criteria is None or criteria.empty:
        return out
    for cid, answer in zip(criteria["criterion_id"], criteria["answer"]):
        if cid in framework.criteria and answer in ANSWERS:
            out.setdefault(framework.indicator_of_criterion(cid).id, {})[cid] = answer
    return out


# -- indicators ----------------------------------------------------------------------------------


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


def _text(value) -> str | None:
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _kinds_missing(framework: Framework, ind: Indicator) -> str:
    names = {k.id: k.name for k in framework.crossing_kinds}
    return NO_KINDS_NOTE % {"kinds": " or ".join(names.get(k, k).lower() for k in ind.applies_to)}


def score_indicators(framework: Framework, ratings: pd.DataFrame, evidence: pd.DataFrame | None = None,
                     *, criteria: pd.DataFrame | None = None, kinds: Iterable[str] | None = None,
                     as_of: dt.date | None = None) -> pd.DataFrame:
    """One row per indicator with the level used in aggregates, caps, flags and confidence.

    Parameters
    ----------
    ratings : DataFrame
        ``indicator_id``, ``agreed``, ``national``, ``external`` and optionally ``override_reason``.
    evidence : DataFrame, optional
        ``indicator_id``, ``type``, ``date``.
    criteria : DataFrame, optional
        ``criterion_id``, ``answer`` (``yes``, ``no``, ``na``).
    kinds : iterable of str, optional
        The kinds of crossing point the country has; ``None`` when not recorded (all apply).
    """
    as_of = as_of or dt.date.today()
    kinds = frozenset(kinds) if kinds is not None else None
    ev = evidence if evidence is not None else pd.DataFrame(columns=["indicator_id", "type", "date"])
    strength = {t.id: t.strength for t in framework.evidence_types}
    by_ind: dict[str, list[tuple[str, dt.date | None]]] = {}
    for ind_id, etype, date in zip(ev["indicator_id"], ev["type"], ev["date"]):
        by_ind.setdefault(ind_id, []).append((etype, None if pd.isna(date) else pd.Timestamp(date).date()))
    answers = _answers_by_indicator(framework, criteria)
    rated = ratings.set_index("indicator_id")
    has_reason = "override_reason" in rated.columns
    rows = []
    for ind_id, ind in framework.indicators.items():
        r = rated.loc[ind_id] if ind_id in rated.index else None
        agreed = None if r is None else _text(r["agreed"])
        national = None if r is None else _text(r["national"])
        external = None if r is None else _text(r["external"])
        reason = (_text(r["override_reason"]) or "") if r is not None and has_reason else ""
        crit = criteria_level(ind, answers.get(ind_id, {}), kinds) if framework.has_criteria else CriteriaResult(None)
        records = by_ind.get(ind_id, [])
        cap, why = evidence_cap(framework, {strength.get(t, "") for t, _ in records})
        capped, cap_reason, override, source = False, "", False, "rating"
        rated_level = _level(agreed)
        applies = ind.applies(kinds)
        if not applies:
            status, level, source = "NA", np.nan, _kinds_missing(framework, ind)
        elif agreed is None and crit.level is not None and crit.open_from is None:
            status, level, rated_level, source = "rated", float(crit.level), float(crit.level), "criteria"
        elif agreed is None:
            status, level = "missing", np.nan
        elif agreed in ("NA", "NE"):
            status, level = agreed, np.nan
        elif agreed == "IE":
            status, level = "IE", 1.0
        else:
            status, level = "rated", rated_level
            override = crit.level is not None and int(rated_level) != crit.level
        if status == "rated" and level > cap:
            capped, level = True, float(cap)
            cap_reason = CAPPED_NOTE % {"rule": why, "level": cap}
        nat, ext = _level(national), _level(external)
        disagreement = bool(not np.isnan(nat) and not np.isnan(ext) and abs(nat - ext) > 1)
        dates = [d for _, d in records if d is not None]
        conf = (confidence(len({t for t, _ in records}), max(dates) if dates else None, national, external,
                           status, as_of) if status in ("rated", "IE") else None)
        sa = framework.subarea_of(ind_id)
        rows.append({"pillar_id": framework.pillar_of(ind_id).id, "subarea_id": sa.id, "indicator_id": ind_id,
                     "indicator": ind.name, "lens": ind.lens, "national": national, "external": external,
                     "agreed": agreed, "status": status, "rated_level": rated_level, "level": level,
                     "level_source": source, "capped": capped, "cap_reason": cap_reason,
                     "evidence_count": len(records), "disagreement": disagreement, "confidence": conf,
                     "criteria_level": np.nan if crit.level is None else float(crit.level),
                     "criteria_open_from": np.nan if crit.open_from is None else float(crit.open_from),
                     "blocked_by": ", ".join(crit.blocked_by), "gated_by": crit.gated_by,
                     "override": override, "override_reason": reason if override else "",
                     "normative_met": crit.normative_met, "normative_total": crit.normative_total,
                     "verify_first": status == "IE", "applies": applies})
    return pd.DataFrame(rows)


# -- sub-areas -----------------------------------------------------------------------------------


def _typical_confidence(values: pd.Series) -> str | None:
    """The lower median of the confidences present: one weak indicator does not hide the rest,
    and half the indicators must reach a class for the group to get it."""
    present = sorted((v for v in values if isinstance(v, str)), key=CONFIDENCE_ORDER.__getitem__)
    return present[(len(present) - 1) // 2] if present else None


def lower_median(values: Iterable[float]) -> float:
    """The lower of the two middle values (the middle one for an odd count): always a level that
    occurs, never a half level."""
    ordered = sorted(values)
    return float(ordered[(len(ordered) - 1) // 2]) if ordered else np.nan


def aggregate(levels: list[float], method: str, *, legal: list[float] | None = None,
              legal_cap: int | None = None) -> tuple[float, float, str]:
    """A sub-area's ``(level, score, note)`` from its indicators' levels under ``method``.

    ``level`` is a whole level; ``score`` is what the rule computes before rounding down (only
    ``mean`` has fractions); ``note`` says in words when a cap or floor applied.
    """
    if not levels:
        return np.nan, np.nan, ""
    low = min(levels)
    if method == "weakest_link":
        return float(low), float(low), ""
    if method == "median_floor":
        med = lower_median(levels)
        if med > low + 1:
            return low + 1.0, low + 1.0, HELD_NOTE % {"level": int(low) + 1, "median": int(med)}
        return med, med, ""
    if method == "mean":
        score, note = float(np.mean(levels)), ""
        if legal and legal_cap is not None and score > min(legal) + legal_cap:
            score, note = float(min(legal) + legal_cap), LEGAL_NOTE
        return float(math.floor(score + 1e-9)), score, note
    raise ValueError(f"unknown aggregation method {method!r}; use one of {', '.join(METHODS)}")


def _warning(sa_id: str, name: str, critical: bool, level: float, df: pd.DataFrame) -> str:
    """Words for a sub-area that reads WARN_FROM or above while an indicator is WEAK_AT or below."""
    if np.isnan(level) or level < WARN_FROM:
        return ""
    weak = df[df["level"].notna() & (df["level"] <= WEAK_AT)]
    if weak.empty:
        return ""
    which = "; ".join(f"{r.indicator_id} {r.indicator} is at level {int(r.level)}" for r in weak.itertuples())
    kind = "critical sub-area " if critical else ""
    return f"{kind}{sa_id} {name} reads level {int(level)} although {which}"


def score_subareas(framework: Framework, indicators: pd.DataFrame) -> pd.DataFrame:
    """One row per sub-area: level under its stated rule, "+" marker, spread, method range,
    warnings, counts and completion."""
    legal_cap = framework.aggregation.legal_cap
    rows = []
    for p in framework.pillars:
        for sa in p.subareas:
            df = indicators[indicators["subarea_id"] == sa.id]
            levels = [float(x) for x in df["level"].dropna()]
            legal = [float(x) for x in df.loc[(df["lens"] == "legal") & df["level"].notna(), "level"]]
            level, score, note = aggregate(levels, sa.aggregation, legal=legal, legal_cap=legal_cap)
            by_method = [aggregate(levels, m, legal=legal, legal_cap=legal_cap)[0] for m in METHODS]
            applicable = int((df["status"] != "NA").sum())
            n_scored = len(levels)
            plus = bool(levels) and max(levels) > level
            rows.append({"pillar_id": p.id, "subarea_id": sa.id, "subarea": sa.name, "method": sa.aggregation,
                         "criticality": sa.criticality, "level": level, "plus": plus,
                         "label": format_level(level, plus), "score": score,
                         "min_level": min(levels) if levels else np.nan,
                         "max_level": max(levels) if levels else np.nan,
                         "mean": float(np.mean(levels)) if levels else np.nan,
                         "method_low": min(by_method) if levels else np.nan,
                         "method_high": max(by_method) if levels else np.nan,
                         "note": note, "capped_by_legal": note == LEGAL_NOTE,
                         "warning": _warning(sa.id, sa.name, sa.criticality == "critical", level, df),
                         "refers_to": ", ".join(r.indicator for r in sa.refers_to),
                         "contributes": ", ".join(sa.contributes),
                         "n_indicators": len(df), "n_applicable": applicable, "n_scored": n_scored,
                         "n_ie": int((df["status"] == "IE").sum()), "n_na": int((df["status"] == "NA").sum()),
                         "n_ne": int((df["status"] == "NE").sum()),
                         "n_missing": int((df["status"] == "missing").sum()),
                         "n_override": int(df["override"].sum()),
                         "normative_met": int(df["normative_met"].sum()),
                         "normative_total": int(df["normative_total"].sum()),
                         "completion": n_scored / applicable if applicable else np.nan,
                         "flags": int((df["disagreement"] | (df["status"] == "IE") | df["capped"]
                                       | df["override"] | (df["gated_by"] != "")).sum()),
                         "confidence": _typical_confidence(df["confidence"])})
    return pd.DataFrame(rows)


# -- pillars -------------------------------------------------------------------------------------


def score_pillars(framework: Framework, subareas: pd.DataFrame) -> pd.DataFrame:
    """One row per pillar: the profile of its sub-area levels (lower median, lowest, highest,
    how many at each level), the range the three aggregation rules give, completion."""
    rows = []
    for p in framework.pillars:
        df = subareas[subareas["pillar_id"] == p.id]
        scored = df[df["level"].notna()]
        levels = [float(x) for x in scored["level"]]
        lows = [float(x) for x in scored["method_low"]]
        highs = [float(x) for x in scored["method_high"]]
        counts = {lv: sum(1 for x in levels if x == lv) for lv in (1, 2, 3, 4, 5)}
        applicable = int(df["n_applicable"].sum())
        rated = int(df["n_scored"].sum())
        level = lower_median(levels)
        rows.append({"pillar_id": p.id, "pillar": p.name, "level": level,
                     "label": format_level(level, bool(levels) and max(levels) > level), "score": level,
                     "min_level": min(levels) if levels else np.nan,
                     "max_level": max(levels) if levels else np.nan,
                     "mean": float(np.mean(levels)) if levels else np.nan,
                     "method_low": lower_median(lows), "method_high": lower_median(highs),
                     "distribution": ", ".join(f"{n} at {lv}" for lv, n in counts.items() if n),
                     **{f"n_level_{lv}": n for lv, n in counts.items()},
                     "n_subareas": len(df), "n_subareas_scored": len(levels),
                     "n_warnings": int((df["warning"] != "").sum()),
                     "n_indicators": int(df["n_indicators"].sum()), "n_applicable": applicable,
                     "n_rated": rated, "n_ie": int(df["n_ie"].sum()), "n_na": int(df["n_na"].sum()),
                     "n_ne": int(df["n_ne"].sum()), "n_missing": int(df["n_missing"].sum()),
                     "normative_met": int(df["normative_met"].sum()),
                     "normative_total": int(df["normative_total"].sum()),
                     "completion": rated / applicable if applicable else np.nan,
                     "flags": int(df["flags"].sum()),
                     "confidence": _typical_confidence(df["confidence"])})
    return pd.DataFrame(rows)


def score_assessment(framework: Framework, ratings: pd.DataFrame, evidence: pd.DataFrame | None = None,
                     *, criteria: pd.DataFrame | None = None, kinds: Iterable[str] | None = None,
                     as_of: dt.date | None = None) -> Scores:
    """Score everything at once: the overall profile is ``Scores.pillars`` (no single index)."""
    ind = score_indicators(framework, ratings, evidence, criteria=criteria, kinds=kinds, as_of=as_of)
    sub = score_subareas(framework, ind)
    return Scores(ind, sub, score_pillars(framework, sub))

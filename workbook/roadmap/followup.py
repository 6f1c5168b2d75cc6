"""Follow-up: a later round of a country compared with its baseline (pure functions).

Both rounds are scored with :mod:`workbook.scoring` by the caller; here the results are set side
by side per indicator, sub-area and pillar. An indicator, sub-area or pillar scored in only one of
the rounds is kept, with ``direction`` "not comparable". Changes are linked to the initiatives
that addressed them between the two rounds.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from ..scoring import Scores
from .donors import initiative_scope, overlap
from .sequence import as_date

TOLERANCE = 1e-9
TARGETED_COLUMNS = ["indicator_id", "subarea_id", "baseline", "followup", "change", "direction", "initiative_id",
                    "initiative", "donor", "match"]


@dataclass(frozen=True)
class Comparison:
    """Baseline and follow-up side by side: ``baseline, followup, change, direction`` per row."""

    indicators: pd.DataFrame
    subareas: pd.DataFrame
    pillars: pd.DataFrame


def _direction(change: float) -> str:
    if pd.isna(change):
        return "not comparable"
    return "up" if change > TOLERANCE else "down" if change < -TOLERANCE else "same"


def _side_by_side(base: pd.DataFrame, later: pd.DataFrame, key: str, value: str, keep: list[str]) -> pd.DataFrame:
    left = base[keep + [value]].rename(columns={value: "baseline"})
    right = later[[key, value]].rename(columns={value: "followup"})
    df = left.merge(right, on=key, how="outer", sort=False)
    df["baseline"] = df["baseline"].astype(float)
    df["followup"] = df["followup"].astype(float)
    df["change"] = df["followup"] - df["baseline"]
    df["direction"] = [_direction(c) for c in df["change"]]
    return df


def compare_scores(baseline: Scores, followup: Scores) -> Comparison:
    """Change per indicator (capped level), sub-area (score) and pillar (weighted score)."""
    ind = _side_by_side(baseline.indicators, followup.indicators, "indicator_id", "level",
                        ["pillar_id", "subarea_id", "indicator_id", "indicator"])
    sub = _side_by_side(baseline.subareas, followup.subareas, "subarea_id", "score",
                        ["pillar_id", "subarea_id", "subarea"])
    pil = _side_by_side(baseline.pillars, followup.pillars, "pillar_id", "score", ["pillar_id", "pillar"])
    return Comparison(ind, sub, pil)


def targeted_changes(indicators: pd.DataFrame, initiatives: pd.DataFrame, since: dt.date, until: dt.date,
                     *, changed_only: bool = True) -> pd.DataFrame:
    """Which initiative addressed which indicator between the rounds.

    One row per (indicator, initiative whose scope covers it, period overlapping ``since`` ..
    ``until``); an indicator that no initiative addressed gets one row with no initiative, so a
    change nobody targeted (or a targeted indicator that did not move) is visible too.
    ``match`` is "indicator" when the initiative names the indicator, "sub-area" when it
    addresses the whole sub-area.
    """
    inits = [i for i in (initiatives.to_dict("records") if len(initiatives) else [])
             if overlap(since, until, as_date(i["start_date"]), as_date(i["end_date"]))]
    rows = []
    for r in indicators.to_dict("records"):
        if changed_only and r["direction"] in ("same", "not comparable"):
            continue
        hits = []
        for ini in inits:
            scope = [i for s, i in initiative_scope(ini)
                     if s == r["subarea_id"] and (i is None or i == r["indicator_id"])]
            if scope:
                hits.append((ini, "indicator" if r["indicator_id"] in scope else "sub-area"))
        base = (r["indicator_id"], r["subarea_id"], r["baseline"], r["followup"], r["change"], r["direction"])
        if not hits:
            rows.append(base + (None, None, None, None))
        for ini, match in hits:
            rows.append(base + (ini["id"], ini["title"], ini["donor"], match))
    return pd.DataFrame(rows, columns=TARGETED_COLUMNS)


def status_counts(recs: pd.DataFrame) -> pd.DataFrame:
    """Recommendations per status and horizon (rows: status; columns: short, long, total)."""
    statuses = ["open", "in_progress", "done", "dropped"]
    if recs.empty:
        return pd.DataFrame({"short": 0, "long": 0, "total": 0}, index=pd.Index(statuses, name="status"))
    t = pd.crosstab(recs["status"], recs["horizon"]).reindex(index=statuses, columns=["short", "long"],
                                                             fill_value=0)
    t = t.fillna(0).astype(int)
    t["total"] = t.sum(axis=1)
    t.index.name, t.columns.name = "status", None
    return t


def status_on(history: pd.DataFrame, recs: pd.DataFrame, day: dt.date) -> pd.Series:
    """Each recommendation's status at the end of ``day``, replayed from the status history."""
    out = {}
    for rid, created in zip(recs["id"], recs["created_at"]):
        if as_date(pd.Timestamp(created).date()) > day:
            continue
        out[rid] = "open"
    if len(history):
        h = history[pd.to_datetime(history["at"]).dt.date <= day].sort_values("at", kind="stable")
        for rid, new in zip(h["recommendation_id"], h["new"]):
            if rid in out and isinstance(new, str):
                out[rid] = new
    return pd.Series(out, name=str(day), dtype=object)


@dataclass(frozen=True)
class FollowUp:
    """A follow-up round against its baseline, for the follow-up chapter and page."""

    baseline: str
    followup: str
    comparison: Comparison
    targeted: pd.DataFrame
    recommendations: pd.DataFrame
    status: pd.DataFrame
    status_history: pd.DataFrame
    notes: tuple[str, ...] = ()

    @property
    def improved(self) -> pd.DataFrame:
        return self.comparison.subareas[self.comparison.subareas["direction"] == "up"]

    @property
    def declined(self) -> pd.DataFrame:
        return self.comparison.subareas[self.comparison.subareas["direction"] == "down"]

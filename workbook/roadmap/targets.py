"""Targets, gaps and priorities per sub-area (pure functions, no database).

* **current level** = the sub-area score rounded down (a level counts only when reached);
* **short-term target** = current level + 1, at most 5 and at most the long-term target (a
  sub-area already there holds its level), unless the team set another with a reason;
* **long-term target** = the long-term target of the sub-area's criticality class in the
  framework (4, or 5 for critical sub-areas), unless the team set another with a reason;
* **gap** = target - score, never below 0 (the score, not the rounded level, so 2.7 -> 4 is 1.3);
* **priority** = long-term gap x criticality weight x exposure (1-3, set per assessment).

See ``docs/roadmap.md`` for why the long-term gap drives the priority.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..framework import Framework

DEFAULT_EXPOSURE = 2
OVERRIDE_COLUMNS = ["subarea_id", "short_term", "short_reason", "long_term", "long_reason", "version"]


def current_level(score) -> int | None:
    """The level a sub-area (or indicator) has reached: its score rounded down; ``None`` if unscored."""
    if score is None or (isinstance(score, float) and math.isnan(score)):
        return None
    return int(math.floor(float(score) + 1e-9))


def default_short_term(score) -> int | None:
    level = current_level(score)
    return None if level is None else min(5, level + 1)


def priority(gap: float, weight: float, exposure: int) -> float:
    """``gap x criticality weight x exposure``; NaN when the sub-area is not scored."""
    if gap is None or (isinstance(gap, float) and math.isnan(gap)):
        return np.nan
    return round(float(gap) * float(weight) * int(exposure), 4)


def compute_targets(framework: Framework, subareas: pd.DataFrame, overrides: pd.DataFrame | None = None,
                    exposure: int = DEFAULT_EXPOSURE) -> pd.DataFrame:
    """One row per sub-area: current score and level, targets (with source and reason), gaps, priority.

    Parameters
    ----------
    framework : Framework
    subareas : DataFrame
        ``score_subareas`` output (``Scores.subareas``).
    overrides : DataFrame, optional
        The team's edits: ``subarea_id, short_term, short_reason, long_term, long_reason``; a
        missing or null target means the default.
    exposure : int
        1-3, the assessment's exposure.

    Returns
    -------
    DataFrame
        In framework order, with ``rank`` (1 = highest priority; unscored sub-areas unranked).
    """
    edits = {}
    if overrides is not None and len(overrides):
        edits = {r["subarea_id"]: r for r in overrides.to_dict("records")}
    by_id = subareas.set_index("subarea_id")
    rows = []
    for p in framework.pillars:
        for sa in p.subareas:
            crit = framework.criticality_of(sa.id)
            score = float(by_id.loc[sa.id, "score"]) if sa.id in by_id.index else np.nan
            level = current_level(score)
            e = edits.get(sa.id, {})
            long_default = crit.long_term_target
            short_default = default_short_term(score)
            if short_default is not None and short_default > long_default:
                # already at (or past) the long-term level: hold it, do not aim past the long-term target
                short_default = max(long_default, int(math.floor(score)))
            short_edit, long_edit = _int_or_none(e.get("short_term")), _int_or_none(e.get("long_term"))
            short = short_edit if short_edit is not None else short_default
            long = long_edit if long_edit is not None else long_default
            scored = level is not None
            gap_short = max(0.0, short - score) if scored else np.nan
            gap_long = max(0.0, long - score) if scored else np.nan
            rows.append({
                "pillar_id": p.id, "subarea_id": sa.id, "subarea": sa.name, "score": score,
                "current_level": level, "criticality": crit.id, "criticality_weight": crit.weight,
                "short_term_target": short, "short_term_default": short_default,
                "short_term_source": "edited" if short_edit is not None else "default",
                "short_term_reason": (e.get("short_reason") or "") if short_edit is not None else "",
                "long_term_target": long, "long_term_default": long_default,
                "long_term_source": "edited" if long_edit is not None else "default",
                "long_term_reason": (e.get("long_reason") or "") if long_edit is not None else "",
                "gap_short": gap_short, "gap_long": gap_long, "exposure": int(exposure),
                "priority": priority(gap_long, crit.weight, exposure),
                "target_version": int(e.get("version") or 0)})
    df = pd.DataFrame(rows)
    df["short_term_target"] = df["short_term_target"].astype("Int64")
    df["current_level"] = df["current_level"].astype("Int64")
    # rank by priority, ties in framework order; unscored sub-areas are not ranked
    order = df["priority"].rank(method="first", ascending=False)
    df["rank"] = order.astype("Int64")
    return df


def _int_or_none(v) -> int | None:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return None
    return int(v)


def indicator_levels(indicators: pd.DataFrame) -> dict[str, int]:
    """Current level per scored indicator (``Scores.indicators``: capped level, IE as 1)."""
    return {i: int(lv) for i, lv in zip(indicators["indicator_id"], indicators["level"]) if not pd.isna(lv)}


def subarea_levels(subareas: pd.DataFrame) -> dict[str, int]:
    """Current level per scored sub-area (score rounded down)."""
    return {s: current_level(float(v)) for s, v in zip(subareas["subarea_id"], subareas["score"]) if not pd.isna(v)}

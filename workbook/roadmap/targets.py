"""Targets, gaps and priorities per sub-area (pure functions, no database).

* **current level** = the sub-area's level under its stated rule (framework 1.0's mean is rounded
  down: a level counts only when reached);
* **short-term target** = current level + 1 and **long-term target** = current level + 2, both capped at
  the criticality class's ``long_term_target`` (4 in framework 2.0); a sub-area at the cap holds it in
  the short term and aims one level up in the long term (level 5 is institutionalisation, credible
  as a target only from level 4). The team may set other targets, with a reason;
* **gap** = target - current level, never below 0 (whole levels: no false precision);
* **priority** = long-term gap x criticality weight x exposure (1-3, set per assessment). The
  target no longer depends on criticality, so criticality is counted once;
* **verify first**: a sub-area whose lowest indicator is ``IE`` (insufficient evidence) is ranked
  after every verified sub-area, so the road map never starts by building what may exist.

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


def default_short_term(level, cap: int = 5) -> int | None:
    """One level up, at most the cap; a sub-area already at the cap holds its level."""
    level = current_level(level)
    if level is None:
        return None
    return min(level + 1, cap) if level < cap else level


def default_long_term(level, cap: int) -> int | None:
    """Two levels up, at most the cap; from the cap, one level up (level 5 is credible only from 4)."""
    level = current_level(level)
    if level is None:
        return None
    return min(level + 2, cap) if level < cap else min(level + 1, 5)


def priority(gap: float, weight: float, exposure: int) -> float:
    """``gap x criticality weight x exposure``; NaN when the sub-area is not scored."""
    if gap is None or (isinstance(gap, float) and math.isnan(gap)):
        return np.nan
    return round(float(gap) * float(weight) * int(exposure), 4)


def compute_targets(framework: Framework, subareas: pd.DataFrame, overrides: pd.DataFrame | None = None,
                    exposure: int = DEFAULT_EXPOSURE, indicators: pd.DataFrame | None = None) -> pd.DataFrame:
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
    indicators : DataFrame, optional
        ``Scores.indicators``: sub-areas held down by an ``IE`` indicator are marked verify first.

    Returns
    -------
    DataFrame
        In framework order, with ``rank`` (1 = highest priority; unscored sub-areas unranked).
    """
    edits = {}
    if overrides is not None and len(overrides):
        edits = {r["subarea_id"]: r for r in overrides.to_dict("records")}
    by_id = subareas.set_index("subarea_id")
    has_level = "level" in by_id.columns
    verify = _verify_first(indicators) if indicators is not None else set()
    rows = []
    for p in framework.pillars:
        for sa in p.subareas:
            crit = framework.criticality_of(sa.id)
            score = float(by_id.loc[sa.id, "score"]) if sa.id in by_id.index else np.nan
            level = current_level(float(by_id.loc[sa.id, "level"]) if has_level and sa.id in by_id.index else score)
            e = edits.get(sa.id, {})
            short_default = default_short_term(level, crit.long_term_target)
            long_default = default_long_term(level, crit.long_term_target)
            short_edit, long_edit = _int_or_none(e.get("short_term")), _int_or_none(e.get("long_term"))
            short = short_edit if short_edit is not None else short_default
            long = long_edit if long_edit is not None else long_default
            scored = level is not None
            gap_short = float(max(0, short - level)) if scored else np.nan
            gap_long = float(max(0, long - level)) if scored else np.nan
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
                "priority": priority(gap_long, crit.weight, exposure), "verify_first": sa.id in verify,
                "target_version": int(e.get("version") or 0)})
    df = pd.DataFrame(rows)
    for col in ("short_term_target", "long_term_target", "short_term_default", "long_term_default", "current_level"):
        df[col] = df[col].astype("Int64")
    # rank by priority, verified sub-areas first, ties in framework order; unscored ones are not ranked
    key = df["priority"] - np.where(df["verify_first"], 1e6, 0)
    order = key.rank(method="first", ascending=False)
    df["rank"] = order.where(df["priority"].notna()).astype("Int64")
    return df


def _verify_first(indicators: pd.DataFrame) -> set[str]:
    """Sub-areas whose lowest scored indicator is IE (insufficient evidence)."""
    out = set()
    scored = indicators[indicators["level"].notna()]
    for sid, df in scored.groupby("subarea_id"):
        low = df["level"].min()
        if (df.loc[df["level"] == low, "status"] == "IE").any():
            out.add(sid)
    return out


def _int_or_none(v) -> int | None:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return None
    return int(v)


def indicator_levels(indicators: pd.DataFrame) -> dict[str, int]:
    """Current level per scored indicator (``Scores.indicators``: capped level, IE as 1)."""
    return {i: int(lv) for i, lv in zip(indicators["indicator_id"], indicators["level"]) if not pd.isna(lv)}


def subarea_levels(subareas: pd.DataFrame) -> dict[str, int]:
    """Current level per scored sub-area (its level; framework 1.0's mean rounded down)."""
    col = "level" if "level" in subareas.columns else "score"
    return {s: current_level(float(v)) for s, v in zip(subareas["subarea_id"], subareas[col]) if not pd.isna(v)}

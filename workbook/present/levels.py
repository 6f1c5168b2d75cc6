"""Levels in words and tables, for the pages and the reports alike.

Scores are whole levels (:mod:`workbook.scoring`): a sub-area's level follows its stated rule,
with "+" when one of its indicators is higher, and its *spread* (lowest and highest indicator);
a pillar is a profile of its sub-area levels. Nothing here prints a mean as a headline: only a
framework 1.0 sub-area, whose rule *is* the mean, shows it, as a detail next to the rule
("mean 3.25 -> level 3").
"""
from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from ..scoring import METHOD_NAMES
from .html import TABLE_CSS, e, format_completion, missing, table, text_or_dash

NOT_SCORED = "not scored"
#: What each aggregation rule does, in one sentence (the methodology and the findings say it).
RULE_WORDS = {
    "weakest_link": "the lowest indicator sets the level, with \"+\" when another is higher",
    "median_floor": "the lower median of the indicators, never more than one level above the weakest",
    "mean": "the mean of the indicators rounded down to a level (framework 1.0), capped by the legal basis",
}


def level_label(level, plus: bool = False) -> str:
    """``2``, ``2+`` or "not scored"."""
    if missing(level):
        return NOT_SCORED
    return f"{int(level)}{'+' if plus else ''}"


def spread_text(low, high) -> str:
    """The lowest and highest level of the parts: ``1–4``, ``3`` when they agree, "not scored"."""
    if missing(low) or missing(high):
        return NOT_SCORED
    return f"{int(low)}" if int(low) == int(high) else f"{int(low)}–{int(high)}"


def spread_words(low, high) -> str:
    """The spread in words: ``from 1 to 4``, ``all at 3`` or "none scored"."""
    if missing(low) or missing(high):
        return "none scored"
    return f"all at {int(low)}" if int(low) == int(high) else f"from {int(low)} to {int(high)}"


def distribution_text(counts: Mapping[int, int]) -> str:
    """How many parts sit at each level: ``1 at level 2, 5 at level 3`` ("none scored" if none)."""
    return ", ".join(f"{k} at level {lv}" for lv, k in sorted(counts.items()) if k) or "none scored"


def pillar_distribution(row: Mapping) -> str:
    """:func:`distribution_text` of a ``score_pillars`` row (its ``n_level_1`` ... ``n_level_5``)."""
    return distribution_text({lv: int(row[f"n_level_{lv}"]) for lv in range(1, 6)})


def confidence_text(value, none: str = "none") -> str:
    """``high``, ``medium``, ``low``, or ``none`` when nothing is scored (None or NaN)."""
    return value if isinstance(value, str) and value else none


def rule_name(method: str) -> str:
    """``weakest link``, ``median with a floor`` or ``mean``."""
    return METHOD_NAMES.get(method, str(method).replace("_", " "))


def rule_text(method: str, score=None) -> str:
    """The rule's name; a framework 1.0 ``mean`` sub-area adds its mean as a detail: ``mean (3.25)``."""
    return rule_name(method) + (f" ({float(score):.2f})" if method == "mean" and not missing(score) else "")


def normative_text(met, total) -> str:
    """``5 of 8`` normative criteria met, or a dash when none was answered."""
    return "–" if missing(total) or not int(total) else f"{int(met)} of {int(total)}"


def change_text(change) -> str:
    """A change in whole levels: ``+1``, ``0``, ``-2`` or "not comparable"."""
    return "not comparable" if missing(change) else f"{int(round(float(change))):+d}".replace("+0", "0")


def subarea_level(row: Mapping) -> str:
    """A sub-area's level in a few words: ``1+ (weakest link; indicators 1–4)``; a framework 1.0
    ``mean`` sub-area adds its mean as a detail: ``3 (mean 3.25 → level 3; indicators 1–4)``."""
    if missing(row["level"]):
        return NOT_SCORED
    label = level_label(row["level"], bool(row.get("plus")))
    rule = rule_name(row["method"])
    if row["method"] == "mean" and not missing(row.get("score")):
        rule = f"mean {float(row['score']):.2f} → level {int(row['level'])}"
    return f"{label} ({rule}; indicators {spread_text(row['min_level'], row['max_level'])})"


def subarea_table_html(subareas: pd.DataFrame, pillar_row: Mapping, caption: str) -> str:
    """A pillar's sub-areas as an accessible table: level, rule, spread of the indicators, method
    range, completion, confidence and flags; the pillar's profile in the footer; every warning
    written out in words below the table."""
    rows = []
    for _, r in subareas.iterrows():
        rule = rule_text(r["method"], r["score"])
        if r.get("capped_by_legal"):
            rule += ", capped by the legal basis"
        rows.append([f"{r['subarea_id']} {r['subarea']}", level_label(r["level"], bool(r["plus"])), rule,
                     spread_text(r["min_level"], r["max_level"]), spread_text(r["method_low"], r["method_high"]),
                     format_completion(r["n_scored"], r["n_applicable"]), text_or_dash(r["confidence"]),
                     int(r["flags"])])
    p = pillar_row
    foot = [[f"Pillar profile ({pillar_distribution(p)})", level_label(p["level"], _plus(p)),
             "lower median", spread_text(p["min_level"], p["max_level"]),
             spread_text(p["method_low"], p["method_high"]), format_completion(p["n_rated"], p["n_applicable"]),
             text_or_dash(p["confidence"]), int(p["flags"])]]
    out = TABLE_CSS + table(caption, ["Sub-area", "Level", "Rule", "Spread", "Method range", "Completion",
                                      "Confidence", "Flags"], rows, numeric=(1, 7), cls="mbm-table mbm-scores",
                            foot=foot)
    warnings = [w for w in subareas["warning"] if w]
    if warnings:
        out += ('<ul class="mbm-warnings">' + "".join(f"<li><strong>Warning:</strong> {e(w)}</li>"
                                                       for w in warnings) + "</ul>")
    return out


def _plus(row: Mapping) -> bool:
    """A pillar carries "+" when one of its sub-areas is above its level (its label says so)."""
    return str(row.get("label", "")).endswith("+")

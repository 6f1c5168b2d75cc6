"""The seed's three contribution areas (managing and facilitating movements, collaboration with
other States, combating transnational crime), rolled up from the sub-areas tagged with them: which
sub-areas serve each area and at what level. A chapter of the country report and a table of the
donor brief; frameworks without contribution areas (1.0) have neither.
"""
from __future__ import annotations

import pandas as pd

from ..framework import Framework
from ..present.html import e, missing, table
from ..present.levels import distribution_text, level_label, rule_name, spread_text
from ..scoring import lower_median
from .data import ReportData
from .parts import Numbering, chapter_heading, chapter_title

CHAPTER = "contributions"  # its title: parts.CHAPTER_TITLES, in the report's language
WEAKEST = 3  # sub-areas named as the weakest of an area in the brief


def contribution_profile(framework: Framework, subareas: pd.DataFrame) -> pd.DataFrame:
    """One row per contribution area: its sub-areas, the lower median of their levels, their
    lowest and highest level, how many sit at each level, and the weakest ones (labels)."""
    by_id = subareas.set_index("subarea_id")
    rows = []
    for area in framework.contribution_areas:
        ids = [s.id for s in framework.subareas.values() if area.id in s.contributes]
        scored = by_id.loc[[i for i in ids if not missing(by_id.loc[i, "level"])]]
        levels = [float(x) for x in scored["level"]]
        counts = {lv: sum(1 for x in levels if x == lv) for lv in (1, 2, 3, 4, 5)}
        weakest = scored.sort_values(["level", "min_level"], kind="stable").head(WEAKEST)
        level = lower_median(levels)
        rows.append({"area_id": area.id, "area": area.name, "description": area.description, "subareas": ids,
                     "n_subareas": len(ids), "n_scored": len(levels), "level": level,
                     "label": level_label(level, bool(levels) and max(levels) > level),
                     "min_level": min(levels) if levels else float("nan"),
                     "max_level": max(levels) if levels else float("nan"),
                     "distribution": distribution_text(counts),
                     "n_warnings": int((scored["warning"] != "").sum()),
                     "weakest": ", ".join(f"{i} {level_label(r.level, r.plus)}" for i, r in weakest.iterrows())})
    return pd.DataFrame(rows)


def contributions_html(data: ReportData, n: Numbering) -> str:
    """The chapter: per area, the profile of the sub-areas that serve it and each one's level."""
    fw = data.framework
    prof = contribution_profile(fw, data.scores.subareas)
    sub = data.scores.subareas.set_index("subarea_id")
    parts = [chapter_heading(CHAPTER, chapter_title(data, CHAPTER),
                             "The seed's three areas of contribution, each served by the sub-areas "
                             "tagged with it. An area's level is the lower median of its sub-areas' "
                             "levels; a sub-area may serve several areas. Like the pillars, the areas "
                             "are a profile: never added up.")]
    parts.append(table(n.table("Contribution areas: the profile of the sub-areas that serve each"),
                       ["Area", "Level", "Sub-areas (spread)", "Sub-areas at each level", "Weakest", "Warnings"],
                       [[r.area, r.label, spread_text(r.min_level, r.max_level), r.distribution,
                         r.weakest or "–", str(r.n_warnings)] for r in prof.itertuples()],
                       numeric=(1, 5), widths=(24, 8, 12, 22, 24, 10)))
    for r in prof.itertuples():
        rows = [[f"{i} {sub.loc[i, 'subarea']}", fw.pillar_of(i).name,
                 level_label(sub.loc[i, "level"], bool(sub.loc[i, "plus"])),
                 spread_text(sub.loc[i, "min_level"], sub.loc[i, "max_level"]), rule_name(sub.loc[i, "method"]),
                 sub.loc[i, "warning"] or "none"] for i in r.subareas]
        parts.append(f'<h3 id="contribution-{e(r.area_id)}">{e(r.area)}</h3><p>{e(r.description)} '
                     f"{r.n_subareas} sub-areas serve it; level {e(r.label)}"
                     + (f" (its sub-areas: {e(r.distribution)})." if r.n_scored else ".") + "</p>")
        parts.append(table(n.table(f"{r.area}: the sub-areas that serve it"),
                           ["Sub-area", "Pillar", "Level", "Indicators (spread)", "Rule", "Warning"], rows,
                           numeric=(2,), cls="mbm-wide", widths=(26, 14, 7, 10, 12, 31)))
    return "".join(parts)


def contributions_brief_html(data: ReportData, n: Numbering) -> str:
    """The donor brief's table: per area, its level, the spread of its sub-areas and the weakest."""
    prof = contribution_profile(data.framework, data.scores.subareas)
    if prof.empty:
        return ""
    return ('<h2 id="contributions">Contribution areas</h2>'
            + table(n.table("Contribution areas (lower median of the sub-areas that serve each)"),
                    ["Area", "Level", "Sub-areas at each level", "Weakest sub-areas"],
                    [[r.area, r.label, r.distribution, r.weakest or "–"] for r in prof.itertuples()],
                    numeric=(1,), widths=(24, 7, 43, 26)))

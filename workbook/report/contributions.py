"""The seed's three contribution areas (managing and facilitating movements, collaboration with
other States, combating transnational crime), rolled up from the sub-areas tagged with them: which
sub-areas serve each area and at what level. A chapter of the country report and a table of the
donor brief; frameworks without contribution areas (1.0) have neither.
"""
from __future__ import annotations

import pandas as pd

from ..framework import Framework
from ..i18n.messages import translator
from ..present.html import e, missing, table
from ..present.levels import distribution_text, level_label, rule_name, spread_text
from ..scoring import lower_median
from .data import ReportData
from .findings import warning_text
from .parts import Numbering, chapter_heading, chapter_title

CHAPTER = "contributions"  # its title: parts.CHAPTER_TITLES, in the report's language
WEAKEST = 3  # sub-areas named as the weakest of an area in the brief


def contribution_profile(framework: Framework, subareas: pd.DataFrame, lang: str | None = None) -> pd.DataFrame:
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
                     "label": level_label(level, bool(levels) and max(levels) > level, lang),
                     "min_level": min(levels) if levels else float("nan"),
                     "max_level": max(levels) if levels else float("nan"),
                     "distribution": distribution_text(counts, lang),
                     "n_warnings": int((scored["warning"] != "").sum()),
                     "weakest": ", ".join(f"{i} {level_label(r.level, r.plus)}" for i, r in weakest.iterrows())})
    return pd.DataFrame(rows)


def contributions_html(data: ReportData, n: Numbering) -> str:
    """The chapter: per area, the profile of the sub-areas that serve it and each one's level."""
    t = translator(data.lang)
    _ = t.gettext
    lang = data.lang
    fw = data.framework
    prof = contribution_profile(fw, data.scores.subareas, lang)
    sub = data.scores.subareas.set_index("subarea_id")
    parts = [chapter_heading(CHAPTER, chapter_title(data, CHAPTER),
                             _("The seed's three areas of contribution, each served by the sub-areas tagged with it. "
                               "An area's level is the lower median of its sub-areas' levels; a sub-area may serve "
                               "several areas. Like the pillars, the areas are a profile: never added up."))]
    parts.append(table(n.table(_("Contribution areas: the profile of the sub-areas that serve each")),
                       [_("Area"), _("Level"), _("Sub-areas (spread)"), _("Sub-areas at each level"), _("Weakest"),
                        _("Warnings")],
                       [[r.area, r.label, spread_text(r.min_level, r.max_level, lang), r.distribution,
                         r.weakest or "–", str(r.n_warnings)] for r in prof.itertuples()],
                       numeric=(1, 5), widths=(24, 8, 12, 22, 24, 10)))
    for r in prof.itertuples():
        rows = [[f"{i} {sub.loc[i, 'subarea']}", fw.pillar_of(i).name,
                 level_label(sub.loc[i, "level"], bool(sub.loc[i, "plus"]), lang),
                 spread_text(sub.loc[i, "min_level"], sub.loc[i, "max_level"], lang),
                 rule_name(sub.loc[i, "method"], lang),
                 warning_text(data, i, sub.loc[i, "warning"]) or _("none")] for i in r.subareas]
        serve = t.ngettext("%(n)s sub-areas serve it; level %(level)s", "%(n)s sub-areas serve it; level %(level)s",
                           r.n_subareas) % {"n": r.n_subareas, "level": r.label}
        detail = (" " + _("(its sub-areas: %(distribution)s).") % {"distribution": r.distribution} if r.n_scored
                  else ".")
        parts.append(f'<h3 id="contribution-{e(r.area_id)}">{e(r.area)}</h3><p>{e(r.description)} '
                     f"{e(serve + detail)}</p>")
        parts.append(table(n.table(_("%(area)s: the sub-areas that serve it") % {"area": r.area}),
                           [_("Sub-area"), _("Pillar"), _("Level"), _("Indicators (spread)"), _("Rule"),
                            _("Warning")], rows, numeric=(2,), cls="mbm-wide", widths=(26, 14, 7, 10, 12, 31)))
    return "".join(parts)


def contributions_brief_html(data: ReportData, n: Numbering) -> str:
    """The donor brief's table: per area, its level, the spread of its sub-areas and the weakest."""
    _ = translator(data.lang).gettext
    prof = contribution_profile(data.framework, data.scores.subareas, data.lang)
    if prof.empty:
        return ""
    return ('<h2 id="contributions">' + e(_("Contribution areas")) + "</h2>"
            + table(n.table(_("Contribution areas (lower median of the sub-areas that serve each)")),
                    [_("Area"), _("Level"), _("Sub-areas at each level"), _("Weakest sub-areas")],
                    [[r.area, r.label, r.distribution, r.weakest or "–"] for r in prof.itertuples()],
                    numeric=(1,), widths=(24, 7, 43, 26)))

"""The comparison report across countries and rounds: profiles side by side, not a ranking.

Assessments are listed alphabetically by country, then by round date; no total, no rank and
no sorting by level anywhere. Contents: a sub-area x assessment heat map of levels (split into
panels of :data:`HEATMAP_COLUMNS` assessments), the pillar profiles as small multiples, the pillar
levels with their spread, completion and status in a table, and, for countries assessed more than
once, the sub-areas whose level changed between rounds (sub-area ids are the same in framework
1.0 and 2.0, so rounds rated against either compare by id).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd
from nbformat import NotebookNode
from nbformat.v4 import new_notebook

from ..i18n import direction
from ..present.charts import heatmap_chart, profiles_chart
from ..present.html import e, figure, format_share, missing, table
from ..present.levels import change_text, level_label, spread_text
from .data import ReportData
from .parts import Numbering, html_cell
from .restricted import left_out_html, require_donor_data

HEATMAP_COLUMNS = 20
PROFILES_PER_FIGURE = 24


def _label(d: ReportData) -> str:
    return f"{d.info.country_code} {d.info.round}"


def _ordered(assessments: Sequence[ReportData]) -> list[ReportData]:
    return sorted(assessments, key=lambda d: (d.info.country_name.lower(), d.info.country_code, d.info.created_at))


def level_matrix(assessments: Sequence[ReportData]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sub-area levels and their labels (``2+``): one row per sub-area (``"ADM.1 Name"``, by id, so
    rounds rated against framework 1.0 and 2.0 share rows), one column per assessment."""
    levels, labels, names = {}, {}, {}
    for d in _ordered(assessments):
        s = d.scores.subareas
        levels[_label(d)] = pd.Series(s["level"].to_numpy(float), index=list(s["subarea_id"]))
        labels[_label(d)] = pd.Series(list(s["label"]), index=list(s["subarea_id"]), dtype=object)
        for sid, name in zip(s["subarea_id"], s["subarea"]):
            names.setdefault(sid, name)
    lv, lab = pd.DataFrame(levels), pd.DataFrame(labels)
    index = [f"{sid} {names[sid]}" for sid in lv.index]
    lv.index, lab.index = index, index
    return lv, lab


def level_changes(assessments: Sequence[ReportData]) -> list[list[str]]:
    """For each country with several rounds, the sub-areas whose level changed from one round to
    the next (by sub-area id): country, sub-area, rounds, labels, change in levels."""
    rows = []
    ordered = _ordered(assessments)
    for before, after in zip(ordered, ordered[1:]):
        if before.info.country_code != after.info.country_code:
            continue
        old = before.scores.subareas.set_index("subarea_id")
        for r in after.scores.subareas.itertuples():
            if r.subarea_id not in old.index:
                continue
            o = old.loc[r.subarea_id]
            if missing(o["level"]) and missing(r.level) or o["level"] == r.level:
                continue
            change = float("nan") if missing(o["level"]) or missing(r.level) else r.level - o["level"]
            rows.append([f"{after.info.country_name} ({after.info.country_code})", f"{r.subarea_id} {r.subarea}",
                         f"{before.info.round} to {after.info.round}",
                         f"{level_label(o['level'], bool(o['plus']))} to {level_label(r.level, r.plus)}",
                         change_text(change)])
    return rows


def _chunks(seq, size):
    return [seq[i:i + size] for i in range(0, len(seq), size)]


def compose_comparison(assessments: Sequence[ReportData], *, generated: dt.date | None = None) -> NotebookNode:
    """The comparison report as a notebook of outputs, from data read for donors when an
    assessment has restricted content (``load_report_data(..., for_donors=True)``): it is left out,
    and the cover says how much."""
    if not assessments:
        raise ValueError("a comparison needs at least one assessment")
    require_donor_data(assessments, "comparison report")
    ordered = _ordered(assessments)
    n = Numbering()
    fw = ordered[0].framework
    versions = sorted({d.info.framework_version for d in ordered})
    countries = sorted({d.info.country_code for d in ordered})
    fictional = any(d.info.fictional for d in ordered)
    intro = (f"{len(ordered)} assessments of {len(countries)} countries, rated against the {fw.title} "
             f"(version {', '.join(versions)}). Each country's capacity is shown as a profile across the "
             "pillars and sub-areas. Countries are listed alphabetically: the comparison shows profiles side "
             "by side, it is not a ranking, and no overall score is computed. Confidence and completion "
             "differ between assessments; read them next to every level.")
    head = (f'<header class="mbm-cover" aria-label="Cover"><p class="mbm-running">Comparison of capacity profiles · '
            f"{e((generated or dt.date.today()).isoformat())}</p><h1>Comparison of capacity profiles</h1>"
            f'<p class="mbm-subtitle">Migration and border management, {len(countries)} countries</p>'
            + ('<p><span class="mbm-fictional">Includes fictional countries: demonstration data</span></p>'
               if fictional else "") + f"<p>{e(intro)}</p>" + left_out_html(ordered, ordered[0].lang) + "</header>")
    contents = ('<nav class="mbm-toc" aria-labelledby="contents"><h2 id="contents">Contents</h2><ol>'
                '<li><a class="mbm-toc-link" href="#heatmap">Sub-area levels by country and round</a></li>'
                '<li><a class="mbm-toc-link" href="#profiles">Pillar profiles side by side</a></li>'
                '<li><a class="mbm-toc-link" href="#pillar-table">Pillar levels, completion and status</a></li>'
                '<li><a class="mbm-toc-link" href="#rounds">Change between rounds</a></li>'
                "</ol></nav>")
    matrix, labels = level_matrix(ordered)
    parts = ['<h2 id="heatmap" class="mbm-chapter">Sub-area levels by country and round</h2>'
             "<p>Each cell is a sub-area's level under its rule (levels 1 to 5; \"+\": an indicator is higher; a "
             "dash: not scored), coloured by level.</p>"]
    for k, cols in enumerate(_chunks(list(matrix.columns), HEATMAP_COLUMNS), start=1):
        part = matrix[cols]
        panel = f" (panel {k})" if len(matrix.columns) > HEATMAP_COLUMNS else ""
        title = "Sub-area levels by country and round" + panel
        parts.append(figure(heatmap_chart(part, title, labels[cols]),
                            n.figure(f"Sub-area levels, {cols[0]} to {cols[-1]} (alphabetical)")))
    profiles = [(_label(d), d.scores.pillars) for d in ordered]
    parts.append('<h2 id="profiles" class="mbm-chapter">Pillar profiles side by side</h2>'
                 "<p>One small chart per assessment, all on the same scale, in alphabetical order: each pillar's "
                 "level (the lower median of its sub-area levels) with a line from its lowest to its highest "
                 "sub-area.</p>")
    for group in _chunks(profiles, PROFILES_PER_FIGURE):
        parts.append(figure(profiles_chart(group),
                            n.figure(f"Pillar profiles, {group[0][0]} to {group[-1][0]} (alphabetical)")))
    pillars = [p.name for p in fw.pillars]
    rows = []
    for d in ordered:
        p = d.scores.pillars.set_index("pillar")
        total_rated, total_app = int(d.scores.pillars["n_rated"].sum()), int(d.scores.pillars["n_applicable"].sum())
        cells = []
        for name in pillars:
            if name not in p.index or missing(p.loc[name, "level"]):
                cells.append("not scored")
            else:
                r = p.loc[name]
                cells.append(f"{level_label(r['level'], r['label'].endswith('+'))} "
                             f"({spread_text(r['min_level'], r['max_level'])})")
        rows.append([f"{d.info.country_name} ({d.info.country_code}), {d.info.round}", *cells,
                     format_share(total_rated / total_app if total_app else float("nan")), d.info.status])
    parts.append('<h2 id="pillar-table" class="mbm-chapter">Pillar levels, completion and status</h2>')
    parts.append(table(n.table("Pillar levels by assessment, with the spread of their sub-area levels "
                               "(alphabetical; not a ranking)"),
                       ["Assessment", *pillars, "Completion", "Status"], rows,
                       numeric=tuple(range(1, len(pillars) + 2))))
    parts.append('<h2 id="rounds" class="mbm-chapter">Change between rounds</h2>'
                 "<p>For each country assessed more than once, the sub-areas whose level changed from one round to "
                 "the next, compared by sub-area id (the same in framework 1.0 and 2.0).</p>")
    changes = level_changes(ordered)
    parts.append(table(n.table("Sub-area levels that changed between rounds"),
                       ["Country", "Sub-area", "Rounds", "Level", "Change (levels)"], changes, numeric=(4,))
                 if changes else "<p>No country has two rounds with a sub-area whose level changed.</p>")
    nb = new_notebook()
    nb.metadata["title"] = "Comparison of capacity profiles"
    lang = assessments[0].lang if assessments else "en"
    nb.metadata["mbm"] = {"kind": "comparison", "running": "Comparison of capacity profiles", "status": "none",
                          "lang": lang, "dir": direction(lang)}
    nb.cells = [html_cell(head, "cover"), html_cell(contents, "contents"), html_cell("".join(parts), "comparison")]
    return nb

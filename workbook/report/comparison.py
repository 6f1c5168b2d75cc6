"""The comparison report across countries and rounds: profiles side by side, not a ranking.

Assessments are listed alphabetically by country, then by round date; no total, no rank and
no sorting by score anywhere. Contents: a sub-area x assessment heat map (split into panels of
:data:`HEATMAP_COLUMNS` assessments), the pillar profiles as small multiples, and the pillar
scores with completion and confidence in a table.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd
from nbformat import NotebookNode
from nbformat.v4 import new_notebook

from ..i18n import direction
from ..present.charts import heatmap_chart, profiles_chart
from ..present.html import e, figure, format_score, format_share, table
from .data import ReportData
from .parts import Numbering, html_cell

HEATMAP_COLUMNS = 20
PROFILES_PER_FIGURE = 24


def _label(d: ReportData) -> str:
    return f"{d.info.country_code} {d.info.round}"


def _ordered(assessments: Sequence[ReportData]) -> list[ReportData]:
    return sorted(assessments, key=lambda d: (d.info.country_name.lower(), d.info.country_code, d.info.created_at))


def score_matrix(assessments: Sequence[ReportData]) -> pd.DataFrame:
    """Sub-area scores: one row per sub-area (``"ADM.1 Name"``), one column per assessment."""
    cols = {}
    for d in _ordered(assessments):
        s = d.scores.subareas
        cols[_label(d)] = pd.Series(s["score"].to_numpy(float), index=[f"{a} {b}" for a, b in
                                                                       zip(s["subarea_id"], s["subarea"])])
    return pd.DataFrame(cols)


def _chunks(seq, size):
    return [seq[i:i + size] for i in range(0, len(seq), size)]


def compose_comparison(assessments: Sequence[ReportData], *, generated: dt.date | None = None) -> NotebookNode:
    """The comparison report as a notebook of outputs."""
    if not assessments:
        raise ValueError("a comparison needs at least one assessment")
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
             "differ between assessments; read them next to every score.")
    head = (f'<header class="mbm-cover" aria-label="Cover"><p class="mbm-running">Comparison of capacity profiles · '
            f"{e((generated or dt.date.today()).isoformat())}</p><h1>Comparison of capacity profiles</h1>"
            f'<p class="mbm-subtitle">Migration and border management, {len(countries)} countries</p>'
            + ('<p><span class="mbm-fictional">Includes fictional countries: demonstration data</span></p>'
               if fictional else "") + f"<p>{e(intro)}</p></header>")
    contents = ('<nav class="mbm-toc" aria-labelledby="contents"><h2 id="contents">Contents</h2><ol>'
                '<li><a class="mbm-toc-link" href="#heatmap">Sub-area scores by country and round</a></li>'
                '<li><a class="mbm-toc-link" href="#profiles">Pillar profiles side by side</a></li>'
                '<li><a class="mbm-toc-link" href="#pillar-table">Pillar scores, completion and confidence</a></li>'
                "</ol></nav>")
    matrix = score_matrix(ordered)
    parts = ['<h2 id="heatmap" class="mbm-chapter">Sub-area scores by country and round</h2>'
             "<p>Each cell is a sub-area's score (levels 1 to 5; a dash: not scored), coloured by level.</p>"]
    for k, cols in enumerate(_chunks(list(matrix.columns), HEATMAP_COLUMNS), start=1):
        part = matrix[cols]
        panel = f" (panel {k})" if len(matrix.columns) > HEATMAP_COLUMNS else ""
        title = "Sub-area scores by country and round" + panel
        parts.append(figure(heatmap_chart(part, title),
                            n.figure(f"Sub-area scores, {cols[0]} to {cols[-1]} (alphabetical)")))
    profiles = [(_label(d), d.scores.pillars) for d in ordered]
    parts.append('<h2 id="profiles" class="mbm-chapter">Pillar profiles side by side</h2>'
                 "<p>One small chart per assessment, all on the same scale, in alphabetical order.</p>")
    for group in _chunks(profiles, PROFILES_PER_FIGURE):
        parts.append(figure(profiles_chart(group),
                            n.figure(f"Pillar profiles, {group[0][0]} to {group[-1][0]} (alphabetical)")))
    pillars = [p.name for p in fw.pillars]
    rows = []
    for d in ordered:
        p = d.scores.pillars.set_index("pillar")
        total_rated, total_app = int(d.scores.pillars["n_rated"].sum()), int(d.scores.pillars["n_applicable"].sum())
        rows.append([f"{d.info.country_name} ({d.info.country_code}), {d.info.round}",
                     *[format_score(p.loc[name, "score"]) if name in p.index else "not scored" for name in pillars],
                     format_share(total_rated / total_app if total_app else float("nan")),
                     d.info.status])
    parts.append('<h2 id="pillar-table" class="mbm-chapter">Pillar scores, completion and confidence</h2>')
    parts.append(table(n.table("Pillar scores by assessment (alphabetical; not a ranking)"),
                       ["Assessment", *pillars, "Completion", "Status"], rows,
                       numeric=tuple(range(1, len(pillars) + 2))))
    nb = new_notebook()
    nb.metadata["title"] = "Comparison of capacity profiles"
    lang = assessments[0].lang if assessments else "en"
    nb.metadata["mbm"] = {"kind": "comparison", "running": "Comparison of capacity profiles", "status": "none",
                          "lang": lang, "dir": direction(lang)}
    nb.cells = [html_cell(head, "cover"), html_cell(contents, "contents"), html_cell("".join(parts), "comparison")]
    return nb

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
from ..i18n.messages import translator
from ..i18n.countries import country_name
from ..present.charts import heatmap_chart, profiles_chart
from ..present.html import e, figure, format_date, format_share, format_status, missing, table
from ..present.levels import change_text, level_label, spread_text
from .data import ReportData
from .parts import Numbering, html_cell
from .restricted import left_out_html, require_donor_data

HEATMAP_COLUMNS = 20
PROFILES_PER_FIGURE = 24


def _label(d: ReportData) -> str:
    return f"{d.info.country_code} {d.info.round}"


def _name(d: ReportData) -> str:
    """The country's name in the report's language (pycountry's translation; a fictional country's own)."""
    return country_name(d.info.country_code, d.lang, given=d.info.country_name)


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


def level_changes(assessments: Sequence[ReportData], lang: str | None = None) -> list[list[str]]:
    """For each country with several rounds, the sub-areas whose level changed from one round to
    the next (by sub-area id): country, sub-area, rounds, labels, change in levels (in ``lang``)."""
    to = translator(lang or "en").pgettext("levels", "%(start)s to %(end)s")
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
            rows.append([f"{_name(after)} ({after.info.country_code})", f"{r.subarea_id} {r.subarea}",
                         to % {"start": before.info.round, "end": after.info.round},
                         to % {"start": level_label(o["level"], bool(o["plus"]), lang=lang),
                               "end": level_label(r.level, r.plus, lang=lang)},
                         change_text(change, lang=lang)])
    return rows


def _chunks(seq, size):
    return [seq[i:i + size] for i in range(0, len(seq), size)]


def compose_comparison(assessments: Sequence[ReportData], *, generated: dt.date | None = None) -> NotebookNode:
    """The comparison report as a notebook of outputs, from data read for donors when an
    assessment has restricted content (``load_report_data(..., for_donors=True)``): it is left out,
    and the cover says how much. In the language the assessments were read in (``ReportData.lang``)."""
    if not assessments:
        raise ValueError("a comparison needs at least one assessment")
    require_donor_data(assessments, "comparison report")
    ordered = _ordered(assessments)
    lang = ordered[0].lang or "en"
    t = translator(lang)
    _ = t.gettext
    code = None if lang == "en" else lang
    n = Numbering(lang)
    fw = ordered[0].framework
    versions = sorted({d.info.framework_version for d in ordered})
    countries = sorted({d.info.country_code for d in ordered})
    fictional = any(d.info.fictional for d in ordered)
    title = _("Comparison of capacity profiles")
    intro = " ".join([
        t.ngettext("%(n)s assessment of %(countries)s, rated against the %(framework)s (version %(versions)s).",
                   "%(n)s assessments of %(countries)s, rated against the %(framework)s (version %(versions)s).",
                   len(ordered)) % {
            "n": len(ordered), "framework": fw.title, "versions": ", ".join(versions),
            "countries": t.ngettext("%(n)s country", "%(n)s countries", len(countries)) % {"n": len(countries)}},
        _("Each country's capacity is shown as a profile across the pillars and sub-areas. Countries are listed "
          "alphabetically: the comparison shows profiles side by side, it is not a ranking, and no overall score "
          "is computed. Confidence and completion differ between assessments; read them next to every level.")])
    subtitle = t.ngettext("Migration and border management, %(n)s country",
                          "Migration and border management, %(n)s countries", len(countries)) % {"n": len(countries)}
    cover, marked = _("Cover"), _("Includes fictional countries: demonstration data")
    head = (f'<header class="mbm-cover" aria-label="{e(cover)}"><p class="mbm-running">{e(title)} · '
            f"{e(format_date(generated or dt.date.today(), lang=code))}</p><h1>{e(title)}</h1>"
            f'<p class="mbm-subtitle">{e(subtitle)}</p>'
            + (f'<p><span class="mbm-fictional">{e(marked)}</span></p>' if fictional else "")
            + f"<p>{e(intro)}</p>" + left_out_html(ordered, lang) + "</header>")
    chapters = {"heatmap": _("Sub-area levels by country and round"), "profiles": _("Pillar profiles side by side"),
                "pillar-table": _("Pillar levels, completion and status"), "rounds": _("Change between rounds")}
    contents = ('<nav class="mbm-toc" aria-labelledby="contents"><h2 id="contents">' + e(_("Contents")) + "</h2><ol>"
                + "".join(f'<li><a class="mbm-toc-link" href="#{k}">{e(v)}</a></li>' for k, v in chapters.items())
                + "</ol></nav>")
    alphabetical = _("(alphabetical)")
    matrix, labels = level_matrix(ordered)
    heat_help = _("Each cell is a sub-area's level under its rule (levels 1 to 5; \"+\": an indicator is higher; "
                  "a dash: not scored), coloured by level.")
    parts = [f'<h2 id="heatmap" class="mbm-chapter">{e(chapters["heatmap"])}</h2><p>{e(heat_help)}</p>']
    for k, cols in enumerate(_chunks(list(matrix.columns), HEATMAP_COLUMNS), start=1):
        part = matrix[cols]
        panel = (" " + _("(panel %(n)s)") % {"n": k}) if len(matrix.columns) > HEATMAP_COLUMNS else ""
        caption = _("Sub-area levels, %(first)s to %(last)s") % {"first": cols[0], "last": cols[-1]}
        parts.append(figure(heatmap_chart(part, chapters["heatmap"] + panel, labels[cols], lang=lang),
                            n.figure(f"{caption} {alphabetical}")))
    profiles = [(_label(d), d.scores.pillars) for d in ordered]
    profiles_help = _("One small chart per assessment, all on the same scale, in alphabetical order: each pillar's "
                      "level (the lower median of its sub-area levels) with a line from its lowest to its highest "
                      "sub-area.")
    parts.append(f'<h2 id="profiles" class="mbm-chapter">{e(chapters["profiles"])}</h2><p>{e(profiles_help)}</p>')
    for group in _chunks(profiles, PROFILES_PER_FIGURE):
        caption = _("Pillar profiles, %(first)s to %(last)s") % {"first": group[0][0], "last": group[-1][0]}
        parts.append(figure(profiles_chart(group, chapters["profiles"], lang=lang),
                            n.figure(f"{caption} {alphabetical}")))
    pillars = [p.name for p in fw.pillars]
    rows = []
    for d in ordered:
        p = d.scores.pillars.set_index("pillar")
        total_rated, total_app = int(d.scores.pillars["n_rated"].sum()), int(d.scores.pillars["n_applicable"].sum())
        cells = []
        for name in pillars:
            if name not in p.index or missing(p.loc[name, "level"]):
                cells.append(level_label(float("nan"), lang=lang))
            else:
                r = p.loc[name]
                cells.append(f"{level_label(r['level'], r['label'].endswith('+'), lang=lang)} "
                             f"({spread_text(r['min_level'], r['max_level'], lang=lang)})")
        rows.append([f"{_name(d)} ({d.info.country_code}), {d.info.round}", *cells,
                     format_share(total_rated / total_app if total_app else float("nan"), lang=code),
                     format_status(d.info.status, lang=code)])
    parts.append(f'<h2 id="pillar-table" class="mbm-chapter">{e(chapters["pillar-table"])}</h2>')
    parts.append(table(n.table(_("Pillar levels by assessment, with the spread of their sub-area levels "
                                 "(alphabetical; not a ranking)")),
                       [_("Assessment"), *pillars, _("Completion"), _("Status")], rows,
                       numeric=tuple(range(1, len(pillars) + 2))))
    rounds_help = _("For each country assessed more than once, the sub-areas whose level changed from one round to "
                    "the next, compared by sub-area id (the same in framework 1.0 and 2.0).")
    parts.append(f'<h2 id="rounds" class="mbm-chapter">{e(chapters["rounds"])}</h2><p>{e(rounds_help)}</p>')
    changes = level_changes(ordered, lang)
    unchanged = _("No country has two rounds with a sub-area whose level changed.")
    parts.append(table(n.table(_("Sub-area levels that changed between rounds")),
                       [_("Country"), _("Sub-area"), _("Rounds"), _("Level"), _("Change (levels)")], changes,
                       numeric=(4,))
                 if changes else f"<p>{e(unchanged)}</p>")
    nb = new_notebook()
    nb.metadata["title"] = title
    nb.metadata["mbm"] = {"kind": "comparison", "running": title, "status": "none", "lang": lang,
                          "dir": direction(lang)}
    nb.cells = [html_cell(head, "cover"), html_cell(contents, "contents"), html_cell("".join(parts), "comparison")]
    return nb

"""The two-page donor brief: where a country stands and where support is needed.

Page 1: the profile (chart and pillar levels with their spread), strengths, main gaps, warnings
and data quality. Page 2: the contribution areas, priority gaps nobody funds, the short-term road
map (or the top suggested actions), the initiatives already running and, after a follow-up
round, the change in levels since the baseline. Levels, never means.
Lists are cut to fixed lengths and long titles shortened, so the brief always prints on two
A4 pages (tests check the page count).

Once the team commits a road map, the brief becomes the funding summary
(:mod:`workbook.report.funding`): what the country needs, what it costs, what changes for whom,
what is already funded, the ask and the SDG/GCM alignment, in full sentences and whole titles.
"""
from __future__ import annotations

from nbformat import NotebookNode
from nbformat.v4 import new_notebook

from ..i18n.messages import N_, translator
from ..present.charts import profile_chart
from ..present.html import e, figure, format_date, format_share, format_status, items, missing, table, text_or_dash
from ..present.levels import change_text, confidence_text, level_label, pillar_distribution, spread_text
from ..scoring import WARN_FROM, WEAK_AT
from .contributions import contributions_brief_html
from .country import STRENGTH_FROM, data_quality, level_changes, main_gaps, roadmap_word, strengths
from .data import ReportData
from .funding import page1 as funding_page1, page2 as funding_page2
from .parts import Numbering, html_cell, para, report_metadata
from .restricted import left_out_html, require_donor_data

MAX_ROWS = 5
MAX_PAGE2_ROWS = 4  # rows of each page-2 table: with the contribution areas and a follow-up it must still fit
MAX_TEXT = 80
MAX_ITEMS = 3  # strengths and main gaps on page 1 (a gap takes up to four lines of its column)
MAX_WARNINGS = 3  # sub-areas named in the warnings line (the rest counted)


def _short(text, n: int = MAX_TEXT) -> str:
    text = text_or_dash(text)
    return text if len(text) <= n else text[: n - 1] + "\u2026"


def _first(caption: str, frame, lang: str = "en") -> tuple[str, object]:
    """The first page-2 rows of ``frame`` and the caption, saying how many the full report lists."""
    shown = frame.head(MAX_PAGE2_ROWS)
    more = (" " + translator(lang).gettext("(first %(shown)s of %(total)s; all in the full report)") % {
        "shown": len(shown), "total": len(frame)} if len(frame) > len(shown) else "")
    return caption + more, shown


def _warnings_html(data: ReportData) -> str:
    """The sub-areas with a warning, briefly: ``ADM.4 at 3 (ADM.4.2 at 2)``; the first few named."""
    t = translator(data.lang)
    _ = t.gettext
    ind = data.scores.indicators
    warned = []
    for r in data.scores.subareas[data.scores.subareas["warning"] != ""].itertuples():
        weak = ind[(ind["subarea_id"] == r.subarea_id) & ind["level"].notna() & (ind["level"] <= WEAK_AT)]
        warned.append(_("%(subarea)s at %(level)s") % {"subarea": r.subarea_id, "level": level_label(r.level, r.plus)}
                      + " (" + _(", ").join(_("%(subarea)s at %(level)s") % {
                          "subarea": w.indicator_id, "level": int(w.level)} for w in weak.itertuples()) + ")")
    levels = {"from": WARN_FROM, "weak": WEAK_AT}
    if not warned:
        return para(_("No sub-area reads level %(from)s or above with an indicator at level %(weak)s or below.")
                    % levels)
    extra = len(warned) - MAX_WARNINGS
    more = (_("; ") + t.ngettext("and %(n)s more in the full report", "and %(n)s more in the full report", extra)
            % {"n": extra} if extra > 0 else "")
    head = t.ngettext("%(n)s sub-area(s) read level %(from)s or above with an indicator at level %(weak)s or below:",
                      "%(n)s sub-area(s) read level %(from)s or above with an indicator at level %(weak)s or below:",
                      len(warned)) % {**levels, "n": len(warned)}
    listed = _("; ").join(warned[:MAX_WARNINGS])  # outside the f-string: Babel does not extract from inside one
    return para(f"{head} {listed + more}.")


def _page1(data: ReportData, n: Numbering) -> str:
    t = translator(data.lang)
    _ = t.gettext
    lang = data.lang
    info = data.info
    p = data.scores.pillars
    q = data_quality(data)
    word = format_status(info.status, lang=lang, words=True)
    status = word if info.status == "final" else _("%(status)s: results may still change") % {"status": word}
    subtitle = _("Migration and border management capacity, %(round)s") % {"round": info.round}
    details = _("framework %(version)s") % {"version": info.framework_version}
    fictional = _("Fictional country: demonstration data")
    title = _("%(country)s: donor brief") % {"country": data.country_label}
    head = ('<header class="mbm-cover" aria-label="' + e(_("Brief heading")) + '">'
            f'<p class="mbm-running">{e(data.running_title)}</p>'
            f"<h1>{e(title)}</h1>"
            f'<p class="mbm-subtitle">{e(subtitle)} '
            f'(<span class="mbm-status">{e(status)}</span>; {e(details)}; '
            f"{e(data.generated.isoformat())})</p>"
            + (f'<p><span class="mbm-fictional">{e(fictional)}</span></p>' if info.fictional else "")
            + left_out_html([data], data.lang) + "</header>")
    chart = figure(profile_chart(p, title=N_("Capacity profile (a profile, not a ranking)"), lang=lang),
                   n.figure(_("Capacity profile by pillar: levels 1 to 5, a line from the lowest to the highest "
                              "sub-area")))
    levels = table(n.table(_("Pillar levels (lower median of the sub-area levels)")),
                   [_("Pillar"), _("Level"), _("Sub-areas (spread)"), _("Sub-areas at each level"), _("Completion"),
                    _("Confidence")],
                   [[r.pillar, level_label(r.level, r.label.endswith("+"), lang),
                     spread_text(r.min_level, r.max_level, lang), pillar_distribution(r._asdict(), lang),
                     format_share(r.completion), confidence_text(r.confidence, lang=lang)]
                    for r in p.itertuples()], numeric=(1,), widths=(24, 8, 11, 35, 11, 11))
    quality = _("%(n_rated)s of %(n_applicable)s applicable indicators rated (%(share)s); confidence %(high)s high, "
                "%(medium)s medium, %(low)s low; %(flagged)s indicators flagged (%(ie)s to verify first).") % {
        **q, "share": format_share(q["completion"])}

    def h2(anchor: str, title: str) -> str:
        return f'<h2 id="{anchor}">{e(title)}</h2>'
    return (head + h2("profile", _("Where capacity stands")) + chart + levels
            + '<div class="mbm-columns"><div>' + h2("strengths", _("Strengths"))
            + items([_short(s) for s in strengths(data)[:MAX_ITEMS]],
                    _("No sub-area at level %(strength)s or above without a weak indicator yet.") % {
                        "strength": STRENGTH_FROM})
            + "</div><div>" + h2("gaps", _("Main gaps"))
            + items([_short(g, 130) for g in main_gaps(data)[:MAX_ITEMS]], _("No gap to a long-term target."))
            + "</div></div>" + h2("quality", _("Warnings and data quality"))
            + _warnings_html(data) + para(quality))


def _page2(data: ReportData, n: Numbering) -> str:
    t = translator(data.lang)
    _ = t.gettext
    lang = data.lang
    label = {sid: f"{sid} {sa.name}" for sid, sa in data.framework.subareas.items()}

    def h2(anchor: str, title: str) -> str:
        return f'<h2 id="{anchor}">{e(title)}</h2>'
    parts = ['<section class="mbm-page2" aria-labelledby="support">', contributions_brief_html(data, n),
             h2("support", _("Where support is needed"))]
    dm = data.donor_map
    if dm is not None and len(dm.unfunded):
        caption, gaps = _first(_("Priority gaps with no initiative and no committed funding"), dm.unfunded, lang)
        parts.append(table(n.table(caption), [_("Sub-area"), _("Priority"), _("Gap"), _("Note")],
                           [[_short(label[r.subarea_id], 60), f"{r.priority:g}", f"{r.gap_long:g}", r.note]
                            for r in gaps.itertuples()], numeric=(1, 2), widths=(55, 10, 8, 27)))
    else:
        parts.append(para(_("Every priority sub-area has an initiative or committed funding.")))
    road = data.roadmap
    parts.append(h2("next-steps", _("Next steps (short term)")))
    if road is not None and len(road.table):
        short = road.table[road.table["horizon"] == "short"]
        caption, short = _first(_("Road map: first recommendations"), short if len(short) else road.table, lang)
        parts.append(table(n.table(caption), [_("Recommendation"), _("Sub-area"), _("Lead agency"), _("Funding"),
                                              _("End")],
                           [[_short(f"{r.order}. {r.title}", 52), r.subarea_id, _short(r.lead_agency, 24),
                             roadmap_word(text_or_dash(r.funding_status), lang), format_date(r.end)]
                            for r in short.itertuples()],
                           widths=(48, 8, 22, 10, 12)))
    elif data.suggestions is not None and len(data.suggestions):
        parts.append(para(_("No recommendation recorded yet; the top suggested actions for the highest-priority "
                            "gaps:")))
        caption, top = _first(_("Suggested actions (not yet adopted)"), data.suggestions, lang)
        parts.append(table(n.table(caption), [_("Action"), _("Sub-area"), _("Type"), _("Cost")],
                           [[_short(r.title, 70), r.subarea_id, roadmap_word(r.action_type, lang),
                             roadmap_word(r.cost_band, lang)] for r in top.itertuples()], widths=(60, 10, 20, 10)))
    else:
        parts.append(para(_("No recommendation recorded and none suggested.")))
    parts.append(h2("initiatives", _("Support already under way")))
    if dm is not None and len(dm.initiatives):
        caption, ini = _first(_("Initiatives recorded"), dm.initiatives, lang)
        parts.append(table(n.table(caption), [_("Initiative"), _("Donor"), _("Budget"), _("Period")],
                           [[_short(r.title, 46), _short(r.donor, 18),
                             "–" if missing(r.budget) else f"{float(r.budget):,.0f} {text_or_dash(r.currency)}",
                             _("%(start)s to %(end)s") % {"start": format_date(r.start_date),
                                                          "end": format_date(r.end_date)}]
                            for r in ini.itertuples()],
                           widths=(42, 17, 16, 25)))
        if len(dm.overlaps):
            parts.append(para(t.ngettext(
                "%(n)s pair(s) of initiatives of different donors address the same sub-area at the same time: see "
                "the donor map in the full report.",
                "%(n)s pair(s) of initiatives of different donors address the same sub-area at the same time: see "
                "the donor map in the full report.", len(dm.overlaps)) % {"n": len(dm.overlaps)}))
    else:
        parts.append(para(_("No capacity-building initiative is recorded for this country.")))
    fu = data.follow_up
    if fu is not None and data.baseline is not None:
        _sub, pil = level_changes(data.baseline, data.scores, lang)
        parts.append(h2("change", _("Change since %(round)s") % {"round": fu.baseline}))
        parts.append(table(n.table(_("Change per pillar (levels)")), [_("Pillar"), fu.baseline, fu.followup,
                                                                       _("Change")],
                           [[r.pillar, r.baseline_label, r.followup_label, change_text(r.change, lang)]
                            for r in pil.itertuples()], numeric=(1, 2, 3)))
    team = ", ".join(name for name, _o, _r in data.info.team[:6])
    note = _("Assessment team: %(team)s. The full country report holds the methodology, every rating with its "
             "evidence and the complete road map.") % {"team": team or _("not recorded")}
    parts.append(f'<p class="mbm-note">{e(note)}</p>')
    parts.append("</section>")
    return "".join(parts)


def compose_brief(data: ReportData) -> NotebookNode:
    """The donor brief as a notebook of outputs (render with :func:`~workbook.report.render_html`).
    ``data`` read for donors (``load_report_data(..., for_donors=True)``) when the assessment has
    restricted content: the brief leaves it out and says how much."""
    require_donor_data([data], "donor brief")
    n = Numbering(data.lang)
    nb = new_notebook()
    gettext = translator(data.lang).gettext
    nb.metadata["mbm"] = report_metadata(data, "brief")
    if data.funding is not None:
        nb.metadata["title"] = gettext("%(country)s: funding summary, %(round)s") % {
            "country": data.country_label, "round": data.info.round}
        nb.cells = [html_cell(funding_page1(data, n), "brief-page-1"),
                    html_cell(funding_page2(data, n), "brief-page-2")]
        return nb
    nb.metadata["title"] = gettext("%(country)s: donor brief, %(round)s") % {
        "country": data.country_label, "round": data.info.round}
    nb.cells = [html_cell(_page1(data, n), "brief-page-1"), html_cell(_page2(data, n), "brief-page-2")]
    return nb

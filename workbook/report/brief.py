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

from ..present.charts import profile_chart
from ..present.html import e, figure, format_date, format_share, items, missing, table, text_or_dash
from ..present.levels import change_text, confidence_text, level_label, pillar_distribution, spread_text
from ..scoring import WARN_FROM, WEAK_AT
from .contributions import contributions_brief_html
from .country import STRENGTH_FROM, data_quality, level_changes, main_gaps, strengths
from .data import ReportData
from .funding import page1 as funding_page1, page2 as funding_page2
from .parts import Numbering, html_cell, report_metadata
from .restricted import left_out_html, require_donor_data

MAX_ROWS = 5
MAX_PAGE2_ROWS = 4  # rows of each page-2 table: with the contribution areas and a follow-up it must still fit
MAX_TEXT = 80
MAX_ITEMS = 3  # strengths and main gaps on page 1 (a gap takes up to four lines of its column)
MAX_WARNINGS = 3  # sub-areas named in the warnings line (the rest counted)


def _short(text, n: int = MAX_TEXT) -> str:
    text = text_or_dash(text)
    return text if len(text) <= n else text[: n - 1] + "\u2026"


def _first(caption: str, frame) -> tuple[str, object]:
    """The first page-2 rows of ``frame`` and the caption, saying how many the full report lists."""
    shown = frame.head(MAX_PAGE2_ROWS)
    more = f" (first {len(shown)} of {len(frame)}; all in the full report)" if len(frame) > len(shown) else ""
    return caption + more, shown


def _warnings_html(data: ReportData) -> str:
    """The sub-areas with a warning, briefly: ``ADM.4 at 3 (ADM.4.2 at 2)``; the first few named."""
    ind = data.scores.indicators
    warned = []
    for r in data.scores.subareas[data.scores.subareas["warning"] != ""].itertuples():
        weak = ind[(ind["subarea_id"] == r.subarea_id) & ind["level"].notna() & (ind["level"] <= WEAK_AT)]
        warned.append(f"{r.subarea_id} at {level_label(r.level, r.plus)} ("
                      + ", ".join(f"{w.indicator_id} at {int(w.level)}" for w in weak.itertuples()) + ")")
    if not warned:
        return f"<p>No sub-area reads level {WARN_FROM} or above with an indicator at level {WEAK_AT} or below.</p>"
    more = f"; and {len(warned) - MAX_WARNINGS} more in the full report" if len(warned) > MAX_WARNINGS else ""
    return (f"<p>{len(warned)} sub-area(s) read level {WARN_FROM} or above with an indicator at level {WEAK_AT} or "
            f"below: {e('; '.join(warned[:MAX_WARNINGS]) + more)}.</p>")


def _page1(data: ReportData, n: Numbering) -> str:
    info = data.info
    p = data.scores.pillars
    q = data_quality(data)
    status = "final" if info.status == "final" else f"{info.status}: results may still change"
    head = (f'<header class="mbm-cover" aria-label="Brief heading"><p class="mbm-running">{e(data.running_title)}</p>'
            f"<h1>{e(data.country_label)}: donor brief</h1>"
            f'<p class="mbm-subtitle">Migration and border management capacity, {e(info.round)} '
            f'(<span class="mbm-status">{e(status)}</span>; framework {e(info.framework_version)}; '
            f"{e(data.generated.isoformat())})</p>"
            + ('<p><span class="mbm-fictional">Fictional country: demonstration data</span></p>'
               if info.fictional else "") + left_out_html([data], data.lang) + "</header>")
    chart = figure(profile_chart(p, title="Capacity profile (a profile, not a ranking)"),
                   n.figure("Capacity profile by pillar: levels 1 to 5, a line from the lowest to the highest "
                            "sub-area"))
    levels = table(n.table("Pillar levels (lower median of the sub-area levels)"),
                   ["Pillar", "Level", "Sub-areas (spread)", "Sub-areas at each level", "Completion", "Confidence"],
                   [[r.pillar, level_label(r.level, r.label.endswith("+")), spread_text(r.min_level, r.max_level),
                     pillar_distribution(r._asdict()), format_share(r.completion), confidence_text(r.confidence)]
                    for r in p.itertuples()], numeric=(1,), widths=(24, 8, 11, 35, 11, 11))
    quality = (f"{q['n_rated']} of {q['n_applicable']} applicable indicators rated "
               f"({format_share(q['completion'])}); confidence {q['high']} high, {q['medium']} medium, "
               f"{q['low']} low; {q['flagged']} indicators flagged ({q['ie']} to verify first).")
    return (head + '<h2 id="profile">Where capacity stands</h2>' + chart + levels
            + '<div class="mbm-columns"><div><h2 id="strengths">Strengths</h2>'
            + items([_short(s) for s in strengths(data)[:MAX_ITEMS]], f"No sub-area at level {STRENGTH_FROM} or above "
                                                               "without a weak indicator yet.")
            + '</div><div><h2 id="gaps">Main gaps</h2>'
            + items([_short(g, 130) for g in main_gaps(data)[:MAX_ITEMS]], "No gap to a long-term target.")
            + '</div></div><h2 id="quality">Warnings and data quality</h2>'
            + _warnings_html(data) + f"<p>{e(quality)}</p>")


def _page2(data: ReportData, n: Numbering) -> str:
    label = {sid: f"{sid} {sa.name}" for sid, sa in data.framework.subareas.items()}
    parts = ['<section class="mbm-page2" aria-labelledby="support">', contributions_brief_html(data, n),
             '<h2 id="support">Where support is needed</h2>']
    dm = data.donor_map
    if dm is not None and len(dm.unfunded):
        caption, gaps = _first("Priority gaps with no initiative and no committed funding", dm.unfunded)
        parts.append(table(n.table(caption), ["Sub-area", "Priority", "Gap", "Note"],
                           [[_short(label[r.subarea_id], 60), f"{r.priority:g}", f"{r.gap_long:g}", r.note]
                            for r in gaps.itertuples()], numeric=(1, 2), widths=(55, 10, 8, 27)))
    else:
        parts.append("<p>Every priority sub-area has an initiative or committed funding.</p>")
    road = data.roadmap
    parts.append('<h2 id="next-steps">Next steps (short term)</h2>')
    if road is not None and len(road.table):
        short = road.table[road.table["horizon"] == "short"]
        caption, short = _first("Road map: first recommendations", short if len(short) else road.table)
        parts.append(table(n.table(caption), ["Recommendation", "Sub-area", "Lead agency", "Funding", "End"],
                           [[_short(f"{r.order}. {r.title}", 52), r.subarea_id, _short(r.lead_agency, 24),
                             text_or_dash(r.funding_status), format_date(r.end)] for r in short.itertuples()],
                           widths=(48, 8, 22, 10, 12)))
    elif data.suggestions is not None and len(data.suggestions):
        parts.append("<p>No recommendation recorded yet; the top suggested actions for the highest-priority "
                     "gaps:</p>")
        caption, top = _first("Suggested actions (not yet adopted)", data.suggestions)
        parts.append(table(n.table(caption), ["Action", "Sub-area", "Type", "Cost"],
                           [[_short(r.title, 70), r.subarea_id, r.action_type.replace("_", " "), r.cost_band]
                            for r in top.itertuples()], widths=(60, 10, 20, 10)))
    else:
        parts.append("<p>No recommendation recorded and none suggested.</p>")
    parts.append('<h2 id="initiatives">Support already under way</h2>')
    if dm is not None and len(dm.initiatives):
        caption, ini = _first("Initiatives recorded", dm.initiatives)
        parts.append(table(n.table(caption), ["Initiative", "Donor", "Budget", "Period"],
                           [[_short(r.title, 46), _short(r.donor, 18),
                             "–" if missing(r.budget) else f"{float(r.budget):,.0f} {text_or_dash(r.currency)}",
                             f"{format_date(r.start_date)} to {format_date(r.end_date)}"] for r in ini.itertuples()],
                           widths=(42, 17, 16, 25)))
        if len(dm.overlaps):
            parts.append(f"<p>{len(dm.overlaps)} pair(s) of initiatives of different donors address the same "
                         "sub-area at the same time: see the donor map in the full report.</p>")
    else:
        parts.append("<p>No capacity-building initiative is recorded for this country.</p>")
    fu = data.follow_up
    if fu is not None and data.baseline is not None:
        _sub, pil = level_changes(data.baseline, data.scores)
        parts.append(f'<h2 id="change">Change since {e(fu.baseline)}</h2>')
        parts.append(table(n.table("Change per pillar (levels)"), ["Pillar", fu.baseline, fu.followup, "Change"],
                           [[r.pillar, r.baseline_label, r.followup_label, change_text(r.change)]
                            for r in pil.itertuples()], numeric=(1, 2, 3)))
    team = ", ".join(name for name, _o, _r in data.info.team[:6])
    parts.append(f'<p class="mbm-note">Assessment team: {e(team or "not recorded")}. The full country '
                 "report holds the methodology, every rating with its evidence and the complete road map.</p>")
    parts.append("</section>")
    return "".join(parts)


def compose_brief(data: ReportData) -> NotebookNode:
    """The donor brief as a notebook of outputs (render with :func:`~workbook.report.render_html`).
    ``data`` read for donors (``load_report_data(..., for_donors=True)``) when the assessment has
    restricted content: the brief leaves it out and says how much."""
    require_donor_data([data], "donor brief")
    n = Numbering()
    nb = new_notebook()
    nb.metadata["mbm"] = report_metadata(data, "brief")
    if data.funding is not None:
        nb.metadata["title"] = f"{data.country_label}: funding summary, {data.info.round}"
        nb.cells = [html_cell(funding_page1(data, n), "brief-page-1"),
                    html_cell(funding_page2(data, n), "brief-page-2")]
        return nb
    nb.metadata["title"] = f"{data.country_label}: donor brief, {data.info.round}"
    nb.cells = [html_cell(_page1(data, n), "brief-page-1"), html_cell(_page2(data, n), "brief-page-2")]
    return nb

"""The country report: chapters composed as a notebook of outputs, rendered by our template.

Order: cover, contents, executive summary, contribution areas (frameworks that have them),
one chapter per pillar (the outputs of the executed pillar notebook's ``report`` cells, then the
sub-area levels, findings per sub-area with their criteria and the national/external
disagreements), road map, donor map, follow-up (when an earlier round exists) and annexes (the
methodology with the moderation record, every rating with its criteria and evidence, the team,
the crosswalk to SDG 10.7 and GCM objectives 7 and 11). Figures and tables are numbered in
document order.

Levels are whole, with "+" and their spread; no mean is a headline (a framework 1.0 sub-area,
whose rule is the mean, shows it as a detail next to the rule).
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import nbformat
from markupsafe import Markup
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_notebook

from ..errors import WorkbookError
from ..i18n.messages import translator
from ..present.charts import describe_profile, dumbbell_chart, gantt_chart, level_columns, profile_chart
from ..present.html import e, figure, format_date, format_share, items, missing, table, text_or_dash
from ..present.levels import (change_text, confidence_text, level_label, normative_text, pillar_distribution,
                              spread_text, spread_words)
from ..roadmap import compare_scores
from ..scoring import WARN_FROM, WEAK_AT, Scores
from . import contributions, logframe, methodology
from .data import CROSSWALK_REFS, ReportData
from .findings import findings_html, subareas_table_html
from .mission import CHAPTER as MISSION_CHAPTER
from .mission import mission_html
from .parts import Numbering, chapter_heading, chapter_title, html_cell, report_metadata
from .restricted import restricted_banner_html

REPORT_TAG = "report"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
IMAGE_MIMES = ("image/svg+xml", "image/png", "image/jpeg")
ROLE_NAMES = {"international": "international expert", "national": "national expert"}
STRENGTH_FROM = 3  # a sub-area at this level or above, with no warning, is listed among the strengths
TOP_GAPS = 5
MAX_SUGGESTIONS = 12  # rows of suggested actions shown when no recommendation is recorded


class ReportError(WorkbookError):
    """A report cannot be built from what it was given (e.g. a pillar notebook is missing)."""


# -- cells ---------------------------------------------------------------------------------
def _subarea_label(data: ReportData, sid: str) -> str:
    return f"{sid} {data.framework.subareas[sid].name}"


# -- cover and contents --------------------------------------------------------------------
def cover_html(data: ReportData) -> str:
    """Country, round, dates, team, framework version and status (draft or final)."""
    info = data.info
    _ = translator(data.lang).gettext
    fictional = ('<p><span class="mbm-fictional">'
                 f'{e(_("Fictional country: demonstration data, not a real assessment"))}</span></p>'
                 if info.fictional else "")
    country = f"{info.country_name} ({info.country_code})"
    team = "; ".join(f"{n} ({ROLE_NAMES.get(r, r)})" for n, _o, r in info.team) or "no team recorded"
    status = ("final: endorsed results" if info.status == "final"
              else f"{info.status.replace('_', ' ')}: results may still change")
    dates = {"start": format_date(info.created_at), "end": format_date(info.updated_at)}
    facts = [(_("Country"), _("%(country)s (fictional)") % {"country": country} if info.fictional else country),
             (_("Round"), info.round),
             (_("Assessment dates"), _("%(start)s to %(end)s") % dates),
             (_("Report date"), data.generated.isoformat()),
             (_("Status"), Markup(f'<span class="mbm-status mbm-status-{e(info.status)}">{e(status)}</span>')),
             (_("Framework"), _("%(title)s, %(id)s version %(version)s") % {
                 "title": data.framework.title, "id": info.framework_id, "version": info.framework_version}),
             (_("Team"), team)]
    if data.signoffs is not None and len(data.signoffs):
        steps = [f"{r.to_status.replace('_', ' ')}: {r.name} ({r.role.replace('_', ' ')}"
                 f"{', ' + r.organisation if r.organisation else ''}), {format_date(r.at)}"
                 for r in data.signoffs.itertuples(index=False)]
        facts.append((_("Sign-off"), "; ".join(steps)))
    rows = "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in facts)
    subtitle = _("Migration and border management capacity assessment: %(round)s") % {"round": info.round}
    return (f'<header class="mbm-cover" aria-label="{e(_("Cover"))}">'
            f'<p class="mbm-running">{e(data.running_title)}</p>'
            f"<h1>{e(data.country_label)}</h1>"
            f'<p class="mbm-subtitle">{e(subtitle)}</p>'
            f'{fictional}{restricted_banner_html(data)}<dl class="mbm-facts">{rows}</dl></header>')


def contents_html(chapters: list[tuple[str, str]], lang: str | None = None) -> str:
    """The table of contents: links in HTML; with page numbers in the PDF (CSS target-counter)."""
    title = e(translator(lang or "en").gettext("Contents"))
    lis = "".join(f'<li><a class="mbm-toc-link" href="#{e(cid)}">{e(title)}</a></li>' for cid, title in chapters)
    return (f'<nav class="mbm-toc" aria-labelledby="contents"><h2 id="contents">{title}</h2>'
            f"<ol>{lis}</ol></nav>")


# -- executive summary ---------------------------------------------------------------------
def pillar_table_html(pillars, caption: str) -> str:
    """Pillar profiles: level (lower median of the sub-area levels), their spread and distribution,
    the method range, normative alignment, completion and confidence."""
    rows, attrs = [], []
    for r in pillars.itertuples(index=False):
        rows.append([r.pillar, level_label(r.level, r.label.endswith("+")), spread_text(r.min_level, r.max_level),
                     pillar_distribution(r._asdict()), spread_text(r.method_low, r.method_high),
                     normative_text(r.normative_met, r.normative_total),
                     f"{format_share(r.completion)} ({r.n_rated} of {r.n_applicable})", confidence_text(r.confidence)])
        attrs.append({"data-pillar": r.pillar_id})
    return table(caption, ["Pillar", "Level", "Sub-areas (spread)", "Sub-areas at each level", "Method range",
                           "Normative alignment", "Completion", "Confidence"], rows, numeric=(1,),
                 cls="mbm-pillar-scores", attrs=attrs, widths=(17, 7, 10, 19, 9, 11, 15, 12))


def profile_figure(data: ReportData, n: Numbering) -> str:
    return figure(profile_chart(data.scores.pillars),
                  n.figure(f"Capacity profile by pillar, {data.info.round}: each pillar's level (the lower median of "
                           "its sub-area levels) with a line from its lowest to its highest sub-area"))


def data_quality(data: ReportData) -> dict:
    """Completion, confidence and flags over the applicable indicators."""
    ind = data.scores.indicators
    p = data.scores.pillars
    rated = ind[ind["status"].isin(["rated", "IE"])]
    conf = rated["confidence"].value_counts()
    applicable = int(p["n_applicable"].sum())
    return {"n_rated": int(p["n_rated"].sum()), "n_applicable": applicable,
            "completion": int(p["n_rated"].sum()) / applicable if applicable else float("nan"),
            "high": int(conf.get("high", 0)), "medium": int(conf.get("medium", 0)), "low": int(conf.get("low", 0)),
            "disagreements": int(ind["disagreement"].sum()), "ie": int((ind["status"] == "IE").sum()),
            "capped": int(ind["capped"].sum()), "ne": int((ind["status"] == "NE").sum()),
            "na": int((ind["status"] == "NA").sum()), "missing": int((ind["status"] == "missing").sum()),
            "overrides": int(ind["override"].sum()), "gated": int((ind["gated_by"] != "").sum()),
            "answered": 0 if data.criteria is None else len(data.criteria),
            "warnings": len(data.scores.warnings), "flagged": len(data.scores.flags)}


def strengths(data: ReportData) -> list[str]:
    """Sub-areas at level 3 or above that carry no warning, highest first."""
    sub = data.scores.subareas
    good = sub[sub["level"].notna() & (sub["level"] >= STRENGTH_FROM) & (sub["warning"] == "")]
    top = good.sort_values(["level", "min_level"], ascending=False, kind="stable").head(5)
    return [f"{r.subarea_id} {r.subarea}: level {level_label(r.level, r.plus)} (indicators "
            f"{spread_words(r.min_level, r.max_level)}; {confidence_text(r.confidence, 'no')} confidence)"
            for r in top.itertuples()]


def main_gaps(data: ReportData) -> list[str]:
    """The sub-areas with the highest priority, each with its level, spread and target."""
    sub = data.scores.subareas.set_index("subarea_id")

    def level(sid: str) -> str:
        s = sub.loc[sid]
        return (f"level {level_label(s['level'], bool(s['plus']))} (indicators "
                f"{spread_words(s['min_level'], s['max_level'])})")
    if data.targets is not None:
        t = data.targets[data.targets["priority"] > 0].sort_values("rank").head(TOP_GAPS)
        return [f"{r.subarea_id} {r.subarea}: {level(r.subarea_id)}, long-term target {r.long_term_target} "
                f"(gap {int(r.gap_long)}; {r.criticality}; priority {r.priority:g})"
                + ("; verify first: an indicator rated insufficient evidence holds it down" if r.verify_first else "")
                for r in t.itertuples()]
    low = data.scores.subareas.dropna(subset=["level"]).sort_values(["level", "min_level"], kind="stable")
    return [f"{r.subarea_id} {r.subarea}: {level(r.subarea_id)}" for r in low.head(TOP_GAPS).itertuples()]


def summary_html(data: ReportData, n: Numbering) -> str:
    q = data_quality(data)
    quality = [
        f"Completion: {q['n_rated']} of {q['n_applicable']} applicable indicators rated "
        f"({format_share(q['completion'])}); {q['ne']} not evaluated, {q['missing']} not yet rated, "
        f"{q['na']} not applicable.",
        f"Confidence of the rated indicators: {q['high']} high, {q['medium']} medium, {q['low']} low "
        "(shown next to every level, never blended into it).",
        f"Flags: {q['disagreements']} national/external disagreements of more than one level, "
        f"{q['ie']} rated insufficient evidence (IE: verify first), {q['capped']} capped for missing evidence, "
        f"{q['overrides']} agreed against the criteria with a written reason (overrides), {q['gated']} with "
        f"practice ahead of paper; {q['flagged']} indicators need a look in all.",
    ]
    if data.framework.has_criteria:
        quality.append(f"Criteria answered: {q['answered']} of {len(data.framework.criteria)}.")
    how = ("How to read the levels: every level is whole. A sub-area's level follows its stated rule (see Annex A); "
           "\"+\" marks a sub-area with an indicator above its level, and the spread gives its lowest and highest "
           "indicator. A pillar's level is the lower median of its sub-area levels, shown with their spread and "
           "how many sit at each level. No mean is a headline.")
    warn = data.scores.warnings
    return (chapter_heading("summary", chapter_title(data, "summary"),
                            "The capacity profile across the four pillars. It describes where capacity stands "
                            "in this country; it is a profile, not a ranking of countries.")
            + f"<p>{e(how)}</p>"
            + profile_figure(data, n)
            + pillar_table_html(data.scores.pillars, n.table("Pillar profiles (levels 1 to 5). Method range: the "
                                                             "pillar's level under each of the three aggregation "
                                                             "rules."))
            + '<h3 id="summary-warnings">Warnings</h3>'
            + (f"<p>Sub-areas that read level {WARN_FROM} or above while one of their indicators is at level "
               f"{WEAK_AT} or below:</p>" if warn else "")
            + items(warn, f"No sub-area reads level {WARN_FROM} or above while one of its indicators is at level "
                          f"{WEAK_AT} or below.")
            + '<h3 id="summary-strengths">Strengths</h3>'
            + items(strengths(data), f"No sub-area reaches level {STRENGTH_FROM} without a weak indicator yet.")
            + '<h3 id="summary-gaps">Main gaps</h3>'
            + "<p>The sub-areas with the highest priority (long-term gap x criticality x exposure):</p>"
            + items(main_gaps(data), "No gap: every scored sub-area is at its long-term target.")
            + '<h3 id="summary-quality">Data quality</h3>' + items(quality))


# -- pillar chapters -----------------------------------------------------------------------
def clean_outputs(outputs, alt: str) -> list[NotebookNode]:
    """Drop what does not print (widgets, scripts, stderr, errors); give every image alt text."""
    kept = []
    for out in outputs:
        kind = out.get("output_type")
        if kind == "error" or (kind == "stream" and out.get("name") != "stdout"):
            continue
        if kind in ("display_data", "execute_result"):
            data = out.get("data", {})
            if not data or WIDGET_MIME in data or "application/javascript" in data:
                continue
            for mime in IMAGE_MIMES:
                if mime in data:
                    meta = out.setdefault("metadata", {}).setdefault(mime, {})
                    if not meta.get("alt") and not out["metadata"].get("alt"):
                        meta["alt"] = alt
        kept.append(out)
    return kept


_CAPTION = re.compile(r"(<caption[^>]*>)", re.I)


def number_outputs(outputs, n: Numbering, what: str) -> None:
    """Number the notebook's tables (in their caption) and charts (a figure caption)."""
    for out in outputs:
        data = out.get("data", {})
        if any(m in data for m in IMAGE_MIMES):
            out.setdefault("metadata", {})["mbm"] = {"caption": n.figure(f"{what}: sub-area levels with the "
                                                                         "spread of their indicators")}
        elif "text/html" in data:
            text = data["text/html"] if isinstance(data["text/html"], str) else "".join(data["text/html"])
            for _ in range(len(_CAPTION.findall(text))):
                label = n.table(what).split(". ", 1)[0] + "."
                text = _number_next_caption(text, label)
            data["text/html"] = text


def _number_next_caption(text: str, label: str) -> str:
    # the first caption not yet numbered
    for m in _CAPTION.finditer(text):
        rest = text[m.end():]
        if not rest.startswith('<span class="mbm-num">'):
            return text[:m.end()] + f'<span class="mbm-num">{e(label)}</span> ' + rest
    return text


def disagreements_html(data: ReportData, pillar_id: str, n: Numbering) -> str:
    ind = data.scores.indicators
    d = ind[(ind["pillar_id"] == pillar_id) & ind["disagreement"]]
    head = f'<h3 id="disagreements-{e(pillar_id)}">National and external ratings</h3>'
    if d.empty:
        return head + "<p>No national and external ratings are more than one level apart in this pillar.</p>"
    rows = [[f"{r.indicator_id} {r.indicator}", text_or_dash(r.national), text_or_dash(r.external),
             text_or_dash(r.agreed), r.confidence or "–"] for r in d.itertuples()]
    return head + table(n.table(f"{data.framework.pillar(pillar_id).name}: national and external ratings more "
                                "than one level apart"), ["Indicator", "National", "External", "Agreed",
                                                          "Confidence"], rows, numeric=(1, 2, 3))


def pillar_sentence(p) -> str:
    """A pillar's profile in words: level, spread and distribution, method range, completion."""
    if missing(p["level"]):
        return f"Not scored yet: {int(p['n_rated'])} of {int(p['n_applicable'])} applicable indicators rated."
    methods = spread_text(p["method_low"], p["method_high"])
    norm = (f" Normative alignment: {normative_text(p['normative_met'], p['normative_total'])}."
            if p["normative_total"] else "")
    return (f"Level {level_label(p['level'], p['label'].endswith('+'))}: the lower median of its sub-area levels, "
            f"which run from {int(p['min_level'])} to {int(p['max_level'])} ({pillar_distribution(p)}); under the "
            f"other aggregation rules it would read {methods}. {int(p['n_rated'])} of {int(p['n_applicable'])} "
            f"applicable indicators rated; {confidence_text(p['confidence'], 'no')} confidence; {int(p['n_warnings'])} "
            f"warning(s).{norm}")


def pillar_cells(data: ReportData, pillar_id: str, executed: NotebookNode, n: Numbering) -> list[NotebookNode]:
    """A pillar's chapter: heading, the outputs of its executed notebook's ``report`` cells
    (numbered), findings per sub-area and disagreements."""
    pillar = data.framework.pillar(pillar_id)
    sub = data.scores.subareas[data.scores.subareas["pillar_id"] == pillar.id]
    p = data.scores.pillars.set_index("pillar_id").loc[pillar.id]
    alt = f"{pillar.name}: sub-area levels. " + describe_profile(list(sub["subarea"]), *level_columns(sub))
    intro = f"{pillar.description} {pillar_sentence(p)}"
    cells = [html_cell(chapter_heading(f"pillar-{pillar.id}", pillar.name, intro), f"pillar-{pillar.id}")]
    for cell in executed.cells:
        if cell.cell_type != "code" or REPORT_TAG not in cell.metadata.get("tags", []):
            continue
        outputs = clean_outputs(nbformat.from_dict(cell.get("outputs", [])), alt)
        number_outputs(outputs, n, pillar.name)
        if outputs:
            cells.append(new_code_cell(source="", outputs=outputs,
                                       metadata={"tags": [REPORT_TAG, f"pillar-{pillar.id}"]}))
    if len(cells) == 1:
        raise ReportError(f"the executed notebook for pillar {pillar.id} has no output in its cells tagged "
                          f"{REPORT_TAG!r}")
    cells.append(html_cell(f'<h3 id="levels-{e(pillar.id)}">Sub-area levels</h3>'
                           + subareas_table_html(data, pillar.id, n) + findings_html(data, pillar.id)
                           + disagreements_html(data, pillar.id, n), f"pillar-{pillar.id}"))
    return cells


# -- road map, donor map, follow-up ----------------------------------------------------------
def roadmap_html(data: ReportData, n: Numbering) -> str:
    head = chapter_heading("roadmap", chapter_title(data, "roadmap"),
                           "Recommendations in the order they can be done: prerequisites first, short term "
                           "(up to 18 months) before long term (2 to 5 years), by priority.")
    road = data.roadmap
    if road is None:
        return head + "<p>The road map was not read for this report.</p>"
    t = road.table
    if t.empty:
        sug = data.suggestions
        body = ("<p>No recommendation has been recorded for this assessment yet. These are the top suggested "
                "actions from the action library for the highest-priority gaps (short term); the team "
                "chooses, edits and records them on the road-map page.</p>")
        if sug is not None and len(sug):
            body += table(n.table("Top suggested actions (not yet adopted)"),
                          ["Action", "Sub-area", "Action type", "Target level", "Cost band", "Why"],
                          [[r.title, _subarea_label(data, r.subarea_id), r.action_type.replace("_", " "),
                            str(r.target_level), r.cost_band, r.reason]
                           for r in sug.head(MAX_SUGGESTIONS).itertuples()],
                          numeric=(3,), widths=(28, 20, 12, 8, 8, 24))
        else:
            body += "<p>No suggestion either: no scored sub-area is below its target.</p>"
        return head + body
    rows = [[f"{r.order}. {r.title}", _subarea_label(data, r.subarea_id), str(r.action_type).replace("_", " "),
             text_or_dash(r.lead_agency), r.group, format_date(r.start), format_date(r.end),
             text_or_dash(r.funding_status), str(r.status).replace("_", " "), text_or_dash(r.after)]
            for r in t.itertuples()]
    body = table(n.table("Sequenced recommendations"),
                 ["Recommendation", "Sub-area", "Action type", "Lead agency", "Horizon", "Start", "End", "Funding",
                  "Status", "After"], rows, cls="mbm-wide", widths=(22, 13, 9, 10, 7, 8, 8, 7, 7, 9))
    body += figure(gantt_chart(t), n.figure("Road map timeline (bars from start to end; dark: short term, light: "
                                            "long term)"))
    if not road.problems.empty:
        body += "<h3 id=\"roadmap-problems\">Schedule problems</h3>" + items(
            f"#{r.recommendation_id} {r.title}: {r.problem}" for r in road.problems.itertuples())
    return head + body


def donors_html(data: ReportData, n: Numbering) -> str:
    head = chapter_heading("donors", chapter_title(data, "donors"),
                           "Existing and planned capacity-building initiatives, the recommendations they already "
                           "cover, initiatives that overlap each other, and priority gaps nobody funds.")
    dm = data.donor_map
    if dm is None:
        return head + "<p>The donor map was not read for this report.</p>"
    parts = [head, '<h3 id="donors-initiatives">Initiatives</h3>']
    ini = dm.initiatives
    if ini.empty:
        parts.append("<p>No initiative is recorded for this country.</p>")
    else:
        parts.append(table(n.table("Capacity-building initiatives"),
                           ["Initiative", "Donor", "Implementer", "Budget", "Period", "Sub-areas addressed"],
                           [[r.title, r.donor, text_or_dash(r.implementer),
                             "–" if missing(r.budget) else f"{float(r.budget):,.0f} {text_or_dash(r.currency)}",
                             f"{format_date(r.start_date)} to {format_date(r.end_date)}",
                             ", ".join(r.subareas) if isinstance(r.subareas, (list, tuple))
                             else text_or_dash(r.subareas)]
                            for r in ini.itertuples()]))
    parts.append('<h3 id="donors-covered">Recommendations already covered</h3>')
    if dm.covered.empty:
        parts.append("<p>No recommendation is covered by an initiative.</p>")
    else:
        parts.append(table(n.table("Recommendations covered by an initiative"),
                           ["Recommendation", "Initiative", "Donor", "Match"],
                           [[f"#{r.recommendation_id} {r.title}", r.initiative, r.donor, r.match]
                            for r in dm.covered.itertuples()]))
    parts.append('<h3 id="donors-overlaps">Overlapping initiatives</h3>')
    if dm.overlaps.empty:
        parts.append("<p>No two initiatives of different donors address the same sub-area at the same time.</p>")
    else:
        parts.append(table(n.table("Initiatives of different donors on the same sub-area at the same time"),
                           ["Initiatives", "Donors", "Sub-areas", "Overlap"],
                           [[f"{r.title_a} / {r.title_b}", f"{r.donor_a} / {r.donor_b}", str(r.subareas),
                             f"{format_date(r.overlap_start)} to {format_date(r.overlap_end)}"]
                            for r in dm.overlaps.itertuples()]))
    parts.append('<h3 id="donors-unfunded">Unfunded gaps</h3>')
    if dm.unfunded.empty:
        parts.append("<p>Every priority sub-area has an initiative or committed funding.</p>")
    else:
        parts.append(table(n.table("Priority sub-areas with no initiative and no committed funding"),
                           ["Sub-area", "Priority", "Long-term gap", "Recommendations", "Note"],
                           [[_subarea_label(data, r.subarea_id), f"{r.priority:g}", f"{r.gap_long:g}",
                             str(r.n_recommendations), r.note] for r in dm.unfunded.itertuples()],
                           numeric=(1, 2, 3)))
    return "".join(parts)


def _by_level(scores: Scores) -> Scores:
    """The same scores with each sub-area's and pillar's level as its value to compare."""
    return Scores(scores.indicators, scores.subareas.assign(score=scores.subareas["level"]),
                  scores.pillars.assign(score=scores.pillars["level"]))


def level_changes(baseline: Scores, followup: Scores):
    """Sub-areas and pillars compared by level between two rounds (ids are stable across framework
    versions): ``baseline``/``followup`` levels, ``change`` in whole levels, ``direction``, and the
    labels (``2+``) of both rounds."""
    comp = compare_scores(_by_level(baseline), _by_level(followup))

    def labelled(frame, key, before, after):
        b = dict(zip(before[key], before["label"]))
        a = dict(zip(after[key], after["label"]))
        order = {k: i for i, k in enumerate(dict.fromkeys([*after[key], *before[key]]))}
        frame = frame.assign(baseline_label=[b.get(k) or "not scored" for k in frame[key]],
                             followup_label=[a.get(k) or "not scored" for k in frame[key]])
        return frame.sort_values(key, key=lambda ids: ids.map(order), kind="stable").reset_index(drop=True)
    return (labelled(comp.subareas, "subarea_id", baseline.subareas, followup.subareas),
            labelled(comp.pillars, "pillar_id", baseline.pillars, followup.pillars))


def followup_html(data: ReportData, n: Numbering) -> str:
    fu = data.follow_up
    head = chapter_heading("follow-up", chapter_title(data, "follow-up"),
                           f"This round ({fu.followup}) compared with the baseline round ({fu.baseline}) by level: "
                           "the change per pillar and sub-area in whole levels, and what was targeted by which "
                           "initiative.")
    parts = [head] + [f"<p>{e(note)}</p>" for note in fu.notes]
    if data.baseline is None:
        return "".join(parts) + "<p>The baseline round was not read for this report.</p>"
    sub, pil = level_changes(data.baseline, data.scores)
    parts.append(table(n.table("Change per pillar (level: lower median of the sub-area levels)"),
                       ["Pillar", "Baseline", "This round", "Change (levels)"],
                       [[r.pillar, r.baseline_label, r.followup_label, change_text(r.change)]
                        for r in pil.itertuples()], numeric=(1, 2, 3)))
    parts.append(figure(dumbbell_chart(sub), n.figure(f"Sub-area levels, {fu.baseline} (grey) and {fu.followup}")))
    parts.append(table(n.table("Change per sub-area (level under its rule)"),
                       ["Sub-area", "Baseline", "This round", "Change (levels)", "Direction"],
                       [[f"{r.subarea_id} {r.subarea}", r.baseline_label, r.followup_label, change_text(r.change),
                         r.direction] for r in sub.itertuples()], numeric=(1, 2, 3)))
    tg = fu.targeted
    linked = tg[tg["initiative_id"].notna()] if len(tg) else tg
    parts.append('<h3 id="follow-up-targeted">Changes and the initiatives that targeted them</h3>')
    if len(linked):
        parts.append(table(n.table("Indicator changes addressed by an initiative between the rounds"),
                           ["Indicator", "Change (levels)", "Initiative", "Donor"],
                           [[r.indicator_id, change_text(r.change), r.initiative, r.donor]
                            for r in linked.itertuples()], numeric=(1,)))
    else:
        parts.append("<p>No initiative recorded between the rounds addressed a changed indicator.</p>")
    st = fu.status
    if len(st):
        parts.append(table(n.table(f"Status of the {fu.baseline} recommendations"),
                           ["Status", *(str(c).replace("_", " ") for c in st.columns)],
                           [[str(status).replace("_", " "), *map(str, row)] for status, *row in st.itertuples()],
                           numeric=tuple(range(1, len(st.columns) + 1))))
    return "".join(parts)


# -- annexes -------------------------------------------------------------------------------
def _evidence_cell(records) -> str:
    if not records:
        return "none recorded"
    return "; ".join(f"{t}: {s} ({format_date(d)}, ref. {text_or_dash(ref)}, {text_or_dash(by)})"
                     for t, s, d, ref, by in records)


def _used(r) -> str:
    """The level an indicator counts with, and why when it is not simply the agreed rating."""
    if r.status == "NA":
        return "NA" + ("" if r.level_source in ("rating", "criteria") else f": {r.level_source}")
    if missing(r.level):
        return "–"
    if r.status == "IE":
        return "1 (IE: verify first)"
    return f"{int(r.level)}" + (" (capped)" if r.capped else "") + (" (from the criteria)"
                                                                   if r.level_source == "criteria" else "")


def _criteria_cell(r) -> str:
    parts = [] if missing(r.criteria_level) else [f"level {int(r.criteria_level)}"]
    if r.gated_by:
        parts.append("practice ahead of paper")
    if r.normative_total:
        parts.append(f"normative {normative_text(r.normative_met, r.normative_total)}")
    return "; ".join(parts) or "–"


def annex_html(data: ReportData, n: Numbering) -> str:
    fw = data.framework
    ev: dict[str, list] = {}
    for r in data.evidence.itertuples():
        ev.setdefault(r.indicator_id, []).append((r.type, r.source, r.date, r.reference, r.supplied_by))
    ind = data.scores.indicators
    parts = [chapter_heading("annex-ratings", chapter_title(data, "annex-ratings"),
                             "Every indicator with its three ratings, the level its criteria give, the level used "
                             "in scores (after evidence caps), its confidence and its evidence records. An agreed "
                             "level marked override differs from the criteria; the findings give the team's "
                             "reason.")]
    for p in fw.pillars:
        rows = []
        for r in ind[ind["pillar_id"] == p.id].itertuples():
            rows.append([f"{r.indicator_id} {r.indicator}", text_or_dash(r.national), text_or_dash(r.external),
                         text_or_dash(r.agreed) + (" (override)" if r.override else ""), _criteria_cell(r),
                         _used(r), text_or_dash(r.confidence), _evidence_cell(ev.get(r.indicator_id))])
        parts.append(f'<h3 id="annex-ratings-{e(p.id)}">{e(p.name)}</h3>')
        parts.append(table(n.table(f"{p.name}: every rating with its criteria and evidence"),
                           ["Indicator", "National", "External", "Agreed", "Criteria", "Level used", "Confidence",
                            "Evidence"], rows, cls="mbm-annex", widths=(19, 7, 7, 8, 10, 9, 9, 31)))
    parts.append(chapter_heading("annex-team", chapter_title(data, "annex-team")))
    parts.append(table(n.table("The assessment team"), ["Name", "Organisation", "Role"],
                       [[name, org or "no organisation given", ROLE_NAMES.get(role, role)]
                        for name, org, role in data.info.team]) if data.info.team else "<p>No team recorded.</p>")
    parts.append(chapter_heading("annex-crosswalk", chapter_title(data, "annex-crosswalk"),
                                 "The indicators that the framework links to these commitments, with this "
                                 "assessment's level."))
    level = dict(zip(ind["indicator_id"], ind["level"]))
    status = dict(zip(ind["indicator_id"], ind["status"]))
    for ref_id in CROSSWALK_REFS:
        try:
            ref = fw.reference(ref_id)
        except StopIteration:
            continue
        rows = []
        for iid, indicator in fw.indicators.items():
            for c in indicator.crosswalk:
                if c.ref == ref_id:
                    lv = level.get(iid)
                    rows.append([f"{iid} {indicator.name}", text_or_dash(c.provision),
                                 status.get(iid) if missing(lv) else f"{int(lv)}"])
        parts.append(f'<h3 id="annex-crosswalk-{e(ref_id)}">{e(ref.title)}</h3>')
        parts.append(table(n.table(f"Indicators linked to {ref_id}"), ["Indicator", "Provision", "Level used"],
                           rows, numeric=(2,)) if rows else "<p>No indicator is linked to it.</p>")
    return "".join(parts)


# -- the whole report ----------------------------------------------------------------------
def chapters(data: ReportData) -> list[tuple[str, str]]:
    """The chapters in order, as (id, title in the report's language)."""
    ids = ["summary"]
    if data.framework.contribution_areas:
        ids.append(contributions.CHAPTER)
    ids += [f"pillar-{p.id}" for p in data.framework.pillars]
    if data.mission is not None:
        ids.append(MISSION_CHAPTER)
    ids += ["roadmap", "donors"]
    if data.funding is not None or data.funding_problem:
        ids.append(logframe.CHAPTER)
    if data.follow_up is not None:
        ids.append("follow-up")
    ids += [methodology.CHAPTER, "annex-ratings", "annex-team", "annex-crosswalk"]
    return [(cid, chapter_title(data, cid)) for cid in ids]


def compose_report(data: ReportData, pillar_notebooks: Mapping[str, NotebookNode | str | Path]) -> NotebookNode:
    """The country report as a notebook of outputs only (render it with :func:`render_html`).

    ``pillar_notebooks`` maps each pillar id of the framework to its executed notebook (a node
    or a path). A framework pillar without a notebook is an error.
    """
    missing_ids = [p.id for p in data.framework.pillars if p.id not in pillar_notebooks]
    if missing_ids:
        raise ReportError(f"no executed notebook for pillar(s) {', '.join(missing_ids)}")
    n = Numbering()
    nb = new_notebook()
    nb.metadata["title"] = data.title
    nb.metadata["mbm"] = report_metadata(data, "report")
    cells = [html_cell(cover_html(data), "cover"), html_cell(contents_html(chapters(data), data.lang), "contents"),
             html_cell(summary_html(data, n), "summary")]
    if data.framework.contribution_areas:
        cells.append(html_cell(contributions.contributions_html(data, n), "contributions"))
    for p in data.framework.pillars:
        executed = pillar_notebooks[p.id]
        if not isinstance(executed, NotebookNode):
            executed = nbformat.read(str(executed), as_version=4)
        cells += pillar_cells(data, p.id, executed, n)
    if data.mission is not None:
        cells.append(html_cell(mission_html(data, n), "mission"))
    cells += [html_cell(roadmap_html(data, n), "roadmap"), html_cell(donors_html(data, n), "donors")]
    if data.funding is not None or data.funding_problem:
        cells.append(html_cell(logframe.logframe_html(data, n), logframe.CHAPTER))
    if data.follow_up is not None:
        cells.append(html_cell(followup_html(data, n), "follow-up"))
    cells += [html_cell(methodology.methodology_html(data, n), "methodology"), html_cell(annex_html(data, n), "annex")]
    nb.cells = cells
    return nb

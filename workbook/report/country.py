"""The country report: chapters composed as a notebook of outputs, rendered by our template.

Order: cover, contents, executive summary, methodology (written from the framework data),
one chapter per pillar (the outputs of the executed pillar notebook's ``report`` cells, then
findings per sub-area from the notes and the national/external disagreements), road map, donor
map, follow-up (when an earlier round exists) and annexes (every rating with its evidence, the
team, the crosswalk to SDG 10.7 and GCM objectives 7 and 11). Figures and tables are numbered
in document order.
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
from ..scoring import STALE_AFTER_YEARS
from .data import CROSSWALK_REFS, ReportData
from ..present.charts import describe_levels, dumbbell_chart, gantt_chart, profile_chart
from ..present.html import e, figure, format_date, format_score, format_share, items, missing, table, text_or_dash
from .mission import CHAPTER as MISSION_CHAPTER
from .mission import mission_html
from .parts import Numbering, chapter_heading, html_cell, report_metadata

REPORT_TAG = "report"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
IMAGE_MIMES = ("image/svg+xml", "image/png", "image/jpeg")
ROLE_NAMES = {"international": "international expert", "national": "national expert"}
STRENGTH_FROM = 3.5  # a sub-area scored at or above this is listed among the strengths
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
    fictional = ('<p><span class="mbm-fictional">Fictional country: demonstration data, '
                 'not a real assessment</span></p>' if info.fictional else "")
    team = "; ".join(f"{n} ({ROLE_NAMES.get(r, r)})" for n, _o, r in info.team) or "no team recorded"
    status = ("final: endorsed results" if info.status == "final"
              else f"{info.status.replace('_', ' ')}: results may still change")
    facts = [("Country", f"{info.country_name} ({info.country_code})" + (" (fictional)" if info.fictional else "")),
             ("Round", info.round),
             ("Assessment dates", f"{format_date(info.created_at)} to {format_date(info.updated_at)}"),
             ("Report date", data.generated.isoformat()),
             ("Status", Markup(f'<span class="mbm-status mbm-status-{e(info.status)}">{e(status)}</span>')),
             ("Framework", f"{data.framework.title}, {info.framework_id} version {info.framework_version}"),
             ("Team", team)]
    if data.signoffs is not None and len(data.signoffs):
        steps = [f"{r.to_status.replace('_', ' ')}: {r.name} ({r.role.replace('_', ' ')}"
                 f"{', ' + r.organisation if r.organisation else ''}), {format_date(r.at)}"
                 for r in data.signoffs.itertuples(index=False)]
        facts.append(("Sign-off", "; ".join(steps)))
    rows = "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in facts)
    return (f'<header class="mbm-cover" aria-label="Cover">'
            f'<p class="mbm-running">{e(data.running_title)}</p>'
            f"<h1>{e(data.country_label)}</h1>"
            f'<p class="mbm-subtitle">Migration and border management capacity assessment: {e(info.round)}</p>'
            f'{fictional}<dl class="mbm-facts">{rows}</dl></header>')


def contents_html(chapters: list[tuple[str, str]]) -> str:
    """The table of contents: links in HTML; with page numbers in the PDF (CSS target-counter)."""
    lis = "".join(f'<li><a class="mbm-toc-link" href="#{e(cid)}">{e(title)}</a></li>' for cid, title in chapters)
    return (f'<nav class="mbm-toc" aria-labelledby="contents"><h2 id="contents">Contents</h2>'
            f"<ol>{lis}</ol></nav>")


# -- executive summary ---------------------------------------------------------------------
def pillar_table_html(pillars, caption: str) -> str:
    """Pillar scores: weighted, unweighted, sensitivity range, completion, confidence."""
    rows, attrs = [], []
    for r in pillars.itertuples(index=False):
        sens = ("not scored" if missing(r.sensitivity_low)
                else f"{format_score(r.sensitivity_low)} to {format_score(r.sensitivity_high)}")
        rows.append([r.pillar, format_score(r.score), format_score(r.unweighted), sens,
                     f"{format_share(r.completion)} ({r.n_rated} of {r.n_applicable})", r.confidence or "none"])
        attrs.append({"data-pillar": r.pillar_id})
    return table(caption, ["Pillar", "Weighted score", "Unweighted score", "Sensitivity range", "Completion",
                           "Confidence"], rows, numeric=(1, 2, 3, 4), cls="mbm-pillar-scores", attrs=attrs)


def profile_figure(data: ReportData, n: Numbering) -> str:
    return figure(profile_chart(data.scores.pillars), n.figure(f"Capacity profile by pillar, {data.info.round} "
                                                               "(weighted scores, levels 1 to 5)"))


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
            "flagged": len(data.scores.flags)}


def strengths(data: ReportData) -> list[str]:
    sub = data.scores.subareas.dropna(subset=["score"]).sort_values("score", ascending=False, kind="stable")
    top = sub[sub["score"] >= STRENGTH_FROM].head(5)
    return [f"{r.subarea_id} {r.subarea}: {r.score:.2f} ({r.confidence or 'no'} confidence)"
            for r in top.itertuples()]


def main_gaps(data: ReportData) -> list[str]:
    if data.targets is not None:
        t = data.targets[data.targets["priority"] > 0].sort_values("rank").head(TOP_GAPS)
        return [f"{r.subarea_id} {r.subarea}: {r.score:.2f}, long-term target {r.long_term_target} "
                f"(gap {r.gap_long:.1f}; {r.criticality} criticality; priority {r.priority:.1f})"
                for r in t.itertuples()]
    sub = data.scores.subareas.dropna(subset=["score"]).sort_values("score", kind="stable").head(TOP_GAPS)
    return [f"{r.subarea_id} {r.subarea}: {r.score:.2f}" for r in sub.itertuples()]


def summary_html(data: ReportData, n: Numbering) -> str:
    q = data_quality(data)
    strong = strengths(data)
    quality = [
        f"Completion: {q['n_rated']} of {q['n_applicable']} applicable indicators rated "
        f"({format_share(q['completion'])}); {q['ne']} not evaluated, {q['missing']} not yet rated, "
        f"{q['na']} not applicable.",
        f"Confidence of the rated indicators: {q['high']} high, {q['medium']} medium, {q['low']} low "
        "(shown next to every score, never blended into it).",
        f"Flags: {q['disagreements']} national/external disagreements of more than one level, "
        f"{q['ie']} rated insufficient evidence (IE), {q['capped']} capped for missing evidence; "
        f"{q['flagged']} indicators need a look in all.",
    ]
    return (chapter_heading("summary", "Executive summary",
                            "The capacity profile across the four pillars. It describes where capacity stands "
                            "in this country; it is a profile, not a ranking of countries.")
            + profile_figure(data, n)
            + pillar_table_html(data.scores.pillars, n.table("Pillar scores (levels 1 to 5). Sensitivity range: "
                                                             "the weighted score when each sub-area weight is "
                                                             "halved or doubled in turn."))
            + '<h3 id="summary-strengths">Strengths</h3>'
            + items(strong, f"No sub-area reaches {STRENGTH_FROM} yet.")
            + '<h3 id="summary-gaps">Main gaps</h3>'
            + "<p>The sub-areas with the highest priority (long-term gap x criticality x exposure):</p>"
            + items(main_gaps(data), "No gap: every scored sub-area is at its long-term target.")
            + '<h3 id="summary-quality">Data quality</h3>' + items(quality))


# -- methodology ---------------------------------------------------------------------------
def methodology_html(data: ReportData, n: Numbering) -> str:
    """Written from the framework data, so it never goes stale."""
    fw = data.framework
    parts = [chapter_heading("methodology", "Methodology",
                             f"This assessment uses the {fw.title} ({fw.id}) version {fw.version}: "
                             f"{len(fw.pillars)} pillars, {len(fw.subareas)} sub-areas and {len(fw.indicators)} "
                             "indicators. Everything below is read from the framework file.")]
    parts.append('<h3 id="method-scale">Scale and codes</h3><p>Each indicator is rated on five gated levels: '
                 "a level counts only when everything described at the levels below it is in place.</p>")
    parts.append(table(n.table("The five levels"), ["Level", "Name", "What it means"],
                       [[str(lv.level), lv.name, lv.summary] for lv in fw.scale.levels]))
    how = {"excluded": "left out of scores", "lowest": "counted as level 1 and flagged"}
    parts.append(table(n.table("Codes used instead of a level"), ["Code", "Name", "Meaning", "In scores"],
                       [[c.code, c.name, c.meaning, how[c.in_aggregate]] for c in fw.scale.codes]))
    parts.append("<p>Three ratings are kept per indicator: the national team's, the external experts' and the "
                 "agreed one. Only the agreed rating is scored; national and external ratings more than one "
                 "level apart are flagged as a disagreement.</p>")
    parts.append('<h3 id="method-evidence">Evidence rules</h3><p>Every rating carries evidence records. A rating '
                 "at or above a rule's level needs at least one record of the strengths listed; otherwise the "
                 "level used in scores is capped just below the rule, and the reason is kept.</p>")
    parts.append(table(n.table("Evidence rules"), ["From level", "Needs evidence of strength", "Rule"],
                       [[str(r.level), ", ".join(r.needs), r.text] for r in sorted(fw.evidence_rules,
                                                                                  key=lambda r: r.level)]))
    parts.append(table(n.table("Evidence types and their strength"), ["Evidence type", "Strength"],
                       [[t.name, t.strength] for t in fw.evidence_types]))
    parts.append('<h3 id="method-confidence">Confidence</h3>' + items([
        "Low: no evidence, insufficient evidence (IE), or national and external ratings more than one level apart.",
        f"High: at least two evidence types, the newest no more than {STALE_AFTER_YEARS} years old, and national "
        "and external ratings within one level.",
        "Medium: everything else. A sub-area's or pillar's confidence is the lower median of its parts'."]))
    weakest = [f"{s.id} {s.name}" for s in fw.subareas.values() if s.aggregation == "weakest_link"]
    lenses = "; ".join(f"{lens.name} ({lens.id})" for lens in fw.lenses)
    parts.append(f'<h3 id="method-aggregation">Aggregation and weights</h3><p>Each indicator is looked at through '
                 f"one of five lenses: {e(lenses)}. A sub-area's score is the mean of its indicators' levels, but "
                 f"never more than {fw.aggregation.legal_cap} level(s) above its weakest legal-lens indicator: "
                 "a strong system cannot hide a missing legal basis."
                 + (f" These sub-areas take their lowest indicator instead (weakest link): {e('; '.join(weakest))}."
                    if weakest else "")
                 + " A pillar's score is the weighted mean of its scored sub-areas, printed with the unweighted "
                 "mean and a sensitivity range (each weight halved and doubled in turn). The four pillar scores "
                 "form a profile; they are not added up into a single index.</p>")
    parts.append(table(n.table("Sub-area weights, criticality and aggregation"),
                       ["Sub-area", "Pillar", "Weight", "Criticality", "Aggregation"],
                       [[f"{s.id} {s.name}", fw.pillar_of(s.id).name, f"{s.weight:g}", s.criticality,
                         s.aggregation.replace("_", " ")] for s in fw.subareas.values()], numeric=(2,),
                       widths=(44, 22, 10, 12, 12)))
    parts.append('<h3 id="method-targets">Targets and priority</h3><p>Short-term target: the current level plus '
                 "one. Long-term target: set by the sub-area's criticality class. Priority = long-term gap x "
                 "criticality weight x exposure (1 to 3, set per country)."
                 + (f" Exposure for this country: {e(data.exposure['level'])} ({e(data.exposure['reason'])})."
                    if data.exposure else "") + "</p>")
    parts.append(table(n.table("Criticality classes"), ["Class", "Weight", "Long-term target", "Meaning"],
                       [[c.name, f"{c.weight:g}", str(c.long_term_target), c.meaning] for c in fw.criticality],
                       numeric=(1, 2)))
    return "".join(parts)


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
            out.setdefault("metadata", {})["mbm"] = {"caption": n.figure(f"{what}: sub-area scores "
                                                                         "(levels 1 to 5)")}
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


def findings_html(data: ReportData, pillar_id: str) -> str:
    """Findings per sub-area from the rating notes, with caps and evidence counts."""
    fw = data.framework
    ind = data.scores.indicators.set_index("indicator_id")
    notes = dict(zip(data.ratings["indicator_id"], data.ratings["notes"]))
    sub = data.scores.subareas.set_index("subarea_id")
    parts = ['<h3 id="findings-' + e(pillar_id) + '">Findings by sub-area</h3>']
    for sa in fw.pillar(pillar_id).subareas:
        s = sub.loc[sa.id]
        parts.append(f'<h4 id="sa-{e(sa.id)}">{e(sa.id)} {e(sa.name)}</h4>'
                     f"<p>Score {e(format_score(s['score']))} "
                     f"({e(s['confidence'] or 'no')} confidence; {int(s['n_scored'])} of "
                     f"{int(s['n_applicable'])} applicable indicators scored; {e(sa.criticality)} criticality)."
                     + (" Capped by its legal basis." if s["capped_by_legal"] else "") + "</p>")
        lis = []
        for i in sa.indicators:
            r = ind.loc[i.id]
            rating = r["agreed"] if r["agreed"] is not None else "not rated"
            text = notes.get(i.id) or "No note recorded."
            extra = f" {r['cap_reason']}." if r["capped"] else ""
            lis.append(f"<li><strong>{e(i.id)} {e(i.name)}</strong> (rating {e(rating)}): {e(text)}{e(extra)}</li>")
        parts.append(f"<ul class=\"mbm-findings\">{''.join(lis)}</ul>")
    return "".join(parts)


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


def pillar_cells(data: ReportData, pillar_id: str, executed: NotebookNode, n: Numbering) -> list[NotebookNode]:
    """A pillar's chapter: heading, the outputs of its executed notebook's ``report`` cells
    (numbered), findings per sub-area and disagreements."""
    pillar = data.framework.pillar(pillar_id)
    sub = data.scores.subareas[data.scores.subareas["pillar_id"] == pillar.id]
    p = data.scores.pillars.set_index("pillar_id").loc[pillar.id]
    alt = f"{pillar.name}: sub-area scores. " + describe_levels(sub["subarea"], sub["score"])
    sens = ("" if missing(p["sensitivity_low"])
            else f" (unweighted {format_score(p['unweighted'])}; sensitivity range "
                 f"{format_score(p['sensitivity_low'])} to {format_score(p['sensitivity_high'])})")
    intro = (f"{pillar.description} Weighted score {format_score(p['score'])}{sens}; {int(p['n_rated'])} of "
             f"{int(p['n_applicable'])} applicable indicators rated; {p['confidence'] or 'no'} confidence.")
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
    cells.append(html_cell(findings_html(data, pillar.id) + disagreements_html(data, pillar.id, n),
                           f"pillar-{pillar.id}"))
    return cells


# -- road map, donor map, follow-up ----------------------------------------------------------
def roadmap_html(data: ReportData, n: Numbering) -> str:
    head = chapter_heading("roadmap", "Road map",
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
    head = chapter_heading("donors", "Donor map",
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
                           [[_subarea_label(data, r.subarea_id), f"{r.priority:.1f}", f"{r.gap_long:.1f}",
                             str(r.n_recommendations), r.note] for r in dm.unfunded.itertuples()],
                           numeric=(1, 2, 3)))
    return "".join(parts)


def followup_html(data: ReportData, n: Numbering) -> str:
    fu = data.follow_up
    comp = fu.comparison
    head = chapter_heading("follow-up", f"Follow-up since {fu.baseline}",
                           f"This round ({fu.followup}) compared with the baseline round ({fu.baseline}): the "
                           "change per pillar and sub-area, and what was targeted by which initiative.")
    parts = [head] + [f"<p>{e(note)}</p>" for note in fu.notes]
    parts.append(table(n.table("Change per pillar (weighted score)"), ["Pillar", "Baseline", "This round", "Change"],
                       [[r.pillar, format_score(r.baseline), format_score(r.followup), _delta(r.change)]
                        for r in comp.pillars.itertuples()], numeric=(1, 2, 3)))
    sub = comp.subareas
    parts.append(figure(dumbbell_chart(sub), n.figure(f"Sub-area scores, {fu.baseline} (grey) and {fu.followup}")))
    parts.append(table(n.table("Change per sub-area"), ["Sub-area", "Baseline", "This round", "Change", "Direction"],
                       [[f"{r.subarea_id} {r.subarea}", format_score(r.baseline), format_score(r.followup),
                         _delta(r.change), r.direction] for r in sub.itertuples()], numeric=(1, 2, 3)))
    tg = fu.targeted
    linked = tg[tg["initiative_id"].notna()] if len(tg) else tg
    parts.append('<h3 id="follow-up-targeted">Changes and the initiatives that targeted them</h3>')
    if len(linked):
        parts.append(table(n.table("Indicator changes addressed by an initiative between the rounds"),
                           ["Indicator", "Change", "Initiative", "Donor"],
                           [[r.indicator_id, _delta(r.change), r.initiative, r.donor] for r in linked.itertuples()],
                           numeric=(1,)))
    else:
        parts.append("<p>No initiative recorded between the rounds addressed a changed indicator.</p>")
    st = fu.status
    if len(st):
        parts.append(table(n.table(f"Status of the {fu.baseline} recommendations"), list(map(str, st.columns)),
                           [[str(v) for v in row] for row in st.itertuples(index=False)]))
    return "".join(parts)


def _delta(x) -> str:
    return "not comparable" if missing(x) else f"{float(x):+.2f}"


# -- annexes -------------------------------------------------------------------------------
def _evidence_cell(records) -> str:
    if not records:
        return "none recorded"
    return "; ".join(f"{t}: {s} ({format_date(d)}, ref. {text_or_dash(ref)}, {text_or_dash(by)})"
                     for t, s, d, ref, by in records)


def annex_html(data: ReportData, n: Numbering) -> str:
    fw = data.framework
    ev: dict[str, list] = {}
    for r in data.evidence.itertuples():
        ev.setdefault(r.indicator_id, []).append((r.type, r.source, r.date, r.reference, r.supplied_by))
    ind = data.scores.indicators
    parts = [chapter_heading("annex-ratings", "Annex A. Ratings and evidence",
                             "Every indicator with its three ratings, the level used in scores (after evidence "
                             "caps), its confidence and its evidence records.")]
    for p in fw.pillars:
        rows = []
        for r in ind[ind["pillar_id"] == p.id].itertuples():
            used = "–" if missing(r.level) else f"{r.level:g}" + (" (capped)" if r.capped else "")
            rows.append([f"{r.indicator_id} {r.indicator}", text_or_dash(r.national), text_or_dash(r.external),
                         text_or_dash(r.agreed), used, text_or_dash(r.confidence),
                         _evidence_cell(ev.get(r.indicator_id))])
        parts.append(f'<h3 id="annex-ratings-{e(p.id)}">{e(p.name)}</h3>')
        parts.append(table(n.table(f"{p.name}: every rating with its evidence"),
                           ["Indicator", "National", "External", "Agreed", "Level used", "Confidence", "Evidence"],
                           rows, cls="mbm-annex", widths=(22, 8, 8, 7, 8, 10, 37)))
    parts.append(chapter_heading("annex-team", "Annex B. The assessment team"))
    parts.append(table(n.table("The assessment team"), ["Name", "Organisation", "Role"],
                       [[name, org or "no organisation given", ROLE_NAMES.get(role, role)]
                        for name, org, role in data.info.team]) if data.info.team else "<p>No team recorded.</p>")
    parts.append(chapter_heading("annex-crosswalk", "Annex C. Crosswalk to SDG 10.7 and GCM objectives 7 and 11",
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
                                 status.get(iid) if missing(lv) else f"{lv:g}"])
        parts.append(f'<h3 id="annex-crosswalk-{e(ref_id)}">{e(ref.title)}</h3>')
        parts.append(table(n.table(f"Indicators linked to {ref_id}"), ["Indicator", "Provision", "Level used"],
                           rows, numeric=(2,)) if rows else "<p>No indicator is linked to it.</p>")
    return "".join(parts)


# -- the whole report ----------------------------------------------------------------------
def chapters(data: ReportData) -> list[tuple[str, str]]:
    out = [("summary", "Executive summary"), ("methodology", "Methodology")]
    out += [(f"pillar-{p.id}", p.name) for p in data.framework.pillars]
    if data.mission is not None:
        out.append(MISSION_CHAPTER)
    out += [("roadmap", "Road map"), ("donors", "Donor map")]
    if data.follow_up is not None:
        out.append(("follow-up", f"Follow-up since {data.follow_up.baseline}"))
    out += [("annex-ratings", "Annex A. Ratings and evidence"), ("annex-team", "Annex B. The assessment team"),
            ("annex-crosswalk", "Annex C. Crosswalk to SDG 10.7 and GCM objectives 7 and 11")]
    return out


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
    cells = [html_cell(cover_html(data), "cover"), html_cell(contents_html(chapters(data)), "contents"),
             html_cell(summary_html(data, n), "summary"), html_cell(methodology_html(data, n), "methodology")]
    for p in data.framework.pillars:
        executed = pillar_notebooks[p.id]
        if not isinstance(executed, NotebookNode):
            executed = nbformat.read(str(executed), as_version=4)
        cells += pillar_cells(data, p.id, executed, n)
    if data.mission is not None:
        cells.append(html_cell(mission_html(data, n), "mission"))
    cells += [html_cell(roadmap_html(data, n), "roadmap"), html_cell(donors_html(data, n), "donors")]
    if data.follow_up is not None:
        cells.append(html_cell(followup_html(data, n), "follow-up"))
    cells.append(html_cell(annex_html(data, n), "annex"))
    nb.cells = cells
    return nb

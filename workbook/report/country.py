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
from ..i18n.messages import N_, translator
from ..present.charts import describe_profile, dumbbell_chart, gantt_chart, level_columns, profile_chart
from ..present.html import (e, figure, format_date, format_share, format_status, items, missing, table,
                            text_or_dash)
from ..present.levels import (change_text, confidence_text, level_label, normative_text, pillar_distribution,
                              roadmap_word, scoring_note, spread_text, spread_words)
from ..roadmap import compare_scores
from ..scoring import WARN_FROM, WEAK_AT, Scores
from . import contributions, logframe, methodology
from .data import CROSSWALK_REFS, ReportData
from .findings import criticality_name, findings_html, subarea_warnings, subareas_table_html
from .mission import CHAPTER as MISSION_CHAPTER
from .mission import mission_html
from .parts import Numbering, chapter_heading, chapter_title, heading3, html_cell, para, report_metadata
from .restricted import restricted_banner_html

REPORT_TAG = "report"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
IMAGE_MIMES = ("image/svg+xml", "image/png", "image/jpeg")
ROLE_NAMES = {"international": N_("international expert"), "national": N_("national expert")}
STRENGTH_FROM = 3  # a sub-area at this level or above, with no warning, is listed among the strengths
TOP_GAPS = 5
MAX_SUGGESTIONS = 12  # rows of suggested actions shown when no recommendation is recorded


class ReportError(WorkbookError):
    """A report cannot be built from what it was given (e.g. a pillar notebook is missing)."""


# -- cells ---------------------------------------------------------------------------------
def _subarea_label(data: ReportData, sid: str) -> str:
    return f"{sid} {data.framework.subareas[sid].name}"


def _role(role: str, lang: str) -> str:
    """A team member's role in words (``national expert``), in ``lang``."""
    return translator(lang).gettext(ROLE_NAMES[role]) if role in ROLE_NAMES else role


# -- cover and contents --------------------------------------------------------------------
def cover_html(data: ReportData) -> str:
    """Country, round, dates, team, framework version and status (draft or final)."""
    info = data.info
    _ = translator(data.lang).gettext
    fictional = ('<p><span class="mbm-fictional">'
                 + e(_("Fictional country: demonstration data, not a real assessment")) + "</span></p>"
                 if info.fictional else "")
    country = f"{info.country_name} ({info.country_code})"
    team = _("; ").join(f"{n} ({_role(r, data.lang)})" for n, _o, r in info.team) or _("no team recorded")
    word = format_status(info.status, lang=data.lang, words=True)
    status = (_("%(status)s: endorsed results") if info.status == "final"
              else _("%(status)s: results may still change")) % {"status": word}
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
        steps = [f"{format_status(r.to_status, lang=data.lang, words=True)}: {r.name} ({r.role.replace('_', ' ')}"
                 f"{', ' + r.organisation if r.organisation else ''}), {format_date(r.at)}"
                 for r in data.signoffs.itertuples(index=False)]
        facts.append((_("Sign-off"), _("; ").join(steps)))
    rows = "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in facts)
    subtitle = _("Migration and border management capacity assessment: %(round)s") % {"round": info.round}
    return ('<header class="mbm-cover" aria-label="' + e(_("Cover")) + '">'
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
def pillar_table_html(pillars, caption: str, lang: str | None = None) -> str:
    """Pillar profiles: level (lower median of the sub-area levels), their spread and distribution,
    the method range, normative alignment, completion and confidence."""
    _ = translator(lang or "en").gettext
    rows, attrs = [], []
    for r in pillars.itertuples(index=False):
        done = _("%(done)s of %(applicable)s") % {"done": r.n_rated, "applicable": r.n_applicable}
        rows.append([r.pillar, level_label(r.level, r.label.endswith("+"), lang),
                     spread_text(r.min_level, r.max_level, lang), pillar_distribution(r._asdict(), lang),
                     spread_text(r.method_low, r.method_high, lang),
                     normative_text(r.normative_met, r.normative_total, lang),
                     f"{format_share(r.completion)} ({done})", confidence_text(r.confidence, lang=lang)])
        attrs.append({"data-pillar": r.pillar_id})
    return table(caption, [_("Pillar"), _("Level"), _("Sub-areas (spread)"), _("Sub-areas at each level"),
                           _("Method range"), _("Normative alignment"), _("Completion"), _("Confidence")], rows,
                 numeric=(1,), cls="mbm-pillar-scores", attrs=attrs, widths=(17, 7, 10, 19, 9, 11, 15, 12))


def profile_figure(data: ReportData, n: Numbering) -> str:
    _ = translator(data.lang).gettext
    return figure(profile_chart(data.scores.pillars, lang=data.lang),
                  n.figure(_("Capacity profile by pillar, %(round)s: each pillar's level (the lower median of its "
                             "sub-area levels) with a line from its lowest to its highest sub-area")
                           % {"round": data.info.round}))


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


def _level_and_spread(label: str, low, high, lang: str) -> str:
    return translator(lang).gettext("level %(level)s (indicators %(spread)s)") % {
        "level": label, "spread": spread_words(low, high, lang)}


def strengths(data: ReportData) -> list[str]:
    """Sub-areas at level 3 or above that carry no warning, highest first."""
    _ = translator(data.lang).gettext
    sub = data.scores.subareas
    good = sub[sub["level"].notna() & (sub["level"] >= STRENGTH_FROM) & (sub["warning"] == "")]
    top = good.sort_values(["level", "min_level"], ascending=False, kind="stable").head(5)
    return [_("%(subarea)s: level %(level)s (indicators %(spread)s; %(confidence)s confidence)") % {
                "subarea": f"{r.subarea_id} {r.subarea}", "level": level_label(r.level, r.plus),
                "spread": spread_words(r.min_level, r.max_level, data.lang),
                "confidence": confidence_text(r.confidence, "no", data.lang)}
            for r in top.itertuples()]


def main_gaps(data: ReportData) -> list[str]:
    """The sub-areas with the highest priority, each with its level, spread and target."""
    _ = translator(data.lang).gettext
    sub = data.scores.subareas.set_index("subarea_id")

    def level(sid: str) -> str:
        s = sub.loc[sid]
        return _level_and_spread(level_label(s["level"], bool(s["plus"])), s["min_level"], s["max_level"], data.lang)
    if data.targets is not None:
        t = data.targets[data.targets["priority"] > 0].sort_values("rank").head(TOP_GAPS)
        return [_("%(subarea)s: %(level)s, long-term target %(target)s (gap %(gap)s; %(criticality)s; priority "
                  "%(priority)s)") % {"subarea": f"{r.subarea_id} {r.subarea}", "level": level(r.subarea_id),
                                      "target": r.long_term_target, "gap": int(r.gap_long),
                                      "criticality": criticality_name(data, r.criticality),
                                      "priority": f"{r.priority:g}"}
                + (_("; verify first: an indicator rated insufficient evidence holds it down") if r.verify_first
                   else "")
                for r in t.itertuples()]
    low = data.scores.subareas.dropna(subset=["level"]).sort_values(["level", "min_level"], kind="stable")
    return [f"{r.subarea_id} {r.subarea}: {level(r.subarea_id)}" for r in low.head(TOP_GAPS).itertuples()]


def summary_html(data: ReportData, n: Numbering) -> str:
    t = translator(data.lang)
    _ = t.gettext
    q = data_quality(data)
    quality = [
        _("Completion: %(n_rated)s of %(n_applicable)s applicable indicators rated (%(share)s); %(ne)s not "
          "evaluated, %(missing)s not yet rated, %(na)s not applicable.") % {**q, "share": format_share(
              q["completion"])},
        _("Confidence of the rated indicators: %(high)s high, %(medium)s medium, %(low)s low (shown next to every "
          "level, never blended into it).") % q,
        _("Flags: %(disagreements)s national/external disagreements of more than one level, %(ie)s rated "
          "insufficient evidence (IE: verify first), %(capped)s capped for missing evidence, %(overrides)s agreed "
          "against the criteria with a written reason (overrides), %(gated)s with practice ahead of paper; "
          "%(flagged)s indicators need a look in all.") % q,
    ]
    if data.framework.has_criteria:
        quality.append(_("Criteria answered: %(answered)s of %(total)s.") % {
            "answered": q["answered"], "total": len(data.framework.criteria)})
    how = _("How to read the levels: every level is whole. A sub-area's level follows its stated rule (see Annex A); "
            "\"+\" marks a sub-area with an indicator above its level, and the spread gives its lowest and highest "
            "indicator. A pillar's level is the lower median of its sub-area levels, shown with their spread and "
            "how many sit at each level. No mean is a headline.")
    warn = subarea_warnings(data)
    levels = {"from": WARN_FROM, "weak": WEAK_AT, "strength": STRENGTH_FROM}
    warn_intro = _("Sub-areas that read level %(from)s or above while one of their indicators is at level "
                   "%(weak)s or below:") % levels
    return (chapter_heading("summary", chapter_title(data, "summary"),
                            _("The capacity profile across the four pillars. It describes where capacity stands "
                              "in this country; it is a profile, not a ranking of countries."))
            + f"<p>{e(how)}</p>"
            + profile_figure(data, n)
            + pillar_table_html(data.scores.pillars, n.table(_("Pillar profiles (levels 1 to 5). Method range: the "
                                                               "pillar's level under each of the three aggregation "
                                                               "rules.")), data.lang)
            + heading3("summary-warnings", _("Warnings"))
            + (f"<p>{e(warn_intro)}</p>" if warn else "")
            + items(warn, _("No sub-area reads level %(from)s or above while one of its indicators is at level "
                            "%(weak)s or below.") % levels)
            + heading3("summary-strengths", _("Strengths"))
            + items(strengths(data), _("No sub-area reaches level %(strength)s without a weak indicator yet.")
                    % levels)
            + heading3("summary-gaps", _("Main gaps"))
            + para(_("The sub-areas with the highest priority (long-term gap x criticality x exposure):"))
            + items(main_gaps(data), _("No gap: every scored sub-area is at its long-term target."))
            + heading3("summary-quality", _("Data quality")) + items(quality))


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


def number_outputs(outputs, n: Numbering, what: str, lang: str = "en") -> None:
    """Number the notebook's tables (in their caption) and charts (a figure caption)."""
    caption = translator(lang).gettext("%(pillar)s: sub-area levels with the spread of their indicators")
    for out in outputs:
        data = out.get("data", {})
        if any(m in data for m in IMAGE_MIMES):
            out.setdefault("metadata", {})["mbm"] = {"caption": n.figure(caption % {"pillar": what})}
        elif "text/html" in data:
            text = data["text/html"] if isinstance(data["text/html"], str) else "".join(data["text/html"])
            for _ in range(len(_CAPTION.findall(text))):
                label = n.table(what).removesuffix(what).rstrip()
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
    _ = translator(data.lang).gettext
    ind = data.scores.indicators
    d = ind[(ind["pillar_id"] == pillar_id) & ind["disagreement"]]
    head = heading3(f"disagreements-{pillar_id}", _("National and external ratings"))
    if d.empty:
        return head + para(_("No national and external ratings are more than one level apart in this pillar."))
    rows = [[f"{r.indicator_id} {r.indicator}", text_or_dash(r.national), text_or_dash(r.external),
             text_or_dash(r.agreed), confidence_text(r.confidence or "–", lang=data.lang)] for r in d.itertuples()]
    caption = _("%(pillar)s: national and external ratings more than one level apart") % {
        "pillar": data.framework.pillar(pillar_id).name}
    return head + table(n.table(caption), [_("Indicator"), _("National"), _("External"), _("Agreed"),
                                           _("Confidence")], rows, numeric=(1, 2, 3))


def pillar_sentence(p, lang: str = "en") -> str:
    """A pillar's profile in words: level, spread and distribution, method range, completion."""
    t = translator(lang)
    counts = {"rated": int(p["n_rated"]), "applicable": int(p["n_applicable"])}
    if missing(p["level"]):
        return t.gettext("Not scored yet: %(rated)s of %(applicable)s applicable indicators rated.") % counts
    norm = (" " + t.gettext("Normative alignment: %(alignment)s.") % {
        "alignment": normative_text(p["normative_met"], p["normative_total"], lang)} if p["normative_total"] else "")
    warnings = t.ngettext("%(n)s warning(s).", "%(n)s warning(s).", int(p["n_warnings"])) % {
        "n": int(p["n_warnings"])}
    return t.gettext("Level %(level)s: the lower median of its sub-area levels, which run from %(low)s to %(high)s "
                     "(%(distribution)s); under the other aggregation rules it would read %(methods)s. %(rated)s of "
                     "%(applicable)s applicable indicators rated; %(confidence)s confidence; %(warnings)s") % {
        **counts, "level": level_label(p["level"], p["label"].endswith("+")), "low": int(p["min_level"]),
        "high": int(p["max_level"]), "distribution": pillar_distribution(p, lang),
        "methods": spread_text(p["method_low"], p["method_high"], lang),
        "confidence": confidence_text(p["confidence"], "no", lang), "warnings": warnings} + norm


def pillar_cells(data: ReportData, pillar_id: str, executed: NotebookNode, n: Numbering) -> list[NotebookNode]:
    """A pillar's chapter: heading, the outputs of its executed notebook's ``report`` cells
    (numbered), findings per sub-area and disagreements."""
    _ = translator(data.lang).gettext
    pillar = data.framework.pillar(pillar_id)
    sub = data.scores.subareas[data.scores.subareas["pillar_id"] == pillar.id]
    p = data.scores.pillars.set_index("pillar_id").loc[pillar.id]
    alt = (_("%(pillar)s: sub-area levels.") % {"pillar": pillar.name} + " "
           + describe_profile(list(sub["subarea"]), *level_columns(sub), lang=data.lang))
    intro = f"{pillar.description} {pillar_sentence(p, data.lang)}"
    cells = [html_cell(chapter_heading(f"pillar-{pillar.id}", pillar.name, intro), f"pillar-{pillar.id}")]
    for cell in executed.cells:
        if cell.cell_type != "code" or REPORT_TAG not in cell.metadata.get("tags", []):
            continue
        outputs = clean_outputs(nbformat.from_dict(cell.get("outputs", [])), alt)
        number_outputs(outputs, n, pillar.name, data.lang)
        if outputs:
            cells.append(new_code_cell(source="", outputs=outputs,
                                       metadata={"tags": [REPORT_TAG, f"pillar-{pillar.id}"]}))
    if len(cells) == 1:
        raise ReportError(f"the executed notebook for pillar {pillar.id} has no output in its cells tagged "
                          f"{REPORT_TAG!r}")
    cells.append(html_cell(heading3(f"levels-{pillar.id}", _("Sub-area levels"))
                           + subareas_table_html(data, pillar.id, n) + findings_html(data, pillar.id)
                           + disagreements_html(data, pillar.id, n), f"pillar-{pillar.id}"))
    return cells


# -- road map, donor map, follow-up ----------------------------------------------------------
#: Stored words of the road map shown in its tables (action types, horizons, statuses), marked for the catalogues.
def roadmap_html(data: ReportData, n: Numbering) -> str:
    _ = translator(data.lang).gettext
    head = chapter_heading("roadmap", chapter_title(data, "roadmap"),
                           _("Recommendations in the order they can be done: prerequisites first, short term "
                             "(up to 18 months) before long term (2 to 5 years), by priority."))
    road = data.roadmap
    if road is None:
        return head + para(_("The road map was not read for this report."))
    t = road.table
    if t.empty:
        sug = data.suggestions
        body = "<p>" + e(_("No recommendation has been recorded for this assessment yet. These are the top suggested "
                           "actions from the action library for the highest-priority gaps (short term); the team "
                           "chooses, edits and records them on the road-map page.")) + "</p>"
        if sug is not None and len(sug):
            body += table(n.table(_("Top suggested actions (not yet adopted)")),
                          [_("Action"), _("Sub-area"), _("Action type"), _("Target level"), _("Cost band"), _("Why")],
                          [[r.title, _subarea_label(data, r.subarea_id), roadmap_word(r.action_type, data.lang),
                            str(r.target_level), roadmap_word(r.cost_band, data.lang), r.reason]
                           for r in sug.head(MAX_SUGGESTIONS).itertuples()],
                          numeric=(3,), widths=(28, 20, 12, 8, 8, 24))
        else:
            body += para(_("No suggestion either: no scored sub-area is below its target."))
        return head + body
    rows = [[f"{r.order}. {r.title}", _subarea_label(data, r.subarea_id), roadmap_word(r.action_type, data.lang),
             text_or_dash(r.lead_agency), roadmap_word(r.group, data.lang), format_date(r.start), format_date(r.end),
             roadmap_word(text_or_dash(r.funding_status), data.lang), roadmap_word(r.status, data.lang),
             text_or_dash(r.after)]
            for r in t.itertuples()]
    body = table(n.table(_("Sequenced recommendations")),
                 [_("Recommendation"), _("Sub-area"), _("Action type"), _("Lead agency"), _("Horizon"), _("Start"),
                  _("End"), _("Funding"), _("Status"), _("After")], rows, cls="mbm-wide",
                 widths=(22, 13, 9, 10, 7, 8, 8, 7, 7, 9))
    body += figure(gantt_chart(t, lang=data.lang),
                   n.figure(_("Road map timeline (bars from start to end; dark: short term, light: long term)")))
    if not road.problems.empty:
        body += heading3("roadmap-problems", _("Schedule problems")) + items(
            f"#{r.recommendation_id} {r.title}: {r.problem}" for r in road.problems.itertuples())
    return head + body


def donors_html(data: ReportData, n: Numbering) -> str:
    _ = translator(data.lang).gettext
    head = chapter_heading("donors", chapter_title(data, "donors"),
                           _("Existing and planned capacity-building initiatives, the recommendations they already "
                             "cover, initiatives that overlap each other, and priority gaps nobody funds."))
    dm = data.donor_map
    if dm is None:
        return head + para(_("The donor map was not read for this report."))

    parts = [head, heading3("donors-initiatives", _("Initiatives"))]
    ini = dm.initiatives
    if ini.empty:
        parts.append(para(_("No initiative is recorded for this country.")))
    else:
        parts.append(table(n.table(_("Capacity-building initiatives")),
                           [_("Initiative"), _("Donor"), _("Implementer"), _("Budget"), _("Period"),
                            _("Sub-areas addressed")],
                           [[r.title, r.donor, text_or_dash(r.implementer),
                             "–" if missing(r.budget) else f"{float(r.budget):,.0f} {text_or_dash(r.currency)}",
                             _("%(start)s to %(end)s") % {"start": format_date(r.start_date),
                                                          "end": format_date(r.end_date)},
                             ", ".join(r.subareas) if isinstance(r.subareas, (list, tuple))
                             else text_or_dash(r.subareas)]
                            for r in ini.itertuples()]))
    parts.append(heading3("donors-covered", _("Recommendations already covered")))
    if dm.covered.empty:
        parts.append(para(_("No recommendation is covered by an initiative.")))
    else:
        parts.append(table(n.table(_("Recommendations covered by an initiative")),
                           [_("Recommendation"), _("Initiative"), _("Donor"), _("Match")],
                           [[f"#{r.recommendation_id} {r.title}", r.initiative, r.donor, r.match]
                            for r in dm.covered.itertuples()]))
    parts.append(heading3("donors-overlaps", _("Overlapping initiatives")))
    if dm.overlaps.empty:
        parts.append(para(_("No two initiatives of different donors address the same sub-area at the same time.")))
    else:
        parts.append(table(n.table(_("Initiatives of different donors on the same sub-area at the same time")),
                           [_("Initiatives"), _("Donors"), _("Sub-areas"), _("Overlap")],
                           [[f"{r.title_a} / {r.title_b}", f"{r.donor_a} / {r.donor_b}", str(r.subareas),
                             _("%(start)s to %(end)s") % {"start": format_date(r.overlap_start),
                                                          "end": format_date(r.overlap_end)}]
                            for r in dm.overlaps.itertuples()]))
    parts.append(heading3("donors-unfunded", _("Unfunded gaps")))
    if dm.unfunded.empty:
        parts.append(para(_("Every priority sub-area has an initiative or committed funding.")))
    else:
        parts.append(table(n.table(_("Priority sub-areas with no initiative and no committed funding")),
                           [_("Sub-area"), _("Priority"), _("Long-term gap"), _("Recommendations"), _("Note")],
                           [[_subarea_label(data, r.subarea_id), f"{r.priority:g}", f"{r.gap_long:g}",
                             str(r.n_recommendations), r.note] for r in dm.unfunded.itertuples()],
                           numeric=(1, 2, 3)))
    return "".join(parts)


def _by_level(scores: Scores) -> Scores:
    """The same scores with each sub-area's and pillar's level as its value to compare."""
    return Scores(scores.indicators, scores.subareas.assign(score=scores.subareas["level"]),
                  scores.pillars.assign(score=scores.pillars["level"]))


def level_changes(baseline: Scores, followup: Scores, lang: str = "en"):
    """Sub-areas and pillars compared by level between two rounds (ids are stable across framework
    versions): ``baseline``/``followup`` levels, ``change`` in whole levels, ``direction``, and the
    labels (``2+``) of both rounds."""
    comp = compare_scores(_by_level(baseline), _by_level(followup))
    not_scored = translator(lang).gettext("not scored")

    def labelled(frame, key, before, after):
        b = dict(zip(before[key], before["label"]))
        a = dict(zip(after[key], after["label"]))
        order = {k: i for i, k in enumerate(dict.fromkeys([*after[key], *before[key]]))}
        frame = frame.assign(baseline_label=[b.get(k) or not_scored for k in frame[key]],
                             followup_label=[a.get(k) or not_scored for k in frame[key]])
        return frame.sort_values(key, key=lambda ids: ids.map(order), kind="stable").reset_index(drop=True)
    return (labelled(comp.subareas, "subarea_id", baseline.subareas, followup.subareas),
            labelled(comp.pillars, "pillar_id", baseline.pillars, followup.pillars))


#: The direction of a change (``compare_scores``), marked for the catalogues.
DIRECTION_WORDS = {"up": N_("up"), "down": N_("down"), "same": N_("same"), "not comparable": N_("not comparable")}


def followup_html(data: ReportData, n: Numbering) -> str:
    t = translator(data.lang)
    _ = t.gettext
    fu = data.follow_up
    rounds = {"followup": fu.followup, "baseline": fu.baseline}
    head = chapter_heading("follow-up", chapter_title(data, "follow-up"),
                           _("This round (%(followup)s) compared with the baseline round (%(baseline)s) by level: "
                             "the change per pillar and sub-area in whole levels, and what was targeted by which "
                             "initiative.") % rounds)
    parts = [head] + [f"<p>{e(note)}</p>" for note in fu.notes]
    if data.baseline is None:
        return "".join(parts) + para(_("The baseline round was not read for this report."))
    sub, pil = level_changes(data.baseline, data.scores, data.lang)
    change = _("Change (levels)")
    parts.append(table(n.table(_("Change per pillar (level: lower median of the sub-area levels)")),
                       [_("Pillar"), _("Baseline"), _("This round"), change],
                       [[r.pillar, r.baseline_label, r.followup_label, change_text(r.change, data.lang)]
                        for r in pil.itertuples()], numeric=(1, 2, 3)))
    parts.append(figure(dumbbell_chart(sub, lang=data.lang),
                        n.figure(_("Sub-area levels, %(baseline)s (grey) and %(followup)s") % rounds)))
    parts.append(table(n.table(_("Change per sub-area (level under its rule)")),
                       [_("Sub-area"), _("Baseline"), _("This round"), change, _("Direction")],
                       [[f"{r.subarea_id} {r.subarea}", r.baseline_label, r.followup_label,
                         change_text(r.change, data.lang),
                         _(DIRECTION_WORDS[r.direction]) if r.direction in DIRECTION_WORDS else r.direction]
                        for r in sub.itertuples()], numeric=(1, 2, 3)))
    tg = fu.targeted
    linked = tg[tg["initiative_id"].notna()] if len(tg) else tg
    parts.append(heading3("follow-up-targeted", _("Changes and the initiatives that targeted them")))
    if len(linked):
        parts.append(table(n.table(_("Indicator changes addressed by an initiative between the rounds")),
                           [_("Indicator"), change, _("Initiative"), _("Donor")],
                           [[r.indicator_id, change_text(r.change, data.lang), r.initiative, r.donor]
                            for r in linked.itertuples()], numeric=(1,)))
    else:
        parts.append(para(_("No initiative recorded between the rounds addressed a changed indicator.")))
    st = fu.status
    if len(st):
        parts.append(table(n.table(_("Status of the %(baseline)s recommendations") % rounds),
                           [_("Status"), *(roadmap_word(c, data.lang) for c in st.columns)],
                           [[roadmap_word(status, data.lang), *map(str, row)] for status, *row in st.itertuples()],
                           numeric=tuple(range(1, len(st.columns) + 1))))
    return "".join(parts)


# -- annexes -------------------------------------------------------------------------------
#: The names of the SDG indicator 10.7.2 domains and the details the crosswalk cites with them.
PROVISION_WORDS = {"migrant rights": N_("migrant rights"),
                   "whole-of-government approach": N_("whole-of-government approach"),
                   "whole-of-government approach and evidence-based policies":
                       N_("whole-of-government approach and evidence-based policies"),
                   "cooperation and partnerships": N_("cooperation and partnerships"),
                   "socioeconomic well-being": N_("socioeconomic well-being"),
                   "mobility dimensions of crises": N_("mobility dimensions of crises"),
                   "safe, orderly and regular migration": N_("safe, orderly and regular migration"),
                   "visa overstay monitoring": N_("visa overstay monitoring")}
_PROVISION = re.compile(r"^(?:domain (\d+), (.+?)(?: \((.+)\))?|para\. (\d+))$")


def provision_text(provision: str, lang: str) -> str:
    """A crosswalk provision ("domain 2, whole-of-government approach", "para. 23") in ``lang``; one
    of another form stays as written."""
    m = _PROVISION.match(provision or "")
    if m is None or lang == "en":
        return provision
    t = translator(lang)
    if m.group(4):
        return t.gettext("para. %(n)s") % {"n": m.group(4)}
    if m.group(2) not in PROVISION_WORDS or (m.group(3) and m.group(3) not in PROVISION_WORDS):
        return provision
    text = t.gettext("domain %(n)s, %(name)s") % {"n": m.group(1), "name": t.gettext(PROVISION_WORDS[m.group(2)])}
    return text + (f" ({t.gettext(PROVISION_WORDS[m.group(3)])})" if m.group(3) else "")


def _evidence_cell(records, lang: str = "en", framework=None) -> str:
    t = translator(lang)
    if not records:
        return t.gettext("none recorded")
    return t.gettext("; ").join(t.gettext("%(type)s: %(source)s (%(date)s, ref. %(reference)s, %(by)s)") % {
        "type": _evidence_type(kind, lang, framework), "source": s, "date": format_date(d),
        "reference": text_or_dash(ref), "by": text_or_dash(by)} for kind, s, d, ref, by in records)


def _evidence_type(kind, lang: str, framework=None) -> str:
    """An evidence type's id in English (as recorded), its translated name in another language."""
    if lang == "en" or framework is None:
        return kind
    found = next((t for t in framework.evidence_types if t.id == kind), None)
    return found.name if found is not None else kind


def _used(r, lang: str = "en") -> str:
    """The level an indicator counts with, and why when it is not simply the agreed rating."""
    _ = translator(lang).gettext
    if r.status == "NA":
        return "NA" + ("" if r.level_source in ("rating", "criteria") else f": {scoring_note(r.level_source, lang)}")
    if missing(r.level):
        return "–"
    if r.status == "IE":
        return _("1 (IE: verify first)")
    return f"{int(r.level)}" + (_(" (capped)") if r.capped else "") + (_(" (from the criteria)")
                                                                       if r.level_source == "criteria" else "")


def _criteria_cell(r, lang: str = "en") -> str:
    _ = translator(lang).gettext
    parts = [] if missing(r.criteria_level) else [_("level %(level)s") % {"level": int(r.criteria_level)}]
    if r.gated_by:
        parts.append(_("practice ahead of paper"))
    if r.normative_total:
        parts.append(_("normative %(alignment)s") % {"alignment": normative_text(r.normative_met, r.normative_total,
                                                                                 lang)})
    return _("; ").join(parts) or "–"


def annex_html(data: ReportData, n: Numbering) -> str:
    _ = translator(data.lang).gettext
    fw = data.framework
    ev: dict[str, list] = {}
    for r in data.evidence.itertuples():
        ev.setdefault(r.indicator_id, []).append((r.type, r.source, r.date, r.reference, r.supplied_by))
    ind = data.scores.indicators
    parts = [chapter_heading("annex-ratings", chapter_title(data, "annex-ratings"),
                             _("Every indicator with its three ratings, the level its criteria give, the level used "
                               "in scores (after evidence caps), its confidence and its evidence records. An agreed "
                               "level marked override differs from the criteria; the findings give the team's "
                               "reason."))]
    for p in fw.pillars:
        rows = []
        for r in ind[ind["pillar_id"] == p.id].itertuples():
            rows.append([f"{r.indicator_id} {r.indicator}", text_or_dash(r.national), text_or_dash(r.external),
                         text_or_dash(r.agreed) + (_(" (override)") if r.override else ""),
                         _criteria_cell(r, data.lang), _used(r, data.lang),
                         confidence_text(text_or_dash(r.confidence), lang=data.lang),
                         _evidence_cell(ev.get(r.indicator_id), data.lang, fw)])
        parts.append(f'<h3 id="annex-ratings-{e(p.id)}">{e(p.name)}</h3>')
        parts.append(table(n.table(_("%(pillar)s: every rating with its criteria and evidence") % {"pillar": p.name}),
                           [_("Indicator"), _("National"), _("External"), _("Agreed"), _("Criteria"),
                            _("Level used"), _("Confidence"), _("Evidence")], rows, cls="mbm-annex",
                           widths=(19, 7, 7, 8, 10, 9, 9, 31)))
    parts.append(chapter_heading("annex-team", chapter_title(data, "annex-team")))
    parts.append(table(n.table(_("The assessment team")), [_("Name"), _("Organisation"), _("Role")],
                       [[name, org or _("no organisation given"), _role(role, data.lang)]
                        for name, org, role in data.info.team]) if data.info.team
                 else para(_("No team recorded.")))
    parts.append(chapter_heading("annex-crosswalk", chapter_title(data, "annex-crosswalk"),
                                 _("The indicators that the framework links to these commitments, with this "
                                   "assessment's level.")))
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
                    rows.append([f"{iid} {indicator.name}", text_or_dash(provision_text(c.provision, data.lang)),
                                 status.get(iid) if missing(lv) else f"{int(lv)}"])
        parts.append(f'<h3 id="annex-crosswalk-{e(ref_id)}">{e(ref.title)}</h3>')
        parts.append(table(n.table(_("Indicators linked to %(reference)s") % {"reference": ref_id}),
                           [_("Indicator"), _("Provision"), _("Level used")], rows, numeric=(2,))
                     if rows else para(_("No indicator is linked to it.")))
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
    n = Numbering(data.lang)
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

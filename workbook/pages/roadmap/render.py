"""What the road-map page shows, as HTML strings (tested without a kernel): targets, the
recommendations, the sequenced road map, the investment packages, the initiatives, the donor map and the follow-up,
written with :mod:`workbook.present`. Nothing here computes: it renders the frames of
:mod:`workbook.roadmap`."""
from __future__ import annotations

import re

import pandas as pd

from ...errors import Problem
from ...i18n.grammar import elide
from ...i18n.messages import N_, translator
from ...present.charts import dumbbell_chart, gantt_chart
from ...present.html import e, figure, format_cell, frame_table, missing, text_or_dash
from ...present.levels import roadmap_word
from ...roadmap.library import HORIZONS
from ...roadmap.sequence import HORIZON_NAMES

EXPOSURE_NAMES = {1: "low", 2: "medium", 3: "high"}
#: The columns whose stored words (``in_progress``, ``gap``, ``ict_system``...) a page shows in its language.
WORD_COLUMNS = ("action_type", "funding_status", "horizon", "status", "cost_band")


def words(lang: str | None):
    """The page's ``gettext`` in ``lang`` (English when none)."""
    return translator(lang or "en").gettext


def exposure_name(level: int, lang: str | None = None) -> str:
    """``low``, ``medium`` or ``high``, in ``lang``."""
    return roadmap_word(EXPOSURE_NAMES[level], lang)


def shown_words(frame: pd.DataFrame, lang: str | None) -> pd.DataFrame:
    """``frame`` with the stored words of :data:`WORD_COLUMNS` in ``lang`` (as stored in English)."""
    if lang in (None, "en") or not len(frame):
        return frame
    return frame.assign(**{c: [roadmap_word(v, lang) if isinstance(v, str) and v else v for v in frame[c]]
                           for c in WORD_COLUMNS if c in frame.columns})


def _cols(columns, _) -> list[tuple[str, str]]:
    """``(column, heading)`` pairs with the headings in the page's language."""
    return [(c, _(h)) for c, h in columns]

#: Widget labels for the fields the store names in its problems.
LABELS = {"subarea_id": N_("Sub-area"), "indicator_id": N_("Indicator"), "target_level": N_("Target level"),
          "action_type": N_("Action type"), "title": N_("Title"), "description": N_("Description"),
          "lead_agency": N_("Lead agency"), "partners": N_("Partners"), "cost_band": N_("Cost band"),
          "amount": N_("Amount"), "currency": N_("Currency"), "funding_status": N_("Funding"),
          "horizon": N_("Horizon"), "prerequisites": N_("Prerequisites"),
          "completion_indicator": N_("Completion indicator"), "deadline": N_("Deadline"), "status": N_("Status"),
          "source_action_id": N_("Source action"), "donor": N_("Donor"), "implementer": N_("Implementer"),
          "budget": N_("Budget"), "start_date": N_("Start"), "end_date": N_("End"), "subareas": N_("Sub-areas"),
          "indicators": N_("Indicators"), "notes": N_("Notes"), "reason": N_("Reason"), "exposure": N_("Exposure"),
          "short_term": N_("Short-term target"), "long_term": N_("Long-term target"), "by": N_("Your name"),
          "keys": N_("Suggestion")}
_LOCATION = re.compile(r"(?:(?:recommendations\[\d+\]|initiatives\[\d+\]|#\d+|I\d+|[A-Z]{3}\.\d+)\.)?(\w+)(?:\[\d+\])?")


def problem_text(p: Problem, lang: str | None = None) -> str:
    """A store problem in the words of the form: ``Currency: 'ZZZ' is not an ISO 4217 ...`` (the
    field's label in ``lang``; the store's message as it says it)."""
    m = _LOCATION.fullmatch(p.location)
    field = m.group(1) if m else p.location
    label = words(lang)(LABELS[field]) if field in LABELS else p.location
    return f"{label}: {p.message}" if label else p.message


def gantt_html(table: pd.DataFrame, caption: str) -> str:
    return figure(gantt_chart(table, title=caption), caption, cls="mbm-gantt", page=True)


def targets_html(t: pd.DataFrame, caption: str, lang: str | None = None) -> str:
    """Targets, gaps and priority per sub-area; an edited target shows its default and reason."""
    _ = words(lang)
    edited = _("%(level)s (edited; default %(default)s: %(reason)s)")

    def target(r, which):
        v = r[f"{which}_term_target"]
        if missing(v):
            return "–"
        if r[f"{which}_term_source"] == "edited":
            return edited % {"level": int(v), "default": format_cell(r[f"{which}_term_default"]),
                             "reason": r[f"{which}_term_reason"]}
        return f"{int(v)}"
    rows = t.assign(name=[f"{s} {n}" for s, n in zip(t["subarea_id"], t["subarea"])],
                    short=[target(r, "short") for r in t.to_dict("records")],
                    long=[target(r, "long") for r in t.to_dict("records")])
    columns = [("name", N_("Sub-area")), ("score", N_("Score")), ("current_level", N_("Level")),
               ("criticality", N_("Criticality")), ("short", N_("Short-term target")), ("long", N_("Long-term target")),
               ("gap_short", N_("Gap (short)")), ("gap_long", N_("Gap (long)")), ("priority", N_("Priority")),
               ("rank", N_("Rank"))]
    return frame_table(rows, _cols(columns, _), caption, cls="mbm-targets", row_header="name")


REC_COLUMNS = [("ref", "#"), ("subarea_id", N_("Sub-area")), ("indicator_id", N_("Indicator")),
               ("title", N_("Title")), ("action_type", N_("Type")), ("target_level", N_("Target")),
               ("lead_agency", N_("Lead agency")), ("cost", N_("Cost")), ("funding_status", N_("Funding")),
               ("horizon", N_("Horizon")), ("deadline", N_("Deadline")), ("prerequisites", N_("Needs")),
               ("status", N_("Status"))]


def _cost(r: dict) -> str:
    if not missing(r.get("amount")):
        return f"{r['amount']:,.0f} {r.get('currency') or ''}".strip()
    return r.get("cost_band") or "–"


def recommendations_html(recs: pd.DataFrame, caption: str, lang: str | None = None) -> str:
    _ = words(lang)
    rows = recs.assign(ref=[f"#{i}" for i in recs["id"]], cost=[_cost(r) for r in recs.to_dict("records")]) \
        if len(recs) else recs
    rows = shown_words(rows, lang)
    return frame_table(rows, _cols(REC_COLUMNS, _), caption, cls="mbm-recommendations", row_header="ref",
                       empty=_("no recommendations yet: accept suggestions or add one below."))


def roadmap_html(road, caption: str, lang: str | None = None) -> str:
    """The sequenced road map: one table per horizon, prerequisites first."""
    _ = words(lang)
    cols = _cols([("order", N_("Step")), ("ref", "#"), ("title", N_("Title")), ("subarea_id", N_("Sub-area")),
                  ("start", N_("Start")), ("end", N_("End")), ("after", N_("After")), ("funding_status", N_("Funding")),
                  ("status", N_("Status"))], _)
    parts = []
    for h in HORIZONS:
        g = road.group(h)
        g = shown_words(g.assign(ref=[f"#{i}" for i in g["id"]]), lang) if len(g) else g
        name = roadmap_word(HORIZON_NAMES[h], lang)
        parts.append(frame_table(g, cols, f"{caption}: {name}", cls=f"mbm-roadmap mbm-{h}",
                                 empty=_("no recommendations in this horizon.")))
    return "".join(parts)


def schedule_problems_html(problems: pd.DataFrame, lang: str | None = None) -> str:
    t = translator(lang or "en")
    if len(problems) == 0:
        ok = t.gettext("Schedule check: no recommendation is scheduled before its prerequisite.")
        return f'<p class="mbm-schedule-ok">{e(ok)}</p>'
    items = "".join(f"<li>#{int(r['recommendation_id'])} {e(str(r['title']))}: "
                    f"{e(str(r['problem']))}</li>" for r in problems.to_dict("records"))
    head = t.ngettext("Schedule check: %(n)d problem", "Schedule check: %(n)d problems", len(problems)) % {
        "n": len(problems)}
    return (f'<div class="mbm-schedule-problems" role="note"><p><strong>{e(head)}</strong></p>'
            f"<ul>{items}</ul></div>")


def initiatives_html(inits: pd.DataFrame, caption: str, lang: str | None = None) -> str:
    _ = words(lang)
    rows = inits
    if len(inits):
        rows = inits.assign(ref=[f"I{i}" for i in inits["id"]],
                            money=[f"{b:,.0f} {c or ''}".strip() if not missing(b) else "–"
                                   for b, c in zip(inits["budget"], inits["currency"])],
                            scope_text=[", ".join(i or s for s, i in sc) for sc in inits["scope"]])
    columns = [("ref", "#"), ("donor", N_("Donor")), ("implementer", N_("Implementer")), ("title", N_("Title")),
               ("money", N_("Budget")), ("start_date", N_("Start")), ("end_date", N_("End")),
               ("scope_text", N_("Addresses"))]
    return frame_table(rows, _cols(columns, _), caption, cls="mbm-initiatives", row_header="ref",
                       empty=_("no initiatives recorded for this country yet."))


def donor_map_html(dm, lang: str | None = None) -> str:
    """The duplication check: covered recommendations, overlapping initiatives, gaps nobody funds."""
    _ = words(lang)
    covered = frame_table(dm.covered.assign(ref=[f"#{i}" for i in dm.covered["recommendation_id"]],
                                            ini=[f"I{i}" for i in dm.covered["initiative_id"]]),
                          _cols([("ref", "#"), ("title", N_("Recommendation")), ("subarea_id", N_("Sub-area")),
                                 ("ini", N_("Initiative")), ("initiative", N_("Title")), ("donor", N_("Donor")),
                                 ("match", N_("Match")), ("overlap_start", N_("From")), ("overlap_end", N_("To"))], _),
                          _("Already covered by an initiative"), cls="mbm-covered",
                          empty=_("no recommendation is covered by a recorded initiative."))
    overlaps = frame_table(dm.overlaps, _cols([("title_a", N_("Initiative")), ("donor_a", N_("Donor")),
                                               ("title_b", N_("Overlaps with")), ("donor_b", N_("Donor")),
                                               ("subareas", N_("Sub-areas")), ("overlap_start", N_("From")),
                                               ("overlap_end", N_("To"))], _),
                           _("Initiatives of different donors that overlap"), cls="mbm-overlaps",
                           empty=_("no overlapping initiatives."))
    unfunded = frame_table(dm.unfunded, _cols([("subarea_id", N_("Sub-area")), ("subarea", N_("Name")),
                                               ("priority", N_("Priority")), ("gap_long", N_("Gap (long)")),
                                               ("n_recommendations", N_("Recommendations")), ("note", N_("Note"))], _),
                           _("Gaps nobody funds (no initiative during the plan, no committed funding)"),
                           cls="mbm-unfunded", empty=_("every priority sub-area has an initiative or funding."))
    return covered + overlaps + unfunded


def followup_html(fu, country: str, lang: str | None = None) -> str:
    """The follow-up view: notes, dumbbell chart, pillar and sub-area deltas, targeted changes, status."""
    _ = words(lang)
    caption = _("%(country)s: %(followup)s against %(baseline)s") % {"country": country, "followup": fu.followup,
                                                                      "baseline": fu.baseline}
    sub = fu.comparison.subareas
    notes = "".join(f'<p class="mbm-note" role="note">{e(n)}</p>' for n in fu.notes)
    since = _("Change since %(baseline)s") % {"baseline": fu.baseline}
    chart = figure(dumbbell_chart(sub, title=since), caption, cls="mbm-dumbbell", page=True)
    cols = [("baseline", fu.baseline), ("followup", fu.followup), ("change", _("Change")),
            ("direction", _("Direction"))]
    pillars = frame_table(fu.comparison.pillars, [("pillar", _("Pillar"))] + cols,
                          _("Pillars, %(caption)s") % {"caption": caption}, cls="mbm-followup-pillars",
                          row_header="pillar")
    subareas = frame_table(sub.assign(name=[f"{s} {n}" for s, n in zip(sub["subarea_id"], sub["subarea"])]),
                           [("name", _("Sub-area"))] + cols, _("Sub-areas, %(caption)s") % {"caption": caption},
                           cls="mbm-followup-subareas", row_header="name")
    targeted = frame_table(fu.targeted, [("indicator_id", _("Indicator")), ("baseline", fu.baseline),
                                         ("followup", fu.followup), ("change", _("Change")),
                                         ("initiative", _("Initiative")), ("donor", _("Donor")), ("match", _("Match"))],
                           _("Changed indicators and the initiatives that addressed them"), cls="mbm-targeted",
                           empty=_("no indicator changed."))
    status_cols = _cols([("status", N_("Status")), ("short", N_("Short term")), ("long", N_("Long term")),
                         ("total", N_("Total"))], _)
    status = frame_table(shown_words(fu.status.reset_index(), lang), status_cols,
                         elide(_("Recommendations of %(baseline)s by status") % {"baseline": fu.baseline}, lang,
                               fu.baseline),
                         cls="mbm-followup-status", row_header="status")
    return notes + chart + pillars + subareas + targeted + status


def packages_html(road, caption: str, lang: str | None = None) -> str:
    """The investment packages of :class:`workbook.roadmap.funding.RoadMap`: the committed ones in
    rank order (cost, gaps closed, funding status and donors) and the backlog with its reasons."""
    from ...roadmap.costing import money
    t = translator(lang or "en")
    _ = t.gettext
    rows = []
    for r in road.table.to_dict("records"):
        p = road.package(r["package_id"])
        rows.append({**r, "cost": money(r["total_low"], r["total_high"], lang=lang),
                     "donors_part": money(r["donor_low"], r["donor_high"], lang=lang),
                     "gaps": f"{len(p.gaps)}: " + ", ".join(
                         f"{g.indicator_id} {'?' if g.current is None else g.current}→{g.to_level}" for g in p.gaps),
                     "funded": text_or_dash(r["funded_by"]),
                     "rank": "" if missing(r["rank"]) else int(r["rank"])})
    frame = shown_words(pd.DataFrame(rows, columns=[*road.table.columns, "cost", "donors_part", "gaps", "funded"]),
                        lang)
    committed = frame[frame["state"] == "committed"].sort_values("rank")
    backlog = frame[frame["state"] != "committed"]
    total = money(*road.total, lang=lang) if len(committed) else "–"
    years = ", ".join(sorted(set(committed["price_years"])) or ["–"])
    line = t.ngettext("%(n)d package committed, %(total)s in all (US dollars, %(years)s prices); %(backlog)d in the "
                      "backlog.", "%(n)d packages committed, %(total)s in all (US dollars, %(years)s prices); "
                      "%(backlog)d in the backlog.", len(committed)) % {
        "n": len(committed), "total": total, "years": years, "backlog": len(backlog)}
    head = f'<p class="mbm-packages-total">{e(line)}</p>'
    for w in road.warnings:
        head += f'<p class="mbm-packages-warning" role="note">{e(w)}</p>'
    gaps = N_("Gaps closed (indicator level→target)")
    cols = _cols([("rank", N_("Rank")), ("title", N_("Package")), ("horizon", N_("Horizon")), ("cost", N_("Cost")),
                  ("donors_part", N_("Donors' part")), ("gaps", gaps), ("funding_status", N_("Funding")),
                  ("funded", N_("Funded by"))], _)
    backlog_cols = _cols([("title", N_("Package")), ("horizon", N_("Horizon")), ("cost", N_("Cost")), ("gaps", gaps),
                          ("reason", N_("Why in the backlog"))], _)
    return (head + frame_table(committed, cols, _("%(caption)s: committed packages") % {"caption": caption},
                               cls="mbm-packages", row_header="title",
                               empty=_("no road map committed yet (`workbook roadmap CC commit`)."))
            + frame_table(backlog, backlog_cols, _("%(caption)s: backlog") % {"caption": caption}, cls="mbm-backlog",
                          empty=_("nothing in the backlog."), row_header="title"))

"""What the road-map page shows, as HTML strings (tested without a kernel): targets, the
recommendations, the sequenced road map, the investment packages, the initiatives, the donor map and the follow-up,
written with :mod:`workbook.present`. Nothing here computes: it renders the frames of
:mod:`workbook.roadmap`."""
from __future__ import annotations

import re

import pandas as pd

from ...errors import Problem
from ...present.charts import dumbbell_chart, gantt_chart
from ...present.html import e, figure, format_cell, frame_table, missing, text_or_dash
from ...roadmap.library import HORIZONS
from ...roadmap.sequence import HORIZON_NAMES

EXPOSURE_NAMES = {1: "low", 2: "medium", 3: "high"}

#: Widget labels for the fields the store names in its problems.
LABELS = {"subarea_id": "Sub-area", "indicator_id": "Indicator", "target_level": "Target level",
          "action_type": "Action type", "title": "Title", "description": "Description", "lead_agency": "Lead agency",
          "partners": "Partners", "cost_band": "Cost band", "amount": "Amount", "currency": "Currency",
          "funding_status": "Funding", "horizon": "Horizon", "prerequisites": "Prerequisites",
          "completion_indicator": "Completion indicator", "deadline": "Deadline", "status": "Status",
          "source_action_id": "Source action", "donor": "Donor", "implementer": "Implementer", "budget": "Budget",
          "start_date": "Start", "end_date": "End", "subareas": "Sub-areas", "indicators": "Indicators",
          "notes": "Notes", "reason": "Reason", "exposure": "Exposure", "short_term": "Short-term target",
          "long_term": "Long-term target", "by": "Your name", "keys": "Suggestion"}
_LOCATION = re.compile(r"(?:(?:recommendations\[\d+\]|initiatives\[\d+\]|#\d+|I\d+|[A-Z]{3}\.\d+)\.)?(\w+)(?:\[\d+\])?")


def problem_text(p: Problem) -> str:
    """A store problem in the words of the form: ``Currency: 'ZZZ' is not an ISO 4217 ...``."""
    m = _LOCATION.fullmatch(p.location)
    field = m.group(1) if m else p.location
    label = LABELS.get(field, p.location)
    return f"{label}: {p.message}" if label else p.message


def gantt_html(table: pd.DataFrame, caption: str) -> str:
    return figure(gantt_chart(table, title=caption), caption, cls="mbm-gantt", page=True)


def targets_html(t: pd.DataFrame, caption: str) -> str:
    """Targets, gaps and priority per sub-area; an edited target shows its default and reason."""
    def target(r, which):
        v = r[f"{which}_term_target"]
        if missing(v):
            return "–"
        if r[f"{which}_term_source"] == "edited":
            return f"{int(v)} (edited; default {format_cell(r[f'{which}_term_default'])}: {r[f'{which}_term_reason']})"
        return f"{int(v)}"
    rows = t.assign(name=[f"{s} {n}" for s, n in zip(t["subarea_id"], t["subarea"])],
                    short=[target(r, "short") for r in t.to_dict("records")],
                    long=[target(r, "long") for r in t.to_dict("records")])
    return frame_table(rows, [("name", "Sub-area"), ("score", "Score"), ("current_level", "Level"),
                             ("criticality", "Criticality"), ("short", "Short-term target"),
                             ("long", "Long-term target"), ("gap_short", "Gap (short)"), ("gap_long", "Gap (long)"),
                             ("priority", "Priority"), ("rank", "Rank")], caption, cls="mbm-targets",
                      row_header="name")


REC_COLUMNS = [("ref", "#"), ("subarea_id", "Sub-area"), ("indicator_id", "Indicator"), ("title", "Title"),
               ("action_type", "Type"), ("target_level", "Target"), ("lead_agency", "Lead agency"),
               ("cost", "Cost"), ("funding_status", "Funding"), ("horizon", "Horizon"), ("deadline", "Deadline"),
               ("prerequisites", "Needs"), ("status", "Status")]


def _cost(r: dict) -> str:
    if not missing(r.get("amount")):
        return f"{r['amount']:,.0f} {r.get('currency') or ''}".strip()
    return r.get("cost_band") or "–"


def recommendations_html(recs: pd.DataFrame, caption: str) -> str:
    rows = recs.assign(ref=[f"#{i}" for i in recs["id"]], cost=[_cost(r) for r in recs.to_dict("records")]) \
        if len(recs) else recs
    return frame_table(rows, REC_COLUMNS, caption, cls="mbm-recommendations", row_header="ref",
                      empty="no recommendations yet: accept suggestions or add one below.")


def roadmap_html(road, caption: str) -> str:
    """The sequenced road map: one table per horizon, prerequisites first."""
    cols = [("order", "Step"), ("ref", "#"), ("title", "Title"), ("subarea_id", "Sub-area"), ("start", "Start"),
            ("end", "End"), ("after", "After"), ("funding_status", "Funding"), ("status", "Status")]
    parts = []
    for h in HORIZONS:
        g = road.group(h)
        g = g.assign(ref=[f"#{i}" for i in g["id"]]) if len(g) else g
        parts.append(frame_table(g, cols, f"{caption}: {HORIZON_NAMES[h]}", cls=f"mbm-roadmap mbm-{h}",
                                empty="no recommendations in this horizon."))
    return "".join(parts)


def schedule_problems_html(problems: pd.DataFrame) -> str:
    if len(problems) == 0:
        return '<p class="mbm-schedule-ok">Schedule check: no recommendation is scheduled before its prerequisite.</p>'
    items = "".join(f"<li>#{int(r['recommendation_id'])} {e(str(r['title']))}: "
                    f"{e(str(r['problem']))}</li>" for r in problems.to_dict("records"))
    return (f'<div class="mbm-schedule-problems" role="note"><p><strong>Schedule check: {len(problems)} '
            f"problem{'s' if len(problems) != 1 else ''}</strong></p><ul>{items}</ul></div>")


def initiatives_html(inits: pd.DataFrame, caption: str) -> str:
    rows = inits
    if len(inits):
        rows = inits.assign(ref=[f"I{i}" for i in inits["id"]],
                            money=[f"{b:,.0f} {c or ''}".strip() if not missing(b) else "–"
                                   for b, c in zip(inits["budget"], inits["currency"])],
                            scope_text=[", ".join(i or s for s, i in sc) for sc in inits["scope"]])
    return frame_table(rows, [("ref", "#"), ("donor", "Donor"), ("implementer", "Implementer"), ("title", "Title"),
                             ("money", "Budget"), ("start_date", "Start"), ("end_date", "End"),
                             ("scope_text", "Addresses")], caption, cls="mbm-initiatives", row_header="ref",
                      empty="no initiatives recorded for this country yet.")


def donor_map_html(dm) -> str:
    """The duplication check: covered recommendations, overlapping initiatives, gaps nobody funds."""
    covered = frame_table(dm.covered.assign(ref=[f"#{i}" for i in dm.covered["recommendation_id"]],
                                           ini=[f"I{i}" for i in dm.covered["initiative_id"]]),
                         [("ref", "#"), ("title", "Recommendation"), ("subarea_id", "Sub-area"),
                          ("ini", "Initiative"), ("initiative", "Title"), ("donor", "Donor"), ("match", "Match"),
                          ("overlap_start", "From"), ("overlap_end", "To")],
                         "Already covered by an initiative", cls="mbm-covered",
                         empty="no recommendation is covered by a recorded initiative.")
    overlaps = frame_table(dm.overlaps, [("title_a", "Initiative"), ("donor_a", "Donor"), ("title_b", "Overlaps with"),
                                        ("donor_b", "Donor"), ("subareas", "Sub-areas"), ("overlap_start", "From"),
                                        ("overlap_end", "To")],
                          "Initiatives of different donors that overlap", cls="mbm-overlaps",
                          empty="no overlapping initiatives.")
    unfunded = frame_table(dm.unfunded, [("subarea_id", "Sub-area"), ("subarea", "Name"), ("priority", "Priority"),
                                        ("gap_long", "Gap (long)"), ("n_recommendations", "Recommendations"),
                                        ("note", "Note")],
                          "Gaps nobody funds (no initiative during the plan, no committed funding)",
                          cls="mbm-unfunded", empty="every priority sub-area has an initiative or funding.")
    return covered + overlaps + unfunded


def followup_html(fu, country: str) -> str:
    """The follow-up view: notes, dumbbell chart, pillar and sub-area deltas, targeted changes, status."""
    caption = f"{country}: {fu.followup} against {fu.baseline}"
    sub = fu.comparison.subareas
    notes = "".join(f'<p class="mbm-note" role="note">{e(n)}</p>' for n in fu.notes)
    chart = figure(dumbbell_chart(sub, title=f"Change since {fu.baseline}"), caption, cls="mbm-dumbbell", page=True)
    cols = [("baseline", fu.baseline), ("followup", fu.followup), ("change", "Change"), ("direction", "Direction")]
    pillars = frame_table(fu.comparison.pillars, [("pillar", "Pillar")] + cols, f"Pillars, {caption}",
                         cls="mbm-followup-pillars", row_header="pillar")
    subareas = frame_table(sub.assign(name=[f"{s} {n}" for s, n in zip(sub["subarea_id"], sub["subarea"])]),
                          [("name", "Sub-area")] + cols, f"Sub-areas, {caption}", cls="mbm-followup-subareas",
                          row_header="name")
    targeted = frame_table(fu.targeted, [("indicator_id", "Indicator"), ("baseline", fu.baseline),
                                        ("followup", fu.followup), ("change", "Change"), ("initiative", "Initiative"),
                                        ("donor", "Donor"), ("match", "Match")],
                          "Changed indicators and the initiatives that addressed them", cls="mbm-targeted",
                          empty="no indicator changed.")
    status = frame_table(fu.status.reset_index(), [("status", "Status"), ("short", "Short term"), ("long", "Long term"),
                                                  ("total", "Total")],
                        f"Recommendations of {fu.baseline} by status", cls="mbm-followup-status",
                        row_header="status")
    return notes + chart + pillars + subareas + targeted + status


def packages_html(road, caption: str) -> str:
    """The investment packages of :class:`workbook.roadmap.funding.RoadMap`: the committed ones in
    rank order (cost, gaps closed, funding status and donors) and the backlog with its reasons."""
    from ...roadmap.costing import money
    rows = []
    for r in road.table.to_dict("records"):
        p = road.package(r["package_id"])
        rows.append({**r, "cost": money(r["total_low"], r["total_high"]),
                     "donors_part": money(r["donor_low"], r["donor_high"]),
                     "gaps": f"{len(p.gaps)}: " + ", ".join(
                         f"{g.indicator_id} {'?' if g.current is None else g.current}→{g.to_level}" for g in p.gaps),
                     "funded": text_or_dash(r["funded_by"]),
                     "rank": "" if missing(r["rank"]) else int(r["rank"])})
    frame = pd.DataFrame(rows, columns=[*road.table.columns, "cost", "donors_part", "gaps", "funded"])
    committed = frame[frame["state"] == "committed"].sort_values("rank")
    backlog = frame[frame["state"] != "committed"]
    total = money(*road.total) if len(committed) else "–"
    head = (f'<p class="mbm-packages-total">{len(committed)} packages committed, {total} in all '
            f"(US dollars, {e(', '.join(sorted(set(committed['price_years'])) or ['–']))} prices); "
            f"{len(backlog)} in the backlog.</p>")
    for w in road.warnings:
        head += f'<p class="mbm-packages-warning" role="note">{e(w)}</p>'
    cols = [("rank", "Rank"), ("title", "Package"), ("horizon", "Horizon"), ("cost", "Cost"),
            ("donors_part", "Donors' part"), ("gaps", "Gaps closed (indicator level→target)"),
            ("funding_status", "Funding"), ("funded", "Funded by")]
    return (head + frame_table(committed, cols, f"{caption}: committed packages", cls="mbm-packages",
                               row_header="title", empty="no road map committed yet (`workbook roadmap CC commit`).")
            + frame_table(backlog, [("title", "Package"), ("horizon", "Horizon"), ("cost", "Cost"),
                                    ("gaps", "Gaps closed (indicator level→target)"), ("reason", "Why in the backlog")],
                          f"{caption}: backlog", cls="mbm-backlog", empty="nothing in the backlog.",
                          row_header="title"))

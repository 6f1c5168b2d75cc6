"""The mission page (``notebooks/mission.ipynb``): the field mission of an assessment as the team
and reviewers read it: the plan, the coverage in words, the crossing-point register, the
schedule, the visits with their checklist results, and the desk review.

The interview log is visible to the team only, so the page shows the number of interviews per
agency, never their roles, places or summaries (``workbook mission ... interviews --viewer``
shows the log to a member of the team).
"""
from __future__ import annotations

from collections.abc import Mapping

from ..mission import MissionStore
from ..present.html import e, frame_table, items
from . import address

MISSION_NOTEBOOK = address.MISSION_NOTEBOOK


def _yes_no(v) -> str:
    return "-" if v is None or v != v else ("yes" if v else "no")


def mission_html(mission: MissionStore, info) -> str:
    """The page's HTML for one assessment (what :func:`open_mission` displays)."""
    plan = mission.get_plan(info.id)
    cov = mission.coverage(info.id)
    posts = mission.posts_frame(info.id)
    def link(notebook: str) -> str:
        return e(address.page_link(notebook, info.country_code, info.round))
    nav = [f'<a href="{address.HOME_NOTEBOOK}">All assessments</a>']
    nav += [f'<a href="{link(address.notebook_for(p))}">{e(p.name)}</a>' for p in mission.framework.pillars]
    nav += [f'<a href="{link(address.ROADMAP_NOTEBOOK)}">Road map</a>',
            '<strong aria-current="page">Field mission</strong>',
            f'<a href="{link(address.RESULTS_NOTEBOOK)}">Reports, files and review</a>']
    parts = [f'<nav aria-label="Pages of this assessment" class="mbm-nav">{" · ".join(nav)}</nav>',
             f"<h1>Field mission: {e(info.country_code)} {e(info.label)}</h1>"]
    if plan:
        parts.append(f"<p><strong>{e(plan['starts'].isoformat())} to {e(plan['ends'].isoformat())}</strong>"
                     + (f": {e(plan['scope'])}" if plan["scope"] else "") + "</p>")
        parts.append("<h2>Objectives</h2>" + items(plan["objectives"]))
        if plan["roles"]:
            parts.append("<h2>Team roles</h2>" + items(f"{r['name']}: {r['duty']}" for r in plan["roles"]))
    else:
        parts.append("<p>No mission plan is recorded yet.</p>")
    parts.append(f'<h2>Coverage</h2><p class="mbm-coverage">{e(cov.sentence)}</p>')
    if len(cov.by_kind):
        by_kind = cov.by_kind.assign(share=[None if s is None or s != s else f"{s * 100:.0f} %"
                                            for s in cov.by_kind["share"]])
        parts.append(frame_table(by_kind, [("kind", "Kind"), ("posts", "Posts"), ("visited", "Visited"),
                                           ("traffic", "People a year"), ("share", "Share visited")],
                                 "Coverage by kind of post", row_header="kind"))
    shown = posts.assign(agencies=[", ".join(a) for a in posts["agencies"]],
                         interpol=[_yes_no(v) for v in posts["interpol"]],
                         api_pnr=[_yes_no(v) for v in posts["api_pnr"]])
    parts.append("<h2>Crossing-point register</h2>" + frame_table(
        shown, [("code", "Code"), ("name", "Name"), ("kind", "Kind"), ("region", "Region"),
                ("traffic", "People a year"), ("traffic_year", "Year"), ("traffic_source", "Source"),
                ("agencies", "Agencies"), ("officers", "Officers"), ("interpol", "INTERPOL"),
                ("api_pnr", "API/PNR"), ("bmis", "BMIS"), ("hours", "Hours")],
        "Crossing points", row_header="code", empty="no post recorded yet"))
    parts.append("<h2>Schedule</h2>" + frame_table(
        mission.schedule_frame(info.id), [("day", "Day"), ("kind", "Kind"), ("post", "Post"), ("place", "Place"),
                                          ("subject", "Subject")], "Schedule", empty="nothing scheduled yet"))
    visits = mission.visits_frame(info.id)
    visits = visits.assign(team=[", ".join(t) for t in visits["team"]],
                           key_observations=["; ".join(k) for k in visits["key_observations"]])
    parts.append("<h2>Site visits</h2>" + frame_table(
        visits, [("day", "Day"), ("post", "Post"), ("post_name", "Name"), ("why", "Why this post"),
                 ("team", "Team"), ("observed", "Items observed"), ("met", "Met"),
                 ("key_observations", "Key observations")], "Site visits", empty="no visit recorded yet"))
    parts.append("<h2>Desk review</h2>" + frame_table(
        mission.documents_frame(info.id), [("title", "Document"), ("requested_from", "Requested from"),
                                           ("requested", "Requested"), ("received", "Received")],
        "Documents requested", empty="no document requested yet"))
    counts = mission.interview_count(info.id)
    parts.append("<h2>Interviews</h2>" + frame_table(
        counts, [("agency", "Agency"), ("interviews", "Interviews")], "Interviews by agency",
        empty="no interview logged yet")
        + "<p>The interview log itself is visible to the assessment team only.</p>")
    return "\n".join(parts)


def open_mission(country: str = "", round: str = "", db_url: str = "", *, interactive: bool = True,
                 environ: Mapping[str, str] | None = None):
    """The mission page of the assessment asked for (or the problem, with links), as a widget:
    what is recorded, then (in an interactive page of an assessment that is not final) the
    site-visit form; the page is redrawn after each visit saved. ``editor=`` in the address fills
    in the name, as on the pillar pages."""
    import ipywidgets as widgets
    from .forms.visit import VisitForm
    asked = {"editor": ""}

    def check(values: dict) -> None:
        asked["editor"], _ = address.check_editor(values.get("editor"))

    opened = address.open_assessment(country, round, db_url, interactive=interactive,
                                     notebook=lambda: MISSION_NOTEBOOK, environ=environ, check=check)
    if not opened.ok:
        return widgets.HTML(opened.problem)
    mission = MissionStore(opened.store)
    shown = widgets.HTML(mission_html(mission, opened.assessment))
    if not interactive or opened.assessment.status == "final" or not len(mission.posts_frame(opened.assessment.id)):
        return shown

    def redraw(_visit_id: int) -> None:
        shown.value = mission_html(mission, opened.assessment)

    form = VisitForm(mission, opened.assessment.id, editor=asked["editor"], lang=opened.lang, on_saved=redraw)
    return widgets.VBox([shown, form.widget])


__all__ = ["MISSION_NOTEBOOK", "mission_html", "open_mission"]

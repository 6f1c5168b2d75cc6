"""The mission page (``notebooks/mission.ipynb``): the field mission of an assessment as the team
and reviewers read it: the plan, the coverage in words, the crossing-point register, the
schedule, the visits with their checklist results, and the desk review.

The interview log is visible to the team only, so the page shows the number of interviews per
agency, never their roles, places or summaries (``workbook mission ... interviews --viewer``
shows the log to a member of the team).
"""
from __future__ import annotations

from collections.abc import Mapping

from ..i18n import translated_framework
from ..i18n.formats import format_date, format_percent
from ..i18n.messages import translator
from ..mission import MissionStore
from ..mission.fields import kind_name
from ..present.html import e, frame_table, items
from . import address

MISSION_NOTEBOOK = address.MISSION_NOTEBOOK


def _yes_no(v, t) -> str:
    return "-" if v is None or v != v else (t.pgettext("answer", "yes") if v else t.pgettext("answer", "no"))


def mission_html(mission: MissionStore, info, lang: str = "en") -> str:
    """The page's HTML for one assessment (what :func:`open_mission` displays), in ``lang``."""
    t = translator(lang)
    _ = t.gettext
    plan = mission.get_plan(info.id)
    cov = mission.coverage(info.id)
    posts = mission.posts_frame(info.id)
    def link(notebook: str) -> str:
        return e(address.page_link(notebook, info.country_code, info.round))
    framework = translated_framework(mission.framework, lang)
    labels = (_("All assessments"), _("Road map"), _("Field mission"), _("Reports, files and review"),
              _("Pages of this assessment"))
    nav = [f'<a href="{address.HOME_NOTEBOOK}">{e(labels[0])}</a>']
    nav += [f'<a href="{link(address.notebook_for(p))}">{e(p.name)}</a>' for p in framework.pillars]
    nav += [f'<a href="{link(address.ROADMAP_NOTEBOOK)}">{e(labels[1])}</a>',
            f'<strong aria-current="page">{e(labels[2])}</strong>',
            f'<a href="{link(address.RESULTS_NOTEBOOK)}">{e(labels[3])}</a>']
    title = _("Field mission: %(country)s %(round)s") % {"country": info.country_code, "round": info.label}
    parts = [f'<nav aria-label="{e(labels[4])}" class="mbm-nav">{" · ".join(nav)}</nav>', f"<h1>{e(title)}</h1>"]
    if plan:
        when = _("%(starts)s to %(ends)s") % {"starts": format_date(plan["starts"], lang=lang),
                                              "ends": format_date(plan["ends"], lang=lang)}
        parts.append(f"<p><strong>{e(when)}</strong>" + (f": {e(plan['scope'])}" if plan["scope"] else "") + "</p>")
        parts.append(h2(_("Objectives")) + items(plan["objectives"]))
        if plan["roles"]:
            parts.append(h2(_("Team roles")) + items(f"{r['name']}: {r['duty']}" for r in plan["roles"]))
    else:
        none = _("No mission plan is recorded yet.")
        parts.append(f"<p>{e(none)}</p>")
    parts.append(h2(_("Coverage")) + f'<p class="mbm-coverage">{e(cov.describe(lang))}</p>')
    kind, people = _("Kind"), _("People a year")
    if len(cov.by_kind):
        by_kind = cov.by_kind.assign(
            kind=[kind_name(k, lang) for k in cov.by_kind["kind"]],
            share=[None if s is None or s != s else format_percent(s, lang) for s in cov.by_kind["share"]])
        parts.append(frame_table(by_kind, [("kind", kind), ("posts", _("Posts")), ("visited", _("Visited")),
                                           ("traffic", people), ("share", _("Share visited"))],
                                 _("Coverage by kind of post"), row_header="kind"))
    shown = posts.assign(agencies=[", ".join(a) for a in posts["agencies"]],
                         kind=[kind_name(k, lang) for k in posts["kind"]],
                         interpol=[_yes_no(v, t) for v in posts["interpol"]],
                         api_pnr=[_yes_no(v, t) for v in posts["api_pnr"]])
    parts.append(h2(_("Crossing-point register")) + frame_table(
        shown, [("code", _("Code")), ("name", _("Name")), ("kind", kind), ("region", _("Region")),
                ("traffic", people), ("traffic_year", _("Year")), ("traffic_source", _("Source")),
                ("agencies", _("Agencies")), ("officers", _("Officers")), ("interpol", "INTERPOL"),
                ("api_pnr", "API/PNR"), ("bmis", "BMIS"), ("hours", _("Hours"))],
        _("Crossing points"), row_header="code", empty=_("no post recorded yet")))
    schedule = _("Schedule")
    parts.append(h2(schedule) + frame_table(
        mission.schedule_frame(info.id), [("day", _("Day")), ("kind", kind), ("post", _("Post")),
                                          ("place", _("Place")), ("subject", _("Subject"))],
        schedule, empty=_("nothing scheduled yet")))
    visits = mission.visits_frame(info.id)
    visits = visits.assign(team=[", ".join(x) for x in visits["team"]],
                           key_observations=["; ".join(k) for k in visits["key_observations"]])
    site_visits = _("Site visits")
    parts.append(h2(site_visits) + frame_table(
        visits, [("day", _("Day")), ("post", _("Post")), ("post_name", _("Name")), ("why", _("Why this post")),
                 ("team", _("Team")), ("observed", _("Items observed")), ("met", _("Met")),
                 ("key_observations", _("Key observations"))], site_visits, empty=_("no visit recorded yet")))
    parts.append(h2(_("Desk review")) + frame_table(
        mission.documents_frame(info.id), [("title", _("Document")), ("requested_from", _("Requested from")),
                                           ("requested", _("Requested")), ("received", _("Received"))],
        _("Documents requested"), empty=_("no document requested yet")))
    counts = mission.interview_count(info.id)
    private = _("The interview log itself is visible to the assessment team only.")
    parts.append(h2(_("Interviews")) + frame_table(
        counts, [("agency", _("Agency")), ("interviews", _("Interviews"))], _("Interviews by agency"),
        empty=_("no interview logged yet")) + f"<p>{e(private)}</p>")
    return "\n".join(parts)


def h2(text: str) -> str:
    return f"<h2>{e(text)}</h2>"


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
    shown = widgets.HTML(mission_html(mission, opened.assessment, opened.lang))
    if not interactive or opened.assessment.status == "final" or not len(mission.posts_frame(opened.assessment.id)):
        return shown

    def redraw(_visit_id: int) -> None:
        shown.value = mission_html(mission, opened.assessment, opened.lang)

    form = VisitForm(mission, opened.assessment.id, editor=asked["editor"], lang=opened.lang, on_saved=redraw)
    return widgets.VBox([shown, form.widget])


__all__ = ["MISSION_NOTEBOOK", "mission_html", "open_mission"]

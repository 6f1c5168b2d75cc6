"""The road-map page: where the team turns gaps into a funded road map (Voila and JupyterLab).

The notebook ``notebooks/roadmap.ipynb`` is a parameters cell and three calls::

    page = open_roadmap(country, round, db_url, interactive=interactive)
    page.header(); page.workspace(); page.summary()

Where country and round come from, the header, the editor's name ("Your name", checked at every
save) and the messages follow the other pages (:mod:`workbook.pages.address`,
:mod:`workbook.pages.forms`). The workspace is a
set of tabs (:mod:`.sections`), each built when first opened (the first at once):

* **Targets**: the country's exposure (1-3) with a reason; per sub-area the
  short- and long-term targets (editable with a reason), the gaps and the priority;
* **Suggestions**: from the gaps and the action library, filtered by horizon, pillar and
  the top N sub-areas, accepted into the recommendations (with their prerequisites);
* **Recommendations**: the list and a form with every field of a recommendation;
* **Road map**: the Gantt chart, the sequenced table by horizon and the schedule problems;
* **Initiatives**: the registry (add, edit) and the duplication flags;
* **Follow-up**: only when the country has another round: the dumbbell chart and the deltas.

Every value read from a widget goes through :class:`~workbook.roadmap.RoadmapStore`, which
checks it in Python, reports every problem at once and writes nothing on bad input; the page
shows those problems as a list under the button, never a traceback. After a save the other
tabs are marked stale and redrawn when next opened. Nothing here computes a target, a priority
or a schedule: the page renders the frames of :mod:`workbook.roadmap` (:mod:`.render`).
"""
from __future__ import annotations

from collections.abc import Mapping

import ipywidgets as widgets
from IPython.display import HTML, display

from ...errors import NotFound
from ...i18n import SOURCE_LANG, translated_framework
from ...inputs import MAX_SHORT, parse_text
from ...present.charts import gantt_chart
from ...i18n.messages import translator
from ...present.html import e, format_status
from ...roadmap import RoadmapStore
from ...store import AssessmentInfo, Store
from ..address import (HOME_NOTEBOOK, MISSION_NOTEBOOK, RESULTS_NOTEBOOK, ROADMAP_NOTEBOOK, notebook_for,
                       open_assessment, page_link)
from ..forms import EDITOR_FIELD_CLASS, signed_in_editor
from .render import donor_map_html, exposure_name, roadmap_html, schedule_problems_html, targets_html, words
from .sections import (DonorsSection, FollowUpSection, PackagesSection, RecommendationsSection, RoadmapSection,
                       Section, SuggestionsSection, TargetsSection)


class RoadmapPage:
    """The road map of one assessment. Build it with :func:`open_roadmap`."""

    def __init__(self, store: Store | None, assessment: AssessmentInfo | None, *, interactive: bool = True,
                 problem: str = "", lang: str = SOURCE_LANG):
        self.store, self.assessment, self.interactive, self.problem = store, assessment, interactive, problem
        self.lang = lang  # the page's language (lang= in the address): its words, the framework's names
        self._ = words(lang)
        self.rm = RoadmapStore(store) if store is not None else None
        self.sections: list[Section] = []
        self.user = self.tabs = self._header = None
        if assessment is None or not interactive:
            return
        others = [a for a in store.list_assessments()
                  if a.country_code == assessment.country_code and a.id != assessment.id]
        self.targets = TargetsSection(self)
        self.suggestions = SuggestionsSection(self)
        self.recommendations = RecommendationsSection(self)
        self.roadmap = RoadmapSection(self)
        self.packages = PackagesSection(self)
        self.donors = DonorsSection(self)
        self.sections = [self.targets, self.suggestions, self.recommendations, self.roadmap, self.packages,
                         self.donors]
        self.followup = None
        if others:
            self.followup = FollowUpSection(self, sorted(others, key=lambda a: (a.created_at, a.id), reverse=True))
            self.sections.append(self.followup)
        self.user = widgets.Text(description=self._("Your name"), placeholder=self._("required before saving"),
                                 style={"description_width": "5.5em"}, layout=widgets.Layout(width="24em"))
        self.user.add_class(EDITOR_FIELD_CLASS)  # filled from the browser session by our Voila template
        signed_in_editor(self.user, self.store)
        self._header = widgets.HTML(self._header_html())
        self.tabs = widgets.Tab(children=[s.box for s in self.sections],
                                titles=[self._(s.title) for s in self.sections])
        self.tabs.observe(self._on_tab, "selected_index")
        self.tabs.selected_index = 0
        self.sections[0].open()
        self.widget = widgets.VBox([self.user, self.tabs])

    @property
    def ok(self) -> bool:
        return self.assessment is not None

    @property
    def framework(self):
        """The framework in the page's language (names of pillars and sub-areas)."""
        return translated_framework(self.store.framework, self.lang)

    @property
    def caption(self) -> str:
        return f"{self.assessment.country_code} {self.assessment.label}"

    # -- what the notebook cells call ----------------------------------------------------------
    def header(self) -> None:
        """Country, round and links to the pillar pages (or the problem message)."""
        if self.interactive:
            display(HTML(self.problem) if not self.ok else self._header)

    def workspace(self) -> None:
        """The tabs where the team works (nothing in batch runs or when the assessment is unknown)."""
        if self.interactive and self.ok:
            display(self.widget)

    def summary(self) -> None:
        """For batch runs: the road map, its chart and the donor flags as HTML (the workspace shows
        them in interactive use)."""
        if self.interactive or not self.ok:
            return
        aid, lang = self.assessment.id, self.lang
        road = self.rm.roadmap(aid)
        targets, title = self.targets_caption(), self.roadmap_caption()
        display(HTML(targets_html(self.rm.targets(aid), targets, lang)))
        display(HTML(schedule_problems_html(road.problems, lang) + roadmap_html(road, title, lang)))
        display(gantt_chart(road.table, title=title))
        display(HTML(donor_map_html(self.rm.donor_map(aid), lang)))

    def targets_caption(self) -> str:
        return self._("Targets, gaps and priority, %(assessment)s") % {"assessment": self.caption}

    def roadmap_caption(self) -> str:
        return self._("Road map, %(assessment)s") % {"assessment": self.caption}

    # -- for the sections ----------------------------------------------------------------------
    def who(self) -> str:
        """The editor's name from "Your name" (required, checked at every save)."""
        return parse_text(self.user.value, self._("Your name"), max_len=MAX_SHORT, required=True)

    def open(self, title: str) -> Section:
        """Open a tab by its title (as a click would; the English title or the one shown) and return its section."""
        titles = [s.title for s in self.sections]
        shown = [self._(t) for t in titles]
        if title not in titles and title not in shown:
            raise NotFound(f"no tab {title!r}; the tabs are {', '.join(shown)}")
        index = titles.index(title) if title in titles else shown.index(title)
        self.tabs.selected_index = index
        self.sections[index].open()
        return self.sections[index]

    def _on_tab(self, change) -> None:
        index = change["new"]
        if isinstance(index, int) and 0 <= index < len(self.sections):
            self.sections[index].open()

    def changed(self, source: Section) -> None:
        """After a save: redraw the section that saved and the header; the others when next opened."""
        for s in self.sections:
            if s.built:
                s.stale = True
        source.refresh()
        source.stale = False
        self._header.value = self._header_html()

    def _header_html(self) -> str:
        a, t = self.assessment, translator(self.lang)
        _ = t.gettext
        labels = (_("All assessments"), _("Road map"), _("Field mission"), _("Reports, files and review"),
                  _("Pages of this assessment"))
        nav = [f'<a href="{HOME_NOTEBOOK}">{e(labels[0])}</a>']
        nav += [f'<a href="{e(page_link(notebook_for(p), a.country_code, a.round))}">{e(p.name)}</a>'
                for p in self.framework.pillars]
        nav.append(f'<strong aria-current="page">{e(labels[1])}</strong>')
        nav.append(f'<a href="{e(page_link(MISSION_NOTEBOOK, a.country_code, a.round))}">{e(labels[2])}</a>')
        nav.append(f'<a href="{e(page_link(RESULTS_NOTEBOOK, a.country_code, a.round))}">{e(labels[3])}</a>')
        recs = self.rm.recommendations_frame(a.id)
        exposure = self.rm.get_exposure(a.id)
        counts = recs["horizon"].value_counts() if len(recs) else {}
        summary = t.ngettext("%(n)d recommendation (%(short)d short-term, %(long)d long-term)",
                             "%(n)d recommendations (%(short)d short-term, %(long)d long-term)", len(recs)) % {
            "n": len(recs), "short": counts.get("short", 0), "long": counts.get("long", 0)}
        expo = (_("exposure %(level)s (%(name)s)") % {"level": exposure["level"],
                                                      "name": exposure_name(exposure["level"], self.lang)}
                if exposure["is_set"] else _("exposure not set (medium used)"))
        line = _("framework %(id)s %(version)s · status %(status)s") % {
            "id": a.framework_id, "version": a.framework_version, "status": format_status(a.status, lang=self.lang,
                                                                                            words=True)}
        road = _("Road map: %(summary)s · %(exposure)s") % {"summary": summary, "exposure": expo}
        return (f'<nav aria-label="{e(labels[4])}" class="mbm-nav">{" · ".join(nav)}</nav>'
                f'<p class="mbm-assessment"><strong>{e(a.country_code)} {e(a.label)}</strong> · {e(line)}<br>'
                f"{e(road)}</p>")


def open_roadmap(country: str, round: str, db_url: str = "", interactive: bool = True, *,
                 environ: Mapping[str, str] | None = None) -> RoadmapPage:
    """Open the road-map page of one assessment.

    ``country``, ``round`` (empty: the latest), ``db_url`` and ``environ`` as for every page of an
    assessment (:func:`workbook.pages.address.open_assessment`; the page address overrides the
    notebook's values). ``interactive`` is False in batch runs: no header, no workspace, no
    widgets; :meth:`RoadmapPage.summary` shows the road map as HTML; problems raise.
    """
    opened = open_assessment(country, round, db_url, interactive=interactive, environ=environ,
                             notebook=lambda: ROADMAP_NOTEBOOK)
    if not opened.ok:
        return RoadmapPage(opened.store, None, interactive=True, problem=opened.problem, lang=opened.lang)
    return RoadmapPage(opened.store, opened.assessment, interactive=interactive, lang=opened.lang)

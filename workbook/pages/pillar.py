"""The pillar pages: one pillar of one assessment, in Voila and in JupyterLab.

A pillar notebook is a parameters cell and four calls::

    page = open_pillar("ADM", country, round, db_url, interactive=interactive)
    page.header(); page.form(); page.scores_table(); page.chart()

Where the values come from: the notebook's defaults, replaced by papermill's parameters in
batch runs; in Voila, ``country`` and ``round`` from the page address
(``?country=XAT&round=baseline%202026``) win (:mod:`workbook.pages.address`). The address may
also carry ``editor`` (the name of the person editing; the pages' own links do not: the browser
session keeps the name, see ``session_name`` in the Voila template) and ``indicator`` (open that
indicator's sub-area). The database URL never comes from the address, and every value from it
is checked before use.

What is shown: in interactive use (Voila, JupyterLab) the header, the form, the scores table
and the chart are widgets that update after every save. In Voila the header cell also writes a
first view into the page (:mod:`.first_view`): header, completion, flags (as links that open the
indicator), the sub-areas, the table and the chart, readable before the widgets are drawn. In
batch runs (``interactive=False``) the header and the form show nothing and build no widgets;
the table is plain HTML and the chart an ``image/svg+xml`` output whose metadata carries alt
text stating the values, which the report template turns into ``<img alt=...>``. An unknown
country or round gives a message listing the assessments that exist, with links, never a
traceback; in batch runs it raises, so the batch reports the cell and the error.

Speed: the interactive chart is a small SVG drawn without matplotlib
(:func:`workbook.present.charts.level_bars`; matplotlib is imported only for the batch chart),
the form builds a sub-area's widgets when it is opened, and widgets share their layout and
style models. In a preheated Voila kernel the database and the framework are opened before the
kernel waits for its visitor.
"""
from __future__ import annotations

from collections.abc import Mapping

import ipywidgets as widgets
import pandas as pd
from IPython.display import HTML, display

from ..errors import InvalidInput, Problem, WorkbookError
from ..framework import Pillar
from ..i18n import SOURCE_LANG
from ..i18n.content import translated_framework
from ..i18n.countries import assessment_label
from ..i18n.messages import translator
from ..present.charts import Chart, level_bars, level_columns, subarea_chart
from ..present.html import e, figure, format_completion, format_status
from ..present.levels import subarea_table_html
from ..scoring import Scores
from ..store import AssessmentInfo, Store
from .address import (HOME_NOTEBOOK, MISSION_NOTEBOOK, RESULTS_NOTEBOOK, ROADMAP_NOTEBOOK, check_editor, notebook_for,
                      open_assessment, page_link, problem_html)
from .first_view import show_first_view
from .forms import PillarForm, Snapshot, load_snapshot
from .forms.common import running_loop
from .forms.pillar import flag_reasons, flags_summary_html, progress_html, subarea_summary

#: How often an open pillar page looks for changes saved by others, in seconds (one small query).
WATCH_SECONDS = 15.0
#: The page watching each (pillar, assessment) in this kernel (see :meth:`PillarPage.watch`).
WATCHING: dict[tuple[str, int], PillarPage] = {}
#: The first view goes once these are drawn by the widgets (the form, the header, table and chart).
FIRST_VIEW_UNTIL = (".mbm-form", ".widget-html .mbm-assessment", ".widget-html table.mbm-scores",
                    ".widget-html figure.mbm-chart")

#: Form look, sent with the header so that JupyterLab (which does not use our Voila template)
#: shows the same thing: left-aligned panel buttons, visible keyboard focus.
FORM_CSS = """<style>
.mbm-form .mbm-subarea-toggle, .mbm-form .mbm-flag-link{text-align:left;justify-content:flex-start;height:auto;
  min-height:var(--jp-widgets-inline-height,28px);white-space:normal;overflow-wrap:anywhere}
.mbm-form .mbm-subarea-toggle{font-weight:600;margin-top:0.3em}
.mbm-form .mbm-flag-link{color:#0b57a4;text-decoration:underline;background:none;box-shadow:none}
.mbm-form button:focus-visible, .mbm-form input:focus-visible, .mbm-form select:focus-visible,
.mbm-form textarea:focus-visible{outline:3px solid #d35400 !important;outline-offset:2px !important}
.mbm-indicator .widget-toggle-button.mod-active{background:#1d3557;color:#fff}
</style>"""


# -- pure renderers (HTML strings; tested without a kernel) ----------------------------------
def _level_text(label, low, high) -> str:
    """A level as the scoring labels it ("2+"), with the spread of what it sums up ("2+ (2-4)")."""
    if not isinstance(label, str) or not label:
        return "–"
    spread = f" ({int(low)}-{int(high)})" if not (pd.isna(low) or pd.isna(high)) and low != high else ""
    return label + spread


def scores_table_html(subareas: pd.DataFrame, pillar_row, caption: str, lang: str | None = None) -> str:
    """An accessible table of a pillar's sub-areas: each level under its rule with its spread, the
    method range, completion, confidence and flags, the pillar's profile in the footer and every
    warning in words (the presentation kit's :func:`~workbook.present.levels.subarea_table_html`)."""
    return subarea_table_html(subareas, pillar_row, caption, lang)


def chart(subareas: pd.DataFrame, pillar_name: str, *, quick: bool = True, lang: str | None = None) -> Chart:
    """The sub-area bar chart: ``quick``, the pages' SVG drawn without matplotlib; else the
    report's matplotlib chart. Both carry alt text stating every value."""
    if quick:
        levels, plus, lows, highs = level_columns(subareas)
        return level_bars(list(subareas["subarea"]), levels, f"{pillar_name}: sub-area levels",
                          plus=plus, lows=lows, highs=highs)
    return subarea_chart(subareas, pillar_name, lang)


# -- pillar page ---------------------------------------------------------------------------
class PillarPage:
    """One pillar of one assessment. Build it with :func:`open_pillar`."""

    def __init__(self, store: Store | None, pillar: Pillar | None, assessment: AssessmentInfo | None, *,
                 interactive: bool, problem: str = "", editor: str = "", indicator: str = "", note: str = "",
                 served: bool = False, lang: str = SOURCE_LANG):
        self.store, self.pillar, self.assessment = store, pillar, assessment
        self.interactive, self.served = interactive, served
        self.lang = lang
        self.problem, self.note = problem, note
        self.editor, self.indicator = editor, indicator
        self.snapshot: Snapshot | None = None
        self._form: PillarForm | None = None
        self._header = self._table = self._chart = None
        self._seen = 0
        self._watch = None
        if assessment is not None:
            self._seen = store.last_change_id(assessment.id)  # first: a change after it is read in later
            self.snapshot = load_snapshot(store, assessment.id, change_id=self._seen)
            if interactive:
                self._header = widgets.HTML(self._header_html())
                self._table = widgets.HTML(self._table_html())
                self._chart = widgets.HTML(self._chart_html())
                self.watch()

    @property
    def ok(self) -> bool:
        return self.assessment is not None

    @property
    def scores(self) -> Scores | None:
        return None if self.snapshot is None else self.snapshot.scores

    # -- what the notebook cells call ----------------------------------------------------------
    def header(self) -> None:
        """Country, round, completion and links to the other pillars (or the problem message); in
        Voila first the page's first view."""
        if not self.interactive:
            return
        if not self.ok:
            display(HTML(self.problem))
            return
        if self.served:
            show_first_view(self.first_view_html(), label=f"{self.pillar_name}, {self.assessment.label}",
                            until=FIRST_VIEW_UNTIL)
        display(self._header)

    def form(self) -> None:
        """The data-entry form (nothing in batch runs or when the assessment is unknown)."""
        if self.interactive and self.ok:
            form = self.form_widget
            display(form.widget)
            if self.indicator:
                form.go_to(self.indicator)

    def scores_table(self) -> None:
        """The accessible table of the pillar's sub-area scores (a widget that updates after saves)."""
        if self.ok:
            display(self._table if self.interactive else HTML(self._table_html()))

    def chart(self) -> None:
        """The sub-area chart: a widget that redraws after saves, or for reports an
        ``image/svg+xml`` output with its alt text in the output metadata."""
        if not self.ok:
            return
        if self.interactive:
            display(self._chart)
        else:
            display(chart(self.subareas, self.pillar_name, quick=False, lang=self.lang))

    # -- parts -------------------------------------------------------------------------------
    @property
    def form_widget(self) -> PillarForm:
        if not (self.interactive and self.ok):
            raise WorkbookError("the form exists only in interactive pages of a known assessment")
        if self._form is None:
            self._form = PillarForm(self.store, self.assessment, self.pillar, snapshot=self.snapshot,
                                    on_saved=self._on_saved, editor=self.editor, lang=self.lang)
        return self._form

    @property
    def framework(self):
        """The assessment's own framework version in the page's language (names, questions, descriptors)."""
        own = self.snapshot.framework if self.snapshot is not None and self.snapshot.framework is not None else None
        return translated_framework(own or self.store.framework, self.lang)

    @property
    def pillar_name(self) -> str:
        return self.framework.pillar(self.pillar.id).name

    @property
    def subareas(self) -> pd.DataFrame:
        sub = self.scores.subareas
        sub = sub[sub["pillar_id"] == self.pillar.id]
        if self.lang == SOURCE_LANG:
            return sub
        names = self.framework.subareas
        return sub.assign(subarea=[names[i].name if i in names else name
                                   for i, name in zip(sub["subarea_id"], sub["subarea"])])

    @property
    def pillar_row(self):
        return self.scores.pillars.set_index("pillar_id").loc[self.pillar.id]

    def _summaries(self) -> dict[str, str]:
        return {r["subarea_id"]: subarea_summary(r, self.lang) for _i, r in self.subareas.iterrows()}

    def _header_html(self) -> str:
        a, p = self.assessment, self.pillar_row
        t = translator(self.lang)
        _ = t.gettext
        home = _("All assessments")
        nav = [f'<a href="{e(HOME_NOTEBOOK)}">{e(home)}</a>']  # no name in links: see assessments_html
        for other in self.framework.pillars:
            if other.id == self.pillar.id:
                nav.append(f'<strong aria-current="page">{e(other.name)}</strong>')
            else:
                nav.append(f'<a href="{e(page_link(notebook_for(other), a.country_code, a.round))}">'
                           f"{e(other.name)}</a>")
        for notebook, label in ((ROADMAP_NOTEBOOK, _("Road map")), (MISSION_NOTEBOOK, _("Field mission")),
                                (RESULTS_NOTEBOOK, _("Reports, files and review"))):
            nav.append(f'<a href="{e(page_link(notebook, a.country_code, a.round))}">{e(label)}</a>')
        team = ", ".join(f"{n} ({r})" for n, _r, r in a.team)
        note = f'<p class="mbm-note" role="status">{e(self.note)}</p>' if self.note else ""
        status = a.status if self.lang == SOURCE_LANG else format_status(a.status, lang=self.lang, words=True)
        values = {"id": a.framework_id, "version": a.framework_version, "status": status}
        about = _("framework %(id)s %(version)s · status %(status)s") % values
        completion = format_completion(p["n_rated"], p["n_applicable"],
                                       lang=None if self.lang == SOURCE_LANG else self.lang)
        rated = _("%(pillar)s: %(completion)s of applicable indicators rated · level %(level)s") % {
            "pillar": self.pillar_name, "completion": completion,
            "level": _level_text(p["label"], p["min_level"], p["max_level"])}
        pages = _("Pages of this assessment")
        return (FORM_CSS + f'<nav aria-label="{e(pages)}" class="mbm-nav">'
                f'{" · ".join(nav)}</nav>'
                f'<p class="mbm-assessment"><strong>{e(a.country_code)} {e(a.label)}</strong> · {e(about)}<br>'
                f"{e(rated)}" + ("<br>" + e(_("Team: %(team)s") % {"team": team}) if team else "") + "</p>" + note)

    def first_view_html(self) -> str:
        """What the page shows before its widgets are drawn: the header, completion, the flags as
        links that open their indicator, the sub-areas, the scores table and the chart."""
        a, sub, fw = self.assessment, self.subareas, self.framework
        flags = self.scores.flags
        flags = flags[flags["pillar_id"] == self.pillar.id]

        def flag(r) -> str:
            ind = r["indicator_id"]
            href = page_link(notebook_for(self.pillar), a.country_code, a.round, indicator=ind)
            name = fw.indicator(ind).name
            return (f'<li><a href="{e(href)}">{e(ind)} {e(name)}</a>: '
                    f'{e("; ".join(flag_reasons(r, self.lang)))}</li>')
        links = "".join(flag(r) for _i, r in flags.iterrows())
        rows = {r["subarea_id"]: r for _i, r in sub.iterrows()}
        subareas = "".join(f"<li>{e(sa.id)} {e(sa.name)} · {e(subarea_summary(rows[sa.id], self.lang))}</li>"
                           for sa in fw.pillar(self.pillar.id).subareas)
        heading = translator(self.lang).gettext("Sub-areas")
        return (self._header_html() + progress_html(self.pillar_name, self.pillar_row, sub, self.lang)
                + flags_summary_html(flags, lang=self.lang, choose=False)
                + (f'<ul class="mbm-flag-list">{links}</ul>' if links else "")
                + f'<h3 style="margin:0.4em 0">{e(heading)}</h3><ul class="mbm-subarea-list">{subareas}</ul>'
                + self._table_html() + self._chart_html())

    def _caption(self) -> str:
        return translator(self.lang).gettext("%(pillar)s: sub-area scores, %(country)s %(round)s") % {
            "pillar": self.pillar_name, "country": self.assessment.country_code,
            "round": assessment_label(self.assessment, self.lang)}

    def _table_html(self) -> str:
        return scores_table_html(self.subareas, self.pillar_row, self._caption(), self.lang)

    def _chart_html(self) -> str:
        return figure(chart(self.subareas, self.pillar_name), self._caption(), page=True)

    def refresh(self) -> None:
        """Read and score again; redraw the header, table, chart and form."""
        if not self.ok:
            return
        if self._form is not None:
            self._form.refresh()
            self.snapshot = self._form.snapshot
        else:
            self.snapshot = load_snapshot(self.store, self.assessment.id)
        self._redraw()

    def _redraw(self) -> None:
        if self.interactive:
            self._chart.value = self._chart_html()  # first: the chart is what a rating change should move
            self._table.value = self._table_html()
            self._header.value = self._header_html()

    # -- other people's changes -------------------------------------------------------------------
    def check_for_changes(self) -> bool:
        """Re-read the page when anyone saved a change to this assessment since it was last read;
        True when it did. Values being typed here are kept (the form only takes newer values into
        indicators with nothing pending). A database that does not answer is tried again next time."""
        if not self.ok:
            return False
        try:
            latest = self.store.last_change_id(self.assessment.id)
        except WorkbookError:
            return False
        if latest == self._seen:
            return False
        self._seen = latest  # before reading: a change landing during the read is seen next time
        self.refresh()
        return True

    def watch(self, every: float = WATCH_SECONDS, loop=None) -> bool:
        """Check for other people's changes every ``every`` seconds while the kernel runs (in Voila
        and JupyterLab; not in batch runs or plain Python, where there is no running loop)."""
        loop = loop or running_loop()
        if loop is None or every <= 0:
            return False
        self.stop_watching()
        # One watcher per pillar and assessment in a kernel: a cell run again in JupyterLab
        # replaces its page, and the old page's checks stop with it.
        previous = WATCHING.get(self._watch_key)
        if previous is not None and previous is not self:
            previous.stop_watching()
        WATCHING[self._watch_key] = self

        def tick():
            try:
                self.check_for_changes()
            except Exception as exc:  # never let a failed refresh stop the watching
                self._header.value = self._header_html() + problem_html(
                    translator(self.lang).gettext("Changes by others could not be shown"), str(exc), home=False)
            self._watch = loop.call_later(every, tick)

        self._watch = loop.call_later(every, tick)
        return True

    def stop_watching(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            self._watch = None
        if self.ok and WATCHING.get(self._watch_key) is self:
            del WATCHING[self._watch_key]

    @property
    def _watch_key(self) -> tuple[str, int]:
        return self.pillar.id, self.assessment.id

    def _on_saved(self, _indicator_id: str) -> None:
        self.snapshot = self._form.snapshot
        self._redraw()


def check_indicator(value, pillar: Pillar) -> str:
    """An indicator of ``pillar`` from the page address (to open its sub-area), or a located error."""
    if not value:
        return ""
    ids = {i.id for sa in pillar.subareas for i in sa.indicators}
    if isinstance(value, str) and value.strip().upper() in ids:
        return value.strip().upper()
    shown = value if isinstance(value, str) and len(value) <= 20 else repr(value)[:20]
    raise InvalidInput(Problem("indicator", f"{shown!r} is not an indicator of {pillar.name}"), what="page address")


def open_pillar(pillar_id: str, country: str, round: str, db_url: str = "", interactive: bool = True,
                *, environ: Mapping[str, str] | None = None, lang: str = "") -> PillarPage:
    """Open the page of one pillar of one assessment.

    Parameters
    ----------
    pillar_id : str
        ``ADM``, ``OPS``, ``REG`` or ``INF``.
    country, round : str
        The notebook's parameters; in Voila the page address overrides them. An empty round
        means the latest round.
    db_url : str
        Empty: ``WORKBOOK_DB_URL`` or the embedded SQLite file.
    interactive : bool
        False in batch runs: no header, no form, no widgets; problems raise.
    environ : mapping, optional
        Where to look for the Voila request (default ``os.environ``; for tests).
    lang : str
        The page's language when the address gives none (``lang=`` wins); empty: ``WORKBOOK_LANG``.
        Framework text (pillar and sub-area names in the header, table and chart) is in it.
    """
    found: dict = {"pillar": None, "editor": "", "note": "", "indicator": ""}

    def find_pillar(store: Store) -> None:
        found["pillar"] = store.framework.pillar(pillar_id)

    def check(asked: dict) -> None:
        found["editor"], found["note"] = check_editor(asked.get("editor"))
        found["indicator"] = check_indicator(asked.get("indicator"), found["pillar"])

    opened = open_assessment(country, round, db_url, interactive=interactive, environ=environ, before=find_pillar,
                             check=check, notebook=lambda: notebook_for(found["pillar"]) if found["pillar"]
                             else HOME_NOTEBOOK, lang=lang)
    if not opened.ok:
        return PillarPage(opened.store, found["pillar"], None, interactive=True, problem=opened.problem,
                          lang=opened.lang)
    return PillarPage(opened.store, found["pillar"], opened.assessment, interactive=interactive,
                      editor=found["editor"], indicator=found["indicator"], note=found["note"], served=opened.served,
                      lang=opened.lang)

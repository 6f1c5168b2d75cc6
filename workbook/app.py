"""What the notebooks call: the home page and the pillar pages, in Voila and in JupyterLab.

A pillar notebook is a parameters cell and four calls::

    page = app.open_pillar("ADM", country, round, db_url, interactive=interactive)
    page.header(); page.form(); page.scores_table(); page.chart()

Where the values come from: the notebook's defaults, replaced by papermill's parameters in
batch runs; in Voila, ``country`` and ``round`` from the page address
(``?country=XAT&round=baseline%202026``) win. The address may also carry ``editor`` (the name
of the person editing; the pages' own links do not: the browser session keeps the name, see
``session_name`` in the Voila template) and ``indicator`` (open that indicator's sub-area). The
database URL never comes from the address, and every value from it is checked before use.

What is shown: in interactive use (Voila, JupyterLab) the header, the form, the scores table
and the chart are widgets that update after every save. In batch runs (``interactive=False``)
the header and the form show nothing and build no widgets; the table is plain HTML and the
chart an ``image/svg+xml`` output whose metadata carries alt text stating the values, which
the report template turns into ``<img alt=...>``. An unknown country or round
gives a message listing the assessments that exist, with links, never a traceback; in batch
runs it raises, so the batch reports the cell and the error.

Speed: the interactive chart is a small SVG written here (matplotlib is imported only for
the batch chart), the form builds a sub-area's widgets when it is opened, and widgets share
their layout and style models. In a preheated Voila kernel the database and the framework are
opened before the kernel waits for its visitor.
"""
from __future__ import annotations

import base64
import html
import math
import os
import re
from collections.abc import Mapping
from urllib.parse import parse_qs, quote, urlencode

import ipywidgets as widgets
import pandas as pd
from IPython.display import HTML, display

from . import config
from .countries import is_user_assigned, search_countries
from .errors import InvalidInput, NotFound, Problem, WorkbookError
from .forms import EDITOR_FIELD_CLASS, PillarForm, Snapshot, load_snapshot, parse_editor
from .forms.common import running_loop
from .forms.pillar import subarea_summary
from .framework import Pillar
from .inputs import MAX_LONG, parse_round, parse_text
from .scoring import Scores
from .store import AssessmentInfo, Store

HOME_NOTEBOOK = "home.ipynb"
#: How often an open pillar page looks for changes saved by others, in seconds (one small query).
WATCH_SECONDS = 15.0
#: The page watching each (pillar, assessment) in this kernel (see :meth:`PillarPage.watch`).
_WATCHING: dict[tuple[str, int], "PillarPage"] = {}
QUERY_KEYS = ("country", "round", "editor", "indicator")
MAX_QUERY_FIELDS = 10
COUNTRY_RE = re.compile(r"[A-Za-z]{3}")
INDICATOR_RE = re.compile(r"[A-Z]{3}(\.[0-9]{1,2}){2}")
#: Same colours as :data:`workbook.charts.LEVEL_COLOURS` (a test keeps them equal); repeated here
#: so that the pages draw without importing matplotlib.
LEVEL_COLOURS = {1: "#b2182b", 2: "#ef8a62", 3: "#e0c96a", 4: "#67a9cf", 5: "#2166ac"}
NO_SCORE = "#bdbdbd"

TABLE_CSS = """<style>
.mbm-table{border-collapse:collapse;margin:0.5em 0 1em;font-size:0.95em}
.mbm-table caption{text-align:left;font-weight:600;padding:0.3em 0}
.mbm-table th,.mbm-table td{border:1px solid #c8c8c8;padding:0.25em 0.6em;text-align:left;vertical-align:top}
.mbm-table thead th{background:#eef2f7}
.mbm-table td.num{text-align:right;font-variant-numeric:tabular-nums}
</style>"""

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

# -- addresses ------------------------------------------------------------------------------
def notebook_for(pillar: Pillar) -> str:
    """The notebook of a pillar (by id, so rewording a pillar's name breaks no link)."""
    return config.PILLAR_NOTEBOOKS[pillar.id]


def page_link(notebook: str, country: str, round: str, editor: str = "", indicator: str = "") -> str:
    """A relative link to a page of one assessment; works from any page under ``/voila/render/``.

    ``editor`` (the name given once per browser session) and ``indicator`` are added when given.
    """
    query = {"country": country, "round": round}
    if editor:
        query["editor"] = editor
    if indicator:
        query["indicator"] = indicator
    return f"{notebook}?{urlencode(query, quote_via=quote)}"


def request_parameters(environ: Mapping[str, str] | None = None) -> dict[str, str] | None:
    """``country``, ``round``, ``editor`` and ``indicator`` from the Voila page address; ``None``
    outside Voila.

    Voila passes the query string to the kernel as ``QUERY_STRING``; a preheated kernel gets
    it from ``voila.utils.get_query_string()``, which waits for the request. Only the keys in
    :data:`QUERY_KEYS` are read (never a database URL); the values are checked by the caller.
    """
    env = os.environ if environ is None else environ
    if env.get("VOILA_PREHEAT") == "True":
        from voila.utils import get_query_string  # waits until a browser asks for the page
        query = get_query_string() or ""
    elif "QUERY_STRING" in env and ("VOILA_PREHEAT" in env or "VOILA_REQUEST_URL" in env):
        query = env.get("QUERY_STRING") or ""
    else:
        return None
    try:
        parsed = parse_qs(query, keep_blank_values=True, max_num_fields=MAX_QUERY_FIELDS)
    except ValueError:
        raise InvalidInput(Problem("address", "the page address has too many parameters"), what="page address") \
            from None
    return {k: parsed[k][0] for k in QUERY_KEYS if k in parsed}


def resolve_parameters(country, round, environ: Mapping[str, str] | None = None) -> tuple[str, str]:
    """The country and round to show: the notebook's values, unless the Voila address gives them."""
    asked = request_parameters(environ)
    return _resolve(country, round, asked)


def _resolve(country, round, asked: dict | None) -> tuple[str, str]:
    if asked:
        country = asked.get("country") or country
        round = asked["round"] if "round" in asked else round
    return country, round


def check_country(value) -> str:
    """A country code from a page address, upper-cased, or a located error."""
    v = value.strip() if isinstance(value, str) else ""
    if not COUNTRY_RE.fullmatch(v):
        shown = value if isinstance(value, str) and len(value) <= 40 else repr(value)[:40]
        raise InvalidInput(Problem("country", f"{shown!r} is not a three-letter country code such as XAT"),
                           what="page address")
    return v.upper()


def check_editor(value) -> tuple[str, str]:
    """The editor's name from the address: ``(name, "")`` when usable, else ``("", why)``."""
    if value is None or value == "":
        return "", ""
    try:
        return parse_editor(value), ""
    except InvalidInput as exc:
        return "", f"the name in the page address was not used ({exc.problems[0].message}): type it below"


def _store(db_url) -> Store:
    return Store(db_url or None)


# -- pure renderers (HTML strings; tested without a kernel) ----------------------------------
def _fmt_score(x) -> str:
    return "not scored" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.1f}"


def _fmt_completion(n_done, n_applicable) -> str:
    if not n_applicable:
        return "nothing applicable"
    return f"{int(n_done)}/{int(n_applicable)} ({100 * n_done / n_applicable:.0f}%)"


def _text(x) -> str:
    """A text cell; pandas may give NaN for a missing value."""
    return x if isinstance(x, str) and x else "–"


def scores_table_html(subareas: pd.DataFrame, pillar_row, caption: str) -> str:
    """An accessible table of a pillar's sub-area scores (header cells, row headers, caption)."""
    e = html.escape
    body = []
    for _, r in subareas.iterrows():
        notes = []
        if r["method"] == "weakest_link":
            notes.append("weakest link")
        if r["capped_by_legal"]:
            notes.append("capped by the legal basis")
        score = _fmt_score(r["score"]) + (f" ({', '.join(notes)})" if notes and not pd.isna(r["score"]) else "")
        body.append(f'<tr><th scope="row">{e(r["subarea_id"])} {e(r["subarea"])}</th>'
                    f'<td class="num">{e(score)}</td>'
                    f'<td class="num">{_fmt_completion(r["n_scored"], r["n_applicable"])}</td>'
                    f'<td>{e(_text(r["confidence"]))}</td><td class="num">{int(r["flags"])}</td></tr>')
    p = pillar_row
    foot = (f'<tfoot><tr><th scope="row">Pillar (weighted; unweighted {_fmt_score(p["unweighted"])})</th>'
            f'<td class="num">{_fmt_score(p["score"])}</td>'
            f'<td class="num">{_fmt_completion(p["n_rated"], p["n_applicable"])}</td>'
            f'<td>{e(_text(p["confidence"]))}</td><td class="num">{int(p["flags"])}</td></tr></tfoot>')
    return (TABLE_CSS + f'<table class="mbm-table mbm-scores"><caption>{e(caption)}</caption>'
            '<thead><tr><th scope="col">Sub-area</th><th scope="col">Score (1-5)</th>'
            '<th scope="col">Completion</th><th scope="col">Confidence</th><th scope="col">Flags</th></tr></thead>'
            f'<tbody>{"".join(body)}</tbody>{foot}</table>')


def describe_scores(labels, scores) -> str:
    """Alt text stating the values a chart shows (the same words as :func:`workbook.charts.describe_scores`)."""
    parts = [f"{lab}: {'not scored' if math.isnan(float(s)) else f'{float(s):.1f}'}" for lab, s in zip(labels, scores)]
    return "Bar chart of levels from 1 to 5. " + "; ".join(parts) + "."


def _level_colour(score: float) -> str:
    if score is None or math.isnan(score):
        return NO_SCORE
    return LEVEL_COLOURS[min(5, max(1, int(round(score))))]


def bars_svg(labels: list[str], scores: list[float], title: str) -> str:
    """Horizontal bars of levels 1-5 as a small SVG, drawn like :func:`workbook.charts.plot_subarea_scores`
    (same colours and axis) in well under a millisecond and without matplotlib."""
    e = html.escape
    row, top, left, plot, right = 26, 34, 300, 380, 60
    height = top + row * len(labels) + 40
    width = left + plot + right
    x = lambda v: left + plot * v / 5.4  # noqa: E731 - the axis runs 0 to 5.4, as in the matplotlib chart
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">',
           f'<text x="8" y="20" font-size="13">{e(title)}</text>']
    for level in range(1, 6):
        out.append(f'<line x1="{x(level):.1f}" y1="{top - 4}" x2="{x(level):.1f}" y2="{top + row * len(labels)}" '
                   'stroke="#dddddd" stroke-width="0.8"/>')
        out.append(f'<text x="{x(level):.1f}" y="{top + row * len(labels) + 16}" text-anchor="middle">{level}</text>')
    for i, (label, score) in enumerate(zip(labels, scores)):
        y = top + i * row
        shown = label if len(label) <= 44 else label[:43] + "…"
        out.append(f'<text x="{left - 8}" y="{y + row / 2 + 4:.1f}" text-anchor="end">{e(shown)}</text>')
        missing = score is None or math.isnan(score)
        if not missing:
            out.append(f'<rect x="{left}" y="{y + 4}" width="{x(score) - left:.1f}" height="{row - 8}" '
                       f'fill="{_level_colour(score)}"/>')
        text = "not scored" if missing else f"{score:.1f}"
        out.append(f'<text x="{(left if missing else x(score)) + 4:.1f}" y="{y + row / 2 + 4:.1f}" '
                   f'font-size="11">{text}</text>')
    out.append(f'<line x1="{left}" y1="{top - 4}" x2="{left}" y2="{top + row * len(labels)}" stroke="#444"/>')
    out.append(f'<text x="{left + plot / 2}" y="{height - 6}" text-anchor="middle">'
               "Level (1 absent or ad hoc - 5 sustained)</text></svg>")
    return "".join(out)


def chart_svg(subareas: pd.DataFrame, pillar_name: str) -> tuple[str, str]:
    """The sub-area bar chart drawn by matplotlib (for reports), and alt text stating every value."""
    from . import charts  # matplotlib: only batch runs and reports draw with it
    svg = charts.figure_svg(charts.plot_subarea_scores(subareas, pillar_name))
    return svg, describe_scores(list(subareas["subarea"]), list(subareas["score"]))


def chart_html(subareas: pd.DataFrame, pillar_name: str, caption: str) -> str:
    """The sub-area bar chart as an inline SVG image whose alt text states every value."""
    labels, scores = list(subareas["subarea"]), [float(v) for v in subareas["score"]]
    svg = bars_svg(labels, scores, f"{pillar_name}: sub-area scores")
    alt = describe_scores(labels, scores)
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return (f'<figure class="mbm-chart" style="margin:0.5em 0">'
            f'<img src="data:image/svg+xml;base64,{data}" alt="{html.escape(alt)}" style="max-width:100%;height:auto">'
            f'<figcaption style="font-size:0.9em;color:#444">{html.escape(caption)}</figcaption></figure>')


def assessments_html(rows: list[dict], pillars: list[Pillar], *, caption: str = "Assessments") -> str:
    """The list of assessments with completion, last change and one link per pillar page.

    Links carry no name: the browser session does (see ``session_name`` in the Voila template),
    so a link copied and sent to a colleague never makes their changes appear as yours."""
    e = html.escape
    if not rows:
        return ('<p class="mbm-empty">No assessments yet. Create one below, or load the fictional demo '
                "countries with <code>workbook demo</code>.</p>")
    body = []
    for r in rows:
        a: AssessmentInfo = r["info"]
        links = " · ".join(f'<a href="{e(page_link(notebook_for(p), a.country_code, a.round))}" '
                           f'aria-label="{e(p.name)}, {e(a.country_code)} {e(a.round)}">{e(p.name)}</a>'
                           for p in pillars)
        body.append(f'<tr><th scope="row">{e(a.country_code)} {e(a.country_name)}'
                    f'{" (fictional)" if a.fictional else ""}</th><td>{e(a.round)}</td>'
                    f'<td class="num">{_fmt_completion(r["n_rated"], r["n_applicable"])}</td>'
                    f'<td>{a.updated_at:%Y-%m-%d %H:%M} UTC</td><td>{links}</td></tr>')
    return (TABLE_CSS + f'<table class="mbm-table mbm-assessments"><caption>{e(caption)}</caption>'
            '<thead><tr><th scope="col">Country</th><th scope="col">Round</th><th scope="col">Completion</th>'
            '<th scope="col">Last change</th><th scope="col">Open a pillar</th></tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table>')


def completion_counts(framework, agreed: pd.DataFrame) -> dict[int, tuple[int, int]]:
    """Rated and applicable indicators per assessment, from ``(assessment_id, indicator_id,
    agreed)`` rows, by the scoring rules: NA is not applicable; levels and IE are rated."""
    rated_codes = {str(lv) for lv in range(1, 6)} | {"IE"}
    known = set(framework.indicators)
    out: dict[int, tuple[int, int]] = {}
    df = agreed[agreed["indicator_id"].isin(known)]
    for aid, group in df.groupby("assessment_id"):
        values = group["agreed"]
        out[int(aid)] = (int(values.isin(rated_codes).sum()), len(known) - int((values == "NA").sum()))
    return out


def assessment_rows(store: Store) -> list[dict]:
    """Every assessment with its overall completion (rated / applicable indicators), in two queries."""
    counts = completion_counts(store.framework, store.agreed_ratings())
    n = len(store.framework.indicators)
    return [{"info": a, "n_rated": counts.get(a.id, (0, n))[0], "n_applicable": counts.get(a.id, (0, n))[1]}
            for a in store.list_assessments()]


def problem_html(title: str, message: str, *, links: list[tuple[str, str]] = (), home: bool = True) -> str:
    """A message for the page (role=alert), with links to pages that do exist."""
    e = html.escape
    items = "".join(f'<li><a href="{e(href)}">{e(text)}</a></li>' for href, text in links)
    listing = f"<p>These assessments exist:</p><ul>{items}</ul>" if items else ""
    return (f'<div role="alert" class="mbm-problem" style="border-left:4px solid #b71c1c;padding:0.2em 1em">'
            f"<h2>{e(title)}</h2><p>{e(message)}</p>{listing}"
            + (f'<p><a href="{HOME_NOTEBOOK}">All assessments (home)</a></p>' if home else "") + "</div>")


# -- pillar page ---------------------------------------------------------------------------
class PillarPage:
    """One pillar of one assessment. Build it with :func:`open_pillar`."""

    def __init__(self, store: Store | None, pillar: Pillar | None, assessment: AssessmentInfo | None, *,
                 interactive: bool, problem: str = "", editor: str = "", indicator: str = "", note: str = ""):
        self.store, self.pillar, self.assessment = store, pillar, assessment
        self.interactive = interactive
        self.problem, self.note = problem, note
        self.editor, self.indicator = editor, indicator
        self.snapshot: Snapshot | None = None
        self._form: PillarForm | None = None
        self._header = self._table = self._chart = None
        self._seen = 0
        self._watch = None
        if assessment is not None:
            self._seen = store.last_change_id(assessment.id)  # first: a change after it is read in later
            self.snapshot = load_snapshot(store, assessment.id)
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
        """Country, round, completion and links to the other pillars (or the problem message)."""
        if not self.interactive:
            return
        display(HTML(self.problem) if not self.ok else self._header)

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
            svg, alt = chart_svg(self.subareas, self.pillar.name)
            display({"image/svg+xml": svg, "text/plain": alt}, metadata={"image/svg+xml": {"alt": alt}}, raw=True)

    # -- parts -------------------------------------------------------------------------------
    @property
    def form_widget(self) -> PillarForm:
        if not (self.interactive and self.ok):
            raise WorkbookError("the form exists only in interactive pages of a known assessment")
        if self._form is None:
            self._form = PillarForm(self.store, self.assessment, self.pillar, snapshot=self.snapshot,
                                    on_saved=self._on_saved, editor=self.editor)
        return self._form

    @property
    def subareas(self) -> pd.DataFrame:
        sub = self.scores.subareas
        return sub[sub["pillar_id"] == self.pillar.id]

    @property
    def pillar_row(self):
        return self.scores.pillars.set_index("pillar_id").loc[self.pillar.id]

    def _summaries(self) -> dict[str, str]:
        return {r["subarea_id"]: subarea_summary(r) for _, r in self.subareas.iterrows()}

    def _header_html(self) -> str:
        e, a, p = html.escape, self.assessment, self.pillar_row
        nav = [f'<a href="{e(HOME_NOTEBOOK)}">All assessments</a>']  # no name in links: see assessments_html
        for other in self.store.framework.pillars:
            if other.id == self.pillar.id:
                nav.append(f'<strong aria-current="page">{e(other.name)}</strong>')
            else:
                nav.append(f'<a href="{e(page_link(notebook_for(other), a.country_code, a.round))}">'
                           f"{e(other.name)}</a>")
        team = ", ".join(f"{n} ({r})" for n, _, r in a.team)
        note = f'<p class="mbm-note" role="status">{e(self.note)}</p>' if self.note else ""
        return (FORM_CSS + f'<nav aria-label="Pages of this assessment" class="mbm-nav">{" · ".join(nav)}</nav>'
                f'<p class="mbm-assessment"><strong>{e(a.country_code)} {e(a.label)}</strong> · framework '
                f"{e(a.framework_id)} {e(a.framework_version)} · status {e(a.status)}<br>"
                f"{e(self.pillar.name)}: {_fmt_completion(p['n_rated'], p['n_applicable'])} of applicable "
                f"indicators rated · score {_fmt_score(p['score'])}"
                + (f"<br>Team: {e(team)}" if team else "") + "</p>" + note)

    def _caption(self) -> str:
        return f"{self.pillar.name}: sub-area scores, {self.assessment.country_code} {self.assessment.label}"

    def _table_html(self) -> str:
        return scores_table_html(self.subareas, self.pillar_row, self._caption())

    def _chart_html(self) -> str:
        return chart_html(self.subareas, self.pillar.name, self._caption())

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
        previous = _WATCHING.get(self._watch_key)
        if previous is not None and previous is not self:
            previous.stop_watching()
        _WATCHING[self._watch_key] = self

        def tick():
            try:
                self.check_for_changes()
            except Exception as exc:  # never let a failed refresh stop the watching
                self._header.value = self._header_html() + problem_html(
                    "Changes by others could not be shown", str(exc), home=False)
            self._watch = loop.call_later(every, tick)

        self._watch = loop.call_later(every, tick)
        return True

    def stop_watching(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            self._watch = None
        if self.ok and _WATCHING.get(self._watch_key) is self:
            del _WATCHING[self._watch_key]

    @property
    def _watch_key(self) -> tuple[str, int]:
        return self.pillar.id, self.assessment.id

    def _on_saved(self, _indicator_id: str) -> None:
        self.snapshot = self._form.snapshot
        self._redraw()


def _known_assessment_links(store: Store | None, notebook: str) -> list[tuple[str, str]]:
    if store is None:
        return []
    return [(page_link(notebook, a.country_code, a.round), f"{a.country_code} {a.label}")
            for a in store.list_assessments()]


def _check_indicator(value, pillar: Pillar) -> str:
    if not value:
        return ""
    ids = {i.id for sa in pillar.subareas for i in sa.indicators}
    if isinstance(value, str) and value.strip().upper() in ids:
        return value.strip().upper()
    shown = value if isinstance(value, str) and len(value) <= 20 else repr(value)[:20]
    raise InvalidInput(Problem("indicator", f"{shown!r} is not an indicator of {pillar.name}"), what="page address")


def open_pillar(pillar_id: str, country: str, round: str, db_url: str = "", interactive: bool = True,
                *, environ: Mapping[str, str] | None = None) -> PillarPage:
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
    """
    store = pillar = None
    editor = indicator = note = ""
    try:
        # Opened before the visitor arrives: in a preheated kernel this work is done in advance.
        store = _store(db_url)
        pillar = store.framework.pillar(pillar_id)
        asked = request_parameters(environ)  # a preheated kernel waits here for its visitor
        country, round = _resolve(country, round, asked)
        code = check_country(country)
        rnd = parse_round(round) if isinstance(round, str) and round.strip() else None
        if asked:
            editor, note = check_editor(asked.get("editor"))
            indicator = _check_indicator(asked.get("indicator"), pillar)
        assessment = store.get_assessment(code, rnd)
    except WorkbookError as exc:
        if not interactive:
            raise
        title = "Assessment not found" if isinstance(exc, NotFound) else "Cannot open this page"
        message = "; ".join(str(p) for p in exc.problems) if isinstance(exc, InvalidInput) else str(exc)
        notebook = notebook_for(pillar) if pillar is not None else HOME_NOTEBOOK
        return PillarPage(store, pillar, None, interactive=True,
                          problem=problem_html(title, message, links=_known_assessment_links(store, notebook)))
    return PillarPage(store, pillar, assessment, interactive=interactive, editor=editor, indicator=indicator,
                      note=note)


# -- home page -----------------------------------------------------------------------------
def parse_team(text) -> list[dict]:
    """Team members from "name; organisation; role" lines (role: international or national).

    Raises :class:`InvalidInput` listing every bad line; the store checks each field again.
    """
    value = parse_text(text, "Team", max_len=MAX_LONG * 8)
    members, problems = [], []
    for n, line in enumerate(value.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split(";")]
        if len(parts) != 3:
            problems.append(Problem(f"Team line {n}", "write: name; organisation; international or national"))
            continue
        members.append({"name": parts[0], "organisation": parts[1], "role": parts[2]})
    if problems:
        raise InvalidInput(problems, what="team")
    return members


class HomePage:
    """Your name, all assessments with links to their pillar pages, and a form to create one."""

    def __init__(self, store: Store, editor: str = "", note: str = ""):
        self.store = store
        label = {"description_width": "8em"}
        wide = widgets.Layout(width="32em")
        self.user = widgets.Text(value=editor, description="Your name",
                                 placeholder="given once per browser session", style=label, layout=wide)
        self.user.add_class(EDITOR_FIELD_CLASS)  # remembered for the browser session by our Voila template
        self.user_note = widgets.HTML(f'<p class="mbm-note" role="status">{html.escape(note)}</p>' if note else "")
        self.table = widgets.HTML()
        self.search = widgets.Text(description="Find country", placeholder="name or code, e.g. Kenya or KEN",
                                   style=label, layout=wide)
        self.country = widgets.Dropdown(description="Country", options=[], style=label, layout=wide)
        self.fictional_name = widgets.Text(description="Fictional name",
                                           placeholder="only for user-assigned codes such as XAA",
                                           style=label, layout=wide)
        self.round = widgets.Text(description="Round", placeholder="e.g. baseline 2026", style=label, layout=wide)
        self.team = widgets.Textarea(description="Team", placeholder="one per line: name; organisation; "
                                     "international or national", style=label,
                                     layout=widgets.Layout(width="48em", height="6em"))
        self.create_button = widgets.Button(description="Create assessment", tooltip="Create the assessment")
        self.status = widgets.HTML()
        self.search.observe(self._on_search, "value")
        self.create_button.on_click(self.create)
        self.widget = widgets.VBox([
            self.user, self.user_note, self.table,
            widgets.HTML("<h2>New assessment</h2>"),
            self.search, self.country, self.fictional_name, self.round, self.team,
            widgets.HBox([self.create_button, self.status])])
        self.widget.add_class("mbm-home")
        self.refresh()

    def refresh(self) -> None:
        self.table.value = assessments_html(assessment_rows(self.store), list(self.store.framework.pillars))

    def _say(self, ok: bool, text_html: str) -> None:
        colour = "#1b5e20" if ok else "#b71c1c"
        self.status.value = f'<span role="status" aria-live="polite" style="color:{colour}">{text_html}</span>'

    def _on_search(self, change) -> None:
        try:
            text = parse_text(change["new"], "Find country", max_len=60)
        except InvalidInput as exc:
            self.country.options = []
            self._say(False, html.escape(str(exc.problems[0])))
            return
        options = [(f"{c.code} {c.name}", c.code) for c in search_countries(text, limit=15)]
        code = text.upper()
        if COUNTRY_RE.fullmatch(code) and is_user_assigned(code):
            options.insert(0, (f"{code} (user-assigned code: fictional country)", code))
        self.country.options = options
        self.country.value = options[0][1] if options else None

    def create(self, _button=None) -> AssessmentInfo | None:
        """Create the assessment from the form; the status line says what happened."""
        code = self.country.value
        if not isinstance(code, str) or code not in {v for _, v in self.country.options}:
            self._say(False, "not created: find the country and choose it from the matches first")
            return None
        try:
            who = parse_editor(self.user.value)
            team = parse_team(self.team.value)
            info = self.store.create_assessment(code, self.round.value, country_name=self.fictional_name.value or None,
                                                team=team, by=who)
        except InvalidInput as exc:
            why = "; ".join(str(p) for p in exc.problems).replace(" of the page", "")
            self._say(False, "not created: " + html.escape(why))
            return None
        except WorkbookError as exc:
            self._say(False, f"not created: {html.escape(str(exc))}")
            return None
        links = " · ".join(f'<a href="{html.escape(page_link(notebook_for(p), info.country_code, info.round))}">'
                           f"{html.escape(p.name)}</a>" for p in self.store.framework.pillars)
        self._say(True, f"created {html.escape(info.country_code)} {html.escape(info.label)}: open {links}")
        self.refresh()
        return info


def open_home(db_url: str = "", *, environ: Mapping[str, str] | None = None) -> HomePage | None:
    """Show the home page: your name, the assessments and the create-assessment form."""
    try:
        try:
            asked, address_note = request_parameters(environ) or {}, ""
        except InvalidInput as exc:  # a bad address is no reason to hide the list: say it was not used
            asked, address_note = {}, f"the page address was not used ({exc.problems[0].message})"
        editor, note = check_editor(asked.get("editor"))
        page = HomePage(_store(db_url), editor=editor, note=note or address_note)
    except WorkbookError as exc:
        display(HTML(problem_html("The workbook cannot open its database", str(exc), home=False)))
        return None
    display(page.widget)
    return page

"""Country reports: one HTML file per assessment, built with nbconvert and our own template.

The report is a notebook composed here (title page, overview, one section per pillar) and
rendered with the ``mbm_report`` template in ``templates/nbconvert/templates``. The overview
is drawn from the scoring functions; each pillar section takes the outputs of the cells tagged
``report`` in that pillar's executed notebook, so the report shows exactly what the analyst's
run showed. Everything runs in-process (nbconvert's Python API): no CLI start-up per report.

The HTML loads nothing from the network: no require.js, MathJax, Mermaid or widget manager,
charts embedded as SVG data with alt text stating their values.
"""
from __future__ import annotations

import datetime as dt
import functools
import html
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_notebook, new_output

from . import config
from .errors import WorkbookError
from .framework import Framework
from .scoring import Scores, score_assessment
from .store import AssessmentInfo, Store

TEMPLATE_NAME = "mbm_report"
REPORT_TAG = "report"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
IMAGE_MIMES = ("image/svg+xml", "image/png", "image/jpeg")
ROLE_NAMES = {"international": "international expert", "national": "national expert"}


class ReportError(WorkbookError):
    """A report cannot be built from what it was given (e.g. a pillar notebook is missing)."""


@dataclass(frozen=True)
class ReportData:
    """What a country report shows, read once from the store and the scoring functions."""

    info: AssessmentInfo
    framework: Framework
    scores: Scores
    generated: dt.date

    @property
    def title(self) -> str:
        mark = " (fictional)" if self.info.fictional else ""
        return f"{self.info.country_name}{mark}: MBM capacity assessment, {self.info.round}"


def load_report_data(country: str, round: str | None = None, *, store: Store | None = None,
                     db_url: str | None = None, as_of: dt.date | None = None) -> ReportData:
    """Read an assessment and score it (``round`` None: the latest round)."""
    store = store or Store(db_url)
    info = store.get_assessment(country, round)
    scores = score_assessment(store.framework, store.ratings_frame(info.id), store.evidence_frame(info.id),
                              as_of=as_of)
    return ReportData(info, store.framework, scores, as_of or dt.date.today())


# -- formatting ----------------------------------------------------------------------------
def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def format_score(x) -> str:
    """Scores in tables: two decimals, or "not scored"."""
    return "not scored" if _missing(x) else f"{float(x):.2f}"


def format_share(x) -> str:
    return "n/a" if _missing(x) else f"{round(float(x) * 100):d}%"


def _e(text) -> str:
    return html.escape("" if text is None else str(text))


# -- cells ---------------------------------------------------------------------------------
def _html_cell(markup: str, tag: str) -> NotebookNode:
    out = new_output("display_data", data={"text/html": markup})
    return new_code_cell(source="", outputs=[out], metadata={"tags": [tag]})


def _svg_cell(svg: str, alt: str, tag: str) -> NotebookNode:
    out = new_output("display_data", data={"image/svg+xml": svg}, metadata={"image/svg+xml": {"alt": alt}})
    return new_code_cell(source="", outputs=[out], metadata={"tags": [tag]})


def title_page_html(data: ReportData) -> str:
    """The title page: country, round, fictional marker, team, framework, date, status."""
    info = data.info
    fictional = ('<p><span class="mbm-fictional">Fictional country: demonstration data, '
                 'not a real assessment</span></p>' if info.fictional else "")
    team = "".join(f"<li>{_e(n)}, {_e(o) or 'no organisation given'} ({_e(ROLE_NAMES.get(r, r))})</li>"
                   for n, o, r in info.team) or "<li>No team recorded</li>"
    facts = [("Country", f"{_e(info.country_name)} ({_e(info.country_code)})"
                         + (" (fictional)" if info.fictional else "")),
             ("Round", _e(info.round)),
             ("Status", f'<span class="mbm-status">{_e(info.status)}</span>'),
             ("Framework", f"{_e(info.framework_id)} version {_e(info.framework_version)}"),
             ("Date", _e(data.generated.isoformat()))]
    rows = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts)
    return (f'<section class="mbm-title-page" aria-label="Title page">'
            f"<h1>{_e(info.country_name)}{' (fictional)' if info.fictional else ''}</h1>"
            f'<p class="mbm-subtitle">Migration and border management capacity assessment: {_e(info.round)}</p>'
            f'{fictional}<dl class="mbm-facts">{rows}</dl>'
            f"<h2>Assessment team</h2><ul>{team}</ul></section>")


def pillar_table_html(pillars) -> str:
    """Pillar scores: weighted, unweighted, sensitivity range, completion, confidence."""
    head = ("<thead><tr><th scope=\"col\">Pillar</th><th scope=\"col\" class=\"num\">Weighted score</th>"
            "<th scope=\"col\" class=\"num\">Unweighted score</th>"
            "<th scope=\"col\" class=\"num\">Sensitivity range</th>"
            "<th scope=\"col\" class=\"num\">Completion</th><th scope=\"col\">Confidence</th></tr></thead>")
    body = []
    for r in pillars.itertuples(index=False):
        sens = ("not scored" if _missing(r.sensitivity_low)
                else f"{format_score(r.sensitivity_low)} to {format_score(r.sensitivity_high)}")
        body.append(f'<tr data-pillar="{_e(r.pillar_id)}"><th scope="row">{_e(r.pillar)}</th>'
                    f'<td class="num">{format_score(r.score)}</td><td class="num">{format_score(r.unweighted)}</td>'
                    f'<td class="num">{sens}</td>'
                    f'<td class="num">{format_share(r.completion)} ({r.n_rated} of {r.n_applicable})</td>'
                    f"<td>{_e(r.confidence or 'none')}</td></tr>")
    caption = ("<caption>Pillar scores (levels 1 to 5). Sensitivity range: the weighted score when each "
               "sub-area weight is halved or doubled in turn.</caption>")
    return f'<table class="mbm-pillar-scores">{caption}{head}<tbody>{"".join(body)}</tbody></table>'


def overview_cells(data: ReportData) -> list[NotebookNode]:
    from .charts import describe_scores, figure_svg, plot_profile
    pillars = data.scores.pillars
    intro = ("<h2>Overview</h2><p>The capacity profile across the four pillars. It describes where "
             "capacity stands; it is a profile, not a ranking.</p>")
    alt = "Capacity profile by pillar. " + describe_scores(pillars["pillar"], pillars["score"])
    return [_html_cell(intro, "overview"),
            _svg_cell(figure_svg(plot_profile(pillars)), alt, "overview"),
            _html_cell(pillar_table_html(pillars), "overview")]


def _clean_outputs(outputs, alt: str) -> list[NotebookNode]:
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


def pillar_cells(data: ReportData, pillar_id: str, executed: NotebookNode) -> list[NotebookNode]:
    """A pillar's heading, then the outputs of its executed notebook's ``report`` cells."""
    from .charts import describe_scores
    pillar = data.framework.pillar(pillar_id)
    sub = data.scores.subareas[data.scores.subareas["pillar_id"] == pillar.id]
    alt = f"{pillar.name}: sub-area scores. " + describe_scores(sub["subarea"], sub["score"])
    cells = [_html_cell(f'<h2 id="pillar-{_e(pillar.id)}">{_e(pillar.name)}</h2>', f"pillar-{pillar.id}")]
    for cell in executed.cells:
        if cell.cell_type != "code" or REPORT_TAG not in cell.metadata.get("tags", []):
            continue
        outputs = _clean_outputs(nbformat.from_dict(cell.get("outputs", [])), alt)
        if outputs:
            cells.append(new_code_cell(source="", outputs=outputs, metadata={"tags": [REPORT_TAG, f"pillar-{pillar.id}"]}))
    if len(cells) == 1:
        raise ReportError(f"the executed notebook for pillar {pillar.id} has no output in its cells tagged "
                          f"{REPORT_TAG!r}")
    return cells


def compose_report(data: ReportData, pillar_notebooks: Mapping[str, NotebookNode | str | Path]) -> NotebookNode:
    """The report as a notebook of outputs only (render it with :func:`render_html`).

    ``pillar_notebooks`` maps each pillar id of the framework to its executed notebook (a node
    or a path). A framework pillar without a notebook is an error.
    """
    missing = [p.id for p in data.framework.pillars if p.id not in pillar_notebooks]
    if missing:
        raise ReportError(f"no executed notebook for pillar(s) {', '.join(missing)}")
    nb = new_notebook()
    nb.metadata["title"] = data.title
    nb.cells = [_html_cell(title_page_html(data), "title-page"), *overview_cells(data)]
    for p in data.framework.pillars:
        executed = pillar_notebooks[p.id]
        if not isinstance(executed, NotebookNode):
            executed = nbformat.read(str(executed), as_version=4)
        nb.cells += pillar_cells(data, p.id, executed)
    return nb


@functools.lru_cache(maxsize=4)
def _exporter(templates: str):
    # built once per process: loading the exporter and its Jinja environment is the slow part
    from nbconvert import HTMLExporter
    from traitlets.config import Config
    c = Config()
    c.HTMLExporter.template_name = TEMPLATE_NAME
    c.HTMLExporter.extra_template_basedirs = [templates]
    c.HTMLExporter.exclude_input = True
    c.HTMLExporter.exclude_input_prompt = True
    c.HTMLExporter.exclude_output_prompt = True
    c.CSSHTMLHeaderPreprocessor.enabled = False  # code highlighting CSS: the report has no code
    return HTMLExporter(config=c)


def template_dir() -> Path:
    """The folder holding the ``mbm_report`` template (``templates/`` is a JUPYTER_PATH root)."""
    return config.templates_dir() / "nbconvert" / "templates"


def render_html(nb: NotebookNode) -> str:
    """Render a composed report notebook with the ``mbm_report`` template."""
    body, _ = _exporter(str(template_dir())).from_notebook_node(
        nb, resources={"metadata": {"name": nb.metadata.get("title", "MBM report")}})
    return body


def build_report(data: ReportData, pillar_notebooks: Mapping[str, NotebookNode | str | Path],
                 path: str | Path) -> Path:
    """Compose and render the report, writing it to ``path`` (the caller makes it atomic)."""
    out = Path(path)
    out.write_text(render_html(compose_report(data, pillar_notebooks)), encoding="utf-8")
    return out


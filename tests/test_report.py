"""The country report: structure, numbers (checked against the scoring functions, not golden
bytes), accessibility basics and no remote resources. Executed notebooks are built inline here
(no kernels); tests/test_batch.py checks a report built from really executed notebooks."""
from __future__ import annotations

import base64
import math
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from workbook import report
from workbook.report import ReportError, compose_report, load_report_data, render_html

# -- reading the HTML ----------------------------------------------------------------------
URL_ATTRS = {"src", "href", "data", "srcset", "poster", "action", "formaction", "background", "xlink:href",
             "manifest", "cite", "longdesc"}
CSS_URL = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"]?)\s*(?:https?:)?//""", re.I)


@dataclass
class Element:
    tag: str
    attrs: dict
    text: str = ""
    children: list = field(default_factory=list)


class ReportPage(HTMLParser):
    """The parts of a report the tests look at: headings, tables, images, loads, text."""

    VOID = {"meta", "img", "br", "hr", "link", "input", "source", "area", "col", "base", "wbr", "embed"}

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self.headings: list[tuple[int, str]] = []
        self.tables: list[list[list[tuple[str, str]]]] = []  # table -> rows -> (cell tag, text)
        self.styles: list[str] = []
        self._stack: list[Element] = []
        self._row: list | None = None
        self._cell: list | None = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        el = Element(tag, {k: (v or "") for k, v in attrs})
        self.elements.append(el)
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self._row = []
            self.tables[-1].append(self._row)
        elif tag in ("th", "td") and self._row is not None:
            self._cell = [tag, ""]
            self._row.append(self._cell)
        if tag not in self.VOID:
            self._stack.append(el)

    def handle_endtag(self, tag):
        while self._stack:
            el = self._stack.pop()
            if re.fullmatch(r"h[1-6]", el.tag):
                self.headings.append((int(el.tag[1]), " ".join(el.text.split())))
            if el.tag == "style":
                self.styles.append(el.text)
            if el.tag == tag:
                break
        if tag in ("th", "td"):
            self._cell = None

    def handle_data(self, data):
        for el in self._stack:
            el.text += data
        if self._cell is not None:
            self._cell[1] += data

    def find(self, tag: str) -> list[Element]:
        return [e for e in self.elements if e.tag == tag]

    def table_with_caption(self, start: str) -> list[list[tuple[str, str]]]:
        captions = [" ".join(c.text.split()) for c in self.find("caption")]
        for caption, table in zip(captions, self.tables):
            if caption.startswith(start):
                return [[(t, " ".join(x.split())) for t, x in row] for row in table]
        raise AssertionError(f"no table captioned {start!r}; captions: {captions}")


def remote_loads(html_text: str) -> list[str]:
    """Every resource the page would fetch from the network (attributes, CSS urls, imports)."""
    page = ReportPage(html_text)
    found = []
    for el in page.elements:
        for name, value in el.attrs.items():
            v = value.strip().lower()
            if name in URL_ATTRS and (v.startswith(("http:", "https:", "//")) or "://" in v.split(",")[0]):
                found.append(f"<{el.tag} {name}={value[:80]}>")
            if name == "style" and CSS_URL.search(value):
                found.append(f"<{el.tag} style={value[:80]}>")
    found += [f"<style> {m.group(0)}" for css in page.styles for m in CSS_URL.finditer(css)]
    return found


def check_heading_order(headings: list[tuple[int, str]]) -> None:
    assert headings and headings[0][0] == 1, headings[:3]
    assert sum(1 for level, _ in headings if level == 1) == 1, "exactly one h1"
    for (prev, _), (level, text) in zip(headings, headings[1:]):
        assert level <= prev + 1, f"heading {text!r} jumps from h{prev} to h{level}"


# -- inputs --------------------------------------------------------------------------------
SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'


def executed_notebook(pillar_id: str) -> nbformat.NotebookNode:
    """A pillar notebook as papermill leaves it: parameters, interactive and report cells."""
    nb = new_notebook()
    nb.cells = [
        new_markdown_cell(f"# Notebook title {pillar_id}"),
        new_code_cell('country = "XAT"', metadata={"tags": ["parameters"]}),
        new_code_cell('country = "XAT"\nround = ""\ninteractive = False', metadata={"tags": ["injected-parameters"]},
                      outputs=[new_output("stream", name="stdout", text="PARAMS-OUTPUT\n")]),
        new_code_cell("import workbook.app as app\npage.header()", metadata={"tags": ["interactive"]},
                      outputs=[new_output("display_data", data={"text/html": "<p>INTERACTIVE-OUTPUT</p>"})]),
        new_code_cell("page.form()", metadata={"tags": ["interactive"]},
                      outputs=[new_output("display_data", data={
                          "application/vnd.jupyter.widget-view+json": {"model_id": "abc", "version_major": 2,
                                                                       "version_minor": 0},
                          "text/plain": "VBox(children=(WIDGET-PLACEHOLDER,))"})]),
        new_code_cell("page.scores_table()", metadata={"tags": ["report"]},
                      outputs=[new_output("display_data", data={"text/html": (
                          f'<table><caption>TABLE-{pillar_id}</caption><thead><tr><th scope="col">Sub-area</th>'
                          f'</tr></thead><tbody><tr><th scope="row">S</th></tr></tbody></table>')}),
                               new_output("stream", name="stderr", text="STDERR-NOISE\n"),
                               new_output("display_data", data={
                                   "application/vnd.jupyter.widget-view+json": {"model_id": "def"},
                                   "text/plain": "HTML(value='WIDGET-IN-REPORT')"})]),
        new_code_cell("page.chart()", metadata={"tags": ["report"]},
                      outputs=[new_output("display_data", data={"image/svg+xml": SVG})]),
        new_code_cell("print('untagged')", outputs=[new_output("stream", name="stdout", text="UNTAGGED\n")]),
    ]
    return nb


@pytest.fixture
def data(demo_store):
    return load_report_data("XAT", store=demo_store)


@pytest.fixture
def html_text(data) -> str:
    return render_html(compose_report(data, {p.id: executed_notebook(p.id) for p in data.framework.pillars}))


@pytest.fixture
def page(html_text) -> ReportPage:
    return ReportPage(html_text)


# -- tests ---------------------------------------------------------------------------------
def test_title_page_states_the_assessment(data, page):
    info = data.info
    assert info.fictional and info.status == "draft"
    h1 = page.headings[0]
    assert h1 == (1, f"{info.country_name} (fictional)")
    facts = {}
    dl = next(e for e in page.elements if e.tag == "dl")
    terms = re.findall(r"(Country|Round|Status|Framework|Date)", dl.text)
    assert terms == ["Country", "Round", "Status", "Framework", "Date"]
    for dt_el, dd_el in zip(page.find("dt"), page.find("dd")):
        facts[dt_el.text.strip()] = " ".join(dd_el.text.split())
    assert facts["Country"] == f"{info.country_name} ({info.country_code}) (fictional)"
    assert facts["Round"] == info.round
    assert facts["Status"] == "draft"
    assert facts["Framework"] == f"{data.framework.id} version {data.framework.version}"
    assert facts["Date"] == data.generated.isoformat()
    assert any("Fictional country" in e.text for e in page.find("span"))
    team_items = [" ".join(li.text.split()) for li in page.find("li")]
    assert len(info.team) >= 2
    for name, org, role in info.team:
        assert f"{name}, {org} ({role} expert)" in team_items


def test_headings_in_order_with_one_section_per_pillar(data, page):
    check_heading_order(page.headings)
    h2 = [text for level, text in page.headings if level == 2]
    assert h2 == ["Assessment team", "Overview", *[p.name for p in data.framework.pillars]]
    assert not any(text.startswith("Notebook title") for _, text in page.headings)


def test_pillar_table_matches_scoring(data, page):
    table = page.table_with_caption("Pillar scores")
    header, *rows = table
    assert [t for t, _ in header] == ["th"] * 6
    assert [x for _, x in header] == ["Pillar", "Weighted score", "Unweighted score", "Sensitivity range",
                                      "Completion", "Confidence"]
    pillars = data.scores.pillars
    assert [row[0] for row in rows] == [("th", name) for name in pillars["pillar"]]
    for row, p in zip(rows, pillars.itertuples()):
        cells = [x for _, x in row]
        assert not math.isnan(p.score)
        assert float(cells[1]) == pytest.approx(p.score, abs=0.005)
        assert float(cells[2]) == pytest.approx(p.unweighted, abs=0.005)
        low, high = (float(x) for x in cells[3].split(" to "))
        assert low == pytest.approx(p.sensitivity_low, abs=0.005)
        assert high == pytest.approx(p.sensitivity_high, abs=0.005)
        assert low <= float(cells[1]) <= high
        assert cells[4] == f"{round(p.completion * 100)}% ({p.n_rated} of {p.n_applicable})"
        assert cells[5] == p.confidence


def test_scores_differ_between_countries(demo_store):
    """The numbers come from the assessment asked for, not from anything cached."""
    a = load_report_data("XAT", store=demo_store).scores.pillars["score"].round(2).tolist()
    b = load_report_data("XBO", store=demo_store).scores.pillars["score"].round(2).tolist()
    assert a != b


def test_charts_are_svg_images_with_alt_text_stating_values(data, page):
    imgs = page.find("img")
    assert len(imgs) == 1 + len(data.framework.pillars)
    for img in imgs:
        assert img.attrs["src"].startswith("data:image/svg+xml;base64,")
        svg = base64.b64decode(img.attrs["src"].split(",", 1)[1]).decode()
        assert svg.lstrip().startswith("<svg"), "no XML prologue or DOCTYPE"
        assert img.attrs.get("alt", "").strip()
    overview = imgs[0].attrs["alt"]
    for p in data.scores.pillars.itertuples():
        assert f"{p.pillar}: {p.score:.1f}" in overview
    # a notebook chart without alt text gets one stating its pillar's sub-area scores
    sub = data.scores.subareas
    first = data.framework.pillars[0]
    for s in sub[sub["pillar_id"] == first.id].itertuples():
        label = "not scored" if math.isnan(s.score) else f"{s.score:.1f}"
        assert f"{s.subarea}: {label}" in imgs[1].attrs["alt"]


def test_tables_have_header_cells(page):
    assert page.tables
    for table in page.tables:
        assert any(tag == "th" for row in table for tag, _ in row)


def test_only_report_outputs_no_code_prompts_widgets_or_scripts(data, html_text, page):
    for marker in ("INTERACTIVE-OUTPUT", "WIDGET-PLACEHOLDER", "WIDGET-IN-REPORT", "STDERR-NOISE",
                   "PARAMS-OUTPUT", "UNTAGGED", "import workbook", "page.chart()", "In&nbsp;[", "Out["):
        assert marker not in html_text, marker
    for p in data.framework.pillars:
        assert f"TABLE-{p.id}" in html_text
    assert not page.find("script")
    assert not page.find("iframe")
    assert not [e for e in page.elements if "jp-InputArea" in e.attrs.get("class", "")]
    low = html_text.lower()
    for needle in ("require.js", "require.min.js", "requirejs", "mathjax", "html-manager", "embed-amd",
                   "mermaid", "application/vnd.jupyter.widget-state+json"):
        assert needle not in low, needle


def test_no_remote_resources(html_text):
    assert remote_loads(html_text) == []
    assert html_text.lower().count("<link") == 0


@pytest.mark.parametrize("snippet", [
    '<script src="https://cdn.example.org/require.js"></script>',
    '<link rel="stylesheet" href="http://fonts.example.org/x.css">',
    '<img src="//example.org/x.png" alt="x">',
    '<style>@import "https://example.org/a.css";</style>',
    '<div style="background: url(https://example.org/bg.png)"></div>',
])
def test_remote_load_check_can_fail(snippet):
    assert remote_loads(f"<html><body>{snippet}</body></html>")


def test_heading_check_can_fail():
    with pytest.raises(AssertionError):
        check_heading_order([(1, "a"), (3, "b")])


def test_missing_pillar_notebook_is_an_error(data):
    notebooks = {p.id: executed_notebook(p.id) for p in data.framework.pillars[1:]}
    with pytest.raises(ReportError, match=data.framework.pillars[0].id):
        compose_report(data, notebooks)


def test_pillar_notebook_without_report_output_is_an_error(data):
    notebooks = {p.id: executed_notebook(p.id) for p in data.framework.pillars}
    first = data.framework.pillars[0].id
    for cell in notebooks[first].cells:
        if "report" in cell.metadata.get("tags", []):
            cell.outputs = []
    with pytest.raises(ReportError, match=f"pillar {first}"):
        compose_report(data, notebooks)


def test_template_alone_drops_interactive_cells_and_code(tmp_path):
    """An analyst running nbconvert with our template on an executed notebook gets a clean page."""
    from nbconvert import HTMLExporter
    exporter = HTMLExporter(template_name=report.TEMPLATE_NAME,
                            extra_template_basedirs=[str(report.template_dir())])
    body, _ = exporter.from_notebook_node(executed_notebook("ADM"))
    assert "INTERACTIVE-OUTPUT" not in body and "PARAMS-OUTPUT" not in body and "page.chart()" not in body
    assert "TABLE-ADM" in body
    assert remote_loads(body) == []
    assert not ReportPage(body).find("script")

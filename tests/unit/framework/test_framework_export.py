"""Framework renderings: HTML, XLSX and Markdown read back, the export command, the browser
widget and the framework notebook."""
from __future__ import annotations

import ast
import re
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import openpyxl
import papermill
import pytest
import yaml

from support import ROOT
from workbook.cli import main
from workbook.framework import export as fe
from workbook.pages import browse_framework
from workbook.errors import InvalidInput, NotFound, WorkbookError
from workbook.framework import DEFAULT_FRAMEWORK, load_framework, parse_framework

NOTEBOOK = ROOT / "notebooks" / "framework.ipynb"

# Text that breaks every format if it is not escaped: HTML tags and entities, a spreadsheet
# formula, Markdown table pipes, emphasis and a list marker.
NASTY = '=1+1 <script>alert("x")</script> & <b>bold</b> | *star* _under_ [link](http://example.org)'


@pytest.fixture(scope="module")
def fw():
    return load_framework()


@pytest.fixture(scope="module")
def nasty_file(tmp_path_factory) -> Path:
    """The shipped framework with NASTY as ADM.1.1's level 1 descriptor and a 1.1.0 entry with a mapping."""
    data = yaml.safe_load(DEFAULT_FRAMEWORK.read_text(encoding="utf-8"))
    data["pillars"][0]["subareas"][0]["indicators"][0]["levels"][0]["descriptor"] = NASTY
    data["version"] = "1.1.0"
    data["changelog"].append({"version": "1.1.0", "date": "2027-01-31", "changes": ["ADM.1.9 renamed ADM.1.1."],
                              "mappings": [{"from": "ADM.1.9", "to": ["ADM.1.1"], "kind": "renamed",
                                            "note": "same substance"}]})
    path = tmp_path_factory.mktemp("nasty") / "framework.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def nasty(nasty_file):
    return parse_framework(nasty_file.read_text(encoding="utf-8"), source=str(nasty_file))


@pytest.fixture(scope="module")
def exported(fw, tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("export")
    return {fmt: fe.export_framework(fw, fmt, out / f"framework{suffix}") for fmt, suffix in fe.FORMATS.items()}


def citing(fw) -> dict[str, list[str]]:
    """Reference id -> ids of the indicators citing it, worked out here, not by the module."""
    out: dict[str, list[str]] = {r.id: [] for r in fw.references}
    for p in fw.pillars:
        for s in p.subareas:
            for i in s.indicators:
                for c in i.crosswalk:
                    out[c.ref].append(i.id)
    return out


# -- HTML ---------------------------------------------------------------------------------------
class PageParser(HTMLParser):
    """Collects what the HTML tests look at: tags, attributes, headings, ids, indicator articles
    with their descriptor cells, table rows."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.headings: list[tuple[int, str]] = []
        self.ids: list[str] = []
        self.descriptors: dict[str, list[str]] = {}
        self.style = ""
        self.table_rows: list[list[str]] = []
        self._stack: list[str] = []
        self._article: str | None = None
        self._text: list[str] | None = None
        self._capture: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if "id" in a:
            self.ids.append(a["id"])
        if tag == "article" and "data-indicator" in a:
            self._article = a["data-indicator"]
            self.descriptors.setdefault(self._article, [])
        if re.fullmatch(r"h[1-6]", tag) or (tag == "td" and "descriptor" in a.get("class", "").split()):
            self._capture, self._text = tag, []
        if tag == "tr":
            self._row = []
        if tag in ("td", "th") and self._row is not None:
            self._cell = []
        if tag not in ("br", "meta"):
            self._stack.append(tag)

    def handle_endtag(self, tag):
        if self._stack and self._stack[-1] == tag:
            self._stack.pop()
        if tag == self._capture and self._text is not None:
            text = "".join(self._text)
            if tag == "td":
                self.descriptors[self._article].append(text)
            else:
                self.headings.append((int(tag[1]), " ".join(text.split())))
            self._capture, self._text = None, None
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        if tag == "tr" and self._row is not None:
            self.table_rows.append(self._row)
            self._row = None
        if tag == "article":
            self._article = None

    def handle_data(self, data):
        if self._stack and self._stack[-1] == "style":
            self.style += data
        if self._text is not None:
            self._text.append(data)
        if self._cell is not None:
            self._cell.append(data)


def parse_page(text: str) -> PageParser:
    page = PageParser()
    page.feed(text)
    page.close()
    return page


@pytest.fixture(scope="module")
def page(exported) -> PageParser:
    return parse_page(exported["html"].read_text(encoding="utf-8"))


def test_html_has_every_indicator_with_its_five_descriptors_in_order(fw, page):
    assert list(page.descriptors) == list(fw.indicators)
    for ind in fw.indicators.values():
        assert page.descriptors[ind.id] == [lv.descriptor for lv in ind.levels], ind.id


def test_html_loads_nothing_from_outside(exported, page):
    text = exported["html"].read_text(encoding="utf-8")
    tags = {t for t, _ in page.tags}
    assert not tags & {"script", "link", "img", "iframe", "object", "embed", "video", "audio", "source"}
    for tag, attrs in page.tags:
        for name, value in attrs.items():
            if name in ("src", "href", "srcset", "action", "data", "poster", "background"):
                assert not re.match(r"\s*(https?:)?//", value or "", re.I), f"<{tag} {name}={value!r}>"
    assert "url(" not in page.style and "@import" not in page.style
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", text, re.I)


def test_html_is_structured_for_screen_readers_and_print(fw, page):
    levels = [lvl for lvl, _ in page.headings]
    assert levels[0] == 1 and levels.count(1) == 1
    for before, after in zip(levels, levels[1:]):
        assert after <= before + 1, f"heading level jumps from h{before} to h{after}"
    for tag, attrs in page.tags:
        if tag == "th":
            assert attrs.get("scope") in ("col", "row")
    assert sum(t == "table" for t, _ in page.tags) == sum(t == "caption" for t, _ in page.tags)
    html_tag = next(a for t, a in page.tags if t == "html")
    assert html_tag.get("lang") == "en"
    assert "@media print" in page.style
    # every in-page link lands somewhere, and the contents link every pillar and sub-area
    hrefs = [a["href"] for t, a in page.tags if t == "a" and "href" in a]
    assert all(h.startswith("#") for h in hrefs)
    assert len(page.ids) == len(set(page.ids)), "duplicate ids"
    assert {h[1:] for h in hrefs} <= set(page.ids)
    targets = {h[1:] for h in hrefs}
    for p in fw.pillars:
        assert f"pillar-{p.id}" in targets
        for s in p.subareas:
            assert f"sub-{s.id}" in targets


def test_html_sections_come_in_the_documented_order(fw, page):
    h2 = [text for lvl, text in page.headings if lvl == 2]
    expected = ["Contents", "Change log", "Rating scale and codes", "Evidence rules", "Criticality classes",
                "Lenses", *[f"{p.name} ({p.id})" for p in fw.pillars],
                "Annex: references and the indicators that cite them"]
    assert h2 == expected
    h3 = [text for lvl, text in page.headings if lvl == 3]
    for s in fw.subareas.values():
        assert f"{s.id} {s.name}" in h3
    h1 = page.headings[0][1]
    assert h1 == fw.title


def test_html_annex_lists_the_indicators_citing_each_reference(fw, page):
    rows = {r[0]: r for r in page.table_rows if r and r[0] in {x.id for x in fw.references}}
    assert set(rows) == {r.id for r in fw.references}
    for ref, ids in citing(fw).items():
        cited_by = rows[ref][3]
        found = re.findall(r"[A-Z]{3}\.\d+\.\d+", cited_by)
        assert found == ids, ref
        if not ids:
            assert cited_by == "not cited"


def test_html_escapes_text_and_shows_mappings(nasty, tmp_path):
    path = fe.export_framework(nasty, "html", tmp_path / "nasty.html")
    text = path.read_text(encoding="utf-8")
    assert "<script>" not in text and "<b>bold</b>" not in text
    page = parse_page(text)
    assert page.descriptors["ADM.1.1"][0] == NASTY
    assert not any(t == "script" for t, _ in page.tags)
    assert "ADM.1.9" in text and "same substance" in text
    assert any(lvl == 3 and t == "Version 1.1.0 (2027-01-31)" for lvl, t in page.headings)


# -- XLSX ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def book(exported):
    wb = openpyxl.load_workbook(exported["xlsx"])
    yield wb
    wb.close()


def values(ws) -> list[list]:
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_xlsx_sheets_and_read_me(fw, book):
    assert book.sheetnames == ["Read me", "Indicators", "Levels", "Sub-areas", "References", "Change log"]
    readme = values(book["Read me"])
    assert readme[0][0] == fw.title
    assert ["Version", fw.version] in readme
    flat = " ".join(str(v) for row in readme for v in row if v)
    for needle in ("Level 5: Sustained", "NA: Not applicable", "Level 4+", "legal: Legal and policy basis"):
        assert needle in flat


def test_xlsx_indicators_sheet_has_one_row_per_indicator(fw, book):
    ws = book["Indicators"]
    rows = values(ws)
    assert rows[0] == ["Pillar", "Sub-area ID", "Sub-area", "Indicator ID", "Indicator", "Question", "Lens",
                       "Guidance", "Level 1", "Level 2", "Level 3", "Level 4", "Level 5", "Crosswalk"]
    assert len(rows) - 1 == len(fw.indicators) == ws.max_row - 1
    assert [r[3] for r in rows[1:]] == list(fw.indicators)
    for r in rows[1:]:
        ind = fw.indicator(r[3])
        assert r[0] == fw.pillar_of(ind.id).name and r[1] == fw.subarea_of(ind.id).id
        assert r[5] == ind.question and r[7] == ind.guidance
        assert r[8:13] == [lv.descriptor for lv in ind.levels]
        assert r[13].splitlines()[0].startswith(ind.crosswalk[0].ref)
        assert len(r[13].splitlines()) == len(ind.crosswalk)
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:N{len(fw.indicators) + 1}"
    assert ws["H2"].alignment.wrap_text is True
    assert ws.column_dimensions["H"].width > ws.column_dimensions["D"].width


def test_xlsx_levels_and_references(fw, book):
    levels = values(book["Levels"])
    assert levels[0] == ["Indicator ID", "Indicator", "Level", "Level name", "Descriptor", "Examples of evidence"]
    assert len(levels) - 1 == 5 * len(fw.indicators)
    first = fw.indicator(levels[1][0])
    assert levels[1:6] == [[first.id, first.name, lv.level, fw.scale.levels[lv.level - 1].name, lv.descriptor,
                            "\n".join(lv.evidence)] for lv in first.levels]
    refs = values(book["References"])
    assert refs[0] == ["Reference", "Kind", "Title", "Note", "Citations", "Cited by"]
    assert [r[0] for r in refs[1:]] == [r.id for r in fw.references]
    cites = citing(fw)
    for r in refs[1:]:
        assert r[4] == len(cites[r[0]])
        assert re.findall(r"[A-Z]{3}\.\d+\.\d+", r[5] or "") == cites[r[0]]
    for name in book.sheetnames[1:]:
        assert book[name].freeze_panes == "A2" and book[name].auto_filter.ref


def test_xlsx_keeps_formula_like_text_as_text(nasty, tmp_path):
    path = fe.export_framework(nasty, "xlsx", tmp_path / "nasty.xlsx")
    wb = openpyxl.load_workbook(path)
    try:
        cell = wb["Indicators"]["I2"]
        assert cell.value == NASTY and cell.data_type == "s"
        log = values(wb["Change log"])
        assert ["1.1.0", "2027-01-31", "mapping", "ADM.1.9", "renamed", "ADM.1.1", "same substance"] in log
    finally:
        wb.close()


# -- Markdown -----------------------------------------------------------------------------------
def github_slug(heading: str) -> str:
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


def test_markdown_has_every_heading_and_five_levels_per_indicator(fw, exported):
    lines = exported["md"].read_text(encoding="utf-8").splitlines()
    assert lines[0] == f"# {fw.title}"
    for p in fw.pillars:
        assert lines.count(f"## {p.name} ({p.id})") == 1
        for s in p.subareas:
            assert lines.count(f"### {s.id} {s.name}") == 1, s.id
            for ind in s.indicators:
                assert lines.count(f"#### {ind.id} {ind.name}") == 1, ind.id
    starts = [n for n, line in enumerate(lines) if line.startswith("#### ")]
    assert len(starts) == len(fw.indicators)
    for start, end in zip(starts, starts[1:] + [len(lines)]):
        ind = fw.indicator(lines[start].split()[1])
        numbered = [line for line in lines[start:end] if re.match(r"\d\. \*\*", line)]
        assert [int(x[0]) for x in numbered] == [1, 2, 3, 4, 5], ind.id
        for line, lv in zip(numbered, ind.levels):
            assert line.endswith(" " + lv.descriptor), (ind.id, lv.level)


def test_markdown_contents_links_resolve(fw, exported):
    text = exported["md"].read_text(encoding="utf-8")
    headings = re.findall(r"^#{1,6} (.+)$", text, re.M)
    slugs = {github_slug(h.replace("\\", "")) for h in headings}
    links = re.findall(r"\]\(#([^)]+)\)", text)
    assert len(links) == 5 + len(fw.pillars) + len(fw.subareas) + 1
    assert set(links) <= slugs
    assert "adm1-organizational-structure" in links


def test_markdown_tables_keep_their_columns(fw, exported):
    for line in exported["md"].read_text(encoding="utf-8").splitlines():
        if line.startswith("| Reference | Kind |"):
            width = line.count("|")
        elif line.startswith("| ") and "width" in locals():
            assert len(re.findall(r"(?<!\\)\|", line)) == width, line


def test_markdown_escapes_text(nasty, tmp_path):
    text = fe.export_framework(nasty, "md", tmp_path / "nasty.md").read_text(encoding="utf-8")
    assert "<script>" not in text and "<b>" not in text
    assert not re.search(r"(?<!\\)\]\(http", text), "a link in the text became a Markdown link"
    assert r"\<script\>" in text and r"\*star\*" in text and r"\_under\_" in text
    assert "| ADM.1.9 | renamed | ADM.1.1 | same substance |" in text


# -- the export command -------------------------------------------------------------------------
def test_the_command_writes_to_output_creating_folders(tmp_path, capsys):
    out = tmp_path / "a" / "b" / "review.md"
    assert main(["framework", "export", "--format", "md", "--output", str(out)]) == 0
    assert out.read_text(encoding="utf-8").startswith("# ")
    assert str(out) in capsys.readouterr().out
    assert [p.name for p in out.parent.iterdir()] == ["review.md"], "temporary file left behind"


def test_the_command_default_output_and_framework_file(nasty_file, tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBOOK_OUTPUTS", str(tmp_path / "outs"))
    assert main(["framework", "export", "--format", "md", str(nasty_file)]) == 0
    written = tmp_path / "outs" / "framework-1.1.0.md"
    assert r"\<script\>" in written.read_text(encoding="utf-8")


def test_unknown_format_is_rejected_clearly(fw, tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["framework", "export", "--format", "pdf"])
    assert exc.value.code == 2
    assert "invalid choice: 'pdf' (choose from 'html', 'xlsx', 'md')" in capsys.readouterr().err
    with pytest.raises(InvalidInput, match=r"unknown format 'pdf'; use one of html, xlsx, md"):
        fe.export_framework(fw, "pdf", tmp_path / "x.pdf")
    with pytest.raises(InvalidInput, match="unknown format 'docx'"):
        fe.export_framework(fw, "docx", tmp_path / "x.docx")
    assert list(tmp_path.iterdir()) == []


def test_failed_export_leaves_the_previous_file(fw, tmp_path, monkeypatch):
    out = tmp_path / "framework.md"
    out.write_text("previous", encoding="utf-8")

    def broken(_fw):
        raise RuntimeError("renderer failed")

    monkeypatch.setattr(fe, "render_markdown", broken)
    with pytest.raises(RuntimeError, match="renderer failed"):
        fe.export_framework(fw, "md", out)
    assert out.read_text(encoding="utf-8") == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["framework.md"]


def test_unwritable_output_is_a_workbook_error(fw, tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("", encoding="utf-8")
    with pytest.raises(WorkbookError, match="cannot write"):
        fe.export_framework(fw, "md", blocker / "framework.md")


# -- browser widget -----------------------------------------------------------------------------
def parts(view):
    import ipywidgets as widgets
    (choose,) = [w for w in view.children if isinstance(w, widgets.Dropdown)]
    (panels,) = [w for w in view.children if isinstance(w, widgets.Accordion)]
    return choose, panels


def test_browse_shows_a_pillar_with_its_subareas_and_descriptors(fw):
    view = browse_framework("OPS", fw)
    choose, panels = parts(view)
    assert "mbm-framework" in view._dom_classes  # the scoped table styles apply
    assert choose.value == "OPS"
    assert [v for _, v in choose.options] == [p.id for p in fw.pillars]
    ops = fw.pillar("OPS")
    assert list(panels.titles) == [f"{s.id} {s.name}" for s in ops.subareas]
    for s, child in zip(ops.subareas, panels.children):
        page = parse_page(child.value)
        assert list(page.descriptors) == [i.id for i in s.indicators]
        for ind in s.indicators:
            assert page.descriptors[ind.id] == [lv.descriptor for lv in ind.levels]
        assert not any("href" in a for _, a in page.tags), "page anchors do not exist inside a widget"


def test_browse_follows_the_dropdown_and_accepts_names_and_files(fw, nasty_file):
    view = browse_framework("", fw)
    choose, panels = parts(view)
    assert choose.value == fw.pillars[0].id
    panels.selected_index = 0
    choose.value = "INF"
    assert panels.selected_index is None
    assert list(panels.titles) == [f"{s.id} {s.name}" for s in fw.pillar("INF").subareas]
    assert len(panels.children) == len(fw.pillar("INF").subareas)
    assert parts(browse_framework("Information management", fw))[0].value == "INF"
    from_file = browse_framework("ADM", str(nasty_file))
    assert "&lt;script&gt;" in parts(from_file)[1].children[0].value
    with pytest.raises(NotFound, match="unknown pillar 'XYZ'"):
        browse_framework("XYZ", fw)


# -- the notebook -------------------------------------------------------------------------------
def test_notebook_is_thin_and_commit_ready():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3" and nb.metadata.language_info.name == "python"
    assert all(c.get("id") for c in nb.cells) and len({c.id for c in nb.cells}) == len(nb.cells)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    assert "parameters" in code[0].metadata.get("tags", [])
    for c in code:
        for node in ast.walk(ast.parse(c.source)):
            assert not isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.For, ast.While, ast.Lambda,
                                         ast.comprehension)), c.id
    params = papermill.inspect_notebook(str(NOTEBOOK))
    assert {k: v["default"] for k, v in params.items()} == {"pillar": '""', "framework_file": '""'}
    assert any("browse_framework(pillar, framework_file)" in c.source for c in code)


@pytest.mark.notebook
def test_notebook_runs_and_shows_the_widget(tmp_path):
    out = tmp_path / "framework.ipynb"
    papermill.execute_notebook(str(NOTEBOOK), str(out), parameters={"pillar": "REG"}, kernel_name="python3",
                               progress_bar=False, cwd=str(tmp_path))
    nb = nbformat.read(out, as_version=4)
    last = [c for c in nb.cells if c.cell_type == "code"][-1]
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in last.outputs)

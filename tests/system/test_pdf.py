"""The printed report, from both PDF engines (Chromium and WeasyPrint): the text read back holds
the country, the pillars and their scores; pages are numbered, with the running header; the
contents give page numbers; charts are vectors; nothing is fetched from outside.

The text is read with ``pdftotext`` (Debian's poppler-utils) when it is installed, else with
pypdf (``support.reports.pdf_pages_text``); without either the read-back tests are skipped with
that reason.
"""
from __future__ import annotations

import re

import pytest

from conftest import chromium_available
from support.reports import FOLLOW_UP, notebooks_for, pdf_page_count, pdf_pages_text
from workbook.present.levels import spread_text
from workbook.report import build_report, chromium
from workbook.report.render import RenderError, pdf_engine, write_pdf

NEEDS_CHROMIUM = pytest.mark.skipif(not chromium_available(), reason="Chromium not installed")
ENGINES = [pytest.param("chromium", marks=NEEDS_CHROMIUM), "weasyprint"]


@pytest.fixture(scope="module", params=ENGINES)
def printed(request, data, tmp_path_factory):
    folder = tmp_path_factory.mktemp("pdf")
    mp = pytest.MonkeyPatch()
    mp.setenv("WORKBOOK_PDF_ENGINE", request.param)
    try:
        html = build_report(data, notebooks_for(data), folder / "report.html", pdf=folder / "report.pdf")
    finally:
        mp.undo()
    return folder / "report.pdf", html


@pytest.fixture(scope="module")
def pages(printed):
    return pdf_pages_text(printed[0])


def squash(text: str) -> str:
    return " ".join(text.split())


def test_pdf_text_holds_country_pillars_and_scores(data, printed, pages):
    assert printed[0].read_bytes().startswith(b"%PDF-")
    text = squash(" ".join(pages))
    assert data.info.country_name in text and data.info.round in text
    for p in data.scores.pillars.itertuples():  # the profile chart's vector text: a whole level ("2+"), its spread
        shown = p.label if p.min_level == p.max_level else f"{p.label} ({spread_text(p.min_level, p.max_level)})"
        assert f"{p.pillar} {shown} " in text, p.pillar


def test_pages_are_numbered_with_a_running_header(data, pages):
    n = len(pages)
    assert n > 20
    assert "Page 1 of" in squash(pages[0]) and f"Page {n} of {n}" in squash(pages[-1])
    for k, page in enumerate(pages[1:], start=2):
        assert f"Page {k} of {n}" in squash(page)
        assert f"{data.info.country_name} (fictional) · {FOLLOW_UP} · DRAFT" in squash(page), k


def test_contents_give_the_page_of_each_chapter(data, pages):
    contents = next(p for p in pages if "Contents" in p and "Executive summary" in p)
    found = dict((squash(m.group(1)).rstrip(" ."), int(m.group(2)))
                 for m in re.finditer(r"^\s*(\S.*?)[ .]{3,}(\d+)\s*$", contents, re.M))
    for chapter in ("Executive summary", *[p.name for p in data.framework.pillars], "Road map",
                    "Donor map", "Annex A. Methodology and moderation", "Annex B. Ratings, criteria and evidence"):
        assert chapter in found, (chapter, found)
        page = pages[found[chapter] - 1]
        assert chapter in squash(page), f"{chapter} is not on page {found[chapter]}"
    assert list(found.values()) == sorted(found.values())


def test_charts_are_vectors_and_the_document_count_matches(printed, pages):
    pypdf = pytest.importorskip("pypdf", reason="pypdf reads the page resources")
    reader = pypdf.PdfReader(str(printed[0]))
    assert len(reader.pages) == len(pages) == pdf_page_count(printed[0])
    assert all(len(p.images) == 0 for p in reader.pages), "charts must be vector drawings, not raster images"


OUTSIDE = ['<img src="https://example.org/x.png" alt="x">', '<link rel="stylesheet" href="http://example.org/x.css">',
           '<img src="file:///etc/hostname" alt="x">']


# WeasyPrint does not load iframes at all; a browser would
@pytest.mark.parametrize("engine,snippet", [pytest.param("chromium", s, marks=NEEDS_CHROMIUM) for s in OUTSIDE]
                         + [("weasyprint", s) for s in OUTSIDE]
                         + [pytest.param("chromium", '<iframe src="http://example.org/" title="x"></iframe>',
                                         marks=NEEDS_CHROMIUM)])
def test_no_engine_prints_a_document_that_asks_for_outside_resources(engine, snippet, tmp_path):
    with pytest.raises(RenderError, match=r"Error fetching .*(example\.org|file:).* refused"):
        write_pdf(f"<html><body><p>x</p>{snippet}</body></html>", tmp_path / "x.pdf", engine=engine)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("engine", ENGINES)
def test_a_pdf_is_written_whole_or_not_at_all(engine, tmp_path):
    target = tmp_path / "x.pdf"
    with pytest.raises(RenderError):
        write_pdf('<html><body><img src="https://example.org/x.png" alt="x"></body></html>', target, engine=engine)
    assert not target.exists() and list(tmp_path.iterdir()) == []
    assert write_pdf("<html><body><p>ok</p></body></html>", target, engine=engine) == 1 and target.is_file()


def test_the_engine_is_chosen_by_argument_environment_or_what_is_installed(monkeypatch, tmp_path):
    monkeypatch.setenv("WORKBOOK_PDF_ENGINE", "weasyprint")
    assert pdf_engine() == "weasyprint" and pdf_engine("chromium") == "chromium"
    monkeypatch.setenv("WORKBOOK_PDF_ENGINE", "auto")
    monkeypatch.setenv("WORKBOOK_CHROMIUM", str(tmp_path / "no-such-browser"))
    assert pdf_engine() == "weasyprint"  # auto: no Chromium, WeasyPrint prints
    monkeypatch.setenv("WORKBOOK_PDF_ENGINE", "latex")
    with pytest.raises(RenderError, match="unknown PDF engine 'latex': use one of auto, chromium, weasyprint"):
        pdf_engine()


def test_contents_pages_follow_the_outline_forward():
    outline = [("Summary", 3), ("Administration", 5), ("Findings", 6), ("Operations", 8), ("Findings", 9)]
    headings = ["Summary", "Operations", "Findings", "Missing", None]
    assert chromium.contents_pages(headings, outline) == [3, 8, 9, None, None]
    # a heading that wraps on its page is bookmarked with its lines joined without a space
    wrapped = [("Annexe C. L'équipe", 78), ("Annexe D. Correspondance avec lesobjectifs", 79)]
    assert chromium.contents_pages(["Annexe D. Correspondance avec les objectifs"], wrapped) == [79]


CHAPTERS = ("Alpha chapter", "Bravo chapter", "Charlie chapter")


def contents_document(lengths: tuple[int, ...]) -> str:
    """A contents block, then each chapter on new pages, ``lengths[i]`` pages of text long."""
    toc = "".join(f'<li><a class="mbm-toc-link" href="#c{i}">{t}</a></li>' for i, t in enumerate(CHAPTERS))
    body = "".join(f'<h2 id="c{i}" style="break-before: page">{t}</h2>'
                   + "".join(f'<p style="break-before: page">text {i}.{k}</p>' for k in range(1, n))
                   for i, (t, n) in enumerate(zip(CHAPTERS, lengths)))
    return f'<!DOCTYPE html><html><body><nav class="mbm-toc"><ol>{toc}</ol></nav>{body}</body></html>'


def contents_read_back(pdf: bytes) -> dict[str, int]:
    from io import BytesIO

    from pypdf import PdfReader
    first = PdfReader(BytesIO(pdf)).pages[0].extract_text()
    return {t: int(m.group(1)) for t in CHAPTERS if (m := re.search(re.escape(t) + r"\D*?(\d+)", first))}


@NEEDS_CHROMIUM
def test_a_document_printed_again_takes_one_pass_when_its_contents_pages_still_hold(monkeypatch):
    pytest.importorskip("pypdf")
    printer = chromium.ChromiumPrinter()
    passes = []
    plain = chromium.ChromiumPrinter._pdf

    def counted(self, outline):
        passes.append(1)
        return plain(self, outline)
    monkeypatch.setattr(chromium.ChromiumPrinter, "_pdf", counted)
    try:
        first, _ = printer.print(contents_document((2, 3, 1)))
        assert len(passes) == 2 and contents_read_back(first) == dict(zip(CHAPTERS, (2, 4, 7)))
        passes.clear()
        again, _ = printer.print(contents_document((2, 3, 1)))  # same layout: the pages found last time hold
        assert len(passes) == 1 and contents_read_back(again) == contents_read_back(first)
        passes.clear()
        longer, count = printer.print(contents_document((2, 5, 1)))  # a chapter grew: the guess is corrected
        assert len(passes) == 2 and contents_read_back(longer) == dict(zip(CHAPTERS, (2, 4, 9))) and count == 9
    finally:
        printer.close()


@NEEDS_CHROMIUM
def test_a_browser_that_died_is_started_again(tmp_path):
    import psutil
    assert write_pdf("<html><body><p>one</p></body></html>", tmp_path / "1.pdf", engine="chromium") == 1

    def chromium_processes():
        found = []
        for p in psutil.Process().children(recursive=True):
            try:
                if "chrom" in p.name().lower():
                    found.append(p)
            except psutil.Error:  # gone between the listing and the look (e.g. another test's helper)
                continue
        return found
    browsers = chromium_processes()
    assert browsers
    for p in browsers:
        try:
            p.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(browsers, timeout=10)
    assert write_pdf("<html><body><p>two</p></body></html>", tmp_path / "2.pdf", engine="chromium") == 1
    assert "two" in " ".join(pdf_pages_text(tmp_path / "2.pdf"))


def _fonts(pdf_path) -> set[str]:
    """The base names of the fonts a PDF embeds (subset prefixes dropped)."""
    from pypdf import PdfReader
    found = set()
    for page in PdfReader(str(pdf_path)).pages:
        for font in (page.get("/Resources") or {}).get("/Font", {}).values():
            found.add(str(font.get_object().get("/BaseFont", "")).split("+")[-1].lstrip("/"))
    return found


@pytest.mark.parametrize("engine", ENGINES)
def test_an_arabic_report_prints_right_to_left_in_the_arabic_font(engine, tmp_path):
    """Both engines print Arabic with the installed Arabic font (Debian's Noto Sans Arabic UI, found
    through fontconfig; nothing downloaded), and the text reads back in Arabic."""
    from nbformat.v4 import new_markdown_cell, new_notebook

    from workbook.present.fonts import arabic_font
    from workbook.report.render import render_html
    if arabic_font() != "Noto Sans Arabic UI":
        pytest.skip("Debian's fonts-noto-ui-core is not installed (make fonts)")
    nb = new_notebook(cells=[new_markdown_cell("إدارة الحدود: تقييم قدرات إدارة الهجرة والحدود في أتلانتس.")])
    nb.metadata["mbm"] = {"kind": "report", "lang": "ar", "dir": "rtl", "status": "draft"}
    path = tmp_path / "ar.pdf"
    write_pdf(render_html(nb), path, engine)
    assert any(f.replace("-", "").startswith("NotoSansArabicUI") for f in _fonts(path)), _fonts(path)
    text = squash(" ".join(pdf_pages_text(path)))
    assert "الحدود" in text or "الحدود"[::-1] in text, text[:200]

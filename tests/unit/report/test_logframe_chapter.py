"""The chapter "Results framework (logframe)": the committed road map's logframe in the country
report, HTML and PDF, row for row as :func:`workbook.roadmap.logframe.build_logframe` gives it."""
from __future__ import annotations

import re

import pytest

from support.reports import ReportPage, notebooks_for, pdf_pages_text
from workbook.framework import load_framework
from workbook.report import build_report, load_report_data
from workbook.report.country import chapters
from workbook.report.logframe import verification
from workbook.roadmap.funding import FundingStore
from workbook.roadmap.logframe import build_logframe


@pytest.fixture(scope="module")
def report(rich_store, tmp_path_factory):
    """XAT's baseline round (12 committed packages), printed by WeasyPrint."""
    data = load_report_data("XAT", "baseline 2026", store=rich_store)
    folder = tmp_path_factory.mktemp("logframe")
    mp = pytest.MonkeyPatch()
    mp.setenv("WORKBOOK_PDF_ENGINE", "weasyprint")
    try:
        html = build_report(data, notebooks_for(data), folder / "report.html", pdf=folder / "report.pdf")
    finally:
        mp.undo()
    return data, html, folder / "report.pdf"


@pytest.fixture(scope="module")
def expected(rich_store):
    a = rich_store.get_assessment("XAT", "baseline 2026")
    funding = FundingStore(rich_store)
    return build_logframe(funding.road_map(a.id), load_framework(version=a.framework_version),
                          funding.library_of(a.id), a.country_name)


def _squash(text: str) -> str:
    return " ".join(str(text).split())


def test_the_logframe_chapter_holds_every_row(report, expected):
    data, html, _pdf = report
    assert ("logframe", "Results framework (logframe)") in chapters(data)
    page = ReportPage(html)
    caption = next(" ".join(c.text.split()) for c in page.find("caption") if "Logframe of the committed" in c.text)
    body = page.table_with_caption(caption)[1:]
    assert len(body) == len(expected) and (expected["level"] == "output").sum() == 12
    for row, r in zip(body, expected.itertuples()):
        assert row[0][1] == f"{r.level.capitalize()} {r.ref}"
        assert row[1][1] == _squash(r.result) and row[2][1] == _squash(r.indicators)
        assert row[3][1] == _squash(verification(r.verification)) and row[4][1] == _squash(r.assumptions)
    assert expected.iloc[0]["level"] == "impact" and "SDG target 10.7" in expected.iloc[0]["result"]


def test_the_logframe_chapter_reads_back_from_the_pdf(report, expected):
    _data, _html, pdf = report
    pages = [" ".join(p.split()) for p in pdf_pages_text(pdf)]
    start = next(k for k, p in enumerate(pages) if "Logframe of the committed road map" in p)
    chapter = [p for p in pages[start:] if "IN REVIEW Results framework (logframe)" in p]  # its running header
    text = " ".join(chapter)
    for r in expected.itertuples():  # the level column holds "Outcome O3": word and reference on their lines
        assert f"{r.level.capitalize()} {r.ref}" in text or f" {r.ref} " in text, r.ref
    outputs = expected[expected["level"] == "output"]
    for title in outputs["result"]:  # a column wraps the title (at a hyphen too): each word of it
        assert all(w in text for w in re.findall(r"[A-Za-z0-9/]+", title.split(" (")[0])), title
    assert "SDG indicator 10.7.2" in text

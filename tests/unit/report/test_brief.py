"""The two-page donor brief: from the same data as the report, always two printed pages."""
from __future__ import annotations

import pytest

from support.reports import (FOLLOW_UP, ReportPage, check_heading_order, pdf_page_count, pdf_pages_text,
                            remote_loads)
from workbook.report import build_brief, load_report_data, render_pdf


@pytest.fixture(scope="module", params=[("XAT", FOLLOW_UP), ("XBO", None)], ids=["with-road-map", "no-road-map"])
def brief(request, rich_store, tmp_path_factory):
    code, round_name = request.param
    data = load_report_data(code, round_name, store=rich_store)
    folder = tmp_path_factory.mktemp("brief")
    html = build_brief(data, folder / "brief.html", pdf=folder / "brief.pdf")
    return data, html, folder / "brief.pdf"


def test_the_brief_prints_on_two_pages(brief):
    data, html, pdf = brief
    assert len(render_pdf(html).pages) == 2
    assert pdf_page_count(pdf) == 2


def test_the_brief_states_the_profile_gaps_and_support(brief):
    data, html, pdf = brief
    page = ReportPage(html)
    check_heading_order(page.headings)
    h2 = [t for lvl, t in page.headings if lvl == 2]
    assert h2[:4] == ["Where capacity stands", "Strengths", "Main gaps", "Data quality"]
    assert "Where support is needed" in h2 and "Support already under way" in h2
    assert ("Change since baseline 2026" in h2) == (data.follow_up is not None)
    rows = page.table_with_caption("Table 1. Pillar scores")[1:]
    for row, p in zip(rows, data.scores.pillars.itertuples()):
        assert row[0][1] == p.pillar and float(row[1][1]) == pytest.approx(p.score, abs=0.005)
    img = page.find("img")
    assert len(img) == 1 and all(f"{p.pillar}: {p.score:.1f}" in img[0].attrs["alt"]
                                 for p in data.scores.pillars.itertuples())
    if len(data.roadmap.table):
        assert "Road map: first recommendations" in html
    else:
        assert "Suggested actions (not yet adopted)" in html
    assert remote_loads(html) == [] and not page.find("script")


def test_the_brief_pdf_text(brief):
    data, html, pdf = brief
    text = " ".join(" ".join(pdf_pages_text(pdf)).split())
    assert f"{data.info.country_name} (fictional): donor brief" in text
    for p in data.scores.pillars.itertuples():
        assert p.pillar in text and f"{p.score:.2f}" in text

"""The two-page donor brief: from the same data as the report, always two printed pages."""
from __future__ import annotations

import re

import pytest

from support.reports import (FOLLOW_UP, ReportPage, check_heading_order, pdf_page_count, pdf_pages_text,
                            remote_loads)
from support.browser import chromium_available
from workbook.report import build_brief, load_report_data, render_pdf
from workbook.roadmap.costing import millions, money
from workbook.roadmap.funding import FundingStore


@pytest.fixture(scope="module", params=[("XAT", FOLLOW_UP), ("XBO", None), ("XSY", None)],
                ids=["with-road-map", "no-road-map", "demo-follow-up"])
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
    assert h2[:4] == ["Where capacity stands", "Strengths", "Main gaps", "Warnings and data quality"]
    assert h2[4:6] == ["Contribution areas", "Where support is needed"] and "Support already under way" in h2
    assert [t for t in h2 if t.startswith("Change since")] == (
        [f"Change since {data.follow_up.baseline}"] if data.follow_up is not None else [])
    rows = page.table_with_caption("Table 1. Pillar levels")[1:]
    for row, p in zip(rows, data.scores.pillars.itertuples()):
        assert row[0][1] == p.pillar and row[1][1] == p.label
        assert row[2][1] == (f"{int(p.min_level)}" if p.min_level == p.max_level
                             else f"{int(p.min_level)}–{int(p.max_level)}")
    img = page.find("img")
    assert len(img) == 1 and all(f"{p.pillar}: level {p.label}, sub-areas" in img[0].attrs["alt"]
                                 for p in data.scores.pillars.itertuples())
    areas = page.table_with_caption("Table 2. Contribution areas")[1:]
    assert [r[0][1] for r in areas] == [a.name for a in data.framework.contribution_areas]
    sub = data.scores.subareas
    for row, area in zip(areas, data.framework.contribution_areas):
        serving = sub[sub["subarea_id"].isin([s.id for s in data.framework.subareas.values()
                                              if area.id in s.contributes])]
        assert row[2][1] == ", ".join(f"{k} at level {lv}" for lv in range(1, 6)
                                      if (k := int((serving["level"] == lv).sum())))
        weakest = serving.sort_values(["level", "min_level"], kind="stable").iloc[0]
        assert row[3][1].startswith(f"{weakest.subarea_id} {weakest.label}")
    warned = sub[sub["warning"] != ""]
    text = " ".join(html.split())
    if len(warned):
        assert f"{len(warned)} sub-area(s) read level 3 or above with an indicator at level 2 or below" in text
        first = warned.iloc[0]
        assert f"{first.subarea_id} at {first.label} (" in text
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
        assert p.pillar in text
    assert re.search(r"Table 1\. Pillar levels .*? Administration (\d\+?) ", text).group(1) == \
        data.scores.pillars.set_index("pillar_id").loc["ADM", "label"]
    assert not re.search(r"\b\d\.\d{2}\b", text), "no 3.25-style number in the brief"


# -- the funding summary: the brief of a round whose team committed a road map ----------------------
NO_CHROMIUM = pytest.mark.skipif(not chromium_available(), reason="Chromium not installed")
ENGINES = [pytest.param("chromium", marks=NO_CHROMIUM), "weasyprint"]


@pytest.fixture(scope="module", params=ENGINES)
def summary(request, rich_store, tmp_path_factory):
    """XAT's baseline round: the demo committed 12 packages there, two of them funded by the EU."""
    data = load_report_data("XAT", "baseline 2026", store=rich_store)
    folder = tmp_path_factory.mktemp("summary")
    mp = pytest.MonkeyPatch()
    mp.setenv("WORKBOOK_PDF_ENGINE", request.param)
    try:
        html = build_brief(data, folder / "brief.html", pdf=folder / "brief.pdf")
    finally:
        mp.undo()
    return data, html, folder / "brief.pdf"


def _read_back(pdf) -> list[str]:
    # a range broken after its dash at the end of a line reads "3.4- 8.4": join it again
    return [re.sub(r"(\d)- (\d)", r"\1-\2", " ".join(p.split())) for p in pdf_pages_text(pdf)]


def test_the_funding_summary_prints_whole_on_two_pages(summary):
    data, html, pdf = summary
    pages = _read_back(pdf)
    assert pdf_page_count(pdf) == 2 and len(pages) == 2
    text = " ".join(pages)
    assert "\u2026" not in text and "\u2026" not in html and "..." not in text, "nothing is shortened"
    assert f"{data.info.country_name} (fictional): funding summary" in pages[0]
    h2 = [t for lvl, t in ReportPage(html).headings if lvl == 2]
    assert h2 == ["What the country needs", "What it costs", "What changes, and for whom",
                  "What is already funded, and by whom", "The ask",
                  "Alignment with the SDGs and the Global Compact for Migration"]
    assert "What the country needs" in pages[0] and "What it costs" in pages[0]
    assert "The ask" in pages[1] and "Global Compact for Migration" in pages[1]


def test_the_funding_summary_states_what_funding_computes(summary, rich_store):
    data, html, pdf = summary
    text = " ".join(_read_back(pdf))
    a = rich_store.get_assessment("XAT", "baseline 2026")
    funding = FundingStore(rich_store)
    road, view = funding.road_map(a.id), funding.funding_view(a.id)
    assert len(road.committed) == 12
    assert f"costs {money(*road.total)} in all" in text
    assert f"Donors are asked for {money(*view.ask)} for the {int((view.table['funding_status'] == 'gap').sum())} " \
           "committed packages nobody funds yet" in text
    assert view.ask[0] > 0 and view.ask[1] > view.ask[0]
    years = ", ".join(sorted(set(road.committed_lines()["price_year"].astype(str))))
    assert f"in USD million at {years} prices" in text
    horizon = road.totals("horizon").set_index("horizon")
    for key, label in (("short", "Short term (first 18 months)"), ("long", "Long term (up to five years)"),
                       ("all", "All packages")):
        r = horizon.loc[key]
        cells = " ".join(millions(r[f"{c}_low"], r[f"{c}_high"])
                         for c in ("ta", "capital", "recurrent", "total"))
        assert f"{label} {cells}" in text, (label, cells)
    for p in data.scores.pillars.itertuples():
        assert p.pillar in text
    for r in view.by_donor.itertuples():
        assert f"{r.donor} funds" in text and money(r.low, r.high) in text
    for title in view.table.loc[view.table["funding_status"] == "gap", "title"]:
        assert title in text, title  # whole titles, never cut
    tags = road.tags()
    ten_seven = tags[(tags["tag"] == "SDG target") & (tags["value"] == "10.7")].iloc[0]
    low_high = millions(ten_seven.low, ten_seven.high)
    assert f"10.7 ({ten_seven.n_packages}, {low_high})" in text

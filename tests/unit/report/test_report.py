"""The country report: structure, numbers (checked against the scoring functions, not golden
bytes), every chapter, accessibility basics and no remote resources. Executed notebooks are built
inline here from the same functions the notebooks call (no kernels); tests/test_batch.py checks
reports built from really executed notebooks, tests/test_pdf.py the printed PDF. The shared
helpers and the rich demo database are in tests/support/reports.py (fixtures in conftest.py)."""
from __future__ import annotations

import base64
import dataclasses
import math
import re

import pytest

from support.reports import (FOLLOW_UP, INITIATIVES, ReportPage, check_heading_order, executed_notebook, load_data,
                            notebooks_for, remote_loads)
from workbook import report
from workbook.report import ReportError, compose_report, load_report_data, render_html
from workbook.roadmap import compare_scores


@pytest.fixture(scope="session")
def baseline(rich_url):
    return load_data(rich_url, "XAT", "baseline 2026")


@pytest.fixture(scope="session")
def html_text(data) -> str:
    return render_html(compose_report(data, notebooks_for(data)))


@pytest.fixture(scope="session")
def page(html_text) -> ReportPage:
    return ReportPage(html_text)


def h2_texts(page) -> list[str]:
    return [text for level, text in page.headings if level == 2]


def table_rows(page, caption_start: str) -> list[list[str]]:
    return [[x for _, x in row] for row in page.table_with_caption(caption_start)[1:]]


# -- cover, contents, structure ------------------------------------------------------------------
def test_cover_states_the_assessment(data, page):
    info = data.info
    assert info.fictional and info.status == "draft" and info.round == FOLLOW_UP
    assert page.headings[0] == (1, f"{info.country_name} (fictional)")
    facts = {dt_el.text.strip(): " ".join(dd.text.split()) for dt_el, dd in zip(page.find("dt"), page.find("dd"))}
    assert list(facts)[:7] == ["Country", "Round", "Assessment dates", "Report date", "Status", "Framework", "Team"]
    assert facts["Country"] == f"{info.country_name} ({info.country_code}) (fictional)"
    assert facts["Round"] == FOLLOW_UP
    assert facts["Assessment dates"] == f"{info.created_at.date().isoformat()} to {info.updated_at.date().isoformat()}"
    assert facts["Report date"] == data.generated.isoformat()
    assert facts["Status"].startswith("draft")
    assert facts["Framework"].endswith(f"{data.framework.id} version {data.framework.version}")
    for name, _org, role in info.team:
        assert f"{name} ({role} expert)" in facts["Team"]
    assert any("Fictional country" in el.text for el in page.find("span"))
    running = next(el for el in page.elements if "mbm-running" in el.attrs.get("class", ""))
    assert running.text == f"{info.country_name} (fictional) · {FOLLOW_UP} · DRAFT"


def test_a_final_assessment_says_so(data):
    final = dataclasses.replace(data, info=dataclasses.replace(data.info, status="final"))
    text = render_html(compose_report(final, notebooks_for(final)))
    assert "final: endorsed results" in text and "DRAFT" not in text and "mbm-status-final" in text


def test_headings_in_order_and_the_contents_link_every_chapter(data, page):
    check_heading_order(page.headings)
    chapters = [p.name for p in data.framework.pillars]
    assert h2_texts(page) == ["Contents", "Executive summary", "Methodology", *chapters, "Road map", "Donor map",
                              "Follow-up since baseline 2026", "Annex A. Ratings and evidence",
                              "Annex B. The assessment team",
                              "Annex C. Crosswalk to SDG 10.7 and GCM objectives 7 and 11"]
    links = [el for el in page.find("a") if "mbm-toc-link" in el.attrs.get("class", "")]
    assert [a.text for a in links] == h2_texts(page)[1:]
    ids = {el.attrs.get("id") for el in page.elements}
    assert all(a.attrs["href"][1:] in ids for a in links)
    assert not any(text.startswith("Notebook title") for _, text in page.headings)


def test_figures_and_tables_are_numbered_in_order(page):
    figures = [" ".join(el.text.split()) for el in page.find("figcaption")]
    assert [int(re.match(r"Figure (\d+)\. ", f).group(1)) for f in figures] == list(range(1, len(figures) + 1))
    captions = [" ".join(el.text.split()) for el in page.find("caption")]
    assert [int(re.match(r"Table (\d+)\. ", c).group(1)) for c in captions] == list(range(1, len(captions) + 1))
    assert len(figures) == 1 + 4 + 2  # profile, four pillars, Gantt, dumbbell
    assert len(page.find("figure")) == len(figures)


# -- numbers against the scoring functions ---------------------------------------------------------
def test_pillar_table_matches_scoring(data, page):
    header = page.table_with_caption("Table 1. Pillar scores")[0]
    assert [t for t, _ in header] == ["th"] * 6
    rows = table_rows(page, "Table 1. Pillar scores")
    pillars = data.scores.pillars
    assert [r[0] for r in rows] == list(pillars["pillar"])
    for cells, p in zip(rows, pillars.itertuples()):
        assert not math.isnan(p.score)
        assert float(cells[1]) == pytest.approx(p.score, abs=0.005)
        assert float(cells[2]) == pytest.approx(p.unweighted, abs=0.005)
        low, high = (float(x) for x in cells[3].split(" to "))
        assert (low, high) == (pytest.approx(p.sensitivity_low, abs=0.005),
                               pytest.approx(p.sensitivity_high, abs=0.005))
        assert cells[4] == f"{round(p.completion * 100)}% ({p.n_rated} of {p.n_applicable})"
        assert cells[5] == p.confidence


def test_scores_differ_between_countries(rich_store):
    """The numbers come from the assessment asked for, not from anything cached."""
    a = load_report_data("XAT", "baseline 2026", store=rich_store, roadmap=False).scores.pillars["score"].round(2)
    b = load_report_data("XBO", store=rich_store, roadmap=False).scores.pillars["score"].round(2)
    assert a.tolist() != b.tolist()


def test_summary_states_strengths_gaps_and_data_quality(data, html_text, page):
    sub = data.scores.subareas
    best = sub.dropna(subset=["score"]).sort_values("score", ascending=False).iloc[0]
    items = [" ".join(li.text.split()) for li in page.find("li")]
    if best.score >= 3.5:
        assert any(i.startswith(f"{best.subarea_id} {best.subarea}: {best.score:.2f}") for i in items)
    top = data.targets.sort_values("rank").iloc[0]
    assert any(i.startswith(f"{top.subarea_id} {top.subarea}: {top.score:.2f}") and f"priority {top.priority:.1f}" in i
               for i in items)
    ind = data.scores.indicators
    rated = int(data.scores.pillars["n_rated"].sum())
    assert f"{rated} of {int(data.scores.pillars['n_applicable'].sum())} applicable indicators rated" in html_text
    assert f"{int(ind['disagreement'].sum())} national/external disagreements" in html_text
    low = int((ind["confidence"] == "low").sum())
    assert f"{low} low (shown next to every score" in html_text


def test_charts_are_svg_images_with_alt_text_stating_values(data, page):
    imgs = page.find("img")
    assert len(imgs) == 7
    for img in imgs:
        assert img.attrs["src"].startswith("data:image/svg+xml;base64,")
        svg = base64.b64decode(img.attrs["src"].split(",", 1)[1]).decode()
        assert svg.lstrip().startswith("<svg"), "no XML prologue or DOCTYPE"
        assert len(img.attrs.get("alt", "").strip()) > 40
    for p in data.scores.pillars.itertuples():
        assert f"{p.pillar}: {p.score:.1f}" in imgs[0].attrs["alt"]
    sub = data.scores.subareas
    first = data.framework.pillars[0]
    for s in sub[sub["pillar_id"] == first.id].itertuples():
        assert f"{s.subarea}: {'not scored' if math.isnan(s.score) else f'{s.score:.1f}'}" in imgs[1].attrs["alt"]


def test_methodology_is_written_from_the_framework(data, html_text, page):
    fw = data.framework
    levels = table_rows(page, "Table 2. The five levels")
    assert levels == [[str(lv.level), lv.name, lv.summary] for lv in fw.scale.levels]
    codes = table_rows(page, "Table 3. Codes")
    assert [r[0] for r in codes] == [c.code for c in fw.scale.codes]
    rules = table_rows(page, "Table 4. Evidence rules")
    assert [r[2] for r in rules] == [r.text for r in sorted(fw.evidence_rules, key=lambda r: r.level)]
    weights = table_rows(page, "Table 6. Sub-area weights")
    assert [(r[0], float(r[2]), r[3]) for r in weights] == [(f"{s.id} {s.name}", s.weight, s.criticality)
                                                           for s in fw.subareas.values()]
    assert f"never more than {fw.aggregation.legal_cap} level(s) above its weakest legal-lens indicator" in html_text
    assert (f"version {fw.version}: 4 pillars, {len(fw.subareas)} sub-areas and {len(fw.indicators)} indicators"
            in html_text)


def test_pillar_chapters_hold_the_notebook_outputs_findings_and_disagreements(data, html_text, page):
    ind = data.scores.indicators
    notes = dict(zip(data.ratings["indicator_id"], data.ratings["notes"]))
    h4 = [text for level, text in page.headings if level == 4]
    assert h4 == [f"{s.id} {s.name}" for s in data.framework.subareas.values()]
    for p in data.framework.pillars:
        assert f"{p.name}: sub-area scores, XAT" in html_text  # the notebook's own table caption
        d = ind[(ind["pillar_id"] == p.id) & ind["disagreement"]]
        if len(d):
            rows = table_rows(page, next(c for c in (" ".join(x.text.split()) for x in page.find("caption"))
                                         if c.endswith(f"{p.name}: national and external ratings more than one "
                                                       "level apart")))
            assert [(r[0], r[1], r[2]) for r in rows] == [(f"{x.indicator_id} {x.indicator}", x.national, x.external)
                                                         for x in d.itertuples()]
    findings = [" ".join(li.text.split()) for li in page.find("li") if li.text.strip().startswith(("ADM.", "OPS.",
                                                                                                  "REG.", "INF."))]
    for iid, indicator in list(data.framework.indicators.items())[:12]:
        rating = ind.set_index("indicator_id").loc[iid, "agreed"] or "not rated"
        assert any(f.startswith(f"{iid} {indicator.name} (rating {rating}): {notes[iid] or 'No note'}")
                   for f in findings), iid


def test_road_map_chapter_lists_recommendations_in_sequence(data, page):
    rows = table_rows(page, next(" ".join(c.text.split()) for c in page.find("caption")
                                 if "Sequenced recommendations" in c.text))
    t = data.roadmap.table
    assert len(t) and [r[0] for r in rows] == [f"{o}. {title}" for o, title in zip(t["order"], t["title"])]
    gantt = next(img for img in page.find("img") if img.attrs["alt"].startswith("Gantt chart"))
    for r in t.itertuples():
        assert f"{r.order}. {r.title}: {r.start.isoformat()[:10]} to {r.end.isoformat()[:10]}" in gantt.attrs["alt"]


def test_road_map_without_recommendations_lists_the_top_suggestions(rich_store):
    data = load_report_data("XBO", store=rich_store)
    assert data.roadmap.table.empty and len(data.suggestions)
    page = ReportPage(render_html(compose_report(data, notebooks_for(data))))
    rows = table_rows(page, next(" ".join(c.text.split()) for c in page.find("caption")
                                 if "Top suggested actions" in c.text))
    assert [r[0] for r in rows] == list(data.suggestions["title"])[:12]
    assert "Follow-up since" not in [t for _, t in page.headings]
    assert "No initiative is recorded for this country." in " ".join(p.text for p in page.find("p"))


def test_donor_map_chapter_shows_initiatives_overlaps_and_unfunded_gaps(data, page):
    dm = data.donor_map
    rows = table_rows(page, next(" ".join(c.text.split()) for c in page.find("caption")
                                 if "Capacity-building initiatives" in c.text))
    assert sorted(r[0] for r in rows) == sorted(i["title"] for i in INITIATIVES)
    assert len(dm.overlaps) == 1
    overlaps = table_rows(page, next(" ".join(c.text.split()) for c in page.find("caption")
                                     if "different donors" in c.text))
    assert overlaps[0][1] in ("EU / Japan", "Japan / EU")
    unfunded = table_rows(page, next(" ".join(c.text.split()) for c in page.find("caption")
                                     if "no committed funding" in c.text))
    assert [r[0].split()[0] for r in unfunded] == list(dm.unfunded["subarea_id"])
    assert not {"INF.1", "INF.2"} & {r[0].split()[0] for r in unfunded}, "funded sub-areas are not gaps"


def test_follow_up_chapter_compares_with_the_baseline(data, baseline, page):
    comp = compare_scores(baseline.scores, data.scores)
    rows = table_rows(page, next(" ".join(c.text.split()) for c in page.find("caption")
                                 if "Change per pillar" in c.text))
    for r, p in zip(rows, comp.pillars.itertuples()):
        assert r[0] == p.pillar and float(r[3]) == pytest.approx(p.change, abs=0.005)
    inf = comp.pillars.set_index("pillar_id").loc["INF"]
    assert inf.change > 0
    dumbbell = next(img for img in page.find("img") if img.attrs["alt"].startswith("Dumbbell"))
    for s in comp.subareas.itertuples():
        assert f"{s.subarea}: {s.baseline:.1f} to {s.followup:.1f}" in dumbbell.attrs["alt"]


def test_annexes_hold_every_rating_with_its_evidence_the_team_and_the_crosswalk(data, page):
    fw = data.framework
    ind = data.scores.indicators.set_index("indicator_id")
    rows = []
    for p in fw.pillars:
        rows += table_rows(page, next(" ".join(c.text.split()) for c in page.find("caption")
                                      if c.text.strip().endswith(f"{p.name}: every rating with its evidence")))
    assert [r[0] for r in rows] == [f"{i} {x.name}" for i, x in fw.indicators.items()]
    ev = data.evidence
    for r in rows:
        iid = r[0].split()[0]
        assert r[3] == (ind.loc[iid, "agreed"] or "–")
        for source in ev.loc[ev["indicator_id"] == iid, "source"]:
            assert source in r[6]
    team = table_rows(page, next(" ".join(c.text.split()) for c in page.find("caption")
                                 if "The assessment team" in c.text))
    assert [r[0] for r in team] == [n for n, _o, _r in data.info.team]
    for ref in ("SDG-10.7", "SDG-10.7.2", "GCM-7", "GCM-11"):
        linked = [f"{i} {x.name}" for i, x in fw.indicators.items() if any(c.ref == ref for c in x.crosswalk)]
        rows = table_rows(page, next(" ".join(c.text.split()) for c in page.find("caption")
                                     if c.text.strip().endswith(f"Indicators linked to {ref}")))
        assert [r[0] for r in rows] == linked and linked


def test_tables_have_header_cells(page):
    assert len(page.tables) > 20
    for table in page.tables:
        assert table[0] and all(tag == "th" for tag, _ in table[0])


def test_only_report_outputs_no_code_prompts_widgets_or_scripts(data, html_text, page):
    for marker in ("INTERACTIVE-OUTPUT", "WIDGET-PLACEHOLDER", "WIDGET-IN-REPORT", "STDERR-NOISE",
                   "PARAMS-OUTPUT", "UNTAGGED", "import workbook", "page.chart()", "In&nbsp;[", "Out["):
        assert marker not in html_text, marker
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
    notebooks = notebooks_for(data)
    del notebooks[data.framework.pillars[0].id]
    with pytest.raises(ReportError, match=data.framework.pillars[0].id):
        compose_report(data, notebooks)


def test_pillar_notebook_without_report_output_is_an_error(data):
    notebooks = notebooks_for(data)
    first = data.framework.pillars[0].id
    for cell in notebooks[first].cells:
        if "report" in cell.metadata.get("tags", []):
            cell.outputs = []
    with pytest.raises(ReportError, match=f"pillar {first}"):
        compose_report(data, notebooks)


def test_template_alone_drops_interactive_cells_and_code(data):
    """An analyst running nbconvert with our template on an executed notebook gets a clean page."""
    from nbconvert import HTMLExporter
    exporter = HTMLExporter(template_name=report.TEMPLATE_NAME,
                            extra_template_basedirs=[str(report.template_dir())])
    body, _ = exporter.from_notebook_node(executed_notebook(data, "ADM"))
    assert "INTERACTIVE-OUTPUT" not in body and "PARAMS-OUTPUT" not in body and "page.chart()" not in body
    assert "Administration: sub-area scores" in body
    assert remote_loads(body) == []
    assert not ReportPage(body).find("script")

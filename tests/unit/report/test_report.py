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
from workbook.scoring import METHOD_NAMES, Scores

DECIMAL = re.compile(r"\b\d\.\d{2}\b")  # a 3.25-style number: never a headline


def spread(low, high) -> str:
    """How the report writes a spread of whole levels (written out here, not taken from the code)."""
    return f"{int(low)}" if low == high else f"{int(low)}–{int(high)}"


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
    assert h2_texts(page) == ["Contents", "Executive summary", "Contribution areas", *chapters, "Road map",
                              "Donor map", "Follow-up since baseline 2026", "Annex A. Methodology and moderation",
                              "Annex B. Ratings, criteria and evidence", "Annex C. The assessment team",
                              "Annex D. Crosswalk to SDG 10.7 and GCM objectives 7 and 11"]
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
def test_pillar_table_shows_levels_and_their_spread_not_means(data, page):
    header = page.table_with_caption("Table 1. Pillar profiles")[0]
    assert [t for t, x in header] == ["th"] * 8
    assert [x for _, x in header] == ["Pillar", "Level", "Sub-areas (spread)", "Sub-areas at each level",
                                      "Method range", "Normative alignment", "Completion", "Confidence"]
    rows = table_rows(page, "Table 1. Pillar profiles")
    pillars = data.scores.pillars
    assert [r[0] for r in rows] == list(pillars["pillar"])
    for cells, p in zip(rows, pillars.itertuples()):
        assert not math.isnan(p.level) and p.level == int(p.level)
        assert cells[1] == p.label and cells[1].rstrip("+") == str(int(p.level))
        assert cells[2] == spread(p.min_level, p.max_level)
        assert cells[3] == ", ".join(f"{k} at level {lv}" for lv in range(1, 6)
                                     if (k := getattr(p, f"n_level_{lv}")))
        assert cells[4] == spread(p.method_low, p.method_high)
        assert cells[6] == f"{round(p.completion * 100)}% ({p.n_rated} of {p.n_applicable})"
        assert cells[7] == p.confidence
        assert not any(DECIMAL.search(c) for c in cells), cells


def test_levels_differ_between_countries(rich_store):
    """The levels come from the assessment asked for, not from anything cached."""
    a = load_report_data("XAT", "baseline 2026", store=rich_store, roadmap=False).scores.subareas["label"]
    b = load_report_data("XBO", store=rich_store, roadmap=False).scores.subareas["label"]
    assert a.tolist() != b.tolist()


def test_summary_states_warnings_strengths_gaps_and_data_quality(data, html_text, page):
    sub = data.scores.subareas
    items = [" ".join(li.text.split()) for li in page.find("li")]
    good = sub[(sub["level"] >= 3) & (sub["warning"] == "")].sort_values(["level", "min_level"], ascending=False)
    best = good.iloc[0]
    assert any(i.startswith(f"{best.subarea_id} {best.subarea}: level {best.label} (indicators ") for i in items)
    top = data.targets.sort_values("rank").iloc[0]
    label = sub.set_index("subarea_id").loc[top.subarea_id, "label"]
    assert any(i.startswith(f"{top.subarea_id} {top.subarea}: level {label} (indicators")
               and f"long-term target {top.long_term_target} (gap {int(top.gap_long)};" in i
               and f"priority {top.priority:g}" in i for i in items)
    warnings = data.scores.warnings
    assert warnings, "the demo data has sub-areas that read 3 while an indicator is at 2"
    for w in warnings:
        assert w in items
    ind = data.scores.indicators
    rated = int(data.scores.pillars["n_rated"].sum())
    assert f"{rated} of {int(data.scores.pillars['n_applicable'].sum())} applicable indicators rated" in html_text
    assert f"{int(ind['disagreement'].sum())} national/external disagreements" in html_text
    low = int((ind["confidence"] == "low").sum())
    assert f"{low} low (shown next to every level" in html_text
    summary = html_text[html_text.index('id="summary"'):html_text.index('id="contributions"')]
    assert not DECIMAL.search(summary), DECIMAL.search(summary)


def test_charts_are_svg_images_with_alt_text_stating_values(data, page):
    imgs = page.find("img")
    assert len(imgs) == 7
    for img in imgs:
        assert img.attrs["src"].startswith("data:image/svg+xml;base64,")
        svg = base64.b64decode(img.attrs["src"].split(",", 1)[1]).decode()
        assert svg.lstrip().startswith("<svg"), "no XML prologue or DOCTYPE"
        assert len(img.attrs.get("alt", "").strip()) > 40
    for p in data.scores.pillars.itertuples():
        assert (f"{p.pillar}: level {p.label}, sub-areas "
                + (f"all at {int(p.min_level)}" if p.min_level == p.max_level
                   else f"from {int(p.min_level)} to {int(p.max_level)}")) in imgs[0].attrs["alt"]
    sub = data.scores.subareas
    first = data.framework.pillars[0]
    for s in sub[sub["pillar_id"] == first.id].itertuples():
        shown = ("not scored" if math.isnan(s.level) else f"level {s.label}, indicators "
                 + (f"all at {int(s.min_level)}" if s.min_level == s.max_level
                    else f"from {int(s.min_level)} to {int(s.max_level)}"))
        assert f"{s.subarea}: {shown}" in imgs[1].attrs["alt"]
    assert not any(DECIMAL.search(img.attrs["alt"]) for img in imgs)


def caption_of(page, ending: str) -> str:
    return next(c for c in (" ".join(x.text.split()) for x in page.find("caption")) if c.endswith(ending))


def test_methodology_annex_is_written_from_the_framework(data, html_text, page):
    fw = data.framework
    annex = html_text[html_text.index('id="annex-method"'):html_text.index('id="annex-ratings"')]
    levels = table_rows(page, caption_of(page, "The five levels"))
    assert levels == [[str(lv.level), lv.name, lv.summary] for lv in fw.scale.levels]
    codes = table_rows(page, caption_of(page, "Codes used instead of a level"))
    assert [r[0] for r in codes] == [c.code for c in fw.scale.codes]
    rules = table_rows(page, caption_of(page, "Evidence rules"))
    assert [r[2] for r in rules] == [r.text for r in sorted(fw.evidence_rules, key=lambda r: r.level)]
    why = table_rows(page, caption_of(page, "Sub-areas: criticality, rule and why"))
    assert [(r[0], r[2], r[3], r[4]) for r in why] == [
        (f"{s.id} {s.name}", s.criticality, METHOD_NAMES[s.aggregation], s.aggregation_reason)
        for s in fw.subareas.values()]
    assert {r[3] for r in why} == {"weakest link", "median with a floor"}
    criteria = table_rows(page, caption_of(page, "Criteria of the framework and this assessment's answers"))
    assert [int(r[1]) + int(r[2]) for r in criteria] == [sum(c.level == lv for c in fw.criteria.values())
                                                         for lv in range(2, 6)]
    assert (f"version {fw.version}: 4 pillars, {len(fw.subareas)} sub-areas and {len(fw.indicators)} indicators, "
            f"{len(fw.criteria)} criteria") in annex
    for words in ("No weights.", "Method range.", "Warnings.", "normative alignment", "practice ahead of paper",
                  "verify first", "capped at the criticality class", "Moderation: the team's consensus record",
                  "No consensus session is recorded", "crossing-point profile is not recorded"):
        assert words in annex, words
    assert "weighted" not in annex and "Weight" not in [r[0] for r in why]


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
    by_id = ind.set_index("indicator_id")
    for iid, indicator in list(data.framework.indicators.items())[:12]:
        r = by_id.loc[iid]
        if r["status"] == "rated":
            words = f"level {int(r['level'])}"
        else:
            words = {"NE": "not evaluated", "IE": "IE (insufficient evidence)", "NA": "not applicable",
                     "missing": "not rated yet"}[r["status"]]
        assert any(f.startswith(f"{iid} {indicator.name} ({words}") and f"): {notes[iid] or 'No note'}" in f
                   for f in findings), iid
    sub = data.scores.subareas
    for p in data.framework.pillars:
        rows = table_rows(page, caption_of(page, f"{p.name}: sub-area levels, rules and spread"))
        mine = sub[sub["pillar_id"] == p.id]
        assert [(r[0], r[1], r[2], r[3], r[4], r[7]) for r in rows] == [
            (f"{s.subarea_id} {s.subarea}", s.label, METHOD_NAMES[s.method], spread(s.min_level, s.max_level),
             spread(s.method_low, s.method_high), s.warning or "none") for s in mine.itertuples()]


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


def test_follow_up_chapter_compares_levels_with_the_baseline(data, baseline, page):
    assert data.baseline is not None
    by_level = [Scores(x.indicators, x.subareas.assign(score=x.subareas["level"]),
                       x.pillars.assign(score=x.pillars["level"])) for x in (baseline.scores, data.scores)]
    comp = compare_scores(*by_level)
    rows = table_rows(page, next(" ".join(c.text.split()) for c in page.find("caption")
                                 if "Change per pillar" in c.text))
    before = baseline.scores.pillars.set_index("pillar_id")
    after = data.scores.pillars.set_index("pillar_id")
    assert [r[0] for r in rows] == [p.name for p in data.framework.pillars]
    for r, p in zip(rows, data.framework.pillars):
        change = int(after.loc[p.id, "level"] - before.loc[p.id, "level"])
        assert r[1:] == [before.loc[p.id, "label"], after.loc[p.id, "label"], f"{change:+d}" if change else "0"]
    sub_rows = table_rows(page, next(" ".join(c.text.split()) for c in page.find("caption")
                                     if "Change per sub-area" in c.text))
    up = {r[0].split()[0]: r for r in sub_rows if r[4] == "up"}
    assert "INF.2" in up and up["INF.2"][3] == "+1", "the follow-up round rated INF one level up"
    dumbbell = next(img for img in page.find("img") if img.attrs["alt"].startswith("Dumbbell"))
    for s in comp.subareas.itertuples():
        assert f"{s.subarea}: {int(s.baseline)} to {int(s.followup)}" in dumbbell.attrs["alt"]


def test_annexes_hold_every_rating_with_its_evidence_the_team_and_the_crosswalk(data, page):
    fw = data.framework
    ind = data.scores.indicators.set_index("indicator_id")
    rows = []
    for p in fw.pillars:
        rows += table_rows(page, next(" ".join(c.text.split()) for c in page.find("caption")
                                      if c.text.strip().endswith(f"{p.name}: every rating with its criteria and "
                                                                 "evidence")))
    assert [r[0] for r in rows] == [f"{i} {x.name}" for i, x in fw.indicators.items()]
    ev = data.evidence
    for r in rows:
        iid = r[0].split()[0]
        assert r[3] == (ind.loc[iid, "agreed"] or "–") + (" (override)" if ind.loc[iid, "override"] else "")
        for source in ev.loc[ev["indicator_id"] == iid, "source"]:
            assert source in r[7]
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


def test_a_long_chapter_title_is_cut_at_a_word_for_the_page_header():
    """The printed page's header shows a chapter title of up to 45 characters whole; a longer one is
    cut at its last whole word with "…" (the heading itself keeps the whole title)."""
    from workbook.report.parts import RUNNING_CHAPTER, chapter_heading, running_chapter
    long = "Annexe D. Correspondance avec la cible 10.7 des ODD et les objectifs 7 et 11 du Pacte mondial"
    cut = running_chapter(long)
    assert cut == "Annexe D. Correspondance avec la cible 10.7…" and len(cut) <= RUNNING_CHAPTER
    assert running_chapter("Executive summary") == "Executive summary"
    assert running_chapter("  Road   map ") == "Road map"
    html = chapter_heading("annex-d", long)
    assert f'data-running="{cut}"' in html and f">{long}</h2>" in html

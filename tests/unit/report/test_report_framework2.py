"""The country report and the brief speak framework 2.0, on SQLite and PostgreSQL: an assessment built
with the store API (``support.reports.tell_story``: criteria, an override with its reason, practice
ahead of paper, verify first, normative alignment, a landlocked crossing-point profile, a consensus
session) shows levels with "+" and their spread, each sub-area's rule and warnings in words, what
stands between each indicator and its next level, the capabilities rated elsewhere, the contribution
areas and the moderation record. A framework 1.0 assessment still gets its report, its mean shown
only as a detail next to the rule, and compares with a 2.0 round by level."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from support.databases import BACKENDS, new_database
from support.reports import ReportPage, between, notebooks_for, pdf_page_count, plain_text, tell_story
from workbook.framework import load_framework
from workbook.report import build_brief, compose_report, load_report_data, render_html
from workbook.scoring import lower_median
from workbook.store import Store

DECIMAL = re.compile(r"\b\d\.\d{2}\b")  # a 3.25-style number


@pytest.fixture(scope="module", params=BACKENDS)
def story_url(request, tmp_path_factory) -> str:
    return new_database("empty", request.param, request, tmp_path_factory.mktemp("story") / "workbook.db")


@pytest.fixture(scope="module")
def told(story_url):
    store = Store(story_url)
    story = tell_story(store)
    data = load_report_data("XAT", store=store)
    html = render_html(compose_report(data, notebooks_for(data)))
    return story, data, html, ReportPage(html)


def rows_of(page: ReportPage, caption_end: str) -> list[list[str]]:
    caption = next(c for c in (" ".join(x.text.split()) for x in page.find("caption")) if c.endswith(caption_end))
    return [[x for _, x in row] for row in page.table_with_caption(caption)[1:]]


def findings_of(html: str, subarea_id: str) -> str:
    """The plain text of one sub-area's findings (its h4 to the next heading)."""
    at = html.index(f'id="sa-{subarea_id}"')
    part = html[html.rindex("<", 0, at):]
    return plain_text(part[:re.search(r"<h[234][ >]", part[1:]).start() + 1])


def capacity(fw, indicator_id: str, level: int) -> list[str]:
    return [c.id for c in fw.indicator(indicator_id).levels[level - 1].criteria if not c.normative]


# -- levels, rules and warnings -------------------------------------------------------------------
def test_a_critical_sub_area_with_one_indicator_at_1_reads_1_plus_and_names_it(told):
    story, data, html, page = told
    ops2 = data.scores.subareas.set_index("subarea_id").loc["OPS.2"]
    assert (ops2["label"], ops2["method"], ops2["min_level"], ops2["max_level"]) == ("1+", "weakest_link", 1, 4)
    text = findings_of(html, "OPS.2")
    assert text.startswith("OPS.2 Passenger processing Level 1+ under the weakest-link rule: OPS.2.3 "
                           "Protection-sensitive screening and referral at level 1 sets the level; \"+\" because "
                           "another indicator is higher (up to 4). Its indicators run from 1 to 4. The three "
                           "aggregation rules would give 1–3 (method range). Criticality critical;")
    row = next(r for r in rows_of(page, "Operations: sub-area levels, rules and spread") if r[0].startswith("OPS.2 "))
    assert row[:5] == ["OPS.2 Passenger processing", "1+", "weakest link", "1–4", "1–3"]
    level_3 = data.framework.scale.levels[2].name
    assert level_3 == "Established" and level_3 not in text, "OPS.2 never reads as level 3, in number or name"
    gaps = plain_text(between(html, "summary-gaps", "summary-quality"))
    assert "OPS.2 Passenger processing: level 1+ (indicators from 1 to 4)" in gaps
    assert "3.25" not in html and not DECIMAL.search(plain_text(html)), DECIMAL.search(plain_text(html))


def test_a_sub_area_that_reads_3_over_a_weak_indicator_warns_in_words(told):
    story, data, html, page = told
    words = ("ADM.4 Performance standards reads level 3 although ADM.4.2 Individual staff appraisal is at level 2")
    assert data.scores.subareas.set_index("subarea_id").loc["ADM.4", "warning"] == words
    assert f"Warning: {words}." in findings_of(html, "ADM.4")
    assert "median-with-a-floor rule" in findings_of(html, "ADM.4")
    row = next(r for r in rows_of(page, "Administration: sub-area levels, rules and spread")
               if r[0].startswith("ADM.4"))
    assert row[1:3] == ["3+", "median with a floor"] and row[7] == words
    assert words in plain_text(between(html, "summary-warnings", "summary-strengths"))


# -- criteria, overrides, gating, verify first, normative alignment ---------------------------------
def test_each_indicator_shows_what_stands_between_it_and_the_next_level(told):
    story, data, html, page = told
    fw = data.framework
    three = capacity(fw, story.criteria, 3)
    text = findings_of(html, fw.subarea_of(story.criteria).id)
    assert f"{story.criteria} {fw.indicator(story.criteria).name} (level 2; criteria give level 2)" in text
    after = text[text.index(f"{story.criteria} {fw.indicator(story.criteria).name}"):]
    assert "What stands between it and level 3:" in after
    for cid, status in zip(three, ["met", "not met", "not applicable", "not answered"]):
        assert f"{status}: {cid} {fw.criterion(cid).text}" in after, cid


def test_overrides_gating_and_verify_first_are_flagged_in_words(told):
    story, data, html, page = told
    fw = data.framework
    override = findings_of(html, fw.subarea_of(story.override).id)
    assert (f"{story.override} {fw.indicator(story.override).name} (level 3; criteria give level 2)" in override
            and f"Override: the team agreed level 3 where the criteria give 2, because: {story.reason}" in override)
    gated = findings_of(html, fw.subarea_of(story.gated).id)
    blocked = capacity(fw, story.gated, 3)[0]
    assert (f"Practice ahead of paper: the criteria of level 4 are met, but {blocked} of level 3 is not" in gated)
    ie = findings_of(html, fw.subarea_of(story.ie).id)
    assert f"{story.ie} {fw.indicator(story.ie).name} (IE (insufficient evidence)" in ie and "Verify first:" in ie
    annex = {r[0].split()[0]: r for p in fw.pillars
             for r in rows_of(page, f"{p.name}: every rating with its criteria and evidence")}
    assert annex[story.override][3:6] == ["3 (override)", "level 2", "3"]
    assert annex[story.gated][4] == "level 2; practice ahead of paper"
    assert annex[story.ie][5] == "1 (IE: verify first)"
    assert annex[story.no_sea][5] == "NA: the country has no seaport"
    quality = plain_text(between(html, "summary-quality", "contributions"))
    assert "1 agreed against the criteria with a written reason (overrides), 1 with practice ahead of paper" in quality


def test_normative_alignment_is_reported_beside_the_capacity_level(told):
    story, data, html, page = told
    fw = data.framework
    sid = fw.subarea_of(story.normative).id
    assert (f"{story.normative} {fw.indicator(story.normative).name} (level 3; normative alignment: 5 of 8)"
            in findings_of(html, sid))
    row = next(r for r in rows_of(page, "Regulatory framework: sub-area levels, rules and spread")
               if r[0].startswith(sid))
    assert row[1] == "3" and row[5] == "5 of 8"
    pillar = next(r for r in rows_of(page, "three aggregation rules.") if r[0] == "Regulatory framework")
    assert pillar[5] == "5 of 8"


# -- one home per capability, crossing points, moderation --------------------------------------------
def test_capabilities_rated_elsewhere_are_shown_as_references_not_rated_again(told):
    story, data, html, page = told
    fw = data.framework
    text = findings_of(html, "OPS.2")
    refs = text[text.index("Rated elsewhere, drawn on here"):]
    levels = data.scores.indicators.set_index("indicator_id")
    for ref in fw.subareas["OPS.2"].refers_to:
        home = fw.subarea_of(ref.indicator)
        shown = (f"level {int(levels.loc[ref.indicator, 'level'])}" if levels.loc[ref.indicator, "status"] == "rated"
                 else "not rated yet")
        assert f"{ref.indicator} {fw.indicator(ref.indicator).name} (rated in {home.id} {home.name}): {shown}." in refs
        assert f"{ref.indicator} {fw.indicator(ref.indicator).name} (" not in text[:text.index("Rated elsewhere")]
    assert "OPS.6.3 Referral partners and assistance for people with specific needs (rated in OPS.6" in refs
    assert "level 2" in refs.split("OPS.6.3 ", 1)[1][:200]


def test_the_crossing_point_profile_and_what_it_left_out(told):
    story, data, html, page = told
    fw = data.framework
    annex = plain_text(between(html, "method-profile", "method-evidence"))
    assert "The country's kinds of crossing point: Airport, Land crossing point (landlocked)." in annex
    rows = rows_of(page, "Left out as not applicable by the crossing-point profile")
    assert rows[0] == [f"{story.no_sea} {fw.indicator(story.no_sea).name}", "the whole indicator",
                       "the country has no seaport"]
    kinds = frozenset({"air", "land"})
    left_out = {c.id for c in fw.criteria.values() if not c.applies(kinds)
                and fw.indicator_of_criterion(c.id).id != story.no_sea}
    listed = {cid for r in rows[1:] for cid in r[1].split(", ")}
    assert listed == left_out and left_out
    assert (f"{story.no_sea} {fw.indicator(story.no_sea).name} (not applicable: the country has no seaport)"
            in findings_of(html, fw.subarea_of(story.no_sea).id))


def test_the_moderation_record_is_in_the_methodology_annex(told):
    story, data, html, page = told
    rows = rows_of(page, "Consensus record: what changed and why")
    name = data.framework.indicator(story.moderated).name
    assert rows == [[story.held_on.isoformat(), f"{story.moderated} {name}", "2 → 1", story.why_moderated,
                     ", ".join(story.participants), "Maria Okafor"]]
    assert f"Sessions: {story.held_on.isoformat()}: 1 indicator(s)." in plain_text(between(html, "method-moderation"))


# -- contribution areas ------------------------------------------------------------------------------
def test_contribution_areas_roll_up_the_sub_areas_that_serve_them(told):
    story, data, html, page = told
    fw = data.framework
    sub = data.scores.subareas.set_index("subarea_id")
    summary = rows_of(page, "Contribution areas: the profile of the sub-areas that serve each")
    assert [r[0] for r in summary] == [a.name for a in fw.contribution_areas] and len(summary) == 3
    for area, row in zip(fw.contribution_areas, summary):
        ids = [s.id for s in fw.subareas.values() if area.id in s.contributes]
        levels = [sub.loc[i, "level"] for i in ids if sub.loc[i, "level"] == sub.loc[i, "level"]]
        level = int(lower_median(levels))
        assert row[1] == f"{level}{'+' if max(levels) > level else ''}"
        rows = rows_of(page, f"{area.name}: the sub-areas that serve it")
        assert [(r[0], r[2]) for r in rows] == [(f"{i} {sub.loc[i, 'subarea']}", sub.loc[i, "label"] or "not scored")
                                                for i in ids]
    movement = rows_of(page, "Managing and facilitating movements: the sub-areas that serve it")
    assert ["OPS.2 Passenger processing", "Operations", "1+", "1–4", "weakest link", "none"] in movement


def test_the_brief_states_levels_warnings_and_contribution_areas_on_two_pages(told, tmp_path):
    story, data, html, page = told
    brief = build_brief(data, tmp_path / "brief.html", pdf=tmp_path / "brief.pdf", pdf_engine="weasyprint")
    text = plain_text(brief)
    assert "OPS.2 Passenger processing: level 1+ (indicators from 1 to 4)" in text
    assert "1 sub-area(s) read level 3 or above with an indicator at level 2 or below: ADM.4 at 3+ (ADM.4.2 at 2)" \
        in text
    areas = ReportPage(brief).table_with_caption("Table 2. Contribution areas")
    assert [r[0][1] for r in areas[1:]] == [a.name for a in data.framework.contribution_areas]
    assert not DECIMAL.search(text)
    assert pdf_page_count(tmp_path / "brief.pdf") == 2


# -- framework 1.0 -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def rounds_1_and_2(story_url):
    """Borduria: a 1.0 baseline (OPS.2 at 4, 4, 4 and 1: mean 3.25) and a 2.0 follow-up."""
    old = Store(story_url, framework=load_framework(version="1.0.0"))
    base = old.create_assessment("XBO", "baseline 2025", country_name="Borduria", by="Kwame Mensah")
    seen = [{"type": "observation", "source": "Observed at the main crossing", "date": dt.date(2025, 5, 1),
             "reference": "visit 1", "supplied_by": "assessment team"}]
    old.save_many(base.id, [{"indicator_id": i, "agreed": lv, "notes": "Seen.", "evidence": seen}
                            for i, lv in (("OPS.2.1", "4"), ("OPS.2.2", "4"), ("OPS.2.4", "4"), ("OPS.2.3", "1"))],
                  by="Kwame Mensah")
    store = Store(story_url)
    later = store.create_assessment("XBO", "follow-up 2026", country_name="Borduria", by="Kwame Mensah")
    store.save_many(later.id, [{"indicator_id": i, "agreed": lv, "notes": "Seen.", "evidence": seen}
                               for i, lv in (("OPS.2.1", "4"), ("OPS.2.3", "2"))], by="Kwame Mensah")
    first = load_report_data("XBO", "baseline 2025", store=store)
    second = load_report_data("XBO", "follow-up 2026", store=store)
    return first, second


def test_a_1_0_assessment_keeps_its_mean_as_a_detail_with_the_rule_named(rounds_1_and_2):
    data, _ = rounds_1_and_2
    assert data.framework.version == "1.0.0" and not data.framework.has_criteria
    html = render_html(compose_report(data, notebooks_for(data)))
    page = ReportPage(html)
    assert "Contribution areas" not in [t for _, t in page.headings]
    text = findings_of(html, "OPS.2")
    assert ("Level 3+ under the mean rule of framework 1.0.0: mean 3.25 → level 3. Its indicators run from 1 to 4. "
            "The three aggregation rules would give 1–3 (method range).") in text
    assert ("Warning: critical sub-area OPS.2 Passenger processing reads level 3 although OPS.2.3 "
            "Protection-sensitive screening and referral is at level 1.") in text
    row = next(r for r in rows_of(page, "Operations: sub-area levels, rules and spread") if r[0].startswith("OPS.2"))
    assert row[1:3] == ["3+", "mean (3.25)"]
    assert not DECIMAL.search(plain_text(between(html, "summary", "pillar-ADM"))), "no mean as a headline"
    method = plain_text(between(html, "annex-method", "annex-ratings"))
    assert "Framework 1.0.0 has no criteria" in method and "no consensus session is recorded" in method.lower()
    assert "mean: the mean of the indicators rounded down to a level (framework 1.0), capped by the legal basis" \
        in method


def test_rounds_rated_against_1_0_and_2_0_compare_by_sub_area_level(rounds_1_and_2):
    _, data = rounds_1_and_2
    assert data.framework.version == "2.0.0" and data.baseline is not None
    html = render_html(compose_report(data, notebooks_for(data)))
    page = ReportPage(html)
    follow = plain_text(between(html, "follow-up", "annex-method"))
    assert "rated against framework versions 1.0.0 and 2.0.0" in follow
    ops2 = next(r for r in rows_of(page, "Change per sub-area (level under its rule)") if r[0].startswith("OPS.2"))
    assert ops2 == ["OPS.2 Passenger processing", "3+", "2+", "-1", "down"]

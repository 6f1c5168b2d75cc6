"""The chapter "Crossing points visited": in the report only when a mission is recorded; the
sample, coverage in words and by kind, the posts x checklist heat map with its alt text, key
observations; never an interviewee."""
from __future__ import annotations

import datetime as dt

from support.mission import mission_assessment
from workbook.report.country import chapters
from workbook.report.data import load_report_data
from workbook.report.mission import mission_html
from workbook.report.parts import Numbering

DAY = dt.date(2026, 3, 4)


def test_the_chapter_shows_the_sample_coverage_and_heat_map(store, tmp_path):
    mission, a = mission_assessment(store, tmp_path)
    assert load_report_data("XAT", store=store, roadmap=False).mission is not None
    mission.record_visit(a.id, by="Ana Costa", post="XAT-AIR-1", day=DAY, why="Largest airport", team=["Ana Costa"],
                         observations=[{"criterion": "ADM.1.1.4a", "result": "yes"},
                                       {"criterion": "ADM.1.1.4b", "result": "no"}],
                         key_observations=["Second line closes at night"])
    mission.record_interview(a.id, by="Max Weber", role="port officer", agency="Coast Guard", sex="male", day=DAY,
                             consent=True, anonymity=True, summary="The radar is old.")
    data = load_report_data("XAT", store=store, roadmap=False)
    assert ("mission", "Crossing points visited") in chapters(data)
    html = mission_html(data, Numbering())
    assert 'id="mission"' in html and "visited posts handle 74 % of recorded crossings" in html
    assert "Capital International Airport (XAT-AIR-1)" in html and "1 of 2" in html
    assert "<svg" in html or "data:image/svg+xml" in html
    assert "XAT-AIR-1: ADM.1 1/2 met." in html  # the heat map's alt text
    assert "Second line closes at night" in html
    assert "port officer" not in html and "radar is old" not in html


def test_no_mission_no_chapter(store):
    store.create_assessment("XAT", "baseline 2026", country_name="Atlantis", by="tester")
    data = load_report_data("XAT", store=store, roadmap=False)
    assert data.mission is None and "mission" not in dict(chapters(data))
    assert mission_html(data, Numbering()) == ""

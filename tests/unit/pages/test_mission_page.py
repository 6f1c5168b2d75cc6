"""The mission page: the plan, coverage in words, register, visits and desk review; interviews
only counted (the log is the team's); an unknown assessment is a problem with links."""
from __future__ import annotations

import datetime as dt

from support.mission import mission_assessment
from workbook.pages.mission import mission_html, open_mission


def test_the_page_shows_the_mission_but_not_the_interview_log(store, tmp_path):
    mission, a = mission_assessment(store, tmp_path)
    info = store.get_assessment("XAT", "baseline 2026")
    mission.record_visit(a.id, by="Ana Costa", post="XAT-AIR-1", day=dt.date(2026, 3, 4), why="Largest airport",
                         team=["Ana Costa"], observations=[{"criterion": "ADM.1.1.4a", "result": "yes"}],
                         key_observations=["Booths staffed at night"])
    mission.record_interview(a.id, by="Max Weber", role="shift supervisor", agency="Border Police", sex="female",
                             day=dt.date(2026, 3, 4), consent=True, anonymity=True,
                             summary="Explained the secret night roster.")
    html = mission_html(mission, info)
    assert "visited posts handle 74 % of recorded crossings" in html
    assert "<caption>Crossing points</caption>" in html and "Capital International Airport" in html
    assert "Booths staffed at night" in html and "Assess the crossing points" in html
    assert "Border Police" in html and "secret night roster" not in html and "shift supervisor" not in html
    # the same links to the assessment's other pages as every page has, this one marked current
    assert 'href="home.ipynb"' in html and 'aria-current="page">Field mission<' in html
    for nb in ("roadmap.ipynb", "results.ipynb", "administration.ipynb"):
        assert f'href="{nb}?country=XAT&amp;round=baseline%202026"' in html


def test_an_unknown_assessment_is_a_problem_with_links(store, tmp_path):
    mission_assessment(store, tmp_path)
    page = open_mission("XZZ", "", interactive=True, environ={})
    assert "Assessment not found" in page.value and "mission.ipynb?country=XAT" in page.value

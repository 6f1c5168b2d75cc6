"""The mission page: the plan, coverage in words, register, visits and desk review; interviews
only counted (the log is the team's); an unknown assessment is a problem with links."""
from __future__ import annotations

import datetime as dt
from html import unescape

from support.mission import mission_assessment
from workbook.pages.mission import mission_html, open_mission


def _visited(store, tmp_path):
    """XAT's mission with one visit to its largest airport."""
    mission, a = mission_assessment(store, tmp_path)
    mission.record_visit(a.id, by="Ana Costa", post="XAT-AIR-1", day=dt.date(2026, 3, 4), why="Largest airport",
                         team=["Ana Costa"], observations=[{"criterion": "ADM.1.1.4a", "result": "yes"}],
                         key_observations=["Booths staffed at night"])
    return mission, a, store.get_assessment("XAT", "baseline 2026")


def test_the_page_shows_the_mission_but_not_the_interview_log(store, tmp_path):
    mission, a, info = _visited(store, tmp_path)
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


def test_the_page_and_its_coverage_read_in_french_and_arabic(store, tmp_path):
    mission, _a, info = _visited(store, tmp_path)
    html = unescape(mission_html(mission, info, "fr"))
    assert "Mission de terrain : XAT" in html and "<caption>Points de passage frontaliers</caption>" in html
    assert "L'équipe a visité 1 des " in html and "les postes visités traitent 74\xa0% des passages" in html
    assert "aérien" in html and "Examen documentaire" in html and "Toutes les évaluations" in html
    for english in ("Crossing points", "Site visits", "Desk review", "visited posts handle", "All assessments",
                    ">air<", "no visit recorded yet"):
        assert english not in html, english
    assert "Booths staffed at night" in html  # what the team typed stays as written
    ar = mission_html(mission, info, "ar")
    assert "البعثة الميدانية" in ar and "زار الفريق 1 من أصل" in ar and "Site visits" not in ar

"""The chapter "Crossing points visited": in the report only when a mission is recorded; the
sample, coverage in words and by kind, the posts x checklist heat map with its alt text, key
observations; never an interviewee."""
from __future__ import annotations

import datetime as dt
import re

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
    # the map: only the airport has coordinates in the register
    assert "Map of 1 crossing points by their coordinates, 1 visited." in html
    assert "XAT-AIR-1 (Capital International Airport): 14.60° N, 17.40° W, visited." in html


def test_the_map_draws_every_located_post_offline(store, tmp_path):
    """Coordinates for every post: the map shows them all, hollow when not visited, with a scale bar;
    nothing in the SVG refers to anything outside it (no tiles, no images)."""
    from workbook.present.charts import posts_map_chart
    mission, a = mission_assessment(store, tmp_path)
    mission.save_posts(a.id, [{"code": "XAT-LND-1", "lat": 15.1, "lon": -16.9},
                              {"code": "XAT-SEA-1", "lat": 14.2, "lon": -17.0}], by="Ana Costa")
    mission.record_visit(a.id, by="Ana Costa", post="XAT-SEA-1", day=DAY, why="Only port", team=["Ana Costa"],
                         observations=[])
    located = load_report_data("XAT", store=store, roadmap=False).mission.located
    assert located.set_index("code")["visited"].to_dict() == {"XAT-AIR-1": False, "XAT-LND-1": False,
                                                               "XAT-SEA-1": True}
    chart = posts_map_chart(located)
    assert chart.alt.startswith("Map of 3 crossing points by their coordinates, 1 visited.")
    assert "XAT-LND-1 (North Bridge): 15.10° N, 16.90° W, not visited." in chart.alt
    for code in ("XAT-AIR-1", "XAT-LND-1", "XAT-SEA-1"):
        assert code in chart.svg
    assert re.search(r">\d+ km<", chart.svg), "a scale bar in kilometres"
    assert not re.search(r"href=\"(?!#)|url\((?!#)|<image", chart.svg), "nothing loaded from outside the SVG"


def test_the_map_and_the_heat_map_in_the_report_language(store, tmp_path):
    """French and Arabic reports: the map's legend, axes and alt text, and the heat map's title and
    alt text, are in the report's language (numbers written the French way, west as O)."""
    from workbook.present.charts import checklist_chart, posts_map_chart
    from workbook.report.mission import checklist_grid
    mission, a = mission_assessment(store, tmp_path)
    mission.save_posts(a.id, [{"code": "XAT-LND-1", "lat": 15.1, "lon": -16.9}], by="Ana Costa")
    mission.record_visit(a.id, by="Ana Costa", post="XAT-AIR-1", day=DAY, why="Largest airport", team=["Ana Costa"],
                         observations=[{"criterion": "ADM.1.1.4a", "result": "yes"}])
    data = load_report_data("XAT", store=store, roadmap=False)
    fr = posts_map_chart(data.mission.located, lang="fr")
    assert fr.alt.startswith("Carte de 2 points de passage selon leurs coordonnées, dont 1 visités.")
    assert "XAT-LND-1 (North Bridge) : 15,10° N, 16,90° O, non visité." in fr.alt
    assert "Points de passage frontaliers du registre" in fr.svg and "non visité (1)" in fr.svg
    assert "visited" not in fr.svg and "Crossing points" not in fr.svg
    share, counts = checklist_grid(data.mission.matrix)
    ar = checklist_chart(share, counts, lang="ar")
    assert ar.alt.startswith("خريطة حرارية لبنود قائمة التحقق المستوفاة") and "ADM.1: 1/1 مستوفاة" in ar.alt
    assert "بنود قائمة التحقق المستوفاة، حسب المركز الذي تمت زيارته" in ar.svg
    html = mission_html(load_report_data("XAT", store=store, roadmap=False, lang="es"), Numbering())
    assert "Mapa de 2 pasos fronterizos según sus coordenadas, 1 visitados." in html
    assert "Map of" not in html and "Heat map" not in html


def test_the_chapter_read_back_from_the_pdf(store, tmp_path):
    """The chapter printed with the report's template and PDF engine, then read from the PDF: the
    title, the coverage sentence, the sample, the map's caption and the key observations."""
    from nbformat.v4 import new_notebook
    from support.reports import pdf_pages_text
    from workbook.report.parts import html_cell
    from workbook.report.render import render_html, write_pdf
    mission, a = mission_assessment(store, tmp_path)
    mission.record_visit(a.id, by="Ana Costa", post="XAT-AIR-1", day=DAY, why="Largest airport", team=["Ana Costa"],
                         observations=[{"criterion": "ADM.1.1.4a", "result": "yes"}],
                         key_observations=["Second line closes at night"])
    nb = new_notebook()
    nb.cells = [html_cell(mission_html(load_report_data("XAT", store=store, roadmap=False), Numbering()), "mission")]
    pdf = tmp_path / "chapter.pdf"
    assert write_pdf(render_html(nb), pdf) >= 1
    text = " ".join(" ".join(pdf_pages_text(pdf)).split())
    for expected in ("Crossing points visited", "The team visited 1 of the 3 posts in the register",
                     "Capital International Airport (XAT-AIR-1)", "Where the posts are",
                     "Second line closes at night"):
        assert expected in text, expected


def test_no_mission_no_chapter(store):
    store.create_assessment("XAT", "baseline 2026", country_name="Atlantis", by="tester")
    data = load_report_data("XAT", store=store, roadmap=False)
    assert data.mission is None and "mission" not in dict(chapters(data))
    assert mission_html(data, Numbering()) == ""

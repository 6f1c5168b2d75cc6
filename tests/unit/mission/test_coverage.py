"""Sample and coverage: by kind and share of traffic, in words; the posts x checklist matrix; the
observations of a criterion across visits compared with the team's answer."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from support.mission import mission_assessment
from workbook.framework import load_framework
from workbook.mission import coverage
from workbook.mission.coverage import checklist_matrix, observed_summary

POSTS = pd.DataFrame([
    {"code": "A1", "kind": "air", "traffic": 740_000, "traffic_year": 2025},
    {"code": "L1", "kind": "land", "traffic": 200_000, "traffic_year": 2025},
    {"code": "L2", "kind": "land", "traffic": None, "traffic_year": None},
    {"code": "S1", "kind": "sea", "traffic": 60_000, "traffic_year": 2024},
]).astype({"traffic": "Int64", "traffic_year": "Int64"})


def visits(*codes):
    return pd.DataFrame({"visit_id": range(1, len(codes) + 1), "post": list(codes)})


def test_coverage_by_kind_and_share_of_traffic_in_words():
    c = coverage(POSTS, visits("A1", "L2"), frozenset({"air", "land", "sea", "rail"}))
    assert (c.posts, c.visited, c.traffic, c.traffic_visited, c.unknown_traffic) == (4, 2, 1_000_000, 740_000, 1)
    assert c.share == pytest.approx(0.74)
    by_kind = c.by_kind.set_index("kind")
    assert by_kind.loc["land", ["posts", "visited"]].tolist() == [2, 1]
    assert c.sentence == ("The team visited 2 of the 4 posts in the register; visited posts handle 74 % of recorded "
                          "crossings (740,000 of 1,000,000 people a year, 2024/2025 figures); no sea post visited; "
                          "no rail post in the register. 1 post of the register has no traffic figure.")


def test_coverage_without_visits_or_posts():
    assert coverage(POSTS.iloc[:0], visits()).sentence == "No crossing point is recorded in the register yet."
    c = coverage(POSTS, visits())
    assert c.visited == 0 and c.traffic_visited == 0
    assert "no air post visited; no land post visited; no sea post visited" in c.sentence
    assert "handle" not in c.sentence


def test_checklist_matrix_and_observed_summary():
    fw = load_framework()
    obs = pd.DataFrame([
        {"visit_id": 1, "criterion_id": "ADM.1.1.4a", "indicator_id": "ADM.1.1", "result": "yes"},
        {"visit_id": 1, "criterion_id": "ADM.1.1.4b", "indicator_id": "ADM.1.1", "result": "no"},
        {"visit_id": 2, "criterion_id": "ADM.1.1.4a", "indicator_id": "ADM.1.1", "result": "no"},
        {"visit_id": 2, "criterion_id": "ADM.1.1.4b", "indicator_id": "ADM.1.1", "result": "na"},
    ])
    matrix = checklist_matrix(fw, obs, visits("A1", "L1"))
    sa = fw.subarea_of("ADM.1.1").id
    assert matrix[["subarea_id", "post", "observed", "met"]].values.tolist() == [[sa, "A1", 2, 1], [sa, "L1", 1, 0]]
    answers = pd.DataFrame({"criterion_id": ["ADM.1.1.4a", "ADM.1.1.4b"], "answer": ["yes", "no"]})
    summary = observed_summary(obs, answers).set_index("criterion_id")
    assert summary.loc["ADM.1.1.4a", "text"] == "met at 1 of 2 posts visited"
    assert not summary.loc["ADM.1.1.4a", "agrees"]  # answered met, but a post showed it not met
    assert summary.loc["ADM.1.1.4b", "agrees"]


def test_coverage_from_the_store(store, tmp_path):
    mission, a = mission_assessment(store, tmp_path)
    mission.record_visit(a.id, by="Ana Costa", post="XAT-AIR-1", day=dt.date(2026, 3, 4), why="Largest airport",
                         team=["Ana Costa"])
    c = mission.coverage(a.id)
    assert c.sentence.startswith("The team visited 1 of the 3 posts in the register; visited posts handle 74 % of "
                                 "recorded crossings")
    assert c.sentence.endswith("no land post visited; no sea post visited.")

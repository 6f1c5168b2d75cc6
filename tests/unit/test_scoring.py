"""Scoring on a small hand-made framework 1.0 (mean with the legal cap, weakest link): every code, the caps,
the pillar profile and confidence. Framework 2.0's rules are in test_scoring_rules.py."""
from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest
import yaml

from workbook.framework import parse_framework, shipped_versions
from workbook.scoring import score_assessment

TODAY = dt.date(2026, 11, 1)
RECENT = dt.date(2026, 6, 1)


def _indicator(iid: str, lens: str) -> dict:
    return {"id": iid, "name": f"Indicator {iid}", "question": f"Question {iid}?", "lens": lens, "guidance": "g",
            "levels": [{"level": n, "descriptor": f"d{n}", "evidence": ["e"]} for n in range(1, 6)],
            "crosswalk": [{"ref": "GCM-11"}]}


def _subarea(sid: str, lenses: list[str], *, weight=1.0, aggregation="mean") -> dict:
    return {"id": sid, "name": f"Sub-area {sid}", "description": "d", "criticality": "standard",
            "criticality_reason": "r", "weight": weight, "aggregation": aggregation,
            "indicators": [_indicator(f"{sid}.{k}", lens) for k, lens in enumerate(lenses, 1)]}


@pytest.fixture(scope="module")
def fw():
    """Shipped scale, rules and references; tiny pillars whose numbers can be worked out by hand."""
    data = yaml.safe_load(shipped_versions()["1.0.0"].read_text())
    data["pillars"] = [
        {"id": "ADM", "name": "Administration", "description": "d", "subareas": [
            _subarea("ADM.1", ["institutional", "process"]),               # plain mean
            _subarea("ADM.2", ["legal", "process", "systems"]),            # legal cap
            _subarea("ADM.3", ["process", "systems", "oversight"], aggregation="weakest_link")]},
        {"id": "OPS", "name": "Operations", "description": "d", "subareas": [
            _subarea("OPS.1", ["process", "systems"], weight=1.0),
            _subarea("OPS.2", ["process", "systems"], weight=3.0)]},
        {"id": "REG", "name": "Regulatory framework", "description": "d", "subareas": [
            _subarea("REG.1", ["legal", "process"])]},
        {"id": "INF", "name": "Information management", "description": "d", "subareas": [
            _subarea("INF.1", ["systems", "oversight"])]},
    ]
    return parse_framework(yaml.safe_dump(data), source="mini")


STRONG = [("audit", RECENT), ("observation", RECENT)]   # supports level 5, two types, recent


def _score(fw, agreed: dict, *, evidence: dict | None = None, national=None, external=None):
    rows = [{"indicator_id": i, "agreed": v, "national": (national or {}).get(i, v),
             "external": (external or {}).get(i, v)} for i, v in agreed.items()]
    ev = []
    for i in agreed:
        for etype, date in (evidence or {}).get(i, STRONG):
            ev.append({"indicator_id": i, "type": etype, "date": date})
    return score_assessment(fw, pd.DataFrame(rows, columns=["indicator_id", "agreed", "national", "external"]),
                            pd.DataFrame(ev, columns=["indicator_id", "type", "date"]), as_of=TODAY)


def _sub(scores, sid):
    return scores.subareas.set_index("subarea_id").loc[sid]


def _ind(scores, iid):
    return scores.indicators.set_index("indicator_id").loc[iid]


def test_mean_of_levels(fw):
    s = _score(fw, {"ADM.1.1": "3", "ADM.1.2": "5"})
    assert _sub(s, "ADM.1")["score"] == 4.0
    assert _sub(s, "ADM.1")["completion"] == 1.0


def test_ie_counts_as_lowest_level_and_is_flagged(fw):
    s = _score(fw, {"ADM.1.1": "IE", "ADM.1.2": "3"})
    assert _sub(s, "ADM.1")["score"] == 2.0
    assert _sub(s, "ADM.1")["n_ie"] == 1
    assert _ind(s, "ADM.1.1")["status"] == "IE"
    assert _ind(s, "ADM.1.1")["confidence"] == "low"
    assert "ADM.1.1" in set(s.flags["indicator_id"])


def test_na_left_out_of_score_and_completion(fw):
    s = _score(fw, {"ADM.1.1": "NA", "ADM.1.2": "4"})
    row = _sub(s, "ADM.1")
    assert row["score"] == 4.0 and row["n_applicable"] == 1 and row["completion"] == 1.0


def test_ne_and_unrated_left_out_of_score_but_open_in_completion(fw):
    s = _score(fw, {"ADM.1.1": "NE", "ADM.1.2": "4"})
    row = _sub(s, "ADM.1")
    assert row["score"] == 4.0 and row["n_applicable"] == 2 and row["completion"] == 0.5
    s2 = _score(fw, {"ADM.1.2": "4"})
    assert _sub(s2, "ADM.1")["completion"] == 0.5 and _sub(s2, "ADM.1")["n_missing"] == 1


def test_legal_cap(fw):
    s = _score(fw, {"ADM.2.1": "1", "ADM.2.2": "5", "ADM.2.3": "5"})
    row = _sub(s, "ADM.2")
    assert row["mean"] == pytest.approx(11 / 3)
    assert row["score"] == 2.0 and bool(row["capped_by_legal"])
    s2 = _score(fw, {"ADM.2.1": "3", "ADM.2.2": "4", "ADM.2.3": "5"})
    assert _sub(s2, "ADM.2")["score"] == 4.0 and not bool(_sub(s2, "ADM.2")["capped_by_legal"])


def test_weakest_link(fw):
    s = _score(fw, {"ADM.3.1": "2", "ADM.3.2": "4", "ADM.3.3": "5"})
    assert _sub(s, "ADM.3")["score"] == 2.0


@pytest.mark.parametrize("rated, evidence, expected, reason", [
    ("4", [("law", RECENT)], 3, "level 4 or above needs observed or quantitative evidence; capped at 3"),
    ("3", [("interview", RECENT)], 2, "level 3 or above needs a written document"),
    ("5", [("observation", RECENT), ("statistics", RECENT)], 4, "level 5 needs trend data"),
    ("5", [("audit", RECENT)], 5, ""),
    ("2", [], 2, ""),
    ("3", [], 2, "capped at 2"),
])
def test_evidence_caps_level(fw, rated, evidence, expected, reason):
    s = _score(fw, {"ADM.1.1": rated}, evidence={"ADM.1.1": evidence})
    row = _ind(s, "ADM.1.1")
    assert row["level"] == expected
    assert bool(row["capped"]) == (expected < int(rated))
    assert reason in row["cap_reason"]


def test_pillar_is_a_profile_of_levels_not_a_weighted_mean(fw):
    """Weights (OPS.2 weighs 3 in this framework) no longer make a headline: the pillar is the lower
    median of its sub-area levels, with the spread and the plain mean beside it."""
    s = _score(fw, {"OPS.1.1": "2", "OPS.1.2": "2", "OPS.2.1": "4", "OPS.2.2": "4"})
    row = s.pillars.set_index("pillar_id").loc["OPS"]
    assert (row["level"], row["label"], row["min_level"], row["max_level"]) == (2, "2+", 2, 4)
    assert row["mean"] == pytest.approx(3.0)
    assert row["distribution"] == "1 at 2, 1 at 4"


def test_unscored_subarea_is_left_out_of_pillar(fw):
    s = _score(fw, {"ADM.1.1": "4", "ADM.1.2": "4"})
    assert math.isnan(_sub(s, "ADM.2")["score"])
    adm = s.pillars.set_index("pillar_id").loc["ADM"]
    assert adm["score"] == 4.0 and adm["n_subareas_scored"] == 1
    assert math.isnan(s.pillars.set_index("pillar_id").loc["REG"]["score"])


@pytest.mark.parametrize("evidence, national, external, expected", [
    (STRONG, "4", "4", "high"),
    (STRONG, "5", "4", "high"),                               # one level apart still agrees
    (STRONG, "5", "3", "low"),                                # disagreement
    ([("audit", RECENT)], "4", "4", "medium"),                # one evidence type
    ([("audit", dt.date(2020, 1, 1)), ("observation", dt.date(2020, 1, 1))], "4", "4", "medium"),  # stale
    (STRONG, None, "4", "medium"),                            # no national rating to compare
])
def test_confidence(fw, evidence, national, external, expected):
    s = _score(fw, {"ADM.1.1": "4"}, evidence={"ADM.1.1": evidence}, national={"ADM.1.1": national},
               external={"ADM.1.1": external})
    row = _ind(s, "ADM.1.1")
    assert row["confidence"] == expected
    assert bool(row["disagreement"]) == (expected == "low")
    assert row["level"] == 4   # confidence never changes the score


def test_scores_on_demo_data_match_store(demo_store):
    a = demo_store.get_assessment("XAT")
    s = score_assessment(demo_store.framework, demo_store.ratings_frame(a.id), demo_store.evidence_frame(a.id))
    assert len(s.indicators) == len(demo_store.framework.indicators)
    assert s.pillars["score"].between(1, 5).all()
    assert list(s.pillars["pillar_id"]) == ["ADM", "OPS", "REG", "INF"]

"""Framework 2.0 scoring rules, worked by hand: gated criteria, overrides, normative alignment,
crossing-point kinds, the two sub-area rules (and 1.0's mean), warnings and the pillar profile."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import yaml

from workbook.framework import DEFAULT_FRAMEWORK, parse_framework
from workbook.scoring import aggregate, criteria_level, lower_median, score_assessment

TODAY = dt.date(2026, 11, 1)
STRONG = [("audit", dt.date(2026, 6, 1)), ("observation", dt.date(2026, 6, 1))]


def _criteria(iid: str, level: int, *, sea_only: str = "", normative: str = "") -> list[dict]:
    out = []
    for letter in "ab":
        c = {"id": f"{iid}.{level}{letter}", "text": f"check {letter} of level {level}", "shown_by": "document"}
        if letter == sea_only:
            c["applies_to"] = ["sea"]
        out.append(c)
    if normative:
        out.append({"id": f"{iid}.{level}c", "text": "party to a treaty", "shown_by": "document", "normative": True})
    return out


def _indicator(iid: str, lens: str = "process", applies_to=None) -> dict:
    levels = [{"level": 1, "descriptor": "d1", "evidence": ["e"]}]
    for n in range(2, 6):
        levels.append({"level": n, "descriptor": f"d{n}", "evidence": ["e"],
                       "criteria": _criteria(iid, n, sea_only="b" if n == 4 else "", normative="c" if n == 3 else "")})
    ind = {"id": iid, "name": f"Indicator {iid}", "question": f"Question {iid}?", "lens": lens, "guidance": "g",
           "levels": levels, "crosswalk": [{"ref": "GCM-11"}]}
    if applies_to:
        ind["applies_to"] = applies_to
    return ind


def _subarea(sid: str, n: int, *, method: str, criticality: str = "standard", applies=None) -> dict:
    return {"id": sid, "name": f"Sub-area {sid}", "description": "d", "criticality": criticality,
            "criticality_reason": "r", "aggregation": method, "aggregation_reason": "why",
            "contributes": ["movement"],
            "indicators": [_indicator(f"{sid}.{k}", applies_to=(applies or {}).get(k)) for k in range(1, n + 1)]}


@pytest.fixture(scope="module")
def fw():
    data = yaml.safe_load(DEFAULT_FRAMEWORK.read_text())
    data["version"] = "2.0.0-test"
    data["changelog"] = [{"version": "2.0.0-test", "date": "2026-12-06", "changes": ["test"]}]
    data["pillars"] = [
        {"id": "ADM", "name": "Administration", "description": "d", "subareas": [
            _subarea("ADM.1", 3, method="median_floor"), _subarea("ADM.2", 2, method="median_floor")]},
        {"id": "OPS", "name": "Operations", "description": "d", "subareas": [
            _subarea("OPS.2", 4, method="weakest_link", criticality="critical"),
            _subarea("OPS.7", 2, method="median_floor", applies={2: ["sea"]})]},
        {"id": "REG", "name": "Regulatory framework", "description": "d", "subareas": [
            _subarea("REG.1", 2, method="median_floor")]},
        {"id": "INF", "name": "Information management", "description": "d", "subareas": [
            _subarea("INF.1", 2, method="weakest_link")]},
    ]
    return parse_framework(yaml.safe_dump(data), source="mini 2.0")


def _answers(iid: str, upto: int, *, fail: str = "", skip: tuple = ()) -> dict:
    """Every capacity criterion of levels 2..upto answered yes, except ``fail`` (no)."""
    out = {}
    for n in range(2, upto + 1):
        for letter in "ab":
            cid = f"{iid}.{n}{letter}"
            if cid not in skip:
                out[cid] = "no" if cid == fail else "yes"
    return out


def _score(fw, agreed: dict, *, answers: dict | None = None, reasons: dict | None = None, kinds=None):
    rows = [{"indicator_id": i, "agreed": v, "national": v, "external": v,
             "override_reason": (reasons or {}).get(i, "")} for i, v in agreed.items()]
    evidenced = set(agreed) | {c.rsplit(".", 1)[0] for c in (answers or {})}
    ev = [{"indicator_id": i, "type": t, "date": d} for i in sorted(evidenced) for t, d in STRONG]
    crit = pd.DataFrame([(c, a) for c, a in (answers or {}).items()], columns=["criterion_id", "answer"])
    return score_assessment(fw, pd.DataFrame(rows, columns=["indicator_id", "agreed", "national", "external",
                                                            "override_reason"]),
                            pd.DataFrame(ev, columns=["indicator_id", "type", "date"]), criteria=crit, kinds=kinds,
                            as_of=TODAY)


def _row(frame, key, value):
    return frame.set_index(key).loc[value]


# -- criteria -------------------------------------------------------------------------------------

def test_a_level_counts_only_when_its_criteria_and_all_below_are_met(fw):
    ind = fw.indicator("ADM.1.1")
    assert criteria_level(ind, _answers("ADM.1.1", 5)).level == 5
    assert criteria_level(ind, _answers("ADM.1.1", 5, fail="ADM.1.1.3a")).level == 2
    assert criteria_level(ind, _answers("ADM.1.1", 5, fail="ADM.1.1.2b")).level == 1
    assert criteria_level(ind, {}).level is None


def test_unmet_criteria_are_named_and_met_higher_levels_mark_practice_ahead_of_paper(fw):
    res = criteria_level(fw.indicator("ADM.1.1"), _answers("ADM.1.1", 4, fail="ADM.1.1.3a"))
    assert res.blocked_by == ("ADM.1.1.3a",)
    assert res.gated_by == "the criteria of level 4 are met, but ADM.1.1.3a of level 3 is not"


def test_unanswered_criteria_leave_the_level_open_not_failed(fw):
    res = criteria_level(fw.indicator("ADM.1.1"), _answers("ADM.1.1", 3, skip=("ADM.1.1.3b",)))
    assert (res.level, res.open_from, res.blocked_by) == (2, 3, ())


def test_not_applicable_counts_as_met_and_normative_criteria_never_gate(fw):
    answers = _answers("ADM.1.1", 3) | {"ADM.1.1.3a": "na", "ADM.1.1.3c": "no"}
    res = criteria_level(fw.indicator("ADM.1.1"), answers)
    assert res.level == 3
    assert (res.normative_met, res.normative_total) == (0, 1)
    assert criteria_level(fw.indicator("ADM.1.1"), answers | {"ADM.1.1.3c": "yes"}).normative_met == 1


def test_criteria_for_kinds_of_crossing_point_the_country_lacks_drop_out(fw):
    answers = _answers("ADM.1.1", 4, skip=("ADM.1.1.4b",))      # 4b exists only with a seaport
    ind = fw.indicator("ADM.1.1")
    assert criteria_level(ind, answers, frozenset({"air", "land"})).level == 4
    assert criteria_level(ind, answers, frozenset({"air", "sea"})).level == 3
    assert criteria_level(ind, answers, None).level == 3          # no profile recorded: everything applies


def test_an_indicator_for_a_kind_the_country_lacks_is_not_applicable(fw):
    s = _score(fw, {"OPS.7.1": "3", "OPS.7.2": "1"}, kinds={"air", "land"})
    row = _row(s.indicators, "indicator_id", "OPS.7.2")
    assert row["status"] == "NA" and row["level_source"] == "the country has no seaport"
    assert _row(s.subareas, "subarea_id", "OPS.7")["n_applicable"] == 1
    assert _row(_score(fw, {"OPS.7.2": "1"}, kinds={"sea"}).indicators, "indicator_id", "OPS.7.2")["level"] == 1


def test_a_level_set_against_the_criteria_is_kept_and_flagged_with_its_reason(fw):
    s = _score(fw, {"ADM.1.1": "4"}, answers=_answers("ADM.1.1", 5, fail="ADM.1.1.3a"),
               reasons={"ADM.1.1": "The law passed last week; the gazette is not out yet."})
    row = _row(s.indicators, "indicator_id", "ADM.1.1")
    assert row["level"] == 4 and row["criteria_level"] == 2 and row["override"]
    assert row["override_reason"].startswith("The law passed")
    assert "ADM.1.1" in set(s.flags["indicator_id"])


def test_without_an_agreed_rating_settled_criteria_give_the_level(fw):
    s = _score(fw, {}, answers=_answers("ADM.1.2", 5, fail="ADM.1.2.4a"))
    row = _row(s.indicators, "indicator_id", "ADM.1.2")
    assert (row["status"], row["level"], row["level_source"], row["override"]) == ("rated", 3, "criteria", False)
    s = _score(fw, {}, answers=_answers("ADM.1.2", 3, skip=("ADM.1.2.3a",)))   # level 3 still open
    assert _row(s.indicators, "indicator_id", "ADM.1.2")["status"] == "missing"


def test_insufficient_evidence_counts_as_one_and_marks_verify_first(fw):
    s = _score(fw, {"ADM.2.1": "IE", "ADM.2.2": "3"})
    assert _row(s.indicators, "indicator_id", "ADM.2.1")["verify_first"]
    assert _row(s.subareas, "subarea_id", "ADM.2")["level"] == 1   # the lower median of 1 and 3


# -- sub-areas ------------------------------------------------------------------------------------

@pytest.mark.parametrize("levels, method, expected", [
    ([4, 4, 4, 1], "weakest_link", (1, 1, "")),
    ([3, 4], "weakest_link", (3, 3, "")),
    ([4, 4, 1], "median_floor", (2, 2, "held at 2, one above its weakest indicator (median 4)")),
    ([2, 3, 3], "median_floor", (3, 3, "")),
    ([2, 4], "median_floor", (2, 2, "")),                       # the lower median of an even count
    ([4, 4, 4, 1], "mean", (3, 3.25, "")),
])
def test_aggregation_rules_worked_by_hand(levels, method, expected):
    assert aggregate([float(x) for x in levels], method) == expected


def test_the_legal_cap_of_framework_1_applies_to_the_mean_only():
    assert aggregate([5.0, 5.0, 2.0], "mean", legal=[2.0], legal_cap=1) == (3, 3.0, "capped by its legal basis")
    assert aggregate([5.0, 5.0, 2.0], "median_floor", legal=[2.0], legal_cap=1)[0] == 3


def test_the_review_case_a_critical_sub_area_never_hides_a_failing_indicator(fw):
    """OPS.2 with three indicators at 4 and one at 1, all evidenced: 1+ under the weakest link."""
    s = _score(fw, {"OPS.2.1": "4", "OPS.2.2": "4", "OPS.2.3": "1", "OPS.2.4": "4"})
    row = _row(s.subareas, "subarea_id", "OPS.2")
    assert (row["level"], row["plus"], row["label"]) == (1, True, "1+")
    assert (row["min_level"], row["max_level"], row["method_low"], row["method_high"]) == (1, 4, 1, 3)


def test_any_sub_area_reading_three_or_more_over_a_weak_indicator_says_so_in_words(fw):
    s = _score(fw, {"ADM.1.1": "5", "ADM.1.2": "5", "ADM.1.3": "2"})
    row = _row(s.subareas, "subarea_id", "ADM.1")
    assert row["level"] == 3
    assert row["warning"] == "ADM.1 Sub-area ADM.1 reads level 3 although ADM.1.3 Indicator ADM.1.3 is at level 2"
    assert s.warnings == [row["warning"]]


def test_pillar_profile_is_levels_and_spread_not_a_mean(fw):
    s = _score(fw, {"ADM.1.1": "2", "ADM.1.2": "2", "ADM.1.3": "2", "ADM.2.1": "4", "ADM.2.2": "4"})
    row = _row(s.pillars, "pillar_id", "ADM")
    assert (row["level"], row["label"], row["min_level"], row["max_level"]) == (2, "2+", 2, 4)
    assert row["distribution"] == "1 at 2, 1 at 4"


def test_lower_median():
    assert lower_median([1, 2, 3, 4]) == 2 and lower_median([5, 1, 3]) == 3

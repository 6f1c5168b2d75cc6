"""One capability, one home: no two indicators in different sub-areas ask the same thing.

The measure and its threshold are explained in :mod:`workbook.framework.overlap`; the control
tests show the check fails on framework 1.0 (where the expert review found double counting) and
on a 2.0 file with a duplicated question."""
from __future__ import annotations

import copy

import yaml

from workbook.framework import DEFAULT_FRAMEWORK, load_framework, parse_framework
from workbook.framework.overlap import OVERLAP_THRESHOLD, indicator_similarities, overlapping_indicators


def test_no_two_indicators_of_framework_2_overlap():
    found = overlapping_indicators(load_framework())
    assert not found, "indicators that ask the same thing:\n" + "\n".join(map(str, found))


def test_the_highest_pair_in_2_0_sits_below_the_threshold_with_a_margin():
    top = indicator_similarities(load_framework())[0]
    assert top.score < OVERLAP_THRESHOLD - 0.02, str(top)


def test_control_framework_1_0_fails_on_the_pairs_the_review_named():
    """The expert review listed capabilities rated twice in 1.0; the check must find them."""
    found = {(o.first, o.second) for o in overlapping_indicators(load_framework(version="1.0.0"))}
    named = {("OPS.3.1", "REG.2.2"), ("REG.2.4", "INF.1.1"), ("OPS.2.2", "INF.3.3"), ("REG.2.4", "INF.6.1"),
             ("OPS.2.3", "OPS.6.2")}
    assert named <= found
    assert found <= named  # nothing flagged that the review did not name as double counting


def test_control_a_question_copied_into_another_sub_area_is_found():
    data = yaml.safe_load(DEFAULT_FRAMEWORK.read_text(encoding="utf-8"))
    ops2 = next(s for p in data["pillars"] for s in p["subareas"] if s["id"] == "OPS.2")
    ops6 = next(s for p in data["pillars"] for s in p["subareas"] if s["id"] == "OPS.6")
    home = next(i for i in ops2["indicators"] if i["id"] == "OPS.2.3")
    copy_of = copy.deepcopy(home)
    copy_of["id"] = "OPS.6.9"
    for lv in copy_of["levels"]:
        for c in lv.get("criteria", []):
            c["id"] = c["id"].replace("OPS.2.3.", "OPS.6.9.")
    ops6["indicators"] = ops6["indicators"][:3] + [copy_of]
    fw = parse_framework(yaml.safe_dump(data, sort_keys=False), source="copied question")
    assert ("OPS.2.3", "OPS.6.9") in {(o.first, o.second) for o in overlapping_indicators(fw)}

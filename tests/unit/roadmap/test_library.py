"""The action library: a complete library loads; a broken one reports every problem at once."""
from __future__ import annotations


import pytest
import yaml

from support.library import complete_library, complete_library_data
from workbook.roadmap.library import (DEFAULT_ACTIONS, STEPS, ActionLibraryError, find_cycles, format_cycle,
                                      load_actions, parse_actions)
from workbook.errors import InvalidInput, NotFound
from workbook.framework import load_framework

@pytest.fixture
def fw():
    return load_framework()


def test_complete_library_loads(tmp_path, fw):
    lib = complete_library(tmp_path, fw)
    assert [a.id for a in lib.actions_for("INF.6.2", 3)] == ["INF.6.2-s3-a", "INF.6.2-s3-b"]
    assert lib.action("INF.6.1-s3-a").type == "legislation"
    # prerequisites, direct and indirect, prerequisites first
    assert [a.id for a in lib.prerequisites_of("INF.6.2-s3-a")] == ["INF.6.1-s2-a", "INF.6.1-s3-a", "INF.6.2-s2-a"]
    assert lib.type_name("ict_system") == "ICT system"
    assert len(lib.to_frame()) == len(lib.actions)
    with pytest.raises(NotFound, match="unknown action"):
        lib.action("NOPE")
    assert load_actions(tmp_path / "actions.yaml", fw) is lib  # cached per file and framework


def test_broken_library_reports_every_problem_with_its_location(fw):
    data = complete_library_data(fw)
    acts = data["actions"]
    acts[0]["indicator"] = "INF.9.9"                                    # unknown indicator (and id mismatch)
    acts[1]["type"] = "magic"                                           # unknown type
    acts[2]["id"] = "inf62-2"                                           # bad id pattern
    acts[3]["prerequisites"] = ["INF.6.1-s3-a", "NOPE-s2-a"]            # unknown prerequisite
    acts[5]["prerequisites"] = ["ADM.1.1-s3-a"]                         # cycle: s2 needs s3 needs s2
    acts.append({**acts[6], "extra": 1})                                # duplicate id, unknown key
    data["actions"] = [a for a in acts if a["id"] != "REG.2.1-s4-a"]    # a step left uncovered
    text = yaml.safe_dump(data, sort_keys=False)
    with pytest.raises(ActionLibraryError) as err:
        parse_actions(text, fw, source="broken.yaml")
    msgs = [str(p) for p in err.value.problems]
    joined = "\n".join(msgs)
    assert isinstance(err.value, InvalidInput)
    assert "unknown indicator 'INF.9.9'" in joined
    assert "unknown action type 'magic'" in joined
    assert "id 'inf62-2' must be <indicator>-s<to_level>-<letter>" in joined
    assert "unknown prerequisite 'NOPE-s2-a'" in joined
    assert "prerequisite cycle: ADM.1.1-s2-a needs ADM.1.1-s3-a needs ADM.1.1-s2-a" in joined
    assert "duplicate id 'ADM.1.1-s3-a'" in joined
    assert "Extra inputs are not permitted" in joined
    assert "REG.2.1: no action for step 3->4" in joined
    # every problem is located: a path with the action's id and a line number
    assert all("(line " in m for m in msgs), msgs
    assert any(m.startswith("actions[1](INF.6.1-s3-a).type (line ") for m in msgs)


def test_framework_mismatch_and_bad_yaml(fw):
    data = complete_library_data(fw)
    data["framework"] = {"id": "other", "version": "1.0.0"}
    with pytest.raises(ActionLibraryError) as err:
        parse_actions(yaml.safe_dump(data), fw)
    assert {p.location.split(" ")[0] for p in err.value.problems} == {"framework.id", "framework.version"}
    with pytest.raises(ActionLibraryError, match="not valid YAML"):
        parse_actions("actions: [", fw)
    with pytest.raises(ActionLibraryError, match="cannot read the action library"):
        load_actions("/nonexistent/actions.yaml", fw)


def test_find_cycles_shows_each_cycle_once():
    edges = {"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"], "e": ["f"], "f": []}
    assert find_cycles(edges) == [["a", "b", "c", "a"]]
    assert format_cycle(["a", "b", "a"]) == "a needs b needs a"
    assert find_cycles({"x": ["y"], "y": []}) == []
    chain = {str(i): [str(i + 1)] for i in range(5000)}  # deep chains do not hit the recursion limit
    chain["5000"] = ["0"]
    assert len(find_cycles(chain)[0]) == 5002


@pytest.mark.skipif(not DEFAULT_ACTIONS.exists(), reason="workbook/data/actions.yaml is not written yet")
def test_shipped_library_is_valid(fw):
    lib = load_actions()
    steps = {(a.indicator, a.to_level) for a in lib.actions}
    assert steps == {(i, s) for i in fw.indicators for s in STEPS}


def test_one_investment_one_action_in_the_shipped_library():
    """Each catalogue item that is one investment (INTERPOL links, document readers, interview rooms,
    facilities for women staff...) is bought only under its home indicator; the other indicators it
    serves are listed under ``also_closes``. Control: buying interview rooms again under OPS.8.3 fails."""
    fw = load_framework()
    lib = load_actions(framework=fw)
    homed = {i.id: i.homes for i in lib.cost_items if i.homes}
    assert {"interpol_link", "doc_reader", "interview_room", "women_facilities"} <= set(homed)
    for a in lib.actions:
        for use in a.cost:
            assert a.indicator in homed.get(use.item, [a.indicator]), (a.id, use.item)
    assert any(c.indicator == "OPS.8.3" for a in lib.actions if a.indicator == "OPS.2.3" for c in a.also_closes)
    data = yaml.safe_load(DEFAULT_ACTIONS.read_text(encoding="utf-8"))
    dup = next(a for a in data["actions"] if a["indicator"] == "OPS.8.3")
    dup["cost"] = dup["cost"] + [{"item": "interview_room", "per": "post"}]
    with pytest.raises(ActionLibraryError, match="'interview_room' is one investment, bought only under OPS.2.3"):
        parse_actions(yaml.safe_dump(data, sort_keys=False), fw)

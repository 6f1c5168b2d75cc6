"""The register fills the road map's quantities table (source "register"), which the costing
multiplies by: posts by kind, booths, officers, regions. Hand-worked on the three posts of
tests/support/mission.py:

* posts: 1 air, 1 land, 1 sea;
* booths: only the airport records them (24): at least 24, 2 of 3 posts missing;
* officers: 120 at the airport + 30 at the bridge = 150, the harbour missing;
* regions: Capital District, North, Coast = 3.
"""
from __future__ import annotations

import pandas as pd

from support.mission import POSTS, mission_assessment
from workbook.cli import main
from workbook.mission.coverage import register_quantities
from workbook.roadmap.funding import FundingStore

EXPECTED = {("post", "air"): 1, ("post", "land"): 1, ("post", "sea"): 1, ("booth", ""): 24, ("officer", ""): 150,
            ("region", ""): 3}


def table(store, aid) -> dict:
    f = FundingStore(store).quantities_frame(aid)
    return {(m, k): (lo, hi, src) for m, k, lo, hi, src in zip(f["measure"], f["kind"], f["low"], f["high"],
                                                                f["source"])}


def test_the_counts_by_hand():
    posts = pd.DataFrame(POSTS).reindex(columns=["code", "kind", "region", "region_code", "booths", "officers"])
    rows = register_quantities(posts)
    assert {(r["measure"], r["kind"]): r["low"] for r in rows} == EXPECTED
    assert all(r["low"] == r["high"] for r in rows)
    notes = {r["measure"]: r["note"] for r in rows}
    assert notes["booth"].startswith("at least: 2 of the 3 posts") and notes["officer"].startswith("at least: 1 of")
    # regions counted once, by ISO code when known, by name (case aside) otherwise
    same = pd.DataFrame({"code": ["A", "B", "C"], "kind": ["land"] * 3, "region": ["Nord", "nord ", "Dakar"],
                         "region_code": [None, None, "SN-DK"], "booths": [None] * 3, "officers": [2, 3, 4]})
    rows = register_quantities(same)
    assert {(r["measure"], r["kind"]): r["low"] for r in rows} == {("post", "land"): 3, ("officer", ""): 9,
                                                                   ("region", ""): 2}
    assert register_quantities(same.iloc[:0]) == []


def test_the_store_fills_the_table_and_follows_the_register(store, tmp_path):
    mission, a = mission_assessment(store, tmp_path)
    funding = FundingStore(store)
    funding.set_quantities(a.id, [{"measure": "post", "kind": "rail", "low": 2}], by="Ana Costa")  # the team's own
    mission.fill_quantities(a.id, by="Ana Costa")
    got = table(store, a.id)
    assert {k: v[0] for k, v in got.items() if v[2] == "register"} == EXPECTED
    assert got[("post", "rail")] == (2, 2, "team"), "a count the register does not give is left to the team"
    assert funding.quantities(a.id)[("officer", "")] == (150.0, 150.0)
    # the harbour leaves the register: its count falls to 0, the others follow
    mission.remove_post(a.id, "XAT-SEA-1", by="Ana Costa")
    mission.fill_quantities(a.id, by="Ana Costa")
    got = table(store, a.id)
    assert got[("post", "sea")] == (0, 0, "register") and got[("region", "")][0] == 2
    audit = store.audit_frame(a.id)
    assert len(audit[audit["entity"] == "quantity"]) > 0


def test_from_the_command_line(store, tmp_path, capsys):
    mission, a = mission_assessment(store, tmp_path)
    assert main(["mission", "XAT", "--by", "Ana Costa", "quantities"]) == 0
    out = capsys.readouterr().out
    assert "officer" in out and "150" in out and "post:air" in out
    assert table(store, a.id)[("booth", "")][0] == 24

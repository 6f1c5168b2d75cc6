"""Investment packages: suggestions grouped by package, the gaps each closes, the evidence behind them."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from workbook.framework import load_framework
from workbook.roadmap.library import load_actions
from workbook.roadmap.packages import (Gap, InvestmentPackage, build_packages, gaps_frame, package_cycles,
                                       packages_frame)


@pytest.fixture(scope="module")
def fw():
    return load_framework()


@pytest.fixture(scope="module")
def lib(fw):
    return load_actions(framework=fw)


def suggestions(*keys, short=(), verify=()):
    return pd.DataFrame([{"key": k, "horizon": "short" if k in short else "long", "verify_first": k in verify}
                         for k in keys])


KEYS = ("ADM.1.1-s2-a", "ADM.1.1-s2-b", "ADM.1.1-s3-a", "INF.7.1-s3-a", "OPS.1.4-s3-a", "OPS.1.4-s4-a")


def test_suggestions_are_grouped_by_package_with_the_gaps_they_close_across_indicators(fw, lib):
    evidence = pd.DataFrame([{"indicator_id": "ADM.1.1", "type": "law", "source": "Border Act 2019",
                              "date": dt.date(2026, 1, 5)}])
    got = {p.id: p for p in build_packages(fw, lib, suggestions(*KEYS, short=("ADM.1.1-s2-a",)),
                                           {"ADM.1.1": 1, "OPS.1.4": 2, "INF.7.1": 2}, evidence)}
    org, blue = got["organisational-development"], got["green-blue-border"]
    assert org.actions == ["ADM.1.1-s2-a", "ADM.1.1-s2-b", "ADM.1.1-s3-a"]
    # ADM.1.1-s3-a also closes OPS.1.4 -> 3: one investment, two gaps
    assert org.gaps == [Gap("ADM.1.1", "ADM.1", 1, 3), Gap("OPS.1.4", "OPS.1", 2, 3)]
    assert org.evidence == {"ADM.1.1": ["law: Border Act 2019 (2026-01-05)"], "OPS.1.4": []}
    assert (org.horizon, blue.horizon) == ("short", "long")
    assert org.pillars == ["ADM", "OPS"]
    assert blue.gaps == [Gap("OPS.1.4", "OPS.1", 2, 4)]
    # OPS.1.4-s3-a needs INF.7.1-s3-a, which lives in another package
    assert blue.needs == [lib.action("INF.7.1-s3-a").package]
    assert org.needs == []
    frame = packages_frame(list(got.values())).set_index("package_id")
    assert frame.loc["organisational-development", "indicators"] == "ADM.1.1, OPS.1.4"
    rows = gaps_frame(list(got.values()))
    assert rows[rows["indicator_id"] == "OPS.1.4"]["evidence"].tolist() == ["no evidence recorded"] * 2


def test_a_gap_already_closed_is_not_listed_and_a_package_may_close_none(fw, lib):
    got = {p.id: p for p in build_packages(fw, lib, suggestions("ADM.1.1-s3-a", verify=("ADM.1.1-s3-a",)),
                                           {"ADM.1.1": 2, "OPS.1.4": 3})}
    assert got["organisational-development"].gaps == [Gap("ADM.1.1", "ADM.1", 2, 3)]
    assert got["organisational-development"].verify_first
    none = build_packages(fw, lib, suggestions("ADM.1.1-s2-a"), {"ADM.1.1": 2})
    assert none[0].gaps == []


def test_circular_dependencies_between_packages_are_found():
    a, b, c = InvestmentPackage("a", "A", needs=["b"]), InvestmentPackage("b", "B", needs=["a"]), \
        InvestmentPackage("c", "C", needs=["a"])
    assert package_cycles([a, b, c]) == [["a", "b", "a"]]
    assert package_cycles([a, b, c], {"a", "c"}) == []


def test_every_package_is_tagged_and_bad_tags_are_located(lib, tmp_path):
    from workbook.errors import InvalidInput
    from workbook.roadmap.packages import load_tags
    tags = load_tags(lib)
    assert set(tags) == {p.id for p in lib.packages}
    assert tags["rescue-at-sea"].gcm == (8,) and "16.9" in tags["identity-management"].sdg
    bad = tmp_path / "tags.yaml"
    bad.write_text("packages:\n  api-pnr: {title: API and PNR, sdg: ['107', '16.a'], gcm: [24]}\n"
                   "  rescue-at-sea: {sdg: ['10.7'], gcm: [8]}\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as err:
        load_tags(lib, bad)
    got = [p.location for p in err.value.problems]
    assert got[:3] == ["tags.yaml: packages.api-pnr.sdg", "tags.yaml: packages.api-pnr.gcm",
                       "tags.yaml: packages.rescue-at-sea"]
    assert len([g for g in got if g == "tags.yaml: packages"]) == len(lib.packages) - 2


def test_tags_roll_up_with_the_cost_of_the_packages_that_carry_them():
    from workbook.roadmap.packages import tag_rollup
    a = InvestmentPackage("a", "A", sdg=["16.10", "10.7"], gcm=[11], contributes=["movement"])
    b = InvestmentPackage("b", "B", sdg=["10.7", "16.a", "16.2"], gcm=[11, 7], contributes=["crime"])
    summary = pd.DataFrame([{"package_id": "a", "total_low": 100.0, "total_high": 200.0},
                            {"package_id": "b", "total_low": 10.0, "total_high": 20.0}])
    got = tag_rollup([a, b], summary)
    assert got[["tag", "value", "n_packages", "low", "high"]].values.tolist() == [
        ["SDG target", "10.7", 2, 110.0, 220.0], ["SDG target", "16.2", 1, 10.0, 20.0],
        ["SDG target", "16.10", 1, 100.0, 200.0], ["SDG target", "16.a", 1, 10.0, 20.0],
        ["GCM objective", "7", 1, 10.0, 20.0], ["GCM objective", "11", 2, 110.0, 220.0],
        ["contribution area", "crime", 1, 10.0, 20.0], ["contribution area", "movement", 1, 100.0, 200.0]]

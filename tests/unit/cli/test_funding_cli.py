"""`workbook roadmap XAT packages|quantities|costs|rates|commit|funding|costing` on the demo."""
from __future__ import annotations

import pytest

from workbook.errors import InvalidInput
from workbook.roadmap.funding import FundingStore


def run(*argv: str) -> int:
    from workbook.cli import build_parser
    args = build_parser().parse_args(["roadmap", "XAT", *argv])
    return args.run(args)


def test_the_demo_road_map_is_costed_by_horizon_pillar_and_package(demo_store, capsys):
    assert run("costing") == 0
    out = capsys.readouterr().out
    road = FundingStore(demo_store).road_map(demo_store.get_assessment("XAT").id)
    assert len(road.committed) == 12 and len(road.backlog) == len(road.table) - 12
    assert out.startswith("Committed road map of XAT Atlantis (fictional), baseline 2026: 12 packages, USD ")
    tags = road.tags().set_index(["tag", "value"])
    assert f"  SDG target 10.7: {tags.loc[('SDG target', '10.7'), 'n_packages']} packages, USD " in out
    for part in ("By horizon:", "By pillar:", "  OPS: USD", "Per package (government / donors):",
                 "  GCM objective 12: ", "  contribution area movement: ",
                 "identity-management: The World Bank identity project covers it."):
        assert part in out
    assert run("packages", "--gaps") == 0
    out = capsys.readouterr().out
    assert "- protection-screening [committed] Protection-sensitive screening" in out and "evidence:" in out


def test_counts_prices_and_rates_are_set_from_the_command_line(demo_store, capsys):
    assert run("rates", "--set", "XCD=0.37", "--source", "central bank 2025 average", "--by", "Ana") == 0
    assert run("costs", "--set", "interview_room=20000-30000", "--currency", "xcd", "--year", "2026",
               "--source", "Public Works quote", "--by", "Ana") == 0
    assert run("quantities", "--set", "post:sea=3-4", "--set", "officer=450", "--by", "Ana") == 0
    out = capsys.readouterr().out
    assert "1 XCD = 0.37 USD (central bank 2025 average; Ana)" in out
    assert "interview_room         capital   XCD 20,000-30,000 (2026 prices; Public Works quote)" in out
    assert "posts (sea): 3-4  [team]" in out and "officers: 450  [team]" in out
    with pytest.raises(InvalidInput) as err:
        run("quantities", "--set", "post:moon=-3", "--set", "booth")
    assert [p.location for p in err.value.problems] == ["--set[1]"]
    with pytest.raises(InvalidInput) as err:
        run("costs", "--set", "doc_reader=400", "--currency", "EUR")
    assert {p.location for p in err.value.problems} == {"unit_costs[0].currency", "unit_costs[0].price_year"}


def test_commit_and_funding(demo_store, capsys):
    with pytest.raises(InvalidInput, match="say why in the note"):
        run("commit", "legal-reform-protection")
    assert run("commit", "legal-reform-protection", "--note", "Law first.", "--backlog",
               "api-pnr=EU programme") == 0
    assert run("funding", "legal-reform-protection", "--government-share", "0.1", "--funded-by", "UNHCR",
               "--status", "pipeline") == 0
    out = capsys.readouterr().out
    assert "committed 1 package for XAT" in out
    assert "legal-reform-protection: pipeline, funded by UNHCR, government share 10%" in out


def test_iati_writes_one_activity_per_committed_package(demo_store, tmp_path, capsys):
    assert run("iati", "-o", str(tmp_path / "x.xml"), "--plan-start", "2027-01-01") == 0
    assert capsys.readouterr().out.startswith("wrote 12 IATI activities (one per committed package) of XAT")
    assert (tmp_path / "x.xml").read_text(encoding="utf-8").count("<iati-activity ") == 12

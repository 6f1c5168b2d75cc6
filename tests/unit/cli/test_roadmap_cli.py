"""`workbook roadmap`: suggest, accept, show, exposure and export, through the command line's
parser (errors raise as they reach the main command, which prints them)."""
from __future__ import annotations

import pandas as pd
import pytest

from support.databases import clear_roadmap
from workbook.exchange.roadmap import ROADMAP_COLUMNS
from workbook.errors import InvalidInput, NotFound
from workbook.roadmap import RoadmapStore

ROUND = "baseline 2026"


def run(*argv: str) -> int:
    """``workbook roadmap ...`` in-process; errors raise as they would reach the main command."""
    from workbook.cli import build_parser
    args = build_parser().parse_args(["roadmap", *argv])
    return args.run(args)


@pytest.fixture
def xat(demo_store):
    """XAT with no road map yet (the demo commits one; these tests build theirs)."""
    clear_roadmap(demo_store, "XAT", ROUND)
    return demo_store.get_assessment("XAT", ROUND)


def test_suggest_prints_the_top_suggestions(demo_store, xat, capsys):
    assert run("XAT", "suggest", "--top", "2", "--limit", "3") == 0
    out = capsys.readouterr().out
    expected = RoadmapStore(demo_store).suggest(xat.id, top=2)
    assert out.startswith(f"XAT Atlantis (fictional), baseline 2026: {len(expected)} suggestions")
    for key in expected["key"][:3]:
        assert key in out
    assert expected["key"].iloc[3] not in out and f"... {len(expected) - 3} more" in out
    assert run("XAT", "suggest", "--pillar", "inf", "--limit", "0") == 0
    lines = [ln for ln in capsys.readouterr().out.splitlines() if "-s" in ln and "." in ln.split()[0]]
    # the sub-area column (an investment homed in another pillar may serve an INF gap: one action per investment)
    assert lines and all(ln.split()[1].startswith("INF.") for ln in lines)


def test_accept_adds_suggestions_with_their_prerequisites_once(demo_store, xat, capsys):
    sug = RoadmapStore(demo_store).suggest(xat.id)
    needs = sug[[len(p) > 0 for p in sug["prerequisites"]]].iloc[0]
    assert run("XAT", "--round", ROUND, "accept", needs["key"], "--by", "Ana") == 0
    out = capsys.readouterr().out
    recs = RoadmapStore(demo_store).recommendations_frame(xat.id)
    assert set(recs["source_action_id"]) >= {needs["key"], *needs["prerequisites"]}
    assert set(recs["updated_by"]) == {"Ana"}
    assert f"{needs['prerequisites'][0]} (prerequisite)" in out
    assert run("XAT", "accept", needs["key"], "--by", "Ana") == 0
    assert f"already in the list: {needs['key']}" in capsys.readouterr().out
    assert len(RoadmapStore(demo_store).recommendations_frame(xat.id)) == len(recs)


def test_accept_all_with_filters(demo_store, xat, capsys):
    assert run("XAT", "accept", "--all", "--horizon", "short", "--top", "1", "--by", "Ana") == 0
    expected = RoadmapStore(demo_store).suggest(xat.id, horizon="short", top=1)
    recs = RoadmapStore(demo_store).recommendations_frame(xat.id)
    assert sorted(recs["source_action_id"]) == sorted(expected["key"])


def test_bad_input_is_refused_and_writes_nothing(demo_store, xat):
    rm = RoadmapStore(demo_store)
    with pytest.raises(InvalidInput, match="'INF.9.9-s2-z' is not among the suggestions"):
        run("XAT", "accept", "INF.9.9-s2-z", "--by", "Ana")
    with pytest.raises(InvalidInput, match="give the action ids"):
        run("XAT", "accept", "--by", "Ana")
    with pytest.raises(InvalidInput) as err:
        run("XAT", "suggest", "--pillar", "XXX", "--top", "99")
    assert [p.location for p in err.value.problems] == ["--pillar", "--top"]
    with pytest.raises(InvalidInput, match="exposure: '5' is not one of 1, 2, 3"):
        run("XAT", "exposure", "5", "--reason", "big", "--by", "Ana")
    with pytest.raises(InvalidInput, match="reason: is required"):
        run("XAT", "exposure", "3", "--reason", " ", "--by", "Ana")
    with pytest.raises(NotFound, match="XZZ"):
        run("XZZ", "show")
    with pytest.raises(InvalidInput, match="plan-start"):
        run("XAT", "show", "--plan-start", "soon")
    assert rm.recommendations_frame(xat.id).empty and not rm.get_exposure(xat.id)["is_set"]


def test_exposure_is_set(demo_store, xat, capsys):
    assert run("XAT", "exposure", "3", "--reason", "main hub airport", "--by", "Ana") == 0
    assert "exposure of XAT Atlantis (fictional), baseline 2026: 3 (main hub airport), set by Ana" in \
        capsys.readouterr().out
    assert RoadmapStore(demo_store).get_exposure(xat.id)["level"] == 3


def test_show_prints_the_sequence_problems_and_flags(demo_store, xat, capsys):
    rm = RoadmapStore(demo_store)
    law = rm.add_recommendation(xat.id, {"subarea_id": "INF.6", "target_level": 5, "action_type": "legislation",
                                         "title": "Adopt the API/PNR law", "horizon": "short",
                                         "deadline": "2027-06-30"}, by="Ana")
    rm.add_recommendation(xat.id, {"subarea_id": "INF.6", "target_level": 5, "action_type": "ict_system",
                                   "title": "Set up the API/PNR system", "horizon": "long", "deadline": "2027-01-31",
                                   "prerequisites": [law]}, by="Ana")
    rm.add_initiatives(xat.id, [{"donor": "EU", "title": "API support", "start_date": "2026-01-01",
                                 "end_date": "2028-12-31", "subareas": ["INF.6"]},
                                {"donor": "UNODC", "title": "Passenger data", "start_date": "2026-06-01",
                                 "end_date": "2027-12-31", "subareas": ["INF.6"]}], by="Ana")
    assert run("XAT", "show", "--plan-start", "2026-02-01") == 0
    out = capsys.readouterr().out
    assert "Road map of XAT Atlantis (fictional), baseline 2026 (plan start 2026-02-01): 2 recommendations" in out
    assert out.index("Adopt the API/PNR law") < out.index("Set up the API/PNR system")
    assert "Short term (up to 18 months): 1" in out and "Long term (2-5 years): 1" in out
    assert "Schedule check: 1 problem\n" in out and "is before the deadline 2027-06-30" in out
    assert "covered by an initiative: 4" in out and "overlapping initiatives: 1" in out
    assert "gaps nobody funds:" in out and "INF.6 " not in out.split("gaps nobody funds:")[1]


def test_export_writes_the_road_map_as_csv(demo_store, xat, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("WORKBOOK_OUTPUTS", str(tmp_path / "outputs"))
    rm = RoadmapStore(demo_store)
    rm.add_recommendation(xat.id, {"subarea_id": "INF.6", "target_level": 5, "action_type": "legislation",
                                   "title": "=HYPERLINK(\"http://evil\")", "horizon": "short",
                                   "partners": "Data protection authority; Civil aviation authority"}, by="Ana")
    out = tmp_path / "roadmap.csv"
    assert run("XAT", "export", "--output", str(out)) == 0
    assert f"wrote roadmap of XAT Atlantis (fictional), baseline 2026 (1 row): {out}" in capsys.readouterr().out
    frame = pd.read_csv(out)
    assert list(frame.columns) == ROADMAP_COLUMNS
    row = frame.iloc[0]
    assert row["title"] == "'=HYPERLINK(\"http://evil\")", "a formula is written as text"
    assert row["partners"] == "Data protection authority; Civil aviation authority"
    assert (row["order"], row["horizon"], row["group"]) == (1, "short", "Short term (up to 18 months)")
    assert run("XAT", "export", "--what", "suggestions") == 0
    default = capsys.readouterr().out.split(": ")[-1].strip()
    assert default == str(tmp_path / "outputs" / "XAT" / "baseline-2026" / "XAT-baseline-2026-suggestions.csv")
    assert len(pd.read_csv(default)) == len(rm.suggest(xat.id))

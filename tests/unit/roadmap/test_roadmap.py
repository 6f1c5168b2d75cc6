"""Road-map logic on hand-made cases: priority, sequencing, cycles, duplication flags, follow-up, charts."""
from __future__ import annotations

import datetime as dt

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from support.library import complete_library
from workbook.present import charts
from workbook.errors import InvalidInput
from workbook.framework import load_framework
from workbook.roadmap import (build_roadmap, check_schedule, compare_scores, compute_targets,
                              covered_recommendations, map_donors, overlapping_initiatives, sequence_recommendations,
                              status_counts, status_on, suggest_recommendations, targeted_changes, unfunded_gaps)
from workbook.roadmap.sequence import add_months
from workbook.scoring import score_assessment

START = dt.date(2026, 1, 15)


@pytest.fixture(scope="module")
def fw():
    return load_framework()


def subareas(**scores) -> pd.DataFrame:
    """A hand-made ``score_subareas`` frame: ``subareas(ADM_1=2.5)``."""
    return pd.DataFrame({"subarea_id": [k.replace("_", ".") for k in scores], "score": list(scores.values())})


def recs(*rows) -> pd.DataFrame:
    """Recommendations as a table: (id, title, horizon, prerequisites, deadline, status)."""
    cols = ["id", "title", "horizon", "prerequisites", "deadline", "status"]
    df = pd.DataFrame([dict(zip(cols, r)) for r in rows], columns=cols)
    return df.assign(subarea_id="ADM.1", indicator_id=None, funding_status="gap")


# -- targets, gaps, priority --------------------------------------------------------------
def test_priority_is_gap_times_criticality_times_exposure(fw):
    """Framework 2.0: targets are the current level +1 (short) and +2 (long), capped at 4; from 4 the
    short term holds and the long term aims at 5. Gaps are whole levels; criticality counts once."""
    assert [fw.criticality_of(s).id for s in ("ADM.1", "ADM.3", "REG.2")] == ["high", "standard", "critical"]
    t = compute_targets(fw, subareas(ADM_1=2.5, ADM_3=1.0, REG_2=4.2, ADM_2=4.0), exposure=3).set_index("subarea_id")
    # ADM.1 (high: weight 2): level 2, short 3, long 4, gap 2 -> 2 x 2 x 3 = 12
    assert t.loc["ADM.1", ["current_level", "short_term_target", "long_term_target"]].tolist() == [2, 3, 4]
    assert t.loc["ADM.1", ["gap_short", "gap_long", "priority"]].tolist() == [1, 2, 12]
    # ADM.3 (standard: weight 1): level 1 -> short 2, long 3; gap 2 -> 2 x 1 x 3 = 6
    assert t.loc["ADM.3", ["short_term_target", "long_term_target", "priority"]].tolist() == [2, 3, 6]
    # REG.2 (critical: weight 3) at 4: the short term holds 4, the long term aims at 5; 1 x 3 x 3 = 9
    assert t.loc["REG.2", ["short_term_target", "long_term_target", "priority"]].tolist() == [4, 5, 9]
    # ADM.2 (high) at 4: 1 x 2 x 3 = 6, ranked after ADM.3's equal priority? no: ties keep framework order
    assert t.loc["ADM.2", ["short_term_target", "long_term_target", "priority"]].tolist() == [4, 5, 6]
    assert [t.loc[s, "rank"] for s in ("ADM.1", "REG.2", "ADM.2", "ADM.3")] == [1, 2, 3, 4]
    # an unscored sub-area has no target, gap or rank
    assert pd.isna(t.loc["OPS.1", "priority"]) and pd.isna(t.loc["OPS.1", "rank"])
    assert pd.isna(t.loc["OPS.1", "short_term_target"])


def test_edited_targets_are_used_with_their_reason(fw):
    edits = pd.DataFrame([{"subarea_id": "ADM.3", "short_term": None, "short_reason": "", "long_term": 5,
                           "long_reason": "the ministry aims for an academy", "version": 1}])
    t = compute_targets(fw, subareas(ADM_3=3.0), edits, exposure=1).set_index("subarea_id")
    row = t.loc["ADM.3"]
    assert (row["long_term_target"], row["long_term_default"], row["long_term_source"]) == (5, 4, "edited")
    assert row["long_term_reason"] == "the ministry aims for an academy"
    assert (row["short_term_target"], row["short_term_source"]) == (4, "default")
    assert row["priority"] == pytest.approx(2.0)  # gap 2 x weight 1 x exposure 1


def test_exposure_scales_priority_but_keeps_the_order_within_a_country(fw):
    low = compute_targets(fw, subareas(ADM_1=2.5, ADM_3=1.0, REG_2=3.0), exposure=1)
    high = compute_targets(fw, subareas(ADM_1=2.5, ADM_3=1.0, REG_2=3.0), exposure=3)
    assert np.allclose(high["priority"].dropna(), 3 * low["priority"].dropna())
    assert list(low["rank"].dropna()) == list(high["rank"].dropna())


# -- sequencing ---------------------------------------------------------------------------
def test_prerequisites_come_first_and_the_order_is_otherwise_kept():
    table = recs((1, "train", "short", [3], None, "open"),
                 (2, "equip", "long", [], None, "open"),
                 (3, "law", "short", [4], None, "open"),
                 (4, "map mandates", "short", [], None, "open"),
                 (5, "budget", "short", [], None, "open"))
    out = sequence_recommendations(table)
    # 1 waits for 3, which waits for 4; 5 keeps its place among the short-term ones; long term last
    assert list(out["id"]) == [4, 3, 1, 5, 2]
    assert list(out["order"]) == [1, 2, 3, 4, 5]
    # stable: the same input gives the same order, and an input with no prerequisites is unchanged
    assert list(sequence_recommendations(table)["id"]) == [4, 3, 1, 5, 2]
    plain = recs((7, "a", "short", [], None, "open"), (3, "b", "short", [], None, "open"))
    assert list(sequence_recommendations(plain)["id"]) == [7, 3]


def test_a_long_term_prerequisite_pulls_ahead_of_short_term_work_and_is_flagged():
    table = recs((1, "use the system", "short", [2], None, "open"), (2, "build the system", "long", [], None, "open"))
    assert list(sequence_recommendations(table)["id"]) == [2, 1]
    problems = check_schedule(table)
    assert problems["problem"].tolist() == ["short-term, but its prerequisite #2 (build the system) is long-term"]


def test_cycles_are_rejected_with_the_cycle_shown():
    table = recs((1, "a", "short", [2], None, "open"), (2, "b", "short", [3], None, "open"),
                 (3, "c", "short", [1], None, "open"), (4, "d", "short", [], None, "open"))
    with pytest.raises(InvalidInput, match="prerequisite cycle: 1 needs 2 needs 3 needs 1"):
        sequence_recommendations(table)


def test_schedule_check_flags_deadlines_before_a_prerequisite():
    table = recs((1, "law", "short", [], dt.date(2027, 3, 1), "open"),
                 (2, "sop", "short", [1], dt.date(2026, 12, 1), "open"),   # due before the law it needs
                 (3, "training", "short", [1], dt.date(2027, 6, 1), "open"),
                 (4, "old plan", "short", [], None, "dropped"),
                 (5, "needs dropped", "long", [4], None, "open"))
    road = build_roadmap(table, START)
    assert not road.ok
    flagged = sorted(zip(road.problems["recommendation_id"], road.problems["prerequisite_id"]))
    assert flagged == [(2, 1), (5, 4)]
    assert "deadline 2026-12-01 is before the deadline 2027-03-01 of its prerequisite #1 (law)" in \
        road.problems["problem"].tolist()
    t = road.table.set_index("id")
    assert 4 not in t.index                                           # dropped: not on the road map
    assert t.loc[3, "start"] == dt.date(2027, 3, 1)                   # starts when the law is due
    assert t.loc[5, "end"] == add_months(START, 60)                   # no deadline: end of the long horizon
    assert list(road.group("short")["id"]) == [1, 2, 3]
    # a plan that holds raises no flag
    good = recs((1, "law", "short", [], dt.date(2026, 9, 1), "open"),
                (2, "sop", "short", [1], dt.date(2027, 3, 1), "open"),
                (3, "system", "long", [2], None, "open"))
    assert build_roadmap(good, START).ok


def test_add_months_handles_month_ends():
    assert add_months(dt.date(2026, 8, 31), 18) == dt.date(2028, 2, 29)
    assert add_months(dt.date(2026, 1, 15), 60) == dt.date(2031, 1, 15)


# -- the duplication check ----------------------------------------------------------------
def initiatives(*rows) -> pd.DataFrame:
    """(id, donor, title, start, end, scope) with scope a list of (sub-area, indicator or None)."""
    return pd.DataFrame([{"id": i, "donor": d, "title": t, "start_date": s, "end_date": e, "scope": sc}
                         for i, d, t, s, e, sc in rows])


def donor_recs() -> pd.DataFrame:
    return pd.DataFrame([
        {"id": 1, "title": "API law", "subarea_id": "INF.6", "indicator_id": "INF.6.1", "horizon": "short",
         "deadline": None, "status": "open", "funding_status": "gap"},
        {"id": 2, "title": "PIU system", "subarea_id": "INF.6", "indicator_id": "INF.6.2", "horizon": "long",
         "deadline": None, "status": "open", "funding_status": "pipeline"},
        {"id": 3, "title": "Academy", "subarea_id": "ADM.5", "indicator_id": None, "horizon": "long",
         "deadline": dt.date(2029, 1, 1), "status": "open", "funding_status": "gap"},
        {"id": 4, "title": "Mandates", "subarea_id": "ADM.1", "indicator_id": "ADM.1.1", "horizon": "short",
         "deadline": None, "status": "open", "funding_status": "committed"},
        {"id": 5, "title": "Dropped idea", "subarea_id": "INF.6", "indicator_id": "INF.6.1", "horizon": "short",
         "deadline": None, "status": "dropped", "funding_status": "gap"}])


WITH_OVERLAPS = initiatives(
    (10, "EU", "API/PNR support", dt.date(2025, 1, 1), dt.date(2027, 12, 31), [("INF.6", "INF.6.1")]),
    (11, "UNODC", "Passenger data programme", dt.date(2026, 6, 1), dt.date(2028, 6, 1), [("INF.6", None)]),
    (12, "eu ", "API phase 2", dt.date(2026, 1, 1), dt.date(2026, 12, 31), [("INF.6", "INF.6.1")]),  # same donor
    (13, "Japan", "Training academy", dt.date(2020, 1, 1), dt.date(2022, 1, 1), [("ADM.5", None)]),   # ended
)
WITHOUT_OVERLAPS = initiatives(
    (20, "EU", "API/PNR support", dt.date(2025, 1, 1), dt.date(2025, 12, 31), [("INF.6", "INF.6.1")]),  # ended
    (21, "UNODC", "Smuggling", dt.date(2026, 1, 1), dt.date(2028, 1, 1), [("OPS.3", None)]),
    (22, "IOM", "Mandates review", dt.date(2026, 1, 1), dt.date(2027, 1, 1), [("ADM.1", "ADM.1.2")]),
)


def test_duplication_flags_on_a_fixture_with_known_overlaps():
    covered = covered_recommendations(donor_recs(), WITH_OVERLAPS, START)
    pairs = sorted(zip(covered["recommendation_id"], covered["initiative_id"], covered["match"]))
    assert pairs == [(1, 10, "indicator"), (1, 11, "sub-area"), (1, 12, "indicator"), (2, 11, "sub-area")]
    overlaps = overlapping_initiatives(WITH_OVERLAPS)
    assert sorted(zip(overlaps["initiative_a"], overlaps["initiative_b"])) == [(10, 11), (11, 12)]
    row = overlaps[(overlaps["initiative_a"] == 10)].iloc[0]
    assert (row["subareas"], row["overlap_start"], row["overlap_end"]) == ("INF.6", dt.date(2026, 6, 1),
                                                                            dt.date(2027, 12, 31))


def test_no_false_flags_on_a_fixture_without_overlaps():
    assert covered_recommendations(donor_recs(), WITHOUT_OVERLAPS, START).empty
    assert overlapping_initiatives(WITHOUT_OVERLAPS).empty


def test_gaps_nobody_funds(fw):
    tgt = compute_targets(fw, subareas(INF_6=1.5, ADM_5=3.0, ADM_1=3.0, OPS_3=5.0), exposure=2)
    unfunded = unfunded_gaps(tgt, donor_recs(), WITH_OVERLAPS, START)
    # INF.6 has initiatives during the plan; ADM.1 has committed funding; OPS.3 has no gap;
    # ADM.5's only initiative ended before the plan
    assert list(unfunded["subarea_id"]) == ["ADM.5"]
    assert unfunded.iloc[0]["note"] == "no funding found"
    dm = map_donors(tgt, donor_recs(), WITHOUT_OVERLAPS, START)
    assert list(dm.unfunded["subarea_id"]) == ["INF.6", "ADM.5"]   # by priority
    assert dm.unfunded.set_index("subarea_id").loc["INF.6", "note"] == "1 in the pipeline, none committed"
    assert list(unfunded_gaps(tgt, donor_recs(), WITHOUT_OVERLAPS, START, top=1)["subarea_id"]) == ["INF.6"]


# -- suggestions --------------------------------------------------------------------------
def test_suggestions_cover_the_steps_to_the_target_with_prerequisites(tmp_path, fw):
    lib = complete_library(tmp_path, fw)
    ind = pd.DataFrame([{"indicator_id": i.id, "level": np.nan} for i in fw.indicators.values()])
    levels = {"INF.6.1": 1, "INF.6.2": 2, "INF.6.3": 2, "ADM.1.1": 1}
    ind["level"] = [float(levels.get(i, np.nan)) for i in ind["indicator_id"]]
    tgt = compute_targets(fw, subareas(INF_6=5 / 3), exposure=2)      # level 1: short 2, long 3
    got = suggest_recommendations(fw, lib, ind, tgt, horizon="short").set_index("key")
    # short term: only INF.6.1 (at 1) has a step to 2; the others already reached 2
    assert list(got.index) == ["INF.6.1-s2-a"]
    got = suggest_recommendations(fw, lib, ind, tgt).set_index("key")
    assert {"INF.6.1-s2-a", "INF.6.1-s3-a", "INF.6.2-s3-a", "INF.6.2-s3-b", "INF.6.3-s3-a"} == set(got.index)
    assert "INF.6.2-s2-a" not in got.index                        # a prerequisite already reached
    assert got.loc["INF.6.2-s3-a", "prerequisites"] == ["INF.6.1-s3-a"]
    assert got.loc["INF.6.1-s2-a", "horizon"] == "short"
    assert got.loc["INF.6.2-s3-a", "horizon"] == "long"
    assert got.loc["INF.6.1-s3-a", "target_level"] == 3
    assert (got["subarea_id"] == "INF.6").all() and (got["funding_status"] == "gap").all()
    tgt2 = compute_targets(fw, subareas(INF_6=5 / 3, ADM_1=1.0), exposure=2)   # ADM.1 has the higher priority
    assert set(suggest_recommendations(fw, lib, ind, tgt2, top=1)["subarea_id"]) == {"ADM.1"}
    # the suggestions sequence without a cycle, prerequisites first
    seq = sequence_recommendations(got.reset_index().rename(columns={"key": "id"}))
    order = list(seq["id"])
    assert order.index("INF.6.1-s3-a") < order.index("INF.6.2-s3-a")


# -- follow-up ----------------------------------------------------------------------------
def _ratings(fw, levels: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame([{"indicator_id": i, "national": None, "external": None, "agreed": levels.get(i)}
                         for i in fw.indicators])


def _evidence(levels: dict[str, str]) -> pd.DataFrame:
    # enough evidence for any level: no caps in these hand-made rounds
    rows = [{"indicator_id": i, "type": t, "date": dt.date(2026, 1, 1)} for i in levels
            for t in ("law", "observation", "audit")]
    return pd.DataFrame(rows)


def test_follow_up_deltas_from_two_rounds(fw):
    base_levels = {"ADM.1.1": "2", "ADM.1.2": "2", "ADM.1.3": "3", "INF.6.1": "1", "INF.6.2": "1", "INF.6.3": "NE"}
    later_levels = {"ADM.1.1": "3", "ADM.1.2": "2", "ADM.1.3": "3", "INF.6.1": "3", "INF.6.2": "2", "INF.6.3": "2"}
    base = score_assessment(fw, _ratings(fw, base_levels), _evidence(base_levels), as_of=dt.date(2026, 2, 1))
    later = score_assessment(fw, _ratings(fw, later_levels), _evidence(later_levels), as_of=dt.date(2028, 2, 1))
    cmp = compare_scores(base, later)
    ind = cmp.indicators.set_index("indicator_id")
    assert ind.loc["ADM.1.1", ["baseline", "followup", "change", "direction"]].tolist() == [2, 3, 1, "up"]
    assert ind.loc["ADM.1.2", "direction"] == "same"
    assert ind.loc["INF.6.3", "direction"] == "not comparable"          # not evaluated at baseline
    sub = cmp.subareas.set_index("subarea_id")
    # levels, not means: ADM.1 (median with a floor) 2,2,3 -> 2, then 3,2,3 -> 3; INF.6 (weakest link) 1 -> 2
    assert sub.loc["ADM.1", ["baseline", "followup", "change"]].tolist() == [2, 3, 1]
    assert sub.loc["INF.6", ["baseline", "followup", "change"]].tolist() == [1, 2, 1]
    pil = cmp.pillars.set_index("pillar_id")
    assert pil.loc["ADM", "change"] == 1                               # ADM.1 is the only ADM sub-area scored
    assert pd.isna(pil.loc["OPS", "change"])
    # which changes were targeted by which initiative between the rounds
    tg = targeted_changes(cmp.indicators, WITH_OVERLAPS, dt.date(2026, 2, 1), dt.date(2028, 2, 1))
    got = sorted((i, None if pd.isna(n) else int(n)) for i, n in zip(tg["indicator_id"], tg["initiative_id"]))
    assert got == [("ADM.1.1", None), ("INF.6.1", 10), ("INF.6.1", 11), ("INF.6.1", 12), ("INF.6.2", 11)]


def test_status_over_time():
    rec = pd.DataFrame({"id": [1, 2, 3], "horizon": ["short", "short", "long"], "status": ["done", "open", "dropped"],
                        "created_at": pd.to_datetime(["2026-01-10", "2026-01-10", "2026-06-01"])})
    history = pd.DataFrame({"at": pd.to_datetime(["2026-03-01", "2027-01-01", "2026-07-01"]),
                            "recommendation_id": [1, 1, 3], "old": ["open", "in_progress", "open"],
                            "new": ["in_progress", "done", "dropped"]})
    assert status_on(history, rec, dt.date(2026, 4, 1)).to_dict() == {1: "in_progress", 2: "open"}
    assert status_on(history, rec, dt.date(2027, 6, 1)).to_dict() == {1: "done", 2: "open", 3: "dropped"}
    counts = status_counts(rec)
    assert counts.loc["done", "short"] == 1 and counts.loc["dropped", "long"] == 1 and counts["total"].sum() == 3


# -- charts -------------------------------------------------------------------------------
def test_charts_return_closed_figures_and_leave_matplotlib_alone():
    import matplotlib.pyplot as plt
    before = dict(matplotlib.rcParams)
    table = recs((1, "law", "short", [], dt.date(2027, 3, 1), "done"),
                 (2, "a very long title that goes on and on and on well past the label width", "long", [1], None,
                  "in_progress"))
    road = build_roadmap(table, START)
    fig = charts.plot_roadmap_gantt(road.table)
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    assert charts.plot_roadmap_gantt(road.table.iloc[0:0]).axes[0].texts[0].get_text() == "No recommendations yet"
    changes = pd.DataFrame({"subarea": ["A", "B", "C"], "baseline": [2.0, 3.0, np.nan], "followup": [3.0, 2.5, 2.0]})
    fig = charts.plot_followup_dumbbell(changes)
    assert isinstance(fig, Figure)
    fig.savefig(__import__("io").BytesIO(), format="svg")
    assert plt.get_fignums() == []
    assert dict(matplotlib.rcParams) == before


def test_each_chart_carries_alt_text_that_states_what_it_shows():
    table = recs((1, "law", "short", [], dt.date(2027, 3, 1), "done"), (2, "system", "long", [1], None, "open"))
    road = build_roadmap(table, START)
    gantt = charts.gantt_chart(road.table, "Road map")
    assert gantt.svg.startswith("<svg") and gantt.alt.startswith("Gantt chart of the road map, 2 recommendations")
    for r in road.table.itertuples():
        assert f"{r.order}. {r.title}: {r.start.isoformat()[:10]} to {r.end.isoformat()[:10]}" in gantt.alt
    assert charts.gantt_chart(road.table.iloc[0:0]).alt == "Gantt chart of the road map: no recommendations yet."
    changes = pd.DataFrame({"subarea": ["A", "B"], "baseline": [2.0, np.nan], "followup": [3.0, 2.5]})
    assert charts.dumbbell_chart(changes).alt.endswith("A: 2.0 to 3.0; B: not scored to 2.5.")
    quick = charts.level_bars(["A", "B"], [2.4, float("nan")], "T")
    assert quick.alt == charts.describe_levels(["A", "B"], [2.4, float("nan")]) == \
        "Bar chart of levels from 1 to 5. A: 2.4; B: not scored."
    data, metadata = quick._repr_mimebundle_()
    assert data == {"image/svg+xml": quick.svg, "text/plain": quick.alt}
    assert metadata["image/svg+xml"]["alt"] == quick.alt


def test_without_deadlines_a_chain_shares_its_horizon():
    table = recs((1, "law", "short", [], None, "open"), (2, "sop", "short", [1], None, "open"),
                 (3, "training", "short", [2], None, "open"), (4, "budget", "short", [], None, "open"))
    t = build_roadmap(table, START).table.set_index("id")
    # the longest short-term chain has three steps: 18 months / 3 = 6 months each
    assert [(t.loc[i, "start"], t.loc[i, "end"]) for i in (1, 2, 3)] == [
        (START, add_months(START, 6)), (add_months(START, 6), add_months(START, 12)),
        (add_months(START, 12), add_months(START, 18))]
    assert t.loc[4, "end"] == add_months(START, 6)

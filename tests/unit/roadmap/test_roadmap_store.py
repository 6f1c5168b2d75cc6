"""Stored road-map records on SQLite and PostgreSQL: round trips, bad input writes nothing, locking, audit."""
from __future__ import annotations

import datetime as dt

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, update

from support.library import complete_library
from workbook.store import db
from workbook.roadmap.library import DEFAULT_ACTIONS
from workbook.errors import Conflict, InvalidInput, NotFound
from workbook.store.models import Assessment, Base
from workbook.roadmap import RoadmapStore

ROADMAP_TABLES = {"subarea_target", "assessment_exposure", "recommendation", "recommendation_prerequisite",
                  "initiative", "initiative_scope"}
# level per indicator, with evidence strong enough that nothing is capped
BASELINE = {"ADM.1.1": 2, "ADM.1.2": 2, "ADM.1.3": 3, "INF.6.1": 1, "INF.6.2": 2, "INF.6.3": 2}
FOLLOWUP = {"ADM.1.1": 3, "ADM.1.2": 2, "ADM.1.3": 3, "INF.6.1": 3, "INF.6.2": 2, "INF.6.3": 3}


def rate(store, assessment, levels: dict[str, int], when: dt.date = dt.date(2026, 1, 10)) -> None:
    ev = [{"type": t, "source": f"{t} record", "date": when} for t in ("law", "observation", "audit")]
    store.save_many(assessment.id, [{"indicator_id": i, "agreed": lv, "evidence": ev} for i, lv in levels.items()],
                    by="tester")


@pytest.fixture
def rm(store, tmp_path) -> RoadmapStore:
    return RoadmapStore(store, complete_library(tmp_path, store.framework))


@pytest.fixture
def xat(store):
    a = store.create_assessment("XAT", "baseline 2026", country_name="Atlantis", by="tester")
    rate(store, a, BASELINE)
    return a


def rec(**fields) -> dict:
    base = {"subarea_id": "INF.6", "indicator_id": "INF.6.1", "target_level": 3, "action_type": "legislation",
            "title": "Adopt the API/PNR law with safeguards", "horizon": "short"}
    return base | fields


def snapshot(store, rm, a):
    return (rm.recommendations_frame(a.id).to_dict("records"), rm.initiatives_frame(a.country_code).to_dict("records"),
            rm.target_overrides(a.id).to_dict("records"), rm.get_exposure(a.id), len(store.audit_frame(a.id)))


def test_migration_matches_models(db_url):
    engine = db.get_engine(db_url)
    assert ROADMAP_TABLES <= set(inspect(engine).get_table_names())
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []


# -- exposure and targets -----------------------------------------------------------------
def test_exposure_is_set_with_a_reason_audited_and_locked(store, rm, xat):
    assert rm.get_exposure(xat.id) | {"updated_at": None} == {
        "level": 2, "reason": "not set yet (default: medium)", "version": 0, "is_set": False, "updated_by": "",
        "updated_at": None}
    got = rm.set_exposure(xat.id, 3, reason="main hub airport; high smuggling threat", by="Ana")
    assert (got["level"], got["version"], got["is_set"]) == (3, 1, True)
    assert rm.targets(xat.id)["exposure"].eq(3).all()
    with pytest.raises(Conflict, match="changed by Ana"):
        rm.set_exposure(xat.id, 1, reason="low traffic", by="Max", expected_version=0)
    with pytest.raises(InvalidInput) as err:
        rm.set_exposure(xat.id, 4, reason="", by="")
    assert {p.location for p in err.value.problems} == {"exposure", "reason", "by"}
    audit = store.audit_frame(xat.id)
    assert audit[audit["entity"] == "exposure"][["field", "new", "who"]].values.tolist() == [
        ["level", "3", "Ana"], ["reason", "main hub airport; high smuggling threat", "Ana"]]


def test_targets_are_edited_with_a_reason_and_never_below_the_current_level(store, rm, xat):
    t = rm.targets(xat.id).set_index("subarea_id")
    # ADM.1 = (2 + 2 + 3) / 3 -> level 2: short 3, long 4 (high)
    assert t.loc["ADM.1", ["current_level", "short_term_target", "long_term_target"]].tolist() == [2, 3, 4]
    row = rm.set_target(xat.id, "ADM.1", long_term=5, reason="the government aims for the top level", by="Ana")
    assert (row["long_term_target"], row["long_term_source"], row["target_version"]) == (5, "edited", 1)
    with pytest.raises(InvalidInput) as err:
        rm.set_target(xat.id, "ADM.1", short_term=1, long_term=9, reason="", by="Ana")
    msgs = [str(p) for p in err.value.problems]
    assert "ADM.1.short_term: target 1 is below the current level 2 of ADM.1" in msgs
    assert any(m.startswith("ADM.1.long_term: 9 is not one of") for m in msgs)
    with pytest.raises(InvalidInput, match="reason: is required"):
        rm.set_target(xat.id, "ADM.1", short_term=4, by="Ana")
    with pytest.raises(Conflict):
        rm.set_target(xat.id, "ADM.1", short_term=4, reason="x", by="Max", expected_version=0)
    row = rm.set_target(xat.id, "ADM.1", long_term=None, by="Max")   # back to the default
    assert (row["long_term_target"], row["long_term_source"], row["long_term_reason"]) == (4, "default", "")
    audit = store.audit_frame(xat.id)
    assert audit[audit["entity"] == "target"]["field"].tolist() == ["long_term", "long_reason", "long_term",
                                                                     "long_reason"]


# -- recommendations ----------------------------------------------------------------------
def test_recommendation_round_trip_update_and_audit(store, rm, xat):
    law = rm.add_recommendation(xat.id, rec(lead_agency="Ministry of Interior", partners="Data protection authority; "
                                            "Civil aviation authority", amount="250,000", currency="eur",
                                            deadline="2027-03-31", completion_indicator="Law in the gazette",
                                            source_action_id="INF.6.1-s3-a"), by="Ana")
    system = rm.add_recommendation(xat.id, rec(indicator_id="INF.6.2", target_level=3, action_type="ict system",
                                               title="Set up the API/PNR system", horizon="long", cost_band="high",
                                               funding_status="pipeline", prerequisites=[law]), by="Ana")
    got = rm.get_recommendation(law)
    assert (got["amount"], got["currency"], got["partners"], got["deadline"], got["status"], got["funding_status"]) == (
        250000.0, "EUR", ["Data protection authority", "Civil aviation authority"], dt.date(2027, 3, 31), "open",
        "gap")
    assert rm.get_recommendation(system)["prerequisites"] == [law]
    assert rm.get_recommendation(system)["action_type"] == "ict_system"
    updated = rm.update_recommendation(law, {"status": "In progress"}, by="Max", expected_version=1)
    assert (updated["status"], updated["version"], updated["updated_by"]) == ("in_progress", 2, "Max")
    with pytest.raises(Conflict, match="changed by Max"):
        rm.update_recommendation(law, {"status": "done"}, by="Ana", expected_version=1)
    rm.update_recommendation(law, {"status": "done"}, by="Ana", expected_version=2)
    history = rm.status_history(xat.id)
    assert history[["recommendation_id", "old", "new", "who"]].values.tolist() == [
        [law, "open", "in_progress", "Max"], [law, "in_progress", "done", "Ana"]]
    with pytest.raises(InvalidInput, match=f"is a prerequisite of #{system}"):
        rm.remove_recommendation(law, by="Ana")
    rm.remove_recommendation(system, by="Ana")
    assert list(rm.recommendations_frame(xat.id)["id"]) == [law]
    with pytest.raises(NotFound):
        rm.get_recommendation(system)


def test_bad_recommendations_are_all_reported_and_nothing_is_written(store, rm, xat):
    rm.add_recommendation(xat.id, rec(), by="Ana")
    before = snapshot(store, rm, xat)
    rows = [rec(subarea_id=None, key="a"),                                   # no sub-area
            rec(indicator_id="ADM.1.3", subarea_id="ADM.1", target_level=2, key="b"),  # below current level 3
            rec(amount=1000, currency="ZZZ", key="c"),                      # unknown currency
            rec(key="d", prerequisites=["e"]),                              # d needs e needs d
            rec(key="e", title="Second step", prerequisites=["d"]),
            rec(indicator_id="ADM.1.1", key="f")]                           # indicator outside INF.6
    with pytest.raises(InvalidInput) as err:
        rm.add_recommendations(xat.id, rows, by="Ana")
    msgs = [str(p) for p in err.value.problems]
    assert "recommendations[0].subarea_id: is required" in msgs
    assert "recommendations[1].target_level: target level 2 is below the current level 3 of ADM.1.3" in msgs
    assert any(m.startswith("recommendations[2].currency: 'ZZZ' is not an ISO 4217 currency code") for m in msgs)
    assert ("recommendations[3]: prerequisite cycle: new:d (Adopt the API/PNR law with safeguards) needs new:e "
            "(Second step) needs new:d (Adopt the API/PNR law with safeguards)") in msgs
    assert "recommendations[5].indicator_id: ADM.1.1 belongs to sub-area ADM.1, not INF.6" in msgs
    assert snapshot(store, rm, xat) == before


def test_a_cycle_made_by_an_edit_is_rejected_with_the_cycle_shown(store, rm, xat):
    a, b, c = rm.add_recommendations(xat.id, [rec(key="a", title="A"), rec(key="b", title="B", prerequisites=["a"]),
                                              rec(key="c", title="C", prerequisites=["b"])], by="Ana")
    before = snapshot(store, rm, xat)
    with pytest.raises(InvalidInput) as err:
        rm.update_recommendation(a, {"prerequisites": [c], "title": "A2"}, by="Ana")
    assert [str(p) for p in err.value.problems] == [
        f"#{a}.prerequisites: prerequisite cycle: #{a} (A2) needs #{c} (C) needs #{b} (B) needs #{a} (A2)"]
    assert snapshot(store, rm, xat) == before
    with pytest.raises(InvalidInput, match="cannot need itself"):
        rm.update_recommendation(a, {"prerequisites": [a]}, by="Ana")


def test_a_final_assessment_keeps_its_tracker_live(store, rm, xat):
    r = rm.add_recommendation(xat.id, rec(), by="Ana")
    with store.engine.begin() as conn:
        conn.execute(update(Assessment).where(Assessment.id == xat.id).values(status="final"))
    assert rm.update_recommendation(r, {"status": "done", "funding_status": "committed"}, by="Ana")["status"] == "done"
    with pytest.raises(InvalidInput, match="is final: only status and funding_status can change, not title"):
        rm.update_recommendation(r, {"title": "New"}, by="Ana")
    with pytest.raises(InvalidInput, match="final and read-only"):
        rm.add_recommendation(xat.id, rec(), by="Ana")


# -- initiatives and the duplication check ------------------------------------------------
EU = {"donor": "EU", "implementer": "IOM", "title": "API/PNR support", "budget": 2_000_000, "currency": "EUR",
      "start_date": "2025-06-01", "end_date": "2027-12-31", "indicators": ["INF.6.1"]}
UNODC = {"donor": "UNODC", "title": "Passenger data programme", "start_date": "2026-03-01",
         "end_date": "2028-03-01", "subareas": ["INF.6"]}


def test_bad_initiatives_are_all_reported_and_nothing_is_written(store, rm, xat):
    rm.add_initiative(xat.id, EU, by="Ana")
    before = snapshot(store, rm, xat)
    with pytest.raises(InvalidInput) as err:
        rm.add_initiatives(xat.id, [UNODC | {"end_date": "2026-01-01"},
                                    EU | {"currency": "EUROS"},
                                    UNODC | {"subareas": ["INF.99"], "donor": ""},
                                    {"donor": "X", "title": "Y", "start_date": "2026-01-01", "end_date": "2026-02-01"}],
                           by="Ana")
    msgs = [str(p) for p in err.value.problems]
    assert "initiatives[0].end_date: the initiative ends 2026-01-01, before it starts 2026-03-01" in msgs
    assert any(m.startswith("initiatives[1].currency: 'EUROS' is not an ISO 4217") for m in msgs)
    assert "initiatives[2].subareas[0]: unknown sub-area 'INF.99'" in msgs
    assert "initiatives[2].donor: is required" in msgs
    assert "initiatives[3].subareas: name at least one sub-area or indicator it addresses" in msgs
    assert snapshot(store, rm, xat) == before
    with pytest.raises(InvalidInput, match="ends 2024-01-01, before it starts 2025-06-01"):
        rm.update_initiative(rm.initiatives_frame("XAT")["id"][0], {"end_date": "2024-01-01"}, by="Ana")
    assert snapshot(store, rm, xat) == before


def test_initiatives_registry_and_donor_map(store, rm, xat):
    eu, unodc = rm.add_initiatives(xat.id, [EU, UNODC], by="Ana")
    own = rm.add_initiative(xat.id, EU | {"title": "API phase 2", "donor": " eu"}, by="Ana")
    reg = rm.initiatives_frame("xat").set_index("id")
    assert reg.loc[eu, "scope"] == [("INF.6", "INF.6.1")] and reg.loc[unodc, "scope"] == [("INF.6", None)]
    assert reg.loc[eu, "budget"] == 2_000_000 and reg.loc[eu, "start_date"] == dt.date(2025, 6, 1)
    law = rm.add_recommendation(xat.id, rec(), by="Ana")
    mandates = rm.add_recommendation(xat.id, rec(subarea_id="ADM.1", indicator_id="ADM.1.1", title="Mandates",
                                                 funding_status="committed"), by="Ana")
    dm = rm.donor_map(xat.id, plan_start=dt.date(2026, 1, 15))
    assert sorted(zip(dm.covered["recommendation_id"], dm.covered["initiative_id"])) == [
        (law, eu), (law, unodc), (law, own)]
    assert {frozenset(p) for p in zip(dm.overlaps["initiative_a"], dm.overlaps["initiative_b"])} == {
        frozenset((eu, unodc)), frozenset((unodc, own))}   # the same donor's two projects are not flagged
    unfunded = set(dm.unfunded["subarea_id"])
    assert "INF.6" not in unfunded and "ADM.1" not in unfunded and mandates
    rm.update_initiative(unodc, {"subareas": ["OPS.3"]}, by="Max", expected_version=1)
    dm = rm.donor_map(xat.id, plan_start=dt.date(2026, 1, 15))
    assert dm.overlaps.empty
    audit = store.audit_frame(xat.id)
    assert audit[(audit["entity"] == "initiative") & (audit["field"] == "scope")]["new"].tolist() == ["OPS.3"]
    rm.remove_initiative(own, by="Ana")
    assert list(rm.initiatives_frame("XAT")["id"]) == [eu, unodc]


# -- suggestions, road map, follow-up -----------------------------------------------------
def test_suggestions_saved_as_they_are_make_a_road_map(store, rm, xat):
    suggestions = rm.suggest(xat.id, horizon="short")
    assert len(suggestions) and (suggestions["status"] == "open").all()
    ids = rm.add_recommendations(xat.id, suggestions.to_dict("records"), by="Ana")
    assert len(ids) == len(suggestions)
    saved = rm.recommendations_frame(xat.id).set_index("source_action_id")
    key_to_id = dict(zip(saved.index, saved["id"]))
    for key, pre in zip(suggestions["key"], suggestions["prerequisites"]):
        assert saved.loc[key, "prerequisites"] == sorted(key_to_id[p] for p in pre)
    road = rm.roadmap(xat.id)
    order = list(road.table["id"])
    for rid, pre in zip(road.table["id"], road.table["prerequisites"]):
        assert all(order.index(p) < order.index(rid) for p in pre)
    assert road.plan_start == xat.created_at.date()


@pytest.mark.skipif(not DEFAULT_ACTIONS.exists(), reason="workbook/data/actions.yaml is not written yet")
def test_suggestions_from_the_shipped_library(demo_store):
    rm = RoadmapStore(demo_store)
    a = demo_store.get_assessment("XBO")
    suggestions = rm.suggest(a.id)
    assert len(suggestions) > 0
    committed = len(rm.recommendations_frame(a.id))           # the demo's committed packages
    ids = rm.add_recommendations(a.id, suggestions.to_dict("records"), by="tester")
    assert rm.roadmap(a.id).table["id"].nunique() == len(ids) + committed


def test_follow_up_compares_two_rounds(store, rm, xat):
    eu = rm.add_initiative(xat.id, EU, by="Ana")
    law = rm.add_recommendation(xat.id, rec(), by="Ana")
    rm.update_recommendation(law, {"status": "done"}, by="Ana")
    later = store.create_assessment("XAT", "follow-up 2028", country_name="Atlantis", by="tester")
    rate(store, later, FOLLOWUP)
    fu = rm.follow_up("XAT", "baseline 2026")
    assert (fu.baseline, fu.followup) == ("baseline 2026", "follow-up 2028")
    ind = fu.comparison.indicators.set_index("indicator_id")
    assert ind.loc["INF.6.1", ["baseline", "followup", "change"]].tolist() == [1, 3, 2]
    assert ind.loc["ADM.1.2", "direction"] == "same"
    sub = fu.comparison.subareas.set_index("subarea_id")
    assert sub.loc["INF.6", "change"] == pytest.approx((3 + 2 + 3) / 3 - (1 + 2 + 2) / 3)
    assert list(fu.improved["subarea_id"]) == ["ADM.1", "INF.6"]
    targeted = fu.targeted.set_index("indicator_id")
    # both rounds are created today, so only initiatives running today count as between the rounds
    assert targeted.loc["INF.6.1", "initiative_id"] == eu
    assert fu.status.loc["done", "total"] == 1
    assert fu.status_history["new"].tolist() == ["done"]
    with pytest.raises(InvalidInput, match="no round after"):
        rm.follow_up("XAT", "follow-up 2028")

"""Framework 2.0 in the store, on SQLite and PostgreSQL: criteria answers drive the agreed level,
overrides need a reason, the crossing-point profile, the moderation record, and everything refused
with a located message leaves the database as it was."""
from __future__ import annotations

import datetime as dt

import pytest

from workbook.errors import Conflict, InvalidInput
from workbook.framework import load_framework

FW = load_framework()
IND = "OPS.2.3"


def capacity(level: int, ind: str = IND) -> list[str]:
    return [c.id for c in FW.indicator(ind).levels[level - 1].criteria if not c.normative]


def met_up_to(level: int, ind: str = IND) -> dict[str, str]:
    return {cid: "yes" for n in range(2, level + 1) for cid in capacity(n, ind)}


@pytest.fixture
def a(store):
    return store.create_assessment("XAT", "baseline 2026", country_name="Atlantis", by="Maria")


def test_a_new_assessment_is_rated_against_the_current_framework(store, a):
    assert a.framework_version == FW.version == "2.0.0"
    assert store.framework_of(a.id).version == "2.0.0"


def test_ticking_criteria_sets_the_agreed_level_they_give(store, a):
    levels = store.save_criteria(a.id, met_up_to(3) | {capacity(4)[0]: "no"}, by="Maria")
    assert levels == {IND: 3}
    assert store.get_rating(a.id, IND)["agreed"] == "3"
    row = store.scores(a.id).indicators.set_index("indicator_id").loc[IND]
    assert (row["level_source"], row["criteria_level"], row["override"]) == ("rating", 3, False)
    # one criterion of level 2 becomes "no": the level drops to 1 and the rating follows
    assert store.save_criteria(a.id, {capacity(2)[0]: "no"}, by="Ana") == {IND: 1}
    assert store.get_rating(a.id, IND)["agreed"] == "1"
    audit = store.audit_frame(a.id)
    assert {"criterion", "rating"} <= set(audit["entity"])


def test_an_agreed_level_against_the_criteria_needs_a_reason_and_is_then_kept(store, a):
    store.save_criteria(a.id, met_up_to(2) | {capacity(3)[0]: "no"}, by="Maria")
    with pytest.raises(InvalidInput, match=r"OPS.2.3.override_reason: the criteria give level 2; to record level 4"):
        store.save_rating(a.id, IND, by="Maria", agreed="4")
    assert store.get_rating(a.id, IND)["agreed"] == "2"                   # nothing saved
    store.save_rating(a.id, IND, by="Maria", agreed="4", override_reason="Procedure signed yesterday.")
    # a later tick does not move an overridden level ...
    store.save_criteria(a.id, {capacity(2)[1]: "na"}, by="Ana")
    assert store.get_rating(a.id, IND)["agreed"] == "4"
    flags = store.scores(a.id).flags.set_index("indicator_id")
    assert flags.loc[IND, "override"] and flags.loc[IND, "override_reason"] == "Procedure signed yesterday."
    # ... until the criteria reach it: the reason is no longer needed and is cleared
    store.save_criteria(a.id, met_up_to(4) | {capacity(5)[0]: "no"}, by="Ana")
    assert store.get_rating(a.id, IND)["override_reason"] == ""


def test_codes_stand_whatever_the_criteria_say(store, a):
    store.save_rating(a.id, IND, by="Maria", agreed="IE")
    store.save_criteria(a.id, met_up_to(3), by="Maria")
    assert store.get_rating(a.id, IND)["agreed"] == "IE"
    assert store.scores(a.id).indicators.set_index("indicator_id").loc[IND, "verify_first"]


def test_bad_answers_are_refused_with_their_location_and_nothing_is_saved(store, a):
    with pytest.raises(InvalidInput) as err:
        store.save_criteria(a.id, {capacity(2)[0]: "maybe", "OPS.2.3.9z": "yes", capacity(2)[1]: "yes"}, by="Maria")
    text = str(err.value)
    assert f"{capacity(2)[0]}: 'maybe' is not an answer" in text and "OPS.2.3.9z: unknown criterion" in text
    assert store.criteria_frame(a.id).empty and store.get_rating(a.id, IND)["version"] == 0
    with pytest.raises(InvalidInput, match="by: is required"):
        store.save_criteria(a.id, met_up_to(2), by="  ")


def test_answers_someone_changed_meanwhile_refuse_the_save(store, a):
    cid = capacity(2)[0]
    store.save_criteria(a.id, {cid: "yes"}, by="Maria")
    seen = int(store.criteria_frame(a.id).set_index("criterion_id").loc[cid, "version"])
    store.save_criteria(a.id, {cid: "no"}, by="Ana", expected={cid: seen})
    with pytest.raises(Conflict, match=f"{cid} \\(now no, by Ana\\)"):
        store.save_criteria(a.id, {cid: "na"}, by="Maria", expected={cid: seen})
    assert store.criteria_frame(a.id).set_index("criterion_id").loc[cid, "answer"] == "no"


def test_clearing_an_answer_and_notes(store, a):
    cid = capacity(2)[0]
    store.save_criteria(a.id, {cid: "yes"}, notes={cid: "Seen at the airport."}, by="Maria")
    row = store.criteria_frame(a.id).set_index("criterion_id").loc[cid]
    assert (row["answer"], row["note"], row["indicator_id"], row["level"]) == ("yes", "Seen at the airport.", IND, 2)
    store.save_criteria(a.id, {cid: None}, by="Maria")
    assert store.criteria_frame(a.id).empty


def test_the_crossing_profile_decides_what_applies(store, a):
    assert store.crossing_profile(a.id).kinds is None
    store.save_rating(a.id, "OPS.7.4", by="Maria", agreed="2")
    prof = store.set_crossing_profile(a.id, kinds=["air", "land", "air"], landlocked=True, by="Maria")
    assert prof.kinds == frozenset({"air", "land"}) and prof.describe(FW) == "Airport, Land crossing point (landlocked)"
    row = store.scores(a.id).indicators.set_index("indicator_id").loc["OPS.7.4"]
    assert row["status"] == "NA" and "seaport" in row["level_source"].lower()
    assert "crossing_profile" in set(store.audit_frame(a.id)["field"])
    with pytest.raises(InvalidInput) as err:
        store.set_crossing_profile(a.id, kinds=["sea", "tunnel"], landlocked=True, island=True, by="Maria")
    assert "'tunnel' is not a kind of crossing point" in str(err.value)
    assert "a landlocked country has no seaport" in str(err.value)
    assert "cannot be both an island and landlocked" in str(err.value)
    assert store.crossing_profile(a.id).kinds == frozenset({"air", "land"})


def test_moderation_records_who_when_and_what_changed(store, a):
    store.save_criteria(a.id, met_up_to(3) | {capacity(4)[0]: "no"}, by="Maria")
    n = store.record_moderation(a.id, held_on=dt.date(2026, 3, 19), participants=["Maria Okafor", "Ana Ferreira"],
                                changes=[{"indicator_id": IND, "agreed": "2", "note": "Referral log not kept."},
                                         {"indicator_id": "ADM.1.1", "agreed": "3", "note": "Confirmed."}],
                                by="Maria")
    assert n == 2
    mod = store.moderation_frame(a.id).set_index("indicator_id")
    assert (mod.loc[IND, "before"], mod.loc[IND, "after"], mod.loc[IND, "participants"]) == \
        ("3", "2", "Maria Okafor, Ana Ferreira")
    rating = store.get_rating(a.id, IND)
    assert rating["agreed"] == "2" and rating["override_reason"] == "Referral log not kept."   # against criteria
    with pytest.raises(InvalidInput) as err:
        store.record_moderation(a.id, held_on="2999-01-01", participants="", by="Maria",
                                changes=[{"indicator_id": "XXX.1.1", "agreed": "3", "note": "x"},
                                         {"indicator_id": IND, "agreed": "9", "note": ""}])
    text = str(err.value)
    for expected in ("held_on: 2999-01-01 is in the future", "participants: is required",
                     "unknown indicator 'XXX.1.1'", "OPS.2.3.agreed", "OPS.2.3.note: is required"):
        assert expected in text
    assert len(store.moderation_frame(a.id)) == 2


def test_a_final_assessment_takes_no_answers(store, a):
    for to, role in (("in_review", "team"), ("validated", "national_counterpart"), ("final", "team_leader")):
        store.set_status(a.id, to, by="Maria", role=role)
    with pytest.raises(InvalidInput, match="final and read-only"):
        store.save_criteria(a.id, met_up_to(2), by="Maria")
    with pytest.raises(InvalidInput, match="final and read-only"):
        store.set_crossing_profile(a.id, kinds=["air"], by="Maria")

"""The single-file assessment package: round-trip equality into another database, merging,
bad packages, and framework versions. Format 3 carries framework 2.0 (criteria answers, the
crossing-point profile, override reasons, the moderation record); formats 1 and 2 still import."""
from __future__ import annotations

import datetime as dt
import json

import pytest
import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from support.databases import clear_roadmap
from support.exchange import IND, capacity, framework_1_assessment, met_up_to
from workbook.store import db
from workbook.errors import InvalidInput
from workbook.exchange import export_file, import_file
from workbook.exchange.package import build_package
from workbook.framework import DEFAULT_FRAMEWORK, parse_framework
from workbook.roadmap import RoadmapStore
from workbook.roadmap.funding import FundingStore
from workbook.store import Store
from workbook.store.models import Evidence, Rating

HELD_ON = dt.date.today() - dt.timedelta(days=30)


def add_framework_2(store: Store, assessment_id: int) -> None:
    """Criteria answers with a note and a moderation session that set OPS.2.3 below its criteria
    (an override with its reason). The demo records XAT's crossing-point profile (an island: air
    and sea); changing it here would leave the demo's agreed levels apart from their criteria."""
    store.save_criteria(assessment_id, met_up_to(3) | {capacity(4)[0]: "no"},
                        notes={capacity(4)[0]: "No referral log at the port."}, by="Maria Okafor")
    store.record_moderation(assessment_id, held_on=HELD_ON, participants=["Maria Okafor", "Ana Ferreira"],
                            changes=[{"indicator_id": IND, "agreed": "2", "note": "Referral log not kept."}],
                            by="Maria Okafor")


def add_roadmap(store: Store, assessment_id: int) -> list[int]:
    """Three recommendations (the third needs the first two), exposure and a target edit."""
    rm = RoadmapStore(store)
    ids = rm.add_recommendations(assessment_id, [
        {"key": "law", "subarea_id": "ADM.1", "indicator_id": "ADM.1.1", "target_level": 5,
         "action_type": "legislation", "title": "Adopt the border management law", "description": "Draft and adopt.",
         "lead_agency": "Ministry of Interior", "partners": ["IOM", "UNODC"], "cost_band": "medium",
         "amount": 125000.5, "currency": "USD", "funding_status": "pipeline", "horizon": "short",
         "completion_indicator": "Law published", "deadline": "2027-06-30", "status": "in_progress"},
        {"key": "sop", "subarea_id": "ADM.1", "target_level": 5, "action_type": "sop",
         "title": "Write the joint SOPs", "horizon": "long"},
        {"subarea_id": "ADM.1", "target_level": 5, "action_type": "training", "title": "Train the officers",
         "horizon": "long", "prerequisites": ["law", "sop"]},
    ], by="Planner")
    rm.set_exposure(assessment_id, 3, reason="busy land border", by="Planner")
    rm.set_target(assessment_id, "ADM.1", long_term=5, reason="the government aims high", by="Planner")
    rm.update_recommendation(ids[1], {"status": "done"}, by="Planner")  # version 2
    return ids


@pytest.fixture
def xat(demo_store):
    """XAT with this module's road map in place of the demo's committed one."""
    info = demo_store.get_assessment("XAT")
    clear_roadmap(demo_store, "XAT", info.round)
    add_roadmap(demo_store, info.id)
    add_framework_2(demo_store, info.id)
    return demo_store.get_assessment("XAT")


@pytest.fixture
def package(demo_store, xat, tmp_path):
    return export_file(demo_store, xat, "json", tmp_path / "XAT.json")


def other_store(tmp_path, framework=None, name="other.db") -> Store:
    url = f"sqlite:///{tmp_path / name}"
    db.upgrade(url)
    return Store(url, framework=framework)


def without_time(pkg: dict) -> dict:
    return {k: v for k, v in pkg.items() if k != "exported_at"}


def edit(path, change) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data), encoding="utf-8")


def assert_same_recommendations(old, new) -> None:
    """Every field alike, the prerequisites remapped to the new ids."""
    ids = dict(zip(old["id"], new["id"]))
    assert [[ids[p] for p in pre] for pre in old["prerequisites"]] == list(new["prerequisites"])
    cols = [c for c in old.columns if c not in ("id", "assessment_id", "prerequisites")]
    assert new[cols].equals(old[cols])


def test_package_contents(package, demo_store, xat):
    data = json.loads(package.read_text(encoding="utf-8"))
    assert data["format"] == "mbm-workbook-package"
    assert data["framework"] == {"id": demo_store.framework.id, "version": demo_store.framework.version}
    assert data["assessment"]["country_code"] == "XAT" and data["assessment"]["fictional"] is True
    assert len(data["assessment"]["team"]) == len(xat.team) == 5
    assert len(data["ratings"]) == len(demo_store.framework.indicators)
    with Session(demo_store.engine) as s:  # evidence observed at a visit travels with the visit
        observed = s.scalar(select(func.count()).select_from(Evidence).join(Rating, Evidence.rating_id == Rating.id)
                            .where(Rating.assessment_id == xat.id, Evidence.visit_id.is_not(None)))
    assert observed and sum(len(r["evidence"]) for r in data["ratings"]) == len(demo_store.evidence_frame(xat.id)) \
        - observed
    assert data["format_version"] == 3
    recs = data["recommendations"]
    assert [r["key"] for r in recs] == ["R1", "R2", "R3"]
    assert recs[2]["prerequisites"] == ["R1", "R2"] and recs[0]["prerequisites"] == []
    assert recs[0]["partners"] == ["IOM", "UNODC"] and recs[0]["amount"] == 125000.5
    assert recs[0]["deadline"] == "2027-06-30" and recs[1]["status"] == "done" and recs[1]["version"] == 2
    assert data["exposure"]["level"] == 3 and data["exposure"]["reason"] == "busy land border"
    assert [t["subarea_id"] for t in data["targets"]] == ["ADM.1"]
    assert data["audit"]
    # framework 2.0: answers with notes and versions, the profile, override reasons, the moderation record
    answers = {a["criterion_id"]: a for a in data["criteria"]}
    stored = demo_store.criteria_frame(xat.id)
    assert {k: a["answer"] for k, a in answers.items()} == dict(zip(stored["criterion_id"], stored["answer"]))
    assert {k: answers[k]["answer"] for k in met_up_to(3)} == met_up_to(3)
    assert answers[capacity(4)[0]] | {"updated_at": None} == {
        "criterion_id": capacity(4)[0], "answer": "no", "note": "No referral log at the port.", "version": 1,
        "updated_by": "Maria Okafor", "updated_at": None}
    profile = demo_store.crossing_profile(xat.id)
    assert (set(data["crossing_profile"]["kinds"]), data["crossing_profile"]["island"],
            data["crossing_profile"]["landlocked"]) == (profile.kinds, True, False)
    rating = next(r for r in data["ratings"] if r["indicator_id"] == IND)
    assert (rating["agreed"], rating["override_reason"]) == ("2", "Referral log not kept.")
    assert [{k: m[k] for k in ("indicator_id", "held_on", "participants", "before", "after", "note")}
            for m in data["moderation"]][-1:] == [{"indicator_id": IND, "held_on": HELD_ON.isoformat(),
                                              "participants": "Maria Okafor, Ana Ferreira", "before": "3",
                                              "after": "2", "note": "Referral log not kept."}]
    assert len(data["moderation"]) == len(demo_store.moderation_frame(xat.id))


def test_round_trip_into_another_database(package, demo_store, xat, tmp_path):
    other = other_store(tmp_path)
    result = import_file(other, package, by="importer")
    assert result.created
    copy = other.get_assessment("XAT", "baseline 2026")
    original, again = build_package(demo_store, xat), build_package(other, copy)
    n = len(original["audit"])
    assert again["audit"][n]["field"] == "imported" and again["audit"][n]["who"] == "importer"
    # then the mission and the funding tables, recreated through their stores' rules: audited as the
    # importer's, but for the interviews, which only a member of the team logs (the first one here)
    assert original["funding"]["packages"] and original["funding"]["quantities"] and original["mission"]
    after = again["audit"][n + 1:]
    assert {x["who"] for x in after if x["entity"] != "interview"} == {"importer"}
    assert {x["who"] for x in after if x["entity"] == "interview"} == {xat.team[0][0]}
    assert {x["entity"] for x in after} <= {"rate", "unit_cost", "quantity", "package", "commitment", "mission_plan",
                                           "mission_document", "crossing_point", "site_visit", "evidence",
                                           "interview", "attachment"}
    again["audit"] = again["audit"][:n]
    assert without_time(again) == without_time(original)
    # and the store sees the same ratings and evidence
    cols = ["indicator_id", "national", "external", "agreed", "notes", "override_reason", "version", "updated_by",
            "updated_at"]
    assert other.ratings_frame(copy.id)[cols].equals(demo_store.ratings_frame(xat.id)[cols])
    # and framework 2.0: the same answers (notes, versions, authors, times), profile, moderation and levels
    assert other.criteria_frame(copy.id).equals(demo_store.criteria_frame(xat.id))
    assert other.crossing_profile(copy.id) == demo_store.crossing_profile(xat.id)
    assert other.moderation_frame(copy.id).equals(demo_store.moderation_frame(xat.id))
    assert other.scores(copy.id).indicators.equals(demo_store.scores(xat.id).indicators)
    drop = ["evidence_id"]
    assert other.evidence_frame(copy.id).drop(columns=drop).equals(demo_store.evidence_frame(xat.id).drop(columns=drop))
    # and the road map: every field, prerequisites remapped to the new ids, exposure and targets
    rm, rm2 = RoadmapStore(demo_store), RoadmapStore(other)
    old, new = rm.recommendations_frame(xat.id), rm2.recommendations_frame(copy.id)
    assert len(new) == 3
    assert_same_recommendations(old, new)
    assert rm2.get_exposure(copy.id) == rm.get_exposure(xat.id)
    assert rm2.target_overrides(copy.id).equals(rm.target_overrides(xat.id))
    assert rm2.targets(copy.id).equals(rm.targets(xat.id))


def test_demo_road_map_round_trips(demo_store, tmp_path):
    """The demo's committed road map (the fixtures above replace it) reaches another database whole."""
    info = demo_store.get_assessment("XAT")
    package = export_file(demo_store, info, "json", tmp_path / "XAT.json")
    keys = [r["key"] for r in json.loads(package.read_text(encoding="utf-8"))["recommendations"]]
    assert len(keys) == len(set(keys)) == len(RoadmapStore(demo_store).recommendations_frame(info.id)) > 3
    other = other_store(tmp_path)
    assert import_file(other, package, by="importer").created
    copy = other.get_assessment("XAT")
    assert_same_recommendations(RoadmapStore(demo_store).recommendations_frame(info.id),
                                RoadmapStore(other).recommendations_frame(copy.id))
    assert import_file(demo_store, package, dry_run=True, by="importer").plan.empty  # and merges back as no change
    # with its funded road map: the same quantities, prices, rates, commitment and funding, the same costs
    mine, theirs = FundingStore(demo_store), FundingStore(other)
    cols = ["package_id", "state", "rank", "reason", "government_share", "funded_by", "funding_status"]
    assert theirs.plan_frame(copy.id)[cols].equals(mine.plan_frame(info.id)[cols])
    assert (theirs.plan_frame(copy.id)["state"] == "committed").sum() == 12
    assert theirs.quantities(copy.id) == mine.quantities(info.id) and theirs.rates(copy.id) == mine.rates(info.id)
    assert theirs.commitment(copy.id)["note"] == mine.commitment(info.id)["note"]
    road, again = mine.road_map(info.id), theirs.road_map(copy.id)
    assert again.total == road.total and again.committed["package_id"].tolist() == road.committed["package_id"].tolist()
    assert theirs.funding_view(copy.id).ask == mine.funding_view(info.id).ask


def as_version_2(data: dict) -> None:
    """What a format 2 package held: no criteria, profile, moderation, override reasons or mission."""
    data["format_version"] = 2
    del data["criteria"], data["crossing_profile"], data["moderation"], data["mission"]
    for r in data["ratings"]:
        del r["override_reason"]


def test_version_1_package_without_roadmap_still_imports(package, tmp_path):
    def old(data):
        as_version_2(data)
        data["format_version"] = 1
        data["recommendations"] = []
        del data["exposure"], data["targets"]
    edit(package, old)
    other = other_store(tmp_path)
    assert import_file(other, package, by="importer").created
    copy = other.get_assessment("XAT")
    assert RoadmapStore(other).recommendations_frame(copy.id).empty
    assert RoadmapStore(other).get_exposure(copy.id)["is_set"] is False


def test_version_2_package_still_imports(package, demo_store, xat, tmp_path):
    edit(package, as_version_2)
    other = other_store(tmp_path)
    assert import_file(other, package, by="importer").created
    copy = other.get_assessment("XAT")
    assert other.criteria_frame(copy.id).empty and other.crossing_profile(copy.id).kinds is None
    assert other.get_rating(copy.id, IND)["agreed"] == "2"
    assert len(RoadmapStore(other).recommendations_frame(copy.id)) == 3
    # merged back, it leaves the override reasons, answers and profile here alone
    result = import_file(demo_store, package, by="importer")
    assert result.plan.empty, result.report
    assert demo_store.get_rating(xat.id, IND)["override_reason"] == "Referral log not kept."


def test_merge_adds_recommendations_not_yet_there(package, demo_store, xat, tmp_path):
    def change(data):
        data["recommendations"].append({"key": "R9", "subarea_id": "ADM.1", "target_level": 5,
                                        "action_type": "coordination", "title": "Set up a border committee",
                                        "horizon": "short", "prerequisites": ["R1"], "version": 4,
                                        "updated_by": "Field team"})
    edit(package, change)
    rm = RoadmapStore(demo_store)
    before = rm.recommendations_frame(xat.id)
    dry = import_file(demo_store, package, dry_run=True, by="importer")
    assert "would add 1 recommendation(s) not yet here" in dry.report and "Set up a border committee" in dry.report
    assert len(rm.recommendations_frame(xat.id)) == 3
    import_file(demo_store, package, by="importer")
    after = rm.recommendations_frame(xat.id)
    assert len(after) == 4 and after.iloc[:3][["id", "title", "version"]].equals(before[["id", "title", "version"]])
    added = after.iloc[3]
    assert added["title"] == "Set up a border committee" and added["version"] == 1 and added["updated_by"] == "importer"
    assert list(added["prerequisites"]) == [before["id"][0]]  # R1 is the existing "Adopt the border..." record
    import_file(demo_store, package, by="importer")  # importing again adds nothing
    assert len(rm.recommendations_frame(xat.id)) == 4


def test_dry_run_into_another_database_writes_nothing(package, tmp_path):
    other = other_store(tmp_path)
    result = import_file(other, package, dry_run=True, by="importer")
    assert "would create XAT Atlantis (fictional)" in result.report
    assert other.list_assessments() == []


def test_merge_into_the_same_database(package, demo_store, xat):
    later = (dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(minutes=5)).isoformat()

    def change(data):
        for r in data["ratings"]:
            if r["indicator_id"] == "ADM.1.1":  # edited elsewhere after the export
                r["notes"], r["updated_at"] = "Edited in the field.", later
                r["evidence"].append({"type": "law", "source": "Decree 12/2025", "date": "2025-03-01",
                                      "reference": "", "supplied_by": "Ana Ferreira"})
            if r["indicator_id"] == "ADM.1.2":  # stale copy of a rating changed here since
                r["notes"] = "Old notes from the field."
    edit(package, change)
    demo_store.save_rating(xat.id, "ADM.1.2", by="Colleague", notes="Newer notes at headquarters.")
    result = import_file(demo_store, package, by="importer")
    assert [(c.indicator_id, c.field) for c in result.plan.changes] == [("ADM.1.1", "notes")]
    assert [(c.indicator_id, c.field) for c in result.plan.conflicts] == [("ADM.1.2", "notes")]
    assert len(result.plan.evidence) == 1
    assert demo_store.get_rating(xat.id, "ADM.1.1")["notes"] == "Edited in the field."
    assert demo_store.get_rating(xat.id, "ADM.1.2")["notes"] == "Newer notes at headquarters."


@pytest.mark.parametrize("change,expected", [
    (lambda d: d["ratings"][0].update(national="7"), "ratings[0].national: '7' is not a level"),
    (lambda d: d["ratings"][1].update(indicator_id="ZZZ.1.1"), "ratings[1].indicator_id: unknown indicator 'ZZZ.1.1'"),
    (lambda d: d["ratings"][2]["evidence"].append({"type": "law", "source": "Future law", "date": "2999-01-01"}),
     "is in the future"),
    (lambda d: d["ratings"][3].update(colour="red"), "ratings[3].colour: Extra inputs are not permitted"),
    (lambda d: d["assessment"]["team"][0].update(role="boss"), "assessment.team[0].role: 'boss' is not a role"),
    (lambda d: d["recommendations"].append({"text": "Adopt a border law"}), "recommendations[3].text: Extra inputs"),
    (lambda d: d["recommendations"][2].update(prerequisites=["R1", "R7"]),
     "recommendations[2].prerequisites[1]: 'R7' is not the key of a recommendation in this package"),
    (lambda d: d["recommendations"][0].update(prerequisites=["R3"]), "prerequisite cycle"),
    (lambda d: d["recommendations"][1].update(horizon="someday"), "recommendations[1].horizon"),
    (lambda d: d["exposure"].update(level=7), "exposure.level"),
    (lambda d: d["targets"][0].update(subarea_id="ZZZ.9"), "targets[0].subarea_id: unknown sub-area 'ZZZ.9'"),
    (lambda d: d["funding"]["quantities"][0].update(low=-3), "funding.quantities: quantities[0].low: -3 is negative"),
    (lambda d: d["funding"]["unit_costs"].append({"item": "interview_room", "low": 5, "currency": "XCD",
                                                  "price_year": 2025}),
     "currency: no exchange rate for XCD"),
])
def test_bad_package_is_located_and_nothing_written(package, tmp_path, change, expected):
    edit(package, change)
    other = other_store(tmp_path)
    with pytest.raises(InvalidInput) as err:
        import_file(other, package, by="importer")
    assert any(expected in str(p) for p in err.value.problems), err.value
    assert all(str(p).startswith("XAT.json: ") for p in err.value.problems)
    assert other.list_assessments() == []


def test_not_json(tmp_path, demo_store):
    path = tmp_path / "XAT.json"
    path.write_text('{"format": "mbm-workbook-package",\n oops}', encoding="utf-8")
    with pytest.raises(InvalidInput, match="XAT.json: line 2, column 2: this file is not valid JSON"):
        import_file(demo_store, path, by="importer")


# -- framework versions ---------------------------------------------------------------------
# An installation keeps the versions it ships (a package of a shipped version is recreated on it);
# these tests make a later framework, 2.2.0, whose changelog documents a release 2.1.0 that is not
# shipped: a package labelled 2.1.0 is mapped onto 2.2.0 through the changelog.
def framework_next(mappings: list[dict]):
    """Framework 2.2.0: ADM.1.1 renamed ADM.1.9 (with or without the mapping in its changelog),
    after an unshipped 2.1.0 that changed no ids."""
    data = yaml.safe_load(DEFAULT_FRAMEWORK.read_text(encoding="utf-8"))
    data["version"] = "2.2.0"
    data["changelog"][:0] = [{"version": "2.2.0", "date": "2027-06-15", "changes": ["ADM.1.1 renumbered ADM.1.9"],
                              "mappings": mappings},
                             {"version": "2.1.0", "date": "2027-01-15", "changes": ["wording"], "mappings": []}]
    data["pillars"][0]["subareas"][0]["indicators"][0]["id"] = "ADM.1.9"
    for lv in data["pillars"][0]["subareas"][0]["indicators"][0]["levels"]:
        for c in lv.get("criteria", []):
            c["id"] = c["id"].replace("ADM.1.1.", "ADM.1.9.")
    for pillar in data["pillars"]:  # other sub-areas that refer to it
        for sa in pillar["subareas"]:
            for ref in sa.get("refers_to", []):
                ref["indicator"] = "ADM.1.9" if ref["indicator"] == "ADM.1.1" else ref["indicator"]
    return parse_framework(yaml.safe_dump(data, sort_keys=False), source="framework 2.2.0")


def as_unshipped_2_1(data: dict) -> None:
    """Label the package 2.1.0, without the answers on ADM.1.1's criteria nor the visits'
    observations of them: criterion ids are not mapped between versions, and 2.2.0 renumbers them
    (the demo answers them, and its mission observes some)."""
    data["framework"]["version"] = "2.1.0"
    data["criteria"] = [a for a in data["criteria"] if not a["criterion_id"].startswith("ADM.1.1.")]
    for visit in (data.get("mission") or {}).get("visits") or []:
        visit["observations"] = [o for o in visit["observations"] if not o["criterion"].startswith("ADM.1.1.")]


def test_older_version_mapped_through_the_changelog(package, demo_store, xat, tmp_path):
    fw = framework_next([{"from": "ADM.1.1", "to": ["ADM.1.9"], "kind": "renamed"}])
    other = other_store(tmp_path, framework=fw)
    # answers on the renumbered criteria are refused where they stand
    edit(package, lambda d: d["framework"].update(version="2.1.0"))
    first = next(i for i, a in enumerate(json.loads(package.read_text(encoding="utf-8"))["criteria"])
                 if a["criterion_id"].startswith("ADM.1.1."))
    with pytest.raises(InvalidInput, match=rf"criteria\[{first}\].criterion_id: unknown criterion 'ADM.1.1.\w+' in "
                                           r"framework mbm-assessment-framework 2.2.0"):
        import_file(other, package, by="importer")
    assert other.list_assessments() == []
    edit(package, as_unshipped_2_1)
    import_file(other, package, by="importer")
    copy = other.get_assessment("XAT")
    assert copy.framework_version == "2.2.0"
    old = demo_store.get_rating(xat.id, "ADM.1.1")
    new = other.get_rating(copy.id, "ADM.1.9")
    assert (new["national"], new["agreed"], new["notes"]) == (old["national"], old["agreed"], old["notes"])
    answers = demo_store.criteria_frame(xat.id)  # every other answer, unchanged
    answers = answers[~answers["criterion_id"].str.startswith("ADM.1.1.")].reset_index(drop=True)
    assert other.criteria_frame(copy.id).equals(answers)


def test_older_version_without_mapping_is_located(package, tmp_path):
    edit(package, as_unshipped_2_1)
    other = other_store(tmp_path, framework=framework_next([]))
    with pytest.raises(InvalidInput, match=r"ratings\[0\].indicator_id: unknown indicator 'ADM.1.1' in framework "
                                           r"mbm-assessment-framework 2.2.0"):
        import_file(other, package, by="importer")
    assert other.list_assessments() == []


def test_split_indicator_must_be_rated_afresh(package, tmp_path):
    edit(package, as_unshipped_2_1)
    fw = framework_next([{"from": "ADM.1.1", "to": ["ADM.1.9", "ADM.1.2"], "kind": "split"}])
    other = other_store(tmp_path, framework=fw)
    with pytest.raises(InvalidInput, match=r"ratings\[0\].indicator_id: ADM.1.1 was split into ADM.1.9, ADM.1.2"):
        import_file(other, package, by="importer")
    with pytest.raises(InvalidInput, match=r"recommendations\[0\].indicator_id: ADM.1.1 was split into ADM.1.9, "
                                           r"ADM.1.2 in a later framework version: point the recommendation"):
        import_file(other, package, by="importer")
    # with nothing rated on it, the old indicator is simply left out; the recommendation is re-pointed
    edit(package, lambda d: d["ratings"][0].update(national=None, external=None, agreed=None, notes="", evidence=[]))
    edit(package, lambda d: d["recommendations"][0].update(indicator_id="ADM.1.9"))
    import_file(other, package, by="importer")
    copy = other.get_assessment("XAT")
    assert other.get_rating(copy.id, "ADM.1.9")["version"] == 0


def test_a_shipped_version_is_kept(package, demo_store, xat, tmp_path):
    """A 2.0.0 package into an installation whose framework is 2.2.0 is recreated on 2.0.0, as it
    was (``workbook framework migrate`` moves it later)."""
    other = other_store(tmp_path, framework=framework_next([{"from": "ADM.1.1", "to": ["ADM.1.9"],
                                                              "kind": "renamed"}]))
    import_file(other, package, by="importer")
    copy = other.get_assessment("XAT")
    assert copy.framework_version == "2.0.0" and other.framework_of(copy.id).version == "2.0.0"
    assert other.get_rating(copy.id, "ADM.1.1") == demo_store.get_rating(xat.id, "ADM.1.1")


@pytest.mark.parametrize("framework,expected", [
    ({"id": "mbm-assessment-framework", "version": "0.9.0"},
     "rated against mbm-assessment-framework 0.9.0; this installation uses 2.0.0 and its changelog documents no "
     "mapping from 0.9.0"),
    ({"id": "another-framework", "version": "1.0.0"}, "rated against framework 'another-framework'"),
])
def test_unknown_framework_version_refused(package, tmp_path, framework, expected):
    edit(package, lambda d: d.update(framework=framework))
    other = other_store(tmp_path)
    with pytest.raises(InvalidInput) as err:
        import_file(other, package, by="importer")
    assert expected in str(err.value)
    assert other.list_assessments() == []


def test_framework_1_assessment_package(demo_store, tmp_path):
    """A 1.0 assessment's package: no criteria; recreated on 1.0.0 elsewhere, and merged back."""
    info = framework_1_assessment(demo_store)
    path = export_file(demo_store, info, "json", tmp_path / "XBO.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["framework"]["version"] == "1.0.0" and data["criteria"] == [] and data["crossing_profile"] is None
    other = other_store(tmp_path)
    assert import_file(other, path, by="importer").created
    copy = other.get_assessment("XBO")
    assert copy.framework_version == "1.0.0"
    assert other.get_rating(copy.id, "OPS.1.1")["notes"] == "rated on 1.0"
    edit(path, lambda d: d["ratings"][0].update(external="3", updated_at=(
        dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(minutes=5)).isoformat()))
    result = import_file(demo_store, path, by="importer")
    assert [(c.indicator_id, c.field) for c in result.plan.changes] == [("OPS.1.1", "external")]
    assert demo_store.get_rating(info.id, "OPS.1.1")["external"] == "3"

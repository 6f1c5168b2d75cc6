"""The field mission in the single-file package: exported with the assessment, recreated in
another database with its visits' observed evidence linked again (not doubled), interviews and
attachments; a refused mission leaves nothing behind."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from support.mission import PDF, POSTS, jpeg, mission_assessment
from workbook.errors import InvalidInput, NotFound
from workbook.exchange.files import export_file, import_file
from workbook.mission import MissionStore
from workbook.mission import attachments as files
from workbook.store import Store, db

DAY = dt.date(2026, 3, 4)


@pytest.fixture
def exported(store, tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBOOK_ATTACHMENTS", str(tmp_path / "attachments"))
    mission, a = mission_assessment(store, tmp_path)
    vid = mission.record_visit(a.id, by="Ana Costa", post="XAT-AIR-1", day=DAY, why="Largest airport",
                               team=["Ana Costa"], observations=[{"criterion": "ADM.1.1.4a", "result": "yes"},
                                                                 {"criterion": "ADM.1.2.4a", "result": "no"}])
    iid = mission.record_interview(a.id, by="Max Weber", role="port officer", agency="Coast Guard", sex="male",
                                   day=DAY, place="XAT-SEA-1", consent=True, anonymity=True, summary="Radar old.")
    mission.add_attachment(a.id, jpeg(gps=True), "booths.jpg", by="Ana Costa", visit=vid, keep_location=True)
    mission.add_attachment(a.id, PDF, "notes.pdf", by="Max Weber", interview=iid)
    eid = store.add_evidence(a.id, "ADM.1.3", by="Ana Costa", type="law", source="Border Act")
    mission.add_attachment(a.id, PDF + b"%law", "act.pdf", by="Ana Costa", evidence=eid)
    path = export_file(store, store.get_assessment("XAT", "baseline 2026"), "json", tmp_path / "xat.json")
    other = f"sqlite:///{tmp_path / 'other.db'}"
    db.upgrade(other)
    monkeypatch.setenv("WORKBOOK_ATTACHMENTS", str(tmp_path / "elsewhere"))
    return path, Store(other)


def test_the_mission_travels_in_the_package(exported):
    path, other = exported
    data = json.loads(path.read_text())
    assert data["format_version"] == 3 and len(data["mission"]["posts"]) == 3
    typed = [e["type"] for r in data["ratings"] for e in r["evidence"]]
    assert "observation" not in typed  # observed evidence comes back with its visit
    result = import_file(other, path, by="Ana Costa")
    assert result.created and "3 post(s), 1 visit(s), 1 interview(s), 3 attachment(s)" in result.report
    info = other.get_assessment("XAT", "baseline 2026")
    mission = MissionStore(other)
    assert mission.visits_frame(info.id).loc[0, ["post", "observed", "met"]].tolist() == ["XAT-AIR-1", 2, 1]
    ev = other.evidence_frame(info.id)
    assert sorted(ev.loc[ev["type"] == "observation", "indicator_id"]) == ["ADM.1.1", "ADM.1.2"]
    assert mission.interviews_frame(info.id, viewer="Ana Costa").loc[0, "post"] == "XAT-SEA-1"
    atts = mission.attachments_frame(info.id, viewer="Ana Costa").set_index("filename")
    assert atts.loc["booths.jpg", "location_kept"] and atts.loc["act.pdf", "linked_to"].startswith("evidence")
    photo = mission.attachment_bytes(int(atts.loc["booths.jpg", "attachment_id"]))[1]
    assert files.has_location(photo)


def test_a_refused_mission_leaves_nothing(exported, tmp_path):
    path, other = exported
    data = json.loads(path.read_text())
    data["mission"]["visits"][0]["day"] = "2026-05-01"
    data["mission"]["attachments"][0]["content"] = "not base64!"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    with pytest.raises(InvalidInput) as exc:
        import_file(other, bad, by="Ana Costa")
    assert [p.location for p in exc.value.problems] == ["bad.json: mission.visits[0].day"]
    with pytest.raises(NotFound):
        other.get_assessment("XAT", "baseline 2026")


def test_merging_a_package_of_the_same_mission_adds_nothing(exported, store):
    path, _ = exported
    result = import_file(store, path, by="Ana Costa", dry_run=True)
    assert "field mission: 3 post(s), 1 visit(s), 1 interview(s), 3 attachment(s) is already here" in result.report


@pytest.fixture
def field_and_office(exported, store, tmp_path, monkeypatch):
    """The office database has the package of the first days (``other``); the field team's
    laptop (``store``) goes on: a new post, a visit there with a photo, an interview, typed
    evidence with its scan. Returns (office store, field store, field assessment id, package of
    the field's state)."""
    path, office = exported
    import_file(office, path, by="Ana Costa")
    monkeypatch.setenv("WORKBOOK_ATTACHMENTS", str(tmp_path / "attachments"))
    field = MissionStore(store, attachments_root=tmp_path / "attachments")
    aid = store.get_assessment("XAT", "baseline 2026").id
    field.save_posts(aid, [{"code": "XAT-LND-2", "name": "South Ferry Road", "kind": "land", "region": "South"}],
                     by="Ana Costa")
    vid = field.record_visit(aid, by="Max Weber", post="XAT-LND-2", day=DAY + dt.timedelta(days=2),
                             why="Remote post", team=["Max Weber"],
                             observations=[{"criterion": "ADM.1.1.4a", "result": "no"}])
    field.add_attachment(aid, jpeg(gps=False, size=9), "ferry.jpg", by="Max Weber", visit=vid)
    field.record_interview(aid, by="Ana Costa", role="shift supervisor", agency="Border Police", sex="female",
                           day=DAY + dt.timedelta(days=2), place="XAT-LND-2", consent=True, anonymity=True,
                           summary="No scanner at night.")
    eid = store.add_evidence(aid, "ADM.1.2", by="Ana Costa", type="statistics", source="Ferry log 2025")
    field.add_attachment(aid, PDF + b"%log", "log.pdf", by="Ana Costa", evidence=eid)
    again = export_file(store, store.get_assessment("XAT", "baseline 2026"), "json", tmp_path / "xat-day5.json")
    monkeypatch.setenv("WORKBOOK_ATTACHMENTS", str(tmp_path / "elsewhere"))
    return office, store, again


def _counts(store):
    mission, aid = MissionStore(store), store.get_assessment("XAT", "baseline 2026").id
    return (len(mission.posts_frame(aid)), len(mission.visits_frame(aid)),
            len(mission.interviews_frame(aid, viewer="Ana Costa")),
            len(mission.attachments_frame(aid, viewer="Ana Costa")))


def test_the_field_teams_new_records_merge_into_the_office_database(field_and_office):
    office, _, again = field_and_office
    assert _counts(office) == (3, 1, 1, 3)
    plan = import_file(office, again, by="Ana Costa", dry_run=True)
    assert "add the package's field mission records not yet here" in plan.report
    assert "1 posts" in plan.report and "1 visits" in plan.report and "1 interviews" in plan.report
    assert _counts(office) == (3, 1, 1, 3)  # a dry run writes nothing
    import_file(office, again, by="Ana Costa")
    assert _counts(office) == (4, 2, 2, 5)
    mission, aid = MissionStore(office), office.get_assessment("XAT", "baseline 2026").id
    visits = mission.visits_frame(aid).set_index("post")
    atts = mission.attachments_frame(aid, viewer="Ana Costa").set_index("filename")
    assert atts.loc["ferry.jpg", "linked_to"] == f"visit {visits.loc['XAT-LND-2', 'visit_id']}"
    ev = office.evidence_frame(aid)
    log = ev[(ev["indicator_id"] == "ADM.1.2") & (ev["source"] == "Ferry log 2025")]
    assert len(log) == 1 and atts.loc["log.pdf", "linked_to"] == f"evidence {log['evidence_id'].iloc[0]}"
    observed = ev[(ev["type"] == "observation") & (ev["indicator_id"] == "ADM.1.1")]
    assert len(observed) == 2  # each visit brings its own observed evidence, once
    # the same package again: everything is already here
    assert "is already here" in import_file(office, again, by="Ana Costa", dry_run=True).report
    import_file(office, again, by="Ana Costa")
    assert _counts(office) == (4, 2, 2, 5)


def test_a_post_that_differs_is_left_as_it_is_here_with_a_note(field_and_office):
    office, _, again = field_and_office
    mission, aid = MissionStore(office), office.get_assessment("XAT", "baseline 2026").id
    mission.save_posts(aid, [{**POSTS[1], "officers": 45}], by="Ana Costa")
    result = import_file(office, again, by="Ana Costa")
    assert "1 post(s) of the package differ from this installation's register (XAT-LND-1)" in result.report
    assert mission.posts_frame(aid).set_index("code").loc["XAT-LND-1", "officers"] == 45


def test_a_merge_the_office_refuses_is_located_and_saves_nothing(field_and_office, tmp_path):
    office, _, again = field_and_office
    data = json.loads(again.read_text())
    new_visit = next(i for i, v in enumerate(data["mission"]["visits"]) if v["post"] == "XAT-LND-2")
    data["mission"]["visits"][new_visit]["day"] = "2026-05-01"  # after the mission's end
    bad = tmp_path / "late.json"
    bad.write_text(json.dumps(data))
    before = _counts(office), len(office.evidence_frame(office.get_assessment("XAT", "baseline 2026").id))
    with pytest.raises(InvalidInput) as exc:
        import_file(office, bad, by="Ana Costa")
    assert [p.location for p in exc.value.problems] == [f"late.json: mission.visits[{new_visit}].day"]
    after = _counts(office), len(office.evidence_frame(office.get_assessment("XAT", "baseline 2026").id))
    assert after == before


@pytest.mark.parametrize("damage,where", [
    (lambda m: m.update(visits="XAT-AIR-1"), "mission.visits"),
    (lambda m: m["posts"].__setitem__(0, "XAT-AIR-1"), "mission.posts[0]"),
    (lambda m: m.update(plan=["objectives"]), "mission.plan"),
    (lambda m: m["attachments"][0].update(link="XAT-AIR-1"), "mission.attachments[0].link"),
    (lambda m: m["plan"].update(by="someone"), "mission.plan.by"),
    (lambda m: m.update(photos=[]), "mission.photos"),
])
def test_a_damaged_mission_is_located_on_merge_and_on_create(exported, store, tmp_path, damage, where):
    """A package whose mission has the wrong shape (a list that is text, a record that is not an
    object, a field no record has) is refused with the place, merged or created, nothing saved."""
    path, other = exported
    data = json.loads(path.read_text())
    damage(data["mission"])
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    for target in (store, other):  # XAT exists in store (a merge), not in other (a new assessment)
        with pytest.raises(InvalidInput) as exc:
            import_file(target, bad, by="Ana Costa")
        assert f"bad.json: {where}" in [p.location for p in exc.value.problems]
    with pytest.raises(NotFound):
        other.get_assessment("XAT", "baseline 2026")

"""The field mission in the single-file package: exported with the assessment, recreated in
another database with its visits' observed evidence linked again (not doubled), interviews and
attachments; a refused mission leaves nothing behind."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from support.mission import PDF, jpeg, mission_assessment
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


def test_merging_leaves_the_mission_as_it_is(exported, store):
    path, _ = exported
    result = import_file(store, path, by="Ana Costa", dry_run=True)
    assert "1 visit(s)" in result.report and "was not merged" in result.report

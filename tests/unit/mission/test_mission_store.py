"""The field mission's store on SQLite and PostgreSQL: plan, desk review, register, schedule,
visits feeding observed evidence, interviews kept anonymous and team-only, attachments; bad input
is refused with located problems and writes nothing."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from support.mission import PDF, POSTS, jpeg, mission_assessment
from workbook.errors import InvalidInput, NotFound
from workbook.mission import attachments as files
from workbook.store.models import Attachment, AuditEntry, CrossingPoint, Evidence, SiteVisit

DAY = dt.date(2026, 3, 4)
OBS = [{"criterion": "ADM.1.1.4a", "result": "yes"}, {"criterion": "ADM.1.1.4b", "result": "no", "note": "unsure"},
       {"criterion": "ADM.1.2.4a", "result": "yes"}]


@pytest.fixture
def m(store, tmp_path):
    return mission_assessment(store, tmp_path)


def locations(exc) -> list[str]:
    return [p.location for p in exc.value.problems]


def count(store, model) -> int:
    with store._sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_plan_round_trip_and_checks(m):
    mission, a = m
    plan = mission.get_plan(a.id)
    assert plan["starts"] == dt.date(2026, 3, 2) and plan["roles"] == [{"name": "Max Weber", "duty": "team lead"}]
    with pytest.raises(InvalidInput) as exc:
        mission.set_plan(a.id, by="Ana Costa", objectives=[], starts="2026-03-20", ends="2026-03-10",
                         roles=[{"name": "Someone Else", "duty": "lead"}])
    assert set(locations(exc)) == {"plan.objectives", "plan.ends", "plan.roles[0].name"}
    assert mission.get_plan(a.id)["version"] == 1


def test_documents_of_the_desk_review(m):
    mission, a = m
    doc = mission.add_document(a.id, by="Ana Costa", title="Border management strategy 2024-2028",
                               requested_from="Ministry of Interior", requested="2026-01-10")
    mission.update_document(doc, by="Ana Costa", received="2026-02-01")
    frame = mission.documents_frame(a.id)
    assert frame.loc[0, "received"] == dt.date(2026, 2, 1)
    with pytest.raises(InvalidInput) as exc:
        mission.update_document(doc, by="Ana Costa", received="2026-01-01")
    assert locations(exc) == [f"document#{doc}.received"]


def test_register_round_trip(m):
    mission, a = m
    posts = mission.posts_frame(a.id).set_index("code")
    assert list(posts.index) == ["XAT-AIR-1", "XAT-LND-1", "XAT-SEA-1"]
    air = posts.loc["XAT-AIR-1"]
    assert air["agencies"] == ["Border Police", "Customs"] and air["interpol"] is True and air["traffic"] == 740_000
    assert air["region"] == "Capital District" and air["region_code"] is None  # fictional country: free text
    # updating by code changes only the fields given
    assert mission.save_posts(a.id, [{"code": "XAT-LND-1", "officers": 35}], by="Ana Costa") == {"added": 0,
                                                                                                  "updated": 1}
    posts = mission.posts_frame(a.id).set_index("code")
    assert posts.loc["XAT-LND-1", "officers"] == 35 and posts.loc["XAT-LND-1", "version"] == 2
    assert posts.loc["XAT-LND-1", "name"] == "North Bridge"


def test_bad_register_rows_are_located_and_write_nothing(m, store):
    mission, a = m
    rows = [{"code": "XAT-RL-1", "name": "Lake Ferry", "kind": "lake", "traffic": 5000, "traffic_source": "Port"},
            {"code": "XAT-air-1", "name": "Other airport", "kind": "air"},
            {"code": "XAT-AIR-2", "name": "Capital International Airport", "kind": "airport", "lat": 95},
            {"code": "XAT-AIR-2", "name": "Second field", "kind": "ufo", "officers": 3, "women_officers": 4}]
    with pytest.raises(InvalidInput) as exc:
        mission.save_posts(a.id, rows, by="Ana Costa")
    assert set(locations(exc)) == {"posts[0].traffic_year", "posts[1].code", "posts[2].name", "posts[2].lat",
                                   "posts[3].code", "posts[3].kind", "posts[3].women_officers"}
    assert "duplicate post" in str(exc.value)
    assert count(store, CrossingPoint) == 3


def test_adding_a_post_twice_is_refused(m):
    mission, a = m
    with pytest.raises(InvalidInput, match="already in the register"):
        mission.add_post(a.id, by="Ana Costa", **POSTS[0])


def test_regions_of_a_real_country_are_iso_3166_2(store, tmp_path):
    mission, _ = mission_assessment(store, tmp_path, posts=[])
    ken = store.create_assessment("KEN", "baseline 2026", team=[{"name": "Ana Costa", "organisation": "IOM",
                                                                "role": "international"}], by="tester")
    mission.add_post(ken.id, by="Ana Costa", code="KE-SEA-1", name="Mombasa port", kind="sea", region="mombasa")
    assert mission.posts_frame(ken.id).loc[0, ["region", "region_code"]].tolist() == ["Mombasa", "KE-28"]
    with pytest.raises(InvalidInput) as exc:
        mission.add_post(ken.id, by="Ana Costa", code="KE-LND-1", name="Namanga", kind="land", region="Atlantis")
    assert locations(exc) == ["post.region"] and "ISO 3166-2" in str(exc.value)


def test_posts_must_fit_the_crossing_profile(m, store):
    mission, a = m
    store.set_crossing_profile(a.id, kinds=["air", "land", "sea"], by="tester")
    with pytest.raises(InvalidInput, match="has no rail posts"):
        mission.add_post(a.id, by="Ana Costa", code="XAT-RL-1", name="Rail yard", kind="rail")


def test_schedule(m):
    mission, a = m
    mission.add_event(a.id, by="Ana Costa", day="2026-03-04", kind="visit", post="XAT-AIR-1")
    mission.add_event(a.id, by="Ana Costa", day="2026-03-02", kind="briefing", subject="Opening with the ministry")
    frame = mission.schedule_frame(a.id)
    assert frame["kind"].tolist() == ["briefing", "visit"] and frame.loc[1, "post"] == "XAT-AIR-1"
    with pytest.raises(InvalidInput) as exc:
        mission.add_event(a.id, by="Ana Costa", day="2026-04-01", kind="visit", post="XAT-NOPE")
    assert set(locations(exc)) == {"event.day", "event.post"}


def test_a_visit_feeds_several_indicators_as_observed_evidence(m, store):
    mission, a = m
    vid = mission.record_visit(a.id, by="Ana Costa", post="XAT-AIR-1", day=DAY, why="Largest airport",
                               team=["Ana Costa", "Max Weber"], observations=OBS,
                               key_observations=["Second line has no document examiner at night"])
    ev = store.evidence_frame(a.id)
    observed = ev[ev["type"] == "observation"].set_index("indicator_id")
    assert sorted(observed.index) == ["ADM.1.1", "ADM.1.2"]
    assert "1 of 2 checklist items met" in observed.loc["ADM.1.1", "source"]
    assert observed.loc["ADM.1.1", "reference"] == f"visit #{vid}"
    visits = mission.visits_frame(a.id)
    assert visits.loc[0, ["observed", "met"]].tolist() == [3, 2]
    # recorded again: the answers and the evidence follow, nothing is doubled
    mission.record_visit(a.id, by="Ana Costa", post="XAT-AIR-1", day=DAY, why="Largest airport",
                         team=["Ana Costa"], observations=[{"criterion": "ADM.1.1.4a", "result": "no"}])
    ev = store.evidence_frame(a.id)
    assert ev[ev["type"] == "observation"]["indicator_id"].tolist() == ["ADM.1.1"]
    assert mission.observations_frame(a.id)["result"].tolist() == ["no"]
    # the evidence follows the visit: not edited by hand
    eid = int(ev[ev["type"] == "observation"]["evidence_id"].iloc[0])
    with pytest.raises(InvalidInput, match="change or remove the visit instead"):
        store.remove_evidence(eid, by="Ana Costa")
    mission.remove_visit(vid, by="Ana Costa")
    assert count(store, Evidence) == 0 and count(store, SiteVisit) == 0


def test_bad_visits_are_located_and_write_nothing(m, store):
    mission, a = m
    with pytest.raises(InvalidInput) as exc:
        mission.record_visit(a.id, by="Ana Costa", post="XAT-NOWHERE", day="2026-05-01", why="",
                             team=["Stranger"], observations=OBS)
    assert set(locations(exc)) == {"visit.post", "visit.day", "visit.why", "visit.team[0]"}
    inland = [{"criterion": "ADM.1.1.4a", "result": "yes"}, {"criterion": "ADM.1.1.4a", "result": "no"},
              {"criterion": "XXX.9.9.9z", "result": "yes"}, {"criterion": "ADM.1.2.4a", "result": "maybe"}]
    with pytest.raises(InvalidInput) as exc:
        mission.record_visit(a.id, by="Ana Costa", post="XAT-SEA-1", day=DAY, why="Only seaport", team=["Ana Costa"],
                             observations=inland, key_observations=["Mr Okafor said the radar is broken"])
    assert set(locations(exc)) == {"visit.observations[1].criterion", "visit.observations[2].criterion",
                                   "visit.observations[3].result", "visit.key_observations[0]"}
    assert count(store, SiteVisit) == 0 and count(store, Evidence) == 0


def test_a_criterion_not_observable_at_that_kind_of_post(store, tmp_path):
    posts = [{"code": "XAT-OFF-1", "name": "Immigration headquarters", "kind": "inland"}]
    mission, a = mission_assessment(store, tmp_path, posts=posts)
    with pytest.raises(InvalidInput, match="not on the checklist of a inland office post|not on the checklist"):
        mission.record_visit(a.id, by="Ana Costa", post="XAT-OFF-1", day=DAY, why="HQ", team=["Ana Costa"],
                             observations=[{"criterion": "ADM.1.1.4a", "result": "yes"}])
    assert [c.id for c in mission.checklist(a.id, "XAT-OFF-1")][:1] == ["ADM.6.1.4b"]


def test_interviews_are_anonymous_and_for_the_team_only(m, store):
    mission, a = m
    iid = mission.record_interview(a.id, by="Max Weber", role="shift supervisor", agency="Border Police",
                                   sex="F", day=DAY, place="XAT-AIR-1", consent="yes", anonymity="yes",
                                   summary="The supervisor explained the night roster.")
    log = mission.interviews_frame(a.id, viewer="Ana Costa")
    assert log.loc[0, ["interview_id", "sex", "post", "consent"]].tolist() == [iid, "female", "XAT-AIR-1", True]
    assert "name" not in log.columns
    with pytest.raises(InvalidInput, match="visible to the assessment team only"):
        mission.interviews_frame(a.id, viewer="reviewer")
    assert mission.interview_count(a.id).to_dict("records") == [{"agency": "Border Police", "interviews": 1}]
    audit = store.audit_frame(a.id)
    assert not audit["new"].fillna("").str.contains("night roster").any()
    with pytest.raises(InvalidInput) as exc:
        mission.record_interview(a.id, by="Max Weber", role="officer", agency="Customs", sex="m", day=DAY,
                                 consent="yes", anonymity="yes", summary="Inspector Haddad said that Maria Lopez "
                                                                         "checks the manifests.")
    assert locations(exc) == ["interview.summary"] and "'Inspector Haddad'" in str(exc.value)
    with pytest.raises(InvalidInput) as exc:
        mission.record_interview(a.id, by="outsider", role="officer", agency="Customs", sex="m", day="2026-06-01",
                                 consent="no", anonymity="yes", summary="Said things")
    assert set(locations(exc)) == {"by", "interview.day", "interview.summary"}
    assert len(mission.interviews_frame(a.id, viewer="Max Weber")) == 1


def test_attachments_hash_size_type_and_location(m, store, tmp_path, monkeypatch):
    mission, a = m
    vid = mission.record_visit(a.id, by="Ana Costa", post="XAT-AIR-1", day=DAY, why="Largest airport",
                               team=["Ana Costa"], observations=OBS)
    photo = jpeg(gps=True)
    assert files.has_location(photo)
    aid = mission.add_attachment(a.id, photo, "booths.jpg", by="Ana Costa", visit=vid, caption="Arrival booths")
    info, content = mission.attachment_bytes(aid)
    assert not files.has_location(content) and info["size"] == len(content) and info["media_type"] == "image/jpeg"
    kept = mission.add_attachment(a.id, photo, "booths-gps.jpg", by="Ana Costa", visit=vid, keep_location=True)
    assert files.has_location(mission.attachment_bytes(kept)[1])
    frame = mission.attachments_frame(a.id)
    assert frame["location_kept"].tolist() == [False, True] and frame["sha256"].str.len().tolist() == [64, 64]
    # refused: wrong type, wrong extension, over the limit, no link; nothing stored
    monkeypatch.setenv("WORKBOOK_ATTACHMENT_MAX_MB", "0.001")
    for content, name, where in ((b"MZ\x90\x00program", "report.pdf", "attachment.content"),
                                 (PDF, "report.jpg", "attachment.filename"),
                                 (PDF + b"x" * 2000, "big.pdf", "attachment.size")):
        with pytest.raises(InvalidInput) as exc:
            mission.add_attachment(a.id, content, name, by="Ana Costa", visit=vid)
        assert locations(exc) == [where]
    with pytest.raises(InvalidInput) as exc:
        mission.add_attachment(a.id, PDF, "r.pdf", by="Ana Costa", visit=vid + 99)
    assert locations(exc) == ["attachment.visit"]
    assert count(store, Attachment) == 2
    stored = sorted(p.name for p in (tmp_path / "attachments").rglob("*") if p.is_file())
    assert len(stored) == 2
    # removing the visit removes its attachments and their files
    mission.remove_visit(vid, by="Ana Costa")
    assert count(store, Attachment) == 0
    assert not [p for p in (tmp_path / "attachments").rglob("*") if p.is_file()]


def test_interview_attachments_are_team_only(m):
    mission, a = m
    iid = mission.record_interview(a.id, by="Max Weber", role="port officer", agency="Coast Guard", sex="male",
                                   day=DAY, place="XAT-SEA-1", consent=True, anonymity=True)
    att = mission.add_attachment(a.id, PDF, "notes.pdf", by="Max Weber", interview=iid)
    assert mission.attachments_frame(a.id).empty
    assert len(mission.attachments_frame(a.id, viewer="Max Weber")) == 1
    with pytest.raises(InvalidInput):
        mission.attachment_bytes(att, viewer="someone")
    assert mission.attachment_bytes(att, viewer="Ana Costa")[1] == PDF


def test_final_assessments_are_read_only_and_unknown_records(m, store):
    mission, a = m
    with pytest.raises(NotFound):
        mission.remove_visit(999, by="Ana Costa")
    with pytest.raises(NotFound):
        mission.remove_post(a.id, "XAT-NOPE", by="Ana Costa")
    mission.record_visit(a.id, by="Ana Costa", post="XAT-AIR-1", day=DAY, why="x", team=["Ana Costa"])
    with pytest.raises(InvalidInput, match="remove them first"):
        mission.remove_post(a.id, "XAT-AIR-1", by="Ana Costa")
    with store._sessions.begin() as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.entity == "crossing_point")) == 3


def test_observed_evidence_from_a_visit_lifts_the_evidence_cap(m, store):
    mission, a = m
    talk = [{"type": "interview", "source": "Meeting with the post head", "date": dt.date(2026, 3, 3)},
            {"type": "law", "source": "Border Act", "date": dt.date(2026, 1, 1)}]
    store.save_many(a.id, [{"indicator_id": "ADM.1.1", "agreed": "4", "override_reason": "team judgement",
                            "evidence": talk}], by="Ana Costa")
    before = store.scores(a.id).indicators.set_index("indicator_id").loc["ADM.1.1"]
    assert before["capped"] and before["level"] == 3 and "observed" in before["cap_reason"]
    vid = mission.record_visit(a.id, by="Ana Costa", post="XAT-AIR-1", day=DAY, why="Largest airport",
                               team=["Ana Costa"], observations=[{"criterion": "ADM.1.1.4a", "result": "yes"}])
    after = store.scores(a.id).indicators.set_index("indicator_id").loc["ADM.1.1"]
    assert not after["capped"] and after["level"] == 4
    mission.remove_visit(vid, by="Ana Costa")  # the claim goes with the visit
    assert store.scores(a.id).indicators.set_index("indicator_id").loc["ADM.1.1", "capped"]


def test_backup_and_restore_carry_the_attachment_files(store, db_url, tmp_path, monkeypatch):
    import shutil

    from workbook.mission import MissionStore
    from workbook.store.backup import attachments_beside, backup, restore
    monkeypatch.setenv("WORKBOOK_ATTACHMENTS", str(tmp_path / "kept"))
    _, a = mission_assessment(store, tmp_path)
    mission = MissionStore(store)  # the attachments folder of the settings
    vid = mission.record_visit(a.id, by="Ana Costa", post="XAT-AIR-1", day=DAY, why="x", team=["Ana Costa"])
    aid = mission.add_attachment(a.id, PDF, "roster.pdf", by="Ana Costa", visit=vid)
    out = backup(tmp_path / "b" / "mbm.backup", db_url)
    assert len([p for p in attachments_beside(out).rglob("*") if p.is_file()]) == 1
    shutil.rmtree(tmp_path / "kept")
    with pytest.raises(NotFound, match="restore it from a backup"):
        mission.attachment_bytes(aid)
    restore(out, db_url, replace=True)
    assert mission.attachment_bytes(aid)[1] == PDF


def test_an_interview_attachment_caption_never_names_the_person(m, store):
    mission, a = m
    iid = mission.record_interview(a.id, by="Max Weber", role="port officer", agency="Coast Guard", sex="male",
                                   day=DAY, consent=True, anonymity=True)
    with pytest.raises(InvalidInput) as exc:
        mission.add_attachment(a.id, PDF, "notes.pdf", by="Max Weber", interview=iid,
                               caption="Notes of the talk with Captain Moreau")
    assert locations(exc) == ["attachment.caption"]
    assert count(store, Attachment) == 0

"""The store: round trips, validation that writes nothing, optimistic locking, audit, migrations."""
from __future__ import annotations

import datetime as dt

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from workbook.store import db
from workbook.errors import Conflict, InvalidInput, NotFound, WorkbookError
from workbook.store.models import Base
from workbook.store import Store

TEAM = [{"name": "Ana", "organisation": "Border Police", "role": "national"},
        {"name": "Max", "organisation": "Assessment team", "role": "international"}]


@pytest.fixture
def xat(store):
    return store.create_assessment("XAT", "baseline 2026", country_name="Atlantis", team=TEAM, by="tester")


def _snapshot(store, a):
    return (store.ratings_frame(a.id).to_dict("records"), store.evidence_frame(a.id).to_dict("records"),
            len(store.audit_frame(a.id)))


def test_create_and_get(store, xat):
    got = store.get_assessment("xat")
    assert got.id == xat.id and got.country_name == "Atlantis" and got.fictional
    assert got.framework_id == store.framework.id and got.framework_version == store.framework.version
    assert got.team == (("Ana", "Border Police", "national"), ("Max", "Assessment team", "international"))
    real = store.create_assessment("ken", "baseline 2026", by="tester")
    assert real.country_name == "Kenya" and not real.fictional
    assert [a.country_code for a in store.list_assessments()] == ["KEN", "XAT"]


@pytest.mark.parametrize("country, name, message", [
    ("ABC", None, "ABC is not an ISO 3166-1 alpha-3 code"),
    ("XAT", None, "user-assigned code: give the fictional country a name"),
    ("K3N", None, "not a three-letter"),
    (None, None, "not a three-letter"),
])
def test_create_rejects_bad_country(store, country, name, message):
    with pytest.raises(InvalidInput, match=message):
        store.create_assessment(country, "baseline 2026", country_name=name, by="tester")
    assert store.list_assessments() == []


def test_create_reports_every_problem_at_once(store):
    with pytest.raises(InvalidInput) as err:
        store.create_assessment("ABC", "", by="", team=[{"name": "", "role": "boss"}])
    fields = {p.location for p in err.value.problems}
    assert {"country", "round", "by", "team[0].name", "team[0].role"} <= fields
    assert store.list_assessments() == []


def test_duplicate_round_rejected(store, xat):
    with pytest.raises(InvalidInput, match="already has an assessment for round"):
        store.create_assessment("XAT", "baseline 2026", country_name="Atlantis", by="tester")


def test_get_unknown_round_lists_rounds(store, xat):
    with pytest.raises(NotFound, match="its rounds are 'baseline 2026'"):
        store.get_assessment("XAT", "follow-up 2028")
    with pytest.raises(NotFound, match="no assessment for country 'XBO'"):
        store.get_assessment("XBO")


def test_rating_round_trip_and_audit(store, xat):
    r = store.save_rating(xat.id, "ADM.1.1", national=4, external="3", agreed="3", notes="Seen at the airport",
                          by="Ana")
    assert (r["national"], r["external"], r["agreed"], r["version"]) == ("4", "3", "3", 1)
    r = store.save_rating(xat.id, "ADM.1.1", agreed="ie", by="Max", expected_version=1)
    assert r["agreed"] == "IE" and r["version"] == 2 and r["updated_by"] == "Max"
    audit = store.audit_frame(xat.id)
    changes = [[None if isinstance(v, float) else v for v in row]
               for row in audit[audit["entity"] == "rating"][["who", "field", "old", "new"]].values.tolist()]
    assert changes == [["Ana", "national", None, "4"], ["Ana", "external", None, "3"], ["Ana", "agreed", None, "3"],
                       ["Ana", "notes", "", "Seen at the airport"], ["Max", "agreed", "3", "IE"]]
    # saving the same values again changes nothing
    assert store.save_rating(xat.id, "ADM.1.1", agreed="IE", by="Max")["version"] == 2


@pytest.mark.parametrize("changes, where", [
    ({"agreed": 6}, "ADM.1.1.agreed"),
    ({"agreed": 0}, "ADM.1.1.agreed"),
    ({"agreed": "three"}, "ADM.1.1.agreed"),
    ({"agreed": True}, "ADM.1.1.agreed"),
    ({"national": 2.5}, "ADM.1.1.national"),
    ({"notes": "x" * 10_001}, "ADM.1.1.notes"),
    ({"colour": "red"}, "colour"),
])
def test_bad_rating_writes_nothing(store, xat, changes, where):
    store.save_rating(xat.id, "ADM.1.1", agreed="2", by="Ana")
    before = _snapshot(store, xat)
    with pytest.raises(InvalidInput) as err:
        store.save_rating(xat.id, "ADM.1.1", by="Ana", **changes)
    assert where in {p.location for p in err.value.problems}
    assert _snapshot(store, xat) == before


def test_unknown_indicator(store, xat):
    with pytest.raises(InvalidInput, match="unknown indicator 'ADM.99.1'"):
        store.save_rating(xat.id, "ADM.99.1", agreed="2", by="Ana")
    assert store.ratings_frame(xat.id)["version"].eq(0).all()


def test_stale_write_is_refused_with_other_value(store, xat):
    store.save_rating(xat.id, "OPS.2.1", agreed="3", by="Ana", expected_version=0)
    with pytest.raises(Conflict) as err:
        store.save_rating(xat.id, "OPS.2.1", agreed="4", by="Max", expected_version=0)
    assert err.value.current["agreed"] == "3" and err.value.current["updated_by"] == "Ana"
    assert "changed by Ana" in str(err.value) and "not saved" in str(err.value)
    assert store.get_rating(xat.id, "OPS.2.1")["agreed"] == "3"


def test_stale_first_write_is_refused(store, xat):
    store.save_rating(xat.id, "OPS.2.2", notes="first", by="Ana", expected_version=0)
    with pytest.raises(Conflict):
        store.save_rating(xat.id, "OPS.2.2", notes="second", by="Max", expected_version=0)
    assert store.get_rating(xat.id, "OPS.2.2")["notes"] == "first"


def test_evidence_add_update_remove(store, xat):
    eid = store.add_evidence(xat.id, "INF.2.1", type="sop", source="Alert list SOP", date="2025-03-01",
                             reference="SOP-7", supplied_by="Border Police", by="Ana")
    ev = store.evidence_frame(xat.id)
    assert ev.loc[0, "type"] == "sop" and ev.loc[0, "date"] == dt.date(2025, 3, 1)
    store.update_evidence(eid, source="Alert list SOP (2025 edition)", by="Max")
    assert store.evidence_frame(xat.id).loc[0, "source"] == "Alert list SOP (2025 edition)"
    store.remove_evidence(eid, by="Max")
    assert store.evidence_frame(xat.id).empty
    fields = store.audit_frame(xat.id).query("entity == 'evidence'")["field"].tolist()
    assert fields == ["added", "source", "removed"]


def test_evidence_edits_by_two_people_never_overwrite_each_other_silently(store, xat):
    eid = store.add_evidence(xat.id, "INF.2.1", type="sop", source="Alert list SOP", date="2025-03-01",
                             reference="SOP-7", by="Ana")
    loaded = store.evidence_frame(xat.id).to_dict("records")[0]  # both open the record
    seen = {k: loaded[k] for k in ("type", "source", "date", "reference", "supplied_by")}
    # Ana changes the source; Max, from the same view, changes the reference and sends every field
    store.update_evidence(eid, by="Ana", expected=seen, **{**seen, "source": "Alert list SOP, 2025"})
    store.update_evidence(eid, by="Max", expected=seen, **{**seen, "date": "2025-03-01", "reference": "SOP-7b"})
    row = store.evidence_frame(xat.id).to_dict("records")[0]
    assert (row["source"], row["reference"]) == ("Alert list SOP, 2025", "SOP-7b"), "both changes kept"
    # Max changes the source too, from his stale view: refused, Ana's value is reported
    with pytest.raises(Conflict, match=r"someone else changed this evidence record .*\(source\)") as exc:
        store.update_evidence(eid, by="Max", expected=seen, **{**seen, "source": "Max's title"})
    assert exc.value.current["source"] == "Alert list SOP, 2025"
    # the same change made by both is no conflict; a stale removal is refused, a fresh one works
    store.update_evidence(eid, by="Max", expected=seen, **{**seen, "source": "Alert list SOP, 2025"})
    with pytest.raises(Conflict, match="nothing was removed"):
        store.remove_evidence(eid, by="Max", expected=seen)
    assert len(store.evidence_frame(xat.id)) == 1
    fresh = store.evidence_frame(xat.id).to_dict("records")[0]
    store.remove_evidence(eid, by="Max", expected={k: fresh[k] for k in seen})
    assert store.evidence_frame(xat.id).empty
    with pytest.raises(NotFound, match="someone may have removed it"):
        store.update_evidence(eid, by="Ana", expected=seen, source="again")
    fields = store.audit_frame(xat.id).query("entity == 'evidence'")[["field", "who"]].values.tolist()
    assert fields == [["added", "Ana"], ["source", "Ana"], ["reference", "Max"], ["removed", "Max"]]


@pytest.mark.parametrize("fields, where", [
    ({"type": "sop", "source": "", "date": "2025-01-01"}, "INF.2.1.evidence.source"),
    ({"type": "sop", "source": "SOP", "date": (dt.date.today() + dt.timedelta(days=1)).isoformat()},
     "INF.2.1.evidence.date"),
    ({"type": "gossip", "source": "SOP"}, "INF.2.1.evidence.type"),
    ({"type": "sop", "source": "SOP", "date": "01/02/2025"}, "INF.2.1.evidence.date"),
    ({"type": "sop", "source": "S" * 501}, "INF.2.1.evidence.source"),
])
def test_bad_evidence_writes_nothing(store, xat, fields, where):
    before = _snapshot(store, xat)
    with pytest.raises(InvalidInput) as err:
        store.add_evidence(xat.id, "INF.2.1", by="Ana", **fields)
    assert where in {p.location for p in err.value.problems}
    assert _snapshot(store, xat) == before


def test_save_many_is_all_or_nothing(store, xat):
    rows = [{"indicator_id": "ADM.1.1", "agreed": "3", "evidence": [{"type": "law", "source": "Border Act"}]},
            {"indicator_id": "ADM.1.2", "agreed": "9"},
            {"indicator_id": "NOPE.1", "agreed": "2"},
            {"indicator_id": "ADM.1.3", "evidence": [{"type": "law", "source": "", "date": "2999-01-01"}]}]
    before = _snapshot(store, xat)
    with pytest.raises(InvalidInput) as err:
        store.save_many(xat.id, rows, by="Ana")
    locations = {p.location for p in err.value.problems}
    assert {"ADM.1.2.agreed", "row 3.indicator_id", "ADM.1.3.evidence[0].source",
            "ADM.1.3.evidence[0].date"} <= locations
    assert _snapshot(store, xat) == before
    assert store.save_many(xat.id, [rows[0], {"indicator_id": "ADM.1.2", "agreed": "NA"}], by="Ana") == 2
    frame = store.ratings_frame(xat.id).set_index("indicator_id")
    assert frame.loc["ADM.1.1", "agreed"] == "3" and frame.loc["ADM.1.2", "agreed"] == "NA"
    assert len(store.evidence_frame(xat.id)) == 1


def test_final_assessment_is_read_only(store, xat):
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE assessment SET status = 'final' WHERE id = :i"), {"i": xat.id})
    with pytest.raises(InvalidInput, match="final and read-only"):
        store.save_rating(xat.id, "ADM.1.1", agreed="2", by="Ana")


def test_migrations_match_models(db_url):
    with db.get_engine(db_url).connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_sqlite_runs_in_wal_mode(tmp_path):
    url = f"sqlite:///{tmp_path / 'wal.db'}"
    db.upgrade(url)
    with Store(url).engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == db.SQLITE_BUSY_TIMEOUT_MS


def test_empty_database_gives_clear_error(tmp_path):
    with pytest.raises(WorkbookError, match="is empty: run `workbook db upgrade` first"):
        Store(f"sqlite:///{tmp_path / 'empty.db'}")


def test_bad_url_gives_clear_error():
    with pytest.raises(WorkbookError, match="not a valid SQLAlchemy URL"):
        Store("not a url")


def test_save_many_refuses_stale_rows(store, xat):
    store.save_rating(xat.id, "ADM.1.1", agreed="2", by="Ana")
    with pytest.raises(Conflict, match="ADM.1.1 .now version 1, by Ana"):
        store.save_many(xat.id, [{"indicator_id": "ADM.1.2", "agreed": "3", "expected_version": 0},
                                 {"indicator_id": "ADM.1.1", "agreed": "4", "expected_version": 0}], by="Max")
    frame = store.ratings_frame(xat.id).set_index("indicator_id")
    assert frame.loc["ADM.1.1", "agreed"] == "2" and frame.loc["ADM.1.2", "version"] == 0
    assert store.save_many(xat.id, [{"indicator_id": "ADM.1.1", "agreed": "4", "expected_version": 1}], by="Max") == 1

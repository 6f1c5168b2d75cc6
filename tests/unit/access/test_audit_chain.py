"""The tamper-evident audit log: entries chained by hash per assessment; `workbook audit verify`
finds the first broken link (an edited, removed or cut-off entry), and a migrated database's old
entries are chained in the order they were written."""
import pytest
from alembic import command
from sqlalchemy import text

from workbook.cli import main
from workbook.store import Store, audit, db


@pytest.fixture
def xat(store):
    a = store.create_assessment("XAT", "baseline 2026", country_name="Atlantis", by="Maria")
    store.save_rating(a.id, "ADM.1.1", agreed="3", notes="seaport visit", by="Maria")
    store.save_rating(a.id, "ADM.1.1", agreed="2", by="Joao")
    store.save_rating(a.id, "ADM.1.2", agreed="1", by="Joao")
    return a


def _sql(store, statement, **params):
    with store.engine.begin() as conn:
        return conn.execute(text(statement), params)


def _ids(store, assessment_id):
    return [r[0] for r in _sql(store, "SELECT id FROM audit_log WHERE assessment_id = :a ORDER BY seq",
                               a=assessment_id)]


def test_a_clean_log_verifies_and_each_entry_follows_the_one_before(store, xat, capsys):
    rows = _sql(store, "SELECT seq, prev_hash, hash FROM audit_log WHERE assessment_id = :a ORDER BY seq",
                a=xat.id).all()
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1)) and len(rows) >= 4
    assert rows[0].prev_hash == "" and all(b.prev_hash == a.hash for a, b in zip(rows, rows[1:]))
    assert len({r.hash for r in rows}) == len(rows)
    assert main(["audit", "verify"]) == 0
    out = capsys.readouterr()
    assert f"ok     XAT baseline 2026 (assessment {xat.id}): {len(rows)} entries" in out.out and not out.err


def test_an_edited_row_is_the_first_broken_link(tmp_path, monkeypatch, capsys):
    """On SQLite (as the brief asks): someone edits the database file directly."""
    url = f"sqlite:///{tmp_path / 'w.db'}"
    monkeypatch.setenv("WORKBOOK_DB_URL", url)
    db.upgrade(url)
    store = Store(url)
    a = store.create_assessment("XAT", "baseline 2026", country_name="Atlantis", by="Maria")
    for level in "1234":
        store.save_rating(a.id, "ADM.1.1", agreed=level, by="Maria")
    ids = _ids(store, a.id)
    _sql(store, "UPDATE audit_log SET new = '4', who = 'Someone else' WHERE id = :i", i=ids[2])
    assert main(["audit", "verify"]) == 1
    out = capsys.readouterr()
    assert "BROKEN XAT baseline 2026" in out.out
    assert f"broken at entry {ids[2]} (number 3 of the chain)" in out.err
    assert "its content no longer matches its hash (it was edited after it was written)" in out.err
    # a second edit further on is not what is reported: the first broken link is
    _sql(store, "UPDATE audit_log SET old = 'x' WHERE id = :i", i=ids[4])
    (state,) = audit.verify(store.engine)
    assert state.broken.entry_id == ids[2]


def test_recomputing_the_edited_entrys_hash_breaks_the_next_link(store, xat):
    ids = _ids(store, xat.id)
    with store._sessions.begin() as s:
        from workbook.store.models import AuditEntry
        e = s.get(AuditEntry, ids[1])
        e.new = "forged"
        e.hash = audit.hash_of(e)  # a careful forger rehashes the entry...
    (state,) = [st for st in audit.verify(store.engine) if st.chain == xat.id]
    assert state.broken.entry_id == ids[2]  # ...and the next entry no longer follows it
    assert "does not follow the entry before it" in state.broken.problem


def test_a_removed_entry_and_a_cut_off_end_are_found(store, xat):
    ids = _ids(store, xat.id)
    _sql(store, "DELETE FROM audit_log WHERE id = :i", i=ids[-1])
    (state,) = audit.verify(store.engine, [xat.id])
    assert state.broken.entry_id is None and "entries were cut off or the head was changed" in state.broken.problem
    _sql(store, "DELETE FROM audit_log WHERE id = :i", i=ids[1])
    (state,) = audit.verify(store.engine, [xat.id])
    assert state.broken.entry_id == ids[2] and "an entry before it was removed" in state.broken.problem


def test_verify_one_country_and_unknown_country(store, xat, capsys):
    store.create_assessment("XBO", "baseline 2026", country_name="Borduria", by="Maria")
    assert main(["audit", "verify", "XBO"]) == 0
    out = capsys.readouterr().out
    assert "XBO baseline 2026" in out and "XAT" not in out
    assert main(["audit", "verify", "XZZ"]) == 2


def test_a_sign_off_records_the_head_it_signed(store, xat):
    before = audit.head(store.engine.connect(), xat.id)
    store.set_status(xat.id, "in_review", by="Maria", role="team_leader")
    with store.engine.connect() as conn:
        signed = conn.execute(text("SELECT audit_head FROM sign_off WHERE assessment_id = :a"), {"a": xat.id}).scalar()
        assert signed == before and audit.head(conn, xat.id) != before  # the status change itself is chained


def test_two_assessments_have_separate_chains(store, xat):
    b = store.create_assessment("XBO", "baseline 2026", country_name="Borduria", by="Maria")
    store.save_rating(b.id, "ADM.1.1", agreed="2", by="Maria")
    states = {st.chain: st for st in audit.verify(store.engine)}
    assert states[b.id].entries == 2 and states[xat.id].entries >= 4
    assert all(st.broken is None for st in states.values())


def test_the_migration_chains_entries_written_before_it(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = db.get_engine(url)
    command.upgrade(db._alembic_config(engine), "0004")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO audit_log (assessment_id, entity, entity_key, field, old, new, who, at) "
                          "VALUES (1, 'rating', 'ADM.1.1', 'agreed', NULL, '2', 'Maria', '2025-03-01 10:00:00'), "
                          "(2, 'rating', 'ADM.1.1', 'agreed', NULL, '1', 'Ana', '2025-03-01 10:05:00'), "
                          "(1, 'rating', 'ADM.1.1', 'agreed', '2', '3', 'Joao', '2025-03-02 09:00:00')"))
    db.upgrade(url)
    states = {st.chain: st for st in audit.verify(engine)}
    assert {c: (st.entries, st.broken) for c, st in states.items()} == {1: (2, None), 2: (1, None)}
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET who = 'Nobody' WHERE who = 'Maria'"))
    assert audit.verify(engine, [1])[0].broken.seq == 1

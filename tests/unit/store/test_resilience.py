"""Hard edges: editors in several processes, a process killed mid-save, the database briefly away."""
from __future__ import annotations

import multiprocessing as mp
import os
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy.engine import make_url

from workbook.store import base as store_base
from sqlalchemy.exc import OperationalError

from workbook.errors import Conflict, Unavailable
from workbook.roadmap import RoadmapStore
from workbook.store import Store

CONTESTED = ["ADM.1.1", "OPS.2.1"]


def _editor(url: str, aid: int, seconds: float, seed: int, out) -> None:
    st = Store(url)
    saves = conflicts = 0
    deadline = time.monotonic() + seconds
    n = 0
    while time.monotonic() < deadline:
        ind = CONTESTED[(seed + n) % len(CONTESTED)]
        n += 1
        cur = st.get_rating(aid, ind)
        count = int(cur["notes"] or 0)
        try:
            st.save_rating(aid, ind, notes=str(count + 1), by=f"editor {seed}", expected_version=cur["version"])
            saves += 1
        except Conflict:
            conflicts += 1
    out.put((saves, conflicts))


def test_editors_in_several_processes_lose_no_update(store):
    url = store.engine.url.render_as_string(hide_password=False)
    a = store.create_assessment("XCC", "concurrency", country_name="Concurrentia", by="test")
    for ind in CONTESTED:
        store.save_rating(a.id, ind, notes="0", by="test")
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    procs = [ctx.Process(target=_editor, args=(url, a.id, 3.0, i, out)) for i in range(3)]
    for p in procs:
        p.start()
    results = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    saves = sum(r[0] for r in results)
    counted = sum(int(store.get_rating(a.id, ind)["notes"]) for ind in CONTESTED)
    assert saves > 0
    assert counted == saves, f"{saves - counted} lost updates"
    # every successful save is in the audit log exactly once
    audit = store.audit_frame(a.id)
    assert len(audit[(audit["field"] == "notes") & (audit["who"].str.startswith("editor"))]) == saves


KILLER = r"""
import sys
from workbook.store import Store
st = Store(sys.argv[1]); aid = int(sys.argv[2]); tag = sys.argv[3]
rows = [{"indicator_id": i, "notes": tag, "evidence": [{"type": "interview", "source": tag}]}
        for i in st.framework.indicators]
print("ready", flush=True)
st.save_many(aid, rows, by="killer")
print("done", flush=True)
"""


def test_process_killed_mid_save_leaves_all_or_nothing(store):
    url = store.engine.url.render_as_string(hide_password=False)
    a = store.create_assessment("XKL", "kill", country_name="Killtown", by="test")
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    for k, delay in enumerate((0.05, 0.15, 0.3, 0.6)):
        proc = subprocess.Popen([sys.executable, "-c", KILLER, url, str(a.id), f"run{k}"], stdout=subprocess.PIPE,
                                text=True, env=env)
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stdout.close()
        notes = set(store.ratings_frame(a.id)["notes"])
        evidence = store.evidence_frame(a.id)
        written = f"run{k}" in notes
        # all indicators carry the run's note, or none does; evidence likewise
        assert notes <= {"", *(f"run{j}" for j in range(k + 1))}
        if written:
            assert notes == {f"run{k}"}
            assert (evidence["source"] == f"run{k}").sum() == len(store.framework.indicators)
        else:
            assert (evidence["source"] == f"run{k}").sum() == 0


class FlakyProxy:
    """A TCP proxy that drops every connection until ``open_at``, then forwards."""

    def __init__(self, target: tuple[str, int], closed_for: float):
        self.target = target
        self.open_at = time.monotonic() + closed_for
        self.refused = 0
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            if time.monotonic() < self.open_at:
                self.refused += 1
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a, b):
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()

    def close(self):
        self.server.close()


def _save_rating(st: Store, aid: int) -> bool:
    return st.save_rating(aid, "INF.1.2", agreed="3", by="test")["agreed"] == "3"


def _set_exposure(st: Store, aid: int) -> bool:
    return RoadmapStore(st).set_exposure(aid, 3, reason="busy crossings", by="test")["level"] == 3


@pytest.mark.parametrize("write", [_save_rating, _set_exposure], ids=["assessment store", "road-map store"])
def test_postgres_briefly_unavailable_is_retried(store, write):
    url = store.engine.url
    if url.get_backend_name() != "postgresql":
        pytest.skip("the network outage is a PostgreSQL scenario (SQLite waits on its busy timeout)")
    a = store.create_assessment("XOU", "outage", country_name="Outland", by="test")
    proxy = FlakyProxy((url.host, url.port), closed_for=0.6)
    try:
        flaky_url = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        flaky = Store(flaky_url, check=False)
        assert write(flaky, a.id) and proxy.refused >= 1
        flaky.engine.dispose()
    finally:
        proxy.close()


def test_unreachable_database_gives_clear_error(monkeypatch):
    monkeypatch.setattr(store_base, "RETRY_DELAYS", (0.05, 0.05))
    with socket.create_server(("127.0.0.1", 0)) as s:
        port = s.getsockname()[1]          # a port that closes before anyone connects
    url = make_url(f"postgresql+psycopg://nobody:secret@127.0.0.1:{port}/mbm").render_as_string(hide_password=False)
    with pytest.raises(Unavailable) as err:
        Store(url)
    message = str(err.value)
    assert "is not reachable (tried 3 times" in message and "Nothing was saved" in message
    assert "secret" not in message


class BlinkingSessions:
    """A session factory whose first ``fail`` sessions lose their connection (a transient error)."""

    def __init__(self, sessions, fail: int):
        self.sessions, self.fail, self.calls = sessions, fail, 0

    def _blink(self):
        self.calls += 1
        if self.calls <= self.fail:
            raise OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))

    def __call__(self):
        self._blink()
        return self.sessions()

    def begin(self):
        self._blink()
        return self.sessions.begin()


def test_road_map_writes_and_reads_are_retried_on_a_transient_error(store, monkeypatch):
    monkeypatch.setattr(store_base, "RETRY_DELAYS", (0.01, 0.01, 0.01))
    a = store.create_assessment("XOU", "outage", country_name="Outland", by="test")
    rm = RoadmapStore(store)
    rm._sessions = BlinkingSessions(rm._sessions, fail=2)
    assert rm.set_exposure(a.id, 3, reason="busy crossings", by="test")["level"] == 3
    assert rm._sessions.calls > 2
    rm._sessions = BlinkingSessions(rm._sessions.sessions, fail=1)
    rid = rm.add_recommendation(a.id, {"subarea_id": "ADM.1", "target_level": 3, "action_type": "training",
                                       "title": "Train the trainers", "horizon": "short"}, by="test")
    assert rm.get_recommendation(rid)["title"] == "Train the trainers"
    assert len(rm.recommendations_frame(a.id)) == 1, "a retried write is written once"


def test_road_map_store_on_an_unreachable_database_raises_unavailable(monkeypatch):
    monkeypatch.setattr(store_base, "RETRY_DELAYS", (0.05, 0.05))
    with socket.create_server(("127.0.0.1", 0)) as s:
        port = s.getsockname()[1]          # a port that closes before anyone connects
    url = make_url(f"postgresql+psycopg://nobody:secret@127.0.0.1:{port}/mbm").render_as_string(hide_password=False)
    rm = RoadmapStore(Store(url, check=False))
    for call in (lambda: rm.set_exposure(1, 2, reason="r", by="test"), lambda: rm.recommendations_frame(1),
                 lambda: rm.add_initiative(1, {"donor": "D", "title": "T", "start_date": "2026-01-01",
                                               "end_date": "2026-12-31", "subareas": ["ADM.1"]}, by="test")):
        with pytest.raises(Unavailable) as err:
            call()
        assert "is not reachable (tried 3 times" in str(err.value) and "secret" not in str(err.value)


def test_sqlite_lock_held_briefly_is_waited_out(tmp_path):
    from workbook.store import db
    url = f"sqlite:///{tmp_path / 'locked.db'}"
    db.upgrade(url)
    st = Store(url)
    a = st.create_assessment("XLK", "lock", country_name="Lockland", by="test")
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sqlite3, sys, time; c = sqlite3.connect(sys.argv[1], isolation_level=None); "
        "c.execute('BEGIN EXCLUSIVE'); print('locked', flush=True); time.sleep(1.5); c.execute('COMMIT')"),
        str(tmp_path / "locked.db")], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "locked"
    t0 = time.monotonic()
    assert st.save_rating(a.id, "ADM.1.1", agreed="2", by="test")["agreed"] == "2"
    assert time.monotonic() - t0 >= 0.5
    holder.wait(timeout=10)
    holder.stdout.close()

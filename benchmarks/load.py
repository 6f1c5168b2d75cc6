"""Concurrent editors on one assessment: saves per second, conflicts detected, lost updates.

N editor processes run for a fixed time. Each one repeatedly picks an indicator, reads it, and
saves a read-modify-write change (a counter kept in the notes field, +1). Two ways of saving run
side by side on the same database:

* ``workbook``: Store.save_rating with ``expected_version`` (optimistic locking); a conflict is
  counted and the editor moves on.
* ``naive``: read, then write without a version check (last write wins), the baseline.

Lost updates = increments that editors were told succeeded minus the increase of the counters in
the database. The workbook path must show 0.

    .venv/bin/python benchmarks/load.py --editors 4 --seconds 10
    tools/with-postgres .venv/bin/python benchmarks/load.py     # adds PostgreSQL (WORKBOOK_TEST_PG_URL)
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from workbook.store import db  # noqa: E402
from workbook.errors import Conflict  # noqa: E402
from workbook.store import Store  # noqa: E402

INDICATORS = ["ADM.1.1", "ADM.1.2", "OPS.2.1", "INF.2.1"]  # few, so editors collide often


def _counter(notes: str) -> int:
    return int(notes) if notes and notes.isdigit() else 0


def editor(url: str, assessment_id: int, mode: str, seconds: float, seed: int, out) -> None:
    store = Store(url)
    rng = random.Random(seed)
    saves = conflicts = 0
    latencies = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ind = rng.choice(INDICATORS)
        t0 = time.perf_counter()
        current = store.get_rating(assessment_id, ind)
        new = str(_counter(current["notes"]) + 1)
        try:
            if mode == "workbook":
                store.save_rating(assessment_id, ind, notes=new, by=f"editor{seed}",
                                  expected_version=current["version"])
            else:
                with store.engine.begin() as conn:
                    conn.execute(text("UPDATE rating SET notes = :n, version = version + 1 "
                                      "WHERE assessment_id = :a AND indicator_id = :i"),
                                 {"n": new, "a": assessment_id, "i": ind})
            saves += 1
            latencies.append(time.perf_counter() - t0)
        except Conflict:
            conflicts += 1
    out.put((saves, conflicts, latencies))


def run(url: str, mode: str, editors: int, seconds: float) -> dict:
    store = Store(url)
    a = store.create_assessment("XLD", f"load {mode} {uuid.uuid4().hex[:6]}", country_name="Loadland", by="bench")
    for ind in INDICATORS:
        store.save_rating(a.id, ind, notes="0", by="bench")
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    procs = [ctx.Process(target=editor, args=(url, a.id, mode, seconds, i, out)) for i in range(editors)]
    for p in procs:
        p.start()
    results = [out.get() for _ in procs]
    for p in procs:
        p.join()
    saves = sum(r[0] for r in results)
    conflicts = sum(r[1] for r in results)
    latencies = sorted(x for r in results for x in r[2])
    final = sum(_counter(store.get_rating(a.id, ind)["notes"]) for ind in INDICATORS)
    return {"saves": saves, "per_s": saves / seconds, "conflicts": conflicts, "lost": saves - final,
            "p50_ms": 1000 * statistics.median(latencies) if latencies else float("nan"),
            "p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))] if latencies else float("nan")}


def _targets(args) -> list[tuple[str, str]]:
    tmp = tempfile.mkdtemp(prefix="mbm-load-")
    sqlite_url = f"sqlite:///{os.path.join(tmp, 'load.db')}"
    db.upgrade(sqlite_url)
    targets = [("SQLite", sqlite_url)]
    pg_admin = args.pg_url or os.environ.get("WORKBOOK_TEST_PG_URL")
    if pg_admin:
        name = f"mbm_load_{uuid.uuid4().hex[:8]}"
        admin = create_engine(pg_admin, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        pg_url = make_url(pg_admin).set(database=name).render_as_string(hide_password=False)
        db.upgrade(pg_url)
        targets.append(("PostgreSQL", pg_url))
    return targets


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--editors", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--pg-url", default=None, help="admin URL of a PostgreSQL server (a database is created)")
    args = parser.parse_args()
    print(f"{args.editors} editor processes, {args.seconds:g} s each run, {len(INDICATORS)} contested indicators")
    print(f"{'database':<11} {'mode':<9} {'saves/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'conflicts':>9} {'lost':>5}")
    failed = False
    for label, url in _targets(args):
        rows = {mode: run(url, mode, args.editors, args.seconds) for mode in ("naive", "workbook")}
        for mode, r in rows.items():
            print(f"{label:<11} {mode:<9} {r['per_s']:8.1f} {r['p50_ms']:7.1f} {r['p95_ms']:7.1f} "
                  f"{r['conflicts']:9d} {r['lost']:5d}")
        ratio = rows["workbook"]["per_s"] / rows["naive"]["per_s"] if rows["naive"]["per_s"] else float("nan")
        print(f"{label:<11} ratio workbook/naive saves per second: {ratio:.2f}")
        failed |= rows["workbook"]["lost"] != 0
    if failed:
        print("FAIL: the workbook path lost updates")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Batch benchmark: the naive papermill + nbconvert command lines against ``workbook batch``.

Generates N fictional countries (user-assigned codes XAA, XAB, ...; full ratings with evidence)
in a fresh SQLite database, then in one run times:

(a) the naive route, country by country: the ``papermill`` command on each pillar notebook, then
    one ``jupyter nbconvert --to html`` command on the four executed notebooks;
(b) ``workbook batch --format html`` for the same countries (the same format: HTML; no brief,
    no comparison), as one command;
(c) unless --no-pdf: ``workbook batch`` with its defaults: HTML and PDF reports, the donor
    briefs and the comparison report.

It prints the median seconds per country of each route and the ratio (a)/(b), both for
throughput (the batch's wall time divided by the countries) and for one country's own time
(the medians of the manifests' ``seconds``), and the CPU seconds each route used (its child
processes' user + system time), which other work on a shared machine does not inflate.

    .venv/bin/python benchmarks/batch.py                              # 20 countries, (a), (b), (c)
    .venv/bin/python benchmarks/batch.py --countries 195 --skip-naive  # the 195-country run, (c) only
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workbook import config  # noqa: E402
from workbook.store import db  # noqa: E402
from workbook.store import Store  # noqa: E402

ROUND = "baseline 2026"
BIN = Path(sys.executable).parent
EVIDENCE = {1: ("interview", "Interview with shift supervisors"), 2: ("self_assessment", "National answer"),
            3: ("law", "Law on State Border"), 4: ("observation", "Observation at the main airport"),
            5: ("audit", "Report of the national audit office")}


def country_codes(n: int) -> list[str]:
    """User-assigned ISO 3166 codes (XAA-XZZ, then QMA-QZZ): never a real country."""
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    codes = [f"X{a}{b}" for a in letters for b in letters] + [f"Q{a}{b}" for a in letters[12:] for b in letters]
    if n > len(codes):
        raise SystemExit(f"at most {len(codes)} countries")
    return codes[:n]


def generate(url: str, n: int, seed: int = 7) -> list[str]:
    """N fictional countries, every indicator rated with evidence that supports its level."""
    db.upgrade(url)
    store = Store(url)
    rng = random.Random(seed)
    today = dt.date.today()
    codes = country_codes(n)
    for k, code in enumerate(codes, start=1):
        a = store.create_assessment(code, ROUND, country_name=f"Fictionland {k:03d}", by="benchmark",
                                    team=[{"name": "Bench Marker", "organisation": "Benchmark team",
                                           "role": "international"}])
        mean = rng.uniform(1.5, 4.2)
        rows = []
        for ind_id in store.framework.indicators:
            level = min(5, max(1, round(rng.gauss(mean, 0.8))))
            evidence = [{"type": EVIDENCE[lv][0], "source": EVIDENCE[lv][1], "date": today - dt.timedelta(days=90),
                         "reference": f"{ind_id}/{lv}", "supplied_by": "assessment team"} for lv in range(1, level + 1)]
            rows.append({"indicator_id": ind_id, "national": str(min(5, level + rng.choice([0, 1]))),
                         "external": str(level), "agreed": str(level), "notes": f"Level {level} observed.",
                         "evidence": evidence})
        store.save_many(a.id, rows, by="benchmark")
    db.get_engine(url).dispose()
    return codes


def child_cpu() -> float:
    """CPU seconds used by finished child processes (and their children: kernels, workers)."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run(cmd: list[str], env: dict) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def naive(codes: list[str], out: Path, env: dict) -> list[float]:
    """(a): the command lines, country by country; seconds per country."""
    times = []
    for code in codes:
        folder = out / code
        folder.mkdir(parents=True)
        t = time.perf_counter()
        executed = []
        for name in config.PILLAR_NOTEBOOKS.values():
            target = folder / name
            run([str(BIN / "papermill"), str(config.notebooks_dir() / name), str(target), "-p", "country", code,
                 "-p", "round", ROUND, "-p", "interactive", "False", "--no-progress-bar"], env)
            executed.append(str(target))
        run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", *executed], env)
        times.append(time.perf_counter() - t)
        print(f"  naive {code}: {times[-1]:.1f}s", flush=True)
    return times


def batch(out: Path, env: dict, extra: list[str]) -> tuple[float, list[float], dict]:
    """(b)/(c): one ``workbook batch`` command; wall seconds, per-country seconds, step totals."""
    wall = run([str(BIN / "workbook"), "batch", "--all", "--output-dir", str(out), "--quiet", "--force", *extra], env)
    seconds, steps = [], {}
    for manifest in sorted(out.glob("*/*/manifest.json")):
        m = json.loads(manifest.read_text())
        seconds.append(m["seconds"])
        for k, v in m["steps"].items():
            key = "notebooks" if k.endswith(".ipynb") else k
            steps[key] = steps.get(key, 0.0) + v
    return wall, seconds, steps


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--countries", type=int, default=20)
    ap.add_argument("--skip-naive", action="store_true", help="only the batch with HTML and PDF (c)")
    ap.add_argument("--no-pdf", action="store_true", help="skip (c)")
    ap.add_argument("--jobs", type=int, default=None, help="passed to workbook batch (default: the cores)")
    ap.add_argument("--keep", default=None, help="work in this folder and keep it (default: a temporary one)")
    args = ap.parse_args(argv)
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="mbm-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{work / 'bench.db'}"
    env = {**os.environ, "WORKBOOK_DB_URL": url, "WORKBOOK_HOME": str(work / "home")}
    jobs = ["--jobs", str(args.jobs)] if args.jobs else []
    print(f"{os.cpu_count()} cores; load average before: {os.getloadavg()[0]:.1f}; work folder {work}")
    t = time.perf_counter()
    codes = generate(url, args.countries)
    print(f"generated {len(codes)} fictional countries in {time.perf_counter() - t:.1f}s")
    lines = []
    n = len(codes)
    if not args.skip_naive:
        c0 = child_cpu()
        a = naive(codes, work / "naive", env)
        c1 = child_cpu()
        wall_b, per_b, steps_b = batch(work / "batch-html", env, ["--format", "html", "--no-brief", "--no-comparison",
                                                                  *jobs])
        c2 = child_cpu()
        med_a = statistics.median(a)
        lines += [f"(a) naive papermill + nbconvert CLI: median {med_a:.2f}s per country, total {sum(a):.1f}s; "
                  f"CPU {(c1 - c0) / n:.2f}s per country",
                  f"(b) workbook batch --format html:   {wall_b:.1f}s wall = {wall_b / n:.2f}s per country; "
                  f"one country's own time: median {statistics.median(per_b):.2f}s; CPU {(c2 - c1) / n:.2f}s "
                  "per country",
                  "    steps (b), all countries: " + ", ".join(f"{k} {v:.1f}s" for k, v in steps_b.items()),
                  f"ratio (a)/(b): {med_a / (wall_b / len(codes)):.1f}x by throughput, "
                  f"{med_a / statistics.median(per_b):.1f}x by one country's time, "
                  f"{(c1 - c0) / (c2 - c1):.1f}x by CPU time"]
    if not args.no_pdf:
        c0 = child_cpu()
        wall_c, per_c, steps_c = batch(work / "batch-full", env, jobs)
        cpu_c = child_cpu() - c0
        lines += [f"(c) workbook batch (html,pdf, briefs, comparison): {wall_c:.1f}s wall for {n} countries "
                  f"= {wall_c / n:.2f}s per country; one country's own time: median "
                  f"{statistics.median(per_c):.2f}s; CPU {cpu_c:.1f}s = {cpu_c / n:.2f}s per country "
                  f"(on {os.cpu_count()} otherwise idle cores: >= {cpu_c / (os.cpu_count() or 1):.0f}s wall)",
                  "    steps (c), all countries: " + ", ".join(f"{k} {v:.1f}s" for k, v in steps_c.items())]
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())

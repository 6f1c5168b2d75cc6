"""Pillar page speed: our app (``workbook serve``: our template, preheated kernels where serve.py
gives them) against plain Voila serving the same notebook with default options.

For each server it prints the median time from navigation to every widget of the page present
(header, the sub-area buttons, the scores table, the chart) and the median time from a rating
click to the chart redrawn, then the ratios. A throwaway demo database is used; external
requests are blocked in both (the machines are offline).

    .venv/bin/python benchmarks/page.py [--loads 5] [--changes 15] [--pause 5]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # support.processes: the tests' process helpers

from workbook.report.chromium import CHROMIUM_ARGS, executable  # noqa: E402
from workbook import config, serve  # noqa: E402
from workbook.store import db  # noqa: E402
from workbook.demo import load_demo  # noqa: E402
from support.processes import free_port, stop_group  # noqa: E402
from workbook.store import Store  # noqa: E402

NOTEBOOK = "administration.ipynb"
QUERY = "country=XBO&round=baseline%202026&editor=Benchmark"
READY_JS = """n => document.querySelectorAll('.mbm-subarea-toggle').length === n
  && document.querySelector('figure.mbm-chart img') !== null
  && document.querySelector('table.mbm-scores') !== null
  && document.querySelector('.mbm-assessment') !== null"""
CHANGE_JS = """async ([selector, level]) => {
  const before = document.querySelector('figure.mbm-chart img').src;
  const button = [...document.querySelectorAll(selector + ' .widget-toggle-buttons button')]
    .find(b => b.textContent.trim() === level);
  const t0 = performance.now();
  button.click();
  while (document.querySelector('figure.mbm-chart img').src === before) {
    if (performance.now() - t0 > 10000) return null;
    await new Promise(r => setTimeout(r, 2));
  }
  return performance.now() - t0;
}"""


def start(cmd: list[str], env: dict, url: str, log: Path) -> subprocess.Popen:
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    if not serve.wait_until_up(url, timeout=120, proc=proc):
        stop_group(proc)
        sys.exit(f"server did not start: {' '.join(cmd[:4])}\n{log.read_text()[-3000:]}")
    return proc


def measure(browser, url: str, n_subareas: int, indicator_id: str, subarea_id: str, *, loads: int, changes: int,
            pause: float) -> tuple[list[float], list[float], list[tuple[float, float]]]:
    """Load times, rating-change times, and per load the two phases before the widgets: the page's
    HTML received (the server ran the notebook) and the kernel websocket opened (Voila's scripts ran)."""
    load_times, change_times, phases = [], [], []
    for i in range(loads):
        time.sleep(pause)  # let a preheated pool refill, as between two visitors
        context = browser.new_context()
        context.route("**/*", lambda route: route.abort() if not route.request.url.startswith(
            ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")) else route.continue_())
        page = context.new_page()
        opened: list[float] = []
        page.on("websocket", lambda _ws, opened=opened: opened.append(time.perf_counter()))
        t0 = time.perf_counter()
        page.goto(url, wait_until="commit")
        page.wait_for_function(READY_JS, arg=n_subareas, timeout=120_000, polling=10)
        load_times.append(time.perf_counter() - t0)
        html_end = page.evaluate("performance.getEntriesByType('navigation')[0].responseEnd") / 1000
        phases.append((html_end, (opened[0] - t0) if opened else float("nan")))
        if i == loads - 1:  # rating changes on the last page
            page.get_by_role("button", name=f"▸ {subarea_id}", exact=False).first.click()
            selector = f".mbm-indicator:has(#mbm-ind-{indicator_id.replace('.', '-')})"
            page.wait_for_selector(selector + " .widget-toggle-buttons button", timeout=30_000)
            for k in range(changes):
                ms = page.evaluate(CHANGE_JS, [selector, "1" if k % 2 else "2"])
                if ms is not None:
                    change_times.append(ms / 1000)
                page.wait_for_timeout(200)
        context.close()
    return load_times, change_times, phases


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=5)
    parser.add_argument("--changes", type=int, default=15)
    parser.add_argument("--pause", type=float, default=5.0, help="seconds between page loads")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="mbm-bench-"))
    url_db = f"sqlite:///{tmp / 'demo.db'}"
    db.upgrade(url_db)
    store = Store(url_db)
    load_demo(store)
    pillar = store.framework.pillar("ADM")
    sa = pillar.subareas[0]
    ind = sa.indicators[0]
    env = {**os.environ, "WORKBOOK_DB_URL": url_db}
    results = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable() or "/usr/bin/chromium", args=list(CHROMIUM_ARGS))
        try:
            port = free_port()
            ours = start([sys.executable, "-m", "workbook.cli", "serve", "--port", str(port), "--no-browser"],
                         env, f"http://127.0.0.1:{port}/", tmp / "ours.log")
            try:
                results["our app"] = measure(browser, f"http://127.0.0.1:{port}/voila/render/{NOTEBOOK}?{QUERY}",
                                             len(pillar.subareas), ind.id, sa.id, loads=args.loads,
                                             changes=args.changes, pause=args.pause)
            finally:
                stop_group(ours)
            port = free_port()
            plain = start([sys.executable, "-m", "voila", str(config.notebooks_dir() / NOTEBOOK), "--no-browser",
                           f"--port={port}", "--Voila.ip=127.0.0.1"], env, f"http://127.0.0.1:{port}/",
                          tmp / "plain.log")
            try:
                results["plain Voila"] = measure(browser, f"http://127.0.0.1:{port}/?{QUERY}", len(pillar.subareas),
                                                 ind.id, sa.id, loads=args.loads, changes=args.changes,
                                                 pause=args.pause)
            finally:
                stop_group(plain)
        finally:
            browser.close()
    # the first load of each server starts its kernels: reported, but left out of the phase medians
    med = {k: (statistics.median(v[0]), statistics.median(v[1]) if v[1] else float("nan"),
               statistics.median(p[0] for p in v[2][1:] or v[2]), statistics.median(p[1] for p in v[2][1:] or v[2]))
           for k, v in results.items()}
    print(f"pillar page {NOTEBOOK} ({QUERY}), {args.loads} loads, {args.changes} rating changes, {os.cpu_count()} CPUs")
    print(f"{'':28}{'our app':>10}{'plain Voila':>13}{'ratio':>8}")
    for i, label in enumerate(("page interactive (s)", "rating -> chart (s)")):
        a, b = med["our app"][i], med["plain Voila"][i]
        print(f"{label:28}{a:>10.3f}{b:>13.3f}{b / a if a else float('nan'):>7.2f}x")
    print("where a load's time goes (medians, loads after the first):")
    for label, i in (("  page HTML received (s)", 2), ("  kernel websocket open (s)", 3)):
        print(f"{label:28}{med['our app'][i]:>10.3f}{med['plain Voila'][i]:>13.3f}")
    for k, (loads, changes, _phases) in results.items():
        print(f"  {k}: loads {[round(x, 2) for x in loads]}, changes {[round(x, 3) for x in changes]}")
    print("targets: page interactive < 1.5 s, rating -> chart < 0.3 s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""M browser sessions on one pillar page: time to interactive and server memory per session.

For each kernel mode (no preheated kernels, and ``--preheat N`` per pillar notebook) and each M,
a fresh server is started as `workbook serve` starts it (``serve.voila_command``), its kernel
pools filled, then M Chromium contexts in one browser open the page at once. A session is
interactive when the assessment header, the scores table and the chart are on the page.

Printed: time to interactive p50 / p90 / max (seconds, from navigation start), and server memory
per session: (RSS of the server's process tree with the M pages open - RSS before) / M, in MiB
(PSS beside it: RSS counts shared pages once per process). Then the preheated / plain ratios.

    .venv/bin/python benchmarks/sessions.py                      # M = 1, 4, 8; preheat 0 and 2
    .venv/bin/python benchmarks/sessions.py --sessions 1 2 --preheat 1 --repeat 3

Debian's Chromium (/usr/bin/chromium) through Playwright; no browser download.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # support.processes

from workbook import config, serve  # noqa: E402
from support.processes import free_port, make_demo_db, stop_group, tree_cpu, tree_memory  # noqa: E402
from workbook.report.chromium import CHROMIUM_ARGS as PRINT_ARGS  # noqa: E402
from workbook.report.chromium import executable  # noqa: E402

CHROMIUM = executable() or "/usr/bin/chromium"
CHROMIUM_ARGS = list(PRINT_ARGS)
ROUND = "baseline 2026"
COUNTRY = "XAT"
HEADER = f"{COUNTRY} Atlantis (fictional), {ROUND}"  # the assessment header of the demo country


def tree_cpu_seconds(pid: int, window: float) -> float:
    """CPU seconds the process tree used during ``window`` seconds."""
    before = tree_cpu(pid)
    time.sleep(window)
    return tree_cpu(pid) - before


class Server:
    def __init__(self, db_url: str, preheat: int, log: Path):
        self.port = free_port()
        self.preheat = preheat
        self.log = log
        with open(log, "w") as out:
            self.proc = subprocess.Popen(serve.voila_command("127.0.0.1", self.port, preheat=preheat),
                                         env=serve.voila_env(db_url), stdout=out, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        self.base = f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 180) -> None:
        if not serve.wait_until_up(self.base + "/", timeout, self.proc):
            raise SystemExit(f"the server did not start:\n{self.log.read_text()[-3000:]}")
        deadline = time.monotonic() + timeout
        pools = serve.preheated_notebooks() if self.preheat else ()
        while not all(f"Kernel pool of {nb} is filled" in self.log.read_text() for nb in pools):
            if time.monotonic() > deadline:
                raise SystemExit(f"kernel pools not filled:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.5)
        # "Filled" means started, not yet warm: wait until the pooled kernels have run their
        # imports and sit waiting for a visitor (the server's tree goes quiet).
        while tree_cpu_seconds(self.proc.pid, 2.0) > 0.1 and time.monotonic() < deadline:
            pass

    def stop(self) -> None:
        stop_group(self.proc, timeout=30)


async def open_session(browser, url: str, header: str, timeout_ms: int) -> tuple[float, object]:
    context = await browser.new_context()
    page = await context.new_page()
    start = time.perf_counter()
    await page.goto(url, wait_until="commit", timeout=timeout_ms)
    await page.get_by_text(header).first.wait_for(state="visible", timeout=timeout_ms)
    await page.locator("table.mbm-scores").first.wait_for(state="attached", timeout=timeout_ms)
    await page.locator("figure.mbm-chart img").first.wait_for(state="attached", timeout=timeout_ms)
    return time.perf_counter() - start, context


async def run_sessions(url: str, header: str, m: int, timeout_ms: int, server: Server):
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            results = await asyncio.gather(*(open_session(browser, url, header, timeout_ms) for _ in range(m)))
            await asyncio.sleep(1.0)  # widgets settled, kernels alive: the memory M open pages hold
            after = tree_memory(server.proc.pid)
            for _, context in results:
                await context.close()
        finally:
            await browser.close()
    return [t for t, _ in results], after


def percentile(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    if len(xs) == 1:
        return xs[0]
    return statistics.quantiles(xs, n=100, method="inclusive")[int(q) - 1]


def measure(db_url: str, notebook: str, preheat: int, m: int, repeat: int, work: Path, timeout_ms: int) -> dict:
    times, per_session_rss, per_session_pss = [], [], []
    for r in range(repeat):
        server = Server(db_url, preheat, work / f"voila-p{preheat}-m{m}-r{r}.log")
        try:
            server.wait_ready()
            before = tree_memory(server.proc.pid)
            url = f"{server.base}/voila/render/{notebook}?country={COUNTRY}&round={ROUND.replace(' ', '%20')}"
            t, after = asyncio.run(run_sessions(url, HEADER, m, timeout_ms, server))
            times += t
            per_session_rss.append((after[0] - before[0]) / m)
            per_session_pss.append((after[1] - before[1]) / m)
        finally:
            server.stop()
    return {"preheat": preheat, "m": m, "n": len(times), "p50": percentile(times, 50), "p90": percentile(times, 90),
            "max": max(times), "rss": statistics.mean(per_session_rss), "pss": statistics.mean(per_session_pss),
            "base_rss": before[0]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, nargs="+", default=[1, 4, 8], help="M values (default 1 4 8)")
    ap.add_argument("--preheat", type=int, default=2, help="preheated kernels per pillar notebook to compare "
                                                           "with none (default 2)")
    ap.add_argument("--notebook", default=config.PILLAR_NOTEBOOKS["ADM"])
    ap.add_argument("--repeat", type=int, default=1, help="fresh servers per (mode, M); samples = M x repeat")
    ap.add_argument("--db-url", default=None, help="default: a fresh SQLite demo database in a temp folder")
    ap.add_argument("--timeout", type=float, default=180, help="seconds a session may take before failing")
    args = ap.parse_args(argv)
    if not os.path.exists(CHROMIUM):
        print(f"{CHROMIUM} is missing: apt-get install chromium", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="mbm-sessions-") as tmp:
        work = Path(tmp)
        db_url = args.db_url or make_demo_db(work)
        print(f"page: {args.notebook}?country={COUNTRY}; cores: {os.cpu_count()}; load average at start: "
              f"{os.getloadavg()[0]:.2f}", flush=True)
        rows = {}
        print(f"{'preheat':>7} {'M':>3} {'n':>3} {'p50 s':>7} {'p90 s':>7} {'max s':>7} {'MiB/session RSS':>16} "
              f"{'(PSS)':>7} {'server RSS before':>18}", flush=True)
        for m in args.sessions:
            for preheat in (0, args.preheat):
                r = measure(db_url, args.notebook, preheat, m, args.repeat, work, int(args.timeout * 1000))
                rows[preheat, m] = r
                print(f"{preheat:>7} {m:>3} {r['n']:>3} {r['p50']:>7.2f} {r['p90']:>7.2f} {r['max']:>7.2f} "
                      f"{r['rss']:>16.0f} {r['pss']:>7.0f} {r['base_rss']:>18.0f}", flush=True)
        print(f"\nratios preheat {args.preheat} / preheat 0 (below 1: preheated is faster / smaller)")
        print(f"{'M':>3} {'p50':>6} {'p90':>6} {'max':>6} {'MiB/session':>12} {'server RSS before':>18}")
        for m in args.sessions:
            a, b = rows[args.preheat, m], rows[0, m]
            print(f"{m:>3} {a['p50'] / b['p50']:>6.2f} {a['p90'] / b['p90']:>6.2f} {a['max'] / b['max']:>6.2f} "
                  f"{a['rss'] / b['rss'] if b['rss'] else float('nan'):>12.2f} {a['base_rss'] / b['base_rss']:>18.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

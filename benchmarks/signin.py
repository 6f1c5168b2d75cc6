"""Sign-in plus first page load: `workbook serve --accounts workbook` against today's token mode.

Two servers on one throwaway demo database, each with its defaults (one preheated kernel per
pillar page, forked kernels), no report builder. For each load a fresh browser context (no
cookies) opens a pillar page and the time runs until every widget of the page is there:

* token mode: the address carries the token (the link an administrator hands out); the server
  sets its cookie and redirects to the page;
* accounts mode: the page redirects to the sign-in page; the account name and password are
  typed, the form is sent (argon2id checks the password), the server redirects to the page.

It prints each load, the medians and the ratio (accounts / token).

    .venv/bin/python benchmarks/signin.py [--loads 5] [--pause 6]
"""
from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # support.*: the tests' process and account helpers

from page import READY_JS, start  # noqa: E402
from support.processes import free_port, make_demo_db, stop_group  # noqa: E402
from support.signin import PEOPLE, add_people  # noqa: E402
from workbook.report.chromium import CHROMIUM_ARGS, executable  # noqa: E402

PAGE = "/voila/render/administration.ipynb?country=XAT&round=baseline%202026"
USER = "maria"


def subareas() -> int:
    from workbook.framework import load_framework
    return len(load_framework().pillar("ADM").subareas)


def load_once(browser, base: str, mode: str, token: str, n: int) -> float:
    context = browser.new_context()
    context.set_default_timeout(120_000)
    page = context.new_page()
    t0 = time.perf_counter()
    if mode == "token":
        page.goto(f"{base}{PAGE}&token={token}")
    else:
        page.goto(f"{base}{PAGE}")
        page.get_by_label("Account name").fill(USER)
        page.get_by_label("Password").fill(PEOPLE[USER][1])
        page.get_by_role("button", name="Sign in").click()
    page.wait_for_function(READY_JS, arg=n, timeout=120_000, polling=20)
    took = time.perf_counter() - t0
    context.close()
    return took


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--loads", type=int, default=5, help="loads per mode (default 5)")
    ap.add_argument("--pause", type=float, default=6.0, help="seconds between loads: the pool refills (default 6)")
    args = ap.parse_args(argv)
    from playwright.sync_api import sync_playwright

    n = subareas()
    with tempfile.TemporaryDirectory(prefix="mbm-signin-bench-") as tmp:
        tmp = Path(tmp)
        url = make_demo_db(tmp)
        add_people(url, {USER: PEOPLE[USER]})
        token = secrets.token_urlsafe(32)
        base_env = {k: v for k, v in os.environ.items() if k not in ("WORKBOOK_TOKEN", "WORKBOOK_PASSWORD_HASH")}
        base_env.update(WORKBOOK_DB_URL=url, WORKBOOK_OUTPUTS=str(tmp / "outputs"))
        times: dict[str, list[float]] = {}
        for mode in ("token", "accounts"):
            port = free_port()
            env = {**base_env, **({"WORKBOOK_TOKEN": token} if mode == "token" else {})}
            cmd = [sys.executable, "-m", "workbook.cli", "serve", "--port", str(port), "--no-browser",
                   "--no-report-builder", *(["--accounts", "workbook"] if mode == "accounts" else [])]
            proc = start(cmd, env, f"http://127.0.0.1:{port}/login", tmp / f"{mode}.log")
            try:
                log = tmp / f"{mode}.log"
                deadline = time.monotonic() + 180
                while "Kernel pool of administration.ipynb is filled" not in log.read_text():
                    if time.monotonic() > deadline:
                        sys.exit(f"{mode}: the kernel pool did not fill\n{log.read_text()[-2000:]}")
                    time.sleep(0.5)
                with sync_playwright() as p:
                    browser = p.chromium.launch(executable_path=executable() or "/usr/bin/chromium",
                                                args=CHROMIUM_ARGS)
                    for i in range(args.loads):
                        took = load_once(browser, f"http://127.0.0.1:{port}", mode, token, n)
                        times.setdefault(mode, []).append(took)
                        print(f"{mode:8} load {i + 1}: {took:.2f} s", flush=True)
                        time.sleep(args.pause)
                    browser.close()
            finally:
                stop_group(proc)
    med = {m: statistics.median(v) for m, v in times.items()}
    print(f"\nsign-in + first page load of the administration page, median of {args.loads}")
    print(f"  token mode     {med['token']:.2f} s")
    print(f"  accounts mode  {med['accounts']:.2f} s")
    print(f"  ratio accounts/token {med['accounts'] / med['token']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

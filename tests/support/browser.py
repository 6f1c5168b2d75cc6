"""What the browser and server tests share: Debian's Chromium (with the PDF printer's flags) and
a `workbook serve` started on a free port and stopped with everything it started."""
from __future__ import annotations

import contextlib
import http.client
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from workbook import serve
from workbook.report.chromium import CHROMIUM_ARGS as PRINT_ARGS
from workbook.report.chromium import executable as chromium_executable

from .processes import dump_stacks, free_port, stop_group

CHROMIUM = chromium_executable() or "/usr/bin/chromium"
CHROMIUM_ARGS = list(PRINT_ARGS)  # the flags the PDF printer uses: headless-safe, nothing fetched in the background
LOCAL = "127.0.0.1"
#: The servers serve_app started and not yet stopped: base URL -> (process, log file).
SERVERS: dict[str, tuple[subprocess.Popen, Path]] = {}


def chromium_available() -> bool:
    return os.path.exists(CHROMIUM)


@contextlib.contextmanager
def launched_chromium():
    """Debian's Chromium driven by Playwright (sync API), closed at the end."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def serve_app(db_url: str, log_path: Path):
    """`workbook serve` on a free port in its own process group; the whole group is killed at the end."""
    port = free_port()
    with open(log_path, "w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "workbook.cli", "serve", "--port", str(port), "--no-browser"],
                                env={**os.environ, "WORKBOOK_DB_URL": db_url}, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        if not serve.wait_until_up(f"{base}/", timeout=120, proc=proc):
            pytest.fail(f"the server did not answer:\n{log_path.read_text()}")
        SERVERS[base] = (proc, log_path)
        yield base
    finally:
        SERVERS.pop(base, None)
        stop_group(proc)


def server_state(base: str, lines: int = 300) -> str:
    """What a served test prints when a page does not come: the stacks of the server and its
    kernels (asked for now) and the end of the server's log."""
    proc, log_path = SERVERS[base]
    asked = dump_stacks(proc.pid)
    time.sleep(2)  # the dumps are written by the processes themselves
    tail = log_path.read_text(errors="replace").splitlines()[-lines:]
    return f"stacks asked of pids {asked}; the server's log ends:\n" + "\n".join(tail)


def fetch(url: str, base: str, timeout: float = 150) -> str:
    """The text of a page of the server at ``base`` (served by serve_app); when it has not come
    whole in ``timeout`` seconds, a failure that shows where the server and its kernels are."""
    deadline, parts = time.monotonic() + timeout, []
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            while chunk := r.read(64 * 1024):
                parts.append(chunk)
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the page was still coming after {timeout:.0f} s")
        return b"".join(parts).decode("utf-8")
    except urllib.error.HTTPError:
        raise  # an answer (403, 404...): the caller's to check
    except (OSError, http.client.HTTPException) as exc:
        pytest.fail(f"{url}: {exc!r} after {len(b''.join(parts))} bytes\n{server_state(base)}")

"""What the browser and server tests share: Debian's Chromium (with the PDF printer's flags) and
a `workbook serve` started on a free port and stopped with everything it started."""
from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from workbook import serve
from workbook.report.chromium import CHROMIUM_ARGS as PRINT_ARGS
from workbook.report.chromium import executable as chromium_executable

from .processes import free_port, stop_group

CHROMIUM = chromium_executable() or "/usr/bin/chromium"
CHROMIUM_ARGS = list(PRINT_ARGS)  # the flags the PDF printer uses: headless-safe, nothing fetched in the background
LOCAL = "127.0.0.1"


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
        yield base
    finally:
        stop_group(proc)

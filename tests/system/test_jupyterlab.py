"""JupyterLab itself, as an analyst uses it: started on loopback with a token on a copy of the
notebooks folder, a pillar notebook opened by URL, Run > Run All Cells, and the form appears."""
from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support.browser import CHROMIUM, CHROMIUM_ARGS, chromium_available
from support.browser import LOCAL
from workbook import config, serve
from support.processes import free_port, stop_group
from workbook.store import Store

pytestmark = pytest.mark.browser


@pytest.fixture
def lab(demo_url, tmp_path):
    """JupyterLab on a copy of the notebooks (running cells must not write outputs into the repo)."""
    if not chromium_available():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (make browser)")
    root = tmp_path / "notebooks"
    shutil.copytree(config.notebooks_dir(), root)
    token, port = secrets.token_hex(16), free_port()
    log_path = tmp_path / "lab.log"
    env = {**os.environ, "WORKBOOK_DB_URL": demo_url, "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter-config"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "jupyter-runtime"), "JUPYTER_TOKEN": token}
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--ServerApp.ip={LOCAL}", f"--ServerApp.port={port}",
           "--ServerApp.port_retries=0", f"--ServerApp.root_dir={root}",
           "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if os.geteuid() == 0:  # test containers run as root; JupyterLab refuses that unless told
        cmd.append("--allow-root")
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                cwd=tmp_path)
    base = f"http://{LOCAL}:{port}"
    try:
        if not serve.wait_until_up(f"{base}/api/status?token={token}", timeout=120, proc=proc):
            pytest.fail(f"JupyterLab did not answer:\n{log_path.read_text()}")
        yield base, token, root
    finally:
        stop_group(proc)


def test_a_pillar_notebook_runs_in_jupyterlab_and_shows_the_form(lab, demo_url):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect, sync_playwright

    base, token, root = lab
    pillar = Store(demo_url).framework.pillar("ADM")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{base}/lab/tree/administration.ipynb?token={token}")
            expect(page.locator(".jp-NotebookPanel")).to_be_visible(timeout=120_000)
            dialog = page.get_by_role("dialog").filter(has_text="Select Kernel")
            try:  # JupyterLab may ask which kernel to start; the notebook's own (Python 3) is preselected
                dialog.get_by_role("button", name="Select").click(timeout=10_000)
            except PlaywrightTimeout:
                pass
            page.get_by_role("menuitem", name="Run").click()
            page.get_by_role("menuitem", name=re.compile("^Run All Cells")).click()
            form = page.locator(".mbm-subareas")
            expect(form).to_be_visible(timeout=120_000)
            for sa in pillar.subareas:
                expect(form.get_by_role("button", name=re.compile(rf"^▸ {re.escape(sa.id)} "))).to_be_visible()
            expect(page.locator("table.mbm-scores caption")).to_contain_text("Administration: sub-area scores")
            # the chart's alt text names every sub-area with its level (on framework 2.0, a whole level and its spread)
            chart = page.locator("figure.mbm-chart img")
            expect(chart).to_have_attribute("alt", re.compile("^Bar chart of (whole )?levels from 1 to 5"))
            for sa in pillar.subareas:
                expect(chart).to_have_attribute("alt", re.compile(rf"{re.escape(sa.name)}: (level )?\d"))
            form.get_by_role("button", name=re.compile(rf"^▸ {re.escape(pillar.subareas[0].id)} ")).click()
            expect(page.locator(".mbm-indicator").first).to_be_visible(timeout=30_000)
        finally:
            browser.close()
    assert Path(root / "administration.ipynb").exists()

"""The results page in Debian's Chromium (Playwright, no browser download), as a team uses it on
`workbook serve`: build the country report (the progress line, then the download link), download
it and check it is that country's report; download the Excel workbook, fill it in and upload it
back, and see the import plan."""
from __future__ import annotations

import io
import time
from pathlib import Path
from urllib.parse import quote

import openpyxl
import pytest

from support.browser import CHROMIUM, CHROMIUM_ARGS, chromium_available, serve_app

pytestmark = pytest.mark.browser
ROUND = "baseline 2026"
WAIT = 120_000  # ms: a fresh server starts a kernel for the page
BUILD = 600_000  # ms: the first report starts the report builder (15-40 s on 2 loaded cores) then builds
NOTE = "Checked again at the northern posts in the browser test"


@pytest.fixture
def app(demo_url, tmp_path):
    if not chromium_available():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (make browser)")
    log = tmp_path / "serve.log"
    for base in serve_app(demo_url, log):
        yield base, log
    print(log.read_text()[-4000:])  # shown when the test failed: what the server and its builder said


@pytest.mark.timeout(1200)  # a loaded 2-core machine: the page's kernel, the builder's start, four notebooks
@pytest.mark.parametrize("demo_url", ["sqlite"], indirect=True)  # the page's work; the store tests cover both
def test_build_and_download_the_report_then_the_workbook_and_bring_it_back(app, tmp_path):
    from playwright.sync_api import expect, sync_playwright
    base, log = app
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(accept_downloads=True)
            context.set_default_timeout(WAIT)
            context.set_default_navigation_timeout(WAIT)
            page = context.new_page()
            assert "report builder started" not in log.read_text()  # not with the server: on demand
            page.goto(f"{base}/voila/render/results.ipynb?country=XAT&round={quote(ROUND)}")

            # the results page starts the builder while the person reads it; then the report, a link
            page.get_by_role("button", name="Country report (web page)").wait_for()
            deadline = time.monotonic() + 60
            while "report builder started" not in log.read_text() and time.monotonic() < deadline:
                time.sleep(0.5)
            assert "report builder started" in log.read_text()  # the page asked for it when it opened
            page.get_by_role("button", name="Country report (web page)").click()
            link = page.locator("a.mbm-download", has_text="Country report (web page)")
            expect(link).to_be_visible(timeout=BUILD)
            assert log.read_text().count("report builder started") == 1  # the report used that builder
            with page.expect_download() as got:
                link.click()
            report = got.value
            assert report.suggested_filename.startswith("XAT-") and report.suggested_filename.endswith(".html")
            html = Path(report.path()).read_text(encoding="utf-8")
            assert "Atlantis" in html and 'lang="en"' in html
            assert "Borduria" not in html and "Syldavia" not in html  # that country's report only

            # the Excel workbook, filled in offline, then brought back: the plan, nothing saved yet
            page.get_by_role("button", name="Excel workbook").click()
            xlsx_link = page.locator("a.mbm-download", has_text="Excel workbook")
            expect(xlsx_link).to_be_visible(timeout=BUILD)
            with page.expect_download() as got:
                xlsx_link.click()
            assert got.value.suggested_filename.endswith(".xlsx")
            exported = tmp_path / got.value.suggested_filename
            got.value.save_as(exported)
            book = openpyxl.load_workbook(exported)
            book["Operations"]["H3"] = NOTE  # framework 2.0: the notes of OPS.1.3, the sheet's second indicator
            filled = tmp_path / "XAT-filled.xlsx"
            buf = io.BytesIO()
            book.save(buf)
            filled.write_bytes(buf.getvalue())
            with page.expect_file_chooser() as chooser:  # the upload button opens the browser's file chooser
                page.locator(".widget-upload").click()
            chooser.value.set_files(str(filled))
            expect(page.get_by_text("What importing XAT-filled.xlsx would do")).to_be_visible(timeout=BUILD)
            expect(page.get_by_text("would change").first).to_be_visible()
            expect(page.get_by_text(NOTE).first).to_be_visible()
            expect(page.get_by_role("button", name="Cancel")).to_be_visible()
        finally:
            browser.close()

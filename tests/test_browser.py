"""The served app in Debian's Chromium (Playwright, no browser download): `workbook serve` on a free
port with the demo database, then pages as a user sees them."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from html.parser import HTMLParser
from urllib.parse import urlparse

import pytest

from tests.conftest import CHROMIUM, CHROMIUM_ARGS, chromium_available
from workbook import serve
from workbook.store import Store

pytestmark = pytest.mark.browser
ROUND = "baseline 2026"
LOCAL = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((LOCAL, 0))
        return s.getsockname()[1]


@pytest.fixture
def chromium():
    if not chromium_available():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (make browser)")
    return CHROMIUM


@pytest.fixture
def server(demo_url, tmp_path):
    """`workbook serve` in its own process group; the whole group is killed at the end."""
    port = free_port()
    log_path = tmp_path / "serve.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "workbook.cli", "serve", "--port", str(port), "--no-browser"],
                                env={**os.environ, "WORKBOOK_DB_URL": demo_url}, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://{LOCAL}:{port}"
    try:
        if not serve.wait_until_up(f"{base}/", timeout=120, proc=proc):
            pytest.fail(f"the server did not answer:\n{log_path.read_text()}")
        yield base
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        except ProcessLookupError:
            pass


def pillar_url(base: str, notebook: str, country: str) -> str:
    return f"{base}/voila/render/{notebook}?country={country}&round=baseline%202026"


class ResourceLinks(HTMLParser):
    """Every URL the page would load by itself (scripts, styles, images, frames)."""

    def __init__(self, text: str):
        super().__init__()
        self.urls: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "img", "iframe", "audio", "video", "source", "embed") and a.get("src"):
            self.urls.append(a["src"])
        if tag == "link" and a.get("href"):
            self.urls.append(a["href"])


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=120) as r:
        return r.read().decode("utf-8")


def test_served_pages_load_nothing_from_other_hosts(server):
    pages = {"pillar": fetch(pillar_url(server, "operations.ipynb", "XAT")),
             "home": fetch(f"{server}/voila/render/home.ipynb"),
             "root": fetch(f"{server}/")}
    for name, text in pages.items():
        urls = ResourceLinks(text).urls
        assert urls or name == "root", name
        foreign = [u for u in urls if urlparse(u).netloc not in ("", f"{LOCAL}:{urlparse(server).port}")
                   or u.startswith("//")]
        assert foreign == [], name
        assert "cdn.jsdelivr.net" not in text and "unpkg.com" not in text, name
        assert "MBM assessment workbook" in text, name
    # Rendered cells: the heading, then widget views (their content arrives over the kernel socket).
    assert "<h1" in pages["pillar"] and "application/vnd.jupyter.widget-view+json" in pages["pillar"]
    assert "Traceback" not in pages["pillar"] and "Error" not in pages["pillar"].split("</head>")[1]
    assert 'http-equiv="refresh"' in pages["root"] and "/voila/render/home.ipynb" in pages["root"]
    # The template cannot be switched from the address, and notebooks are not served as files.
    assert "MBM assessment workbook" in fetch(pillar_url(server, "operations.ipynb", "XAT") + "&template=classic")
    with pytest.raises(urllib.error.HTTPError) as err:
        fetch(f"{server}/voila/files/operations.ipynb")
    err.value.close()
    assert err.value.code in (403, 404)


def test_pillar_page_in_chromium(server, chromium, demo_url):
    from playwright.sync_api import expect, sync_playwright

    store = Store(demo_url)
    xat = store.get_assessment("XAT", ROUND)
    pillar = store.framework.pillar("ADM")
    first = pillar.subareas[0].indicators[0]
    new_level = "1" if store.get_rating(xat.id, first.id)["agreed"] != "1" else "2"
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on("request", lambda r: requests.append(r.url))
            page.on("websocket", lambda ws: requests.append(ws.url))
            page.goto(pillar_url(server, "administration.ipynb", "XAT"))
            for sa in pillar.subareas:  # the form: one panel per sub-area, titled with its name
                expect(page.get_by_text(f"{sa.id} {sa.name}", exact=False).first).to_be_visible(timeout=90_000)
            expect(page.get_by_text("XAT Atlantis (fictional), baseline 2026").first).to_be_visible()
            expect(page.locator("table.mbm-scores caption")).to_contain_text("Administration: sub-area scores")
            assert page.locator("figure.mbm-chart img").get_attribute("alt").startswith("Bar chart of levels")

            # Rate one indicator as a user would.
            page.get_by_text(f"{pillar.subareas[0].id} {pillar.subareas[0].name}").first.click()
            editor = page.locator(".widget-vbox", has=page.get_by_text(f"{first.id} {first.name}")).last
            expect(editor).to_be_visible(timeout=30_000)
            page.get_by_role("textbox", name="Your name").fill("Browser Tester")
            page.get_by_role("textbox", name="Your name").press("Tab")
            editor.locator(".widget-toggle-buttons button", has_text=new_level).first.click()
            editor.get_by_role("button", name="Save").click()
            expect(editor.locator(".mbm-status")).to_contain_text("saved", timeout=30_000)
            expect(editor.locator(".mbm-status")).to_contain_text("Browser Tester")
        finally:
            browser.close()
    stored = store.get_rating(xat.id, first.id)
    assert (stored["agreed"], stored["updated_by"]) == (new_level, "Browser Tester")
    hosts = {urlparse(u).hostname for u in requests if urlparse(u).scheme not in ("data", "blob")}
    assert hosts == {LOCAL}, sorted(u for u in requests if urlparse(u).hostname != LOCAL)


def test_home_page_links_to_pillar_pages(server, chromium):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{server}/")  # the root redirects to the home notebook
            table = page.locator("table.mbm-assessments")
            expect(table).to_contain_text("XBO Borduria (fictional)", timeout=90_000)
            table.get_by_role("row", name="XBO").get_by_role("link", name="Operations").click()
            expect(page).to_have_url(pillar_url(server, "operations.ipynb", "XBO"))
            expect(page.get_by_text("XBO Borduria (fictional), baseline 2026").first).to_be_visible(timeout=90_000)
        finally:
            browser.close()

"""The served app in Debian's Chromium (Playwright, no browser download): `workbook serve` on a free
port with its own copy of the demo database, shared by the tests of this module, then pages as
users see them: rating with evidence and reloading, criteria ticked and a level set against them
with its reason (framework 2.0), two people on one indicator, the keyboard, a site visit with a photo on a tablet,
and an axe-core audit."""
from __future__ import annotations

import contextlib
import re
import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest

from support import ROOT
from support.browser import CHROMIUM, LOCAL, chromium_available, fetch, launched_chromium, serve_app
from workbook.i18n import translator
from workbook.store import Store

pytestmark = pytest.mark.browser
ROUND = "baseline 2026"
BLANK = "follow-up 2027"  # blank_round

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WAIT = 90_000  # ms: the first page of a fresh server starts a kernel


@pytest.fixture(scope="module")
def serve_log(module_demo_url, tmp_path_factory) -> Path:
    """The log of app_server (one per backend): where it says which pid each forked kernel has."""
    return tmp_path_factory.mktemp("serve") / "serve.log"


@pytest.fixture(scope="module")
def app_server(module_demo_url, serve_log):
    """One server for this module's tests and backend, on the module's own demo database (conftest's
    module_demo_url: SQLite and PostgreSQL)."""
    if not chromium_available():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (make browser)")
    yield from serve_app(module_demo_url, serve_log)


@pytest.fixture(scope="module")
def browser(app_server):
    with launched_chromium() as b:
        yield b


@pytest.fixture
def page(browser):
    context = browser.new_context()
    context.set_default_navigation_timeout(WAIT)  # a page without a preheated kernel waits for one to start
    yield context.new_page()
    context.close()


def pillar_url(base: str, notebook: str, country: str, editor: str = "", round: str = ROUND) -> str:
    url = f"{base}/voila/render/{notebook}?country={country}&round={quote(round)}"
    return url + (f"&editor={quote(editor)}" if editor else "")


NAMES = {"XAT": "Atlantis", "XBO": "Borduria", "XSY": "Syldavia"}


def blank_round(store: Store, country: str):
    """A round of ``country`` with nothing recorded (created by the first test that needs it): the
    demo's rounds answer every criterion, so a level set there may be refused without an override
    reason, and XSY's latest round is not ``ROUND``. Tests that rate from nothing start here."""
    if any(a.country_code == country and a.round == BLANK for a in store.list_assessments()):
        return store.get_assessment(country, BLANK)
    return store.create_assessment(country, BLANK, country_name=NAMES[country], by="Browser tests")


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


# -- helpers driving the form as a user does ---------------------------------------------------------
def open_subarea(page, subarea):
    from playwright.sync_api import expect
    button = page.get_by_role("button", name=re.compile(rf"^▸ {re.escape(subarea.id)} "))
    expect(button).to_be_visible(timeout=WAIT)
    button.click()
    expect(page.get_by_role("button", name=re.compile(rf"^▾ {re.escape(subarea.id)} "))).to_be_visible()


def editor_of(page, indicator):
    return page.locator(".mbm-indicator", has=page.locator(f"#mbm-ind-{indicator.id.replace('.', '-')}"))


def rate(page, indicator, level: str):
    from playwright.sync_api import expect
    block = editor_of(page, indicator)
    block.locator(".widget-toggle-buttons button", has_text=re.compile(rf"^{level}$")).click()
    expect(block.locator(".mbm-status")).to_contain_text("saved", timeout=30_000)
    return block


def audit(page):
    """axe-core in the page: violations rated serious or critical."""
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    found = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [(v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"][:3]]) for v in found
            if v["impact"] in ("serious", "critical")]


# -- tests ---------------------------------------------------------------------------------------------
def test_served_pages_load_nothing_from_other_hosts(app_server):
    pages = {"pillar": fetch(pillar_url(app_server, "operations.ipynb", "XAT"), app_server),
             "home": fetch(f"{app_server}/voila/render/home.ipynb", app_server),
             "root": fetch(f"{app_server}/", app_server)}
    for name, text in pages.items():
        urls = ResourceLinks(text).urls
        assert urls or name == "root", name
        foreign = [u for u in urls if urlparse(u).netloc not in ("", f"{LOCAL}:{urlparse(app_server).port}")
                   or u.startswith("//")]
        assert foreign == [], name
        assert "cdn.jsdelivr.net" not in text and "unpkg.com" not in text, name
        assert "MBM assessment workbook" in text, name
    assert "<h1" in pages["pillar"] and "application/vnd.jupyter.widget-view+json" in pages["pillar"]
    assert "Traceback" not in pages["pillar"] and "Error" not in pages["pillar"].split("</head>")[1]
    assert 'http-equiv="refresh"' in pages["root"] and "/voila/render/home.ipynb" in pages["root"]
    classic = pillar_url(app_server, "operations.ipynb", "XAT") + "&template=classic"
    assert "MBM assessment workbook" in fetch(classic, app_server)
    with pytest.raises(urllib.error.HTTPError) as err:
        fetch(f"{app_server}/voila/files/operations.ipynb", app_server)
    err.value.close()
    assert err.value.code in (403, 404)


def test_rate_with_evidence_reload_and_see_it_persisted(app_server, page, module_demo_url):
    from playwright.sync_api import expect

    store = Store(module_demo_url)
    xsy = blank_round(store, "XSY")
    pillar = store.framework.pillar("ADM")
    sa = pillar.subareas[1]
    targets = sa.indicators[:2]
    plan = {}
    for ind in targets:
        old = store.get_rating(xsy.id, ind.id)["agreed"]
        plan[ind.id] = "2" if old != "2" else "1"
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("websocket", lambda ws: requests.append(ws.url))
    page.goto(pillar_url(app_server, "administration.ipynb", "XSY", editor="Browser Tester", round=BLANK))
    expect(page.get_by_role("textbox", name="Your name")).to_have_value("Browser Tester", timeout=WAIT)
    chart = page.locator("figure.mbm-chart img")
    before = chart.get_attribute("alt")
    open_subarea(page, sa)
    for ind in targets:
        block = rate(page, ind, plan[ind.id])
        expect(block.locator(".mbm-status")).to_contain_text("Browser Tester")
    expect(chart).not_to_have_attribute("alt", before)  # the chart follows the ratings
    first = editor_of(page, targets[0])
    first.get_by_role("button", name="Add or edit evidence").click()
    observation = next(t for t in store.framework.evidence_types if t.id == "observation")
    first.get_by_role("combobox", name="Type").select_option(label=f"{observation.name} ({observation.strength})")
    first.get_by_role("textbox", name="Source").fill("Visit to the northern land crossing")
    first.get_by_role("textbox", name="Date").fill("2026-01-15")
    first.get_by_role("textbox", name="Reference").fill("Mission report p. 4")
    first.get_by_role("button", name="Add record").click()
    expect(first.locator(".mbm-evidence")).to_contain_text("Visit to the northern land crossing", timeout=30_000)
    first.get_by_role("textbox", name="Notes").fill("Seen at the crossing, typed in the browser")
    for _ in range(60):  # saved after a second of quiet typing
        if store.get_rating(xsy.id, targets[0].id)["notes"] == "Seen at the crossing, typed in the browser":
            break
        page.wait_for_timeout(250)
    expect(first.locator(".mbm-status")).to_contain_text("saved")

    page.reload()
    open_subarea(page, sa)
    for ind in targets:
        active = editor_of(page, ind).locator(".widget-toggle-buttons button.mod-active")
        expect(active).to_have_text(plan[ind.id], timeout=30_000)
    first = editor_of(page, targets[0])
    expect(first.locator(".mbm-evidence")).to_contain_text("Mission report p. 4")
    expect(first.get_by_role("textbox", name="Notes")).to_have_value("Seen at the crossing, typed in the browser")
    for ind in targets:
        stored = store.get_rating(xsy.id, ind.id)
        assert (stored["agreed"], stored["updated_by"]) == (plan[ind.id], "Browser Tester")
    hosts = {urlparse(u).hostname for u in requests if urlparse(u).scheme not in ("data", "blob")}
    assert hosts == {LOCAL}, sorted(u for u in requests if urlparse(u).hostname != LOCAL)


def test_tick_criteria_then_set_another_level_with_a_reason(app_server, page, module_demo_url):
    """Framework 2.0 in the browser: an answer ticked is saved and the level follows it; an agreed
    level set against the criteria is refused until its reason is written, then flagged."""
    from playwright.sync_api import expect

    store = Store(module_demo_url)
    xat = blank_round(store, "XAT")  # no answers yet: the demo's baseline already overrides levels
    assert store.framework_of(xat.id).has_criteria, "a new round is rated against framework 2.0"
    sa = store.framework.pillar("ADM").subareas[0]
    ind = sa.indicators[0]
    first = next(c for c in ind.levels[1].criteria if not c.normative and not c.applies_to)
    page.goto(pillar_url(app_server, "administration.ipynb", "XAT", editor="Criteria Tester", round=BLANK))
    open_subarea(page, sa)
    block = editor_of(page, ind)
    block.get_by_role("button", name=re.compile(r"^Tick the criteria")).click()
    row = block.locator(".mbm-criterion", has_text=f"{first.id} ")
    row.get_by_role("button", name="no", exact=True).click()
    expect(block.locator(".mbm-criteria-status")).to_contain_text("criteria saved by Criteria Tester", timeout=30_000)
    answers = store.criteria_frame(xat.id).set_index("criterion_id")
    assert answers.loc[first.id, "answer"] == "no"
    expect(block.locator(".mbm-criteria-summary")).to_contain_text(f"{first.id} not met")
    target = "3" if store.get_rating(xat.id, ind.id)["agreed"] != "3" else "4"
    block.locator(".widget-toggle-buttons button", has_text=re.compile(rf"^{target}$")).click()
    expect(block.locator(".mbm-status")).to_contain_text("not saved", timeout=30_000)
    reason = block.get_by_role("textbox", name="Reason")
    expect(reason).to_be_visible()
    assert store.get_rating(xat.id, ind.id)["agreed"] != target, "no level against the criteria without a reason"
    reason.fill("Seen working at every crossing visited; the written procedure is pending")
    for _ in range(60):  # saved after a second of quiet typing
        if store.get_rating(xat.id, ind.id)["agreed"] == target:
            break
        page.wait_for_timeout(250)
    stored = store.get_rating(xat.id, ind.id)
    assert (stored["agreed"], stored["override_reason"]) == (
        target, "Seen working at every crossing visited; the written procedure is pending")
    expect(block.locator(".mbm-override")).to_contain_text("reason: Seen working at every crossing")
    expect(page.locator(".mbm-flags-summary")).to_contain_text("agreed level set against the criteria")

    page.reload()
    open_subarea(page, sa)
    block = editor_of(page, ind)
    block.get_by_role("button", name=re.compile(r"^Tick the criteria")).click()
    active = block.locator(".mbm-criterion", has_text=f"{first.id} ").locator("button.mod-active")
    expect(active).to_have_text("no", timeout=30_000)
    page.get_by_role("button", name=re.compile(r"^▸ Crossing points of the country")).click()
    expect(page.get_by_role("checkbox", name="Island state")).to_be_visible()
    page.get_by_role("button", name=re.compile(r"^▸ Consensus session")).click()
    expect(page.get_by_role("button", name="Record this decision")).to_be_visible()
    assert audit(page) == [], "criteria, profile and consensus session pass the axe audit"


def test_two_people_on_one_indicator_the_second_gets_the_conflict(app_server, browser, module_demo_url):
    from playwright.sync_api import expect

    store = Store(module_demo_url)
    xbo = blank_round(store, "XBO")
    pillar = store.framework.pillar("OPS")
    sa = pillar.subareas[0]
    ind = sa.indicators[0]
    old = store.get_rating(xbo.id, ind.id)["agreed"]
    first_level, second_level = ("4", "1") if old != "4" else ("3", "1")
    contexts = [browser.new_context(), browser.new_context()]
    for c in contexts:
        c.set_default_navigation_timeout(WAIT)
    try:
        ana, kwame = (c.new_page() for c in contexts)
        for page, name in ((ana, "Ana Ferreira"), (kwame, "Kwame Mensah")):
            page.goto(pillar_url(app_server, "operations.ipynb", "XBO", editor=name, round=BLANK))
            open_subarea(page, sa)  # both have the indicator open, at the same version
        rate(ana, ind, first_level)
        block = editor_of(kwame, ind)
        block.locator(".widget-toggle-buttons button", has_text=re.compile(rf"^{second_level}$")).click()
        status = block.locator(".mbm-status")
        expect(status).to_contain_text("not saved", timeout=30_000)
        expect(status).to_contain_text("Ana Ferreira")
        expect(status).to_contain_text(f"agreed {first_level}")
        expect(block.get_by_role("button", name="Replace theirs with mine")).to_be_visible()
        assert store.get_rating(xbo.id, ind.id)["agreed"] == first_level
        block.get_by_role("button", name="Use their values").click()
        expect(block.locator(".widget-toggle-buttons button.mod-active")).to_have_text(first_level)
    finally:
        for c in contexts:
            c.close()


def test_keyboard_only_and_axe_audit_of_the_pillar_page(app_server, page, module_demo_url):
    from playwright.sync_api import expect

    framework = Store(module_demo_url).framework
    pillar = framework.pillar("REG")
    sa = pillar.subareas[0]
    page.goto(pillar_url(app_server, "regulatory_framework.ipynb", "XAT", editor="Keyboard User"))
    button = page.get_by_role("button", name=re.compile(rf"^▸ {re.escape(sa.id)} "))
    expect(button).to_be_visible(timeout=WAIT)
    for _ in range(200):  # Tab from the top of the page to the sub-area's button
        page.keyboard.press("Tab")
        if button.evaluate("b => b === document.activeElement"):
            break
    else:
        pytest.fail("the sub-area button cannot be reached with Tab")
    outline = button.evaluate("b => getComputedStyle(b).outlineStyle + ' ' + getComputedStyle(b).outlineWidth")
    assert outline.startswith("solid") and not outline.endswith(" 0px"), outline  # visible focus
    page.keyboard.press("Enter")
    block = editor_of(page, sa.indicators[0])
    expect(block).to_be_visible(timeout=30_000)
    national = block.get_by_role("combobox", name="National")
    national.focus()
    national.select_option(label=f"3 {framework.scale.levels[2].name}")  # what arrow keys do on a focused select
    expect(block.locator(".mbm-status")).to_contain_text("saved", timeout=30_000)
    block.get_by_role("button", name="Add or edit evidence").click()  # more of the page for the audit
    expect(block.get_by_role("textbox", name="Source")).to_be_visible()
    assert audit(page) == []


def test_home_page_keeps_the_name_and_passes_the_axe_audit(app_server, page):
    from playwright.sync_api import expect

    page.goto(f"{app_server}/")  # the root redirects to the home notebook
    table = page.locator("table.mbm-assessments")
    expect(table).to_contain_text("XBO Borduria (fictional)", timeout=WAIT)
    assert audit(page) == []
    page.get_by_role("textbox", name="Your name").fill("Lena Horvat")
    page.get_by_role("textbox", name="Your name").press("Tab")
    link = table.get_by_role("link", name="Operations, XBO baseline 2026")  # not a blank round of another test
    expect(link).not_to_have_attribute("href", re.compile("editor="))  # the browser session keeps the name
    link.click()
    expect(page).to_have_url(pillar_url(app_server, "operations.ipynb", "XBO"))
    expect(page.get_by_role("textbox", name="Your name")).to_have_value("Lena Horvat", timeout=WAIT)
    expect(page.get_by_text("XBO Borduria (fictional), baseline 2026").first).to_be_visible()


def test_the_name_lasts_for_the_browser_session_without_the_address_carrying_it(app_server, browser,
                                                                                  module_demo_url):
    """A name given once (here: typed on the home page) fills "Your name" on a page opened later
    from an address without ``editor=`` (a bookmark, a typed address), and the kernel uses it: a
    change is saved under it. Another browser session starts without a name."""
    from playwright.sync_api import expect

    context = browser.new_context()
    context.set_default_navigation_timeout(WAIT)
    try:
        page = context.new_page()
        page.goto(f"{app_server}/voila/render/home.ipynb")
        name = page.get_by_role("textbox", name="Your name")
        expect(name).to_be_editable(timeout=WAIT)
        name.press_sequentially("Amira Haddad")
        page.goto(pillar_url(app_server, "information_management.ipynb", "XSY", round=BLANK))  # no editor=
        expect(page.get_by_role("textbox", name="Your name")).to_have_value("Amira Haddad", timeout=WAIT)
        store = Store(module_demo_url)
        sa = store.framework.pillar("INF").subareas[1]
        stored = store.get_rating(blank_round(store, "XSY").id, sa.indicators[0].id)["agreed"]
        open_subarea(page, sa)
        block = rate(page, sa.indicators[0], "1" if stored == "2" else "2")
        expect(block.locator(".mbm-status")).to_contain_text("by Amira Haddad", timeout=30_000)
        # a name in the address is kept too, and the field can still be changed by hand
        page.goto(pillar_url(app_server, "operations.ipynb", "XSY", editor="Amira H.", round=BLANK))
        expect(page.get_by_role("textbox", name="Your name")).to_have_value("Amira H.", timeout=WAIT)
        page.goto(pillar_url(app_server, "regulatory_framework.ipynb", "XSY", round=BLANK))
        expect(page.get_by_role("textbox", name="Your name")).to_have_value("Amira H.", timeout=WAIT)
    finally:
        context.close()
    other = browser.new_context()
    other.set_default_navigation_timeout(WAIT)
    try:
        page = other.new_page()
        page.goto(pillar_url(app_server, "information_management.ipynb", "XSY", round=BLANK))
        field = page.get_by_role("textbox", name="Your name")
        expect(field).to_be_editable(timeout=WAIT)
        page.wait_for_timeout(500)  # time for the session script to have run, had it anything to fill
        expect(field).to_have_value("")
    finally:
        other.close()


def _kernel_pids(kernel_id: str, serve_log: Path) -> list[int]:
    """The kernel's processes: the one the server's log says it forked (workbook.kernels), else
    those started with this kernel's connection file (kernel-<id>.json; serve --no-fork)."""
    forked = re.findall(rf"kernel {re.escape(kernel_id)} forked as pid (\d+)", serve_log.read_text())
    if forked:
        return [int(forked[-1])]
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            if f"kernel-{kernel_id}.json" in cmdline:
                pids.append(int(entry.name))
    return pids


def test_a_page_whose_kernel_dies_says_so_stops_taking_input_and_keeps_what_was_saved(app_server, page,
                                                                                    module_demo_url, serve_log):
    """Killing the page's kernel (the server restarts it, without the page's widgets): the page says
    that nothing more would be saved, its content becomes inert, and a reload shows the saved rating."""
    import json
    import os
    import signal

    from playwright.sync_api import expect

    store = Store(module_demo_url)
    xat = blank_round(store, "XAT")
    sa = store.framework.pillar("INF").subareas[0]
    ind = sa.indicators[0]
    level = "2" if store.get_rating(xat.id, ind.id)["agreed"] != "2" else "3"
    page.goto(pillar_url(app_server, "information_management.ipynb", "XAT", editor="Field Assessor", round=BLANK))
    expect(page.get_by_role("textbox", name="Your name")).to_have_value("Field Assessor", timeout=WAIT)
    open_subarea(page, sa)
    block = rate(page, ind, level)
    expect(block.locator(".mbm-status")).to_contain_text("saved", timeout=30_000)
    assert page.get_by_role("alert").count() == 0
    kernel_id = json.loads(page.locator("#jupyter-config-data").text_content())["kernelId"]
    pids = _kernel_pids(kernel_id, serve_log)
    assert pids, f"no process for kernel {kernel_id}"
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("would not be saved", timeout=30_000)
    expect(alert.get_by_role("button", name="Reload the page")).to_be_focused()
    assert page.locator("#mbm-main").evaluate("el => el.inert") is True
    alert.get_by_role("button", name="Reload the page").click()
    open_subarea(page, sa)
    active = editor_of(page, ind).locator(".widget-toggle-buttons button.mod-active")
    expect(active).to_have_text(level, timeout=WAIT)
    expect(page.get_by_role("alert")).to_have_count(0)
    assert store.get_rating(xat.id, ind.id)["agreed"] == level


def test_a_page_closed_by_its_reader_takes_its_kernel_with_it(app_server, browser, serve_log):
    """Closing the tab (its "beforeunload" runs, as in a browser) shuts the page's kernel down: the
    front end's shutdown request carries the _xsrf cookie the page now sets, where it used to be
    refused (403) and the kernel ran on until the idle culler, 15 minutes later."""
    import json
    import time
    context = browser.new_context()
    context.set_default_navigation_timeout(WAIT)
    page = context.new_page()
    try:
        page.goto(pillar_url(app_server, "operations.ipynb", "XAT", editor="Field Assessor"))
        page.get_by_role("textbox", name="Your name").wait_for(timeout=WAIT)
        assert any(c["name"] == "_xsrf" for c in context.cookies()), "the page sets the _xsrf cookie"
        kernel_id = json.loads(page.locator("#jupyter-config-data").text_content())["kernelId"]
        pids = _kernel_pids(kernel_id, serve_log)
        assert pids and all(Path(f"/proc/{p}").exists() for p in pids)
        page.close(run_before_unload=True)
        deadline = time.monotonic() + 30
        while any(Path(f"/proc/{p}").exists() for p in pids) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(Path(f"/proc/{p}").exists() for p in pids), "the kernel outlived its page"
        assert f"403 POST /voila/api/shutdown/{kernel_id}" not in serve_log.read_text()
    finally:
        context.close()


def test_a_page_whose_server_stops_says_it_lost_the_connection(page, module_demo_url, tmp_path):
    from playwright.sync_api import expect

    running = serve_app(module_demo_url, tmp_path / "serve.log")
    base = next(running)
    try:
        page.goto(pillar_url(base, "operations.ipynb", "XAT", editor="Field Assessor"))
        expect(page.get_by_role("textbox", name="Your name")).to_have_value("Field Assessor", timeout=WAIT)
    finally:
        running.close()  # stops the server and its kernels
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("lost its connection to the server", timeout=30_000)
    expect(alert).to_contain_text("would not be saved")
    assert page.locator("#mbm-main").evaluate("el => el.inert") is True


def test_an_open_page_shows_what_someone_else_saves_without_being_touched(app_server, browser, module_demo_url):
    from playwright.sync_api import expect

    store = Store(module_demo_url)
    xsy = blank_round(store, "XSY")
    sa = store.framework.pillar("OPS").subareas[1]
    ind = sa.indicators[0]
    level = "4" if store.get_rating(xsy.id, ind.id)["agreed"] != "4" else "2"
    contexts = [browser.new_context(), browser.new_context()]
    try:
        pages = []
        for c, name in zip(contexts, ("Ana Ferreira", "Kwame Mensah")):
            c.set_default_navigation_timeout(WAIT)
            p = c.new_page()
            p.goto(pillar_url(app_server, "operations.ipynb", "XSY", editor=name, round=BLANK))
            expect(p.get_by_role("textbox", name="Your name")).to_have_value(name, timeout=WAIT)
            open_subarea(p, sa)
            pages.append(p)
        ana, kwame = pages
        watched = editor_of(kwame, ind).locator(".widget-toggle-buttons button.mod-active")
        block = rate(ana, ind, level)
        expect(block.locator(".mbm-status")).to_contain_text("by Ana Ferreira", timeout=30_000)
        # Kwame does nothing: within the page's check interval (15 s) his page shows it
        expect(watched).to_have_text(level, timeout=40_000)
        expect(kwame.locator("figure.mbm-chart img")).to_have_attribute(
            "alt", ana.locator("figure.mbm-chart img").get_attribute("alt"))  # the same scores as Ana's page
        expect(kwame.locator(".mbm-assessment")).to_have_text(ana.locator(".mbm-assessment").text_content())
    finally:
        for c in contexts:
            c.close()


def assert_page_in_language(page, lang: str, direction: str) -> None:
    """<html lang dir> of the language, marked current in the language menu, no sideways
    overflow, axe clean."""
    from playwright.sync_api import expect
    assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == [lang, direction]
    expect(page.locator('nav.mbm-langs a[aria-current="true"]')).to_have_attribute("lang", lang)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), "no sideways overflow"
    assert audit(page) == []


def test_a_pillar_page_in_arabic_is_right_to_left_and_the_session_keeps_the_language(app_server, browser,
                                                                                      module_demo_url):
    """lang=ar in the address: <html lang="ar" dir="rtl">, the framework's names in Arabic, the
    language menu, no overflow, axe clean. A page then opened without lang= (a bookmark) reopens in
    Arabic: the browser session keeps the language; a new session starts in the default language."""
    from playwright.sync_api import expect

    from workbook.i18n import translated_framework
    arabic = translated_framework(Store(module_demo_url).framework, "ar")
    context = browser.new_context()
    context.set_default_navigation_timeout(WAIT)
    try:
        page = context.new_page()
        page.goto(pillar_url(app_server, "operations.ipynb", "XAT") + "&lang=ar")
        pages = translator("ar").gettext("Pages of this assessment")  # the page's labels are in its language
        nav = page.get_by_role("navigation", name=pages)
        expect(nav).to_contain_text(arabic.pillar("REG").name, timeout=WAIT)
        expect(page.locator("nav.mbm-langs a")).to_have_count(4)
        assert_page_in_language(page, "ar", "rtl")
        page.goto(pillar_url(app_server, "administration.ipynb", "XAT"))  # no lang= in the address
        expect(page).to_have_url(re.compile(r"[?&]lang=ar(&|$)"), timeout=WAIT)
        expect(page.get_by_role("navigation", name=pages)).to_contain_text(arabic.pillar("OPS").name, timeout=WAIT)
        assert page.evaluate("document.documentElement.dir") == "rtl"
    finally:
        context.close()
    other = browser.new_context()
    try:
        page = other.new_page()
        page.goto(pillar_url(app_server, "administration.ipynb", "XAT"), timeout=WAIT)
        assert "lang=" not in page.url
        assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == ["en", "ltr"]
    finally:
        other.close()


def test_a_pillar_page_in_french_names_the_framework_in_french_and_is_axe_clean(app_server, browser,
                                                                                 module_demo_url):
    """lang=fr in the address: <html lang="fr" dir="ltr">, every pillar in the page's navigation
    under its French name (none under its English one), French marked current in the language
    menu, no sideways overflow (French runs longer than English), axe clean."""
    from playwright.sync_api import expect

    from workbook.i18n import translated_framework
    english = Store(module_demo_url).framework
    french = translated_framework(english, "fr")
    context = browser.new_context()
    context.set_default_navigation_timeout(WAIT)
    with contextlib.closing(context):
        page = context.new_page()
        page.goto(pillar_url(app_server, "administration.ipynb", "XAT") + "&lang=fr")
        nav = page.get_by_role("navigation", name=translator("fr").gettext("Pages of this assessment"))
        for p in french.pillars:
            expect(nav).to_contain_text(p.name, timeout=WAIT)
        assert not any(p.name in nav.inner_text() for p in english.pillars if p.name != french.pillar(p.id).name)
        expect(page.get_by_role("textbox", name="Votre nom")).to_be_visible(timeout=WAIT)  # the form too
        assert_page_in_language(page, "fr", "ltr")


MISSION_ROUND = "mission 2026"


def mission_round(store: Store):
    """XAT's ``MISSION_ROUND`` with a team, a plan and three posts (made by the first test that
    needs it): a round of its own, so the observed evidence a visit adds lifts no cap that other
    tests of this module read."""
    from support.mission import ENDS, POSTS, STARTS, TEAM
    from workbook.mission import MissionStore
    mission = MissionStore(store)
    if any(a.country_code == "XAT" and a.round == MISSION_ROUND for a in store.list_assessments()):
        return mission, store.get_assessment("XAT", MISSION_ROUND)
    a = store.create_assessment("XAT", MISSION_ROUND, country_name="Atlantis", team=TEAM, by="Browser tests")
    mission.set_plan(a.id, by="Ana Costa", objectives=["Assess the crossing points"], starts=STARTS, ends=ENDS,
                     roles=[{"name": "Max Weber", "duty": "team lead"}])
    mission.save_posts(a.id, POSTS, by="Ana Costa")
    return mission, a


def test_a_site_visit_with_a_photo_recorded_on_a_tablet(app_server, browser, module_demo_url, tmp_path):
    """The mission page at a tablet's size (768x1024, touch): a visit to the airport with two
    checklist answers and a photo carrying a GPS position, saved; the page shows it, the store has
    the visit and the photo without its position; nothing wider than the screen; axe clean."""
    from playwright.sync_api import expect
    from support.mission import jpeg
    from workbook.mission import attachments as files

    mission, a = mission_round(Store(module_demo_url))
    photo = tmp_path / "booths.jpg"
    photo.write_bytes(jpeg(gps=True, size=64))
    context = browser.new_context(viewport={"width": 768, "height": 1024}, has_touch=True)
    context.set_default_navigation_timeout(WAIT)
    page = context.new_page()
    try:
        page.goto(pillar_url(app_server, "mission.ipynb", "XAT", editor="Ana Costa", round=MISSION_ROUND))
        form = page.locator(".mbm-visit-form")
        expect(form.get_by_role("heading", name="Record a site visit")).to_be_visible(timeout=WAIT)
        expect(form.get_by_role("textbox", name="Your name")).to_have_value("Ana Costa")
        form.get_by_role("combobox", name="Post").select_option(label="XAT-AIR-1 · Capital International Airport (air)")
        toggles = form.locator(".widget-toggle-buttons")
        expect(toggles.first).to_be_visible(timeout=30_000)
        form.get_by_label("Day").fill("2026-03-04")
        form.get_by_role("textbox", name="Why this post").fill("Largest airport")
        form.get_by_role("checkbox", name="Ana Costa").check()
        toggles.nth(0).get_by_role("button", name="met", exact=True).tap()
        toggles.nth(1).get_by_role("button", name="not met", exact=True).tap()
        form.get_by_role("textbox", name="Key observations").fill("Booths staffed at night")
        with page.expect_file_chooser() as chooser:  # the upload button opens the tablet's file picker
            form.locator(".widget-upload").click()
        chooser.value.set_files(str(photo))
        expect(form.locator(".widget-upload")).to_contain_text("Photos or documents (1)")
        form.get_by_role("textbox", name="Caption").fill("Booths at night")
        form.get_by_role("button", name="Save the visit").tap()
        expect(form.locator(".mbm-status")).to_contain_text("saved: visit to XAT-AIR-1", timeout=30_000)
        expect(form.locator(".mbm-status")).to_contain_text("1 attachment")
        expect(page.get_by_role("table", name="Site visits")).to_contain_text("Booths staffed at night")
        [visit] = mission.visits_frame(a.id).to_dict("records")
        assert (visit["post"], visit["observed"], visit["met"], visit["team"]) == ("XAT-AIR-1", 2, 1, ["Ana Costa"])
        [att] = mission.attachments_frame(a.id).to_dict("records")
        assert att["caption"] == "Booths at night" and str(visit["visit_id"]) in str(att["linked_to"])
        assert not files.has_location(mission.attachment_bytes(att["attachment_id"])[1])
        wide = page.evaluate("() => document.documentElement.scrollWidth")
        assert wide <= 768, f"the page is {wide}px wide on a 768px screen"
        assert audit(page) == [], "the mission page with its visit form passes the axe audit"
    finally:
        context.close()

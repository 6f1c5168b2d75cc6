"""Accessibility of the generated HTML: an axe-core audit in Debian's Chromium (Playwright's sync
API; no browser download) finds no serious or critical violation in the country report, the donor
brief or the comparison report."""
from __future__ import annotations


import pytest

from support import ROOT
from support.browser import CHROMIUM, CHROMIUM_ARGS, chromium_available
from support.reports import notebooks_for
from workbook.report import compose_brief, compose_comparison, compose_report, load_report_data, render_html

pytestmark = pytest.mark.browser

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="module")
def browser():
    if not chromium_available():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (make browser)")
    if not AXE.is_file():
        pytest.skip(f"{AXE} is missing: run `npm install` (make install-test) for axe-core")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def audit(browser, html: str, tmp_path) -> list[dict]:
    path = tmp_path / "page.html"
    path.write_text(html, encoding="utf-8")
    page = browser.new_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    try:
        page.goto(path.as_uri())
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    finally:
        page.close()
    remote = [u for u in requests if u.startswith(("http:", "https:"))]
    assert remote == [], f"the page loaded {remote}"
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


def explain(violations) -> str:
    return "\n".join(f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
                     for v in violations)


def test_report_has_no_serious_accessibility_violations(browser, data, tmp_path):
    bad = audit(browser, render_html(compose_report(data, notebooks_for(data))), tmp_path)
    assert bad == [], explain(bad)


def test_brief_and_comparison_have_no_serious_accessibility_violations(browser, data, rich_store, tmp_path):
    bad = audit(browser, render_html(compose_brief(data)), tmp_path)
    assert bad == [], explain(bad)
    everyone = [load_report_data(a.country_code, a.round, store=rich_store, roadmap=False)
                for a in rich_store.list_assessments()]
    bad = audit(browser, render_html(compose_comparison(everyone)), tmp_path)
    assert bad == [], explain(bad)


def test_the_audit_can_fail(browser, tmp_path):
    bad = audit(browser, '<html><body><main><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
                         "</main></body></html>", tmp_path)
    assert "image-alt" in {v["id"] for v in bad}

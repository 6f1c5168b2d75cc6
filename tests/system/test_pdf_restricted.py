"""Restricted content in the printed documents, from both PDF engines (Chromium and WeasyPrint):
every page of a country report that holds restricted content carries the mark in its footer; the
donor brief and the comparison report hold none of the restricted text and say how much was left
out. Read back with pdftotext (or pypdf: ``support.reports.pdf_pages_text``)."""
from __future__ import annotations

import pytest

from conftest import chromium_available
from support.reports import FOLLOW_UP, notebooks_for, pdf_pages_text, restricted_database
from workbook.report import build_brief, build_comparison, build_report, load_report_data
from workbook.store import Store

NEEDS_CHROMIUM = pytest.mark.skipif(not chromium_available(), reason="Chromium not installed")
ENGINES = [pytest.param("chromium", marks=NEEDS_CHROMIUM), "weasyprint"]


def squash(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def secrets(rich_url, tmp_path_factory):
    return restricted_database(rich_url, tmp_path_factory.mktemp("restricted"))


@pytest.fixture(scope="module", params=ENGINES)
def printed(request, secrets, tmp_path_factory):
    """The country report, the brief and the comparison printed by one engine: ``{name: pages}``."""
    store = Store(secrets.url)
    folder = tmp_path_factory.mktemp(f"restricted-{request.param}")
    full = load_report_data("XAT", FOLLOW_UP, store=store)
    donors = load_report_data("XAT", FOLLOW_UP, store=store, for_donors=True)
    everyone = [load_report_data(a.country_code, a.round, store=store, roadmap=False, for_donors=True)
                for a in store.list_assessments()]
    build_report(full, notebooks_for(full), None, pdf=folder / "report.pdf", pdf_engine=request.param)
    build_brief(donors, None, pdf=folder / "brief.pdf", pdf_engine=request.param)
    build_comparison(everyone, None, pdf=folder / "comparison.pdf", pdf_engine=request.param)
    return {name: pdf_pages_text(folder / f"{name}.pdf") for name in ("report", "brief", "comparison")}


def test_every_page_of_the_report_is_marked_restricted(printed, secrets):
    pages = printed["report"]
    assert len(pages) > 20
    for k, page in enumerate(pages, start=1):
        footer = squash("\n".join(page.strip().splitlines()[-2:]))
        assert footer.count("Restricted") == 2 and f"Page {k} of {len(pages)}" in footer, (k, footer)
    text = squash(" ".join(pages))
    assert secrets.texts[0] in text  # the team's report holds the restricted finding


@pytest.mark.parametrize("name", ["brief", "comparison"])
def test_documents_for_donors_hold_no_restricted_text_and_say_what_was_left_out(printed, secrets, name):
    text = squash(" ".join(printed[name]))
    assert not [s for s in secrets.texts if squash(s) in text]
    assert "Left out as restricted: 1 restricted finding, 1 restricted note, 1 restricted evidence record." in text
    assert "Restricted" not in text.replace("restricted", "")  # no page is marked: nothing restricted in it
    if name == "brief":
        assert len(printed[name]) == 2

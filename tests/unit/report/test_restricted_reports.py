"""Restricted content in reports: the country report holds it and says so (a banner on the cover,
the mark for every printed page); the donor brief and the comparison report are built from data
read as donors see it, leave it out and say how much was left out; data read in full that holds
restricted content is refused for them. (Printed pages: tests/system/test_pdf_restricted.py.)"""
from __future__ import annotations

import pandas as pd
import pytest

from support.reports import FOLLOW_UP, ReportPage, notebooks_for, plain_text, restricted_database
from workbook.report import compose_brief, compose_comparison, compose_report, load_report_data, render_html
from workbook.report.restricted import RestrictedContent
from workbook.store import Store

LEFT_OUT = "Left out as restricted: 1 restricted finding, 1 restricted note, 1 restricted evidence record."


@pytest.fixture(scope="module")
def secrets(rich_url, tmp_path_factory):
    return restricted_database(rich_url, tmp_path_factory.mktemp("restricted"))


@pytest.fixture(scope="module")
def full(secrets):
    return load_report_data("XAT", FOLLOW_UP, store=Store(secrets.url))


@pytest.fixture(scope="module")
def donors(secrets):
    return load_report_data("XAT", FOLLOW_UP, store=Store(secrets.url), for_donors=True)


def test_the_full_data_holds_the_restricted_content_and_counts_it(secrets, full):
    assert full.holds_restricted and not full.for_donors and full.left_out == {}
    assert full.restricted == {"findings": 1, "notes": 1, "evidence": 1}
    ratings = full.ratings.set_index("indicator_id")
    assert ratings.loc[secrets.finding, "agreed"] == "1" and ratings.loc[secrets.note, "notes"] == secrets.texts[1]


def test_data_for_donors_leaves_it_out_of_ratings_evidence_and_scores(secrets, donors):
    assert donors.for_donors and not donors.holds_restricted
    assert donors.left_out == {"findings": 1, "notes": 1, "evidence": 1}
    ratings = donors.ratings.set_index("indicator_id")
    assert pd.isna(ratings.loc[secrets.finding, "agreed"]) and ratings.loc[secrets.finding, "notes"] == ""
    assert ratings.loc[secrets.note, "notes"] == ""
    assert not set(donors.evidence["source"]) & set(secrets.texts)
    assert pd.isna(donors.scores.indicators.set_index("indicator_id").loc[secrets.finding, "level"])


def test_the_country_report_shows_it_under_a_banner(secrets, full):
    html = render_html(compose_report(full, notebooks_for(full)))
    banners = [p for p in ReportPage(html).find("p") if p.attrs.get("class") == "mbm-restricted"]
    assert len(banners) == 1 and banners[0].attrs.get("role") == "note"
    assert " ".join(banners[0].text.split()).startswith(
        "Restricted This report contains 1 restricted finding, 1 restricted note, 1 restricted evidence record.")
    assert html.count('class="mbm-restricted-mark"') == 1
    text = plain_text(html)
    assert secrets.texts[0] in text and secrets.texts[2] in text  # the team's report holds everything


def test_a_report_without_restricted_content_has_no_banner(rich_store):
    data = load_report_data("XAT", FOLLOW_UP, store=rich_store)
    assert not data.holds_restricted
    html = render_html(compose_report(data, notebooks_for(data)))
    assert 'class="mbm-restricted' not in html and "Left out as restricted" not in html


@pytest.mark.parametrize("build", [lambda d: compose_brief(d), lambda d: compose_comparison([d])],
                         ids=["brief", "comparison"])
def test_documents_for_donors_refuse_data_holding_restricted_content(full, build):
    with pytest.raises(RestrictedContent, match=r"XAT follow-up 2027 holds restricted .* for_donors=True"):
        build(full)


def test_the_brief_leaves_it_out_and_says_how_much(secrets, donors):
    html = render_html(compose_brief(donors))
    text = plain_text(html)
    assert LEFT_OUT in " ".join(text.split())
    assert not [s for s in secrets.texts if s in html]
    assert 'class="mbm-restricted-mark"' not in html


def test_the_comparison_leaves_it_out_and_says_how_much(secrets, rich_store):
    store = Store(secrets.url)
    everyone = [load_report_data(a.country_code, a.round, store=store, roadmap=False, for_donors=True)
                for a in store.list_assessments()]
    html = render_html(compose_comparison(everyone))
    assert LEFT_OUT in " ".join(plain_text(html).split())
    assert not [s for s in secrets.texts if s in html]
    before = {(d.info.country_code, d.info.round): d for d in everyone}
    assert before[("XAT", FOLLOW_UP)].left_out and not before[("XBO", "baseline 2026")].left_out

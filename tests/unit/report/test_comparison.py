"""The comparison report across countries and rounds: profiles side by side, not a ranking."""
from __future__ import annotations

import re

import pytest

from support.reports import FOLLOW_UP, ReportPage, check_heading_order, pdf_pages_text, remote_loads
from workbook.report import build_comparison, load_report_data


@pytest.fixture(scope="module")
def assessments(rich_store):
    return [load_report_data(a.country_code, a.round, store=rich_store, roadmap=False)
            for a in rich_store.list_assessments()]


@pytest.fixture(scope="module")
def built(assessments, tmp_path_factory):
    folder = tmp_path_factory.mktemp("comparison")
    html = build_comparison(assessments, folder / "comparison.html", pdf=folder / "comparison.pdf")
    return html, ReportPage(html), folder / "comparison.pdf"


def label(d) -> str:
    return f"{d.info.country_code} {d.info.round}"


def test_every_country_and_round_alphabetically_not_ranked(assessments, built):
    html, page, _ = built
    check_heading_order(page.headings)
    rows = page.table_with_caption("Table 1. Pillar levels by assessment")[1:]
    expected = sorted(assessments, key=lambda d: (d.info.country_name.lower(), d.info.created_at))
    assert [r[0][1] for r in rows] == [f"{d.info.country_name} ({d.info.country_code}), {d.info.round}"
                                       for d in expected]
    assert any(d.info.round == FOLLOW_UP for d in assessments)
    for row, d in zip(rows, expected):
        for cell, p in zip(row[1:5], d.scores.pillars.itertuples()):
            spread = f"{int(p.min_level)}" if p.min_level == p.max_level else f"{int(p.min_level)}–{int(p.max_level)}"
            assert cell[1] == f"{p.label} ({spread})"
    assert "not a ranking" in html
    assert not re.search(r"\brank", html.replace("not a ranking", ""), re.I)


def test_heat_map_and_profiles_state_their_values(assessments, built):
    html, page, _ = built
    imgs = page.find("img")
    assert len(imgs) == 2
    heat, profiles = imgs[0].attrs["alt"], imgs[1].attrs["alt"]
    for d in assessments:
        sub = d.scores.subareas
        part = re.search(re.escape(label(d)) + r": (.*?)\.(?: [A-Z]{3} |$)", heat).group(1)
        for s in sub.itertuples():
            value = "not scored" if s.level != s.level else s.label
            assert f"{s.subarea_id} {value};" in part + ";"
        for p in d.scores.pillars.itertuples():
            assert f"{p.pillar}: {p.label} (sub-areas " in profiles
    assert [f.text.split(". ", 1)[0] for f in page.find("figcaption")] == ["Figure 1", "Figure 2"]
    assert remote_loads(html) == [] and not page.find("script")


def test_rounds_of_a_country_are_compared_by_sub_area_level(assessments, built):
    html, page, _ = built
    rows = [[x for _, x in r] for r in page.table_with_caption("Table 2. Sub-area levels that changed")[1:]]
    expected = []
    for code in sorted({d.info.country_code for d in assessments}, key=lambda c: next(
            d.info.country_name.lower() for d in assessments if d.info.country_code == c)):
        rounds = sorted((d for d in assessments if d.info.country_code == code), key=lambda d: d.info.created_at)
        for first, then in zip(rounds, rounds[1:]):
            before = first.scores.subareas.set_index("subarea_id")
            for s in then.scores.subareas.itertuples():
                old = before.loc[s.subarea_id]
                if old.level != s.level:
                    expected.append([f"{then.info.country_name} ({code}) {s.subarea_id} {s.subarea}",
                                     f"{old.label} to {s.label}", f"{int(s.level - old.level):+d}"])
    assert {r[0].split(" (")[0] for r in expected} >= {"Atlantis", "Syldavia"}, \
        "the follow-up rounds (XAT's in the test database, XSY's in the demo) moved some sub-area a level"
    assert [[f"{r[0]} {r[1]}", r[3], r[4]] for r in rows] == expected


def test_the_comparison_prints(assessments, built):
    text = " ".join(" ".join(pdf_pages_text(built[2])).split())
    assert "Comparison of capacity profiles" in text
    for d in assessments:
        assert d.info.country_name in text
    assert not re.search(r"\b\d\.\d{2}\b", text), "no 3.25-style number in the comparison"


@pytest.mark.parametrize("lang", ["fr", "es", "ar"])
def test_the_comparison_in_the_language_it_was_read_in(rich_store, lang):
    """Read in French, Spanish or Arabic, every word the comparison writes itself is in that
    language: headings, help, captions, table headers, statuses, level words and the charts'
    alt text; English stays only in data (country codes, rounds)."""
    from workbook.report import compose_comparison
    from workbook.i18n.messages import translator
    data = [load_report_data(a.country_code, a.round, store=rich_store, roadmap=False, lang=lang)
            for a in rich_store.list_assessments()]
    nb = compose_comparison(data)
    text = " ".join(o["data"]["text/html"] for c in nb.cells for o in c.get("outputs", []))
    page = ReportPage(text)
    t = translator(lang)
    assert page.headings[0] == (1, t.gettext("Comparison of capacity profiles"))
    assert [h for lvl, h in page.headings if lvl == 2][1:] == [t.gettext(x) for x in (
        "Sub-area levels by country and round", "Pillar profiles side by side", "Pillar levels, completion and status",
        "Change between rounds")]
    assert nb.metadata["mbm"]["lang"] == lang and nb.metadata["mbm"]["dir"] == ("rtl" if lang == "ar" else "ltr")
    english = ["Comparison of", "Contents", "Each cell", "One small chart", "Pillar levels by assessment",
               "Assessment", "Completion", "Status", "not scored", "Heat map of", "Pillar profiles.", "sub-areas ",
               "alphabetical", "For each country", "Draft", "In review", "Validated", "Final", " to "]
    assert [w for w in english if w in text] == []

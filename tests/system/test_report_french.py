"""The French report of a demo country (XAT's follow-up round, every chapter with something to
show), printed by both PDF engines and read back: every chapter present under its French title,
pages numbered the French way with the running header, the contents giving each chapter's page;
the sentences lingua reads as English are none of the framework's or the action library's text
(those are translated), and none at all once the chapters' running prose is translated.
"""
from __future__ import annotations

import re

import pytest

from conftest import chromium_available
from support.reports import FOLLOW_UP, notebooks_for, pdf_pages_text
from workbook.report import build_report, load_report_data
from workbook.report.country import chapters
from workbook.store import Store

ENGINES = [pytest.param("chromium", marks=pytest.mark.skipif(not chromium_available(),
                                                             reason="Chromium not installed")), "weasyprint"]
FRENCH_TITLES = ("Résumé analytique", "Feuille de route", "Cartographie des donateurs",
                 "Annexe A. Méthodologie et harmonisation", "Annexe B. Notations, critères et éléments de preuve",
                 "Annexe C. L'équipe d'évaluation")


def squash(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def fr_data(rich_url):
    return load_report_data("XAT", FOLLOW_UP, store=Store(rich_url), lang="fr")


@pytest.fixture(scope="module", params=ENGINES)
def fr_pages(request, fr_data, tmp_path_factory):
    folder = tmp_path_factory.mktemp("pdf-fr")
    html = build_report(fr_data, notebooks_for(fr_data), folder / "report.html", pdf=folder / "report.pdf",
                        pdf_engine=request.param)
    tag = re.search(r"<html[^>]*>", html).group(0)
    assert 'lang="fr"' in tag and 'dir="ltr"' in tag, tag
    return pdf_pages_text(folder / "report.pdf")


def english_sentences(pages: list[str]) -> list[str]:
    """The sentences of the printed text (five words or more) that lingua reads as English among
    English, French and Spanish."""
    from lingua import Language, LanguageDetectorBuilder
    detector = LanguageDetectorBuilder.from_languages(Language.ENGLISH, Language.FRENCH, Language.SPANISH).build()
    text = "\n".join(pages)
    pieces = [squash(p) for p in re.split(r"(?<=[.!?:;])\s+|\n\s*\n|\s{3,}", text)]
    sentences = sorted({p for p in pieces if len(re.findall(r"[^\W\d_]{2,}", p)) >= 5})
    found = detector.detect_languages_in_parallel_of(sentences)
    return [t for t, lang in zip(sentences, found) if lang == Language.ENGLISH]


def test_every_chapter_is_there_under_its_french_title(fr_data, fr_pages, data):
    titles = dict(chapters(fr_data))
    english = dict(chapters(data))
    assert titles.keys() == english.keys()
    assert set(FRENCH_TITLES) <= set(titles.values())
    assert titles["follow-up"].startswith("Suivi depuis")
    for cid in titles:
        if cid.startswith("pillar-"):  # from the French framework ("Administration" is the same word)
            assert titles[cid] == fr_data.framework.pillar(cid.removeprefix("pillar-")).name, cid
    text = squash(" ".join(fr_pages))
    for cid, title in titles.items():
        # a long title wraps in the contents, its page number read between its lines
        wrapped = r"\s+(?:\d+\s+)?".join(map(re.escape, title.split()))
        assert len(re.findall(wrapped, text)) >= 2, f"{title!r} ({cid}) should be in the contents and head its chapter"
    for english_title in ("Executive summary", "Donor map", "Annex A. Methodology and moderation",
                          "Annex B. Ratings, criteria and evidence"):
        assert english_title not in text


def test_french_pages_are_numbered_with_the_running_header(fr_data, fr_pages):
    n = len(fr_pages)
    assert n > 20
    assert "(pays fictif)" in fr_data.running_title
    for k, page in enumerate(fr_pages, start=1):
        assert f"Page {k} sur {n}" in squash(page), k
        if k > 1:
            assert fr_data.running_title in squash(page), k
        assert not re.search(r"Page \d+ of \d+", page), k


def test_the_french_contents_give_the_page_of_each_chapter(fr_data, fr_pages):
    contents = next(p for p in fr_pages if "Table des matières" in p)
    found, first_lines = {}, ""
    for line in contents.splitlines():  # a long title wraps: its first line(s) have no page number
        entry = re.match(r"^\s*(\S.*?)[ .]{3,}(\d+)\s*$", line)
        if entry:
            found[squash(f"{first_lines} {entry.group(1)}").rstrip(" .")] = int(entry.group(2))
            first_lines = ""
        else:
            first_lines = squash(f"{first_lines} {line}") if line.strip() and "Table des matières" not in line else ""
    for _cid, title in chapters(fr_data):
        page = next((v for k, v in found.items() if title.startswith(k) and len(k) > 8), None)
        assert page is not None, (title, found)
        assert title[:40] in squash(fr_pages[page - 1]), f"{title} is not on page {page}"
    assert list(found.values()) == sorted(found.values())


def test_no_framework_or_action_text_is_left_in_english(fr_pages, fr_data, data):
    """The English sentences of the French report are none of the framework's or action library's
    text (pdftotext breaks lines, so a sentence is compared by its first five words). What the team
    recorded (notes, evidence) stays in the language it was written in, so its lines do not count."""
    from workbook.i18n.content import framework_strings, library_strings
    from workbook.roadmap.library import DEFAULT_ACTIONS
    import yaml
    english = list(framework_strings(data.framework).values())
    english += list(library_strings(yaml.safe_load(DEFAULT_ACTIONS.read_text(encoding="utf-8"))).values())
    content = squash(" \n ".join(english))
    recorded = recorded_words(fr_data)
    left = [s for s in english_sentences(fr_pages)
            if " ".join(s.split()[:5]) in content and not is_recorded(s, recorded)]
    assert left == [], left[:10]


def recorded_words(data) -> str:
    """What the team recorded in its own words (notes, evidence, the team, initiatives, recommendations,
    the moderation record, the names of the country and the round), as lower-case words between spaces."""
    frames = [data.ratings, data.evidence, data.moderation]
    if data.roadmap is not None:
        frames.append(data.roadmap.table)
    if data.donor_map is not None:
        frames += [data.donor_map.initiatives, data.donor_map.covered]
    values = [str(v) for frame in frames if frame is not None for col in frame.columns for v in frame[col]]
    values += [part for member in data.info.team for part in member if part]
    values += [data.info.round, data.info.country_name, data.info.country_code]
    return " " + " ".join(re.findall(r"\w+", " ".join(values).lower())) + " "


def is_recorded(sentence: str, recorded: str, runs: int = 3, loose: int = 4) -> bool:
    """A sentence is the team's own text when at most ``runs`` runs of two words or more found in
    what the team recorded cover it but for at most ``loose`` words (pdftotext cuts a table cell
    into lines and joins recorded values with the report's "réf." or a role in words)."""
    words = re.findall(r"\w+", sentence.lower())
    found = left = i = 0
    while i < len(words):
        j = i + 1
        while j < len(words) and f" {' '.join(words[i:j + 1])} " in recorded:
            j += 1
        if j - i >= 2:
            found += 1
        else:
            left += 1
        i = j
    return 0 < found <= runs and left <= loose


def test_no_english_sentence_is_left_in_the_french_report(fr_pages, fr_data):
    """Every sentence of the report's own text is French; what the team recorded in English (notes,
    evidence, names, initiatives) stays as written."""
    recorded = recorded_words(fr_data)
    left = [s for s in english_sentences(fr_pages) if not is_recorded(s, recorded)]
    assert left == [], left[:10]


def _html_text(page: str) -> list[str]:
    """The text of an HTML fragment, a blank line after each paragraph, cell, item and heading."""
    import html
    page = re.sub(r"(?s)<(script|style|svg)\b.*?</\1>", " ", page)
    page = re.sub(r"</(?:p|li|td|th|h\d|caption|div|tr)>|<br[^>]*>", "\n\n", page)
    return [html.unescape(re.sub(r"<[^>]+>", " ", page))]


def test_the_logframe_and_funding_summary_of_a_costed_road_map_are_french(rich_url):
    """XAT's baseline round (12 committed packages): the logframe chapter and the two pages of the
    funding summary have no English sentence but what the team recorded and the packages' titles
    (the package catalogue is English only)."""
    from workbook.report.funding import page1, page2
    from workbook.report.logframe import logframe_html
    from workbook.report.parts import Numbering
    fr = load_report_data("XAT", "baseline 2026", store=Store(rich_url), lang="fr")
    assert fr.funding is not None
    recorded = recorded_words(fr)
    titles = [squash(t) for t in fr.funding.road.committed["title"]]
    n = Numbering("fr")
    for part in (logframe_html(fr, n), page1(fr, n), page2(fr, n)):
        left = [s for s in english_sentences(_html_text(part))
                if not is_recorded(s, recorded) and not any(t in s for t in titles)]
        assert left == [], left[:10]

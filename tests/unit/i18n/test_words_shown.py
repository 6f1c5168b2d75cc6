"""Words the scoring and the framework store in English, shown to people in their language:
evidence strengths, the scoring's notes on a sub-area, a capped or a not-applicable indicator."""
from __future__ import annotations

import pytest

from workbook.framework import load_framework
from workbook.i18n import TRANSLATED, translated_framework
from workbook.i18n.extract import PACKAGE_CONTEXT, extract_package_tags
from workbook.i18n.grammar import elide, starts_with_vowel_sound
from workbook.pages.forms.evidence import evidence_list_html, type_label
from workbook.present.levels import STRENGTH_WORDS, scoring_note, strength_name
from workbook.scoring import CAPPED_NOTE, HELD_NOTE, LEGAL_NOTE, NO_KINDS_NOTE, aggregate


@pytest.fixture(scope="module")
def fw():
    return load_framework()


@pytest.mark.parametrize("lang, words", [
    ("fr", {"testimony": "témoignage", "quantitative": "données quantitatives", "observed": "observation"}),
    ("es", {"testimony": "testimonio", "quantitative": "datos cuantitativos", "observed": "observación"}),
    ("ar", {"testimony": "إفادة", "quantitative": "بيانات كمية", "observed": "ملاحظة ميدانية"}),
])
def test_evidence_strengths_are_named_in_the_language(lang, words):
    for word, expected in words.items():
        assert strength_name(word, lang) == expected
    shown = {strength_name(w, lang) for w in STRENGTH_WORDS}
    assert len(shown) == len(STRENGTH_WORDS)  # six strengths, six words (French keeps "document" and "audit")
    assert strength_name("testimony") == strength_name("testimony", "en") == "testimony"
    assert strength_name("hearsay", lang) == "hearsay"  # a strength the framework adds later stays as written


@pytest.mark.parametrize("lang", TRANSLATED)
def test_the_evidence_form_shows_type_and_strength_in_the_framework_s_language(fw, lang):
    tfw = translated_framework(fw, lang)
    for t, english in zip(tfw.evidence_types, fw.evidence_types):
        label = type_label(tfw, t)
        assert label == f"{t.name} ({strength_name(english.strength, lang)})"
        if strength_name(english.strength, lang) != english.strength:
            assert f"({english.strength})" not in label
    assert type_label(fw, fw.evidence_types[0]).endswith(f"({fw.evidence_types[0].strength})")
    testimony = next(t for t in tfw.evidence_types if t.strength == "testimony")
    html = evidence_list_html(tfw, [{"type": testimony.id, "source": "Rapport annuel", "date": None}])
    assert f"({strength_name('testimony', lang)})" in html and "(testimony)" not in html


# -- the scoring's notes ----------------------------------------------------------------------------
def test_the_scoring_writes_its_notes_from_the_marked_templates():
    assert aggregate([1, 3, 4, 4, 5], "median_floor")[2] == HELD_NOTE % {"level": 2, "median": 4}
    assert aggregate([4, 4, 4], "mean", legal=[2], legal_cap=1)[2] == LEGAL_NOTE
    assert aggregate([2, 3, 3], "median_floor")[2] == ""


@pytest.mark.parametrize("lang, held, legal, capped, none", [
    ("en", "held at 2, one above its weakest indicator (median 4)", "capped by its legal basis",
     "Level 3 needs a document; capped at 2", "the country has no sea port or river port"),
    ("fr", "maintenu à 2, un niveau au-dessus de son indicateur le plus faible (médiane 4)",
     "plafonné par son fondement juridique", "Level 3 needs a document ; plafonné au niveau 2",
     "le pays n'a pas de sea port ou river port"),
    ("es", "mantenido en 2, un nivel por encima de su indicador más débil (mediana 4)",
     "limitado por su base jurídica", "Level 3 needs a document; limitado al nivel 2",
     "el país no tiene sea port o river port"),
    ("ar", "أُبقي عند 2، أي مستوى واحد فوق أضعف مؤشراته (الوسيط 4)", "في حدود سقف أساسه القانوني",
     "Level 3 needs a document؛ محدود السقف عند المستوى 2", "ليس لدى البلد sea port أو river port"),
])
def test_the_scoring_s_notes_are_shown_in_the_reader_s_language(lang, held, legal, capped, none):
    assert scoring_note(aggregate([1, 3, 4, 4, 5], "median_floor")[2], lang) == held
    assert scoring_note(LEGAL_NOTE, lang) == legal
    # the rule's own words come from the framework scored (translated there), only the frame is ours
    assert scoring_note(CAPPED_NOTE % {"rule": "Level 3 needs a document", "level": 2}, lang) == capped
    assert scoring_note(NO_KINDS_NOTE % {"kinds": "sea port or river port"}, lang) == none
    assert scoring_note("a note the team typed", lang) == "a note the team typed"
    assert scoring_note("", lang) == ""


def test_a_capped_indicator_and_a_held_sub_area_read_in_french_in_the_scores(fw):
    import pandas as pd

    from workbook.scoring import score_indicators
    ind = fw.indicators[next(iter(fw.indicators))]
    rule = min(fw.evidence_rules, key=lambda r: r.level)
    ratings = pd.DataFrame([{"indicator_id": ind.id, "national": "5", "external": "5", "agreed": "5",
                             "status": "rated", "notes": ""}])
    scored = score_indicators(fw, ratings).set_index("indicator_id").loc[ind.id]
    assert scored["capped"] and scored["cap_reason"] == CAPPED_NOTE % {"rule": rule.text, "level": rule.level - 1}
    assert scoring_note(scored["cap_reason"], "fr").endswith(f" ; plafonné au niveau {rule.level - 1}")


# -- investment package titles ------------------------------------------------------------------------
def _tag_titles() -> dict[str, str]:
    from workbook.roadmap.packages import DEFAULT_TAGS
    with DEFAULT_TAGS.open("rb") as f:
        return {title: comments[0] for _line, _func, (_ctx, title), comments
                in extract_package_tags(f, {}, [], {})}


def test_every_package_title_is_extracted_for_the_catalogues():
    from workbook.roadmap.library import load_actions
    from workbook.roadmap.packages import load_tags
    tags = load_tags(load_actions(framework=load_framework()))
    assert set(_tag_titles()) == {t.title for t in tags.values()} and len(tags) > 30


@pytest.mark.parametrize("lang", TRANSLATED)
def test_package_titles_read_in_the_language_and_keep_the_glossary(lang):
    from workbook.i18n import translator
    from workbook.i18n.quality import glossary_misses
    t = translator(lang)
    shown = {title: t.pgettext(PACKAGE_CONTEXT, title) for title in _tag_titles()}
    assert all(shown[title] != title for title in shown), [x for x in shown if shown[x] == x]
    assert {title: glossary_misses(title, tr, lang) for title, tr in shown.items()
            if glossary_misses(title, tr, lang)} == {}


def test_a_package_is_titled_in_the_report_s_language_and_a_composed_title_too():
    from workbook.roadmap.library import load_actions
    from workbook.roadmap.packages import PackageTags, package_title
    lib = load_actions(framework=load_framework())
    tag = PackageTags("Protection-sensitive screening and referral at the border", ("10.7",), (7,))
    assert package_title("protection-screening", tag, lib) == tag.title
    assert package_title("protection-screening", tag, lib, "fr") == (
        "Un filtrage tenant compte des impératifs de protection et l'orientation à la frontière")
    assert package_title("ops-2-3-actions", None, lib, "es", indicator="OPS.2.3") == "Acciones para OPS.2.3"
    assert package_title("ops-2-3-actions", None, lib, indicator="OPS.2.3") == "Actions for OPS.2.3"


def test_the_road_map_of_a_french_report_names_its_packages_in_french(demo_store):
    from workbook.i18n import translator
    from workbook.roadmap.funding import FundingStore
    funding = FundingStore(demo_store)
    xat = demo_store.get_assessment("XAT", "baseline 2026")
    english, french = funding.road_map(xat.id), funding.road_map(xat.id, lang="fr")
    assert list(english.table["package_id"]) == list(french.table["package_id"])  # same packages, same order
    t = translator("fr")
    for en, fr in zip(english.table["title"], french.table["title"]):
        assert fr == t.pgettext(PACKAGE_CONTEXT, en) and fr != en
    assert french.table.drop(columns="title").equals(english.table.drop(columns="title"))  # only the words change


# -- French elision before a name ---------------------------------------------------------------------
@pytest.mark.parametrize("name, expected", [
    ("Atlantis", "les frontières d'Atlantis"), ("Équateur", "les frontières d'Équateur"),
    ("Haïti", "les frontières d'Haïti"), ("Honduras", "les frontières de Honduras"),
    ("Togo", "les frontières de Togo"), ("Yémen", "les frontières de Yémen"), ("Oman", "les frontières d'Oman"),
])
def test_french_elides_de_before_a_name_with_a_vowel_sound(name, expected):
    assert elide(f"les frontières de {name}", "fr", name) == expected


def test_elision_touches_only_the_names_given_and_only_french():
    text = "Rapport de Atlantis, de Atlantisville, que Atlantis soit, de entrée"
    assert elide(text, "fr", "Atlantis") == "Rapport d'Atlantis, de Atlantisville, qu'Atlantis soit, de entrée"
    assert elide("lorsque Atlantis", "fr", "Atlantis") == "lorsqu'Atlantis"
    assert elide("de Atlantis", "es", "Atlantis") == elide("de Atlantis", "en", "Atlantis") == "de Atlantis"
    assert elide("de Atlantis", "fr") == "de Atlantis" and elide("", "fr", "Atlantis") == ""
    assert not starts_with_vowel_sound("") and starts_with_vowel_sound("île Maurice")


def test_the_french_logframe_and_notes_elide_before_the_country_and_the_kinds():
    from workbook.i18n import translator
    impact = translator("fr").gettext("People cross the borders of %(country)s safely, in order and through regular "
                                      "channels, with their rights protected and cross-border crime contained (SDG "
                                      "target 10.7)")
    assert "de %(country)s" in impact  # the catalogue says "de", the name decides
    assert "frontières d'Atlantis" in elide(impact % {"country": "Atlantis"}, "fr", "Atlantis")
    assert scoring_note(NO_KINDS_NOTE % {"kinds": "aéroport international"}, "fr") == (
        "le pays n'a pas d'aéroport international")


def test_the_french_logframe_of_the_demo_names_atlantis_with_elision(demo_store):
    from workbook.roadmap.funding import FundingStore
    from workbook.roadmap.logframe import build_logframe
    funding = FundingStore(demo_store)
    info = demo_store.get_assessment("XAT", "baseline 2026")
    road = funding.road_map(info.id, lang="fr")
    frame = build_logframe(road, translated_framework(funding.framework, "fr"), funding.library, "Atlantis",
                           lang="fr")
    impact = frame.iloc[0]["result"]
    assert impact.startswith("Les personnes franchissent les frontières d'Atlantis") and "de Atlantis" not in impact
    titles = dict(zip(road.table["package_id"], road.table["title"]))  # the packages, titled in French
    outputs = frame[frame["level"] == "output"]["result"].tolist()
    assert outputs == [f"{titles[pid]} ({pid})" for pid in road.committed["package_id"]]

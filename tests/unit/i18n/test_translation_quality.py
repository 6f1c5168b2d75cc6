"""The quality of the framework and action-library translations, string by string.

* every French and Spanish string is detected as its language by lingua, among the workbook's
  languages (English, French, Spanish: the mistakes to catch are an English string left in, or
  a string in the other language); every Arabic string is in Arabic script;
* ids, placeholders, markup and numbers of the English are kept (the translators' checker);
* the glossary's terms are used (warnings that are word-sense matches are listed, with the
  reason, in tests/data/i18n/glossary_accepted.yaml; any other fails).

Only strings translated from the current English are checked (stale ones are shown in English
and listed by `workbook framework check --lang`).
"""
from __future__ import annotations

import functools

import pytest
import yaml

from support import DATA
from workbook.framework import load_framework
from workbook.i18n import TRANSLATED, quality
from workbook.i18n.content import framework_strings, library_strings, load_translations, source_hash
from workbook.roadmap.library import DEFAULT_ACTIONS

#: Strings lingua reads as another language, each checked by hand; keep this list short.
NOT_DETECTED = {
    # "briefing" is a French loanword (in French dictionaries), used for the same thing in all six
    # strings that name it; in a six-word string it outweighs the rest. (Style: the translators may
    # prefer "réunion d'information de prise de service".)
    ("fr", "indicator.INF.7.2.level.4.evidence.1"),
}
ACCEPTED = yaml.safe_load((DATA / "i18n" / "glossary_accepted.yaml").read_text(encoding="utf-8"))


@functools.cache
def pairs(lang: str) -> tuple[tuple[str, str, str], ...]:
    """(key, English, translation) of every string translated from the current English."""
    fw = load_framework()
    library = yaml.load(DEFAULT_ACTIONS.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader",
                                                                                    yaml.SafeLoader))
    out = []
    for kind, english in (("framework", framework_strings(fw)), ("actions", library_strings(library))):
        translations = load_translations(kind, lang)
        out += [(k, en, translations[k].text) for k, en in english.items()
                if k in translations and translations[k].source == source_hash(en)]
    return tuple(out)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_almost_every_string_is_translated_from_the_current_english(lang):
    assert len(pairs(lang)) > 5500


@pytest.mark.parametrize("lang", TRANSLATED)
def test_ids_placeholders_markup_and_script_are_kept(lang):
    found = [f"{k}: {p}" for k, en, tr in pairs(lang) for p in quality.problems(en, tr, lang)]
    assert not found, found[:20]


@pytest.mark.parametrize("lang", TRANSLATED)
def test_numbers_are_kept(lang):
    found = [f"{k}: {w}" for k, en, tr in pairs(lang) for w in quality.number_warnings(en, tr)]
    assert not found, found[:20]


@pytest.mark.parametrize("lang", ["fr", "es"])
def test_every_french_and_spanish_string_is_detected_as_its_language(lang):
    from lingua import Language, LanguageDetectorBuilder
    expected = {"fr": Language.FRENCH, "es": Language.SPANISH}[lang]
    detector = LanguageDetectorBuilder.from_languages(Language.ENGLISH, Language.FRENCH, Language.SPANISH).build()
    items = pairs(lang)
    detected = detector.detect_languages_in_parallel_of([tr for _, _, tr in items])
    wrong = {(lang, k): (tr, got) for (k, _, tr), got in zip(items, detected) if got != expected}
    assert set(wrong) - NOT_DETECTED == set(), {k: v for k, v in wrong.items() if k not in NOT_DETECTED}
    assert {k for k in NOT_DETECTED if k[0] == lang} <= set(wrong), "no longer needed: remove it from NOT_DETECTED"


def test_every_arabic_string_is_in_arabic_script():
    latin_only = [k for k, en, tr in pairs("ar") if not quality.ARABIC.search(tr)]
    assert latin_only == []


@pytest.mark.parametrize("lang", TRANSLATED)
def test_glossary_terms_are_used(lang):
    terms = quality.glossary()
    found = {k: sorted(m) for k, en, tr in pairs(lang) if (m := quality.glossary_misses(en, tr, lang, terms))}
    accepted = ACCEPTED.get(lang, {})
    new = {k: v for k, v in found.items() if not set(v) <= set(accepted.get(k, []))}
    assert not new, f"glossary terms not used (see glossary.yaml; {len(new)}): {dict(list(new.items())[:15])}"
    gone = {k: v for k, v in accepted.items() if not set(v) <= set(found.get(k, []))}
    assert not gone, f"no longer warned: remove from tests/data/i18n/glossary_accepted.yaml: {gone}"


def test_the_glossary_checks_catch_what_they_should():
    """Controls: the checks report a dropped id, placeholder or number, Latin 'Arabic', an
    untranslated sentence, and a glossary term replaced by a synonym."""
    en = "Officers at the crossing point check {count} travellers against OPS.2.3 within 15 minutes."
    assert quality.problems(en, "Les agents vérifient {count} voyageurs en 15 minutes.", "fr") == [
        "id OPS.2.3 missing"]
    assert "placeholder or markup '{count}' missing" in quality.problems(en, "OPS.2.3", "es")
    assert quality.problems(en, en, "fr") == ["identical to the English"]
    assert quality.problems("A long enough string", "Une chaîne", "ar") == ["no Arabic script"]
    assert quality.number_warnings(en, "... OPS.2.3 {count} en quelques minutes") == ["number 15 not found"]
    assert quality.number_warnings("2.5 days", "2,5 jours") == []
    assert quality.number_warnings("No. 3 and 4", "رقم 3 و4") == []
    assert "crossing point" in quality.glossary_misses(en, "Les agents au poste de douane vérifient", "fr")
    assert quality.glossary_misses(en, "Les agents au point de passage vérifient", "fr") == []

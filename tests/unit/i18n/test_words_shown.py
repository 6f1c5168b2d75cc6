"""Words the scoring and the framework store in English, shown to people in their language:
evidence strengths, the scoring's notes on a sub-area and on a capped indicator."""
from __future__ import annotations

import pytest

from workbook.framework import load_framework
from workbook.i18n import TRANSLATED, translated_framework
from workbook.pages.forms.evidence import evidence_list_html, type_label
from workbook.present.levels import STRENGTH_WORDS, strength_name


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

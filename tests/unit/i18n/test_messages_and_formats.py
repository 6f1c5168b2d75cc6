"""Languages, the gettext catalogues (plural forms, up to date with the code, compiled), Babel
formatting and country names."""
from __future__ import annotations

import datetime as dt
import io
import re
import tokenize

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from support import ROOT
from workbook import config
from workbook.errors import InvalidInput
from workbook.i18n import (LANGUAGES, TRANSLATED, country_name, direction, format_currency, format_date,
                           format_millions, format_number, format_percent, parse_lang, translator)
from workbook.i18n.messages import LOCALE_DIR, catalogue_path
from workbook.present.html import format_completion, format_score, format_share

MESSAGE = ("%(n)s text shown in English because it is not translated yet",
           "%(n)s texts shown in English because they are not translated yet")


# -- languages ---------------------------------------------------------------------------------
@pytest.mark.parametrize("given, code", [("fr", "fr"), ("FR", "fr"), (" es ", "es"), ("fr-CA", "fr"),
                                         ("ar_MA", "ar"), ("en", "en")])
def test_a_language_code_is_read_as_people_write_it(given, code):
    assert parse_lang(given) == code


@pytest.mark.parametrize("given", ["de", "", "f", "fr--", "français", None, 3, "ar;drop"])
def test_an_unknown_language_is_refused_naming_the_choices(given):
    with pytest.raises(InvalidInput) as exc:
        parse_lang(given)
    assert "en (English), fr (French), es (Spanish), ar (Arabic)" in exc.value.problems[0].message


def test_arabic_is_right_to_left_and_the_others_left_to_right():
    assert {c: direction(c) for c in LANGUAGES} == {"en": "ltr", "fr": "ltr", "es": "ltr", "ar": "rtl"}


def test_the_language_setting(monkeypatch):
    monkeypatch.delenv("WORKBOOK_LANG", raising=False)
    assert config.language() == "en"
    monkeypatch.setenv("WORKBOOK_LANG", "es")
    assert config.language() == "es" and config.language("ar") == "ar"
    monkeypatch.setenv("WORKBOOK_LANG", "klingon")
    with pytest.raises(InvalidInput, match="WORKBOOK_LANG"):
        config.language()


# -- catalogues -----------------------------------------------------------------------------------
def test_arabic_has_six_plural_forms_each_chosen_by_cldr_rules():
    t = translator("ar")
    forms = {n: t.ngettext(*MESSAGE, n) % {"n": n} for n in (0, 1, 2, 3, 10, 11, 99, 100, 102, 111)}
    assert len(set(t.ngettext(*MESSAGE, n) for n in (0, 1, 2, 3, 11, 100))) == 6
    assert forms[3].startswith("3 نصوص") and forms[10].startswith("10 نصوص")  # few: 3-10
    assert forms[11].startswith("11 نصاً") and forms[99].startswith("99 نصاً")  # many: 11-99
    assert forms[100].startswith("100 نص ") and forms[102].startswith("102 نص ")  # other
    assert t.ngettext(*MESSAGE, 111) == t.ngettext(*MESSAGE, 11)  # n % 100 == 11: many again
    assert "نصان" in forms[2] and "واحد" in forms[1]


@pytest.mark.parametrize("lang, one, many", [("fr", "1 texte affiché", "2 textes affichés"),
                                             ("es", "1 texto se muestra", "2 textos se muestran"),
                                             ("en", "1 text shown", "2 texts shown")])
def test_plural_forms_of_french_spanish_and_english(lang, one, many):
    t = translator(lang)
    assert (t.ngettext(*MESSAGE, 1) % {"n": 1}).startswith(one)
    assert (t.ngettext(*MESSAGE, 2) % {"n": 2}).startswith(many)
    assert lang != "fr" or (t.ngettext(*MESSAGE, 0) % {"n": 0}).startswith("0 texte affiché")  # French: 0 is one


def test_context_and_fallback():
    assert translator("fr").pgettext("no value", "n/a") == "s.o."
    assert translator("fr").gettext("a string nobody translated") == "a string nobody translated"
    assert translator("en").gettext("not scored") == "not scored"


def _catalogue(lang: str):
    with catalogue_path(lang, compiled=False).open("rb") as f:
        return read_po(f, locale=lang)


def _extracted() -> dict:
    """Every message marked in the package and the templates, as ``make i18n`` extracts it."""
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    return {(ctx, msg if isinstance(msg, str) else msg[0]): where
            for where, _line, msg, _comments, ctx in extract_from_dir(str(ROOT), method_map, options_map,
                                                                      keywords={**DEFAULT_KEYWORDS, "tmsg": None})}


@pytest.fixture(scope="module")
def extracted():
    return _extracted()


@pytest.mark.parametrize("lang", TRANSLATED)
def test_each_catalogue_holds_every_marked_string_translated(lang, extracted):
    cat = _catalogue(lang)
    have = {(m.context, m.id if isinstance(m.id, str) else m.id[0]): m for m in cat if m.id}
    missing = sorted(set(extracted) - set(have))
    assert not missing, f"run `make i18n`: {missing} are not in the {lang} catalogue"
    untranslated = [k for k, m in have.items() if k in extracted and (not m.string or m.fuzzy
                    or (isinstance(m.string, tuple) and not all(m.string)))]
    assert not untranslated, f"translate in {catalogue_path(lang, compiled=False)}: {untranslated}"


def test_no_marked_string_hides_inside_an_f_string():
    """Babel does not extract a gettext call written inside an f-string (Python 3.11 reads the
    f-string as one token), so its text never reaches the catalogues and shows in English."""
    call = re.compile(r"""(?<![\w.])(?:_|gettext|ngettext|pgettext|N_)\(\s*['"]|\.(?:_|gettext)\(\s*['"]""")
    found = []
    for path in sorted((ROOT / "workbook").rglob("*.py")):
        with path.open("rb") as f:
            found += [f"{path.relative_to(ROOT)}:{tok.start[0]}" for tok in tokenize.tokenize(f.readline)
                      if tok.type == tokenize.STRING and re.match(r"(?i)[rb]?f", tok.string)
                      and call.search(tok.string)]
    assert not found, f"take the gettext call out of the f-string (into a name) at: {found}"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_catalogues_keep_placeholders_and_have_the_right_plural_count(lang):
    cat = _catalogue(lang)
    errors = [(m.id, [str(e) for e in errs]) for m, errs in cat.check()]
    assert not errors
    assert cat.num_plurals == {"fr": 3, "es": 3, "ar": 6}[lang]
    assert all(len(m.string) == cat.num_plurals for m in cat if m.pluralizable and m.id)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_the_committed_mo_file_is_compiled_from_the_po_file(lang):
    """The .mo files are committed (no build step at install); `make i18n` compiles them."""
    buf = io.BytesIO()
    write_mo(buf, _catalogue(lang))
    from babel.messages.mofile import read_mo
    def messages(cat) -> dict:
        return {(m.context, str(m.id)): str(m.string) for m in cat if m.id}
    compiled = messages(read_mo(io.BytesIO(buf.getvalue())))
    with catalogue_path(lang).open("rb") as f:
        committed = messages(read_mo(f))
    assert committed == compiled, f"run `make i18n`: {catalogue_path(lang)} is older than its .po"
    assert LOCALE_DIR.is_dir()


# -- formats --------------------------------------------------------------------------------------
@pytest.mark.parametrize("lang, number, percent, money, date", [
    ("en", "12,345.7", "26%", "$1,500,000", "March 5, 2026"),
    ("fr", "12\u202f345,7", "26\xa0%", "1\u202f500\u202f000\xa0$US", "5 mars 2026"),
    ("es", "12.345,7", "26\xa0%", "1.500.000\xa0US$", "5 de marzo de 2026"),
    ("ar", "12,345.7", "26%", "1,500,000", "5 مارس 2026"),
])
def test_numbers_dates_and_money_are_written_the_language_s_way(lang, number, percent, money, date):
    assert format_number(12345.67, lang, 1) == number
    assert format_percent(0.256, lang).replace("\u200e", "") == percent
    assert money in format_currency(1_500_000, "USD", lang).replace("\u200f", "")
    assert format_date(dt.date(2026, 3, 5), lang) == date


@pytest.mark.parametrize("lang, rng, one, small, twelve, none", [
    ("en", "USD 1.2-3.5 million", "USD 1.0 million", "USD 0.05 million", "USD 12.5 million", "USD 0"),
    ("fr", "1,2-3,5 millions USD", "1,0 million USD", "0,05 million USD", "12,5 millions USD", "0 USD"),
    ("es", "1,2-3,5 millones de USD", "1,0 millón de USD", "0,05 millones de USD", "12,5 millones de USD", "0 USD"),
    ("ar", "1.2-3.5 مليون USD", "1.0 مليون USD", "0.05 مليون USD", "12.5 مليون USD", "0 USD"),
])
def test_amounts_in_millions_agree_with_their_figure_in_each_language(lang, rng, one, small, twelve, none):
    assert format_millions(1_234_000, 3_456_000, "USD", lang) == rng
    assert format_millions(1_000_000, 1_000_000, "USD", lang) == one
    assert format_millions(50_000, 50_000, "USD", lang) == small
    assert format_millions(12_500_000, 12_500_000, "USD", lang) == twelve
    assert format_millions(0, 0, "USD", lang) == none
    # French: a million up to (not including) two, Spanish: only exactly one takes the singular
    assert format_millions(1_500_000, 1_500_000, "EUR", lang).startswith(
        {"en": "EUR 1.5 million", "fr": "1,5 million EUR", "es": "1,5 millones de EUR", "ar": "1.5 مليون EUR"}[lang])
    assert format_millions(1_234_000, 3_456_000, lang=lang, unit=False) == {"en": "1.2-3.5", "ar": "1.2-3.5"}.get(
        lang, "1,2-3,5")


def test_money_stays_english_unless_asked_and_follows_the_report_s_language():
    from workbook.roadmap.costing import millions, money
    assert money(1_234_000, 3_456_000) == "USD 1.2-3.5 million"
    assert money(2_000_000, 2_000_000, lang="fr") == "2,0 millions USD"
    assert money(1_234_000_000, 1_234_000_000, lang="fr") == "1\u202f234,0 millions USD"
    assert millions(0, 0, "es") == "0" and millions(120_000, 90_000_000, "es") == "0,1-90,0"


def test_the_html_kit_formats_for_a_language_and_keeps_its_english_default():
    assert format_score(2.5, 2) == "2.50" and format_score(2.5, 2, lang="fr") == "2,50"
    assert format_score(float("nan"), lang="es") == "sin puntuación"
    assert format_share(None, lang="fr") == "s.o." and format_share(0.5) == "50%"
    assert format_completion(3, 4, lang="fr") == "3/4 (75\xa0%)"
    assert format_completion(0, 0, lang="ar") == "لا شيء ينطبق"


# -- countries ------------------------------------------------------------------------------------
@pytest.mark.parametrize("code, names", [
    ("MAR", ("Morocco", "Maroc", "Marruecos", "المغرب")),
    ("HTI", ("Haiti", "Haïti", "Haití", "هايتي")),
    ("BOL", ("Bolivia", "Bolivie", "Bolivia", "بوليفيا")),  # ISO's common name, spelt alike in Spanish
    ("CIV", ("Côte d'Ivoire", "Côte d'Ivoire", "Costa de Marfíl", "ساحل العاج")),
])
def test_country_names_come_from_pycountry_translations(code, names):
    assert tuple(country_name(code, lang) for lang in ("en", "fr", "es", "ar")) == names


@pytest.mark.parametrize("code, given", [("XAT", "Atlantis"), ("XBO", "Borduria"), ("XSY", "Syldavia")])
def test_fictional_countries_keep_their_given_names(code, given):
    assert {country_name(code, lang, given=given) for lang in LANGUAGES} == {given}
    assert country_name(code, "ar") == code  # no name given: the code, never an invented one

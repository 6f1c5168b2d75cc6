"""The pillar page's form in the page's language: labels, buttons, tooltips, choices, help and status
lines of every part (indicator, criteria, evidence, crossing-point profile, consensus session) come
from the catalogues, while the values stored and sent ("3", "yes", NA) are the same in every language."""
from __future__ import annotations

import re

import ipywidgets as widgets
import pytest

import workbook.pages.pillar as pillar_page
from workbook.pages.forms import FAILED, SAVED, PillarForm

ROUND = "baseline 2026"
IND = "ADM.1.1"
#: Words of the English form that may also be in another language's (names, not words of ours).
NEUTRAL = re.compile(r"^[\W\d_]*$|^[A-Z]{2,}[\w.\-]*$")
#: Words spelt the same in English and in the language.
SAME = {"fr": {"Date", "Notes", "Participants", "Source", "Type"}, "es": {"no", "n.a."}, "ar": set()}
#: An English word of ours, in a text of the form (ids, codes and the editor's name taken out).
ENGLISH_WORDS = re.compile(r"\b(the|and|or|of|to|not|saved|rated|level|evidence|criteria|record|show|hide|"
                           r"agreed|national|external|notes|reason|your|name|tick|add|edit|remove|save|clear|"
                           r"flags?|completion|indicators?|sub-areas?|profile|consensus|session|participants|"
                           r"held|choose|optional|note|confidence|team|status|framework|none|yes|no)\b", re.I)


def texts(widget) -> list[str]:
    """Every text a person reads or hears in a widget tree: descriptions, placeholders, tooltips,
    the labels of choices, and HTML (its tags removed)."""
    out = []
    for name in ("description", "placeholder", "tooltip"):
        value = getattr(widget, name, None)
        if isinstance(value, str) and value:
            out.append(value)
    for tip in getattr(widget, "tooltips", None) or ():
        out.append(tip)
    if isinstance(widget, (widgets.Dropdown, widgets.ToggleButtons)):
        out += [label for label, _value in widget.options]
    if isinstance(widget, widgets.HTML) and widget.value:
        without_css = re.sub(r"<style>.*?</style>", "", widget.value, flags=re.S)
        out += [t.strip() for t in re.split(r"<[^>]+>", without_css) if t.strip()]
        out += re.findall(r'aria-label="([^"]+)"', without_css)
    for child in getattr(widget, "children", ()) or ():
        out += texts(child)
    return out


def opened_form(store, assessment, lang: str | None) -> PillarForm:
    """A form with every part opened and a rating saved, so status lines show too."""
    form = PillarForm(store, assessment, store.framework.pillar("ADM"), editor="Ana Ferreira", lang=lang)
    ed = form.go_to(IND)
    ed.toggle_criteria()
    ed.toggle_evidence()
    form.toggle_profile()
    form.toggle_moderation()
    ed.national.value = "3"
    ed.external.value = "1"  # a disagreement: a flag, and its line next to the rating
    assert ed.state == SAVED, ed.message
    return form


@pytest.fixture
def assessment(store):
    return store.create_assessment("XAT", ROUND, country_name="Atlantis", by="test setup")


def english_left(text: str) -> str:
    """What of ``text`` reads as English words of ours (ids, codes, versions and the name removed)."""
    text = re.sub(r"\b[A-Z]{2,}(\.\w+)*\b|Ana Ferreira|\d+|UTC", " ", text)
    return " ".join(ENGLISH_WORDS.findall(text))


@pytest.mark.parametrize("lang", ["fr", "es", "ar"])
def test_every_part_of_the_form_shows_no_english_word_of_ours(store, assessment, lang):
    form = opened_form(store, assessment, lang)
    shown = texts(form.widget)
    other = store.create_assessment("XAT", "other round", country_name="Atlantis", by="setup")
    english = set(texts(opened_form(store, other, None).widget))
    same = {t for t in shown if t in english and not NEUTRAL.match(t) and t not in SAME[lang]}
    assert same == set(), f"left in English in {lang}: {sorted(same)[:20]}"
    left = {t: english_left(t) for t in shown if english_left(t)}
    if lang != "ar":  # "no", "note", "national" are French or Spanish words too
        shared = {"no", "note", "notes", "national", "none", "consensus", "participants"}
        left = {t: w for t, w in left.items() if not set(w.lower().split()) <= shared}
    assert left == {}, f"English words in {lang}: {dict(list(left.items())[:20])}"
    if lang == "ar":
        words = [t for t in shown if re.search(r"[a-z]{4,}", re.sub(r"\b[A-Z]{2,}[\w.\-]*|Ana Ferreira", "", t))]
        assert words == [], f"Latin words in the Arabic form: {words[:20]}"


def test_labels_change_with_the_language_but_values_stored_and_sent_do_not(store, assessment):
    form = opened_form(store, assessment, "fr")
    ed = form.editors[IND]
    assert (ed.agreed.description, ed.national.description, ed.external.description, ed.notes.description) == (
        "Convenue", "Nationale", "Externe", "Notes")
    assert [v for _label, v in ed.agreed.options] == ["", "1", "2", "3", "4", "5", "NA", "NE", "IE"]
    assert ed.national.options[0] == ("non noté", "")
    ed.agreed.value = "NA"
    assert store.get_rating(assessment.id, IND)["agreed"] == "NA"
    crit = ed.criteria_editor
    first = next(iter(crit.toggles))
    assert [label for label, _v in crit.toggles[first].options] == ["–", "oui", "non", "s.o."]
    crit.toggles[first].value = "yes"
    assert crit.state == SAVED and crit.message.startswith("critères enregistrés par Ana Ferreira")
    answers = store.criteria_frame(assessment.id)
    assert answers.set_index("criterion_id").loc[first, "answer"] == "yes"
    assert ed.status.value.count("enregistré") and "version" in ed.status.value
    assert form.user.description == "Votre nom"
    assert ed.evidence_button.description == "Fermer l'éditeur d'éléments de preuve"


def test_a_missing_name_and_a_conflict_are_said_in_the_page_s_language(store, assessment):
    form = PillarForm(store, assessment, store.framework.pillar("ADM"), editor="", lang="es")
    ed = form.go_to(IND)
    ed.national.value = "2"
    assert ed.message.startswith("no guardado: ") and "Your name" not in ed.message
    other = PillarForm(store, assessment, store.framework.pillar("ADM"), editor="Otro", lang="es").go_to(IND)
    other.national.value = "4"
    form.user.value = "Ana"
    ed.notes.value = "mis notas"
    ed.save()
    assert ed.message.startswith("no guardado: ")
    assert f"Otro cambió {IND} a las " in ed.message and "su cambio no se guardó" in ed.message, ed.message
    assert "(ahora: nacional 4, externa -, acordada -)" in ed.message, ed.message
    buttons = [b.description for b in ed._conflict_box.children]
    assert buttons == ["Usar sus valores", "Reemplazar sus valores por los míos"]
    ed.use_theirs()
    assert ed.message.startswith("se muestran los valores guardados por Otro")


def test_a_french_and_an_arabic_pillar_page_header_and_first_view_are_in_their_language(demo_store):
    for lang, words in (("fr", ("Toutes les évaluations", "Sous-domaines", "Avancement", "indicateurs applicables")),
                        ("ar", ("الفريق", "المجالات الفرعية", "الإنجاز"))):
        page = pillar_page.open_pillar("OPS", "XAT", ROUND, "", environ={}, lang=lang)
        view = page.first_view_html()
        for word in words:
            assert word in view, (lang, word)
        visible = re.sub(r"<style>.*?</style>|<[^>]+>", " ", view, flags=re.S)
        for english in ("All assessments", "Road map", "Field mission", "Sub-areas", "Completion", "Flags",
                        "of applicable indicators rated", "Team:", "to look at"):
            assert english not in visible, (lang, english)
        assert page.form_widget.lang == lang and page.form_widget.user.description != "Your name"


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_the_home_page_is_in_the_page_s_language(demo_store, lang, monkeypatch):
    import workbook.pages.first_view as first_view
    import workbook.pages.home as home_page
    from workbook.pages.home import HomePage, open_home
    english = HomePage(demo_store, lang="en")
    page = HomePage(demo_store, lang=lang)
    shown, before = texts(page.widget), set(texts(english.widget))
    rounds = {a.round for a in demo_store.list_assessments()}
    data = re.compile(r"^X[A-Z]{2} |^\d{4}-\d\d-\d\d |" + "|".join(re.escape(r) for r in rounds))
    same = {t for t in shown if t in before and not NEUTRAL.match(t) and not data.search(t)}
    # what the team named (countries, rounds) stays as written; French spells these two as English does
    assert same <= {"Pages", "Administration"}, same
    page.search.value = "XAB"
    assert "XAB" in page.country.options[0][0] and "user-assigned" not in page.country.options[0][0]
    page.create()  # no name: refused, in the page's language
    assert "not created" not in page.status.value and "Your name" not in page.status.value
    page.user.value, page.round.value, page.fictional_name.value = "Ana", "baseline 2027", "Bravia"
    page.create()
    assert "created" not in page.status.value and "XAB" in page.status.value
    assert any(a.country_code == "XAB" for a in demo_store.list_assessments())
    assert english.widget.children[0].description == "Your name"  # English unchanged
    shown_page = []
    for module in (home_page, first_view):
        monkeypatch.setattr(module, "display", lambda obj, **_kw: shown_page.append(obj))
    opened = open_home("", environ={"VOILA_PREHEAT": "False", "VOILA_REQUEST_URL": "http://x/voila/render/home.ipynb",
                                    "QUERY_STRING": f"lang={lang}"})
    first = shown_page[0].data  # the first view: the list and the link to the framework, in the language
    assert opened.lang == lang and "Browse the framework" not in first and "Assessments" not in first


@pytest.mark.parametrize("lang, why", [
    ("fr", "compte 10001 caractères ; la limite est de 10000"),
    ("ar", "طوله 10001 محرفًا؛ والحد الأقصى 10000"),
])
def test_a_refused_value_is_said_in_the_page_s_language(store, assessment, lang, why):
    """Why a value was refused (the store's checks) is said in the page's language too; the values
    saved before it stay as they were."""
    form = opened_form(store, assessment, lang)
    ed = form.go_to(IND)
    ed.notes.value = "x" * 10_001
    ed.save()
    assert ed.state == FAILED and why in ed.message, ed.message
    assert "characters long" not in ed.message and "the limit" not in ed.message
    assert store.get_rating(assessment.id, IND)["national"] == "3"

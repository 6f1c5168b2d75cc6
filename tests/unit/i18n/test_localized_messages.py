"""Refusals said in the page's language: a message written with ``tmsg`` is English in logs, the
CLI and ``str()``, and in the person's language on a page's status line (``localized``)."""
from __future__ import annotations

import pickle

import pytest

from workbook.errors import Conflict, InvalidInput, Message, Problem, localized, tmsg
from workbook.inputs import parse_date, parse_rating, parse_text


def refusal(check, *args, **kwargs) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        check(*args, **kwargs)
    return caught.value


def test_a_message_is_english_text_everywhere_it_was_before():
    m = tmsg("is %(length)s characters long; the limit is %(limit)s", length=12, limit=10)
    assert m == "is 12 characters long; the limit is 10" and isinstance(m, str)
    assert type(str(m)) is str and f"{m}" == m
    assert str(Problem("notes", m)) == "notes: is 12 characters long; the limit is 10"
    assert tmsg("is required") == "is required"


def test_a_message_survives_a_pickle_with_its_template():
    """Errors cross processes (the report builder, a process pool): the template goes with them."""
    exc = pickle.loads(pickle.dumps(Conflict(tmsg("%(indicator)s was saved by someone else a moment ago; "
                                                  "reload to see it", indicator="OPS.1.1"))))
    assert isinstance(exc.args[0], Message) and exc.args[0].params == {"indicator": "OPS.1.1"}
    assert localized(exc, "fr").startswith("OPS.1.1 vient d'être enregistré par quelqu'un d'autre")


@pytest.mark.parametrize("lang, expected", [
    ("fr", "notes: compte 5001 caractères ; la limite est de 5000"),
    ("es", "notes: tiene 5001 caracteres; el límite es 5000"),
    ("ar", "notes: طوله 5001 محرفًا؛ والحد الأقصى 5000"),
    ("en", "notes: is 5001 characters long; the limit is 5000"),
    (None, "notes: is 5001 characters long; the limit is 5000"),
])
def test_an_input_refusal_in_each_language(lang, expected):
    exc = refusal(parse_text, "x" * 5001, "notes", max_len=5000)
    assert localized(exc, lang) == expected
    assert str(exc.problems[0]) == "notes: is 5001 characters long; the limit is 5000"  # the CLI's words


def test_every_problem_of_an_input_is_said_and_the_values_are_kept():
    problems = [refusal(parse_rating, "7", "OPS.1.1.agreed").problems[0],
                refusal(parse_date, "2026-13-01", "evidence.date").problems[0],
                refusal(parse_text, "", "by", required=True).problems[0]]
    text = localized(InvalidInput(problems), "fr")
    assert text == ("OPS.1.1.agreed: '7' n'est pas un niveau ; utilisez 1 à 5, NA, NE ou IE; "
                    "evidence.date: '2026-13-01' n'est pas une date ; utilisez AAAA-MM-JJ; by: est obligatoire")


def test_text_that_was_not_written_for_translation_is_shown_as_it_is():
    assert localized(Conflict("changed meanwhile"), "fr") == "changed meanwhile"
    assert localized(Problem("", "plain words"), "es") == "plain words"
    assert localized(ValueError("x", "y"), "fr") == str(ValueError("x", "y"))


def test_a_translation_that_lost_a_placeholder_falls_back_to_english(monkeypatch):
    from workbook.i18n import messages

    class Broken:
        def gettext(self, text):
            return "%(other)s"
    monkeypatch.setattr(messages, "translator", lambda lang=None, **kw: Broken())
    m = tmsg("%(date)s is in the future", date="2030-01-01")
    assert localized(m, "fr") == "2030-01-01 is in the future"

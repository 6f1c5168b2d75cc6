"""Validation of every value that comes from a user: widgets, URLs, CLI, files.

Each ``parse_*`` function returns a clean value or raises :class:`InvalidInput` naming the
field. They never trust the type they are given: a browser can send any widget value.

The fields of a rating and of an evidence record are declared here once, with the rule that
checks each (:data:`RATING_RULES`, :data:`EVIDENCE_RULES`): the store and every importer check
them with :func:`check_fields` and :func:`check_evidence`, collecting every problem of an
input in a :class:`~workbook.errors.Problems` before it is refused.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Mapping

from .errors import InvalidInput, Problem, Problems, tmsg
from .framework import CODES

MAX_NOTES = 10_000
MAX_SHORT = 120
MAX_LONG = 500
ROLES = ("international", "national")
#: A round name: letters, combining marks and digits of any script, spaces and these characters;
#: it starts with a letter or a digit and is at most :data:`MAX_ROUND` characters once NFC-normalised.
ROUND_PUNCTUATION = " ._()/-"
MAX_ROUND = 60


def parse_rating(value, field: str = "rating") -> str | None:
    """A level 1-5 or a code NA/NE/IE, as stored (``"3"``, ``"IE"``); ``None`` means unrated."""
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    if isinstance(value, bool):
        raise InvalidInput(Problem(field, tmsg("%(value)s is not a level; use 1-5, NA, NE or IE", value=repr(value))))
    if isinstance(value, int) and 1 <= value <= 5:
        return str(value)
    if isinstance(value, str):
        v = value.strip().upper()
        if v in CODES or v in {"1", "2", "3", "4", "5"}:
            return v
    shown = value if len(repr(value)) <= 40 else repr(value)[:40] + "..."
    raise InvalidInput(Problem(field, tmsg("%(value)s is not a level; use 1-5, NA, NE or IE", value=repr(shown))))


def parse_text(value, field: str, *, max_len: int = MAX_SHORT, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput(Problem(field, tmsg("expected text, got %(type)s", type=type(value).__name__)))
    v = value.strip()
    if "\x00" in v:
        raise InvalidInput(Problem(field, tmsg("contains a NUL character")))
    if required and not v:
        raise InvalidInput(Problem(field, tmsg("is required")))
    if len(v) > max_len:
        raise InvalidInput(Problem(field, tmsg("is %(length)s characters long; the limit is %(limit)s", length=len(v),
                                             limit=max_len)))
    return v


def parse_items(value, field: str, *, max_len: int = MAX_SHORT, max_items: int | None = None,
                separators: str = ";", what: str = "a list") -> list[str]:
    """A list of texts: a list, or text separated by any of ``separators``; empty and repeated
    items dropped, each at most ``max_len`` characters, at most ``max_items`` of them."""
    if value is None:
        return []
    if isinstance(value, str):
        value = re.split(f"[{re.escape(separators)}]", value)
    if not isinstance(value, (list, tuple)):
        raise InvalidInput(Problem(field, tmsg("expected %(what)s, got %(type)s", what=what,
                                               type=type(value).__name__)))
    out, problems = [], Problems()
    for i, v in enumerate(value):
        item = problems.take(parse_text, v, f"{field}[{i}]", max_len=max_len)
        if item and item not in out:
            out.append(item)
    problems.raise_if_any()
    if max_items is not None and len(out) > max_items:
        raise InvalidInput(Problem(field, tmsg("has %(items)s items; the limit is %(limit)s", items=len(out),
                                              limit=max_items)))
    return out


def parse_round(value, field: str = "round") -> str:
    """A round name in any script (``baseline 2026``, ``évaluation 2027``, ``تقييم 2027``), NFC-
    normalised so that the same name typed on two keyboards is one round. Letters, combining marks
    and digits of any script, spaces and ``- _ . ( ) /``; it starts with a letter or a digit."""
    v = parse_text(value, field, max_len=4 * MAX_ROUND, required=True)
    v = unicodedata.normalize("NFC", v)
    if len(v) > MAX_ROUND:
        raise InvalidInput(Problem(field, tmsg("is %(length)s characters long; the limit is %(limit)s", length=len(v),
                                             limit=MAX_ROUND)))
    bad = sorted({ch for ch in v if not _round_char(ch)})
    if bad or unicodedata.category(v[0]) not in _ROUND_FIRST:
        shown = repr(v if len(v) <= 60 else v[:57] + "...")
        raise InvalidInput(Problem(field, tmsg(
            "%(value)s is not a round name (%(chars)s not allowed): use letters and digits of any script, spaces "
            "and - _ . ( ) /, e.g. 'baseline 2026'", value=shown, chars=", ".join(repr(ch) for ch in bad[:5]))
            if bad else tmsg("%(value)s is not a round name (it must start with a letter or a digit): use letters "
                            "and digits of any script, spaces and - _ . ( ) /, e.g. 'baseline 2026'", value=shown)))
    return v


_ROUND_FIRST = {"Lu", "Ll", "Lt", "Lm", "Lo", "Nd"}


def _round_char(ch: str) -> bool:
    return ch in ROUND_PUNCTUATION or unicodedata.category(ch) in _ROUND_FIRST or unicodedata.category(ch)[0] == "M"


def read_date(value, field: str) -> dt.date:
    """A date from a date, a datetime or Timestamp (its day) or ISO text, or a located error."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if hasattr(value, "to_pydatetime"):  # a pandas Timestamp from a frame
        value = value.to_pydatetime().date()
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise InvalidInput(Problem(field, tmsg("%(value)s is not a date; use YYYY-MM-DD",
                                                  value=repr(value)))) from None
    if not isinstance(value, dt.date):
        raise InvalidInput(Problem(field, tmsg("expected a date, got %(type)s", type=type(value).__name__)))
    return value


def parse_date(value, field: str = "date", *, today: dt.date | None = None) -> dt.date | None:
    """A date in the past or today (ISO text or a date); ``None``/empty allowed."""
    if value is None or value == "":
        return None
    value = read_date(value, field)
    today = today or dt.date.today()
    if value > today:
        raise InvalidInput(Problem(field, tmsg("%(date)s is in the future", date=value.isoformat())))
    if value.year < 1900:
        raise InvalidInput(Problem(field, tmsg("%(date)s is too far in the past", date=value.isoformat())))
    return value


def parse_role(value, field: str = "role") -> str:
    v = parse_text(value, field, required=True).lower()
    if v not in ROLES:
        raise InvalidInput(Problem(field, tmsg("%(value)s is not a role; use 'international' or 'national'",
                                              value=repr(value))))
    return v


# -- field rules: ``rule(value, location)`` gives the clean value or raises InvalidInput ---------
Rule = Callable[[object, str], object]


def text_rule(max_len: int = MAX_SHORT, *, required: bool = False) -> Rule:
    """The rule of a text field of at most ``max_len`` characters."""
    return lambda value, where: parse_text(value, where, max_len=max_len, required=required)


#: The values people give an indicator: three ratings, notes, and (framework 2.0) the reason an
#: agreed level differs from the one its criteria give (the rating table's columns).
RATING_FIELDS = ("national", "external", "agreed", "notes", "override_reason")
RATING_RULES: dict[str, Rule] = {"national": parse_rating, "external": parse_rating, "agreed": parse_rating,
                                 "notes": text_rule(MAX_NOTES), "override_reason": text_rule(MAX_LONG)}

#: The answers a criterion takes: met, not met, not applicable.
ANSWERS = ("yes", "no", "na")
ANSWER_WORDS = {"yes": "yes", "y": "yes", "true": "yes", "met": "yes", "no": "no", "n": "no", "false": "no",
                "not met": "no", "na": "na", "n/a": "na", "not applicable": "na"}


def parse_answer(value, field: str = "answer") -> str | None:
    """A criterion's answer: ``yes``, ``no`` or ``na`` (also yes/no as booleans, and the words
    people type in a spreadsheet: met, not met, n/a...); ``None``/empty clears the answer."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str) and value.strip().lower() in ANSWER_WORDS:
        return ANSWER_WORDS[value.strip().lower()]
    shown = value if len(repr(value)) <= 40 else repr(value)[:40] + "..."
    raise InvalidInput(Problem(field, tmsg("%(value)s is not an answer; use yes, no or na (not applicable)",
                                          value=repr(shown))))
#: The fields of an evidence record. The type must also be one of the framework's evidence types
#: (:func:`check_evidence`).
EVIDENCE_FIELDS = ("type", "source", "date", "reference", "supplied_by")
EVIDENCE_RULES: dict[str, Rule] = {"type": text_rule(required=True), "source": text_rule(MAX_LONG, required=True),
                                   "date": parse_date, "reference": text_rule(MAX_LONG),
                                   "supplied_by": text_rule(MAX_SHORT)}


#: The free text of a rating and of an evidence record, where no interviewee may be named once the
#: assessment promised anonymity (:class:`workbook.names.Anonymity`).
RATING_TEXTS = ("notes", "override_reason")
EVIDENCE_TEXTS = ("source", "reference")


def check_fields(rules: Mapping[str, Rule], value_of: Callable[[str], object], where_of: Callable[[str], str],
                 problems: Problems) -> dict:
    """Each field checked by its rule; the clean values of the fields that passed (the problems of
    the others go to ``problems``). ``value_of(key)`` reads a field, ``where_of(key)`` names it."""
    clean: dict = {}
    for key, rule in rules.items():
        with problems.collect():
            clean[key] = rule(value_of(key), where_of(key))
    return clean


def check_evidence(value_of: Callable[[str], object], where_of: Callable[[str], str], evidence_types,
                   problems: Problems) -> dict | None:
    """One evidence record checked field by field (every field, to report them all); its clean
    values, or None when anything is wrong (the problems go to ``problems``)."""
    before = len(problems)
    values = check_fields(EVIDENCE_RULES, value_of, where_of, problems)
    if "type" in values and values["type"] not in evidence_types:
        problems.add(where_of("type"), tmsg("%(value)s is not an evidence type; use one of %(types)s",
                                           value=repr(values["type"]), types=", ".join(sorted(evidence_types))))
    return values if len(problems) == before else None

"""Dates, numbers, percentages and amounts written the way a language writes them (Babel, CLDR).

``format_number(12345.5, "fr")`` gives ``12 345,5``, ``format_date(d, "es")`` ``5 de marzo de 2026``,
``format_currency(1500000, "USD", "ar")`` ``‏1,500,000 US$``. Digits stay Western (0-9) in every
language, Arabic included, as the translations and the glossary do. ``lang`` None means the
setting (``WORKBOOK_LANG``). The presentation kit (:mod:`workbook.present.html`) calls these.
"""
from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable

from .languages import parse_lang


@functools.lru_cache(maxsize=8)
def locale(lang: str | None = None):
    """The Babel ``Locale`` of a workbook language."""
    from babel import Locale

    from .. import config
    return Locale.parse(parse_lang(lang) if lang else config.language())


def _loc(lang):
    return locale(lang or None)


def format_date(value: dt.date | dt.datetime, lang: str | None = None, format: str = "long") -> str:
    """A date: ``format`` is ``short``, ``medium``, ``long`` (default: 5 March 2026) or ``full``."""
    from babel.dates import format_date as fmt
    if isinstance(value, dt.datetime):
        value = value.date()
    return fmt(value, format=format, locale=_loc(lang))


def format_datetime(value: dt.datetime, lang: str | None = None, format: str = "medium") -> str:
    from babel.dates import format_datetime as fmt
    return fmt(value, format=format, locale=_loc(lang))


def format_number(value: float, lang: str | None = None, digits: int | None = None) -> str:
    """A number with the language's decimal mark and grouping; ``digits`` fixes the decimals."""
    from babel.numbers import format_decimal
    if digits is None:
        return format_decimal(value, locale=_loc(lang))
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return format_decimal(value, format=pattern, locale=_loc(lang))


def format_percent(value: float, lang: str | None = None, digits: int = 0) -> str:
    """A share as a percentage: ``0.256`` gives ``26%`` (en), ``26 %`` (fr, es); ``digits`` decimals."""
    from babel.numbers import format_percent as fmt
    loc = _loc(lang)
    return fmt(value, format=_with_digits(loc.percent_formats[None].pattern, digits), locale=loc)


def format_currency(amount: float, currency: str = "USD", lang: str | None = None, digits: int = 0) -> str:
    """An amount of money (``currency``: ISO 4217, default USD), in whole units unless ``digits``."""
    from babel.numbers import format_currency as fmt
    loc = _loc(lang)
    return fmt(amount, currency, format=_with_digits(loc.currency_formats["standard"].pattern, digits),
               locale=loc, currency_digits=False)


def _with_digits(pattern: str, digits: int) -> str:
    """A CLDR number pattern (its positive part) with exactly ``digits`` decimals."""
    head = pattern.split(";")[0]
    return re.sub(r"0(?:\.[0#]+)?", "0" + ("." + "0" * digits if digits > 0 else ""), head, count=1)


def format_list(items: Iterable[str], lang: str | None = None, style: str = "standard") -> str:
    """``a, b and c`` in the language (``et``, ``y``, ``و``)."""
    from babel.lists import format_list as fmt
    return fmt(list(items), style=style, locale=_loc(lang))

"""Dates, numbers, percentages and amounts written the way a language writes them (Babel, CLDR).

``format_number(12345.5, "fr")`` gives ``12 345,5``, ``format_date(d, "es")`` ``5 de marzo de 2026``,
``format_currency(1500000, "USD", "ar")`` ``‏1,500,000 US$``, ``format_millions(1.25e7, 1.25e7, "USD", "fr")``
``12,5 millions USD``. Digits stay Western (0-9) in every
language, Arabic included, as the translations and the glossary do. ``lang`` None means the
setting (``WORKBOOK_LANG``). The presentation kit (:mod:`workbook.present.html`) calls these.
"""
from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable
from decimal import Decimal

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


def _million(value: float, lang: str | None) -> tuple[str, tuple[str, str]]:
    """``value`` (an amount) in millions as shown (one decimal from 0.1 million, else two) and the
    words around it for a million, agreeing with it (CLDR: ``million``/``millions``, ``millón``/``millones``)."""
    loc = _loc(lang)
    digits = 1 if value >= 1e5 else 2
    shown = Decimal(f"{value / 1e6:.{digits}f}")
    forms = loc.compact_decimal_formats["long"]
    pattern = (forms.get(loc.plural_form(shown)) or forms["other"]).get("1000000") or forms["other"]["1000000"]
    return format_number(float(shown), lang, digits), (pattern.prefix[0], pattern.suffix[0])


def format_millions(low: float, high: float, currency: str = "USD", lang: str | None = None,
                    *, unit: bool = True) -> str:
    """An amount or a range of amounts in millions of ``currency``: ``USD 1.2-3.5 million`` (en),
    ``1,2-3,5 millions USD`` (fr), ``1,2-3,5 millones de USD`` (es), one figure when low and high
    agree, ``USD 0`` when high is 0. ``unit=False`` gives the figures alone (``1,2-3,5``), for a
    table whose header names the unit. The word agrees with the (high) figure by CLDR's plural rules;
    where the currency goes is the catalogue's (``pgettext("money", ...)``)."""
    from .messages import translator
    t = translator(lang)
    if high == 0:
        return "0" if not unit else t.pgettext("money", "%(currency)s 0") % {"currency": currency}
    top, word = _million(high, lang)
    figures = top if round(low) == round(high) else f"{_million(low, lang)[0]}-{top}"
    if not unit:
        return figures
    return t.pgettext("money", "%(currency)s %(amount)s") % {"currency": currency,
                                                               "amount": word[0] + figures + word[1]}

"""The languages of the workbook: English (the source) and its translations.

A language is named by its ISO 639-1 code everywhere (page addresses ``lang=fr``, ``--lang fr``,
``WORKBOOK_LANG=fr``, file names ``framework.fr.yaml``, the message catalogues
``locale/fr/LC_MESSAGES``). :func:`parse_lang` is the one check of a code given by a person.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import InvalidInput, Problem


@dataclass(frozen=True)
class Language:
    """A language of the workbook: its code, its name in English and in itself, its direction."""

    code: str
    name: str
    native: str
    direction: str  # "ltr" or "rtl"

    @property
    def rtl(self) -> bool:
        return self.direction == "rtl"


#: The source language: every text is written in it first.
SOURCE_LANG = "en"
LANGUAGES: dict[str, Language] = {
    "en": Language("en", "English", "English", "ltr"),
    "fr": Language("fr", "French", "Français", "ltr"),
    "es": Language("es", "Spanish", "Español", "ltr"),
    "ar": Language("ar", "Arabic", "العربية", "rtl"),
}
#: The languages content is translated into (every language but the source).
TRANSLATED: tuple[str, ...] = tuple(code for code in LANGUAGES if code != SOURCE_LANG)
_TAG = re.compile(r"([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]{1,8})*")


def parse_lang(value, field: str = "lang") -> str:
    """A supported language code from what a person gave (``fr``, ``FR``, ``fr-FR``, ``fr_CA``:
    the region is dropped), or :class:`InvalidInput` naming the field and the languages there are."""
    text = value.strip() if isinstance(value, str) else ""
    m = _TAG.fullmatch(text)
    code = m.group(1).lower() if m else ""
    if code not in LANGUAGES:
        shown = value if isinstance(value, str) and len(value) <= 20 else repr(value)[:20]
        choices = ", ".join(f"{c} ({lang.name})" for c, lang in LANGUAGES.items())
        raise InvalidInput(Problem(field, f"{shown!r} is not a language of the workbook; use {choices}"),
                           what="language")
    return code


def language(code: str) -> Language:
    """The :class:`Language` of a code (checked with :func:`parse_lang`)."""
    return LANGUAGES[parse_lang(code)]


def direction(code: str) -> str:
    """``"rtl"`` for a right-to-left language (Arabic), else ``"ltr"``."""
    return language(code).direction

"""The workbook in English, French, Spanish and Arabic.

* :mod:`.languages`: the languages (code, names, direction) and :func:`parse_lang`;
* :mod:`.messages`: interface and report strings through gettext (``translator(lang)``), the
  catalogues under ``workbook/locale`` (``make i18n`` extracts, updates and compiles them);
* :mod:`.formats`: dates, numbers, percentages and amounts (in millions too) for a language (Babel);
* :mod:`.countries`: country names from pycountry's ISO 3166-1 translations;
* :mod:`.grammar`: French elision before a name filled in at run time (``d'Atlantis``);
* :mod:`.content`: framework and action-library text per language (``translated_framework``,
  ``framework_check``: missing and stale strings, located);
* :mod:`.quality`: the checks a translation passes (ids, numbers, placeholders, script, glossary).

The language in force is a setting (``WORKBOOK_LANG``, :func:`workbook.config.language`),
chosen per page (``lang=`` in the address), per report and per export (``--lang``). This package
is part of the core: it imports no widgets, notebooks, charts or later steps. Names are imported
on first use, so importing it costs nothing until one is needed.
"""
from __future__ import annotations

import importlib

from .languages import LANGUAGES, SOURCE_LANG, TRANSLATED, Language, direction, language, parse_lang

_LAZY = {
    "translator": "messages", "Translator": "messages", "N_": "messages", "LOCALE_DIR": "messages",
    "format_date": "formats", "format_datetime": "formats", "format_number": "formats", "format_percent": "formats",
    "format_currency": "formats", "format_list": "formats", "format_millions": "formats",
    "country_name": "countries", "elide": "grammar",
    "translated_framework": "content", "translated_library": "content", "framework_check": "content",
    "library_check": "content", "framework_strings": "content", "library_strings": "content",
    "source_hash": "content", "Coverage": "content", "Finding": "content", "ContentCheck": "content",
}
__all__ = ["LANGUAGES", "SOURCE_LANG", "TRANSLATED", "Language", "direction", "language", "parse_lang", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

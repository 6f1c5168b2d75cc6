"""Interface and report strings through gettext: the message catalogues under ``workbook/locale``.

Strings are written in English in the code and marked where they are written::

    from workbook.i18n import translator
    t = translator(lang)
    t.gettext("Scores by sub-area")
    t.ngettext("%(n)d indicator rated", "%(n)d indicators rated", n) % {"n": n}
    t.pgettext("rating", "Agreed")           # a context tells apart two uses of one English word

``make i18n`` extracts the marked strings (``pybabel extract``, configured in ``babel.cfg``:
Python modules and the Jinja templates) into ``workbook/locale/workbook.pot``, updates the
catalogues ``workbook/locale/<lang>/LC_MESSAGES/workbook.po`` and compiles the ``.mo`` files
read here. The compiled files are committed (tests check that they match the ``.po``), so an
install needs no build step. Plural forms follow each catalogue's ``Plural-Forms`` header (Arabic
has six). A string marked with :func:`N_` is extracted but translated later, where it is shown.
"""
from __future__ import annotations

import functools
import gettext as _gettext
from dataclasses import dataclass
from pathlib import Path

from .languages import SOURCE_LANG, parse_lang

#: Where the catalogues live: ``<LOCALE_DIR>/<lang>/LC_MESSAGES/<DOMAIN>.mo``.
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "workbook"


def N_(message: str) -> str:
    """Mark a string for extraction without translating it here (e.g. in a table of constants);
    translate it with :func:`translator` where it is shown."""
    return message


@dataclass(frozen=True)
class Translator:
    """The gettext functions of one language, bound to its catalogue."""

    lang: str
    translations: _gettext.NullTranslations

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translations.ngettext(singular, plural, n)

    def pgettext(self, context: str, message: str) -> str:
        return self.translations.pgettext(context, message)

    def npgettext(self, context: str, singular: str, plural: str, n: int) -> str:
        return self.translations.npgettext(context, singular, plural, n)

    # the usual short name, so that ``_ = translator(lang).gettext`` or ``t._(...)`` reads as usual
    _ = gettext

    def jinja_globals(self) -> dict:
        """The functions a Jinja template calls (``{{ _("...") }}``, ``ngettext``, ``pgettext``)."""
        return {"_": self.gettext, "gettext": self.gettext, "ngettext": self.ngettext, "pgettext": self.pgettext,
                "npgettext": self.npgettext}


@functools.lru_cache(maxsize=16)
def _load(lang: str, locale_dir: str) -> _gettext.NullTranslations:
    if lang == SOURCE_LANG:
        return _gettext.NullTranslations()
    return _gettext.translation(DOMAIN, locale_dir, languages=[lang], fallback=True)


def translator(lang: str | None = None, *, locale_dir: str | Path | None = None) -> Translator:
    """The gettext functions for ``lang`` (default: the setting, ``WORKBOOK_LANG``). A message the
    catalogue lacks stays in English; English needs no catalogue."""
    from .. import config
    code = parse_lang(lang) if lang else config.language()
    return Translator(code, _load(code, str(locale_dir or LOCALE_DIR)))


def catalogue_path(lang: str, *, compiled: bool = True, locale_dir: str | Path | None = None) -> Path:
    """``<locale>/<lang>/LC_MESSAGES/workbook.mo`` (or ``.po`` with ``compiled=False``)."""
    return Path(locale_dir or LOCALE_DIR) / lang / "LC_MESSAGES" / f"{DOMAIN}.{'mo' if compiled else 'po'}"

"""Country names in the workbook's languages, from the ISO 3166-1 translations pycountry ships
(its gettext catalogues, domain ``iso3166-1``): nothing to download, nothing to maintain here.

User-assigned codes (``XAT``, ``XBO``, ``XSY``...: training and demo countries) are not ISO
countries: they keep the name they were given, in every language.
"""
from __future__ import annotations

import functools
import gettext

from ..countries import is_user_assigned
from .languages import SOURCE_LANG, parse_lang


@functools.lru_cache(maxsize=8)
def _catalogue(lang: str) -> dict[str, str]:
    """``{English name: translated name}`` from pycountry's ISO 3166-1 catalogue of ``lang``
    (read whole, so a name spelt the same in both languages counts as translated)."""
    import pycountry
    from babel.messages.mofile import read_mo
    if lang == SOURCE_LANG:
        return {}
    found = gettext.find("iso3166-1", pycountry.LOCALES_DIR, languages=[lang])
    if not found:
        return {}
    with open(found, "rb") as f:
        return {m.id: m.string for m in read_mo(f) if m.id and isinstance(m.id, str) and m.string}


def assessment_label(info, lang: str | None = None) -> str:
    """An assessment as people name it (``Atlantis (fictional), baseline 2026``) in ``lang``: the
    country's name in that language, marked when fictional, and the round as the team named it."""
    from .messages import translator
    name = country_name(info.country_code, lang, given=info.country_name)
    if info.fictional:
        name = translator(lang).gettext("%(country)s (fictional)") % {"country": name}
    return f"{name}, {info.round}"


def country_name(code: str, lang: str | None = None, *, given: str | None = None) -> str:
    """The name of a country in ``lang`` (default: the setting, ``WORKBOOK_LANG``).

    ISO countries: the common name where ISO has one (``Bolivia``, ``Côte d'Ivoire``), else the
    short name, translated by pycountry's catalogue (English when it has no translation).
    User-assigned codes: ``given`` (the fictional country's name), else the code. An unknown
    code gives the code itself: a name is for display, the code is checked elsewhere.
    """
    import pycountry

    from .. import config
    c = (code or "").strip().upper()
    if is_user_assigned(c):
        return given or c
    hit = pycountry.countries.get(alpha_3=c) if len(c) == 3 else None
    if hit is None:
        return given or c
    names = _catalogue(parse_lang(lang) if lang else config.language())
    common = getattr(hit, "common_name", None)
    for name in (common, hit.name):
        if name and name in names:
            return names[name]
    return common or hit.name

"""Country codes: ISO 3166-1 alpha-3 from pycountry, plus user-assigned codes for demos.

ISO 3166-1 reserves ``AAA``-``AAZ``, ``QMA``-``QZZ``, ``XAA``-``XZZ`` and ``ZZA``-``ZZZ`` for
users; the workbook accepts those for training and demo countries, which must then be given a
name and are marked fictional everywhere they appear.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import pycountry

from .errors import InvalidInput, Problem


@dataclass(frozen=True)
class Country:
    code: str
    name: str
    fictional: bool


def is_user_assigned(code: str) -> bool:
    return bool(re.fullmatch(r"AA[A-Z]|Q[M-Z][A-Z]|X[A-Z]{2}|ZZ[A-Z]", code))


def resolve_country(code: str, name: str | None = None, *, field: str = "country") -> Country:
    """Return the :class:`Country` for an alpha-3 code, or raise a located error.

    ``name`` is required for user-assigned codes and ignored (the ISO name is used) otherwise.
    """
    raw = code if isinstance(code, str) else ""
    c = raw.strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", c):
        raise InvalidInput(Problem(field, f"{code!r} is not a three-letter ISO 3166-1 alpha-3 code"))
    if is_user_assigned(c):
        if not name or not str(name).strip():
            raise InvalidInput(Problem(field, f"{c} is a user-assigned code: give the fictional country a name"))
        return Country(c, str(name).strip(), True)
    hit = pycountry.countries.get(alpha_3=c)
    if hit is None:
        hint = search_countries(c, limit=3)
        extra = f"; did you mean {', '.join(f'{h.code} ({h.name})' for h in hint)}?" if hint else ""
        raise InvalidInput(Problem(field, f"{c} is not an ISO 3166-1 alpha-3 code{extra}"))
    return Country(c, getattr(hit, "common_name", None) or hit.name, False)


def search_countries(text: str, limit: int = 10) -> list[Country]:
    """Countries whose code or name contains ``text`` (case-insensitive), codes first."""
    t = text.strip().lower()
    if not t:
        return []
    exact, partial = [], []
    for c in pycountry.countries:
        name = getattr(c, "common_name", None) or c.name
        if c.alpha_3.lower() == t:
            exact.append(Country(c.alpha_3, name, False))
        elif t in name.lower() or t in c.name.lower() or t == c.alpha_2.lower():
            partial.append(Country(c.alpha_3, name, False))
    return (exact + sorted(partial, key=lambda x: x.name))[:limit]

"""The checks a translated string passes, one string at a time (the translators' staging checker,
kept with the package so the test suite runs the same rules on every translation file).

* :func:`problems`: what must hold: ids (``OPS.2.3``, ``OPS.2.3.3a``), placeholders and markup
  (``{name}``, ``%(n)d``, ``<strong>``, back-ticks) kept; Arabic in Arabic script; a French or
  Spanish string of more than three words not left identical to the English.
* :func:`number_warnings`: numbers of the English not found in the translation (decimal comma
  and grouping spaces allowed): often a real omission, sometimes a correct rephrasing.
* :func:`glossary_misses`: a glossary term of the English whose accepted forms do not appear in
  the translation (see ``data/translations/glossary.yaml``: English forms matched as whole words,
  translated forms as lower-case substrings).
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path


from .content import TRANSLATIONS_DIR
from ..yamlfile import safe_load as safe_yaml

ID = re.compile(r"\b[A-Z]{2,4}\.\d+(?:\.\d+)*[a-z]?\b")
# Numbers bounded by Latin letters or digits only: Arabic writes "و4" ("and 4"), a prefix then a number.
NUMBER = re.compile(r"(?<![0-9A-Za-z_.])\d+(?:[.,]\d+)?(?![0-9A-Za-z_])")
PLACEHOLDER = re.compile(r"\{[^}]*\}|%\([a-z_]+\)[sd]|<[^>]+>|`[^`]+`")
ARABIC = re.compile(r"[\u0600-\u06FF]")


def problems(english: str, translated: str, lang: str) -> list[str]:
    """What is wrong with a translation (empty: nothing)."""
    found: list[str] = []
    if not isinstance(translated, str) or not translated.strip():
        return ["missing or empty"]
    for x in sorted(set(ID.findall(english))):
        if x not in translated:
            found.append(f"id {x} missing")
    for x in sorted(set(PLACEHOLDER.findall(english))):
        if x not in translated:
            found.append(f"placeholder or markup {x!r} missing")
    if lang == "ar" and len(english) > 3 and not ARABIC.search(translated):
        found.append("no Arabic script")
    if lang != "ar" and translated.strip() == english.strip() and len(english.split()) > 3:
        found.append("identical to the English")
    return found


def _numbers(text: str) -> set[str]:
    text = ID.sub("", text.replace("\u202f", "").replace("\xa0", ""))
    return {n.replace(",", "") for n in NUMBER.findall(text)}


def number_warnings(english: str, translated: str) -> list[str]:
    """Numbers of the English that the translation does not show (``2.5`` may be written ``2,5``,
    ``10,000`` ``10 000``)."""
    text = ID.sub("", translated.replace("\u202f", "").replace("\xa0", ""))
    there = {v for n in NUMBER.findall(text) for v in (n, n.replace(",", ""), n.replace(",", "."))}
    return [f"number {n} not found" for n in sorted(_numbers(english)) if n not in there]


@dataclass(frozen=True, eq=False)
class Term:
    en: str
    en_forms: tuple[str, ...]
    forms: dict  # lang -> accepted forms

    @functools.cached_property
    def pattern(self) -> re.Pattern:
        """The English forms as whole words (lower case), in one expression."""
        return re.compile(r"\b(?:" + "|".join(re.escape(f.lower()) for f in self.en_forms) + r")\b")


@functools.lru_cache(maxsize=2)
def glossary(path: str | None = None) -> tuple[Term, ...]:
    """The shared glossary's terms (default: ``data/translations/glossary.yaml``)."""
    doc = safe_yaml(Path(path or TRANSLATIONS_DIR / "glossary.yaml").read_text(encoding="utf-8"))
    terms = []
    for g in doc["terms"]:
        forms = {lang: tuple(g.get(f"{lang}_forms") or ([g[lang]] if g.get(lang) else []))
                 for lang in ("fr", "es", "ar")}
        terms.append(Term(g["en"], tuple(g.get("en_forms") or [g["en"]]), forms))
    return tuple(terms)


def glossary_misses(english: str, translated: str, lang: str, terms: tuple[Term, ...] | None = None) -> list[str]:
    """The glossary terms of ``english`` none of whose ``lang`` forms appear in ``translated``."""
    low_en, low_t = english.lower(), translated.lower()
    out = []
    for term in glossary() if terms is None else terms:
        forms = [f for f in term.forms.get(lang, ()) if f]
        if forms and term.pattern.search(low_en) and not any(f.lower() in low_t for f in forms):
            out.append(term.en)
    return out

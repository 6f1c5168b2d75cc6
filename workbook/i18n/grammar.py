"""Small grammar the catalogues cannot hold: French elision before a name filled in at run time.

A French translation reads "les frontières de %(country)s"; filled with "Atlantis" it must read
"les frontières d'Atlantis", with "Togo" it stays "de Togo". The translation cannot know the name,
so :func:`elide` fixes the words "de", "que" (and "jusque", "lorsque", "puisque") right before each
name given, once the text is filled in. Only before those names: the rest of the text is the
translator's. Other languages are returned unchanged.
"""
from __future__ import annotations

import re
import unicodedata

#: Names whose initial "h" is mute in French (elided: "d'Haïti"); every other "h" is aspirated
#: ("de Honduras").
MUTE_H = frozenset({"haïti", "haiti", "hérat", "helsinki", "hô chi minh-ville"})
_ELIDED = ("de", "que", "jusque", "lorsque", "puisque")
_APOSTROPHE = "'"


def starts_with_vowel_sound(name: str) -> bool:
    """Whether French elides before ``name``: a vowel (accents included: "Équateur"), or a mute h."""
    text = name.strip()
    if not text:
        return False
    first = unicodedata.normalize("NFD", text[0])[0].lower()
    if first in "aeiou":
        return True
    return first == "h" and text.lower().split(",")[0].strip() in MUTE_H


def elide(text: str, lang: str | None, *names: str) -> str:
    """``text`` with "de Atlantis" made "d'Atlantis" (and "que Atlantis" "qu'Atlantis") before each
    of ``names`` that begins with a vowel sound, when ``lang`` is French; unchanged otherwise."""
    if lang != "fr" or not text:
        return text
    for name in {n for n in names if n and starts_with_vowel_sound(n)}:
        words = "|".join(_ELIDED)
        pattern = re.compile(rf"\b({words}) (?={re.escape(name)}(?!\w))", re.IGNORECASE)
        text = pattern.sub(lambda m: m.group(1)[:-1] + _APOSTROPHE, text)
    return text

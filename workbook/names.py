"""Noticing a person's name in free text, where interviewees were promised anonymity.

The interview log never stores a name, so there is no list of interviewees to match. Instead a
reasonable rule looks for what a name looks like in the notes teams write:

* a **title** followed by a capitalised word: ``Mr Okafor``, ``Dr. Haddad``, ``Inspector Varga``;
* a **given name followed by a capitalised surname**: ``Maria Lopez``, ``Ahmed El-Sayed``
  (given names from ``data/given_names.txt``, a list of common names of many languages);
* a **given name alone before a verb of speech**: ``Fatima explained that ...``.

Names the team already uses for other things are never flagged: the team's own members, the
posts of the register, agencies, regions and the country (``known``), and a capitalised word
that names a place or a body (``Airport``, ``Harbour``, ``Ministry``, ``Service``...) is never
taken for a surname. The rule errs on the side of asking: the message says which words looked
like a name, and the person writing describes the interviewee by role instead.

The rule is part of the core: the mission's records use it, and so does the assessment store for a
rating's notes and its evidence once an interviewee of the assessment was promised anonymity
(:class:`Anonymity`, from ``Store.anonymity``).
"""
from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .errors import Problems

GIVEN_NAMES_FILE = Path(__file__).resolve().parent / "data" / "given_names.txt"
TITLES = ("mr", "mrs", "ms", "miss", "mx", "dr", "prof", "professor", "sir", "madam", "mme", "mlle", "sr", "sra",
          "srta", "don", "doña", "dona", "captain", "capt", "colonel", "col", "major", "maj", "lieutenant", "lt",
          "sergeant", "sgt", "inspector", "insp", "commander", "cmdr", "superintendent", "supt", "judge", "father",
          "sister", "brother", "imam", "sheikh", "pastor", "rev", "reverend", "herr", "frau", "monsieur", "madame",
          "señor", "señora", "senhor", "senhora", "officer", "director", "minister", "ambassador", "chief")
#: Capitalised words that name a place, a body, a role or a document, never a surname.
NOT_SURNAMES = frozenset("""
academy act administration affairs agency airport airstrip alliance annex army association authority avenue bay
beach board border bridge bureau camp canal cape centre center city coast college commission committee community
company convention corps council county court cove creek crossing customs day department desk directorate district
division embassy federation ferry force fort foundation gate general government guard hall harbour harbor head
headquarters health highway hospital hotel house immigration institute island islands lake law league line
marina market migration ministry mission network north office order organisation organization park pass passport
plan point police port post prison programme program province quay red region registry republic river road room
school sea secretariat security service services shelter society south square state station strategy street
terminal town tribunal unit union university valley village ward west east zone
executive officer deputy assistant manager supervisor commissioner secretary coordinator head adviser advisor
""".split())
SPEECH_VERBS = frozenset("""said says told tells explained explains reported reports stated states described
describes mentioned mentions complained complains confirmed confirms admitted admits claimed claims added adds
noted notes recalled recalls insisted insists asked asks showed shows""".split())
#: Given names that are also common English words: never flagged alone before a verb of speech.
AMBIGUOUS = frozenset({"grace", "rosa", "victor", "mark", "will", "may", "june", "hope", "faith", "joy", "paul"})

_WORD = r"[^\W\d_][^\W\d_'’\-]*(?:['’\-][^\W\d_]+)*"
_TOKEN = re.compile(rf"{_WORD}\.?")


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


@functools.lru_cache(maxsize=1)
def given_names() -> frozenset[str]:
    lines = GIVEN_NAMES_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(_fold(x.strip()) for x in lines if x.strip() and not x.startswith("#"))


def _capitalised(word: str) -> bool:
    return word[:1].isupper() and not word.isupper()


def _known_spans(text: str, known: Iterable[str]) -> list[tuple[int, int]]:
    """Where the known names occur in the text (case-insensitive, whole words)."""
    spans = []
    for name in known:
        name = (name or "").strip()
        if len(name) < 2:
            continue
        for m in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", text, flags=re.IGNORECASE):
            spans.append(m.span())
    return spans


def find_names(text: str, known: Iterable[str] = ()) -> list[str]:
    """The words of ``text`` that look like a person's name (see the module), in order, each once.

    ``known``: names that may appear (the team, the posts, agencies, regions, the country).
    """
    if not text or not isinstance(text, str):
        return []
    covered = _known_spans(text, known)
    tokens = [(m.group(0).rstrip("."), m.start(), m.end()) for m in _TOKEN.finditer(text)]
    given = given_names()
    found: list[str] = []

    def free(start: int, end: int) -> bool:
        return not any(a <= start < b or a < end <= b for a, b in covered)

    def surname(i: int) -> bool:
        if i >= len(tokens):
            return False
        word, start, _ = tokens[i]
        between = text[tokens[i - 1][2]:start]
        return (between.strip(" .") == "" and "\n" not in between and _capitalised(word)
                and _fold(word) not in NOT_SURNAMES and _fold(word) not in TITLES)

    upto = -1  # tokens up to here belong to a name already found

    def add(i: int, j: int) -> None:
        nonlocal upto
        span = text[tokens[i][1]:tokens[j][2]].rstrip(".")
        if free(tokens[i][1], tokens[j][2]) and span not in found:
            found.append(span)
            upto = j

    for i, (word, _, _) in enumerate(tokens):
        if i <= upto:
            continue
        low = _fold(word)
        if low in TITLES and _capitalised(word) and surname(i + 1) and _fold(tokens[i + 1][0]) not in given | {""}:
            add(i, i + 1)
        elif low in TITLES and _capitalised(word) and surname(i + 1):  # "Dr Maria Lopez"
            add(i, i + 2 if surname(i + 2) else i + 1)
        elif low in given and _capitalised(word):
            if surname(i + 1):
                add(i, i + 2 if surname(i + 2) and _fold(tokens[i + 2][0]) not in NOT_SURNAMES else i + 1)
            elif (low not in AMBIGUOUS and i + 1 < len(tokens) and _fold(tokens[i + 1][0]) in SPEECH_VERBS
                  and (i == 0 or _fold(tokens[i - 1][0]) not in TITLES)):
                add(i, i)
    return found


def name_problem_message(names: list[str]) -> str:
    shown = ", ".join(f"'{n}'" for n in names[:3]) + (" ..." if len(names) > 3 else "")
    return (f"looks like a person's name ({shown}); interviewees were promised anonymity: describe them by role "
            "and agency instead (e.g. 'the shift supervisor')")


@dataclass(frozen=True)
class Anonymity:
    """Interviewees were promised anonymity: a person's name in free text is refused, except the
    ``known`` names (the team, the posts, agencies, regions, the country)."""

    known: tuple[str, ...] = ()

    def check(self, text, where: str, problems: Problems) -> None:
        """Add a problem at ``where`` when ``text`` names someone."""
        names = find_names(text, self.known) if isinstance(text, str) else []
        if names:
            problems.add(where, name_problem_message(names))

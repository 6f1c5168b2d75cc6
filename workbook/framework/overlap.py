"""Indicators that ask the same thing: a similarity check over what each indicator asks.

Framework 2.0 gives each capability one home indicator; other sub-areas refer to it instead of
rating it again. :func:`overlapping_indicators` finds pairs of indicators in different sub-areas
whose texts overlap, so that a new version cannot quietly bring double counting back.

The measure: each indicator is a bag of content words (stop words dropped, plural and common
suffixes folded) from two texts: its **question** alone, and its **question, level descriptors
and criteria** together. Each bag is weighted by TF-IDF over the framework's indicators (a word
every indicator uses, such as "border", counts for little) and compared by cosine similarity.
The score of a pair is the mean of the two cosines: the question says what is asked; the
descriptors and criteria say what a level needs, which catches two indicators that ask
differently worded questions about the same thing.

The threshold (:data:`OVERLAP_THRESHOLD`, 0.35) was set on framework 1.0, where an expert review
listed the capabilities rated twice: at 0.35, every pair the check flags in 1.0 is one the review
named (OPS.3.1~REG.2.2, INF.1.1~REG.2.4, INF.3.3~OPS.2.2, INF.6.1~REG.2.4, OPS.2.3~OPS.6.2), and
the highest pair in 2.0 scores 0.32 (REG.1.3 ~ REG.3.3: gender in the national strategy and in
agency plans, two documents). See docs/framework-versioning.md.
"""
from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from dataclasses import dataclass

OVERLAP_THRESHOLD = 0.35

_STOP = frozenset("""a an the and or of to in on at for by with from as is are be been was were that this these those
it its their they them who whom which what when where how whether do does did has have had not no any each every all
some than then there here into out up down over under more most less least can may must shall should would could will
one two three other such own same so very just also only both either neither per via about after before between during
without within across""".split())
_SUFFIXES = ("ations", "ation", "ments", "ment", "ings", "ing", "ies", "es", "s", "ed")


def _words(text: str) -> list[str]:
    out = []
    for w in re.findall(r"[a-z]+", text.lower()):
        if w in _STOP or len(w) < 3:
            continue
        for suffix in _SUFFIXES:
            if w.endswith(suffix) and len(w) - len(suffix) >= 4:
                w = w[: -len(suffix)]
                break
        out.append(w)
    return out


def _vectors(texts: dict[str, str]) -> dict[str, dict[str, float]]:
    bags = {k: Counter(_words(t)) for k, t in texts.items()}
    n = len(bags)
    df = Counter(w for bag in bags.values() for w in bag)
    out = {}
    for k, bag in bags.items():
        v = {w: (1 + math.log(f)) * math.log(n / df[w]) for w, f in bag.items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        out[k] = {w: x / norm for w, x in v.items()}
    return out


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(x * b.get(w, 0.0) for w, x in a.items())


@dataclass(frozen=True)
class Overlap:
    first: str
    second: str
    score: float
    question: float
    full: float

    def __str__(self) -> str:
        return (f"{self.first} ~ {self.second}: {self.score:.2f} (question {self.question:.2f}, "
                f"descriptors and criteria {self.full:.2f})")


def indicator_similarities(framework) -> list[Overlap]:
    """Every pair of indicators in different sub-areas, most similar first."""
    questions, full = {}, {}
    for iid, ind in framework.indicators.items():
        questions[iid] = ind.question
        full[iid] = " ".join([ind.question, *(lv.descriptor for lv in ind.levels), *(c.text for c in ind.criteria)])
    vq, vf = _vectors(questions), _vectors(full)
    pairs = []
    for a, b in itertools.combinations(framework.indicators, 2):
        if framework.subarea_of(a).id == framework.subarea_of(b).id:
            continue
        q, f = _cosine(vq[a], vq[b]), _cosine(vf[a], vf[b])
        pairs.append(Overlap(a, b, (q + f) / 2, q, f))
    return sorted(pairs, key=lambda o: -o.score)


def overlapping_indicators(framework, threshold: float = OVERLAP_THRESHOLD) -> list[Overlap]:
    """Pairs of indicators in different sub-areas whose texts overlap at or above ``threshold``."""
    return [o for o in indicator_similarities(framework) if o.score >= threshold]

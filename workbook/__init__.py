"""MBM assessment workbook: the four-pillar migration and border management capacity framework,
its assessments, scoring, notebooks and reports.

The main things in a few imports::

    import workbook as wb
    fw = wb.load_framework()
    store = wb.Store()                          # WORKBOOK_DB_URL or the embedded SQLite file
    df = wb.load_assessment("XAT")              # ratings of the latest round, as a DataFrame
    scores = wb.score("XAT")                    # indicator, sub-area and pillar frames

The names are imported when first used (so ``workbook --help`` does not load pandas).
"""
from __future__ import annotations

import importlib

from .deferred import defer_iri_grammar
from .errors import Conflict, FrameworkError, InvalidInput, NotFound, Unavailable, WorkbookError

defer_iri_grammar()  # 1.1 s less for every process that imports nbformat (see workbook.deferred)

__version__ = "0.1.0"
#: Name -> the module it comes from, imported on first use.
_LAZY = {"Framework": "framework", "load_framework": "framework", "Scores": "scoring",
         "score_assessment": "scoring", "Store": "store", "load_actions": "roadmap.library",
         "RoadmapStore": "roadmap"}
__all__ = ["Conflict", "Framework", "FrameworkError", "InvalidInput", "NotFound", "RoadmapStore", "Scores", "Store",
           "Unavailable", "WorkbookError", "load_actions", "load_assessment", "load_framework", "score",
           "score_assessment"]


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    globals()[name] = value
    return value


def load_assessment(country: str, round: str | None = None, *, db_url: str | None = None):
    """Ratings of one assessment as a DataFrame: one row per indicator (latest round by default)."""
    from .store import Store
    store = Store(db_url)
    return store.ratings_frame(store.get_assessment(country, round).id)


def score(country: str, round: str | None = None, *, db_url: str | None = None):
    """Score one assessment (a :class:`~workbook.scoring.Scores`: ``.indicators``, ``.subareas``,
    ``.pillars`` and ``.flags``)."""
    from .store import Store
    store = Store(db_url)
    return store.scores(store.get_assessment(country, round).id)

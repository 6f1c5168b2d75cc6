"""MBM assessment workbook: the four-pillar migration and border management capacity framework,
its assessments, scoring, notebooks and reports.

The main things in a few imports::

    import workbook as wb
    fw = wb.load_framework()
    store = wb.Store()                          # WORKBOOK_DB_URL or the embedded SQLite file
    df = wb.load_assessment("XAT")              # ratings of the latest round, as a DataFrame
    scores = wb.score("XAT")                    # indicator, sub-area and pillar frames
"""
from __future__ import annotations

from .errors import Conflict, FrameworkError, InvalidInput, NotFound, WorkbookError
from .framework import Framework, load_framework
from .scoring import Scores, score_assessment
from .store import Store
from .roadmap.library import load_actions
from .roadmap import RoadmapStore

__version__ = "0.1.0"
__all__ = ["Conflict", "Framework", "FrameworkError", "InvalidInput", "NotFound", "RoadmapStore", "Scores", "Store",
           "WorkbookError", "load_actions", "load_assessment", "load_framework", "score", "score_assessment"]


def load_assessment(country: str, round: str | None = None, *, db_url: str | None = None):
    """Ratings of one assessment as a DataFrame: one row per indicator (latest round by default)."""
    store = Store(db_url)
    return store.ratings_frame(store.get_assessment(country, round).id)


def score(country: str, round: str | None = None, *, db_url: str | None = None) -> Scores:
    """Score one assessment: ``.indicators``, ``.subareas``, ``.pillars`` and ``.flags``."""
    store = Store(db_url)
    a = store.get_assessment(country, round)
    return score_assessment(store.framework, store.ratings_frame(a.id), store.evidence_frame(a.id))

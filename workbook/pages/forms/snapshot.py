"""What a pillar page shows, read in one go: stored ratings, evidence records and their scores."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from ...scoring import Scores, score_assessment
from ...store import Store

RATING_KEYS = ("national", "external", "agreed", "notes", "version", "updated_by", "updated_at")
EVIDENCE_KEYS = ("evidence_id", "type", "source", "date", "reference", "supplied_by")


def _plain(v):
    """pandas gives NaN/NaT/None for missing values and numpy scalars for numbers."""
    if v is None or (isinstance(v, float) and v != v) or v is pd.NaT:
        return None
    if hasattr(v, "item"):
        return v.item()
    return v


class Snapshot:
    """Ratings, evidence and scores of one assessment at one moment, indexed by indicator."""

    def __init__(self, ratings: pd.DataFrame, evidence: pd.DataFrame, scores: Scores):
        self.ratings, self.evidence, self.scores = ratings, evidence, scores
        self._ratings = {r["indicator_id"]: r for r in ratings.to_dict("records")}
        self._scored = {r["indicator_id"]: r for r in scores.indicators.to_dict("records")}
        self._records: dict[str, list[dict]] = {}
        for r in evidence.to_dict("records"):
            self._records.setdefault(r["indicator_id"], []).append({k: _plain(r[k]) for k in EVIDENCE_KEYS})

    def rating(self, indicator_id: str) -> dict:
        """Stored values as :meth:`Store.get_rating` gives them (``version`` 0 when never saved)."""
        row = self._ratings.get(indicator_id, {})
        out = {k: _plain(row.get(k)) for k in RATING_KEYS}
        out["notes"] = out["notes"] or ""
        out["version"] = int(out["version"] or 0)
        for key in ("national", "external", "agreed"):
            out[key] = out[key] if isinstance(out[key], str) else None
        return out

    def scored(self, indicator_id: str) -> dict:
        """The indicator's row of ``Scores.indicators`` (level used, cap, confidence, flags)."""
        return self._scored.get(indicator_id, {})

    def records(self, indicator_id: str) -> list[dict]:
        return list(self._records.get(indicator_id, []))


def load_snapshot(store: Store, assessment_id: int, *, as_of: dt.date | None = None) -> Snapshot:
    """Read and score one assessment (three queries)."""
    ratings = store.ratings_frame(assessment_id)
    evidence = store.evidence_frame(assessment_id)
    return Snapshot(ratings, evidence, score_assessment(store.framework, ratings, evidence, as_of=as_of))

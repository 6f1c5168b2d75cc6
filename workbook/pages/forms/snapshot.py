"""What a pillar page shows, read in one go: stored ratings, evidence records and their scores.

Scoring an assessment takes a page 0.1-0.4 s of CPU, on the path between a visitor's request and
the first view. In the app, a snapshot is therefore scored once per state of the assessment and
shared between the pages of the running server (its private folder, ``WORKBOOK_RUNTIME``): the
state is the assessment's newest audit entry (every change is audited), the day (confidence
depends on the age of the evidence), the framework and the database.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import pickle
import uuid
from pathlib import Path

import pandas as pd

from ... import config
from ...framework import Framework, load_framework
from ...scoring import Scores, score_assessment
from ...store import Store

CACHE_FOLDER = "snapshots"

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


def load_snapshot(store: Store, assessment_id: int, *, as_of: dt.date | None = None,
                  change_id: int | None = None) -> Snapshot:
    """Read and score one assessment (three queries), or, in the app, take the snapshot another
    page scored for the same state (``change_id``: the assessment's newest audit entry, read here
    when not given)."""
    path = None
    if config.runtime_dir() is not None:
        if change_id is None:
            change_id = store.last_change_id(assessment_id)
        path = _cache_path(store, assessment_id, change_id, as_of or dt.date.today())
        with contextlib.suppress(OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError):
            snap = pickle.loads(path.read_bytes())
            if isinstance(snap, Snapshot):
                return snap
    ratings = store.ratings_frame(assessment_id)
    evidence = store.evidence_frame(assessment_id)
    snap = Snapshot(ratings, evidence, score_assessment(store.framework, ratings, evidence, as_of=as_of))
    if path is not None:
        _keep(path, snap)
    return snap


_framework_keys: dict[int, tuple[Framework, str]] = {}


def framework_key(framework: Framework | None = None) -> str:
    """A short hash of a framework's content (computed once per framework object; the zygote of
    the app's kernels computes it for the shipped framework before forking)."""
    fw = framework or load_framework()
    hit = _framework_keys.get(id(fw))
    if hit is None or hit[0] is not fw:
        hit = _framework_keys[id(fw)] = (fw, hashlib.sha256(fw.model_dump_json().encode()).hexdigest()[:16])
    return hit[1]


def _cache_path(store: Store, assessment_id: int, change_id: int, day: dt.date) -> Path:
    db = hashlib.sha256(store.engine.url.render_as_string(hide_password=True).encode()).hexdigest()[:12]
    name = f"{assessment_id}-{change_id}-{day.isoformat()}-{framework_key(store.framework)}-{db}.pickle"
    return config.runtime_dir() / CACHE_FOLDER / name


def _keep(path: Path, snap: Snapshot) -> None:
    """Write the snapshot whole (a temporary sibling, then a rename) and drop the assessment's older ones."""
    with contextlib.suppress(OSError, pickle.PicklingError):
        path.parent.mkdir(mode=0o700, exist_ok=True)
        tmp = path.with_name(f".{uuid.uuid4().hex}.tmp")
        tmp.write_bytes(pickle.dumps(snap, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(tmp, path)
        prefix = path.name.split("-", 1)[0] + "-"
        for old in path.parent.glob(prefix + "*.pickle"):
            if old != path:
                old.unlink(missing_ok=True)

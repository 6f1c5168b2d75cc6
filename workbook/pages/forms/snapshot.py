"""What a pillar page shows, read in one go: stored ratings, evidence records, criteria answers,
the crossing-point profile and the scores, all against the assessment's own framework version.

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
from ...store.criteria import CrossingProfile

CACHE_FOLDER = "snapshots"

RATING_KEYS = ("national", "external", "agreed", "notes", "override_reason", "version", "updated_by", "updated_at")
EVIDENCE_KEYS = ("evidence_id", "type", "source", "date", "reference", "supplied_by")
ANSWER_KEYS = ("answer", "note", "version", "updated_by", "updated_at")
CRITERIA_COLUMNS = ["criterion_id", "indicator_id", "level", "answer", "note", "version", "updated_by", "updated_at"]


def _plain(v):
    """pandas gives NaN/NaT/None for missing values and numpy scalars for numbers."""
    if v is None or (isinstance(v, float) and v != v) or v is pd.NaT:
        return None
    if hasattr(v, "item"):
        return v.item()
    return v


class Snapshot:
    """Ratings, evidence, criteria answers and scores of one assessment at one moment, indexed by
    indicator. ``framework`` is the version the assessment is rated against; ``profile`` its
    crossing-point profile (``kinds`` None: not recorded, every criterion applies)."""

    def __init__(self, ratings: pd.DataFrame, evidence: pd.DataFrame, scores: Scores, *,
                 framework: Framework | None = None, criteria: pd.DataFrame | None = None,
                 profile: CrossingProfile | None = None):
        self.ratings, self.evidence, self.scores = ratings, evidence, scores
        self.framework = framework
        self.criteria = criteria if criteria is not None else pd.DataFrame(columns=CRITERIA_COLUMNS)
        self.profile = profile or CrossingProfile(None)
        self._ratings = {r["indicator_id"]: r for r in ratings.to_dict("records")}
        self._scored = {r["indicator_id"]: r for r in scores.indicators.to_dict("records")}
        self._records: dict[str, list[dict]] = {}
        for r in evidence.to_dict("records"):
            self._records.setdefault(r["indicator_id"], []).append({k: _plain(r[k]) for k in EVIDENCE_KEYS})
        self._answers: dict[str, dict[str, dict]] = {}
        for r in self.criteria.to_dict("records"):
            self._answers.setdefault(r["indicator_id"], {})[r["criterion_id"]] = {k: _plain(r[k]) for k in ANSWER_KEYS}

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["framework"] = None  # load_snapshot puts the assessment's framework back
        return state

    @property
    def kinds(self) -> frozenset[str] | None:
        return self.profile.kinds

    @property
    def has_criteria(self) -> bool:
        return bool(self.framework is not None and self.framework.has_criteria)

    def rating(self, indicator_id: str) -> dict:
        """Stored values as :meth:`Store.get_rating` gives them (``version`` 0 when never saved)."""
        row = self._ratings.get(indicator_id, {})
        out = {k: _plain(row.get(k)) for k in RATING_KEYS}
        out["notes"] = out["notes"] or ""
        out["override_reason"] = out["override_reason"] or ""
        out["version"] = int(out["version"] or 0)
        for key in ("national", "external", "agreed"):
            out[key] = out[key] if isinstance(out[key], str) else None
        return out

    def scored(self, indicator_id: str) -> dict:
        """The indicator's row of ``Scores.indicators`` (level used, cap, confidence, flags)."""
        return self._scored.get(indicator_id, {})

    def records(self, indicator_id: str) -> list[dict]:
        return list(self._records.get(indicator_id, []))

    def answers(self, indicator_id: str) -> dict[str, dict]:
        """The indicator's answered criteria: ``{criterion_id: {answer, note, version, updated_by,
        updated_at}}`` (an unanswered criterion is absent: version 0)."""
        return {cid: dict(a) for cid, a in self._answers.get(indicator_id, {}).items()}


def load_snapshot(store: Store, assessment_id: int, *, as_of: dt.date | None = None,
                  change_id: int | None = None) -> Snapshot:
    """Read and score one assessment against its own framework version (with its criteria
    answers and crossing-point profile when the version has criteria), or, in the app, take the
    snapshot another page scored for the same state (``change_id``: the assessment's newest audit
    entry, read here when not given)."""
    framework = store.framework_of(assessment_id)
    path = None
    if config.runtime_dir() is not None:
        if change_id is None:
            change_id = store.last_change_id(assessment_id)
        path = _cache_path(store, assessment_id, change_id, as_of or dt.date.today(), framework)
        with contextlib.suppress(OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError):
            snap = pickle.loads(path.read_bytes())
            if isinstance(snap, Snapshot):
                snap.framework = framework  # not pickled: large, and the same object for every page
                return snap
    ratings = store.ratings_frame(assessment_id)
    evidence = store.evidence_frame(assessment_id)
    criteria, profile = None, None
    if framework.has_criteria:
        criteria = store.criteria_frame(assessment_id)
        profile = store.crossing_profile(assessment_id)
    scores = score_assessment(framework, ratings, evidence, criteria=criteria,
                              kinds=None if profile is None else profile.kinds, as_of=as_of)
    snap = Snapshot(ratings, evidence, scores, framework=framework, criteria=criteria, profile=profile)
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


def _cache_path(store: Store, assessment_id: int, change_id: int, day: dt.date, framework: Framework) -> Path:
    db = hashlib.sha256(store.engine.url.render_as_string(hide_password=True).encode()).hexdigest()[:12]
    name = f"{assessment_id}-{change_id}-{day.isoformat()}-{framework_key(framework)}-{db}.pickle"
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

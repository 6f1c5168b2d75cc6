"""The road map (or its recommendations, initiatives, suggestions) as CSV, for spreadsheets and
partners' systems (``workbook roadmap XAT export``). The file goes to the round's folder
(:func:`workbook.config.round_dir`) unless a path is given."""
from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pandas as pd

from ..config import round_dir
from ..errors import InvalidInput, Problem
from ..roadmap import RoadmapStore
from ..store import AssessmentInfo

EXPORTS = ("roadmap", "recommendations", "initiatives", "suggestions")
#: Road-map columns of the CSV export, in order.
ROADMAP_COLUMNS = ["order", "id", "group", "horizon", "title", "subarea_id", "indicator_id", "target_level",
                   "action_type", "lead_agency", "partners", "cost_band", "amount", "currency", "funding_status",
                   "start", "end", "deadline", "prerequisites", "after", "completion_indicator", "status",
                   "source_action_id"]


def _safe(v):
    """A CSV cell: lists joined; text that a spreadsheet would run as a formula is quoted."""
    if isinstance(v, (list, tuple)):
        v = "; ".join(f"#{x}" if isinstance(x, int) else str(x) for x in v)
    if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + v
    return v


def roadmap_frame(rm: RoadmapStore, info: AssessmentInfo, what: str = "roadmap", *,
                  plan_start: dt.date | None = None) -> pd.DataFrame:
    """The table ``what`` (one of :data:`EXPORTS`) of an assessment, as it is exported."""
    if what == "roadmap":
        return rm.roadmap(info.id, plan_start=plan_start).table.reindex(columns=ROADMAP_COLUMNS)
    if what == "recommendations":
        return rm.recommendations_frame(info.id).drop(columns=["assessment_id"])
    if what == "initiatives":
        return rm.initiatives_frame(info.country_code).drop(columns=["scope"])
    if what == "suggestions":
        return rm.suggest(info.id)
    raise InvalidInput(Problem("--what", f"{what!r} is not one of {', '.join(EXPORTS)}"), what="roadmap export")


def default_output(info: AssessmentInfo, what: str) -> Path:
    """``outputs/<ISO3>/<round folder>/<ISO3>-<round folder>-<what>.csv``."""
    folder = round_dir(info.country_code, info.round)
    return folder / f"{info.country_code}-{folder.name}-{what}.csv"


def export_roadmap(rm: RoadmapStore, info: AssessmentInfo, what: str = "roadmap", path: str | Path | None = None, *,
                   plan_start: dt.date | None = None) -> tuple[Path, int]:
    """Write the table ``what`` as CSV (to ``path``, default :func:`default_output`); returns the
    path and the number of rows."""
    frame = roadmap_frame(rm, info, what, plan_start=plan_start)
    out = Path(path) if path else default_output(info, what)
    out.parent.mkdir(parents=True, exist_ok=True)
    frame = frame.map(_safe) if len(frame) else frame
    frame.to_csv(out, index=False, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    return out, len(frame)

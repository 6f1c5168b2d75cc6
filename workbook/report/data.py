"""What a country report, its donor brief and the comparison report show, read once.

:func:`load_report_data` reads an assessment from the store and scores it once; the road map,
the donor map and the targets are computed from that one scoring (the pure functions of
:mod:`workbook.roadmap`), so nothing is scored twice for a report.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from ..framework import Framework
from ..scoring import Scores, score_assessment
from ..store import AssessmentInfo, Store

# Suggested actions listed when a country has recorded no recommendation yet.
TOP_SUGGESTIONS = 8
# The crosswalk annex: the references every report cites.
CROSSWALK_REFS = ("SDG-10.7", "SDG-10.7.2", "GCM-7", "GCM-11")


@dataclass(frozen=True)
class MissionReport:
    """What the chapter "Crossing points visited" shows, read once."""

    coverage: object  # workbook.mission.Coverage
    visits: pd.DataFrame  # MissionStore.visits_frame
    matrix: pd.DataFrame  # workbook.mission.coverage.checklist_matrix


def load_mission(store: Store, info: AssessmentInfo) -> MissionReport | None:
    """The assessment's mission for the report; None when it has no register and no visit."""
    from ..mission import MissionStore
    from ..mission.coverage import checklist_matrix
    mission = MissionStore(store)
    visits = mission.visits_frame(info.id)
    if visits.empty and mission.posts_frame(info.id).empty:
        return None
    matrix = checklist_matrix(mission.framework_of(info.id), mission.observations_frame(info.id), visits)
    return MissionReport(mission.coverage(info.id), visits, matrix)


@dataclass(frozen=True)
class ReportData:
    """One assessment with everything its report shows."""

    info: AssessmentInfo
    framework: Framework
    scores: Scores
    generated: dt.date
    ratings: pd.DataFrame
    evidence: pd.DataFrame
    targets: pd.DataFrame | None = None
    roadmap: object | None = None  # workbook.roadmap.Roadmap
    donor_map: object | None = None  # workbook.roadmap.DonorMap
    suggestions: pd.DataFrame | None = None
    follow_up: object | None = None  # workbook.roadmap.FollowUp
    exposure: dict | None = None
    signoffs: pd.DataFrame | None = None  # the review trail (Store.signoffs)
    mission: MissionReport | None = None  # the field mission, when one is recorded

    @property
    def title(self) -> str:
        mark = " (fictional)" if self.info.fictional else ""
        return f"{self.info.country_name}{mark}: MBM capacity assessment, {self.info.round}"

    @property
    def country_label(self) -> str:
        return self.info.country_name + (" (fictional)" if self.info.fictional else "")

    @property
    def running_title(self) -> str:
        """The running header of the printed pages: country, round and a draft marker."""
        status = "" if self.info.status == "final" else f" · {self.info.status.replace('_', ' ').upper()}"
        return f"{self.country_label} · {self.info.round}{status}"


def earlier_rounds(store: Store, info: AssessmentInfo) -> list[AssessmentInfo]:
    """The country's rounds created before this one, oldest first."""
    same = [a for a in store.list_assessments() if a.country_code == info.country_code and a.id != info.id]
    return sorted((a for a in same if a.created_at < info.created_at), key=lambda a: a.created_at)


def load_report_data(country: str, round: str | None = None, *, store: Store | None = None,
                     db_url: str | None = None, as_of: dt.date | None = None, roadmap_store=None,
                     roadmap: bool = True) -> ReportData:
    """Read an assessment and score it once (``round`` None: the latest round).

    With ``roadmap`` (the default) the targets, road map, donor map, suggestions (only when no
    recommendation is recorded) and the follow-up against the country's first round (when an
    earlier round exists) are read too. ``roadmap_store`` lets a batch worker keep one
    :class:`~workbook.roadmap.RoadmapStore` (and its action library) for every country.
    """
    store = store or Store(db_url)
    info = store.get_assessment(country, round)
    ratings = store.ratings_frame(info.id)
    evidence = store.evidence_frame(info.id)
    scores = score_assessment(store.framework, ratings, evidence, as_of=as_of)
    data = ReportData(info, store.framework, scores, as_of or dt.date.today(), ratings, evidence,
                      signoffs=store.signoffs(info.id), mission=load_mission(store, info))
    if not roadmap:
        return data
    from ..roadmap import RoadmapStore, build_roadmap, map_donors, order_by_priority, suggest_recommendations
    rm = roadmap_store or RoadmapStore(store)
    targets = rm.targets(info.id, scores)
    recs = rm.recommendations_frame(info.id)
    plan_start = info.created_at.date()
    road = build_roadmap(order_by_priority(recs, targets), plan_start)
    donors = map_donors(targets, recs, rm.initiatives_frame(info.country_code), plan_start)
    suggestions = None
    if road.table.empty:
        suggestions = suggest_recommendations(store.framework, rm.library, scores.indicators, targets,
                                              horizon="short", top=TOP_SUGGESTIONS)
    follow = None
    earlier = earlier_rounds(store, info)
    if earlier:
        follow = rm.follow_up(info.country_code, earlier[0].round, info.round)
    return ReportData(info, store.framework, scores, data.generated, ratings, evidence, targets, road, donors,
                      suggestions, follow, rm.get_exposure(info.id), data.signoffs, data.mission)

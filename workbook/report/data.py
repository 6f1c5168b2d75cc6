"""What a country report, its donor brief and the comparison report show, read once.

:func:`load_report_data` reads an assessment from the store and scores it once, against the
framework version it was rated against, with its criteria answers and crossing-point profile
(``Store.scores``); the road map, the donor map and the targets are computed from that one
scoring (the pure functions of :mod:`workbook.roadmap`). The criteria answers, the crossing-point
profile and the team's moderation (consensus) record are read here too, once.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from .. import config
from ..errors import InvalidInput, NotFound
from ..framework import Framework
from ..i18n import SOURCE_LANG, direction
from ..i18n.content import translated_framework, translated_library
from ..i18n.countries import country_name
from ..i18n.messages import translator
from ..present.html import format_status
from ..scoring import Scores, score_assessment
from ..store import AssessmentInfo, Store
from ..store.criteria import CrossingProfile

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
    #: the posts with coordinates: code, name, kind, lat, lon, visited (for the map)
    located: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame)


def load_mission(store: Store, info: AssessmentInfo) -> MissionReport | None:
    """The assessment's mission for the report; None when it has no register and no visit."""
    from ..mission import MissionStore
    from ..mission.coverage import checklist_matrix
    mission = MissionStore(store)
    visits = mission.visits_frame(info.id)
    posts = mission.posts_frame(info.id)
    if visits.empty and posts.empty:
        return None
    matrix = checklist_matrix(mission.framework_of(info.id), mission.observations_frame(info.id), visits)
    located = posts[posts["lat"].notna() & posts["lon"].notna()][["code", "name", "kind", "lat", "lon"]]
    located = located.assign(visited=located["code"].isin(set(visits["post"]) if len(visits) else set()))
    return MissionReport(mission.coverage(info.id), visits, matrix, located.reset_index(drop=True))


@dataclass(frozen=True)
class FundingReport:
    """The committed road map as a donor reads it (the funding summary and the logframe chapter), read once."""

    road: object  # workbook.roadmap.funding.RoadMap
    view: object  # workbook.roadmap.donors.DonorView
    logframe: pd.DataFrame  # workbook.roadmap.logframe.build_logframe


def load_funding(rm, info: AssessmentInfo, framework: Framework, lang: str = "en") -> FundingReport | str | None:
    """The committed road map of the assessment, costed, with its donor view and logframe; None
    before the team commits one; the problems (text) when it cannot be costed."""
    from ..roadmap.donors import donor_view
    from ..roadmap.funding import FundingStore
    from ..roadmap.logframe import build_logframe
    funding = rm if isinstance(rm, FundingStore) else FundingStore(rm.store, rm._library)
    plan = funding.plan_frame(info.id)
    if not (plan["state"] == "committed").any():
        return None
    try:
        road = funding.road_map(info.id, lang=lang)
    except InvalidInput as exc:  # e.g. a count missing: the brief says so instead of the funding summary
        return str(exc)
    view = donor_view(road, funding.initiatives_frame(info.country_code), info.created_at.date())
    library = translated_library(funding.library_of(info.id), lang) if lang != "en" else funding.library_of(info.id)
    return FundingReport(road, view, build_logframe(road, framework, library, info.country_name, lang))


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
    criteria: pd.DataFrame | None = None  # the criteria answers (Store.criteria_frame)
    crossing_profile: CrossingProfile | None = None  # which kinds of crossing point the country has
    moderation: pd.DataFrame | None = None  # the consensus sessions (Store.moderation_frame)
    baseline: Scores | None = None  # the country's first round, scored, when this is a follow-up
    mission: MissionReport | None = None  # the field mission, when one is recorded
    funding: FundingReport | None = None  # the committed road map (packages, costs, donors), when one is committed
    funding_problem: str = ""  # why a committed road map could not be costed (e.g. a count missing)
    #: The report's language (``framework`` and ``scores`` carry its framework text; see load_report_data).
    lang: str = SOURCE_LANG
    #: How many findings, notes and evidence records are marked restricted in the assessment and in
    #: the baseline round it is compared with (``Store.restricted_counts``).
    restricted: Mapping[str, int] = dataclasses.field(default_factory=dict)
    #: Read as donors see it (``load_report_data(for_donors=True)``, or by someone who may not read
    #: restricted content): the restricted content is left out of everything above.
    for_donors: bool = False

    @property
    def holds_restricted(self) -> bool:
        """Whether what this report shows includes restricted content (then it is marked restricted)."""
        return not self.for_donors and any(self.restricted.values())

    @property
    def left_out(self) -> dict[str, int]:
        """What was left out because it is restricted (empty when nothing was, or when read in full)."""
        return {k: n for k, n in self.restricted.items() if n} if self.for_donors else {}

    @property
    def answers(self) -> dict[str, str]:
        """``{criterion_id: "yes" | "no" | "na"}`` of this assessment."""
        if self.criteria is None or self.criteria.empty:
            return {}
        return dict(zip(self.criteria["criterion_id"], self.criteria["answer"]))

    @property
    def title(self) -> str:
        return translator(self.lang).gettext("%(country)s: MBM capacity assessment, %(round)s") % {
            "country": self.country_label, "round": self.info.round}

    @property
    def country_label(self) -> str:
        """The country's name in the report's language, marked when fictional."""
        name = country_name(self.info.country_code, self.lang, given=self.info.country_name)
        if not self.info.fictional:
            return name
        return translator(self.lang).gettext("%(country)s (fictional)") % {"country": name}

    @property
    def direction(self) -> str:
        """``rtl`` for a right-to-left report (Arabic), else ``ltr``."""
        return direction(self.lang)

    @property
    def running_title(self) -> str:
        """The running header of the printed pages: country, round and a draft marker."""
        status = ("" if self.info.status == "final"
                  else f" · {format_status(self.info.status, lang=self.lang, words=True).upper()}")
        return f"{self.country_label} · {self.info.round}{status}"


def library_text_in(recs: pd.DataFrame, library, lang: str) -> pd.DataFrame:
    """Recommendations with the title and description that were copied unchanged from an action
    of the library (``source_action_id``) shown in ``lang``; text a person wrote or edited stays as
    written."""
    if lang == SOURCE_LANG or recs.empty or "source_action_id" not in recs:
        return recs
    translated = translated_library(library, lang)
    recs = recs.copy()
    for field in ("title", "description"):
        values = []
        for source, text in zip(recs["source_action_id"], recs[field]):
            try:
                english, shown = getattr(library.action(source), field), getattr(translated.action(source), field)
            except NotFound:  # no source, or an action the library no longer has
                english = shown = None
            values.append(shown if english is not None and text == english else text)
        recs[field] = values
    return recs


def earlier_rounds(store: Store, info: AssessmentInfo) -> list[AssessmentInfo]:
    """The country's rounds created before this one, oldest first."""
    same = [a for a in store.list_assessments() if a.country_code == info.country_code and a.id != info.id]
    return sorted((a for a in same if a.created_at < info.created_at), key=lambda a: a.created_at)


def load_report_data(country: str, round: str | None = None, *, store: Store | None = None,
                     db_url: str | None = None, as_of: dt.date | None = None, roadmap_store=None,
                     roadmap: bool = True, lang: str | None = None, for_donors: bool = False) -> ReportData:
    """Read an assessment and score it once (``round`` None: the latest round).

    ``for_donors``: read it as a donor viewer does (:meth:`Store.for_donors`): restricted
    findings, notes and evidence left out of the ratings, the evidence, the criteria answers, the
    moderation record and so of the scores; :attr:`ReportData.left_out` counts what was left out.
    The donor brief and the comparison report are built from data read this way.

    ``lang`` (default: the setting, ``WORKBOOK_LANG``): the report's language. The framework and
    the action library are read in that language (:func:`workbook.i18n.translated_framework`), so
    every name, descriptor and action the report shows from them is translated; scores are the
    same in every language.

    With ``roadmap`` (the default) the targets, road map, donor map, suggestions (only when no
    recommendation is recorded) and the follow-up against the country's first round (when an
    earlier round exists) are read too. ``roadmap_store`` lets a batch worker keep one
    :class:`~workbook.roadmap.RoadmapStore` (and its action library) for every country.
    """
    store = store or Store(db_url)
    if for_donors:
        store = store.for_donors()
    lang = config.language(lang)
    info = store.get_assessment(country, round)
    own = store.framework_of(info.id)
    fw = translated_framework(own, lang)  # the assessment's own version, in the report's language
    ratings = store.ratings_frame(info.id)
    if fw is not own and "indicator" in ratings:
        ratings["indicator"] = [fw.indicators[i].name if i in fw.indicators else name
                                for i, name in zip(ratings["indicator_id"], ratings["indicator"])]
    evidence = store.evidence_frame(info.id)
    scores = _scores(store, info, fw, ratings, evidence, as_of)
    data = ReportData(info, fw, scores, as_of or dt.date.today(), ratings, evidence,
                      signoffs=store.signoffs(info.id), criteria=store.criteria_frame(info.id),
                      crossing_profile=store.crossing_profile(info.id), moderation=store.moderation_frame(info.id),
                      mission=load_mission(store, info), lang=lang, restricted=store.restricted_counts(info.id),
                      for_donors=not store.can("read_restricted", info.id))
    if not roadmap:
        return data
    from ..roadmap import RoadmapStore, build_roadmap, map_donors, order_by_priority, suggest_recommendations
    rm = RoadmapStore(store) if for_donors or roadmap_store is None else roadmap_store  # scores read as ``store`` does
    targets = rm.targets(info.id, scores)
    recs = library_text_in(rm.recommendations_frame(info.id), rm.library_of(info.id), lang)
    plan_start = info.created_at.date()
    road = build_roadmap(order_by_priority(recs, targets), plan_start)
    donors = map_donors(targets, recs, rm.initiatives_frame(info.country_code), plan_start)
    suggestions = None
    if road.table.empty:
        suggestions = suggest_recommendations(fw, translated_library(rm.library_of(info.id), lang), scores.indicators,
                                              targets, horizon="short", top=TOP_SUGGESTIONS, answers=data.answers)
    follow = baseline = None
    earlier = earlier_rounds(store, info)
    if earlier:
        follow = rm.follow_up(info.country_code, earlier[0].round, info.round)
        first = earlier[0]
        baseline = _scores(store, first, translated_framework(store.framework_of(first.id), lang),
                           store.ratings_frame(first.id), store.evidence_frame(first.id), as_of)
        data = dataclasses.replace(data, restricted={k: n + store.restricted_counts(first.id)[k]
                                                     for k, n in data.restricted.items()})
    return dataclasses.replace(data, targets=targets, roadmap=road, donor_map=donors, suggestions=suggestions,
                               follow_up=follow, exposure=rm.get_exposure(info.id), baseline=baseline,
                               **_funding_fields(load_funding(rm, info, fw, lang)))


def _funding_fields(got: FundingReport | str | None) -> dict:
    return {"funding_problem": got} if isinstance(got, str) else {"funding": got}


def _scores(store: Store, info: AssessmentInfo, fw: Framework, ratings: pd.DataFrame, evidence: pd.DataFrame,
            as_of: dt.date | None) -> Scores:
    """An assessment scored as :meth:`Store.scores` does (its criteria answers and crossing-point
    profile), against ``fw``: its own framework version in the report's language, so that the
    names in the scores are translated (the scores are the same in every language)."""
    return score_assessment(fw, ratings, evidence, criteria=store.criteria_frame(info.id),
                            kinds=store.crossing_profile(info.id).kinds, as_of=as_of)

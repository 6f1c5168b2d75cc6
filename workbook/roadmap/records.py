"""Stored road-map records: exposure, target edits, recommendations and initiatives.

:class:`RoadmapStore` works beside :class:`workbook.store.Store` on the same database and keeps its
habits: every value is checked first and every problem reported at once with its location; a
write is one transaction, so a rejected input writes nothing; records carry a ``version`` and a
save based on an older version raises :class:`~workbook.errors.Conflict`; every change lands in
the audit log of the assessment.

On a final (read-only) assessment, recommendations stay trackable: only their ``status`` and
``funding_status`` may change. Initiatives belong to the country, not to one round; each is
audited in the assessment it was recorded in.
"""
from __future__ import annotations

import datetime as dt
import numbers
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, selectinload, sessionmaker

from ..actions import ACTION_ID, ACTION_TYPES, ActionLibrary, find_cycles, format_cycle, load_actions
from ..errors import Conflict, InvalidInput, NotFound, Problem
from ..inputs import MAX_LONG, MAX_NOTES, parse_text
from ..models import (Assessment, AssessmentExposure, AuditEntry, Initiative, InitiativeScope, Recommendation,
                      RecommendationPrerequisite, SubareaTarget, utcnow)
from ..scoring import Scores, score_assessment
from ..store import Store
from . import donors, followup, sequence, suggest, targets
from .fields import (COST_BANDS, EXPOSURES, FUNDING_STATUSES, HORIZONS, STATUSES, parse_amount, parse_choice,
                     parse_currency, parse_id_list, parse_level, parse_names, parse_plan_date)

#: Fields of a recommendation, in the order forms and tables show them.
RECOMMENDATION_FIELDS = ("subarea_id", "indicator_id", "target_level", "action_type", "title", "description",
                         "lead_agency", "partners", "cost_band", "amount", "currency", "funding_status", "horizon",
                         "prerequisites", "completion_indicator", "deadline", "status", "source_action_id")
#: Columns of a suggestion frame that are for reading only; saving ignores them.
DISPLAY_ONLY = ("priority", "reason")
#: What may still change once the assessment is final: the tracker stays live.
TRACKING_FIELDS = ("status", "funding_status")
INITIATIVE_FIELDS = ("donor", "implementer", "title", "budget", "currency", "start_date", "end_date", "subareas",
                     "indicators", "notes")
MAX_AGENCY = 200
_UNSET = object()


def _text_value(v) -> str | None:
    if v is None:
        return None
    if isinstance(v, (list, tuple)):
        return ", ".join(str(x) for x in v)
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


def _as_id(value, what: str) -> int:
    """A record id as an int (frames hand out numpy integers); anything else is not found."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("#I").isdigit():
        return int(value.strip().lstrip("#I"))
    raise NotFound(f"no {what} {value!r}")


def _blank_to_none(fields: dict) -> dict:
    """Rows from a DataFrame carry NaN/NaT for empty cells: read them as empty."""
    out = {}
    for k, v in fields.items():
        try:
            empty = v is None or v is pd.NaT or v is pd.NA or (isinstance(v, float) and v != v)
        except TypeError:
            empty = False
        out[k] = None if empty else v
    return out


@dataclass
class _Context:
    """What checking a recommendation needs to know about its assessment."""

    indicator_levels: dict[str, int]
    subarea_levels: dict[str, int]
    edges: dict[str, list[str]] = field(default_factory=dict)  # "#id" -> ["#id", ...]
    titles: dict[str, str] = field(default_factory=dict)


class RoadmapStore:
    """Targets, exposure, recommendations and initiatives of the assessments in ``store``.

    Parameters
    ----------
    store : Store
        The assessment store (its database and framework are used).
    library : ActionLibrary, optional
        The action library, for suggestions and to check ``source_action_id``. Default: the
        shipped one, loaded when first needed.
    """

    def __init__(self, store: Store, library: ActionLibrary | None = None):
        self.store = store
        self.framework = store.framework
        self._library = library
        self._sessions = sessionmaker(store.engine, expire_on_commit=False)

    @property
    def library(self) -> ActionLibrary:
        if self._library is None:
            self._library = load_actions(framework=self.framework)
        return self._library

    # -- helpers ----------------------------------------------------------------------------
    def _assessment(self, s: Session, assessment_id: int) -> Assessment:
        a = s.get(Assessment, assessment_id)
        if a is None:
            raise NotFound(f"no assessment with id {assessment_id}")
        return a

    def _writable(self, s: Session, assessment_id: int) -> Assessment:
        a = self._assessment(s, assessment_id)
        if a.status == "final":
            raise InvalidInput(Problem("status", f"{a.country_code} {a.round} is final and read-only"))
        return a

    @staticmethod
    def _who(by) -> str:
        return parse_text(by, "by", required=True)

    @staticmethod
    def _check_version(expected_version) -> list[Problem]:
        if expected_version is not None and (isinstance(expected_version, bool)
                                             or not isinstance(expected_version, int)):
            return [Problem("expected_version", "must be a whole number")]
        return []

    def scores(self, assessment_id: int) -> Scores:
        """The assessment scored with :func:`workbook.scoring.score_assessment`."""
        st = self.store
        return score_assessment(self.framework, st.ratings_frame(assessment_id), st.evidence_frame(assessment_id))

    def _plan_start(self, assessment_id: int, plan_start: dt.date | None) -> dt.date:
        if plan_start is not None:
            return plan_start
        with self._sessions() as s:
            return self._assessment(s, assessment_id).created_at.date()

    # -- exposure ---------------------------------------------------------------------------
    def get_exposure(self, assessment_id: int) -> dict:
        """``{level, reason, version, is_set}``; level 2 (medium) with ``is_set`` False when never set."""
        with self._sessions() as s:
            self._assessment(s, assessment_id)
            e = s.get(AssessmentExposure, assessment_id)
            if e is None:
                return {"level": targets.DEFAULT_EXPOSURE, "reason": "not set yet (default: medium)", "version": 0,
                        "is_set": False, "updated_by": "", "updated_at": None}
            return {"level": e.level, "reason": e.reason, "version": e.version, "is_set": True,
                    "updated_by": e.updated_by, "updated_at": e.updated_at}

    def set_exposure(self, assessment_id: int, level, *, reason: str, by: str,
                     expected_version: int | None = None) -> dict:
        """Set the country's exposure (1 low, 2 medium, 3 high: traffic volume, threat) with a reason."""
        problems = self._check_version(expected_version)
        clean = {}
        for key, fn in (("level", lambda: parse_level(level, "exposure", allowed=EXPOSURES)),
                        ("reason", lambda: parse_text(reason, "reason", max_len=MAX_LONG, required=True)),
                        ("by", lambda: self._who(by))):
            try:
                clean[key] = fn()
            except InvalidInput as exc:
                problems += exc.problems
        if problems:
            raise InvalidInput(problems, what="exposure")
        now = utcnow()
        with self._sessions.begin() as s:
            self._writable(s, assessment_id)
            e = s.get(AssessmentExposure, assessment_id)
            version = e.version if e else 0
            if expected_version is not None and expected_version != version:
                raise Conflict(f"the exposure was changed by {e.updated_by} since you opened it (now {e.level}: "
                               f"{e.reason}); your change was not saved", current=self._exposure_dict(e))
            old = (e.level, e.reason) if e else (None, None)
            if e is None:
                e = AssessmentExposure(assessment_id=assessment_id, level=clean["level"], reason=clean["reason"],
                                       version=1, updated_at=now, updated_by=clean["by"])
                s.add(e)
            elif old != (clean["level"], clean["reason"]):
                res = s.execute(update(AssessmentExposure)
                                .where(AssessmentExposure.assessment_id == assessment_id,
                                       AssessmentExposure.version == version)
                                .values(level=clean["level"], reason=clean["reason"], version=version + 1,
                                        updated_at=now, updated_by=clean["by"])
                                .execution_options(synchronize_session=False))
                if res.rowcount != 1:
                    raise Conflict("the exposure was changed by someone else a moment ago; reload to see it")
            for f, o, n in (("level", old[0], clean["level"]), ("reason", old[1], clean["reason"])):
                if o != n:
                    s.add(AuditEntry(assessment_id=assessment_id, entity="exposure", entity_key=str(assessment_id),
                                     field=f, old=_text_value(o), new=_text_value(n), who=clean["by"], at=now))
        return self.get_exposure(assessment_id)

    @staticmethod
    def _exposure_dict(e: AssessmentExposure | None) -> dict:
        return {} if e is None else {"level": e.level, "reason": e.reason, "version": e.version}

    # -- targets ----------------------------------------------------------------------------
    def target_overrides(self, assessment_id: int) -> pd.DataFrame:
        """The team's target edits (one row per edited sub-area)."""
        with self._sessions() as s:
            self._assessment(s, assessment_id)
            rows = s.scalars(select(SubareaTarget).where(SubareaTarget.assessment_id == assessment_id)
                             .order_by(SubareaTarget.subarea_id)).all()
            return pd.DataFrame([{"subarea_id": t.subarea_id, "short_term": t.short_term,
                                  "short_reason": t.short_reason, "long_term": t.long_term,
                                  "long_reason": t.long_reason, "version": t.version} for t in rows],
                                columns=targets.OVERRIDE_COLUMNS)

    def targets(self, assessment_id: int, scores: Scores | None = None) -> pd.DataFrame:
        """Targets, gaps and priority per sub-area (:func:`~workbook.roadmap.targets.compute_targets`)."""
        scores = scores or self.scores(assessment_id)
        return targets.compute_targets(self.framework, scores.subareas, self.target_overrides(assessment_id),
                                       self.get_exposure(assessment_id)["level"])

    def set_target(self, assessment_id: int, subarea_id: str, *, by: str, reason: str = "",
                   short_term=_UNSET, long_term=_UNSET, expected_version: int | None = None) -> dict:
        """Edit a sub-area's short- and/or long-term target, with a reason.

        ``None`` puts a target back to its default. A target may not be below the sub-area's
        current level. ``expected_version`` is the ``target_version`` the user saw.
        """
        problems = self._check_version(expected_version)
        if subarea_id not in self.framework.subareas:
            problems.append(Problem("subarea_id", f"unknown sub-area {subarea_id!r}"))
        if short_term is _UNSET and long_term is _UNSET:
            problems.append(Problem("target", "give short_term and/or long_term"))
        current = None
        if not problems:
            current = targets.subarea_levels(self.scores(assessment_id).subareas).get(subarea_id)
        values: dict = {}
        for key, value in (("short_term", short_term), ("long_term", long_term)):
            if value is _UNSET:
                continue
            try:
                v = parse_level(value, f"{subarea_id}.{key}", required=False)
            except InvalidInput as exc:
                problems += exc.problems
                continue
            if v is not None and current is not None and v < current:
                problems.append(Problem(f"{subarea_id}.{key}",
                                        f"target {v} is below the current level {current} of {subarea_id}"))
            values[key] = v
        try:
            why = parse_text(reason, "reason", max_len=MAX_LONG,
                             required=any(v is not None for v in values.values()))
            who = self._who(by)
        except InvalidInput as exc:
            problems += exc.problems
        if problems:
            raise InvalidInput(problems, what=f"target {subarea_id}")
        now = utcnow()
        with self._sessions.begin() as s:
            self._writable(s, assessment_id)
            t = s.scalars(select(SubareaTarget).where(SubareaTarget.assessment_id == assessment_id,
                                                      SubareaTarget.subarea_id == subarea_id)).first()
            version = t.version if t else 0
            if expected_version is not None and expected_version != version:
                raise Conflict(f"the targets of {subarea_id} were changed by {t.updated_by} since you opened them "
                               f"(now short {t.short_term or 'default'}, long {t.long_term or 'default'}); your "
                               "change was not saved",
                               current={"short_term": t.short_term, "long_term": t.long_term, "version": t.version})
            if t is None:
                t = SubareaTarget(assessment_id=assessment_id, subarea_id=subarea_id, short_reason="",
                                  long_reason="", version=0, updated_at=now, updated_by=who)
                s.add(t)
                s.flush()
            changes = {}
            for key, v in values.items():
                reason_key = "short_reason" if key == "short_term" else "long_reason"
                new_reason = why if v is not None else ""
                if getattr(t, key) != v:
                    changes[key] = v
                if getattr(t, reason_key) != new_reason:
                    changes[reason_key] = new_reason
            if changes:
                res = s.execute(update(SubareaTarget)
                                .where(SubareaTarget.id == t.id, SubareaTarget.version == t.version)
                                .values(**changes, version=t.version + 1, updated_at=now, updated_by=who)
                                .execution_options(synchronize_session=False))
                if res.rowcount != 1:
                    raise Conflict(f"the targets of {subarea_id} were changed by someone else a moment ago")
                for k, v in changes.items():
                    s.add(AuditEntry(assessment_id=assessment_id, entity="target", entity_key=subarea_id, field=k,
                                     old=_text_value(getattr(t, k)), new=_text_value(v), who=who, at=now))
        row = self.targets(assessment_id)
        return row[row["subarea_id"] == subarea_id].iloc[0].to_dict()

    # -- recommendations: checking ---------------------------------------------------------
    def _context(self, s: Session, assessment_id: int, scores: Scores) -> _Context:
        ctx = _Context(targets.indicator_levels(scores.indicators), targets.subarea_levels(scores.subareas))
        recs = s.scalars(select(Recommendation).where(Recommendation.assessment_id == assessment_id)).all()
        for r in recs:
            ctx.edges[f"#{r.id}"] = []
            ctx.titles[f"#{r.id}"] = r.title
        ids = [r.id for r in recs]
        if ids:
            for rid, pid in s.execute(select(RecommendationPrerequisite.recommendation_id,
                                             RecommendationPrerequisite.prerequisite_id)
                                      .where(RecommendationPrerequisite.recommendation_id.in_(ids))):
                ctx.edges[f"#{rid}"].append(f"#{pid}")
        return ctx

    def _clean_recommendation(self, fields: dict, where: str, ctx: _Context, *,
                              check_target: bool = True) -> tuple[dict, list, list[Problem]]:
        """Check one recommendation; returns (clean values, prerequisite references, problems).

        ``check_target``: compare the target with the current level (on creation, and when the
        target, sub-area or indicator changes; not when only the status moves, since by then the
        country may well have passed the target).
        """
        fw = self.framework
        fields = _blank_to_none(fields)
        problems: list[Problem] = []
        clean: dict = {}
        unknown = set(fields) - set(RECOMMENDATION_FIELDS) - set(DISPLAY_ONLY) - {"key"}
        problems += [Problem(f"{where}.{k}", f"unknown field; use {', '.join(RECOMMENDATION_FIELDS)}")
                     for k in sorted(unknown)]

        def check(key, fn):
            try:
                clean[key] = fn(fields.get(key), f"{where}.{key}")
            except InvalidInput as exc:
                problems.extend(exc.problems)

        def subarea(v, loc):
            v = parse_text(v, loc, required=True)
            if v not in fw.subareas:
                raise InvalidInput(Problem(loc, f"unknown sub-area {v!r}"))
            return v

        def indicator(v, loc):
            v = parse_text(v, loc) or None
            if v is not None and v not in fw.indicators:
                raise InvalidInput(Problem(loc, f"unknown indicator {v!r}"))
            return v

        def source(v, loc):
            v = parse_text(v, loc, max_len=40) or None
            if v is None:
                return v
            if self._library is not None:
                try:
                    self._library.action(v)
                except NotFound as exc:
                    raise InvalidInput(Problem(loc, str(exc))) from None
            elif not ACTION_ID.fullmatch(v):
                raise InvalidInput(Problem(loc, f"{v!r} is not an action id like 'ADM.1.1-s3-a'"))
            return v

        check("subarea_id", subarea)
        check("indicator_id", indicator)
        check("target_level", lambda v, loc: parse_level(v, loc))
        check("action_type", lambda v, loc: parse_choice(v, loc, ACTION_TYPES))
        check("title", lambda v, loc: parse_text(v, loc, max_len=MAX_LONG, required=True))
        check("description", lambda v, loc: parse_text(v, loc, max_len=MAX_NOTES))
        check("lead_agency", lambda v, loc: parse_text(v, loc, max_len=MAX_AGENCY))
        check("partners", parse_names)
        check("cost_band", lambda v, loc: parse_choice(v, loc, COST_BANDS, default="") or None)
        check("amount", parse_amount)
        check("currency", parse_currency)
        check("funding_status", lambda v, loc: parse_choice(v, loc, FUNDING_STATUSES, default="gap"))
        check("horizon", lambda v, loc: parse_choice(v, loc, HORIZONS))
        check("completion_indicator", lambda v, loc: parse_text(v, loc, max_len=MAX_LONG))
        check("deadline", parse_plan_date)
        check("status", lambda v, loc: parse_choice(v, loc, STATUSES, default="open"))
        check("source_action_id", source)
        refs = []
        try:
            refs = parse_id_list(fields.get("prerequisites"), f"{where}.prerequisites")
        except InvalidInput as exc:
            problems += exc.problems
        sid, iid, level = clean.get("subarea_id"), clean.get("indicator_id"), clean.get("target_level")
        if sid and iid and fw.subarea_of(iid).id != sid:
            problems.append(Problem(f"{where}.indicator_id", f"{iid} belongs to sub-area {fw.subarea_of(iid).id}, "
                                                             f"not {sid}"))
        elif sid and level is not None and check_target:
            current = ctx.indicator_levels.get(iid) if iid else ctx.subarea_levels.get(sid)
            if current is not None and level < current:
                problems.append(Problem(f"{where}.target_level", f"target level {level} is below the current level "
                                                                 f"{current} of {iid or sid}"))
        if "amount" in clean and "currency" in clean:
            if clean["amount"] is not None and clean["currency"] is None:
                problems.append(Problem(f"{where}.currency", "is required with an amount (ISO 4217, e.g. USD)"))
            if clean["amount"] is None and clean["currency"] is not None:
                problems.append(Problem(f"{where}.amount", f"a currency ({clean['currency']}) is given without an "
                                                           "amount"))
        return clean, refs, problems

    @staticmethod
    def _cycle_problems(ctx: _Context, locate: dict[str, str]) -> list[Problem]:
        out = []
        for cycle in find_cycles(ctx.edges):
            labels = [f"{n} ({ctx.titles.get(n, '')})" if ctx.titles.get(n) else n for n in cycle]
            node = next((n for n in cycle if n in locate), cycle[0])
            out.append(Problem(locate.get(node, node), f"prerequisite cycle: {format_cycle(labels)}"))
        return out

    # -- recommendations: writing ----------------------------------------------------------
    def add_recommendations(self, assessment_id: int, rows: list[dict], *, by: str) -> list[int]:
        """Add recommendations in ONE transaction: all valid and written, or nothing written.

        Each row holds :data:`RECOMMENDATION_FIELDS` and optionally a ``key``: ``prerequisites``
        may name existing recommendations by id or rows of this batch by key (so a suggestion
        frame's records can be saved as they are). Every problem of every row is reported at
        once. Returns the new ids, in the order of ``rows``.
        """
        if isinstance(rows, pd.DataFrame):
            rows = rows.to_dict("records")
        problems: list[Problem] = []
        try:
            who = self._who(by)
        except InvalidInput as exc:
            problems += exc.problems
        scores = self.scores(assessment_id)
        with self._sessions() as s:
            self._assessment(s, assessment_id)
            ctx = self._context(s, assessment_id, scores)
        plan, keys, locate = [], {}, {}
        for n, row in enumerate(rows):
            where = f"recommendations[{n}]"
            if not isinstance(row, dict):
                problems.append(Problem(where, "expected a mapping of recommendation fields"))
                continue
            key = row.get("key")
            node = f"new:{key}" if key not in (None, "") else f"new:{n}"
            if key not in (None, ""):
                if str(key) in keys:
                    problems.append(Problem(f"{where}.key", f"key {key!r} is used twice"))
                keys[str(key)] = node
            clean, refs, found = self._clean_recommendation(row, where, ctx)
            problems += found
            plan.append((node, clean, refs, where))
            locate[node] = where
            ctx.titles[node] = clean.get("title") or ""
        for node, _, refs, where in plan:
            ctx.edges[node] = []
            for k, ref in enumerate(refs):
                target = self._resolve(ref, keys, ctx)
                if target is None:
                    problems.append(Problem(f"{where}.prerequisites[{k}]",
                                            f"{ref!r} is neither a recommendation of this assessment nor a key in "
                                            "this batch"))
                elif target == node:
                    problems.append(Problem(f"{where}.prerequisites[{k}]", "a recommendation cannot need itself"))
                else:
                    ctx.edges[node].append(target)
        problems += [p for p in self._cycle_problems(ctx, locate) if p.location in locate.values()]
        if problems:
            raise InvalidInput(problems, what="recommendations")
        now = utcnow()
        ids: dict[str, int] = {}
        with self._sessions.begin() as s:
            self._writable(s, assessment_id)
            for node, clean, _, _ in plan:
                r = Recommendation(assessment_id=assessment_id, version=1, created_at=now, updated_at=now,
                                   updated_by=who, **clean)
                s.add(r)
                s.flush()
                ids[node] = r.id
                s.add(AuditEntry(assessment_id=assessment_id, entity="recommendation", entity_key=f"#{r.id}",
                                 field="created", old=None, new=clean["title"], who=who, at=now))
            for node, _, _, _ in plan:
                pre = [ids[t] if t in ids else int(t[1:]) for t in dict.fromkeys(ctx.edges[node])]
                for p in pre:
                    s.add(RecommendationPrerequisite(recommendation_id=ids[node], prerequisite_id=p))
                if pre:
                    s.add(AuditEntry(assessment_id=assessment_id, entity="recommendation",
                                     entity_key=f"#{ids[node]}", field="prerequisites", old=None,
                                     new=", ".join(f"#{p}" for p in pre), who=who, at=now))
            s.execute(update(Assessment).where(Assessment.id == assessment_id).values(updated_at=now))
        return [ids[node] for node, _, _, _ in plan]

    @staticmethod
    def _resolve(ref, keys: dict[str, str], ctx: _Context) -> str | None:
        if isinstance(ref, str) and ref in keys:
            return keys[ref]
        if isinstance(ref, str) and ref.lstrip("#").isdigit():
            ref = int(ref.lstrip("#"))
        if isinstance(ref, numbers.Integral) and not isinstance(ref, bool) and f"#{int(ref)}" in ctx.edges:
            return f"#{int(ref)}"
        return None

    def add_recommendation(self, assessment_id: int, fields: dict, *, by: str) -> int:
        """Add one recommendation (see :meth:`add_recommendations`); returns its id."""
        return self.add_recommendations(assessment_id, [fields], by=by)[0]

    def get_recommendation(self, rec_id: int) -> dict:
        """Stored values of one recommendation, with ``prerequisites`` (ids) and ``version``."""
        rec_id = _as_id(rec_id, "recommendation")
        with self._sessions() as s:
            r = s.get(Recommendation, rec_id)
            if r is None:
                raise NotFound(f"no recommendation #{rec_id}")
            return self._rec_dict(s, r)

    def _rec_dict(self, s: Session, r: Recommendation) -> dict:
        pre = s.scalars(select(RecommendationPrerequisite.prerequisite_id)
                        .where(RecommendationPrerequisite.recommendation_id == r.id)
                        .order_by(RecommendationPrerequisite.prerequisite_id)).all()
        d = {k: getattr(r, k) for k in RECOMMENDATION_FIELDS if k != "prerequisites"}
        return {"id": r.id, "assessment_id": r.assessment_id, **d, "partners": list(r.partners or []),
                "prerequisites": list(pre), "version": r.version, "created_at": r.created_at,
                "updated_at": r.updated_at, "updated_by": r.updated_by}

    def update_recommendation(self, rec_id: int, changes: dict, *, by: str,
                              expected_version: int | None = None) -> dict:
        """Change some fields of a recommendation; the whole record is checked again.

        ``expected_version`` is the version the user saw; if someone saved since, nothing is
        written and :class:`Conflict` is raised with the stored values.
        """
        current = self.get_recommendation(rec_id)
        rec_id, aid = current["id"], current["assessment_id"]
        problems = self._check_version(expected_version)
        if not isinstance(changes, dict):
            raise InvalidInput(Problem(f"recommendation #{rec_id}", "expected a mapping of fields to change"))
        unknown = set(changes) - set(RECOMMENDATION_FIELDS)
        problems += [Problem(f"#{rec_id}.{k}", "unknown field (or one that cannot be changed)") for k in sorted(unknown)]
        try:
            who = self._who(by)
        except InvalidInput as exc:
            problems += exc.problems
        scores = self.scores(aid)
        with self._sessions() as s:
            a = self._assessment(s, aid)
            ctx = self._context(s, aid, scores)
        if a.status == "final":
            frozen = sorted(set(changes) - set(TRACKING_FIELDS))
            if frozen:
                problems.append(Problem(f"#{rec_id}", f"{a.country_code} {a.round} is final: only "
                                                      f"{' and '.join(TRACKING_FIELDS)} can change, not "
                                                      f"{', '.join(frozen)}"))
        merged = {k: current[k] for k in RECOMMENDATION_FIELDS} | {k: v for k, v in changes.items()
                                                                 if k in RECOMMENDATION_FIELDS}
        retarget = bool({"target_level", "subarea_id", "indicator_id"} & set(changes))
        clean, refs, found = self._clean_recommendation(merged, f"#{rec_id}", ctx, check_target=retarget)
        problems += found
        node = f"#{rec_id}"
        ctx.titles[node] = clean.get("title") or ctx.titles.get(node, "")
        if "prerequisites" in changes:
            ctx.edges[node] = []
            for k, ref in enumerate(refs):
                target = self._resolve(ref, {}, ctx)
                if target is None:
                    problems.append(Problem(f"#{rec_id}.prerequisites[{k}]",
                                            f"{ref!r} is not a recommendation of this assessment"))
                elif target == node:
                    problems.append(Problem(f"#{rec_id}.prerequisites[{k}]", "a recommendation cannot need itself"))
                else:
                    ctx.edges[node].append(target)
            problems += [p for p in self._cycle_problems(ctx, {node: f"#{rec_id}.prerequisites"})
                         if p.location == f"#{rec_id}.prerequisites"]
        if problems:
            raise InvalidInput(problems, what=f"recommendation #{rec_id}")
        new_pre = sorted({int(t[1:]) for t in ctx.edges[node]})
        changed = {k: v for k, v in clean.items() if k in changes and current[k] != v}
        pre_changed = "prerequisites" in changes and new_pre != current["prerequisites"]
        if not changed and not pre_changed:
            if expected_version is not None and expected_version != current["version"]:
                raise Conflict(self._rec_conflict(current), current=current)
            return current
        now = utcnow()
        with self._sessions.begin() as s:
            version = expected_version if expected_version is not None else current["version"]
            res = s.execute(update(Recommendation)
                            .where(Recommendation.id == rec_id, Recommendation.version == version)
                            .values(**changed, version=version + 1, updated_at=now, updated_by=who)
                            .execution_options(synchronize_session=False))
            if res.rowcount != 1:
                s.rollback()
                fresh = self.get_recommendation(rec_id)
                raise Conflict(self._rec_conflict(fresh), current=fresh)
            for k, v in changed.items():
                s.add(AuditEntry(assessment_id=aid, entity="recommendation", entity_key=f"#{rec_id}", field=k,
                                 old=_text_value(current[k]), new=_text_value(v), who=who, at=now))
            if pre_changed:
                s.execute(delete(RecommendationPrerequisite).where(RecommendationPrerequisite.recommendation_id == rec_id))
                for p in new_pre:
                    s.add(RecommendationPrerequisite(recommendation_id=rec_id, prerequisite_id=p))
                s.add(AuditEntry(assessment_id=aid, entity="recommendation", entity_key=f"#{rec_id}",
                                 field="prerequisites", old=", ".join(f"#{p}" for p in current["prerequisites"]),
                                 new=", ".join(f"#{p}" for p in new_pre), who=who, at=now))
            s.execute(update(Assessment).where(Assessment.id == aid).values(updated_at=now))
        return self.get_recommendation(rec_id)

    @staticmethod
    def _rec_conflict(current: dict) -> str:
        when = current["updated_at"].strftime("%Y-%m-%d %H:%M") if current["updated_at"] else "just now"
        return (f"recommendation #{current['id']} ({current['title']}) was changed by "
                f"{current['updated_by'] or 'someone else'} at {when} UTC since you opened it (now status "
                f"{current['status']}, funding {current['funding_status']}); your change was not saved. Review "
                "their values and save again.")

    def remove_recommendation(self, rec_id: int, *, by: str) -> None:
        """Delete a recommendation that nothing depends on (to stop one, set its status to dropped)."""
        rec_id = _as_id(rec_id, "recommendation")
        who = self._who(by)
        with self._sessions.begin() as s:
            r = s.get(Recommendation, rec_id)
            if r is None:
                raise NotFound(f"no recommendation #{rec_id}")
            self._writable(s, r.assessment_id)
            needed_by = s.scalars(select(RecommendationPrerequisite.recommendation_id)
                                  .where(RecommendationPrerequisite.prerequisite_id == rec_id)).all()
            if needed_by:
                raise InvalidInput(Problem(f"#{rec_id}", "is a prerequisite of " + ", ".join(f"#{i}" for i in needed_by)
                                           + ": take it out of their prerequisites first, or set its status "
                                             "to dropped"), what=f"recommendation #{rec_id}")
            s.add(AuditEntry(assessment_id=r.assessment_id, entity="recommendation", entity_key=f"#{rec_id}",
                             field="removed", old=r.title, new=None, who=who))
            s.delete(r)

    def recommendations_frame(self, assessment_id: int) -> pd.DataFrame:
        """All recommendations of an assessment (one row each, ``prerequisites`` as lists of ids)."""
        cols = ["id", "assessment_id", *RECOMMENDATION_FIELDS, "version", "created_at", "updated_at", "updated_by"]
        with self._sessions() as s:
            self._assessment(s, assessment_id)
            recs = s.scalars(select(Recommendation).where(Recommendation.assessment_id == assessment_id)
                             .order_by(Recommendation.id)).all()
            rows = [self._rec_dict(s, r) for r in recs]
        return pd.DataFrame(rows, columns=cols)

    def status_history(self, assessment_id: int) -> pd.DataFrame:
        """Every status change of the assessment's recommendations, oldest first (from the audit log)."""
        audit = self.store.audit_frame(assessment_id)
        h = audit[(audit["entity"] == "recommendation") & (audit["field"] == "status")].copy()
        h.insert(0, "recommendation_id", [int(k.lstrip("#")) for k in h["entity_key"]])
        return h[["at", "recommendation_id", "old", "new", "who"]].reset_index(drop=True)

    # -- initiatives -----------------------------------------------------------------------
    def _clean_initiative(self, fields: dict, where: str) -> tuple[dict, list[tuple[str, str | None]], list[Problem]]:
        fw = self.framework
        fields = _blank_to_none(fields)
        problems: list[Problem] = []
        clean: dict = {}
        unknown = set(fields) - set(INITIATIVE_FIELDS)
        problems += [Problem(f"{where}.{k}", f"unknown field; use {', '.join(INITIATIVE_FIELDS)}")
                     for k in sorted(unknown)]

        def check(key, fn):
            try:
                clean[key] = fn(fields.get(key), f"{where}.{key}")
            except InvalidInput as exc:
                problems.extend(exc.problems)

        check("donor", lambda v, loc: parse_text(v, loc, max_len=MAX_AGENCY, required=True))
        check("implementer", lambda v, loc: parse_text(v, loc, max_len=MAX_AGENCY))
        check("title", lambda v, loc: parse_text(v, loc, max_len=MAX_LONG, required=True))
        check("budget", parse_amount)
        check("currency", parse_currency)
        check("start_date", lambda v, loc: parse_plan_date(v, loc, required=True))
        check("end_date", lambda v, loc: parse_plan_date(v, loc, required=True))
        check("notes", lambda v, loc: parse_text(v, loc, max_len=MAX_NOTES))
        start, end = clean.get("start_date"), clean.get("end_date")
        if start and end and end < start:
            problems.append(Problem(f"{where}.end_date", f"the initiative ends {end.isoformat()}, before it starts "
                                                         f"{start.isoformat()}"))
        if "budget" in clean and "currency" in clean:
            if clean["budget"] is not None and clean["currency"] is None:
                problems.append(Problem(f"{where}.currency", "is required with a budget (ISO 4217, e.g. EUR)"))
            if clean["budget"] is None and clean["currency"] is not None:
                problems.append(Problem(f"{where}.budget", f"a currency ({clean['currency']}) is given without a "
                                                           "budget"))
        scope: list[tuple[str, str | None]] = []
        try:
            subareas = parse_id_list(fields.get("subareas"), f"{where}.subareas")
            indicators = parse_id_list(fields.get("indicators"), f"{where}.indicators")
        except InvalidInput as exc:
            problems += exc.problems
            subareas = indicators = []
        for k, sid in enumerate(subareas):
            if sid not in fw.subareas:
                problems.append(Problem(f"{where}.subareas[{k}]", f"unknown sub-area {sid!r}"))
            elif (sid, None) not in scope:
                scope.append((sid, None))
        for k, iid in enumerate(indicators):
            if iid not in fw.indicators:
                problems.append(Problem(f"{where}.indicators[{k}]", f"unknown indicator {iid!r}"))
            elif (fw.subarea_of(iid).id, iid) not in scope:
                scope.append((fw.subarea_of(iid).id, iid))
        if not subareas and not indicators:
            problems.append(Problem(f"{where}.subareas", "name at least one sub-area or indicator it addresses"))
        return clean, scope, problems

    def add_initiatives(self, assessment_id: int, rows: list[dict], *, by: str) -> list[int]:
        """Record initiatives of the assessment's country in ONE transaction; returns their ids.

        Each row: ``donor, title, start_date, end_date`` (required), ``implementer, budget,
        currency, notes``, and ``subareas`` and/or ``indicators`` addressed (lists of ids).
        """
        if isinstance(rows, pd.DataFrame):
            rows = rows.to_dict("records")
        problems: list[Problem] = []
        try:
            who = self._who(by)
        except InvalidInput as exc:
            problems += exc.problems
        plan = []
        for n, row in enumerate(rows):
            if not isinstance(row, dict):
                problems.append(Problem(f"initiatives[{n}]", "expected a mapping of initiative fields"))
                continue
            clean, scope, found = self._clean_initiative(row, f"initiatives[{n}]")
            problems += found
            plan.append((clean, scope))
        if problems:
            raise InvalidInput(problems, what="initiatives")
        now = utcnow()
        ids = []
        with self._sessions.begin() as s:
            a = self._assessment(s, assessment_id)
            for clean, scope in plan:
                ini = Initiative(country_code=a.country_code, assessment_id=a.id, version=1, created_at=now,
                                 updated_at=now, updated_by=who, **clean,
                                 scope=[InitiativeScope(subarea_id=sa, indicator_id=i) for sa, i in scope])
                s.add(ini)
                s.flush()
                ids.append(ini.id)
                s.add(AuditEntry(assessment_id=a.id, entity="initiative", entity_key=f"I{ini.id}", field="created",
                                 old=None, new=f"{clean['donor']}: {clean['title']}", who=who, at=now))
        return ids

    def add_initiative(self, assessment_id: int, fields: dict, *, by: str) -> int:
        """Record one initiative (see :meth:`add_initiatives`); returns its id."""
        return self.add_initiatives(assessment_id, [fields], by=by)[0]

    def _ini_dict(self, ini: Initiative) -> dict:
        scope = [(x.subarea_id, x.indicator_id) for x in ini.scope]
        return {"id": ini.id, "country_code": ini.country_code, "assessment_id": ini.assessment_id,
                "donor": ini.donor, "implementer": ini.implementer, "title": ini.title, "budget": ini.budget,
                "currency": ini.currency, "start_date": ini.start_date, "end_date": ini.end_date,
                "subareas": [sa for sa, i in scope if i is None], "indicators": [i for _, i in scope if i],
                "scope": scope, "notes": ini.notes, "version": ini.version, "updated_at": ini.updated_at,
                "updated_by": ini.updated_by}

    def get_initiative(self, initiative_id: int) -> dict:
        initiative_id = _as_id(initiative_id, "initiative")
        with self._sessions() as s:
            ini = s.get(Initiative, initiative_id, options=[selectinload(Initiative.scope)])
            if ini is None:
                raise NotFound(f"no initiative I{initiative_id}")
            return self._ini_dict(ini)

    def update_initiative(self, initiative_id: int, changes: dict, *, by: str,
                          expected_version: int | None = None) -> dict:
        """Change some fields of an initiative; the whole record is checked again."""
        current = self.get_initiative(initiative_id)
        initiative_id = current["id"]
        problems = self._check_version(expected_version)
        try:
            who = self._who(by)
        except InvalidInput as exc:
            problems += exc.problems
        merged = {k: current[k] for k in INITIATIVE_FIELDS} | dict(changes)
        clean, scope, found = self._clean_initiative(merged, f"I{initiative_id}")
        problems += found
        if problems:
            raise InvalidInput(problems, what=f"initiative I{initiative_id}")
        changed = {k: v for k, v in clean.items() if current[k] != v}
        scope_changed = scope != current["scope"]
        if expected_version is not None and expected_version != current["version"]:
            raise Conflict(f"initiative I{initiative_id} was changed by {current['updated_by']} since you opened it; "
                           "your change was not saved", current=current)
        if not changed and not scope_changed:
            return current
        now = utcnow()
        with self._sessions.begin() as s:
            res = s.execute(update(Initiative)
                            .where(Initiative.id == initiative_id, Initiative.version == current["version"])
                            .values(**changed, version=current["version"] + 1, updated_at=now, updated_by=who)
                            .execution_options(synchronize_session=False))
            if res.rowcount != 1:
                s.rollback()
                raise Conflict(f"initiative I{initiative_id} was changed by someone else a moment ago; reload it",
                               current=self.get_initiative(initiative_id))
            for k, v in changed.items():
                s.add(AuditEntry(assessment_id=current["assessment_id"], entity="initiative",
                                 entity_key=f"I{initiative_id}", field=k, old=_text_value(current[k]),
                                 new=_text_value(v), who=who, at=now))
            if scope_changed:
                s.execute(delete(InitiativeScope).where(InitiativeScope.initiative_id == initiative_id))
                for sa, i in scope:
                    s.add(InitiativeScope(initiative_id=initiative_id, subarea_id=sa, indicator_id=i))
                fmt = lambda sc: ", ".join(i or sa for sa, i in sc)  # noqa: E731
                s.add(AuditEntry(assessment_id=current["assessment_id"], entity="initiative",
                                 entity_key=f"I{initiative_id}", field="scope", old=fmt(current["scope"]),
                                 new=fmt(scope), who=who, at=now))
        return self.get_initiative(initiative_id)

    def remove_initiative(self, initiative_id: int, *, by: str) -> None:
        initiative_id = _as_id(initiative_id, "initiative")
        who = self._who(by)
        with self._sessions.begin() as s:
            ini = s.get(Initiative, initiative_id)
            if ini is None:
                raise NotFound(f"no initiative I{initiative_id}")
            s.add(AuditEntry(assessment_id=ini.assessment_id, entity="initiative", entity_key=f"I{initiative_id}",
                             field="removed", old=f"{ini.donor}: {ini.title}", new=None, who=who))
            s.delete(ini)

    def initiatives_frame(self, country: str) -> pd.DataFrame:
        """The initiatives registry of a country, across rounds, by start date."""
        cols = ["id", "country_code", "assessment_id", "donor", "implementer", "title", "budget", "currency",
                "start_date", "end_date", "subareas", "indicators", "scope", "notes", "version", "updated_at",
                "updated_by"]
        code = str(country).strip().upper()
        with self._sessions() as s:
            rows = s.scalars(select(Initiative).options(selectinload(Initiative.scope))
                             .where(Initiative.country_code == code)
                             .order_by(Initiative.start_date, Initiative.id)).all()
            return pd.DataFrame([self._ini_dict(i) for i in rows], columns=cols)

    # -- views for the notebook page and the reports ----------------------------------------
    def suggest(self, assessment_id: int, *, horizon: str = "long", top: int | None = None) -> pd.DataFrame:
        """Suggested recommendations from the gaps and the action library (nothing is saved).

        ``horizon="short"`` stops at the short-term targets; ``top=n`` looks only at the n
        sub-areas with the highest priority.
        """
        scores = self.scores(assessment_id)
        return suggest.suggest_recommendations(self.framework, self.library, scores.indicators,
                                               self.targets(assessment_id, scores), horizon=horizon, top=top)

    def accept_suggestions(self, assessment_id: int, keys, *, by: str, horizon: str = "long",
                           suggestions: pd.DataFrame | None = None) -> dict:
        """Add the suggestions ``keys`` (action ids) to the recommendations, in ONE transaction.

        Their prerequisites not yet in the list come along; a key already accepted is not added
        twice (:func:`~workbook.roadmap.suggest.plan_acceptance`). ``suggestions``: the frame the
        team chose from (default: :meth:`suggest` with ``horizon``). Returns ``{"added": {key:
        id}, "already": {key: id}}``; ``added`` includes the prerequisites that came along.
        """
        if suggestions is None:
            suggestions = self.suggest(assessment_id, horizon=parse_choice(horizon, "horizon", HORIZONS))
        rows, already = suggest.plan_acceptance(suggestions, keys, self.recommendations_frame(assessment_id))
        ids = self.add_recommendations(assessment_id, rows, by=by) if rows else []
        return {"added": {r["key"]: i for r, i in zip(rows, ids)}, "already": already}

    def _recs_by_priority(self, assessment_id: int, tgt: pd.DataFrame) -> pd.DataFrame:
        recs = self.recommendations_frame(assessment_id)
        if recs.empty:
            return recs.assign(priority=pd.Series(dtype=float))
        prio = dict(zip(tgt["subarea_id"], tgt["priority"]))
        recs = recs.assign(priority=[prio.get(s) for s in recs["subarea_id"]])
        return recs.sort_values(["priority", "subarea_id", "id"], ascending=[False, True, True],
                                na_position="last", kind="stable").reset_index(drop=True)

    def roadmap(self, assessment_id: int, *, plan_start: dt.date | None = None,
                include_dropped: bool = False) -> sequence.Roadmap:
        """The road map: recommendations by priority, prerequisites first, scheduled and checked."""
        recs = self._recs_by_priority(assessment_id, self.targets(assessment_id))
        return sequence.build_roadmap(recs, self._plan_start(assessment_id, plan_start),
                                      include_dropped=include_dropped)

    def donor_map(self, assessment_id: int, *, plan_start: dt.date | None = None,
                  top: int | None = None) -> donors.DonorMap:
        """Covered recommendations, overlapping initiatives and gaps nobody funds."""
        with self._sessions() as s:
            code = self._assessment(s, assessment_id).country_code
        return donors.map_donors(self.targets(assessment_id), self.recommendations_frame(assessment_id),
                                 self.initiatives_frame(code), self._plan_start(assessment_id, plan_start), top=top)

    def follow_up(self, country: str, baseline_round: str, followup_round: str | None = None) -> followup.FollowUp:
        """A later round against its baseline: changes, what was targeted by whom, and the tracker.

        ``followup_round`` defaults to the latest round of the country.
        """
        base = self.store.get_assessment(country, baseline_round)
        later = self.store.get_assessment(country, followup_round)
        if later.id == base.id:
            raise InvalidInput(Problem("followup_round", f"{base.country_code} has no round after {base.round!r} "
                                                         "to compare with"), what="follow-up")
        notes = []
        if base.framework_version != later.framework_version:
            notes.append(f"The rounds were rated against framework versions {base.framework_version} and "
                         f"{later.framework_version}; indicators are compared by id (see "
                         "docs/framework-versioning.md).")
        comparison = followup.compare_scores(self.scores(base.id), self.scores(later.id))
        inits = self.initiatives_frame(base.country_code)
        targeted = followup.targeted_changes(comparison.indicators, inits, base.created_at.date(),
                                             later.created_at.date())
        recs = self.recommendations_frame(base.id)
        history = self.status_history(base.id)
        status = followup.status_counts(recs)
        return followup.FollowUp(base.round, later.round, comparison, targeted, recs, status, history, tuple(notes))

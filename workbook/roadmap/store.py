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

import pandas as pd
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, selectinload

from ..errors import Conflict, InvalidInput, NotFound, Problem, Problems
from ..inputs import MAX_LONG, parse_text
from ..scoring import Scores
from ..store import Store, StoreBase
from ..store.models import (Assessment, AssessmentExposure, AuditEntry, Initiative, InitiativeScope, Recommendation,
                            RecommendationPrerequisite, SubareaTarget, utcnow)
from . import donors, followup, sequence, suggest, targets
from .fields import (EXPOSURES, HORIZONS, INITIATIVE_FIELDS, RECOMMENDATION_FIELDS, TRACKING_FIELDS,
                     RecommendationContext, check_initiative, check_recommendation, parse_choice, parse_level)
from .library import ActionLibrary, find_cycles, format_cycle, load_actions

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


class RoadmapStore(StoreBase):
    """Targets, exposure, recommendations and initiatives of the assessments in ``store``.

    Like every store (:class:`~workbook.store.StoreBase`), its calls are retried when the
    database is briefly unreachable, then raise :class:`~workbook.errors.Unavailable`.

    Parameters
    ----------
    store : Store
        The assessment store (its database and framework are used).
    library : ActionLibrary, optional
        The action library, for suggestions and to check ``source_action_id``. Default: the
        shipped one, loaded when first needed.
    """

    def __init__(self, store: Store, library: ActionLibrary | None = None):
        super().__init__(store.engine, store.framework, actor=store.actor_source)  # acts for the same person
        self.store = store
        self._library = library

    @property
    def library(self) -> ActionLibrary:
        """The action library of the store's (current) framework."""
        if self._library is None:
            self._library = load_actions(framework=self.framework)
        return self._library

    def library_of(self, assessment_id: int) -> ActionLibrary:
        """The action library written for the framework version the assessment is rated against."""
        fw = self.framework_of(assessment_id)
        return self.library if fw is self.framework else load_actions(framework=fw)

    # -- helpers ----------------------------------------------------------------------------
    def scores(self, assessment_id: int) -> Scores:
        """The assessment scored against its framework version, criteria and crossing profile
        (:meth:`workbook.store.Store.scores`)."""
        return self.store.scores(assessment_id)

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
        problems = Problems(self._check_version(expected_version))
        clean = {"level": problems.take(parse_level, level, "exposure", allowed=EXPOSURES),
                 "reason": problems.take(parse_text, reason, "reason", max_len=MAX_LONG, required=True),
                 "by": problems.take(self._who, by)}
        problems.raise_if_any(what="exposure")
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
                    self._audit(s, assessment_id=assessment_id, entity="exposure", entity_key=str(assessment_id),
                                     field=f, old=_text_value(o), new=_text_value(n), who=clean["by"], at=now)
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
        return targets.compute_targets(self.framework_of(assessment_id), scores.subareas,
                                       self.target_overrides(assessment_id), self.get_exposure(assessment_id)["level"],
                                       indicators=scores.indicators)

    def set_target(self, assessment_id: int, subarea_id: str, *, by: str, reason: str = "",
                   short_term=_UNSET, long_term=_UNSET, expected_version: int | None = None) -> dict:
        """Edit a sub-area's short- and/or long-term target, with a reason.

        ``None`` puts a target back to its default. A target may not be below the sub-area's
        current level. ``expected_version`` is the ``target_version`` the user saw.
        """
        problems = Problems(self._check_version(expected_version))
        if subarea_id not in self.framework_of(assessment_id).subareas:
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
            with problems.collect():
                v = parse_level(value, f"{subarea_id}.{key}", required=False)
                if v is not None and current is not None and v < current:
                    problems.add(f"{subarea_id}.{key}", f"target {v} is below the current level {current} of "
                                                        f"{subarea_id}")
                values[key] = v
        why = problems.take(parse_text, reason, "reason", max_len=MAX_LONG,
                            required=any(v is not None for v in values.values()))
        who = problems.take(self._who, by)
        problems.raise_if_any(what=f"target {subarea_id}")
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
                    self._audit(s, assessment_id=assessment_id, entity="target", entity_key=subarea_id, field=k,
                                     old=_text_value(getattr(t, k)), new=_text_value(v), who=who, at=now)
        row = self.targets(assessment_id)
        return row[row["subarea_id"] == subarea_id].iloc[0].to_dict()

    # -- recommendations: checking ---------------------------------------------------------
    def _context(self, s: Session, assessment_id: int, scores: Scores) -> RecommendationContext:
        ctx = RecommendationContext(targets.indicator_levels(scores.indicators),
                                    targets.subarea_levels(scores.subareas))
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

    @staticmethod
    def _cycle_problems(ctx: RecommendationContext, locate: dict[str, str]) -> list[Problem]:
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
        problems = Problems()
        who = problems.take(self._who, by)
        scores = self.scores(assessment_id)
        fw = self.framework_of(assessment_id)
        library = self._library if fw is self.framework else None
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
            clean, refs, found = check_recommendation(fw, row, where, ctx, library=library)
            problems.extend(found)
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
        problems.extend(p for p in self._cycle_problems(ctx, locate) if p.location in locate.values())
        problems.raise_if_any(what="recommendations")
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
                self._audit(s, assessment_id=assessment_id, entity="recommendation", entity_key=f"#{r.id}",
                                 field="created", old=None, new=clean["title"], who=who, at=now)
            for node, _, _, _ in plan:
                pre = [ids[t] if t in ids else int(t[1:]) for t in dict.fromkeys(ctx.edges[node])]
                for p in pre:
                    s.add(RecommendationPrerequisite(recommendation_id=ids[node], prerequisite_id=p))
                if pre:
                    self._audit(s, assessment_id=assessment_id, entity="recommendation",
                                     entity_key=f"#{ids[node]}", field="prerequisites", old=None,
                                     new=", ".join(f"#{p}" for p in pre), who=who, at=now)
            s.execute(update(Assessment).where(Assessment.id == assessment_id).values(updated_at=now))
        return [ids[node] for node, _, _, _ in plan]

    @staticmethod
    def _resolve(ref, keys: dict[str, str], ctx: RecommendationContext) -> str | None:
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
            if r is None or not self._sees(s, r.assessment_id):
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
        problems = Problems(self._check_version(expected_version))
        if not isinstance(changes, dict):
            raise InvalidInput(Problem(f"recommendation #{rec_id}", "expected a mapping of fields to change"))
        unknown = set(changes) - set(RECOMMENDATION_FIELDS)
        problems.extend(Problem(f"#{rec_id}.{k}", "unknown field (or one that cannot be changed)")
                        for k in sorted(unknown))
        who = problems.take(self._who, by)
        scores = self.scores(aid)
        with self._sessions() as s:
            a = self._require(s, aid, "edit")  # on a final assessment too: only the tracking fields then
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
        fw = self.framework_of(aid)
        clean, refs, found = check_recommendation(fw, merged, f"#{rec_id}", ctx,
                                                 library=self._library if fw is self.framework else None,
                                                 check_target=retarget)
        problems.extend(found)
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
            problems.extend(p for p in self._cycle_problems(ctx, {node: f"#{rec_id}.prerequisites"})
                            if p.location == f"#{rec_id}.prerequisites")
        problems.raise_if_any(what=f"recommendation #{rec_id}")
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
                self._audit(s, assessment_id=aid, entity="recommendation", entity_key=f"#{rec_id}", field=k,
                                 old=_text_value(current[k]), new=_text_value(v), who=who, at=now)
            if pre_changed:
                s.execute(delete(RecommendationPrerequisite)
                          .where(RecommendationPrerequisite.recommendation_id == rec_id))
                for p in new_pre:
                    s.add(RecommendationPrerequisite(recommendation_id=rec_id, prerequisite_id=p))
                self._audit(s, assessment_id=aid, entity="recommendation", entity_key=f"#{rec_id}",
                                 field="prerequisites", old=", ".join(f"#{p}" for p in current["prerequisites"]),
                                 new=", ".join(f"#{p}" for p in new_pre), who=who, at=now)
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
            if r is None or not self._sees(s, r.assessment_id):
                raise NotFound(f"no recommendation #{rec_id}")
            self._writable(s, r.assessment_id)
            needed_by = s.scalars(select(RecommendationPrerequisite.recommendation_id)
                                  .where(RecommendationPrerequisite.prerequisite_id == rec_id)).all()
            if needed_by:
                raise InvalidInput(Problem(f"#{rec_id}", "is a prerequisite of " + ", ".join(f"#{i}" for i in needed_by)
                                           + ": take it out of their prerequisites first, or set its status "
                                             "to dropped"), what=f"recommendation #{rec_id}")
            self._audit(s, assessment_id=r.assessment_id, entity="recommendation", entity_key=f"#{rec_id}",
                             field="removed", old=r.title, new=None, who=who)
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
        """Every status change of the assessment's recommendations, oldest first (from the audit log:
        only these entries, which hold nothing restricted, so whoever reads the assessment reads them)."""
        with self._sessions() as s:
            self._assessment(s, assessment_id)
            rows = s.execute(select(AuditEntry.at, AuditEntry.entity_key, AuditEntry.old, AuditEntry.new,
                                    AuditEntry.who)
                             .where(AuditEntry.assessment_id == assessment_id, AuditEntry.entity == "recommendation",
                                    AuditEntry.field == "status").order_by(AuditEntry.id)).all()
        return pd.DataFrame([(at, int(key.lstrip("#")), old, new, who) for at, key, old, new, who in rows],
                            columns=["at", "recommendation_id", "old", "new", "who"])

    # -- initiatives -----------------------------------------------------------------------
    def add_initiatives(self, assessment_id: int, rows: list[dict], *, by: str) -> list[int]:
        """Record initiatives of the assessment's country in ONE transaction; returns their ids.

        Each row: ``donor, title, start_date, end_date`` (required), ``implementer, budget,
        currency, notes``, and ``subareas`` and/or ``indicators`` addressed (lists of ids).
        """
        if isinstance(rows, pd.DataFrame):
            rows = rows.to_dict("records")
        problems = Problems()
        who = problems.take(self._who, by)
        plan = []
        for n, row in enumerate(rows):
            if not isinstance(row, dict):
                problems.append(Problem(f"initiatives[{n}]", "expected a mapping of initiative fields"))
                continue
            clean, scope, found = check_initiative(self.framework, row, f"initiatives[{n}]")
            problems.extend(found)
            plan.append((clean, scope))
        problems.raise_if_any(what="initiatives")
        now = utcnow()
        ids = []
        with self._sessions.begin() as s:
            a = self._require(s, assessment_id, "edit")
            for clean, scope in plan:
                ini = Initiative(country_code=a.country_code, assessment_id=a.id, version=1, created_at=now,
                                 updated_at=now, updated_by=who, **clean,
                                 scope=[InitiativeScope(subarea_id=sa, indicator_id=i) for sa, i in scope])
                s.add(ini)
                s.flush()
                ids.append(ini.id)
                self._audit(s, assessment_id=a.id, entity="initiative", entity_key=f"I{ini.id}", field="created",
                                 old=None, new=f"{clean['donor']}: {clean['title']}", who=who, at=now)
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
            if ini is None or not self._sees(s, ini.assessment_id):
                raise NotFound(f"no initiative I{initiative_id}")
            return self._ini_dict(ini)

    def update_initiative(self, initiative_id: int, changes: dict, *, by: str,
                          expected_version: int | None = None) -> dict:
        """Change some fields of an initiative; the whole record is checked again."""
        current = self.get_initiative(initiative_id)
        initiative_id = current["id"]
        problems = Problems(self._check_version(expected_version))
        who = problems.take(self._who, by)
        merged = {k: current[k] for k in INITIATIVE_FIELDS} | dict(changes)
        clean, scope, found = check_initiative(self.framework, merged, f"I{initiative_id}")
        problems.extend(found)
        problems.raise_if_any(what=f"initiative I{initiative_id}")
        changed = {k: v for k, v in clean.items() if current[k] != v}
        scope_changed = scope != current["scope"]
        if expected_version is not None and expected_version != current["version"]:
            raise Conflict(f"initiative I{initiative_id} was changed by {current['updated_by']} since you opened it; "
                           "your change was not saved", current=current)
        if not changed and not scope_changed:
            return current
        now = utcnow()
        with self._sessions.begin() as s:
            self._require(s, current["assessment_id"], "edit")
            res = s.execute(update(Initiative)
                            .where(Initiative.id == initiative_id, Initiative.version == current["version"])
                            .values(**changed, version=current["version"] + 1, updated_at=now, updated_by=who)
                            .execution_options(synchronize_session=False))
            if res.rowcount != 1:
                s.rollback()
                raise Conflict(f"initiative I{initiative_id} was changed by someone else a moment ago; reload it",
                               current=self.get_initiative(initiative_id))
            for k, v in changed.items():
                self._audit(s, assessment_id=current["assessment_id"], entity="initiative",
                                 entity_key=f"I{initiative_id}", field=k, old=_text_value(current[k]),
                                 new=_text_value(v), who=who, at=now)
            if scope_changed:
                s.execute(delete(InitiativeScope).where(InitiativeScope.initiative_id == initiative_id))
                for sa, i in scope:
                    s.add(InitiativeScope(initiative_id=initiative_id, subarea_id=sa, indicator_id=i))
                fmt = lambda sc: ", ".join(i or sa for sa, i in sc)  # noqa: E731
                self._audit(s, assessment_id=current["assessment_id"], entity="initiative",
                                 entity_key=f"I{initiative_id}", field="scope", old=fmt(current["scope"]),
                                 new=fmt(scope), who=who, at=now)
        return self.get_initiative(initiative_id)

    def remove_initiative(self, initiative_id: int, *, by: str) -> None:
        initiative_id = _as_id(initiative_id, "initiative")
        who = self._who(by)
        with self._sessions.begin() as s:
            ini = s.get(Initiative, initiative_id)
            if ini is None or not self._sees(s, ini.assessment_id):
                raise NotFound(f"no initiative I{initiative_id}")
            self._require(s, ini.assessment_id, "edit")
            self._audit(s, assessment_id=ini.assessment_id, entity="initiative", entity_key=f"I{initiative_id}",
                             field="removed", old=f"{ini.donor}: {ini.title}", new=None, who=who)
            s.delete(ini)

    def initiatives_frame(self, country: str) -> pd.DataFrame:
        """The initiatives registry of a country, across rounds, by start date."""
        cols = ["id", "country_code", "assessment_id", "donor", "implementer", "title", "budget", "currency",
                "start_date", "end_date", "subareas", "indicators", "scope", "notes", "version", "updated_at",
                "updated_by"]
        code = str(country).strip().upper()
        with self._sessions() as s:
            visible = self._visible(s)
            if visible is not None and not s.scalar(select(Assessment.id).where(
                    Assessment.country_code == code, Assessment.id.in_(visible)).limit(1)):
                return pd.DataFrame([], columns=cols)  # a country of none of the actor's assessments
            rows = s.scalars(select(Initiative).options(selectinload(Initiative.scope))
                             .where(Initiative.country_code == code)
                             .order_by(Initiative.start_date, Initiative.id)).all()
            return pd.DataFrame([self._ini_dict(i) for i in rows], columns=cols)

    # -- views for the notebook page and the reports ----------------------------------------
    def suggest(self, assessment_id: int, *, horizon: str = "long", top: int | None = None,
                scores: Scores | None = None) -> pd.DataFrame:
        """Suggested recommendations from the gaps and the action library (nothing is saved).

        ``horizon="short"`` stops at the short-term targets; ``top=n`` looks only at the n
        sub-areas with the highest priority; ``scores``: the assessment's scores when the caller
        has them already (scoring is most of the work).
        """
        scores = self.scores(assessment_id) if scores is None else scores
        answers = self.store.criteria_frame(assessment_id)
        return suggest.suggest_recommendations(self.framework_of(assessment_id), self.library_of(assessment_id),
                                               scores.indicators, self.targets(assessment_id, scores), horizon=horizon,
                                               top=top, answers=dict(zip(answers["criterion_id"], answers["answer"])))

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

    def roadmap(self, assessment_id: int, *, plan_start: dt.date | None = None,
                include_dropped: bool = False) -> sequence.Roadmap:
        """The road map: recommendations by priority, prerequisites first, scheduled and checked."""
        recs = sequence.order_by_priority(self.recommendations_frame(assessment_id), self.targets(assessment_id))
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

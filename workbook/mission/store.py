"""Stored field-mission records: the plan, the desk review, the crossing-point register, the
schedule, site visits with their checklist, interviews and attachments.

:class:`MissionStore` works beside :class:`workbook.store.Store` on the same database and keeps
its habits: every record is checked with the rules of :mod:`workbook.mission.fields`, every
problem reported at once with its location, and a write is one transaction, so a refused input
writes nothing; every change lands in the assessment's audit log.

* A visit's checklist answers are recorded once; for each indicator they touch the store keeps
  one evidence record of type ``observation`` linked to the visit (``Evidence.visit_id``), so a
  rating's observed evidence points at a real visit. Re-recording the visit rewrites them;
  removing it removes them; the assessment store refuses to edit them by hand.
* Interviews never hold a name. Their log (and the files attached to them) is read only by a
  member of the assessment's team (``viewer``).
* Attachments: bytes checked and stripped of their location by
  :mod:`workbook.mission.attachments`, kept in the attachments folder by their SHA-256.
"""
from __future__ import annotations

import datetime as dt
import numbers
from collections.abc import Callable, Iterable, Mapping

import pandas as pd
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ..errors import Conflict, InvalidInput, NotFound, Problem, Problems, tmsg
from ..store import Store, StoreBase
from ..store.models import (Assessment, Attachment, AuditEntry, CrossingPoint, Evidence, Interview, MissionDocument,
                            MissionEvent, MissionPlan, Rating, SiteVisit, VisitObservation, utcnow)
from . import attachments as files
from .coverage import Coverage, coverage, register_quantities
from .fields import (KIND_NAMES, POST_FIELDS, MissionContext, check_document, check_event, check_interview,
                     check_plan, check_post, check_visit, checklist)

OBSERVATION_TYPE = "observation"  # the framework's evidence type for what the team saw at a post
POST_COLUMNS = ["post_id", *POST_FIELDS, "region_code", "version"]
VISIT_COLUMNS = ["visit_id", "post", "post_name", "kind", "day", "why", "team", "key_observations", "observed",
                 "met", "version"]
OBSERVATION_COLUMNS = ["visit_id", "post", "kind", "day", "criterion_id", "indicator_id", "result", "note"]
INTERVIEW_COLUMNS = ["interview_id", "role", "agency", "sex", "day", "post", "place", "consent", "anonymity",
                     "summary", "version"]
ATTACHMENT_COLUMNS = ["attachment_id", "linked_to", "filename", "media_type", "size", "sha256", "caption",
                      "location_kept", "created_by", "created_at"]


def _as_id(value, what: str) -> int:
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("#").isdigit():
        return int(value.strip().lstrip("#"))
    raise NotFound(f"no {what} {value!r}")


def _text(v) -> str | None:
    if v is None:
        return None
    if isinstance(v, (list, tuple)):
        return "; ".join(str(x) for x in v)
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


class _DryRun(Exception):
    """Raised inside a write's transaction to roll it back after counting what it would do."""

    def __init__(self, counts: dict):
        super().__init__("dry run")
        self.counts = counts


def _get(s: Session, model, ident, what: str):
    """The record ``ident`` of ``model``, or :class:`NotFound` naming ``what``."""
    row = s.get(model, _as_id(ident, what))
    if row is None:
        raise NotFound(f"no {what} {ident}")
    return row


class MissionStore(StoreBase):
    """The field mission of the assessments in ``store`` (see the module docstring).

    Parameters
    ----------
    store : Store
        The assessment store (its database and framework are used).
    attachments_root : Path, optional
        Where attachment bytes are kept; default :func:`workbook.config.attachments_dir`.
    """

    def __init__(self, store: Store, attachments_root=None):
        super().__init__(store.engine, store.framework)
        self.store = store
        self.attachments_root = attachments_root

    # -- what the rules need to know -----------------------------------------------------------
    def _context(self, s: Session, a: Assessment, today: dt.date | None = None) -> MissionContext:
        plan = s.get(MissionPlan, a.id)
        posts = s.scalars(select(CrossingPoint).where(CrossingPoint.assessment_id == a.id)).all()
        agencies = sorted({x for p in posts for x in (p.agencies or [])})
        return MissionContext(framework=self._framework(a), country_code=a.country_code, country_name=a.country_name,
                              fictional=bool(a.fictional), team=tuple(m.name for m in a.team),
                              starts=plan.starts if plan else None, ends=plan.ends if plan else None,
                              posts={p.code: p.kind for p in posts}, post_names={p.code: p.name for p in posts},
                              agencies=tuple(agencies), regions=tuple(sorted({p.region for p in posts if p.region})),
                              **({"today": today} if today else {}))

    @staticmethod
    def _kinds(a: Assessment) -> frozenset[str] | None:
        return frozenset(a.crossing_kinds) if a.crossing_kinds is not None else None

    @staticmethod
    def _audit(s: Session, a: Assessment, entity: str, key: str, field: str, old, new, who: str, at) -> None:
        if _text(old) != _text(new):
            s.add(AuditEntry(assessment_id=a.id, entity=entity, entity_key=key, field=field, old=_text(old),
                             new=_text(new), who=who, at=at))

    def _team_only(self, s: Session, a: Assessment, viewer) -> None:
        """The interview log is for the assessment team only."""
        team = [m.name for m in a.team]
        if not isinstance(viewer, str) or viewer.strip() not in team:
            raise InvalidInput(Problem("viewer", "the interview log is visible to the assessment team only"
                                       + (f" ({', '.join(team)})" if team else
                                          ": record the team of the assessment first")), what="interview log")

    def team(self, assessment_id: int) -> list[str]:
        """The names of the assessment team (who may go on a visit or read the interview log)."""
        with self._sessions() as s:
            return [m.name for m in self._assessment(s, assessment_id).team]

    # -- the plan ------------------------------------------------------------------------------
    def get_plan(self, assessment_id: int) -> dict | None:
        """The terms of reference (``objectives, scope, starts, ends, roles, version``), None when not set."""
        with self._sessions() as s:
            self._assessment(s, assessment_id)
            p = s.get(MissionPlan, assessment_id)
            if p is None:
                return None
            return {"objectives": list(p.objectives), "scope": p.scope, "starts": p.starts, "ends": p.ends,
                    "roles": list(p.roles), "version": p.version, "updated_by": p.updated_by}

    def set_plan(self, assessment_id: int, *, by: str, expected_version: int | None = None, **fields) -> dict:
        """Record the terms of reference; visits, interviews and meetings already recorded must fall
        within the new dates."""
        problems = Problems(self._check_version(expected_version))
        who = problems.take(self._who, by)
        now = utcnow()
        with self._sessions.begin() as s:
            a = self._writable(s, assessment_id)
            ctx = self._context(s, a)
            clean, found = check_plan(ctx, fields)
            problems.extend(found)
            if clean["starts"] and clean["ends"] and clean["ends"] >= clean["starts"]:
                for what, model in (("visit", SiteVisit), ("interview", Interview), ("schedule entry", MissionEvent)):
                    outside = s.scalars(select(model.day).where(model.assessment_id == a.id,
                                                                (model.day < clean["starts"])
                                                                | (model.day > clean["ends"]))).all()
                    if outside:
                        problems.add("plan.starts", f"{len(outside)} {what}(s) recorded on "
                                                    f"{', '.join(sorted({d.isoformat() for d in outside})[:3])} "
                                                    "fall outside these dates: correct them first")
            problems.raise_if_any(what="mission plan")
            p = s.get(MissionPlan, a.id)
            if p is not None and expected_version is not None and p.version != expected_version:
                raise Conflict(tmsg("the mission plan was changed by %(who)s since you opened it; nothing was saved",
                                   who=p.updated_by))
            old = {} if p is None else {k: getattr(p, k) for k in clean}
            if p is None:
                p = MissionPlan(assessment_id=a.id, version=1, updated_at=now, updated_by=who, **clean)
                s.add(p)
            elif old != clean:
                for k, v in clean.items():
                    setattr(p, k, v)
                p.version, p.updated_at, p.updated_by = p.version + 1, now, who
            for k, v in clean.items():
                self._audit(s, a, "mission_plan", str(a.id), k, old.get(k), v, who, now)
        return self.get_plan(assessment_id)

    # -- desk review -----------------------------------------------------------------------------
    def add_document(self, assessment_id: int, *, by: str, **fields) -> int:
        """A document of the desk review (requested from whom and when, received when)."""
        who = self._who(by)
        clean, found = check_document(fields, "document", dt.date.today())
        if found:
            raise InvalidInput(found, what="document")
        with self._sessions.begin() as s:
            a = self._writable(s, assessment_id)
            d = MissionDocument(assessment_id=a.id, **clean)
            s.add(d)
            s.flush()
            self._audit(s, a, "mission_document", str(d.id), "added", None, clean["title"], who, utcnow())
            return d.id

    def update_document(self, document_id: int, *, by: str, **fields) -> None:
        """Change a document of the desk review (e.g. record that it was received)."""
        who = self._who(by)
        with self._sessions.begin() as s:
            d = _get(s, MissionDocument, document_id, "document")
            a = self._writable(s, d.assessment_id)
            now_values = {k: getattr(d, k) for k in ("title", "requested_from", "requested", "received", "note")}
            clean, found = check_document(now_values | fields, f"document#{d.id}", dt.date.today())
            if found:
                raise InvalidInput(found, what="document")
            for k, v in clean.items():
                self._audit(s, a, "mission_document", str(d.id), k, getattr(d, k), v, who, utcnow())
                setattr(d, k, v)

    def documents_frame(self, assessment_id: int) -> pd.DataFrame:
        cols = ["document_id", "title", "requested_from", "requested", "received", "note"]
        with self._sessions() as s:
            self._assessment(s, assessment_id)
            rows = s.scalars(select(MissionDocument).where(MissionDocument.assessment_id == assessment_id)
                             .order_by(MissionDocument.id)).all()
            return pd.DataFrame([[d.id, d.title, d.requested_from, d.requested, d.received, d.note] for d in rows],
                                columns=cols)

    # -- the register ---------------------------------------------------------------------------
    def save_posts(self, assessment_id: int, rows: Iterable[Mapping], *, by: str, update: bool = True,
                   where_of: Callable[[int], str] | None = None, dry_run: bool = False) -> dict:
        """Add posts to the register, or update those whose code is already there (``update``);
        all or nothing. ``where_of(i)`` names row ``i`` in problems (default ``posts[i]``; the
        spreadsheet import gives ``sheet!row``). Returns ``{"added": n, "updated": n}``; with
        ``dry_run`` everything is checked and counted, nothing is written."""
        try:
            return self._save_posts(assessment_id, rows, by=by, update=update, where_of=where_of, dry_run=dry_run)
        except _DryRun as done:
            return done.counts

    def _save_posts(self, assessment_id: int, rows: Iterable[Mapping], *, by: str, update: bool,
                    where_of: Callable[[int], str] | None, dry_run: bool) -> dict:
        where_of = where_of or (lambda i: f"posts[{i}]")
        problems = Problems()
        who = problems.take(self._who, by)
        now = utcnow()
        counts = {"added": 0, "updated": 0}
        with self._sessions.begin() as s:
            a = self._writable(s, assessment_id)
            ctx = self._context(s, a)
            kinds = self._kinds(a)
            stored = {p.code: p for p in s.scalars(select(CrossingPoint).where(CrossingPoint.assessment_id == a.id))}
            clean_rows, codes, names = [], {}, {}
            for i, row in enumerate(rows):
                where = where_of(i)
                if not isinstance(row, Mapping):
                    problems.add(where, "expected a mapping of the post's fields")
                    continue
                raw_code = row.get("code")
                existing = stored.get(raw_code.strip()) if isinstance(raw_code, str) and update else None
                if existing is not None:  # a field the row leaves out keeps its stored value
                    row = {k: getattr(existing, k) for k in POST_FIELDS} | dict(row)
                clean, found = check_post(ctx, row, where)
                problems.extend(found)
                code, name, kind = clean.get("code"), clean.get("name"), clean.get("kind")
                if code:
                    folded = code.upper()
                    if folded in codes:
                        problems.add(f"{where}.code", f"duplicate post {code!r} (also at {codes[folded]})")
                    codes[folded] = where
                    clash = next((c for c in stored if c.upper() == folded and c != code), None)
                    if clash:
                        problems.add(f"{where}.code", f"{code!r} differs only in case from post {clash!r} of the "
                                                      "register: use the same code")
                    if code in stored and not update:
                        problems.add(f"{where}.code", f"post {code!r} is already in the register")
                if name and kind:
                    key = (" ".join(name.casefold().split()), kind)
                    other = names.get(key) or next((c for c, p in stored.items() if c != code and (
                        " ".join(p.name.casefold().split()), p.kind) == key), None)
                    if other:
                        problems.add(f"{where}.name", f"duplicate post: {name!r} ({KIND_NAMES[kind]}) is already "
                                                      f"{other}")
                    names[key] = f"{where} ({code})"
                if kind and kind != "inland" and kinds is not None and kind not in kinds:  # offices: any country
                    problems.add(f"{where}.kind", f"the country's crossing profile has no {KIND_NAMES[kind]} "
                                                  f"posts ({', '.join(sorted(kinds)) or 'none'}): correct the "
                                                  "kind or the profile")
                clean_rows.append(clean)
            problems.raise_if_any(what="register")
            for clean in clean_rows:
                values = {k: v for k, v in clean.items() if k in POST_COLUMNS}
                p = stored.get(clean["code"])
                if p is None:
                    p = CrossingPoint(assessment_id=a.id, version=1, updated_at=now, updated_by=who,
                                      **values)
                    s.add(p)
                    stored[p.code] = p
                    counts["added"] += 1
                    self._audit(s, a, "crossing_point", p.code, "added", None, f"{p.name} ({p.kind})", who, now)
                    continue
                changed = {k: v for k, v in values.items() if getattr(p, k) != v}
                if changed:
                    for k, v in changed.items():
                        self._audit(s, a, "crossing_point", p.code, k, getattr(p, k), v, who, now)
                        setattr(p, k, v)
                    p.version, p.updated_at, p.updated_by = p.version + 1, now, who
                    counts["updated"] += 1
            if dry_run:
                s.flush()
                raise _DryRun(counts)  # leaves the transaction, which rolls it back
        return counts

    def add_post(self, assessment_id: int, *, by: str, **fields) -> None:
        """Add one post to the register (its code must be new)."""
        self.save_posts(assessment_id, [fields], by=by, update=False, where_of=lambda i: "post")

    def remove_post(self, assessment_id: int, code: str, *, by: str) -> None:
        """Remove a post from the register; a post with visits or interviews is kept (remove them first)."""
        who = self._who(by)
        with self._sessions.begin() as s:
            a = self._writable(s, assessment_id)
            p = s.scalars(select(CrossingPoint).where(CrossingPoint.assessment_id == a.id,
                                                      CrossingPoint.code == code)).first()
            if p is None:
                raise NotFound(f"no post {code!r} in the register of {a.country_code} {a.round}")
            visits = s.scalar(select(func.count()).select_from(SiteVisit).where(SiteVisit.post_id == p.id))
            if visits:
                raise InvalidInput(Problem("post", f"{code} has {visits} recorded visit(s): remove them first"),
                                   what="register")
            self._audit(s, a, "crossing_point", p.code, "removed", f"{p.name} ({p.kind})", None, who, utcnow())
            s.delete(p)

    def posts_frame(self, assessment_id: int) -> pd.DataFrame:
        """The register, one row per post (columns :data:`POST_COLUMNS`), by code."""
        with self._sessions() as s:
            self._assessment(s, assessment_id)
            rows = s.scalars(select(CrossingPoint).where(CrossingPoint.assessment_id == assessment_id)
                             .order_by(CrossingPoint.code)).all()
            data = [[p.id] + [list(p.agencies) if k == "agencies" else getattr(p, k) for k in POST_FIELDS]
                    + [p.region_code, p.version] for p in rows]
        out = pd.DataFrame(data, columns=POST_COLUMNS)
        for col in ("traffic", "traffic_year", "booths", "officers", "women_officers"):
            out[col] = out[col].astype("Int64")
        return out

    # -- the schedule ---------------------------------------------------------------------------
    def add_event(self, assessment_id: int, *, by: str, **fields) -> int:
        """An entry of the schedule: a planned visit (to a post of the register), a meeting..."""
        who = self._who(by)
        with self._sessions.begin() as s:
            a = self._writable(s, assessment_id)
            ctx = self._context(s, a)
            clean, found = check_event(ctx, fields, "event")
            if found:
                raise InvalidInput(found, what="schedule entry")
            code = clean.pop("post")
            post = self._post(s, a, code) if code else None
            e = MissionEvent(assessment_id=a.id, post_id=post.id if post else None, **clean)
            s.add(e)
            s.flush()
            self._audit(s, a, "mission_event", str(e.id), "added", None,
                        f"{clean['day'].isoformat()} {clean['kind']} {post.code if post else clean['place']}", who,
                        utcnow())
            return e.id

    def schedule_frame(self, assessment_id: int) -> pd.DataFrame:
        cols = ["event_id", "day", "kind", "post", "place", "subject"]
        with self._sessions() as s:
            self._assessment(s, assessment_id)
            rows = s.execute(select(MissionEvent, CrossingPoint.code)
                             .outerjoin(CrossingPoint, MissionEvent.post_id == CrossingPoint.id)
                             .where(MissionEvent.assessment_id == assessment_id)
                             .order_by(MissionEvent.day, MissionEvent.id)).all()
            return pd.DataFrame([[e.id, e.day, e.kind, code, e.place, e.subject] for e, code in rows], columns=cols)

    # -- site visits --------------------------------------------------------------------------
    @staticmethod
    def _post(s: Session, a: Assessment, code: str) -> CrossingPoint:
        p = s.scalars(select(CrossingPoint).where(CrossingPoint.assessment_id == a.id,
                                                  CrossingPoint.code == code)).first()
        if p is None:
            raise NotFound(f"no post {code!r} in the register")
        return p

    def checklist(self, assessment_id: int, post: str) -> list:
        """The criteria a visit to ``post`` observes (framework criteria observable at its kind of
        post that exist for the country's crossing profile), in framework order."""
        with self._sessions() as s:
            a = self._assessment(s, assessment_id)
            p = self._post(s, a, post)
            return checklist(self._framework(a), p.kind, self._kinds(a))

    def record_visit(self, assessment_id: int, *, by: str, expected_version: int | None = None, **fields) -> int:
        """Record a site visit (``post, day, why, team, observations, key_observations``) with its
        checklist answers; a second recording of the same post and day replaces the first. Each
        indicator its observations touch gets one evidence record of type ``observation`` linked
        to the visit. ``expected_version``: the version the editor saw (a newer one is a
        :class:`Conflict`). Returns the visit's id."""
        problems = Problems(self._check_version(expected_version))
        problems.raise_if_any(what="site visit")
        return self.record_visits(assessment_id, [fields], by=by, where_of=lambda i: "visit",
                                  expected_version=expected_version)[0]

    def record_visits(self, assessment_id: int, visits: Iterable[Mapping], *, by: str,
                      where_of: Callable[[int], str] | None = None, expected_version: int | None = None) -> list[int]:
        """Record several visits in one transaction (all or none), e.g. from field-form
        submissions; ``where_of(i)`` names visit ``i`` in problems. Returns their ids."""
        where_of = where_of or (lambda i: f"visits[{i}]")
        problems = Problems()
        who = problems.take(self._who, by)
        now = utcnow()
        with self._sessions.begin() as s:
            a = self._writable(s, assessment_id)
            ctx = self._context(s, a)
            cleans, seen = [], {}
            for i, fields in enumerate(visits):
                where = where_of(i)
                if not isinstance(fields, Mapping):
                    problems.add(where, "expected a mapping of the visit's fields")
                    continue
                clean, found = check_visit(ctx, fields, where, kinds=self._kinds(a))
                problems.extend(found)
                key = (clean["post"], clean["day"])
                if None not in key and key in seen:
                    problems.add(f"{where}.day", f"{clean['post']} on {clean['day'].isoformat()} is recorded twice "
                                                 f"(also at {seen[key]}): keep one")
                seen[key] = where
                cleans.append(clean)
            problems.raise_if_any(what="site visit")
            return [self._write_visit(s, a, ctx.framework, clean, who, now, expected_version) for clean in cleans]

    def _write_visit(self, s: Session, a: Assessment, fw, clean: dict, who: str, now,
                     expected_version: int | None) -> int:
        post = self._post(s, a, clean["post"])
        v = s.scalars(select(SiteVisit).where(SiteVisit.post_id == post.id, SiteVisit.day == clean["day"])).first()
        if v is not None and expected_version is not None and v.version != expected_version:
            raise Conflict(tmsg("the visit to %(post)s on %(day)s was changed by %(who)s since you opened it; nothing "
                               "was saved", post=post.code, day=clean["day"].isoformat(), who=v.updated_by))
        if v is None:
            v = SiteVisit(assessment_id=a.id, post_id=post.id, day=clean["day"], version=1, updated_at=now,
                          updated_by=who, why=clean["why"], team=clean["team"],
                          key_observations=clean["key_observations"])
            s.add(v)
            s.flush()
            self._audit(s, a, "site_visit", str(v.id), "added", None, f"{post.code} {clean['day'].isoformat()}",
                        who, now)
        else:
            for k in ("why", "team", "key_observations"):
                self._audit(s, a, "site_visit", str(v.id), k, getattr(v, k), clean[k], who, now)
                setattr(v, k, clean[k])
            v.version, v.updated_at, v.updated_by = v.version + 1, now, who
            old = {o.criterion_id: o.result for o in v.observations}
            new = {c: r for c, r, _ in clean["observations"]}
            for cid in sorted(set(old) | set(new)):
                self._audit(s, a, "site_visit", str(v.id), cid, old.get(cid), new.get(cid), who, now)
            v.observations.clear()
            s.flush()
        for cid, result, note in clean["observations"]:
            v.observations.append(VisitObservation(criterion_id=cid, result=result, note=note))
        self._observed_evidence(s, a, fw, v, post, clean, who, now)
        return v.id

    def _observed_evidence(self, s: Session, a: Assessment, fw, v: SiteVisit, post: CrossingPoint, clean: dict,
                           who: str, now) -> None:
        """One evidence record of type ``observation`` per indicator the visit observed (yes or no)."""
        s.execute(delete(Evidence).where(Evidence.visit_id == v.id))
        by_indicator: dict[str, list[str]] = {}
        for cid, result, _ in clean["observations"]:
            if result != "na":
                by_indicator.setdefault(fw.indicator_of_criterion(cid).id, []).append(result)
        ratings = {r.indicator_id: r for r in s.scalars(select(Rating).where(Rating.assessment_id == a.id))}
        for ind_id, results in by_indicator.items():
            r = ratings.get(ind_id)
            if r is None:
                r = Rating(assessment_id=a.id, indicator_id=ind_id, version=1, notes="", updated_by=who)
                s.add(r)
                s.flush()
            met = results.count("yes")
            source = (f"Site visit to {post.name} ({post.code}, {KIND_NAMES[post.kind]} post): {met} of "
                      f"{len(results)} checklist item{'s' if len(results) != 1 else ''} met")
            s.add(Evidence(rating_id=r.id, type=OBSERVATION_TYPE, source=source[:500], date=clean["day"],
                           reference=f"visit #{v.id}", supplied_by=", ".join(clean["team"])[:120], visit_id=v.id))
            self._audit(s, a, "evidence", f"{ind_id}@visit#{v.id}", "observed", None, source, who, now)

    def remove_visit(self, visit_id: int, *, by: str) -> None:
        """Remove a visit, its checklist answers, the evidence it fed and its attachments' links."""
        who = self._who(by)
        with self._sessions.begin() as s:
            v = _get(s, SiteVisit, visit_id, "site visit")
            a = self._writable(s, v.assessment_id)
            s.execute(delete(Evidence).where(Evidence.visit_id == v.id))
            shas = s.scalars(select(Attachment.sha256).where(Attachment.visit_id == v.id)).all()
            s.execute(delete(Attachment).where(Attachment.visit_id == v.id))
            self._audit(s, a, "site_visit", str(v.id), "removed", v.day.isoformat(), None, who, utcnow())
            s.delete(v)
        self._forget_bytes(shas)

    def visits_frame(self, assessment_id: int) -> pd.DataFrame:
        """One row per visit (columns :data:`VISIT_COLUMNS`), by day."""
        with self._sessions() as s:
            self._assessment(s, assessment_id)
            rows = s.execute(select(SiteVisit, CrossingPoint).join(CrossingPoint, SiteVisit.post_id == CrossingPoint.id)
                             .where(SiteVisit.assessment_id == assessment_id)
                             .order_by(SiteVisit.day, CrossingPoint.code)).all()
            data = []
            for v, p in rows:
                seen = [o.result for o in v.observations if o.result != "na"]
                data.append([v.id, p.code, p.name, p.kind, v.day, v.why, list(v.team), list(v.key_observations),
                             len(seen), seen.count("yes"), v.version])
        return pd.DataFrame(data, columns=VISIT_COLUMNS)

    def observations_frame(self, assessment_id: int) -> pd.DataFrame:
        """Every checklist answer of every visit (columns :data:`OBSERVATION_COLUMNS`)."""
        with self._sessions() as s:
            a = self._assessment(s, assessment_id)
            fw = self._framework(a)
            rows = s.execute(select(VisitObservation, SiteVisit, CrossingPoint)
                             .join(SiteVisit, VisitObservation.visit_id == SiteVisit.id)
                             .join(CrossingPoint, SiteVisit.post_id == CrossingPoint.id)
                             .where(SiteVisit.assessment_id == assessment_id)
                             .order_by(SiteVisit.day, CrossingPoint.code, VisitObservation.id)).all()
            data = [[v.id, p.code, p.kind, v.day, o.criterion_id, fw.indicator_of_criterion(o.criterion_id).id,
                     o.result, o.note] for o, v, p in rows]
        return pd.DataFrame(data, columns=OBSERVATION_COLUMNS)

    def coverage(self, assessment_id: int) -> Coverage:
        """How the visits cover the register, by kind and share of traffic (with a sentence)."""
        with self._sessions() as s:
            kinds = self._kinds(self._assessment(s, assessment_id))
        return coverage(self.posts_frame(assessment_id), self.visits_frame(assessment_id), kinds)

    def fill_quantities(self, assessment_id: int, *, by: str) -> list[dict]:
        """Fill the road map's quantities table from the register (source ``register``): posts by
        kind, booths, officers, regions (:func:`~workbook.mission.coverage.register_quantities`).
        A count the register gave before and no longer gives (its last post of a kind removed) is
        set to 0. Returns the rows written, in one transaction."""
        from ..roadmap.funding import FundingStore
        funding = FundingStore(self.store)
        rows = register_quantities(self.posts_frame(assessment_id))
        given = {(r["measure"], r["kind"]) for r in rows}
        before = funding.quantities_frame(assessment_id)
        rows += [{"measure": m, "kind": k, "low": 0, "high": 0, "note": "no longer in the register"}
                 for m, k, src in zip(before["measure"], before["kind"], before["source"])
                 if src == "register" and (m, k) not in given]
        if rows:
            funding.set_quantities(assessment_id, rows, by=by, source="register")
        return rows

    # -- interviews ----------------------------------------------------------------------------
    def record_interview(self, assessment_id: int, *, by: str, **fields) -> int:
        """Log an interview: role, agency, sex, day, place (a post code or a place), consent,
        anonymity, summary. Never a name: with anonymity promised, a name in its texts is refused."""
        return self.record_interviews(assessment_id, [fields], by=by, where_of=lambda i: "interview")[0]

    def record_interviews(self, assessment_id: int, interviews: Iterable[Mapping], *, by: str,
                          where_of: Callable[[int], str] | None = None) -> list[int]:
        """Log several interviews in one transaction (all or none); ``by`` must be on the team."""
        where_of = where_of or (lambda i: f"interviews[{i}]")
        problems = Problems()
        who = problems.take(self._who, by)
        now = utcnow()
        with self._sessions.begin() as s:
            a = self._writable(s, assessment_id)
            if who and who not in [m.name for m in a.team]:
                problems.add("by", "only a member of the assessment team logs interviews")
            ctx = self._context(s, a)
            cleans = []
            for i, fields in enumerate(interviews):
                if not isinstance(fields, Mapping):
                    problems.add(where_of(i), "expected a mapping of the interview's fields")
                    continue
                clean, found = check_interview(ctx, fields, where_of(i))
                problems.extend(found)
                cleans.append(clean)
            problems.raise_if_any(what="interview")
            ids = []
            for clean in cleans:
                code = clean.pop("post")
                post = self._post(s, a, code) if code else None
                i = Interview(assessment_id=a.id, post_id=post.id if post else None, version=1, updated_at=now,
                              updated_by=who, **clean)
                s.add(i)
                s.flush()
                # the audit says that an interview was logged, not what was said
                self._audit(s, a, "interview", str(i.id), "added", None,
                            f"{clean['day'].isoformat()} {clean['role']}", who, now)
                ids.append(i.id)
            return ids

    def interviews_frame(self, assessment_id: int, *, viewer: str) -> pd.DataFrame:
        """The interview log (columns :data:`INTERVIEW_COLUMNS`); ``viewer`` must be on the team."""
        with self._sessions() as s:
            a = self._assessment(s, assessment_id)
            self._team_only(s, a, viewer)
            rows = s.execute(select(Interview, CrossingPoint.code)
                             .outerjoin(CrossingPoint, Interview.post_id == CrossingPoint.id)
                             .where(Interview.assessment_id == assessment_id)
                             .order_by(Interview.day, Interview.id)).all()
            return pd.DataFrame([[i.id, i.role, i.agency, i.sex, i.day, code, i.place, i.consent, i.anonymity,
                                  i.summary, i.version] for i, code in rows], columns=INTERVIEW_COLUMNS)

    def interview_count(self, assessment_id: int) -> pd.DataFrame:
        """What anyone may see of the log: the number of interviews per agency (no roles, no texts)."""
        with self._sessions() as s:
            self._assessment(s, assessment_id)
            rows = s.execute(select(Interview.agency, func.count()).where(Interview.assessment_id == assessment_id)
                             .group_by(Interview.agency).order_by(Interview.agency)).all()
            return pd.DataFrame([tuple(r) for r in rows], columns=["agency", "interviews"])

    # -- attachments ------------------------------------------------------------------------------
    def add_attachment(self, assessment_id: int, content: bytes, filename: str, *, by: str, visit: int | None = None,
                       interview: int | None = None, evidence: int | None = None, caption: str = "",
                       keep_location: bool = False) -> int:
        """Attach a photo or document to one visit, interview or evidence record of the assessment.
        Checked by content (type, size); a photo's GPS position is removed unless ``keep_location``."""
        from ..inputs import MAX_LONG, parse_text
        problems = Problems()
        who = problems.take(self._who, by)
        links = {k: v for k, v in (("visit", visit), ("interview", interview), ("evidence", evidence)) if v is not None}
        if len(links) != 1:
            problems.add("attachment.link", "link the attachment to exactly one visit, interview or evidence record")
        text = problems.take(parse_text, caption, "attachment.caption", max_len=MAX_LONG) or ""
        checked = problems.take(files.check_attachment, content, filename, keep_location=bool(keep_location))
        problems.raise_if_any(what="attachment")
        kind, ref = next(iter(links.items()))
        with self._sessions() as s:
            a = self._writable(s, assessment_id)
            ctx = self._context(s, a)
            if kind == "interview":  # a caption never names the person interviewed
                ctx.check_names(text, "attachment.caption", problems)
            target = self._link_target(s, a, kind, ref)
            problems.raise_if_any(what="attachment")
        sha = files.save_bytes(checked.content, self.attachments_root)
        try:
            with self._sessions.begin() as s:
                a = self._writable(s, assessment_id)
                row = Attachment(assessment_id=a.id, filename=checked.filename, media_type=checked.media_type,
                                 size=checked.size, sha256=sha, caption=text, location_kept=bool(keep_location),
                                 created_by=who, **{f"{kind}_id": target})
                s.add(row)
                s.flush()
                self._audit(s, a, "attachment", str(row.id), "added", None,
                            f"{checked.filename} ({checked.size} bytes) on {kind} {target}", who, utcnow())
                return row.id
        except BaseException:
            self._forget_bytes([sha])
            raise

    def _link_target(self, s: Session, a: Assessment, kind: str, ref) -> int:
        ident = _as_id(ref, kind)
        if kind == "visit":
            found = s.get(SiteVisit, ident)
            ok = found is not None and found.assessment_id == a.id
        elif kind == "interview":
            found = s.get(Interview, ident)
            ok = found is not None and found.assessment_id == a.id
        else:
            found = s.get(Evidence, ident)
            ok = found is not None and found.rating.assessment_id == a.id
        if not ok:
            raise InvalidInput(Problem(f"attachment.{kind}", f"no {kind} {ref!r} in {a.country_code} {a.round}"),
                               what="attachment")
        return ident

    def _forget_bytes(self, shas: Iterable[str]) -> None:
        """Delete attachment files no row refers to any more."""
        with self._sessions() as s:
            for sha in set(shas):
                if not s.scalar(select(func.count()).select_from(Attachment).where(Attachment.sha256 == sha)):
                    files.delete_bytes(sha, self.attachments_root)

    def attachments_frame(self, assessment_id: int, *, viewer: str | None = None) -> pd.DataFrame:
        """The attachments (columns :data:`ATTACHMENT_COLUMNS`); those of interviews only for a
        ``viewer`` of the team."""
        with self._sessions() as s:
            a = self._assessment(s, assessment_id)
            team = viewer is not None and viewer in [m.name for m in a.team]
            rows = s.scalars(select(Attachment).where(Attachment.assessment_id == assessment_id)
                             .order_by(Attachment.id)).all()
            data = []
            for t in rows:
                if t.interview_id is not None and not team:
                    continue
                link = (f"visit {t.visit_id}" if t.visit_id else f"interview {t.interview_id}" if t.interview_id
                        else f"evidence {t.evidence_id}")
                data.append([t.id, link, t.filename, t.media_type, t.size, t.sha256, t.caption, t.location_kept,
                             t.created_by, t.created_at])
        return pd.DataFrame(data, columns=ATTACHMENT_COLUMNS)

    def attachment_bytes(self, attachment_id: int, *, viewer: str | None = None) -> tuple[dict, bytes]:
        """An attachment's record and its bytes (checked against the hash)."""
        with self._sessions() as s:
            t = _get(s, Attachment, attachment_id, "attachment")
            if t.interview_id is not None:
                self._team_only(s, self._assessment(s, t.assessment_id), viewer)
            info = {"filename": t.filename, "media_type": t.media_type, "size": t.size, "sha256": t.sha256}
        return info, files.read_bytes(info["sha256"], self.attachments_root)

    def remove_attachment(self, attachment_id: int, *, by: str) -> None:
        who = self._who(by)
        with self._sessions.begin() as s:
            t = _get(s, Attachment, attachment_id, "attachment")
            a = self._writable(s, t.assessment_id)
            sha = t.sha256
            self._audit(s, a, "attachment", str(t.id), "removed", t.filename, None, who, utcnow())
            s.delete(t)
        self._forget_bytes([sha])

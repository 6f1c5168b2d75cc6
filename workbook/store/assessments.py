"""The assessment store: every read and write of assessments goes through :class:`Store`.

Writes validate everything first and run in one transaction, so a rejected input writes
nothing. Ratings carry a ``version``: a save based on an older version is refused with
:class:`~workbook.errors.Conflict` (optimistic locking), and every change lands in the audit log.
"""
from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from . import db
from ..countries import resolve_country
from ..errors import Conflict, InvalidInput, NotFound, Problem, Problems, tmsg
from ..framework import Framework, load_framework
from ..inputs import (EVIDENCE_FIELDS, EVIDENCE_TEXTS, MAX_LONG, RATING_FIELDS, RATING_RULES, RATING_TEXTS,
                      check_evidence, check_fields, parse_role, parse_round, parse_text)
from . import access
from . import audit as audit_chain
from .access import ROLES, TRANSITIONS as ROLE_TRANSITIONS, Forbidden
from .base import FROM_ENVIRONMENT
from .criteria import CriteriaStore
from .migrate import MigrationPlan, migrate
from .models import (Account, Assessment, AssessmentRole, AuditEntry, Comment, Evidence, Rating, SignOff, TeamMember,
                     utcnow)

#: Review states of an assessment, in workflow order (not the statuses of recommendations).
REVIEW_STATUSES = ("draft", "in_review", "validated", "final")
TRANSITIONS = (("draft", "in_review"), ("in_review", "draft"), ("in_review", "validated"),
               ("validated", "draft"), ("validated", "final"), ("final", "draft"))
SIGN_OFF_ROLES = ("team", "team_leader", "national_counterpart", "reviewer")


def _evidence_key(value) -> str:
    """An evidence field's value for comparison: text stripped, dates as YYYY-MM-DD, empty as ""."""
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return "" if pd.isna(value) else value.isoformat()[:10]
    if isinstance(value, float) and value != value:
        return ""
    return str(value).strip()


@dataclass(frozen=True)
class AssessmentInfo:
    """A read-only summary of an assessment (safe to keep after the session closes)."""

    id: int
    country_code: str
    country_name: str
    fictional: bool
    round: str
    framework_id: str
    framework_version: str
    status: str
    created_at: dt.datetime
    updated_at: dt.datetime
    team: tuple[tuple[str, str, str], ...] = ()

    @property
    def label(self) -> str:
        mark = " (fictional)" if self.fictional else ""
        return f"{self.country_name}{mark}, {self.round}"


def _evidence_texts(where: str, values: Mapping) -> list[tuple[str, object]]:
    """The free text of an evidence record, each with its location, for the anonymity rule."""
    return [(f"{where}.{k}", values[k]) for k in EVIDENCE_TEXTS if values.get(k)]


def _rating_texts(indicator_id: str, values: Mapping, evidence=()) -> list[tuple[str, object]]:
    """The free text of a rating (and of the evidence saved with it), each with its location."""
    return ([(f"{indicator_id}.{k}", values[k]) for k in RATING_TEXTS if values.get(k)]
            + [t for n, e in enumerate(evidence) for t in _evidence_texts(f"{indicator_id}.evidence[{n}]", e)])


def _info(a: Assessment, last_change: dt.datetime | None = None) -> AssessmentInfo:
    return AssessmentInfo(a.id, a.country_code, a.country_name, a.fictional, a.round, a.framework_id,
                          a.framework_version, a.status, a.created_at, max(a.updated_at, last_change or a.updated_at),
                          tuple((m.name, m.organisation, m.role) for m in a.team))


def _last_changes(s: Session, ids: list[int]) -> dict[int, dt.datetime]:
    """Last change per assessment, read from the audit log: saves never write the assessment row,
    so editors of one assessment do not queue behind one row lock."""
    if not ids:
        return {}
    rows = s.execute(select(AuditEntry.assessment_id, func.max(AuditEntry.at))
                     .where(AuditEntry.assessment_id.in_(ids)).group_by(AuditEntry.assessment_id)).all()
    return {a: at for a, at in rows}


def _rating_dict(r: Rating | None) -> dict:
    if r is None:
        return {"national": None, "external": None, "agreed": None, "notes": "", "override_reason": "",
                "version": 0, "updated_by": "", "updated_at": None, "restricted": False, "notes_restricted": False}
    return {"national": r.national, "external": r.external, "agreed": r.agreed, "notes": r.notes,
            "override_reason": r.override_reason or "", "version": r.version, "updated_by": r.updated_by,
            "updated_at": r.updated_at, "restricted": bool(r.restricted), "notes_restricted": bool(r.notes_restricted)}


def _for_donors(values: dict) -> dict:
    """A rating as someone who may not read restricted content sees it: a restricted finding
    without levels, note or override reason; a restricted note without the note."""
    if values.get("restricted"):
        return values | {"national": None, "external": None, "agreed": None, "notes": "", "override_reason": ""}
    if values.get("notes_restricted"):
        return values | {"notes": ""}
    return values


class Store(CriteriaStore):
    """The assessment store. Open a database (``url`` or ``WORKBOOK_DB_URL`` or the embedded SQLite default).

    Parameters
    ----------
    url : str, optional
        SQLAlchemy URL. Default: :func:`workbook.config.db_url`.
    framework : Framework, optional
        The framework used to validate indicator ids. Default: the shipped one.
    check : bool
        Check that the schema is at the newest migration (clear error if not).
    """

    def __init__(self, url: str | None = None, framework: Framework | None = None, *, check: bool = True,
                 actor=FROM_ENVIRONMENT):
        self.engine = db.get_engine(url)  # first: an unreachable database is reported with its URL
        if check:
            db.check_schema(self.engine)
        super().__init__(self.engine, framework or load_framework(), actor=actor)

    # -- assessments ------------------------------------------------------------------------
    def create_assessment(self, country: str, round: str, *, country_name: str | None = None,
                          team: list[dict] | None = None, by: str = "") -> AssessmentInfo:
        """Create an assessment. ``team`` is a list of ``{name, organisation, role}``."""
        problems = Problems()
        members = []
        c = problems.take(resolve_country, country, country_name)
        rnd = problems.take(parse_round, round)
        who = problems.take(self._who, by)
        for i, m in enumerate(team or []):
            if not isinstance(m, dict):
                problems.add(f"team[{i}]", "expected a mapping with name, organisation, role")
                continue
            unknown = set(m) - {"name", "organisation", "role"}
            if unknown:
                problems.add(f"team[{i}]", f"unknown keys {sorted(unknown)}")
            members.append((problems.take(parse_text, m.get("name"), f"team[{i}].name", required=True),
                            problems.take(parse_text, m.get("organisation"), f"team[{i}].organisation", max_len=200),
                            problems.take(parse_role, m.get("role"), f"team[{i}].role")))
        problems.raise_if_any(what="new assessment")
        fw = self.framework
        with self._sessions.begin() as s:
            actor = self._creator(s)
            a = Assessment(country_code=c.code, country_name=c.name, fictional=c.fictional, round=rnd,
                           framework_id=fw.id, framework_version=fw.version, status="draft",
                           team=[TeamMember(name=n, organisation=o, role=r) for n, o, r in members])
            s.add(a)
            try:
                s.flush()
            except IntegrityError:
                s.rollback()
                raise InvalidInput(self._taken(c.code, rnd, actor, "round"), what="new assessment") from None
            self._lead_created(s, a, actor, who)
            self._audit(s, assessment_id=a.id, entity="assessment", entity_key=str(a.id), field="created",
                             old=None, new=f"{c.code} {rnd}", who=who)
            return _info(a)

    def _creator(self, s: Session):
        """The actor of a call that creates an assessment (None: accounts off), if their account may
        create assessments; :class:`Forbidden` otherwise, before anything is written."""
        actor = self._actor(s)
        if actor is not None and not actor.may_create:
            raise Forbidden("your account may not create assessments: ask the workbook's administrator "
                            "(`workbook users add --may-create`); nothing was saved")
        return actor

    def require_create(self) -> None:
        """Raise :class:`Forbidden` unless the actor may create assessments (for code that writes a
        new assessment around the store: an imported package)."""
        with self._sessions() as s:
            self._creator(s)

    def _taken(self, code: str, rnd: str, actor, field: str) -> Problem:
        """Why ``code rnd`` cannot be created: it exists. Said plainly only to someone who may see it
        (accounts off, or a role in it); to anyone else without confirming that it exists."""
        if actor is not None and not self._has_role(code, rnd, actor):
            return Problem(field, f"{code} {rnd!r} cannot be created: ask the workbook's administrator")
        return Problem(field, f"{code} already has an assessment for round {rnd!r}")

    @staticmethod
    def _lead_created(s: Session, a: Assessment, actor, who: str) -> None:
        """The person who creates an assessment (or imports it) leads its team."""
        if actor is not None:
            s.add(AssessmentRole(assessment_id=a.id, account_id=actor.account_id, role="team_lead", granted_by=who))

    def _has_role(self, code: str, rnd: str, actor) -> bool:
        with self._sessions() as s:
            aid = s.scalar(select(Assessment.id).where(Assessment.country_code == code, Assessment.round == rnd))
            return aid is not None and access.role_of(s, actor, aid) is not None

    def list_assessments(self) -> list[AssessmentInfo]:
        """The assessments the actor has a role in (all of them when accounts are off)."""
        with self._sessions() as s:
            q = select(Assessment).options(selectinload(Assessment.team)).order_by(Assessment.country_code,
                                                                                    Assessment.round)
            visible = self._visible(s)
            if visible is not None:
                q = q.where(Assessment.id.in_(visible))
            rows = s.scalars(q).all()
            last = _last_changes(s, [a.id for a in rows])
            return [_info(a, last.get(a.id)) for a in rows]

    def get_assessment(self, country: str, round: str | None = None) -> AssessmentInfo:
        """The assessment for a country and round; the latest round when ``round`` is None."""
        code = country.strip().upper() if isinstance(country, str) else country
        with self._sessions() as s:
            visible = self._visible(s)
            q = select(Assessment).options(selectinload(Assessment.team)).where(Assessment.country_code == code)
            if visible is not None:  # what the actor has no role in does not exist for them
                q = q.where(Assessment.id.in_(visible))
            if round is not None and round != "":
                # rounds are stored NFC-normalised (inputs.parse_round): a name typed in another form finds them
                a = s.scalars(q.where(Assessment.round == unicodedata.normalize("NFC", str(round).strip()))).first()
            else:
                a = s.scalars(q.order_by(Assessment.created_at.desc(), Assessment.id.desc())).first()
            if a is None:
                if visible is not None:
                    raise access.not_found()
                rounds = s.scalars(select(Assessment.round).where(Assessment.country_code == code)).all()
                if rounds:
                    raise NotFound(f"{code} has no assessment for round {round!r}; its rounds are "
                                   + ", ".join(repr(r) for r in rounds))
                raise NotFound(f"no assessment for country {code!r}")
            return _info(a, _last_changes(s, [a.id]).get(a.id))

    def migrate_framework(self, assessment_id: int, *, to_version: str, by: str,
                          dry_run: bool = False) -> MigrationPlan:
        """Move an assessment to another framework version, following the version's changelog
        mappings, in one transaction (see :mod:`workbook.store.migrate`); ``dry_run`` only plans."""
        return migrate(self, assessment_id, to_version=to_version, by=by, dry_run=dry_run)

    # -- review workflow --------------------------------------------------------------------
    def set_status(self, assessment_id: int, to_status: str, *, by: str, role: str = "team",
                   organisation: str = "", comment: str = "") -> AssessmentInfo:
        """Move an assessment along draft -> in_review -> validated -> final (or back).

        Validation is signed by the national counterpart (``role="national_counterpart"``);
        reopening a final assessment needs a reason in ``comment``. Every step is kept as a
        sign-off (shown in reports) and in the audit log.
        """
        problems = Problems()
        who = problems.take(self._who, by)
        org = problems.take(parse_text, organisation, "organisation", max_len=200)
        note = problems.take(parse_text, comment, "comment", max_len=MAX_LONG)
        if to_status not in REVIEW_STATUSES:
            problems.add("status", f"{to_status!r} is not a status; use one of {', '.join(REVIEW_STATUSES)}")
        accounts = self.actor_source is not None and self.actor is not None
        if role not in SIGN_OFF_ROLES and not (accounts and role in ROLES):
            problems.add("role", f"{role!r} is not a role; use one of {', '.join(SIGN_OFF_ROLES)}")
        problems.raise_if_any(what="status change")
        with self._sessions.begin() as s:
            a = self._assessment(s, assessment_id)
            step = (a.status, to_status)
            if step not in TRANSITIONS:
                allowed = [t for f, t in TRANSITIONS if f == a.status]
                raise InvalidInput(Problem("status", f"{a.country_code} {a.round} is {a.status}: it can move to "
                                                     f"{' or '.join(allowed)}, not {to_status}"), what="status change")
            actor = self._actor(s)
            if actor is not None:  # the role signed is the account's role in this assessment, nothing typed
                held = access.role_of(s, actor, a.id)
                if {"team_leader": "team_lead"}.get(role, role) not in ("team", held):
                    raise Forbidden(f"you are {ROLES[held]} in {a.country_code} {a.round}, not "
                                    f"{ROLES.get(role, role)}: nobody signs in a role they do not hold; nothing "
                                    "was saved")
                self._require(s, a.id, ROLE_TRANSITIONS[step])
                role = held
            if step == ("in_review", "validated") and role != "national_counterpart":
                raise InvalidInput(Problem("role", "validation is signed by the national counterpart "
                                                   "(role national_counterpart)"), what="status change")
            if step == ("final", "draft") and not note:
                raise InvalidInput(Problem("comment", "reopening a final assessment needs a reason"),
                                   what="status change")
            res = s.execute(update(Assessment).where(Assessment.id == a.id, Assessment.status == a.status)
                            .values(status=to_status).execution_options(synchronize_session=False))
            if res.rowcount != 1:
                raise Conflict(f"{a.country_code} {a.round} changed status meanwhile; reload and try again")
            now = utcnow()
            s.add(SignOff(assessment_id=a.id, from_status=step[0], to_status=to_status, name=who, role=role,
                          organisation=org, comment=note, at=now, audit_head=audit_chain.head(s, a.id) or None,
                          account=actor.username if actor is not None else None))
            self._audit(s, assessment_id=a.id, entity="assessment", entity_key=str(a.id), field="status",
                             old=step[0], new=to_status, who=who, at=now)
        return self.get_assessment(a.country_code, a.round)

    def signoffs(self, assessment_id: int) -> pd.DataFrame:
        """The review trail: every status change with name, role, organisation, date and comment."""
        cols = ["at", "from_status", "to_status", "name", "role", "organisation", "comment"]
        with self._sessions() as s:
            self._assessment(s, assessment_id)
            rows = s.execute(select(*(getattr(SignOff, c) for c in cols))
                             .where(SignOff.assessment_id == assessment_id).order_by(SignOff.id)).all()
        return pd.DataFrame([tuple(r) for r in rows], columns=cols)

    # -- ratings ----------------------------------------------------------------------------
    def get_rating(self, assessment_id: int, indicator_id: str) -> dict:
        """Stored values of one indicator (``version`` 0 when never saved)."""
        self.framework_of(assessment_id).indicator(indicator_id)
        with self._sessions() as s:
            r = s.scalars(select(Rating).where(Rating.assessment_id == assessment_id,
                                               Rating.indicator_id == indicator_id)).first()
            values = _rating_dict(r)
            return values if self._may(s, assessment_id, "read_restricted") else _for_donors(values)

    def save_rating(self, assessment_id: int, indicator_id: str, *, by: str,
                    expected_version: int | None = None, **changes) -> dict:
        """Change some of ``national``, ``external``, ``agreed``, ``notes`` of one indicator.

        ``expected_version`` is the version the user saw; if someone saved since, nothing is
        written and :class:`Conflict` is raised with the stored values. Returns the new values.
        """
        unknown = set(changes) - set(RATING_FIELDS)
        problems = Problems(Problem(k, f"unknown field; use one of {', '.join(RATING_FIELDS)}")
                            for k in sorted(unknown))
        clean = self._rating_values(changes, indicator_id, problems)
        who = problems.take(self._who, by)
        fw = self.framework_of(assessment_id)
        try:
            fw.indicator(indicator_id)
        except NotFound as exc:
            problems.add("indicator", str(exc))
        problems.extend(self._check_version(expected_version))
        problems.raise_if_any(what=f"rating {indicator_id}")
        with self._sessions.begin() as s:
            a = self._writable(s, assessment_id)
            self._refuse_names(s, a.id, _rating_texts(indicator_id, clean), what=f"rating {indicator_id}")
            r = s.scalars(select(Rating).where(Rating.assessment_id == assessment_id,
                                               Rating.indicator_id == indicator_id)).first()
            current = _rating_dict(r)
            if expected_version is not None and expected_version != current["version"]:
                raise Conflict(self._conflict_message(indicator_id, current), current=current)
            clean = self._with_override_rule(s, a, fw, indicator_id, current, clean)
            changed = {k: v for k, v in clean.items() if current[k] != v}
            if not changed:
                return current
            now = utcnow()
            if r is None:
                r = Rating(assessment_id=assessment_id, indicator_id=indicator_id, version=1,
                           updated_at=now, updated_by=who, **({"notes": ""} | changed))
                s.add(r)
                try:
                    s.flush()
                except IntegrityError:
                    s.rollback()
                    raise Conflict(tmsg("%(indicator)s was saved by someone else a moment ago; reload to see it",
                                       indicator=indicator_id),
                                   current=self.get_rating(assessment_id, indicator_id)) from None
            else:
                res = s.execute(update(Rating)
                                .where(Rating.id == r.id, Rating.version == current["version"])
                                .values(**changed, version=Rating.version + 1, updated_at=now, updated_by=who)
                                .execution_options(synchronize_session=False))
                if res.rowcount != 1:
                    s.rollback()
                    fresh = self.get_rating(assessment_id, indicator_id)
                    raise Conflict(self._conflict_message(indicator_id, fresh), current=fresh)
            for k, v in changed.items():
                self._audit(s, assessment_id=assessment_id, entity="rating", entity_key=indicator_id,
                                 field=k, old=current[k], new=v, who=who, at=now)
        return self.get_rating(assessment_id, indicator_id)

    def save_many(self, assessment_id: int, rows: list[dict], *, by: str) -> int:
        """Save many indicators in ONE transaction: all valid and written, or nothing written.

        Each row is ``{indicator_id, national?, external?, agreed?, notes?, evidence?: [...],
        expected_version?}`` (evidence records are added; with ``expected_version`` the row is
        refused, and so the whole batch, when the stored version differs). Every problem of every
        row is reported at once. Returns the number of indicators changed.
        """
        problems = Problems()
        plan = []
        fw = self.framework_of(assessment_id)
        for n, row in enumerate(rows):
            where = f"row {n + 1}"
            if not isinstance(row, dict):
                problems.add(where, "expected a mapping")
                continue
            ind_id = row.get("indicator_id")
            try:
                fw.indicator(ind_id)
            except (NotFound, TypeError):
                problems.add(f"{where}.indicator_id", f"unknown indicator {ind_id!r}")
                continue
            unknown = set(row) - set(RATING_FIELDS) - {"indicator_id", "evidence", "expected_version"}
            problems.extend(Problem(f"{ind_id}.{k}", "unknown field") for k in sorted(unknown))
            values = self._rating_values(row, ind_id, problems)
            evidence = []
            for k, e in enumerate(row.get("evidence") or []):
                try:
                    with problems.collect():
                        evidence.append(self._evidence_values(dict(e), f"{ind_id}.evidence[{k}]"))
                except (TypeError, ValueError):
                    problems.add(f"{ind_id}.evidence[{k}]", "expected a mapping")
            expected = row.get("expected_version")
            problems.extend(self._check_version(expected, f"{ind_id}.expected_version"))
            plan.append((ind_id, values, evidence, expected))
        who = problems.take(self._who, by)
        problems.raise_if_any(what="ratings")
        changed_count = 0
        now = utcnow()
        with self._sessions.begin() as s:
            a = self._writable(s, assessment_id)
            self._refuse_names(s, a.id, [t for ind_id, values, evidence, _ in plan
                                         for t in _rating_texts(ind_id, values, evidence)], what="ratings")
            stored = {r.indicator_id: r for r in
                      s.scalars(select(Rating).where(Rating.assessment_id == assessment_id))}
            stale = [(ind_id, _rating_dict(stored.get(ind_id))) for ind_id, _, _, expected in plan
                     if expected is not None and _rating_dict(stored.get(ind_id))["version"] != expected]
            if stale:
                raise Conflict("changed by someone else since it was read, nothing saved: " + "; ".join(
                    f"{i} (now version {c['version']}, by {c['updated_by'] or 'unknown'})" for i, c in stale),
                    current={i: c for i, c in stale})
            for ind_id, values, evidence, _ in plan:
                r = stored.get(ind_id)
                current = _rating_dict(r)
                values = self._with_override_rule(s, a, fw, ind_id, current, values)
                changed = {k: v for k, v in values.items() if current[k] != v}
                if r is None:
                    r = Rating(assessment_id=assessment_id, indicator_id=ind_id, version=1, updated_at=now,
                               updated_by=who, **({"notes": ""} | changed))
                    s.add(r)
                    stored[ind_id] = r
                elif changed:
                    # compare-and-set on the version read above: a concurrent save aborts the batch
                    res = s.execute(update(Rating).where(Rating.id == r.id, Rating.version == current["version"])
                                    .values(**changed, version=Rating.version + 1, updated_at=now, updated_by=who)
                                    .execution_options(synchronize_session=False))
                    if res.rowcount != 1:
                        raise Conflict(f"{ind_id} was changed by someone else during this save; nothing saved")
                for k, v in changed.items():
                    self._audit(s, assessment_id=assessment_id, entity="rating", entity_key=ind_id,
                                     field=k, old=current[k], new=v, who=who, at=now)
                s.flush()
                for e in evidence:
                    rec = Evidence(rating_id=r.id, **e)
                    s.add(rec)
                    s.flush()
                    self._audit(s, assessment_id=assessment_id, entity="evidence",
                                     entity_key=f"{ind_id}#{rec.id}", field="added", old=None,
                                     new=f"{e['type']}: {e['source']}", who=who, at=now)
                changed_count += bool(changed or evidence)
        return changed_count

    def _with_override_rule(self, s: Session, a: Assessment, fw: Framework, indicator_id: str, current: dict,
                            values: dict) -> dict:
        """The values to save, checked against the criteria (framework 2.0): an agreed level that
        differs from the one the ticked criteria give needs a written reason; a level that matches
        them needs none (a stale reason is cleared)."""
        if not fw.has_criteria:
            return values
        agreed = values.get("agreed", current["agreed"])
        reason = values.get("override_reason", current["override_reason"]) or ""
        derived = self._criteria_level(s, a, fw, indicator_id)
        problem = self._override_problem(indicator_id, agreed, derived, reason)
        if problem:
            raise InvalidInput(problem, what=f"rating {indicator_id}")
        if reason and (derived is None or agreed is None or not agreed.isdigit() or int(agreed) == derived):
            values = values | {"override_reason": ""}
        return values

    @staticmethod
    def _rating_values(changes: dict, indicator_id: str, problems: Problems) -> dict:
        """The rated fields present in ``changes``, checked by their rules."""
        rules = {k: rule for k, rule in RATING_RULES.items() if k in changes}
        return check_fields(rules, changes.get, lambda k: f"{indicator_id}.{k}", problems)

    @staticmethod
    def _conflict_message(indicator_id: str, current: dict) -> str:
        values = tmsg("national %(national)s, external %(external)s, agreed %(agreed)s",
                      **{k: current[k] or "-" for k in ("national", "external", "agreed")})
        if not current["updated_at"]:
            return tmsg("%(indicator)s was changed by someone else since you opened it (now: %(values)s); your change "
                       "was not saved. Review their values and save again.", indicator=indicator_id, values=values)
        return tmsg("%(indicator)s was changed by %(who)s at %(when)s UTC since you opened it (now: %(values)s); your "
                   "change was not saved. Review their values and save again.", indicator=indicator_id,
                   who=current["updated_by"] or "someone else", when=current["updated_at"].strftime("%Y-%m-%d %H:%M"),
                   values=values)

    # -- evidence ---------------------------------------------------------------------------
    def _evidence_values(self, fields: dict, where: str) -> dict:
        problems = Problems(Problem(f"{where}.{k}", "unknown field")
                            for k in sorted(set(fields) - set(EVIDENCE_FIELDS)))
        values = check_evidence(fields.get, lambda k: f"{where}.{k}", {t.id for t in self.framework.evidence_types},
                                problems)
        problems.raise_if_any(what="evidence")
        return values

    def add_evidence(self, assessment_id: int, indicator_id: str, *, by: str, **fields) -> int:
        """Attach an evidence record to an indicator; returns its id."""
        self.framework_of(assessment_id).indicator(indicator_id)
        values = self._evidence_values(fields, f"{indicator_id}.evidence")
        who = self._who(by)
        with self._sessions.begin() as s:
            self._writable(s, assessment_id)
            self._refuse_names(s, assessment_id, _evidence_texts(f"{indicator_id}.evidence", values),
                               what="evidence")
            r = s.scalars(select(Rating).where(Rating.assessment_id == assessment_id,
                                               Rating.indicator_id == indicator_id)).first()
            if r is None:
                r = Rating(assessment_id=assessment_id, indicator_id=indicator_id, version=1, notes="",
                           updated_by=who)
                s.add(r)
                s.flush()
            e = Evidence(rating_id=r.id, **values)
            s.add(e)
            s.flush()
            self._audit(s, assessment_id=assessment_id, entity="evidence", entity_key=f"{indicator_id}#{e.id}",
                             field="added", old=None, new=f"{values['type']}: {values['source']}", who=who)
            return e.id

    def _evidence_record(self, s: Session, evidence_id: int) -> tuple[Evidence, dict]:
        """An evidence record and its stored values, or :class:`NotFound` (also for a record of an
        assessment the actor cannot see: the same message)."""
        e = s.get(Evidence, evidence_id)
        if e is None or not self._sees(s, e.rating.assessment_id):
            raise NotFound(f"no evidence record {evidence_id} (someone may have removed it)")
        if e.visit_id is not None:
            raise InvalidInput(Problem(f"{e.rating.indicator_id}.evidence#{evidence_id}",
                                       f"observed at site visit #{e.visit_id}: it follows the visit's checklist; "
                                       "change or remove the visit instead"), what="evidence")
        return e, {k: getattr(e, k) for k in EVIDENCE_FIELDS}

    # -- restricted findings, notes and evidence -------------------------------------------------
    def _check_indicator(self, problems: Problems, assessment_id: int, indicator_id) -> None:
        """Note an indicator id that is not in the assessment's framework (an assessment the actor
        cannot see answers not found first)."""
        fw = self.framework_of(assessment_id)
        try:
            fw.indicator(indicator_id)
        except (NotFound, TypeError, KeyError):
            problems.add("indicator_id", f"unknown indicator {indicator_id!r}")

    def set_restricted(self, assessment_id: int, *, by: str, indicator_id: str | None = None,
                       evidence_id: int | None = None, what: str = "finding", restricted: bool = True) -> None:
        """Mark (or clear) confidential content, left out of everything donors see:

        * ``what="finding"``: an indicator's levels, note and evidence (``indicator_id``);
        * ``what="notes"``: only the indicator's note (``indicator_id``);
        * ``what="evidence"``: one evidence record (``evidence_id``).
        """
        problems = Problems()
        if what not in ("finding", "notes", "evidence"):
            problems.add("what", f"{what!r}: use finding, notes or evidence")
        if not isinstance(restricted, bool):
            problems.add("restricted", "expected yes or no")
        if what == "evidence" and not isinstance(evidence_id, int):
            problems.add("evidence_id", "give the evidence record's number")
        if what in ("finding", "notes"):
            self._check_indicator(problems, assessment_id, indicator_id)
        who = problems.take(self._who, by)
        problems.raise_if_any(what="restriction")
        with self._sessions.begin() as s:
            a = self._writable(s, assessment_id, "mark_restricted")
            if what == "evidence":
                e, _ = self._evidence_record(s, evidence_id)
                if e.rating.assessment_id != a.id:
                    raise NotFound(f"no evidence record {evidence_id} in {a.country_code} {a.round}")
                row, key, fld = e, f"{e.rating.indicator_id}#{e.id}", "restricted"
            else:
                row = s.scalars(select(Rating).where(Rating.assessment_id == a.id,
                                                     Rating.indicator_id == indicator_id)).first()
                if row is None:
                    row = Rating(assessment_id=a.id, indicator_id=indicator_id, version=1, notes="", updated_by=who)
                    s.add(row)
                key, fld = indicator_id, "restricted" if what == "finding" else "notes_restricted"
            old = bool(getattr(row, fld) or False)
            if old != restricted:
                setattr(row, fld, restricted)
                self._audit(s, assessment_id=a.id, entity="evidence" if what == "evidence" else "rating",
                            entity_key=key, field=fld, old=str(old).lower(), new=str(restricted).lower(), who=who)

    def restricted_counts(self, assessment_id: int) -> dict[str, int]:
        """How many findings, notes and evidence records of an assessment are restricted."""
        with self._sessions() as s:
            self._assessment(s, assessment_id)
            ratings = s.execute(select(Rating.restricted, Rating.notes_restricted)
                                .where(Rating.assessment_id == assessment_id)).all()
            n_ev = s.scalar(select(func.count(Evidence.id)).join(Rating, Evidence.rating_id == Rating.id)
                            .where(Rating.assessment_id == assessment_id, Evidence.restricted.is_(True)))
        return {"findings": sum(bool(r) for r, _ in ratings),
                "notes": sum(bool(n) and not r for r, n in ratings), "evidence": int(n_ev or 0)}

    # -- comments (reviewers read and comment) ----------------------------------------------------
    def add_comment(self, assessment_id: int, text: str, *, by: str, indicator_id: str | None = None) -> int:
        """A comment on the assessment or one of its indicators; returns its id. Allowed on final
        assessments too (a comment changes nothing)."""
        problems = Problems()
        body = problems.take(parse_text, text, "comment", max_len=MAX_LONG, required=True)
        if indicator_id is not None:
            self._check_indicator(problems, assessment_id, indicator_id)
        who = problems.take(self._who, by)
        problems.raise_if_any(what="comment")
        with self._sessions.begin() as s:
            a = self._require(s, assessment_id, "comment")
            actor = self._actor(s)
            c = Comment(assessment_id=a.id, indicator_id=indicator_id, text=body, who=who, at=utcnow(),
                        account=actor.username if actor is not None and actor.account_id else None)
            s.add(c)
            s.flush()
            self._audit(s, assessment_id=a.id, entity="comment", entity_key=str(c.id), field="added",
                        new=body, who=who)
            return c.id

    def comments_frame(self, assessment_id: int) -> pd.DataFrame:
        cols = ["id", "indicator_id", "text", "who", "account", "at"]
        with self._sessions() as s:
            self._require(s, assessment_id, "read_restricted")
            rows = s.execute(select(*(getattr(Comment, c) for c in cols)).where(Comment.assessment_id == assessment_id)
                             .order_by(Comment.id)).all()
        return pd.DataFrame([tuple(r) for r in rows], columns=cols)

    # -- roles ----------------------------------------------------------------------------------
    def grant_role(self, assessment_id: int, username: str, role: str, *, by: str) -> None:
        """Give an account a role in an assessment (replacing the role it had there). The team lead
        does this (or the administrator at the command line, with accounts off)."""
        problems = Problems()
        if role not in ROLES:
            problems.add("role", f"{role!r} is not a role; use one of {', '.join(ROLES)}")
        who = problems.take(self._who, by)
        problems.raise_if_any(what="role")
        with self._sessions.begin() as s:
            a = self._require(s, assessment_id, "manage_roles")
            acc = s.scalar(select(Account).where(Account.username == username))
            if acc is None:
                raise NotFound(f"no account {username!r}")
            r = s.scalar(select(AssessmentRole).where(AssessmentRole.assessment_id == a.id,
                                                      AssessmentRole.account_id == acc.id))
            old = r.role if r else None
            if old == role:
                return
            if r is None:
                s.add(AssessmentRole(assessment_id=a.id, account_id=acc.id, role=role, granted_by=who))
            else:
                r.role, r.granted_by, r.granted_at = role, who, utcnow()
            self._audit(s, assessment_id=a.id, entity="role", entity_key=acc.username, field="role", old=old,
                        new=role, who=who)

    def revoke_role(self, assessment_id: int, username: str, *, by: str) -> None:
        who = self._who(by)
        with self._sessions.begin() as s:
            a = self._require(s, assessment_id, "manage_roles")
            acc = s.scalar(select(Account).where(Account.username == username))
            r = None if acc is None else s.scalar(select(AssessmentRole).where(
                AssessmentRole.assessment_id == a.id, AssessmentRole.account_id == acc.id))
            if r is None:
                raise NotFound(f"{username!r} has no role in {a.country_code} {a.round}")
            self._audit(s, assessment_id=a.id, entity="role", entity_key=acc.username, field="role", old=r.role,
                        new=None, who=who)
            s.delete(r)

    def roles_frame(self, assessment_id: int) -> pd.DataFrame:
        """Who has which role in an assessment."""
        cols = ["username", "name", "role", "active", "granted_by", "granted_at"]
        with self._sessions() as s:
            self._assessment(s, assessment_id)
            rows = s.execute(select(Account.username, Account.display_name, AssessmentRole.role, Account.active,
                                    AssessmentRole.granted_by, AssessmentRole.granted_at)
                             .join(AssessmentRole, AssessmentRole.account_id == Account.id)
                             .where(AssessmentRole.assessment_id == assessment_id).order_by(Account.username)).all()
        return pd.DataFrame([tuple(r) for r in rows], columns=cols)

    @staticmethod
    def _evidence_changed_since(now: Mapping, expected: Mapping | None) -> list[str]:
        """The fields whose stored value differs from what the editor loaded (``expected``)."""
        if expected is None:
            return []
        return [k for k in EVIDENCE_FIELDS if k in expected and _evidence_key(now[k]) != _evidence_key(expected[k])]

    @staticmethod
    def _evidence_conflict(fields: list[str], now: Mapping, done: str) -> Conflict:
        names = ", ".join(k.replace("_", " ") for k in fields)
        text = (tmsg("someone else changed this evidence record since you opened it (%(fields)s); their values are "
                    "shown, nothing was saved", fields=names) if done == "saved" else
                tmsg("someone else changed this evidence record since you opened it (%(fields)s); their values are "
                    "shown, nothing was removed", fields=names))
        return Conflict(text, current=dict(now))

    def update_evidence(self, evidence_id: int, *, by: str, expected: Mapping | None = None, **fields) -> None:
        """Change an evidence record's fields.

        ``expected``: the record as the editor loaded it. Then only the fields the editor changed
        are written (someone else's change to another field stays), and a field that someone
        else changed meanwhile refuses the write with :class:`Conflict` holding the stored values.
        Without it the given fields are written as they are.
        """
        who = self._who(by)
        with self._sessions.begin() as s:
            e, now = self._evidence_record(s, evidence_id)
            where = f"{e.rating.indicator_id}.evidence#{evidence_id}"
            if expected is not None:
                fields = {k: v for k, v in fields.items()
                          if k not in expected or _evidence_key(v) != _evidence_key(expected[k])}
            values = self._evidence_values(now | fields, where)
            clash = [k for k in self._evidence_changed_since(now, expected)
                     if k in fields and _evidence_key(values[k]) != _evidence_key(now[k])]
            if clash:
                raise self._evidence_conflict(clash, now, "saved")
            a = self._writable(s, e.rating.assessment_id)
            self._refuse_names(s, a.id, _evidence_texts(where, {k: values[k] for k in fields if k in values}),
                               what="evidence")
            for k, v in values.items():
                old = getattr(e, k)
                if old != v:
                    self._audit(s, assessment_id=a.id, entity="evidence",
                                     entity_key=f"{e.rating.indicator_id}#{e.id}", field=k,
                                     old=None if old is None else str(old), new=None if v is None else str(v),
                                     who=who)
                    setattr(e, k, v)

    def remove_evidence(self, evidence_id: int, *, by: str, expected: Mapping | None = None) -> None:
        """Remove an evidence record; with ``expected`` (the record as the editor loaded it), a
        record someone else changed meanwhile is not removed (:class:`Conflict`)."""
        who = self._who(by)
        with self._sessions.begin() as s:
            e, now = self._evidence_record(s, evidence_id)
            changed = self._evidence_changed_since(now, expected)
            if changed:
                raise self._evidence_conflict(changed, now, "removed")
            a = self._writable(s, e.rating.assessment_id)
            self._audit(s, assessment_id=a.id, entity="evidence", entity_key=f"{e.rating.indicator_id}#{e.id}",
                             field="removed", old=f"{e.type}: {e.source}", new=None, who=who)
            s.delete(e)

    # -- frames for scoring, reports and analysts ------------------------------------------
    def ratings_frame(self, assessment_id: int) -> pd.DataFrame:
        """One row per indicator of the assessment's framework (unrated ones included), in
        framework order."""
        with self._sessions() as s:
            fw = self._framework(self._assessment(s, assessment_id))
            stored = {r.indicator_id: r for r in s.scalars(select(Rating).where(Rating.assessment_id == assessment_id))}
            full = self._may(s, assessment_id, "read_restricted")
        rows = []
        for p in fw.pillars:
            for sa in p.subareas:
                for ind in sa.indicators:
                    r = _rating_dict(stored.get(ind.id))
                    r = r if full else _for_donors(r)
                    rows.append({"pillar_id": p.id, "subarea_id": sa.id, "indicator_id": ind.id,
                                 "indicator": ind.name, "lens": ind.lens, **r})
        return pd.DataFrame(rows)

    def evidence_frame(self, assessment_id: int) -> pd.DataFrame:
        """Every evidence record; without the restricted ones (and those of restricted findings) for
        someone who may not read restricted content."""
        cols = ["evidence_id", "indicator_id", "type", "source", "date", "reference", "supplied_by", "restricted"]
        with self._sessions() as s:
            self._assessment(s, assessment_id)
            q = (select(Evidence.id, Rating.indicator_id, Evidence.type, Evidence.source, Evidence.date,
                        Evidence.reference, Evidence.supplied_by, Evidence.restricted)
                 .join(Rating, Evidence.rating_id == Rating.id).where(Rating.assessment_id == assessment_id)
                 .order_by(Rating.indicator_id, Evidence.id))
            if not self._may(s, assessment_id, "read_restricted"):
                q = q.where(Evidence.restricted.is_(False), Rating.restricted.is_(False))
            rows = s.execute(q).all()
        return pd.DataFrame([tuple(r) for r in rows], columns=cols)

    def last_change_id(self, assessment_id: int) -> int:
        """The audit log's newest entry for an assessment (0 when none): it moves with every change
        anyone saves, so a page compares it to see whether it must re-read."""
        with self._sessions() as s:
            self._assessment(s, assessment_id)
            return int(s.execute(select(func.max(AuditEntry.id)).where(AuditEntry.assessment_id == assessment_id))
                       .scalar() or 0)

    def audit_frame(self, assessment_id: int) -> pd.DataFrame:
        cols = ["at", "who", "entity", "entity_key", "field", "old", "new"]
        with self._sessions() as s:
            self._require(s, assessment_id, "read_restricted")  # old and new values: restricted ones too
            rows = s.execute(select(AuditEntry.at, AuditEntry.who, AuditEntry.entity, AuditEntry.entity_key,
                                    AuditEntry.field, AuditEntry.old, AuditEntry.new)
                             .where(AuditEntry.assessment_id == assessment_id)
                             .order_by(AuditEntry.id)).all()
        return pd.DataFrame([tuple(r) for r in rows], columns=cols)

    # -- added for the pages (workbook.app) ---------------------------------------------------
    def agreed_ratings(self) -> pd.DataFrame:
        """The agreed rating of every stored indicator of every assessment, in one query:
        ``assessment_id``, ``indicator_id``, ``agreed`` (completion on the home page)."""
        with self._sessions() as s:
            q = select(Rating.assessment_id, Rating.indicator_id, Rating.agreed, Rating.restricted)
            visible = self._visible(s)
            if visible is not None:
                q = q.where(Rating.assessment_id.in_(visible))
            full = {aid for aid in (visible or ()) if self._may(s, aid, "read_restricted")}
            rows = [(aid, ind, None if restricted and visible is not None and aid not in full else agreed)
                    for aid, ind, agreed, restricted in s.execute(q).all()]
        return pd.DataFrame(rows, columns=["assessment_id", "indicator_id", "agreed"])

"""What every store shares: sessions on one engine, the assessment lookup, the writable check,
the editor's name and version checks, and the retry on a briefly unreachable database.

A store is a class deriving from :class:`StoreBase` (the assessment store
:class:`~workbook.store.Store`, the road-map store :class:`~workbook.roadmap.RoadmapStore`, and
any store a later table needs). Every public method of such a class is wrapped by
:func:`retrying` when the class is defined: a call that meets a transient database error (a
locked SQLite file, a PostgreSQL server restarting or a dropped connection) is run again
whole, after :data:`RETRY_DELAYS`, and then raises :class:`~workbook.errors.Unavailable`.
Each write is one transaction, so a retry never half-applies; a call made from inside another
store call is retried by the outermost one only.

Several calls that must succeed or fail together (an import that saves criteria answers, the
crossing-point profile and ratings) run inside :meth:`StoreBase.one_transaction`.
"""
from __future__ import annotations

import contextlib
import copy
import functools
import inspect
import threading
import time
from collections.abc import Iterator

from sqlalchemy import Engine, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from ..errors import InvalidInput, NotFound, Problem, Problems, Unavailable
from ..framework import Framework, load_framework
from ..inputs import parse_text
from ..names import Anonymity
from . import access
from . import audit as _audit_chain  # noqa: F401 - registers the hash chain on every session
from .access import NOBODY, ROLES, Actor, Forbidden, KernelIdentity
from .models import Assessment, AuditEntry, CrossingPoint, Interview, utcnow

RETRY_DELAYS = (0.25, 0.75, 2.0)  # seconds between attempts when the database is briefly unreachable
TRANSIENT = ("database is locked", "could not connect", "connection refused", "connection failed",
             "server closed the connection", "terminating connection", "connection reset", "timeout expired",
             "connection timed out", "the database system is starting up", "the database system is shutting down",
             "deadlock detected", "could not serialize access")
#: ``actor`` of a store opened without one: the signed-in person in a page's kernel when the server
#: has accounts on (:mod:`workbook.store.access`), else nobody in particular (accounts off).
FROM_ENVIRONMENT = "from the environment"

_retry_depth = threading.local()


def is_transient(exc: DBAPIError) -> bool:
    """A database error that may pass if the call is tried again a moment later."""
    text = str(exc.orig if exc.orig is not None else exc).lower()
    return bool(exc.connection_invalidated) or any(t in text for t in TRANSIENT)


def retrying(method):
    """Retry a whole store call when the database is briefly unavailable; then raise
    :class:`Unavailable` (nothing was saved)."""
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        if getattr(_retry_depth, "n", 0):  # nested call: the outermost call retries
            return method(self, *args, **kwargs)
        _retry_depth.n = 1
        try:
            waited = 0.0
            for delay in (*RETRY_DELAYS, None):
                try:
                    return method(self, *args, **kwargs)
                except DBAPIError as exc:
                    if not is_transient(exc):
                        raise
                    if delay is None:
                        url = self.engine.url.render_as_string(hide_password=True)
                        cause = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else type(exc).__name__
                        raise Unavailable(f"the database {url} is not reachable (tried {len(RETRY_DELAYS) + 1} "
                                          f"times over {waited:.1f} s): {cause}. Nothing was saved; try again "
                                          "when it is back.") from None
                    time.sleep(delay)
                    waited += delay
        finally:
            _retry_depth.n = 0
    wrapper.retrying = True
    return wrapper


class StoreBase:
    """Sessions on ``engine`` and the checks every store makes; see the module docstring.

    Parameters
    ----------
    engine : sqlalchemy.Engine
        The database (:func:`workbook.store.db.get_engine`).
    framework : Framework
        The framework that indicator and sub-area ids are checked against.
    actor : Actor, KernelIdentity or None
        Who the store acts for (:mod:`workbook.store.access`): None, nobody in particular
        (accounts off: everything visible, the typed name recorded); an :class:`Actor`; or a
        page kernel's identity. Default: the page kernel's identity when the server has
        accounts on, else None.
    """

    def __init__(self, engine: Engine, framework: Framework, *, actor=FROM_ENVIRONMENT):
        self.engine = engine
        self.framework = framework
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        if actor is FROM_ENVIRONMENT:
            actor = KernelIdentity() if access.accounts_required() else None
        if actor is not None and not isinstance(actor, (Actor, KernelIdentity)):
            raise TypeError(f"actor: expected an access.Actor, a KernelIdentity or None, not {type(actor).__name__}")
        self.actor_source = actor
        self.donor_view = False

    def for_donors(self) -> StoreBase:
        """A copy of this store that reads as a donor viewer does, whoever it acts for: restricted
        findings, notes and evidence left out of every read (what the donor brief and the
        comparison report are built from). Writes are unchanged."""
        twin = copy.copy(self)
        twin.donor_view = True
        return twin

    @contextlib.contextmanager
    def one_transaction(self) -> Iterator[StoreBase]:
        """Run several store calls as ONE transaction: yields a copy of this store whose calls
        (and sessions opened on its ``engine``, which is then the transaction's connection) all
        join one database transaction, committed when the block ends and rolled back whole when
        anything in it raises. Calls inside are not retried one by one (a retry cannot resume a
        broken transaction); a database that goes away during the block raises
        :class:`Unavailable`, with nothing saved."""
        engine = self.engine
        depth = getattr(_retry_depth, "n", 0)
        try:
            with engine.connect() as conn, conn.begin():
                twin = copy.copy(self)
                twin.engine = conn  # a bind like the engine: Session(twin.engine) joins the transaction
                twin._sessions = sessionmaker(bind=conn, expire_on_commit=False,
                                              join_transaction_mode="rollback_only")
                _retry_depth.n = 1
                try:
                    yield twin
                finally:
                    _retry_depth.n = depth
        except DBAPIError as exc:
            if not is_transient(exc) or depth:
                raise
            cause = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else type(exc).__name__
            raise Unavailable(f"the database {engine.url.render_as_string(hide_password=True)} went away during "
                              f"the transaction: {cause}. Nothing was saved; try again when it is back.") from None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name, member in list(vars(cls).items()):
            if (inspect.isfunction(member) and (not name.startswith("_") or name == "__init__")
                    and not getattr(member, "retrying", False)):
                setattr(cls, name, retrying(member))

    def _framework(self, a: Assessment) -> Framework:
        """The framework an assessment was rated against: this store's framework when the versions
        match, else the shipped version it records (assessments may stay on an older version)."""
        if a.framework_version == self.framework.version and a.framework_id == self.framework.id:
            return self.framework
        return load_framework(version=a.framework_version)

    def framework_of(self, assessment_id: int) -> Framework:
        """The framework (version) an assessment is rated against."""
        with self._sessions() as s:
            return self._framework(self._assessment(s, assessment_id))

    # -- who the store acts for, and what they may do (workbook.store.access) ----------------------
    def _actor(self, s: Session) -> Actor | None:
        """The actor of this call (None: accounts off), checked once per database session: a page
        whose sign-in ended raises :class:`~workbook.store.access.SessionEnded`."""
        if "actor" not in s.info:
            src = self.actor_source
            if src is None or (isinstance(src, Actor) and src.session_id is None):
                actor = src
            elif isinstance(src, Actor):
                actor = access.session_actor(s, src.username, src.session_id)
            else:
                claims = src.claims()
                actor = NOBODY if claims is None else access.session_actor(s, *claims)
            s.info["actor"] = actor
        return s.info["actor"]

    @property
    def actor(self) -> Actor | None:
        """Who this store acts for right now (None: accounts off)."""
        with self._sessions() as s:
            return self._actor(s)

    def _require(self, s: Session, assessment_id: int, permission: str = "read") -> Assessment:
        """The assessment, if the actor may do ``permission`` in it. Without a role it does not
        exist for them (:class:`NotFound`, the same message as for an id that exists nowhere);
        with a role that does not allow it, :class:`~workbook.store.access.Forbidden`."""
        actor = self._actor(s)
        a = s.get(Assessment, assessment_id) if isinstance(assessment_id, int) or str(assessment_id).isdigit() \
            else None
        if actor is None:
            if a is None:
                raise NotFound(f"no assessment with id {assessment_id}")
        else:
            role = None if a is None else access.role_of(s, actor, a.id)
            if role is None:
                raise access.not_found()
            if not access.allows(role, permission):
                raise Forbidden(f"your role in {a.country_code} {a.round} ({ROLES[role]}) does not allow this "
                                f"({permission.replace('_', ' ')}); nothing was saved")
        if self.donor_view and permission == "read_restricted":
            raise Forbidden(f"this view of {a.country_code} {a.round} is for donors: it leaves restricted content "
                            "out")
        return a

    def _assessment(self, s: Session, assessment_id: int) -> Assessment:
        """The assessment, if the actor may read it."""
        return self._require(s, assessment_id, "read")

    def _may(self, s: Session, assessment_id: int, permission: str) -> bool:
        """Whether the actor may do ``permission`` in an assessment it can read."""
        if self.donor_view and permission == "read_restricted":
            return False
        actor = self._actor(s)
        return actor is None or access.allows(access.role_of(s, actor, assessment_id), permission)

    def _visible(self, s: Session) -> set[int] | None:
        """Ids of the assessments the actor has a role in (None: all)."""
        actor = self._actor(s)
        return None if actor is None else access.visible_ids(s, actor)

    def _sees(self, s: Session, assessment_id: int) -> bool:
        """Whether the actor has a role in the assessment (a record of one they have not is "not found")."""
        visible = self._visible(s)
        return visible is None or assessment_id in visible

    def _writable(self, s: Session, assessment_id: int, permission: str = "edit") -> Assessment:
        """The assessment, if the actor may change it (``permission``) and it is not final."""
        a = self._require(s, assessment_id, permission)
        if a.status == "final":
            raise InvalidInput(Problem("status", f"{a.country_code} {a.round} is final and read-only"))
        return a

    @staticmethod
    def _anonymity(s: Session, assessment_id: int) -> Anonymity | None:
        """When an interviewee of the assessment was promised anonymity, the rule that refuses a
        person's name in its free text (the team, posts, agencies, regions and country allowed);
        else None."""
        promised = s.scalar(select(Interview.id).where(Interview.assessment_id == assessment_id,
                                                       Interview.anonymity.is_(True)).limit(1))
        if promised is None:
            return None
        a = s.get(Assessment, assessment_id)
        posts = s.scalars(select(CrossingPoint).where(CrossingPoint.assessment_id == assessment_id)).all()
        known = [*(m.name for m in a.team), a.country_name, *(p.code for p in posts), *(p.name for p in posts),
                 *(p.region for p in posts if p.region), *(x for p in posts for x in (p.agencies or []))]
        return Anonymity(tuple(known))

    def _refuse_names(self, s: Session, assessment_id: int, texts, *, what: str) -> None:
        """Refuse (:class:`InvalidInput`, every problem located) the ``(where, text)`` pairs that
        name a person when interviewees of the assessment were promised anonymity."""
        rule = self._anonymity(s, assessment_id)
        if rule is None:
            return
        problems = Problems()
        for where, text in texts:
            rule.check(text, where, problems)
        problems.raise_if_any(what=what)

    def anonymity(self, assessment_id: int) -> Anonymity | None:
        """The anonymity rule of an assessment's free text (see :meth:`_anonymity`), None when no
        interviewee was promised anonymity."""
        with self._sessions() as s:
            return self._anonymity(s, self._assessment(s, assessment_id).id)

    def can(self, permission: str, assessment_id: int) -> bool:
        """Whether the actor may do ``permission`` in an assessment (:data:`access.PERMISSIONS`);
        False for an assessment they cannot see."""
        with self._sessions() as s:
            try:
                self._require(s, assessment_id, permission)
            except (NotFound, Forbidden):
                return False
            return True

    def require(self, permission: str, assessment_id: int) -> None:
        """Raise unless the actor may do ``permission`` in an assessment: :class:`NotFound` (the
        same message as for a missing one) without a role, :class:`~workbook.store.access.Forbidden`
        with a role that does not allow it. For code that reads the database around the store
        (exports)."""
        with self._sessions() as s:
            self._require(s, assessment_id, permission)

    def _who(self, by) -> str:
        """The name recorded with a change: the signed-in person's (a different typed name is
        refused: nobody records a change in someone else's name), else the typed name (required)."""
        if self.actor_source is None:
            return parse_text(by, "by", required=True)
        actor = self.actor
        if actor is None:
            return parse_text(by, "by", required=True)
        typed = by.strip() if isinstance(by, str) else by
        if typed not in (None, "", actor.name, actor.username):
            raise InvalidInput(Problem("by", f"you are signed in as {actor.label}: changes are recorded under your "
                                             "account, not under a typed name"))
        if not actor.account_id:
            raise access.not_found()
        return actor.name

    def _audit(self, s: Session, *, assessment_id: int, entity: str, field: str, who: str, entity_key: str = "",
               old=None, new=None, at=None) -> AuditEntry:
        """Add one audit entry (chained by :mod:`workbook.store.audit` when flushed), with the
        signed-in account when there is one."""
        actor = self._actor(s)
        e = AuditEntry(assessment_id=assessment_id, entity=entity, entity_key=entity_key, field=field, old=old,
                       new=new, who=who, at=at or utcnow(),
                       account=actor.username if actor is not None and actor.account_id else None)
        s.add(e)
        return e

    @staticmethod
    def _check_version(expected_version, where: str = "expected_version") -> list[Problem]:
        """The version an editor saw must be a whole number (or None: not checked)."""
        if expected_version is not None and (isinstance(expected_version, bool)
                                             or not isinstance(expected_version, int)):
            return [Problem(where, "must be a whole number")]
        return []

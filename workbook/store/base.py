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

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from ..errors import InvalidInput, NotFound, Problem, Unavailable
from ..framework import Framework, load_framework
from ..inputs import parse_text
from .models import Assessment

RETRY_DELAYS = (0.25, 0.75, 2.0)  # seconds between attempts when the database is briefly unreachable
TRANSIENT = ("database is locked", "could not connect", "connection refused", "connection failed",
             "server closed the connection", "terminating connection", "connection reset", "timeout expired",
             "connection timed out", "the database system is starting up", "the database system is shutting down")

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
    """

    def __init__(self, engine: Engine, framework: Framework):
        self.engine = engine
        self.framework = framework
        self._sessions = sessionmaker(engine, expire_on_commit=False)

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

    def _assessment(self, s: Session, assessment_id: int) -> Assessment:
        a = s.get(Assessment, assessment_id)
        if a is None:
            raise NotFound(f"no assessment with id {assessment_id}")
        return a

    def _writable(self, s: Session, assessment_id: int) -> Assessment:
        """The assessment, unless it is final (read-only)."""
        a = self._assessment(s, assessment_id)
        if a.status == "final":
            raise InvalidInput(Problem("status", f"{a.country_code} {a.round} is final and read-only"))
        return a

    @staticmethod
    def _who(by) -> str:
        """The name recorded with a change (required)."""
        return parse_text(by, "by", required=True)

    @staticmethod
    def _check_version(expected_version, where: str = "expected_version") -> list[Problem]:
        """The version an editor saw must be a whole number (or None: not checked)."""
        if expected_version is not None and (isinstance(expected_version, bool)
                                             or not isinstance(expected_version, int)):
            return [Problem(where, "must be a whole number")]
        return []

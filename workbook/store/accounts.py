"""Accounts of a server with its own sign-in (``workbook serve --accounts workbook``).

Passwords are kept as argon2id hashes (:mod:`argon2`, parameters of RFC 9106's low-memory
profile); a hash made with older parameters is replaced at the next good sign-in. Guessing is
slowed: after :data:`MAX_FAILURES` wrong passwords in a row an account is locked for
:data:`LOCKOUT`, and a sign-in while it is locked fails even with the right password. A failed
sign-in says the same whether the account exists, is disabled or the password is wrong, and an
unknown name costs the same hashing time, so the answer does not tell which accounts exist.

A signed-in browser holds a random token; the database keeps only its SHA-256
(:class:`~workbook.store.models.AccountSession`), with an expiry. Disabling an account or
resetting its password ends its sessions. Every change to an account is written to the audit
log's chain of changes that belong to no assessment (:data:`workbook.store.audit.GLOBAL_CHAIN`).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from ..errors import InvalidInput, NotFound, Problem, Problems, WorkbookError
from ..inputs import parse_text
from .access import Actor
from .audit import GLOBAL_CHAIN
from .models import Account, AccountSession, Assessment, AssessmentRole, AuditEntry, utcnow

MAX_FAILURES = 5
LOCKOUT = dt.timedelta(minutes=15)
SESSION_HOURS = 8
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,59}$")
HASHER = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4)
#: Hashed for an unknown name, so that it costs the same time as a known one.
_DUMMY_HASH = HASHER.hash("not a password of anyone")
SIGN_IN_FAILED = "wrong name or password, or the account is locked or disabled"


class SignInFailed(WorkbookError):
    """A sign-in was refused; the message does not say why (see the module)."""


@dataclass(frozen=True)
class UserInfo:
    username: str
    name: str
    active: bool
    may_create: bool
    locked: bool
    roles: tuple[tuple[str, str], ...]  # (assessment label, role)


def _check_password(password, problems: Problems) -> None:
    if not isinstance(password, str) or not (MIN_PASSWORD <= len(password) <= MAX_PASSWORD):
        problems.add("password", f"a password has {MIN_PASSWORD} to {MAX_PASSWORD} characters")


def _username(username, problems: Problems) -> str:
    if not isinstance(username, str) or not USERNAME.match(username):
        problems.add("username", f"{username!r}: use 2 to 60 letters, digits, dots, dashes or underscores, "
                                 "starting with a letter or digit")
        return ""
    return username


def _audit(s: Session, username: str, field: str, old, new, who: str) -> None:
    s.add(AuditEntry(assessment_id=GLOBAL_CHAIN, entity="account", entity_key=username, field=field, old=old,
                     new=new, who=who, at=utcnow()))


def _get(s: Session, username: str) -> Account:
    acc = s.scalar(select(Account).where(Account.username == username))
    if acc is None:
        raise NotFound(f"no account {username!r} (see `workbook users list`)")
    return acc


def add_user(engine: Engine, username: str, password: str, *, name: str | None = None, may_create: bool = False,
             by: str = "administrator") -> UserInfo:
    problems = Problems()
    display = problems.take(parse_text, name if name else (username or "?"), "name", required=True)
    username = _username(username, problems)
    _check_password(password, problems)
    problems.raise_if_any(what="new account")
    with Session(engine) as s, s.begin():
        if s.scalar(select(Account.id).where(Account.username == username)) is not None:
            raise InvalidInput(Problem("username", f"an account {username!r} already exists"), what="new account")
        s.add(Account(username=username, display_name=display, source="local", password_hash=HASHER.hash(password),
                      active=True, may_create=bool(may_create), failed_attempts=0))
        _audit(s, username, "created", None, display + (" (may create assessments)" if may_create else ""), by)
    return UserInfo(username, display, True, bool(may_create), False, ())


def set_active(engine: Engine, username: str, active: bool, *, by: str = "administrator") -> None:
    with Session(engine) as s, s.begin():
        acc = _get(s, username)
        if acc.active != active:
            _audit(s, username, "active", str(acc.active).lower(), str(active).lower(), by)
            acc.active, acc.updated_at = active, utcnow()
        if not active:
            _end_sessions(s, acc.id)


def reset_password(engine: Engine, username: str, password: str, *, by: str = "administrator") -> None:
    problems = Problems()
    _check_password(password, problems)
    problems.raise_if_any(what="password reset")
    with Session(engine) as s, s.begin():
        acc = _get(s, username)
        acc.password_hash, acc.failed_attempts, acc.locked_until = HASHER.hash(password), 0, None
        acc.updated_at = utcnow()
        _end_sessions(s, acc.id)
        _audit(s, username, "password", None, "reset", by)


def list_users(engine: Engine) -> list[UserInfo]:
    now = utcnow()
    with Session(engine) as s:
        roles: dict[int, list[tuple[str, str]]] = {}
        for acc_id, code, rnd, role in s.execute(
                select(AssessmentRole.account_id, Assessment.country_code, Assessment.round, AssessmentRole.role)
                .join(Assessment, Assessment.id == AssessmentRole.assessment_id)
                .order_by(Assessment.country_code, Assessment.round)):
            roles.setdefault(acc_id, []).append((f"{code} {rnd}", role))
        return [UserInfo(a.username, a.display_name, a.active, a.may_create,
                         a.locked_until is not None and a.locked_until > now, tuple(roles.get(a.id, ())))
                for a in s.scalars(select(Account).order_by(Account.username))]


def _end_sessions(s: Session, account_id: int) -> None:
    s.execute(update(AccountSession).where(AccountSession.account_id == account_id,
                                           AccountSession.ended_at.is_(None)).values(ended_at=utcnow()))


def authenticate(engine: Engine, username, password, *, now: dt.datetime | None = None) -> Actor:
    """The actor of a good name and password; :class:`SignInFailed` otherwise (counted towards
    the lock-out of an existing account)."""
    now = now or utcnow()
    if not isinstance(username, str) or not isinstance(password, str) or len(password) > MAX_PASSWORD \
            or len(username) > 60:
        raise SignInFailed(SIGN_IN_FAILED)
    with Session(engine) as s, s.begin():
        acc = s.scalar(select(Account).where(Account.username == username).with_for_update())
        stored = acc.password_hash if acc is not None and acc.password_hash else _DUMMY_HASH
        try:
            good = HASHER.verify(stored, password) and acc is not None and bool(acc.password_hash)
        except (VerificationError, InvalidHashError):
            good = False
        if acc is None:
            raise SignInFailed(SIGN_IN_FAILED)
        locked = acc.locked_until is not None and acc.locked_until > now
        if not good or locked or not acc.active:
            if not good and not locked:
                acc.failed_attempts = (acc.failed_attempts or 0) + 1
                if acc.failed_attempts >= MAX_FAILURES:
                    acc.locked_until, acc.failed_attempts = now + LOCKOUT, 0
                    _audit(s, username, "locked", None, f"after {MAX_FAILURES} wrong passwords, until "
                                                        f"{acc.locked_until:%Y-%m-%d %H:%M} UTC", "sign-in")
        else:
            acc.failed_attempts, acc.locked_until = 0, None
            if HASHER.check_needs_rehash(acc.password_hash):
                acc.password_hash = HASHER.hash(password)
            return Actor(acc.id, acc.username, acc.display_name, bool(acc.may_create))
    raise SignInFailed(SIGN_IN_FAILED)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start_session(engine: Engine, actor: Actor, *, hours: float = SESSION_HOURS, client: str = "") -> tuple[str, str]:
    """A new session for a signed-in actor: ``(session_id, token)``; the token goes in the cookie."""
    token, sid = secrets.token_urlsafe(32), secrets.token_hex(16)
    now = utcnow()
    with Session(engine) as s, s.begin():
        s.add(AccountSession(id=sid, token_hash=_token_hash(token), account_id=actor.account_id, created_at=now,
                             expires_at=now + dt.timedelta(hours=hours), client=str(client)[:200]))
    return sid, token


def session_of_token(engine: Engine, token, *, now: dt.datetime | None = None) -> Actor | None:
    """The actor of an open, unexpired session of an active account, else None."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        return None
    now = now or utcnow()
    with Session(engine) as s:
        row = s.execute(select(Account, AccountSession).join(AccountSession, AccountSession.account_id == Account.id)
                        .where(AccountSession.token_hash == _token_hash(token))).first()
        if row is None or row.AccountSession.ended_at is not None or row.AccountSession.expires_at <= now \
                or not row.Account.active:
            return None
        a = row.Account
        return Actor(a.id, a.username, a.display_name, bool(a.may_create), row.AccountSession.id)


def end_session(engine: Engine, token) -> None:
    if not isinstance(token, str):
        return
    with Session(engine) as s, s.begin():
        s.execute(update(AccountSession).where(AccountSession.token_hash == _token_hash(token),
                                               AccountSession.ended_at.is_(None)).values(ended_at=utcnow()))

"""Who may see, change and sign what: roles per assessment, and the identity a store acts for.

**Accounts off** (the default, one analyst on loopback, the command line): a store acts for
nobody in particular (``actor`` None): everything is visible, and the name typed with a change
is recorded, as before.

**Accounts on** (``workbook serve --accounts workbook|hub``): every store opened in a page's
kernel acts for the person signed in to the server, an :class:`Actor`, and checks each call:

* an assessment they have no role in does not exist for them: every lookup answers
  :class:`~workbook.errors.NotFound` with the same message whether it exists or not;
* what their role allows (:data:`PERMISSIONS`): a reviewer reads and comments, only the national
  counterpart validates, only the team lead moves to final (:data:`TRANSITIONS`), a donor
  viewer reads what is cleared for donors (restricted findings, notes and evidence left out);
* changes, audit entries and sign-offs carry the account's name, not a typed one.

**How the kernel learns who it acts for.** The browser controls the page address and every
widget value, so neither may say who someone is. The server (``workbook.serve``) signs, for
each page request, a short token naming the account and its session with a key that only the
server and its kernels have (:data:`KERNEL_KEY_ENV`, in the kernels' environment from their
start); Voila hands it to the kernel with the request (the ``X-Workbook-Identity`` request
header, which the server sets after removing any the browser sent). The kernel checks the
signature (:func:`verify_identity`) and then, at every store call, that the session is still
open and the account active (:func:`session_actor`): signing out or disabling an account stops
an open page from saving. :data:`KERNEL_ACCOUNTS_ENV`, set only by the server for its kernels,
says that an identity is required; without a valid one a kernel acts for :data:`NOBODY`.

**Behind JupyterHub** (:mod:`workbook.hub` sets :data:`KERNEL_ACCOUNTS_ENV` to ``hub``): each
person's server is started by the hub for that person alone, with the hub's user name in its
environment (:data:`HUB_USER_ENV`, set by the hub's spawner, inherited by the kernels, out of
reach of the browser). The kernel acts for the workbook account of that name, which must exist
and be active (:func:`hub_actor`, checked at every store call like a session).

Other parts of the workbook ask :func:`can` (``access.can(store, actor, "read_interviews",
assessment_id)``) or, inside a store, :meth:`workbook.store.StoreBase._require`.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import NotFound, WorkbookError
from .models import Account, AccountSession, AssessmentRole, utcnow

#: Roles in one assessment, with what each is called on pages and in reports.
ROLES = {
    "team_lead": "team lead",
    "assessor_national": "national assessor",
    "assessor_international": "international assessor",
    "national_counterpart": "national counterpart",
    "reviewer": "reviewer",
    "donor_viewer": "donor viewer",
}
TEAM = ("team_lead", "assessor_national", "assessor_international")
_ALL = tuple(ROLES)
_FULL_READERS = TEAM + ("national_counterpart", "reviewer")

#: What each permission needs: the roles that have it.
PERMISSIONS: dict[str, tuple[str, ...]] = {
    "read": _ALL,
    "read_restricted": _FULL_READERS,  # restricted findings, notes and evidence; the audit log
    "edit": TEAM,
    "mark_restricted": TEAM,
    "comment": _FULL_READERS,
    "submit": TEAM,  # draft -> in review
    "send_back": TEAM + ("national_counterpart",),  # in review or validated -> draft
    "validate": ("national_counterpart",),  # in review -> validated
    "finalise": ("team_lead",),  # validated -> final; reopening a final assessment
    "manage_roles": ("team_lead",),
    "export": _FULL_READERS,
    "export_for_donors": _ALL,
    "import": TEAM,
    "read_interviews": TEAM,  # the field mission's interview log: the team only
}
#: Review steps and the permission each needs.
TRANSITIONS = {("draft", "in_review"): "submit", ("in_review", "draft"): "send_back",
               ("in_review", "validated"): "validate", ("validated", "draft"): "send_back",
               ("validated", "final"): "finalise", ("final", "draft"): "finalise"}

#: Set by the server in its kernels' environment: a page must act for a signed-in account.
KERNEL_ACCOUNTS_ENV = "WORKBOOK_KERNEL_ACCOUNTS"
#: The key the server signs identities with; in the server's and its kernels' environment only.
KERNEL_KEY_ENV = "WORKBOOK_KERNEL_KEY"
#: The request header that carries the signed identity to a page's kernel, and the variable Voila
#: makes of it in the kernel (``VoilaConfiguration.http_header_envs``).
IDENTITY_HEADER = "X-Workbook-Identity"
IDENTITY_ENV = "HTTP_X_WORKBOOK_IDENTITY"
#: Set by JupyterHub's spawner in a person's single-user server: the hub's name of that person.
HUB_USER_ENV = "JUPYTERHUB_USER"
#: The session of an identity that comes from the hub: not a string, so no signed token can name it.
HUB_SESSION = object()
#: A not-found message that is the same whether the assessment exists or not.
HIDDEN = "no such assessment, or you have no role in it"


class Forbidden(WorkbookError):
    """The person has a role in the assessment, but not one that may do this; nothing was saved."""


class SessionEnded(WorkbookError):
    """The sign-in behind a page has ended (signed out, expired, account disabled); nothing was saved."""


@dataclass(frozen=True)
class Actor:
    """The signed-in person a store acts for.

    ``session_id`` is the server session behind a page (checked at every call: a page whose
    session ended stops saving); None for an actor made by trusted code (tests, tools).
    """

    account_id: int
    username: str
    name: str
    may_create: bool = False
    session_id: str | None = None

    @property
    def label(self) -> str:
        return self.name if self.name == self.username else f"{self.name} ({self.username})"


#: Who a kernel acts for when accounts are on and no valid identity reached it: sees nothing.
NOBODY = Actor(0, "", "nobody")


# -- checks -------------------------------------------------------------------------------------
def role_of(s: Session, actor: Actor | None, assessment_id: int) -> str | None:
    """The actor's role in an assessment (None: no role)."""
    if actor is None or not actor.account_id:
        return None
    return s.scalar(select(AssessmentRole.role).where(AssessmentRole.assessment_id == assessment_id,
                                                      AssessmentRole.account_id == actor.account_id))


def allows(role: str | None, permission: str) -> bool:
    if permission not in PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")
    return role in PERMISSIONS[permission]


def visible_ids(s: Session, actor: Actor) -> set[int]:
    """The assessments the actor has a role in."""
    return set(s.scalars(select(AssessmentRole.assessment_id).where(AssessmentRole.account_id == actor.account_id)))


def can(store, actor: Actor | None, permission: str, assessment_id: int) -> bool:
    """Whether ``actor`` may do ``permission`` in an assessment (``actor`` None: accounts are off,
    everything is allowed). ``store``: any store (its database is asked)."""
    if actor is None:
        return True
    with Session(store.engine) as s:
        return allows(role_of(s, actor, assessment_id), permission)


def not_found() -> NotFound:
    return NotFound(HIDDEN)


# -- the signed identity a page's kernel receives -------------------------------------------------
def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_identity(key: bytes, username: str, session_id: str, expires: dt.datetime) -> str:
    """A token naming an account and its session, signed with ``key`` (HMAC-SHA256)."""
    body = _b64(json.dumps({"u": username, "s": session_id, "exp": int(expires.replace(tzinfo=dt.UTC).timestamp())},
                           separators=(",", ":")).encode("utf-8"))
    return body + "." + _b64(hmac.new(key, body.encode("ascii"), hashlib.sha256).digest())


def verify_identity(key: bytes, token: str, now: float | None = None) -> tuple[str, str]:
    """``(username, session_id)`` from a token signed with ``key``; raises :class:`SessionEnded`
    for anything else (no token, a forged or altered one, an expired one)."""
    if not key or not isinstance(token, str) or token.count(".") != 1 or len(token) > 2000:
        raise SessionEnded("no signed identity reached this page: sign in again")
    body, sig = token.split(".")
    try:
        good = hmac.compare_digest(_unb64(sig), hmac.new(key, body.encode("ascii"), hashlib.sha256).digest())
        claims = json.loads(_unb64(body)) if good else None
    except (ValueError, UnicodeError):
        good, claims = False, None
    if not good or not isinstance(claims, dict):
        raise SessionEnded("the identity that reached this page is not the server's: sign in again")
    if not isinstance(claims.get("exp"), int) or claims["exp"] < (time.time() if now is None else now):
        raise SessionEnded("your sign-in has expired: sign in again")
    if not isinstance(claims.get("u"), str) or not isinstance(claims.get("s"), str):
        raise SessionEnded("the identity that reached this page is not the server's: sign in again")
    return claims["u"], claims["s"]


def hub_actor(s: Session, username: str) -> Actor:
    """The actor of the active account named like the JupyterHub user, else :class:`SessionEnded`."""
    a = s.scalar(select(Account).where(Account.username == username))
    if a is None:
        raise SessionEnded(f"the JupyterHub user {username!r} has no account in this workbook: ask its "
                           "administrator (workbook users add) (nothing was saved)")
    if not a.active:
        raise SessionEnded("your account is disabled: ask the workbook's administrator (nothing was saved)")
    return Actor(a.id, a.username, a.display_name, bool(a.may_create))


def session_actor(s: Session, username: str, session_id, now: dt.datetime | None = None) -> Actor:
    """The actor of an open session of an active account, else :class:`SessionEnded`
    (``session_id`` :data:`HUB_SESSION`: the hub vouches for the name, :func:`hub_actor`)."""
    if session_id is HUB_SESSION:
        return hub_actor(s, username)
    row = s.execute(select(Account, AccountSession).join(AccountSession, AccountSession.account_id == Account.id)
                    .where(AccountSession.id == session_id, Account.username == username)).first()
    now = now or utcnow()
    if row is None or row.AccountSession.ended_at is not None:
        raise SessionEnded("you have signed out of this workbook: sign in again (nothing was saved)")
    if row.AccountSession.expires_at <= now:
        raise SessionEnded("your sign-in has expired: sign in again (nothing was saved)")
    if not row.Account.active:
        raise SessionEnded("your account is disabled: ask the workbook's administrator (nothing was saved)")
    a = row.Account
    return Actor(a.id, a.username, a.display_name, bool(a.may_create), session_id)


class KernelIdentity:
    """The identity a page's kernel acts for, read from its environment at each call (a preheated
    kernel learns it only when its visitor arrives): a verified :class:`Actor` whose session is
    checked in the database by the store, or :data:`NOBODY`."""

    def __init__(self, environ: Mapping[str, str] | None = None):
        self._environ = environ
        self._checked: dict[str, tuple[str, str] | None] = {}

    def claims(self) -> tuple[str, str | object] | None:
        env = os.environ if self._environ is None else self._environ
        if env.get(KERNEL_ACCOUNTS_ENV) == "hub":  # the hub's user, never a token from a request
            user = env.get(HUB_USER_ENV, "")
            return (user, HUB_SESSION) if user else None
        token = env.get(IDENTITY_ENV, "")
        if token not in self._checked:
            key = env.get(KERNEL_KEY_ENV, "").encode("ascii", "replace")
            try:
                self._checked[token] = verify_identity(key, token)
            except SessionEnded:
                self._checked[token] = None
        return self._checked[token]


def accounts_required(environ: Mapping[str, str] | None = None) -> bool:
    """True in the kernels of a server with accounts on (the server sets :data:`KERNEL_ACCOUNTS_ENV`)."""
    env = os.environ if environ is None else environ
    return env.get(KERNEL_ACCOUNTS_ENV, "") in ("workbook", "hub")

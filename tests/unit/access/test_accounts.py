"""Accounts for `workbook serve --accounts workbook`: argon2 hashes, lock-out after repeated wrong
passwords, sessions that expire or end, `workbook users add|disable|enable|reset|list`, every change
audited on chain 0; a refused sign-in does not tell which accounts exist."""
import datetime as dt
import io

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from workbook.cli import main
from workbook.errors import InvalidInput, NotFound
from workbook.store import accounts, audit
from workbook.store.models import Account, AuditEntry, utcnow

PASSWORD = "correct horse battery"


@pytest.fixture
def engine(store, monkeypatch):
    # cheaper hashing for speed; one test below checks the real parameters
    monkeypatch.setattr(accounts, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    return store.engine


@pytest.fixture
def maria(engine):
    return accounts.add_user(engine, "maria", PASSWORD, name="Maria Silva", may_create=True)


def _stored(engine, username):
    from sqlalchemy.orm import Session
    with Session(engine) as s:
        return s.scalar(select(Account).where(Account.username == username))


def test_add_and_sign_in(engine, maria):
    actor = accounts.authenticate(engine, "maria", PASSWORD)
    assert (actor.username, actor.name, actor.may_create) == ("maria", "Maria Silva", True)
    stored = _stored(engine, "maria").password_hash
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_real_hash_parameters(store):
    accounts.add_user(store.engine, "ana", PASSWORD)
    assert _stored(store.engine, "ana").password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")


@pytest.mark.parametrize("username, password", [
    ("maria", "wrong password!"), ("nobody", PASSWORD), ("maria", ""), ("maria", None), (None, PASSWORD),
    ("maria", "x" * 5000),
])
def test_a_refused_sign_in_says_the_same_whatever_the_reason(engine, maria, username, password):
    with pytest.raises(accounts.SignInFailed) as exc:
        accounts.authenticate(engine, username, password)
    assert str(exc.value) == accounts.SIGN_IN_FAILED


def test_disabled_account_is_refused_with_the_same_message(engine, maria):
    accounts.set_active(engine, "maria", False)
    with pytest.raises(accounts.SignInFailed, match=accounts.SIGN_IN_FAILED):
        accounts.authenticate(engine, "maria", PASSWORD)
    accounts.set_active(engine, "maria", True)
    assert accounts.authenticate(engine, "maria", PASSWORD).username == "maria"


def test_lock_out_after_repeated_failures(engine, maria):
    for _ in range(accounts.MAX_FAILURES):
        with pytest.raises(accounts.SignInFailed):
            accounts.authenticate(engine, "maria", "a wrong guess")
    with pytest.raises(accounts.SignInFailed):  # the right password, but locked
        accounts.authenticate(engine, "maria", PASSWORD)
    assert [u.locked for u in accounts.list_users(engine)] == [True]
    later = utcnow() + accounts.LOCKOUT + dt.timedelta(seconds=1)
    assert accounts.authenticate(engine, "maria", PASSWORD, now=later).username == "maria"


def test_failures_below_the_limit_are_forgotten_after_a_good_sign_in(engine, maria):
    for _ in range(accounts.MAX_FAILURES - 1):
        with pytest.raises(accounts.SignInFailed):
            accounts.authenticate(engine, "maria", "a wrong guess")
    accounts.authenticate(engine, "maria", PASSWORD)
    with pytest.raises(accounts.SignInFailed):
        accounts.authenticate(engine, "maria", "a wrong guess")
    assert accounts.authenticate(engine, "maria", PASSWORD).username == "maria"  # not locked


def test_reset_lifts_the_lock_out_and_ends_sessions(engine, maria):
    actor = accounts.authenticate(engine, "maria", PASSWORD)
    _, token = accounts.start_session(engine, actor)
    for _ in range(accounts.MAX_FAILURES):
        with pytest.raises(accounts.SignInFailed):
            accounts.authenticate(engine, "maria", "a wrong guess")
    accounts.reset_password(engine, "maria", "a brand new passphrase")
    assert accounts.session_of_token(engine, token) is None
    with pytest.raises(accounts.SignInFailed):
        accounts.authenticate(engine, "maria", PASSWORD)
    assert accounts.authenticate(engine, "maria", "a brand new passphrase").username == "maria"


def test_sessions_expire_end_and_stop_with_the_account(engine, maria):
    actor = accounts.authenticate(engine, "maria", PASSWORD)
    sid, token = accounts.start_session(engine, actor, hours=1)
    assert accounts.session_of_token(engine, token).session_id == sid
    assert accounts.session_of_token(engine, token, now=utcnow() + dt.timedelta(hours=2)) is None
    assert accounts.session_of_token(engine, token + "x") is None and accounts.session_of_token(engine, None) is None
    accounts.set_active(engine, "maria", False)
    assert accounts.session_of_token(engine, token) is None
    accounts.set_active(engine, "maria", True)
    assert accounts.session_of_token(engine, token) is None  # ended, not paused
    _, token2 = accounts.start_session(engine, actor)
    accounts.end_session(engine, token2)
    assert accounts.session_of_token(engine, token2) is None


@pytest.mark.parametrize("username, password, location", [
    ("m", PASSWORD, "username"), ("maria smith", PASSWORD, "username"), ("-maria", PASSWORD, "username"),
    ("maria", "short", "password"), ("maria", None, "password"),
])
def test_bad_new_accounts_are_refused_and_nothing_saved(engine, username, password, location):
    with pytest.raises(InvalidInput) as exc:
        accounts.add_user(engine, username, password)
    assert [p.location for p in exc.value.problems] == [location]
    assert accounts.list_users(engine) == []


def test_duplicate_and_unknown_accounts(engine, maria):
    with pytest.raises(InvalidInput, match="already exists"):
        accounts.add_user(engine, "maria", PASSWORD)
    with pytest.raises(NotFound, match="no account 'ana'"):
        accounts.set_active(engine, "ana", False)


def test_account_changes_are_audited_on_chain_zero(engine, maria):
    accounts.set_active(engine, "maria", False)
    accounts.reset_password(engine, "maria", "another passphrase")
    from sqlalchemy.orm import Session
    with Session(engine) as s:
        rows = s.execute(select(AuditEntry.field, AuditEntry.new).where(AuditEntry.assessment_id == 0)
                         .order_by(AuditEntry.seq)).all()
    assert [f for f, _ in rows] == ["created", "active", "password"]
    assert all("another passphrase" not in str(n) for _, n in rows)
    (state,) = audit.verify(engine, [0])
    assert state.broken is None and state.entries == 3


def test_users_cli(engine, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["users", "add", "ana", "--name", "Ana Ferreira", "--password-stdin"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["users", "add", "ana", "--password-stdin"]) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(["users", "disable", "ana"]) == 0
    assert main(["users", "list"]) == 0
    out = capsys.readouterr().out
    assert "ana" in out and "Ana Ferreira" in out and "disabled" in out and PASSWORD not in out
    monkeypatch.setattr("sys.stdin", io.StringIO("too short\n"))
    assert main(["users", "reset", "ana", "--password-stdin"]) == 2
    assert "a password has 10 to 1024 characters" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("a new long passphrase\n"))
    assert main(["users", "reset", "ana", "--password-stdin"]) == 0
    assert main(["users", "enable", "ana"]) == 0
    assert accounts.authenticate(engine, "ana", "a new long passphrase").name == "Ana Ferreira"

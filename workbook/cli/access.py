"""``workbook audit verify``, ``workbook users add|disable|enable|reset|list`` and ``workbook roles
grant|revoke|list``: the audit log's hash chain, the accounts of a server with accounts on
(:mod:`workbook.store.accounts`) and their roles per assessment (:mod:`workbook.store.access`)."""
from __future__ import annotations

import argparse
import getpass
import sys

from . import LibraryChoices, open_assessment


def register(sub) -> None:
    au = sub.add_parser("audit", help="the audit log").add_subparsers(dest="action", required=True)
    ve = au.add_parser("verify", help="check the audit log's hash chain; report the first broken link")
    ve.add_argument("country", nargs="?", default=None,
                    help="only this country's assessment (ISO alpha-3; its latest round unless --round)")
    ve.add_argument("--round", default=None, help="only this round (with a country)")
    ve.set_defaults(run=run_audit_verify)

    us = sub.add_parser("users", help="accounts for `workbook serve --accounts`").add_subparsers(
        dest="action", required=True)
    add = us.add_parser("add", help="add an account (asks for its password)")
    add.add_argument("username", help="letters, digits, dot, dash or underscore; 2 to 60 characters")
    add.add_argument("--name", default=None, help="the person's name as shown and recorded (default: username)")
    add.add_argument("--may-create", action="store_true", help="may create assessments (and leads those)")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add.set_defaults(run=run_users_add)
    dis = us.add_parser("disable", help="disable an account and end its sessions")
    dis.add_argument("username")
    dis.set_defaults(run=run_users_disable)
    ena = us.add_parser("enable", help="enable a disabled account")
    ena.add_argument("username")
    ena.set_defaults(run=run_users_enable)
    rst = us.add_parser("reset", help="set a new password, lift a lock-out and end the account's sessions")
    rst.add_argument("username")
    rst.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    rst.set_defaults(run=run_users_reset)
    ls = us.add_parser("list", help="list the accounts")
    ls.set_defaults(run=run_users_list)

    ro = sub.add_parser("roles", help="who has which role in an assessment").add_subparsers(
        dest="action", required=True)
    gr = ro.add_parser("grant", help="give an account a role in an assessment (replaces the role it had)")
    gr.add_argument("country", help="ISO 3166-1 alpha-3 code")
    gr.add_argument("username")
    gr.add_argument("role", metavar="ROLE", choices=LibraryChoices("workbook.store.access", "ROLES"),
                    help="one of %(choices)s")
    rv = ro.add_parser("revoke", help="take an account's role in an assessment away")
    rv.add_argument("country", help="ISO 3166-1 alpha-3 code")
    rv.add_argument("username")
    rl = ro.add_parser("list", help="the roles in an assessment")
    rl.add_argument("country", help="ISO 3166-1 alpha-3 code")
    for p in (gr, rv, rl):
        p.add_argument("--round", default=None, help="round (default: the latest)")
        p.add_argument("--by", default="administrator", help="who grants or revokes (recorded in the audit log)")
    rs = sub.add_parser("restrict", help="mark a finding, a note or an evidence record restricted (left out "
                                         "of what donors see), or clear the mark")
    rs.add_argument("country", help="ISO 3166-1 alpha-3 code")
    rs.add_argument("--round", default=None, help="round (default: the latest)")
    what = rs.add_mutually_exclusive_group(required=True)
    what.add_argument("--indicator", default=None, help="the finding of this indicator (levels, note, evidence)")
    what.add_argument("--evidence", type=int, default=None, metavar="N", help="evidence record number N")
    rs.add_argument("--notes-only", action="store_true", help="with --indicator: only its note")
    rs.add_argument("--clear", action="store_true", help="clear the mark")
    rs.add_argument("--by", required=True, help="your name (recorded in the audit log)")
    rs.set_defaults(run=run_restrict)
    gr.set_defaults(run=run_roles)
    rv.set_defaults(run=run_roles)
    rl.set_defaults(run=run_roles)


def run_audit_verify(args: argparse.Namespace) -> int:
    from ..store import Store, audit
    store = Store(args.db_url, actor=None)
    ids = None
    if args.country:
        ids = [store.get_assessment(args.country, args.round).id]
    states = audit.verify(store.engine, ids)
    broken = [st for st in states if st.broken is not None]
    for st in states:
        mark = "BROKEN" if st.broken else "ok"
        print(f"{mark:6} {st.label}: {st.entries} entries" + (f", head {st.head[:12]}" if st.head else ""))
    for st in broken:
        print(f"workbook: {st.broken}", file=sys.stderr)
    if not states:
        print("the audit log is empty")
    return 1 if broken else 0


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(f"password for {args.username}: ")
    if getpass.getpass("the same password again: ") != first:
        from ..errors import InvalidInput, Problem
        raise InvalidInput(Problem("password", "the two passwords differ; nothing was saved"))
    return first


def _accounts(args: argparse.Namespace):
    from ..store import accounts, db
    engine = db.get_engine(args.db_url)
    db.check_schema(engine)
    return accounts, engine


def run_users_add(args: argparse.Namespace) -> int:
    accounts, engine = _accounts(args)
    acc = accounts.add_user(engine, args.username, _password(args), name=args.name, may_create=args.may_create)
    print(f"account {acc.username} ({acc.name}) added" + (", may create assessments" if acc.may_create else ""))
    return 0


def run_users_disable(args: argparse.Namespace) -> int:
    accounts, engine = _accounts(args)
    accounts.set_active(engine, args.username, False)
    print(f"account {args.username} disabled; its sessions ended")
    return 0


def run_users_enable(args: argparse.Namespace) -> int:
    accounts, engine = _accounts(args)
    accounts.set_active(engine, args.username, True)
    print(f"account {args.username} enabled")
    return 0


def run_users_reset(args: argparse.Namespace) -> int:
    accounts, engine = _accounts(args)
    accounts.reset_password(engine, args.username, _password(args))
    print(f"account {args.username}: new password set, lock-out lifted, sessions ended")
    return 0


def run_users_list(args: argparse.Namespace) -> int:
    accounts, engine = _accounts(args)
    rows = accounts.list_users(engine)
    if not rows:
        print("no accounts")
    for u in rows:
        state = "active" if u.active else "disabled"
        if u.locked:
            state += ", locked"
        roles = ", ".join(f"{a} {r}" for a, r in u.roles) or "no roles"
        print(f"{u.username:20} {u.name:30} {state:16} {'may create; ' if u.may_create else ''}{roles}")
    return 0


def run_roles(args: argparse.Namespace) -> int:
    store, a = open_assessment(args, actor=None)  # the administrator, at the command line
    if args.action == "grant":
        store.grant_role(a.id, args.username, args.role, by=args.by)
    elif args.action == "revoke":
        store.revoke_role(a.id, args.username, by=args.by)
    roles = store.roles_frame(a.id)
    print(f"{a.country_code} {a.round}: " + ("no roles" if roles.empty else f"{len(roles)} people"))
    for r in roles.itertuples():
        print(f"  {r.username:20} {r.name:30} {r.role}{'' if r.active else ' (account disabled)'}")
    return 0


def run_restrict(args: argparse.Namespace) -> int:
    store, a = open_assessment(args, actor=None)
    what = "evidence" if args.evidence is not None else ("notes" if args.notes_only else "finding")
    store.set_restricted(a.id, by=args.by, indicator_id=args.indicator, evidence_id=args.evidence, what=what,
                         restricted=not args.clear)
    counts = store.restricted_counts(a.id)
    print(f"{a.country_code} {a.round}: restricted " + ", ".join(f"{n} {k}" for k, n in counts.items()))
    return 0

"""``workbook audit verify``: the audit log's hash chain (:mod:`workbook.store.audit`)."""
from __future__ import annotations

import argparse
import sys


def register(sub) -> None:
    au = sub.add_parser("audit", help="the audit log").add_subparsers(dest="action", required=True)
    ve = au.add_parser("verify", help="check the audit log's hash chain; report the first broken link")
    ve.add_argument("country", nargs="?", default=None,
                    help="only this country's assessment (ISO alpha-3; its latest round unless --round)")
    ve.add_argument("--round", default=None, help="only this round (with a country)")
    ve.set_defaults(run=run_audit_verify)


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

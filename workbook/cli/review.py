"""``workbook status COUNTRY [--to STATUS --by NAME]``: the review workflow and its sign-off trail."""
from __future__ import annotations

import argparse

from . import open_assessment


def register(sub) -> None:
    st = sub.add_parser("status", help="show or change an assessment's review status (draft, in_review, "
                                       "validated, final)")
    st.add_argument("country", help="ISO 3166-1 alpha-3 code")
    st.add_argument("--round", default=None, help="round (default: the latest)")
    st.add_argument("--to", default=None, metavar="STATUS",
                    help="new status: draft, in_review, validated or final")
    st.add_argument("--by", default=None, help="your name (recorded as the sign-off)")
    st.add_argument("--role", default="team", help="team, team_leader, national_counterpart or reviewer")
    st.add_argument("--organisation", default="")
    st.add_argument("--comment", default="", help="why (required to reopen a final assessment)")
    st.set_defaults(run=run_status)


def run_status(args: argparse.Namespace) -> int:
    store, a = open_assessment(args)
    if args.to:
        a = store.set_status(a.id, args.to, by=args.by or "", role=args.role, organisation=args.organisation,
                             comment=args.comment)
    print(f"{a.country_code} {a.round}: {a.status}")
    for r in store.signoffs(a.id).itertuples():
        org = f", {r.organisation}" if r.organisation else ""
        note = f": {r.comment}" if r.comment else ""
        print(f"  {r.at:%Y-%m-%d %H:%M} {r.from_status} -> {r.to_status} by {r.name} ({r.role}{org}){note}")
    return 0

"""``workbook serve``: the Voila app."""
from __future__ import annotations

import argparse


def register(sub) -> None:
    serve = sub.add_parser("serve", help="serve the Voila app")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback only)")
    serve.add_argument("--port", type=int, default=8866)
    serve.add_argument("--no-browser", action="store_true", help="do not open a browser")
    serve.add_argument("--token-file", default=None, metavar="FILE",
                       help="file (mode 0600) holding the access token; default: WORKBOOK_TOKEN. Required, or a "
                            "password hash, when --host is not a loopback address")
    serve.add_argument("--password-hash-file", default=None, metavar="FILE",
                       help="file (mode 0600) holding a Jupyter password hash; default: WORKBOOK_PASSWORD_HASH")
    serve.add_argument("--preheat", type=int, default=None, metavar="N",
                       help="kernels kept ready per pillar notebook (default: 1; 0 to start one per page)")
    serve.add_argument("--no-fork", action="store_true",
                       help="start every kernel the normal way instead of forking it from a warm process "
                            "(slower and larger; for diagnosis)")
    serve.add_argument("--no-report-builder", action="store_true",
                       help="no report builder: reports are then built in the page's own kernel, each page's "
                            "first one slowly (by default the builder starts on the first report and stops "
                            "after WORKBOOK_BUILDER_IDLE seconds without one)")
    serve.add_argument("--accounts", default="", choices=("workbook",),
                       help="each person signs in with their own account (`workbook users add`) and sees only "
                            "the assessments they have a role in; needed, or a token, when --host is not loopback")
    serve.add_argument("--behind-proxy", action="store_true",
                       help="trust X-Forwarded-For/-Proto from a reverse proxy (TLS proxy on the same host)")
    serve.set_defaults(run=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    from ..serve import serve
    return serve(host=args.host, port=args.port, open_browser=not args.no_browser, db_url=args.db_url,
                 token_file=args.token_file, password_hash_file=args.password_hash_file, preheat=args.preheat,
                 trust_proxy_headers=args.behind_proxy, fork=not args.no_fork,
                 builder=not args.no_report_builder, accounts=args.accounts)

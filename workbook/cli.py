"""Command line: ``workbook framework check|export``, ``workbook db upgrade``, ``workbook demo``,
``workbook serve``, ``workbook batch``, ``workbook export|import``, ``workbook status``,
``workbook roadmap``, ``workbook backup|restore``.

Errors the user can fix print as one clear message (no traceback) and exit with status 2;
status 1 means some work (e.g. a country in a batch) failed.
"""
from __future__ import annotations

import argparse
import sys

from .errors import WorkbookError


def _cmd_framework_check(args) -> int:
    from .framework import load_framework
    fw = load_framework(args.file)
    n_sub = sum(len(p.subareas) for p in fw.pillars)
    print(f"OK: {fw.id} {fw.version}: {len(fw.pillars)} pillars, {n_sub} sub-areas, "
          f"{len(fw.indicators)} indicators")
    return 0


def _cmd_db_upgrade(args) -> int:
    from .store import db
    rev = db.upgrade(args.db_url)
    url = db.get_engine(args.db_url).url.render_as_string(hide_password=True)
    print(f"database {url} is at schema revision {rev}")
    return 0


def _cmd_demo(args) -> int:
    from tqdm import tqdm

    from .store.demo import DEMO_COUNTRIES, load_demo
    from .store import Store
    store = Store(args.db_url)
    with tqdm(total=len(DEMO_COUNTRIES), desc="demo data", unit="country", disable=args.quiet or None) as bar:
        loaded = load_demo(store, progress=lambda *_: bar.update())
    codes = ", ".join(f"{c} {n}" for c, n, *_ in DEMO_COUNTRIES)
    print(f"demo countries ({codes}): " + (f"loaded {', '.join(loaded)}" if loaded else "already loaded"))
    return 0


def _cmd_backup(args) -> int:
    from .store.backup import backup
    path = backup(args.output, args.db_url)
    print(f"backup written to {path} ({path.stat().st_size:,} bytes)")
    return 0


def _cmd_restore(args) -> int:
    from .store.backup import restore
    restore(args.file, args.db_url, replace=args.replace)
    print(f"restored {args.file}")
    return 0


def _cmd_status(args) -> int:
    from .store import Store
    store = Store(args.db_url)
    a = store.get_assessment(args.country, args.round)
    if args.to:
        a = store.set_status(a.id, args.to, by=args.by or "", role=args.role, organisation=args.organisation,
                             comment=args.comment)
    print(f"{a.country_code} {a.round}: {a.status}")
    for r in store.signoffs(a.id).itertuples():
        org = f", {r.organisation}" if r.organisation else ""
        note = f": {r.comment}" if r.comment else ""
        print(f"  {r.at:%Y-%m-%d %H:%M} {r.from_status} -> {r.to_status} by {r.name} ({r.role}{org}){note}")
    return 0


def _cmd_serve(args) -> int:
    from .serve import serve
    return serve(host=args.host, port=args.port, open_browser=not args.no_browser, db_url=args.db_url,
                 token_file=args.token_file, password_hash_file=args.password_hash_file, preheat=args.preheat,
                 trust_proxy_headers=args.behind_proxy)


def _cmd_framework_export(args) -> int:
    from .framework_export import main as export_main
    return export_main(args)


def _cmd_batch(args) -> int:
    from .batch import main as batch_main
    return batch_main(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="workbook", description="MBM assessment workbook")
    parser.add_argument("--db-url", default=None,
                        help="SQLAlchemy database URL (default: WORKBOOK_DB_URL, else the embedded SQLite file)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    fw = sub.add_parser("framework", help="check or export the framework file").add_subparsers(dest="action", required=True)
    check = fw.add_parser("check", help="load a framework file and report every problem with its location")
    check.add_argument("file", nargs="?", default=None, help="framework YAML (default: the shipped one)")
    check.set_defaults(func=_cmd_framework_check)
    from .framework_export import add_arguments as add_export_arguments
    export = fw.add_parser("export", help="write the framework as HTML, XLSX or Markdown for expert review")
    add_export_arguments(export)
    export.set_defaults(func=_cmd_framework_export)

    dbp = sub.add_parser("db", help="database schema").add_subparsers(dest="action", required=True)
    up = dbp.add_parser("upgrade", help="create or migrate the database schema to the newest version")
    up.set_defaults(func=_cmd_db_upgrade)

    demo = sub.add_parser("demo", help="load the fictional demo countries (XAT, XBO, XSY); safe to repeat")
    demo.add_argument("--quiet", action="store_true", help="no progress bar")
    demo.set_defaults(func=_cmd_demo)

    bk = sub.add_parser("backup", help="write a consistent backup of the database")
    bk.add_argument("--output", required=True, help="backup file to write")
    bk.set_defaults(func=_cmd_backup)
    rs = sub.add_parser("restore", help="restore a backup into an empty database")
    rs.add_argument("file", help="a file written by `workbook backup`")
    rs.add_argument("--replace", action="store_true", help="replace a database that already holds assessments")
    rs.set_defaults(func=_cmd_restore)

    st = sub.add_parser("status", help="show or change an assessment's review status (draft, in_review, "
                                       "validated, final)")
    st.add_argument("country", help="ISO 3166-1 alpha-3 code")
    st.add_argument("--round", default=None, help="round (default: the latest)")
    st.add_argument("--to", default=None, help="new status: draft, in_review, validated or final")
    st.add_argument("--by", default=None, help="your name (recorded as the sign-off)")
    st.add_argument("--role", default="team", help="team, team_leader, national_counterpart or reviewer")
    st.add_argument("--organisation", default="")
    st.add_argument("--comment", default="", help="why (required to reopen a final assessment)")
    st.set_defaults(func=_cmd_status)

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
    serve.add_argument("--behind-proxy", action="store_true",
                       help="trust X-Forwarded-For/-Proto from a reverse proxy (TLS proxy on the same host)")
    serve.set_defaults(func=_cmd_serve)

    from .exchange import cli as exchange_cli
    exp = sub.add_parser("export", help="export an assessment: Excel workbook (xlsx), KoboToolbox/ODK form "
                                        "(xlsform) or single-file package (json)")
    exchange_cli.add_export_arguments(exp)
    exp.set_defaults(func=exchange_cli.export_main)
    imp = sub.add_parser("import", help="import a filled workbook, KoboToolbox/ODK submissions or a package; "
                                        "--dry-run shows the changes")
    exchange_cli.add_import_arguments(imp)
    imp.set_defaults(func=exchange_cli.import_main)

    from .roadmap_cli import add_arguments as add_roadmap_arguments
    from .roadmap_cli import main as roadmap_main
    rmp = sub.add_parser("roadmap", help="targets, suggestions, road map and donor map of an assessment")
    add_roadmap_arguments(rmp)
    rmp.set_defaults(func=roadmap_main)

    from .batch import add_arguments
    batch = sub.add_parser("batch", help="run the pillar notebooks and build reports per country")
    add_arguments(batch)
    batch.set_defaults(func=_cmd_batch)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except WorkbookError as exc:
        print(f"workbook: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("workbook: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

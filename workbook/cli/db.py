"""``workbook db upgrade``, ``workbook demo``, ``workbook backup`` and ``workbook restore``."""
from __future__ import annotations

import argparse


def register(sub) -> None:
    dbp = sub.add_parser("db", help="database schema").add_subparsers(dest="action", required=True)
    up = dbp.add_parser("upgrade", help="create or migrate the database schema to the newest version")
    up.set_defaults(run=run_upgrade)

    demo = sub.add_parser("demo", help="load the fictional demo countries (XAT, XBO, XSY); safe to repeat")
    demo.add_argument("--quiet", action="store_true", help="no progress bar")
    demo.set_defaults(run=run_demo)

    bk = sub.add_parser("backup", help="write a consistent backup of the database")
    bk.add_argument("--output", required=True, help="backup file to write")
    bk.set_defaults(run=run_backup)
    rs = sub.add_parser("restore", help="restore a backup into an empty database")
    rs.add_argument("file", help="a file written by `workbook backup`")
    rs.add_argument("--replace", action="store_true", help="replace a database that already holds assessments")
    rs.set_defaults(run=run_restore)


def run_upgrade(args: argparse.Namespace) -> int:
    from ..store import db
    rev = db.upgrade(args.db_url)
    url = db.get_engine(args.db_url).url.render_as_string(hide_password=True)
    print(f"database {url} is at schema revision {rev}")
    return 0


def run_demo(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from ..store import Store
    from ..demo import DEMO_COUNTRIES, load_demo
    store = Store(args.db_url)
    with tqdm(total=len(DEMO_COUNTRIES), desc="demo data", unit="country", disable=args.quiet or None) as bar:
        loaded = load_demo(store, progress=lambda *_: bar.update())
    codes = ", ".join(f"{c} {n}" for c, n, *_ in DEMO_COUNTRIES)
    print(f"demo countries ({codes}): " + (f"loaded {', '.join(loaded)}" if loaded else "already loaded"))
    return 0


def run_backup(args: argparse.Namespace) -> int:
    from ..store.backup import backup
    path = backup(args.output, args.db_url)
    print(f"backup written to {path} ({path.stat().st_size:,} bytes)")
    return 0


def run_restore(args: argparse.Namespace) -> int:
    from ..store.backup import restore
    restore(args.file, args.db_url, replace=args.replace)
    print(f"restored {args.file}")
    return 0

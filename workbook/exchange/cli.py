"""``workbook export`` and ``workbook import``: the argument definitions and their handlers.

Wired into :mod:`workbook.cli`; errors raised here derive from
:class:`~workbook.errors.WorkbookError`, which the main command prints without a traceback
(exit status 2). ``import`` exits with 1 when it skipped conflicting values, 0 otherwise.
"""
from __future__ import annotations

import argparse

from ..store import Store
from .files import FORMATS, export_file, import_file


def add_export_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("country", help="ISO 3166-1 alpha-3 code of the assessment, e.g. XAT")
    parser.add_argument("--format", dest="format", choices=list(FORMATS), default="xlsx",
                        help="xlsx: Excel workbook for national experts; xlsform: form for KoboToolbox/ODK Collect; "
                             "json: single-file assessment package (default: xlsx)")
    parser.add_argument("--round", default=None, help="assessment round (default: the latest)")
    parser.add_argument("--output", "-o", default=None,
                        help="file to write (default: outputs/<ISO3>/<round>/<ISO3>-<round>.<ext>)")


def export_main(args: argparse.Namespace) -> int:
    store = Store(getattr(args, "db_url", None))
    info = store.get_assessment(args.country, args.round)
    path = export_file(store, info, args.format, args.output)
    print(f"wrote {FORMATS[args.format][0]} of {info.label}: {path}")
    return 0


def add_import_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="an Excel workbook from `workbook export`, a KoboToolbox/ODK submissions "
                                     "export (CSV or XLSX), or an assessment package (.json)")
    parser.add_argument("--dry-run", action="store_true", help="show what would change; save nothing")
    parser.add_argument("--overwrite", action="store_true",
                        help="also replace ratings changed in the database since the file was exported "
                             "(they are listed and skipped otherwise)")
    parser.add_argument("--by", default=None,
                        help="who is importing, for the audit log (default: the assessors named in submissions, "
                             "else your login name)")
    parser.add_argument("--country", default=None, help="for submissions exports that do not say their country")
    parser.add_argument("--round", default=None, help="for submissions exports that do not say their round")


def import_main(args: argparse.Namespace) -> int:
    store = Store(getattr(args, "db_url", None))
    result = import_file(store, args.file, dry_run=args.dry_run, overwrite=args.overwrite, by=args.by,
                         country=args.country, round=args.round)
    print(result.report)
    return 1 if result.skipped_conflicts else 0

"""``workbook export`` and ``workbook import``: files for field work, out and back in.
``import`` exits with 1 when it skipped conflicting values, 0 otherwise."""
from __future__ import annotations

import argparse
import getpass
from pathlib import Path

from . import LibraryChoices, open_assessment


def register(sub) -> None:
    exp = sub.add_parser("export", help="export an assessment: Excel workbook (xlsx), KoboToolbox/ODK form "
                                        "(xlsform) or single-file package (json)")
    exp.add_argument("country", help="ISO 3166-1 alpha-3 code of the assessment, e.g. XAT")
    exp.add_argument("--format", dest="format", default="xlsx", metavar="FORMAT",
                     choices=LibraryChoices("workbook.exchange.files", "FORMATS"),
                     help="%(choices)s. xlsx: Excel workbook for national experts; xlsform: form for "
                          "KoboToolbox/ODK Collect; json: single-file assessment package (default: xlsx)")
    exp.add_argument("--round", default=None, help="assessment round (default: the latest)")
    exp.add_argument("--lang", default=None, metavar="LANG", choices=LibraryChoices("workbook.i18n", "LANGUAGES"),
                     help="language of the framework text in a workbook or form, %(choices)s (default: "
                          "WORKBOOK_LANG, else en); in another language than English the default file goes to "
                          "outputs/<ISO3>/<round folder>.<lang>/")
    exp.add_argument("--also", action="append", default=[], metavar="LANG",
                     choices=LibraryChoices("workbook.i18n", "LANGUAGES"),
                     help="another language for a bilingual file (repeatable): the XLSForm gets label::<Language> "
                          "(<code>) columns for each language, the Excel workbook each framework text in both; "
                          "e.g. --lang fr --also en")
    exp.add_argument("--output", "-o", default=None,
                     help="file to write (default: outputs/<ISO3>/<round folder>/<ISO3>-<round folder>.<ext>)")
    exp.add_argument("--for-donors", action="store_true",
                     help="a package (json) without restricted findings, notes and evidence and without the audit "
                          "log; it says what was left out")
    exp.add_argument("--encrypt", action="store_true",
                     help="encrypt the file with a passphrase (asked for, or --passphrase-file) for travel")
    exp.add_argument("--passphrase-file", default=None, metavar="FILE",
                     help="read the passphrase from the first line of FILE (never on the command line)")
    exp.set_defaults(run=run_export)

    imp = sub.add_parser("import", help="import a filled workbook, KoboToolbox/ODK submissions or a package; "
                                        "--dry-run shows the changes")
    imp.add_argument("file", help="an Excel workbook from `workbook export`, a KoboToolbox/ODK submissions "
                                  "export (CSV or XLSX), or an assessment package (.json)")
    imp.add_argument("--dry-run", action="store_true", help="show what would change; save nothing")
    imp.add_argument("--overwrite", action="store_true",
                     help="also replace ratings changed in the database since the file was exported "
                          "(they are listed and skipped otherwise)")
    imp.add_argument("--by", default=None,
                     help="who is importing, for the audit log (default: the assessors named in submissions, "
                          "else your login name)")
    imp.add_argument("--country", default=None, help="for submissions exports that do not say their country")
    imp.add_argument("--round", default=None, help="for submissions exports that do not say their round")
    imp.add_argument("--passphrase-file", default=None, metavar="FILE",
                     help="for an encrypted file: read its passphrase from the first line of FILE (else asked for)")
    imp.set_defaults(run=run_import)


def run_export(args: argparse.Namespace) -> int:
    from ..exchange.files import FORMATS, export_file
    store, info = open_assessment(args)
    passphrase = _passphrase(args, twice=True) if args.encrypt or args.passphrase_file else None
    path = export_file(store, info, args.format, args.output, lang=args.lang, also=args.also,
                       for_donors=args.for_donors, passphrase=passphrase)
    print(f"wrote {FORMATS[args.format][0]}{' for donors' if args.for_donors else ''} of {info.label}: {path}")
    return 0


def run_import(args: argparse.Namespace) -> int:
    from ..exchange.files import import_file
    from ..store import Store
    from ..exchange import sealed
    path = Path(args.file)
    passphrase = _passphrase(args, twice=False) if path.is_file() and sealed.is_sealed(path) else None
    result = import_file(Store(args.db_url), path, dry_run=args.dry_run, overwrite=args.overwrite, by=args.by,
                         country=args.country, round=args.round, passphrase=passphrase)
    print(result.report)
    return 1 if result.skipped_conflicts else 0


def _passphrase(args: argparse.Namespace, *, twice: bool) -> str:
    """From ``--passphrase-file`` (its first line), else asked for without echo."""
    from ..errors import InvalidInput, Problem
    if args.passphrase_file:
        try:
            with open(args.passphrase_file, encoding="utf-8") as f:
                return f.readline().rstrip("\r\n")
        except OSError as exc:
            raise InvalidInput(Problem("--passphrase-file", f"{args.passphrase_file}: {exc.strerror}")) from None
    first = getpass.getpass("passphrase: ")
    if twice and getpass.getpass("the same passphrase again: ") != first:
        raise InvalidInput(Problem("passphrase", "the two passphrases differ; nothing was written"))
    return first

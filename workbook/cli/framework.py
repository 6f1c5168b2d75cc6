"""``workbook framework check [FILE] [--lang fr]``, ``workbook framework export --format html|xlsx|md`` and
``workbook framework migrate COUNTRY --to VERSION [--dry-run]``."""
from __future__ import annotations

import argparse
from pathlib import Path

from . import LibraryChoices, open_assessment


def register(sub) -> None:
    fw = sub.add_parser("framework", help="check or export the framework file").add_subparsers(dest="action",
                                                                                                required=True)
    check = fw.add_parser("check", help="load a framework file and report every problem with its location")
    check.add_argument("file", nargs="?", default=None, help="framework YAML (default: the shipped one)")
    check.add_argument("--lang", action="append", default=[], metavar="LANG",
                       choices=LibraryChoices("workbook.i18n", "TRANSLATED"),
                       help="also check the translation into LANG (%(choices)s; repeat for several): list every "
                            "missing or stale string of the framework and the action library with its location; "
                            "exit status 1 when a string is missing (or, with --strict, stale)")
    check.add_argument("--actions", default=None, metavar="FILE",
                       help="action library YAML checked with --lang (default: the shipped one)")
    check.add_argument("--translations", default=None, metavar="DIR",
                       help="folder of the translation files (default: the shipped workbook/data/translations)")
    check.add_argument("--strict", action="store_true", help="with --lang: stale strings fail the check too")
    check.set_defaults(run=run_check)
    export = fw.add_parser("export", help="write the framework as HTML, XLSX or Markdown for expert review")
    export.add_argument("--format", "-f", required=True, metavar="FORMAT",
                        choices=LibraryChoices("workbook.framework.export", "FORMATS"),
                        help="%(choices)s (html: one self-contained page; xlsx: Excel workbook; md: GitHub Markdown)")
    export.add_argument("--output", "-o", default=None, metavar="PATH",
                        help="file to write (default: outputs/framework-<version>.<ext>; "
                             "WORKBOOK_OUTPUTS overrides the folder)")
    export.add_argument("file", nargs="?", default=None, help="framework YAML (default: the shipped one)")
    export.set_defaults(run=run_export)
    mig = fw.add_parser("migrate", help="move an assessment to another framework version (its changelog says where "
                                        "each indicator went); --dry-run lists what each rating becomes")
    mig.add_argument("country", help="ISO 3166-1 alpha-3 code")
    mig.add_argument("--round", default=None, help="round (default: the latest)")
    mig.add_argument("--to", required=True, metavar="VERSION", help="framework version, e.g. 2.0.0")
    mig.add_argument("--by", default=None, help="your name (recorded in the audit log)")
    mig.add_argument("--dry-run", action="store_true", help="show the plan, write nothing")
    mig.set_defaults(run=run_migrate)


def run_check(args: argparse.Namespace) -> int:
    from ..framework import load_framework
    from ..framework.overlap import OVERLAP_THRESHOLD, overlapping_indicators
    fw = load_framework(args.file)
    n_sub = sum(len(p.subareas) for p in fw.pillars)
    crit = fw.criteria.values()
    criteria = (f", {len(fw.criteria):,} criteria ({sum(c.normative for c in crit)} normative)"
                if fw.has_criteria else "")
    print(f"OK: {fw.id} {fw.version}: {len(fw.pillars)} pillars, {n_sub} sub-areas, "
          f"{len(fw.indicators)} indicators{criteria}")
    for o in overlapping_indicators(fw):
        print(f"warning: {o.first} and {o.second} ask much the same (similarity {o.score:.2f}, threshold "
              f"{OVERLAP_THRESHOLD}): give the capability one home and let the other sub-area refer to it")
    status = 0
    for lang in dict.fromkeys(args.lang):
        status = max(status, check_translation(fw, lang, args.actions, args.translations, strict=args.strict))
    return status


def check_translation(fw, lang: str, actions: str | None, translations: str | None, *, strict: bool) -> int:
    """Print the missing and stale strings of one language, located; 1 when any is missing (or stale,
    when ``strict``)."""
    from ..i18n import framework_check, library_check
    from ..roadmap.library import DEFAULT_ACTIONS
    from ..yamlfile import safe_load
    library = safe_load((Path(actions) if actions else DEFAULT_ACTIONS).read_text(encoding="utf-8"))
    failed = False
    for check in (framework_check(fw, lang, translations=translations),
                  library_check(library, lang, translations=translations)):
        print(check.coverage)
        for f in check.findings:
            print(f"  {f.status}: {f.key} at {f.location}")
            if f.status == "stale":
                print(f"    English now: {_short(f.english)}")
                print(f"    translated from an earlier English: {_short(f.translation)}")
        for key in check.obsolete:
            print(f"  obsolete (no longer in the English): {key}")
        failed = failed or bool(check.missing) or (strict and bool(check.stale))
    return 1 if failed else 0


def _short(text: str, n: int = 110) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "\u2026"


def run_export(args: argparse.Namespace) -> int:
    from ..framework import load_framework
    from ..framework.export import default_output_path, export_framework
    fw = load_framework(args.file)
    written = export_framework(fw, args.format, args.output or default_output_path(fw, args.format))
    print(f"wrote {written} ({fw.id} {fw.version}: {len(fw.indicators)} indicators, {args.format})")
    return 0


def run_migrate(args: argparse.Namespace) -> int:
    store, a = open_assessment(args)
    plan = store.migrate_framework(a.id, to_version=args.to, by=args.by or ("dry run" if args.dry_run else ""),
                                   dry_run=args.dry_run)
    print(plan.describe(dry_run=args.dry_run))
    return 0

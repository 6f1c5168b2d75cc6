"""``workbook framework check [FILE]`` and ``workbook framework export --format html|xlsx|md``."""
from __future__ import annotations

import argparse

from . import LibraryChoices


def register(sub) -> None:
    fw = sub.add_parser("framework", help="check or export the framework file").add_subparsers(dest="action",
                                                                                                required=True)
    check = fw.add_parser("check", help="load a framework file and report every problem with its location")
    check.add_argument("file", nargs="?", default=None, help="framework YAML (default: the shipped one)")
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


def run_check(args: argparse.Namespace) -> int:
    from ..framework import load_framework
    fw = load_framework(args.file)
    n_sub = sum(len(p.subareas) for p in fw.pillars)
    print(f"OK: {fw.id} {fw.version}: {len(fw.pillars)} pillars, {n_sub} sub-areas, "
          f"{len(fw.indicators)} indicators")
    return 0


def run_export(args: argparse.Namespace) -> int:
    from ..framework import load_framework
    from ..framework.export import default_output_path, export_framework
    fw = load_framework(args.file)
    written = export_framework(fw, args.format, args.output or default_output_path(fw, args.format))
    print(f"wrote {written} ({fw.id} {fw.version}: {len(fw.indicators)} indicators, {args.format})")
    return 0

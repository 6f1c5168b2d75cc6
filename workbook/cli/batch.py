"""``workbook batch --country XAT [--country ...] | --all``: the pillar notebooks and the reports
per country (see :mod:`workbook.batch`). Exit status 0 when every country succeeded or was
skipped, 1 when one failed."""
from __future__ import annotations

import argparse
import time

from . import LibraryChoices


def _positive_int(text: str) -> int:
    import argparse
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _formats(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(f.strip().lower() for f in text.split(",") if f.strip()))


def register(sub) -> None:
    parser = sub.add_parser("batch", help="run the pillar notebooks and build reports per country")
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument("--country", action="append", default=[], metavar="ISO3",
                     help="a country code with an assessment (repeat for several)")
    who.add_argument("--all", action="store_true", help="every country with an assessment")
    parser.add_argument("--round", default=None,
                        help="the assessment round, e.g. 'baseline 2026' (default: each country's latest)")
    parser.add_argument("--jobs", type=_positive_int, default=None, metavar="N",
                        help="countries run at once in separate processes (default: the number of cores)")
    parser.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                        help="run the countries on this Dask distributed scheduler (pip install "
                             "'mbm-workbook[dask]'; workers need the workbook installed, the database "
                             "reachable, the output folder shared, and one thread each)")
    parser.add_argument("--format", type=_formats, default=None, metavar="html,pdf", dest="formats",
                        help="output formats, comma-separated (default: html,pdf)")
    parser.add_argument("--no-brief", action="store_true", help="no two-page donor brief per country")
    parser.add_argument("--no-comparison", action="store_true",
                        help="no comparison report of the countries in this batch")
    parser.add_argument("--engine", choices=LibraryChoices("workbook.batch.jobs", "ENGINES"), default="warm",
                        metavar="ENGINE",
                        help="papermill engine, %(choices)s: 'warm' keeps one kernel per worker (default); "
                             "'nbclient' starts a kernel per notebook, as the papermill command does")
    parser.add_argument("--pdf-engine", choices=LibraryChoices("workbook.config", "PDF_ENGINES"), default=None,
                        metavar="ENGINE",
                        help="what prints the PDFs, %(choices)s: headless Chromium (fast), WeasyPrint (no browser "
                             "needed) or auto: Chromium when installed (default: WORKBOOK_PDF_ENGINE, else auto)")
    parser.add_argument("--output-dir", default=None, metavar="DIR",
                        help="where <ISO3>/<round folder>/ folders go (default: WORKBOOK_OUTPUTS, else ./outputs)")
    parser.add_argument("--lang", default=None, metavar="LANG", choices=LibraryChoices("workbook.i18n", "LANGUAGES"),
                        help="the reports' language, %(choices)s (default: WORKBOOK_LANG, else en); reports in "
                             "another language than English go to <round folder>.<lang>/")
    parser.add_argument("--force", action="store_true",
                        help="rebuild countries whose data, framework, notebooks and templates are unchanged")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..batch import FORMATS, batch, format_summary
    start = time.perf_counter()
    results = batch(args.country, all_countries=args.all, round=args.round, output_dir=args.output_dir,
                    db_url=args.db_url, force=args.force, formats=args.formats or FORMATS, brief=not args.no_brief,
                    comparison=not args.no_comparison, engine=args.engine, pdf_engine=args.pdf_engine,
                    jobs=args.jobs, scheduler=args.scheduler, progress=False if args.quiet else None, lang=args.lang)
    print(format_summary(results, time.perf_counter() - start))
    return 0 if all(r.ok for r in results) else 1

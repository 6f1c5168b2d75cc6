"""Command line: ``workbook COMMAND ...``, one module per command group.

========================  =======================================================
module                    commands
========================  =======================================================
:mod:`.framework`         ``framework check``, ``framework export``
:mod:`.db`                ``db upgrade``, ``demo``, ``backup``, ``restore``
:mod:`.review`            ``status``
:mod:`.serve`             ``serve``
:mod:`.exchange`          ``export``, ``import``
:mod:`.roadmap`           ``roadmap COUNTRY ACTION``
:mod:`.mission`           ``mission COUNTRY STEP``
:mod:`.batch`             ``batch``
:mod:`.access`            ``audit verify``, ``users ...``, ``roles grant|revoke|list``
========================  =======================================================

Each module has ``register(subparsers)``, which declares its commands with argparse and sets
``run``: a function that turns the parsed arguments into keyword calls of the library (library
functions never take an ``argparse.Namespace``) and returns the exit status. Modules import the
library inside ``run``, so ``workbook --help`` stays fast.

Errors the user can fix print as one clear message (no traceback) and exit with status 2;
status 1 means some work (e.g. a country in a batch) failed.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from ..errors import WorkbookError

EXIT_OK, EXIT_FAILED, EXIT_USER_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130


class LibraryChoices:
    """The values an option accepts, read from the library module that declares them when argparse
    first needs them (to check a value, or for that command's ``--help``, where ``%(choices)s`` in
    the help shows them). Give the option a ``metavar``: then building the parser imports nothing."""

    def __init__(self, module: str, name: str):
        self.module, self.name = module, name

    def _values(self):
        return tuple(getattr(importlib.import_module(self.module), self.name))

    def __iter__(self):
        return iter(self._values())

    def __contains__(self, value) -> bool:
        return value in self._values()


def open_assessment(args: argparse.Namespace, **store_options):
    """The store of ``--db-url`` and the assessment a command names (``args.country`` and
    ``args.round``; the latest round when None): ``(store, info)``. ``store_options`` go to
    :class:`~workbook.store.Store` (``actor=None``: the administrator at the command line)."""
    from ..store import Store
    store = Store(args.db_url, **store_options)
    return store, store.get_assessment(args.country, args.round)


def build_parser() -> argparse.ArgumentParser:
    from . import access, batch, db, exchange, framework, mission, review, roadmap, serve
    parser = argparse.ArgumentParser(prog="workbook", description="MBM assessment workbook")
    parser.add_argument("--db-url", default=None,
                        help="SQLAlchemy database URL (default: WORKBOOK_DB_URL, else the embedded SQLite file)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in (framework, db, review, serve, exchange, roadmap, mission, batch, access):
        group.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except WorkbookError as exc:
        print(f"workbook: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("workbook: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED

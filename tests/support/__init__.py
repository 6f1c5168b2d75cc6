"""Helpers shared by the tests (no tests here): ``reports`` (the rich demo database and reading
reports back), ``library`` (a complete action library), ``exchange`` (criteria answers and a 1.0
assessment for the exchange tests), ``mutations`` (mutated import files for property tests),
``forms`` (a fake event loop for the forms' timers), ``processes`` (free ports, process groups;
the benchmarks use it too)."""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent  # the repository
DATA = ROOT / "tests" / "data"

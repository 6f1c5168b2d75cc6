"""The command line, in-process: upgrade, demo (idempotent), clear errors without tracebacks."""
import subprocess
import sys

import pytest

from workbook.cli import main
from workbook.store import Store


def test_upgrade_and_demo_are_idempotent(blank_url, capsys):
    url = blank_url  # in WORKBOOK_DB_URL
    assert main(["db", "upgrade"]) == 0
    assert main(["db", "upgrade"]) == 0
    assert main(["demo", "--quiet"]) == 0
    assert "loaded XAT, XBO, XSY" in capsys.readouterr().out
    assert main(["demo", "--quiet"]) == 0
    assert "already loaded" in capsys.readouterr().out
    assessments = Store(url).list_assessments()
    assert [(a.country_code, a.round, a.fictional, a.framework_version) for a in assessments] == [
        ("XAT", "baseline 2026", True, "2.0.0"), ("XBO", "baseline 2026", True, "2.0.0"),
        ("XSY", "baseline 2023", True, "1.0.0"), ("XSY", "follow-up 2026", True, "2.0.0")]


def test_demo_on_empty_database_says_what_to_do(blank_url, capsys):
    assert main(["demo", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "run `workbook db upgrade` first" in err and "Traceback" not in err


def test_entry_point_runs():
    out = subprocess.run([sys.executable, "-m", "workbook.cli", "--help"], capture_output=True, text=True, check=True)
    for command in ("framework", "db", "demo", "serve", "batch"):
        assert command in out.stdout


def test_help_imports_nothing_heavy():
    """`workbook --help` stays fast: building the parser imports no data, database, notebook or chart
    library (each command imports what it needs when it runs)."""
    code = ("import sys\nfrom workbook.cli import build_parser\nbuild_parser().format_help()\n"
            "heavy = ('pandas', 'sqlalchemy', 'pydantic', 'matplotlib', 'ipywidgets', 'nbconvert', 'papermill', "
            "'openpyxl')\nprint(sorted({m.split('.')[0] for m in sys.modules} & set(heavy)))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_a_choice_is_checked_against_the_library(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["export", "XAT", "--format", "docx"])  # refused before any database is opened
    assert exc.value.code == 2
    assert "invalid choice: 'docx' (choose from 'xlsx', 'xlsform', 'json')" in capsys.readouterr().err

"""``workbook export`` / ``workbook import`` through the command line's parser (errors raise as they
reach the main command, which prints them)."""
from __future__ import annotations

import pytest
from openpyxl import load_workbook

from workbook.errors import InvalidInput, NotFound


def run(argv: list[str]) -> int:
    from workbook.cli import build_parser
    args = build_parser().parse_args(argv)
    return args.run(args)


@pytest.mark.parametrize("fmt,name", [("xlsx", "XAT-baseline-2026.xlsx"), ("xlsform", "XAT-baseline-2026-xlsform.xlsx"),
                                      ("json", "XAT-baseline-2026.json")])
def test_export_default_output(demo_url, tmp_path, monkeypatch, capsys, fmt, name):
    monkeypatch.setenv("WORKBOOK_OUTPUTS", str(tmp_path / "out"))
    assert run(["export", "XAT", "--format", fmt]) == 0
    path = tmp_path / "out" / "XAT" / "baseline-2026" / name
    assert path.is_file()
    assert str(path) in capsys.readouterr().out


def test_export_unknown_round(demo_url):
    with pytest.raises(NotFound, match="XAT has no assessment for round 'endline'"):
        run(["export", "XAT", "--round", "endline"])


def test_import_dry_run_then_conflict_exit_status(demo_url, tmp_path, capsys):
    path = tmp_path / "XAT.xlsx"
    assert run(["--db-url", demo_url, "export", "xat", "--output", str(path)]) == 0
    wb = load_workbook(path)
    wb["Operations"]["H2"] = "Filled in the field."  # notes (G is the override reason in framework 2.0)
    wb.save(path)
    capsys.readouterr()
    assert run(["import", str(path), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "Operations!H2:" in out and "would change 1 value(s)" in out and "nothing was saved" in out
    # the same cell changed in the database since the export: listed, skipped, exit status 1
    run(["import", str(path), "--by", "Colleague"])
    wb["Operations"]["H2"] = "A second opinion."
    wb.save(path)
    assert run(["import", str(path), "--by", "tester"]) == 1
    assert "SKIP 1 value(s)" in capsys.readouterr().out
    assert run(["import", str(path), "--by", "tester", "--overwrite"]) == 0


def test_import_bad_file_raises_for_the_cli_to_print(demo_url, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("just some notes", encoding="utf-8")
    with pytest.raises(InvalidInput, match="notes.txt: this file is not an Excel workbook"):
        run(["import", str(path)])


def test_import_skips_a_criterion_answered_since_the_export(demo_url, tmp_path, capsys):
    from support.exchange import empty_round
    from workbook.store import Store
    store = Store(demo_url)
    fresh = empty_round(store)  # the demo's baseline answers every criterion
    path = tmp_path / "XAT.xlsx"
    assert run(["export", "XAT", "--round", fresh.round, "--output", str(path)]) == 0
    store.save_criteria(fresh.id, {"ADM.1.1.2a": "no"}, by="Colleague")
    wb = load_workbook(path)
    wb["Criteria"]["D4"] = "yes"  # ADM.1.1.2a, under the headings of ADM.1.1 and its level 2
    wb.save(path)
    capsys.readouterr()
    assert run(["import", str(path), "--by", "tester"]) == 1
    out = capsys.readouterr().out
    assert "Criteria!D4: ADM.1.1.2a answer: file has 'yes', the database has 'no'" in out
    assert "SKIP 1 criterion answer(s)" in out
    assert run(["import", str(path), "--by", "tester", "--overwrite"]) == 0
    assert store.criteria_frame(fresh.id)["answer"].tolist() == ["yes"]

"""The Excel workbook: export, fill it with openpyxl as an assessor would, import, compare.

Every bad file gives located errors and writes nothing."""
from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import pytest
from openpyxl import load_workbook

from workbook.store import db
from workbook.errors import InvalidInput
from workbook.exchange import export_file, import_file
from workbook.exchange.xlsx import EVIDENCE, META
from workbook.store import Store

TODAY = dt.date.today()


@pytest.fixture
def xat(demo_store):
    return demo_store.get_assessment("XAT")


@pytest.fixture
def exported(demo_store, xat, tmp_path):
    return export_file(demo_store, xat, "xlsx", tmp_path / "XAT.xlsx")


def row_of(ws, indicator_id: str) -> int:
    for r in range(2, ws.max_row + 1):
        if ws.cell(row=r, column=1).value == indicator_id:
            return r
    raise AssertionError(f"{indicator_id} not in {ws.title}")


def first_empty_evidence_row(ws) -> int:
    for r in range(2, ws.max_row + 1):
        if all(ws.cell(row=r, column=c).value is None for c in range(1, 8)):
            return r
    raise AssertionError("no empty evidence row")


def fill(path, edits: dict[str, dict], evidence: list[list] = (), out=None):
    """Edit like a user: ``edits = {"Operations": {"D14": 3}}``; evidence rows B..G appended."""
    wb = load_workbook(path)
    for sheet, cells in edits.items():
        for ref, value in cells.items():
            wb[sheet][ref] = value
    ws = wb[EVIDENCE]
    for values in evidence:
        r = first_empty_evidence_row(ws)
        for c, v in enumerate(values, start=2):
            ws.cell(row=r, column=c, value=v)
    wb.save(out or path)
    return out or path


def snapshot(store, info):
    return (store.ratings_frame(info.id).to_dict("records"), store.evidence_frame(info.id).to_dict("records"),
            len(store.audit_frame(info.id)))


def test_export_layout(exported, demo_store):
    fw = demo_store.framework
    wb = load_workbook(exported)
    assert wb.sheetnames[0] == "Read me"
    assert [p.name for p in fw.pillars] == wb.sheetnames[1:5]
    assert wb[META].sheet_state == "veryHidden" and wb["Lists"].sheet_state == "hidden"
    assert wb.security.lockStructure
    ops = wb["Operations"]
    assert [c.value for c in ops[1]][:7] == ["Indicator id", "Sub-area", "Indicator", "National rating",
                                            "External rating", "Agreed rating", "Notes"]
    ind = next(iter(fw.pillar("OPS").subareas[0].indicators))
    r = row_of(ops, ind.id)
    assert ops.cell(row=r, column=8).value == ind.question
    assert [ops.cell(row=r, column=c).value for c in range(9, 14)] == [lv.descriptor for lv in ind.levels]
    # ids locked, rating cells unlocked, sheet protected, dropdown on the rating columns
    assert ops.protection.sheet
    assert ops.cell(row=r, column=1).protection.locked
    assert not any(ops.cell(row=r, column=c).protection.locked for c in (4, 5, 6, 7))
    assert any("D2:F" in str(dv.sqref) and "NA" in dv.formula1 for dv in ops.data_validations.dataValidation)
    meta = {row[0]: row[1] for row in wb[META].iter_rows(max_col=2, values_only=True) if row[0]}
    assert meta["country"] == "XAT" and meta["framework_version"] == fw.version and meta["exported_at"]


def test_untouched_file_changes_nothing(exported, demo_store, xat):
    before = snapshot(demo_store, xat)
    result = import_file(demo_store, exported, by="tester")
    assert result.changed == 0 and not result.plan.conflicts and not result.plan.evidence
    assert snapshot(demo_store, xat) == before


def test_round_trip(exported, demo_store, xat):
    ops = load_workbook(exported)["Operations"]
    r1, r2 = row_of(ops, "OPS.1.1"), row_of(ops, "OPS.2.1")
    fill(exported, {"Operations": {f"D{r1}": 5, f"E{r1}": "2", f"F{r1}": "na", f"G{r1}": "Seen at the port.",
                                   f"F{r2}": "IE"}},
         evidence=[["OPS.1.1", "law", "Border Law 2020", dt.date(2024, 5, 1), "art. 12", "Ana Ferreira"],
                   ["OPS.2.1", "observation", "Visit to the land crossing", None, None, None]])
    result = import_file(demo_store, exported, by="tester")
    assert result.changed == 2
    got = demo_store.get_rating(xat.id, "OPS.1.1")
    assert (got["national"], got["external"], got["agreed"], got["notes"]) == ("5", "2", "NA", "Seen at the port.")
    assert demo_store.get_rating(xat.id, "OPS.2.1")["agreed"] == "IE"
    ev = demo_store.evidence_frame(xat.id)
    law = ev[(ev.indicator_id == "OPS.1.1") & (ev.source == "Border Law 2020")]
    assert law.iloc[0].to_dict() | {"evidence_id": 0} == {
        "evidence_id": 0, "indicator_id": "OPS.1.1", "type": "law", "source": "Border Law 2020",
        "date": dt.date(2024, 5, 1), "reference": "art. 12", "supplied_by": "Ana Ferreira"}
    # importing the same file again adds nothing: the new evidence is now on file
    again = import_file(demo_store, exported, by="tester")
    assert again.changed == 0 and len(again.plan.duplicates) == 2


def test_dry_run_shows_changes_and_writes_nothing(exported, demo_store, xat):
    ops = load_workbook(exported)["Operations"]
    r = row_of(ops, "OPS.1.1")
    fill(exported, {"Operations": {f"D{r}": 1}})
    before = snapshot(demo_store, xat)
    result = import_file(demo_store, exported, dry_run=True, by="tester")
    assert f"Operations!D{r}: OPS.1.1 national:" in result.report and "-> '1'" in result.report
    assert "nothing was saved" in result.report
    assert snapshot(demo_store, xat) == before


BAD_CELLS = [
    ("wrong level", {"Operations": {"D14": "three"}}, [],
     "Operations!D14: 'three' is not a level; use 1-5, NA, NE or IE"),
    ("level out of range", {"Administration": {"F3": 7}}, [], "Administration!F3: 7 is not a level"),
    ("unknown id", {"Operations": {"A5": "OPS.99.1"}}, [], "Operations!A5: unknown indicator 'OPS.99.1'"),
    ("duplicate id", {"Operations": {"A5": "OPS.1.1"}}, [], "Operations!A5: OPS.1.1 appears twice"),
    ("extra column", {"Operations": {"P1": "My comments", "P4": "x"}}, [],
     "Operations!P1: unexpected column 'My comments'"),
    ("value outside the columns", {"Regulatory framework": {"Q9": "stray"}}, [],
     "Regulatory framework!Q9: unexpected value 'stray' outside the workbook's columns"),
    ("renamed header", {"Operations": {"D1": "Rating"}}, [],
     "Operations!D1: expected the header 'National rating', found 'Rating'"),
    ("notes too long", {"Operations": {"G2": "x" * 10_001}}, [], "Operations!G2: is 10001 characters long"),
    ("evidence date in the future", {}, [["OPS.1.1", "law", "Border Law", TODAY + dt.timedelta(days=3)]],
     f"{(TODAY + dt.timedelta(days=3)).isoformat()} is in the future"),
    ("evidence date not a date", {}, [["OPS.1.1", "law", "Border Law", "last spring"]],
     "'last spring' is not a date; use YYYY-MM-DD"),
    ("evidence unknown indicator", {}, [["XXX.1.1", "law", "Border Law"]], "unknown indicator 'XXX.1.1'"),
    ("evidence unknown type", {}, [["OPS.1.1", "rumour", "Heard it"]], "'rumour' is not an evidence type"),
    ("evidence without source", {}, [["OPS.1.1", "law", None]], "Evidence!D", ),
]


@pytest.mark.parametrize("edits,evidence,expected", [c[1:] for c in BAD_CELLS], ids=[c[0] for c in BAD_CELLS])
def test_bad_cell_is_located_and_nothing_written(exported, demo_store, xat, edits, evidence, expected):
    # a valid change in the same file must not be written either
    ops = load_workbook(exported)["Operations"]
    fill(exported, {"Operations": {f"G{row_of(ops, 'OPS.3.1')}": "a valid note"}} | edits, evidence)
    before = snapshot(demo_store, xat)
    with pytest.raises(InvalidInput) as err:
        import_file(demo_store, exported, by="tester")
    assert any(expected in str(p) for p in err.value.problems), err.value
    assert snapshot(demo_store, xat) == before


def test_every_problem_reported_at_once(exported, demo_store):
    fill(exported, {"Operations": {"D14": "three", "E15": 0}, "Administration": {"A3": "ADM.0.0"}},
         evidence=[["OPS.1.1", "law", "Border Law", TODAY + dt.timedelta(days=1)]])
    with pytest.raises(InvalidInput) as err:
        import_file(demo_store, exported, by="tester")
    locations = sorted(p.location.split("!")[0] + "!" + p.location.split("!")[1][:1] for p in err.value.problems)
    assert len(err.value.problems) == 4, err.value
    assert locations == ["Administration!A", "Evidence!E", "Operations!D", "Operations!E"]


def test_missing_sheet(exported, demo_store, xat):
    wb = load_workbook(exported)
    del wb["Information management"]
    wb.save(exported)
    before = snapshot(demo_store, xat)
    with pytest.raises(InvalidInput, match="Information management: the sheet is missing"):
        import_file(demo_store, exported, by="tester")
    assert snapshot(demo_store, xat) == before


def test_missing_metadata_sheet(exported, demo_store):
    wb = load_workbook(exported)
    del wb[META]
    wb.save(exported)
    with pytest.raises(InvalidInput, match="neither a workbook made by `workbook export"):
        import_file(demo_store, exported, by="tester")


@pytest.mark.parametrize("content,expected", [
    (b"country,round\nXAT,baseline\n", "this file is not an Excel workbook (.xlsx)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 200, "an old .xls file"),
    (b"PK\x03\x04 truncated zip", "this file is not an Excel workbook (.xlsx)"),
])
def test_not_excel_at_all(demo_store, tmp_path, content, expected):
    path = tmp_path / "ratings.xlsx"
    path.write_bytes(content)
    with pytest.raises(InvalidInput) as err:
        import_file(demo_store, path, by="tester")
    assert err.value.problems[0].location == "ratings.xlsx"
    assert expected in err.value.problems[0].message


def test_changed_existing_evidence_is_refused(exported, demo_store):
    wb = load_workbook(exported)
    wb[EVIDENCE]["D2"] = "rewritten source"
    wb.save(exported)
    with pytest.raises(InvalidInput, match=r"Evidence!A2: record \d+ was changed"):
        import_file(demo_store, exported, by="tester")


def test_conflicts_listed_and_skipped_unless_overwrite(exported, demo_store, xat):
    ops = load_workbook(exported)["Operations"]
    r1, r2 = row_of(ops, "OPS.1.1"), row_of(ops, "OPS.1.2")
    # someone changes OPS.1.1 in the app after the export...
    demo_store.save_rating(xat.id, "OPS.1.1", by="Colleague", agreed="4" if
                           demo_store.get_rating(xat.id, "OPS.1.1")["agreed"] != "4" else "3")
    # ...and OPS.1.2's notes, which the file does not touch
    demo_store.save_rating(xat.id, "OPS.1.2", by="Colleague", notes="changed in the app")
    fill(exported, {"Operations": {f"F{r1}": "NE", f"D{r2}": 1}})
    result = import_file(demo_store, exported, by="tester")
    assert [(c.indicator_id, c.field) for c in result.plan.conflicts] == [("OPS.1.1", "agreed")]
    assert "changed by Colleague" in result.report and "--overwrite" in result.report
    assert result.skipped_conflicts == 1
    assert demo_store.get_rating(xat.id, "OPS.1.1")["agreed"] != "NE"
    got = demo_store.get_rating(xat.id, "OPS.1.2")
    assert got["national"] == "1" and got["notes"] == "changed in the app"  # the untouched cell kept the new notes
    result = import_file(demo_store, exported, by="tester", overwrite=True)
    assert demo_store.get_rating(xat.id, "OPS.1.1")["agreed"] == "NE" and result.skipped_conflicts == 0


def test_unknown_assessment(exported, tmp_path):
    url = f"sqlite:///{tmp_path / 'other.db'}"
    db.upgrade(url)
    with pytest.raises(InvalidInput, match="no assessment for country 'XAT'"):
        import_file(Store(url), exported, by="tester")


@pytest.mark.skipif(not (shutil.which("libreoffice") or shutil.which("soffice")),
                    reason="LibreOffice is not installed (apt-get install libreoffice-calc-nogui); "
                           "the other tests still check the file with openpyxl")
def test_libreoffice_opens_the_workbook(exported, demo_store, tmp_path):
    exe = shutil.which("libreoffice") or shutil.which("soffice")
    profile = f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}"

    def convert(to: str) -> None:
        proc = subprocess.run([exe, profile, "--headless", "--convert-to", to, "--outdir", str(tmp_path / "lo"),
                               str(exported)], capture_output=True, text=True, timeout=180)
        assert proc.returncode == 0, proc.stderr
    convert("csv")
    text = (tmp_path / "lo" / "XAT.csv").read_text(encoding="utf-8", errors="replace")
    assert "Migration and Border Management Assessment Framework" in text  # the first sheet: Read me
    # an assessor who saves the file with LibreOffice can still send it back
    convert("xlsx")
    result = import_file(demo_store, tmp_path / "lo" / "XAT.xlsx", dry_run=True)
    assert result.plan.empty and not result.plan.duplicates

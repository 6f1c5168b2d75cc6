"""The Excel workbook: export, fill it with openpyxl as an assessor would, import, compare.

Every bad file gives located errors and writes nothing. Framework 2.0 workbooks (layout 2) carry
the criteria, the crossing-point profile and the override reason; a 1.0 assessment's workbook
keeps layout 1 (no criteria). Indicator ids follow framework 2.0 (OPS.1.1 and OPS.3.1 were merged
into REG.2.1 and REG.2.2; the Operations sheet starts with OPS.1.2)."""
from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from support.exchange import FW, IND, capacity, empty_round, framework_1_assessment, met_up_to
from workbook.store import db
from workbook.errors import Conflict, InvalidInput
from workbook.exchange import export_file, import_file
from workbook.exchange.plan import apply_plan
from workbook.exchange.xlsx import CRITERIA, EVIDENCE, META, PROFILE, read_xlsx
from workbook.store import Store

TODAY = dt.date.today()


@pytest.fixture
def xat(demo_store):
    return demo_store.get_assessment("XAT")


@pytest.fixture(scope="module")
def fresh_exports(tmp_path_factory) -> dict:
    """The export of a fresh demo database, made once per backend (every test's demo database is the
    same copy, so it is the same file but for the export time); each test gets a copy."""
    return {"folder": tmp_path_factory.mktemp("exports")}


@pytest.fixture
def exported(demo_store, xat, tmp_path, fresh_exports):
    backend = demo_store.engine.url.get_backend_name()
    if backend not in fresh_exports:
        fresh_exports[backend] = export_file(demo_store, xat, "xlsx", fresh_exports["folder"] / f"{backend}.xlsx")
    return Path(shutil.copy(fresh_exports[backend], tmp_path / "XAT.xlsx"))


@pytest.fixture
def blank(demo_store):
    return empty_round(demo_store)


@pytest.fixture
def blank_xlsx(demo_store, blank, tmp_path):
    return export_file(demo_store, blank, "xlsx", tmp_path / "XAT-2027.xlsx")


def sheet_row(indicator_id: str) -> int:
    """The row of an indicator on its pillar sheet (framework order, after the header row)."""
    pillar = FW.pillar_of(indicator_id)
    return 2 + [i for sa in pillar.subareas for i in sa.indicators].index(FW.indicator(indicator_id))


def criteria_row(item: str) -> int:
    """The row of a criterion (or of an indicator's heading) on the Criteria sheet: per indicator a
    heading row, then per level 2-5 a heading row and its criteria."""
    row = 1
    for ind in FW.indicators.values():
        row += 1
        if item == ind.id:
            return row
        for lv in ind.levels[1:]:
            row += 1
            for c in lv.criteria:
                row += 1
                if item == c.id:
                    return row
    raise AssertionError(f"{item} is not a criterion")


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


def merged(*edits: dict[str, dict]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for e in edits:
        for sheet, cells in e.items():
            out.setdefault(sheet, {}).update(cells)
    return out


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


def criteria_rows(ws) -> dict[str, int]:
    """Criterion id -> its row on the Criteria sheet."""
    return {ws.cell(row=r, column=1).value: r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=1).value}


def answer(path, answers: dict[str, str], notes: dict[str, str] = (), profile: dict[str, str] | None = None):
    """Fill the Criteria sheet (and the Crossing points sheet) like a user."""
    wb = load_workbook(path)
    ws = wb[CRITERIA]
    rows = criteria_rows(ws)
    for cid, value in answers.items():
        ws[f"D{rows[cid]}"] = value
    for cid, value in dict(notes).items():
        ws[f"E{rows[cid]}"] = value
    if profile is not None:
        prof = wb[PROFILE]
        for r in range(2, prof.max_row + 1):
            if prof.cell(row=r, column=1).value in profile:
                prof.cell(row=r, column=3, value=profile[prof.cell(row=r, column=1).value])
    wb.save(path)
    return rows


def snapshot(store, info):
    return (store.ratings_frame(info.id).to_dict("records"), store.evidence_frame(info.id).to_dict("records"),
            store.criteria_frame(info.id).to_dict("records"), store.crossing_profile(info.id),
            len(store.audit_frame(info.id)))


def test_export_layout(exported, demo_store):
    fw = demo_store.framework
    wb = load_workbook(exported)
    assert wb.sheetnames[0] == "Read me"
    assert [p.name for p in fw.pillars] == wb.sheetnames[1:5]
    assert wb[META].sheet_state == "veryHidden" and wb["Lists"].sheet_state == "hidden"
    assert wb.security.lockStructure
    ops = wb["Operations"]
    assert [c.value for c in ops[1]][:9] == ["Indicator id", "Sub-area", "Indicator", "National rating",
                                            "External rating", "Agreed rating", "Override reason", "Notes",
                                            "Criteria level at export"]
    ind = next(iter(fw.pillar("OPS").subareas[0].indicators))
    r = sheet_row(ind.id)
    assert all(row_of(wb[p.name], i.id) == sheet_row(i.id) for p in fw.pillars for sa in p.subareas
               for i in sa.indicators)
    assert ops.cell(row=r, column=10).value == ind.question
    assert [ops.cell(row=r, column=c).value for c in range(11, 16)] == [lv.descriptor for lv in ind.levels]
    # ids locked, rating cells unlocked, sheet protected, dropdown on the rating columns
    assert ops.protection.sheet
    assert ops.cell(row=r, column=1).protection.locked and ops.cell(row=r, column=9).protection.locked
    assert not any(ops.cell(row=r, column=c).protection.locked for c in (4, 5, 6, 7, 8))
    assert any("D2:F" in str(dv.sqref) and "NA" in dv.formula1 for dv in ops.data_validations.dataValidation)
    meta = {row[0]: row[1] for row in wb[META].iter_rows(max_col=2, values_only=True) if row[0]}
    assert meta["country"] == "XAT" and meta["framework_version"] == fw.version and meta["exported_at"]


def test_untouched_file_changes_nothing(exported, demo_store, xat):
    before = snapshot(demo_store, xat)
    result = import_file(demo_store, exported, by="tester")
    assert result.changed == 0 and not result.plan.conflicts and not result.plan.evidence
    assert snapshot(demo_store, xat) == before


def test_round_trip(exported, demo_store, xat):
    r1, r2 = sheet_row("OPS.1.2"), sheet_row("OPS.2.1")
    fill(exported, {"Operations": {f"D{r1}": 5, f"E{r1}": "2", f"F{r1}": "na", f"H{r1}": "Seen at the port.",
                                   f"F{r2}": "IE"}},
         evidence=[["OPS.1.2", "law", "Border Law 2020", dt.date(2024, 5, 1), "art. 12", "Ana Ferreira"],
                   ["OPS.2.1", "observation", "Visit to the land crossing", None, None, None]])
    result = import_file(demo_store, exported, by="tester")
    assert result.changed == 2
    got = demo_store.get_rating(xat.id, "OPS.1.2")
    assert (got["national"], got["external"], got["agreed"], got["notes"]) == ("5", "2", "NA", "Seen at the port.")
    assert demo_store.get_rating(xat.id, "OPS.2.1")["agreed"] == "IE"
    ev = demo_store.evidence_frame(xat.id)
    law = ev[(ev.indicator_id == "OPS.1.2") & (ev.source == "Border Law 2020")]
    assert law.iloc[0].to_dict() | {"evidence_id": 0} == {
        "evidence_id": 0, "indicator_id": "OPS.1.2", "type": "law", "source": "Border Law 2020",
        "date": dt.date(2024, 5, 1), "reference": "art. 12", "supplied_by": "Ana Ferreira",
        "restricted": False}
    # importing the same file again adds nothing: the new evidence is now on file
    again = import_file(demo_store, exported, by="tester")
    assert again.changed == 0 and len(again.plan.duplicates) == 2


def test_dry_run_shows_changes_and_writes_nothing(exported, demo_store, xat):
    r = sheet_row("OPS.1.2")
    fill(exported, {"Operations": {f"D{r}": 1}})
    before = snapshot(demo_store, xat)
    result = import_file(demo_store, exported, dry_run=True, by="tester")
    assert f"Operations!D{r}: OPS.1.2 national:" in result.report and "-> '1'" in result.report
    assert "nothing was saved" in result.report
    assert snapshot(demo_store, xat) == before


BAD_CELLS = [
    ("wrong level", {"Operations": {"D14": "three"}}, [],
     "Operations!D14: 'three' is not a level; use 1-5, NA, NE or IE"),
    ("level out of range", {"Administration": {"F3": 7}}, [], "Administration!F3: 7 is not a level"),
    ("unknown id", {"Operations": {"A5": "OPS.99.1"}}, [], "Operations!A5: unknown indicator 'OPS.99.1'"),
    ("duplicate id", {"Operations": {"A5": "OPS.1.2"}}, [], "Operations!A5: OPS.1.2 appears twice"),
    ("extra column", {"Operations": {"R1": "My comments", "R4": "x"}}, [],
     "Operations!R1: unexpected column 'My comments'"),
    ("value outside the columns", {"Regulatory framework": {"S9": "stray"}}, [],
     "Regulatory framework!S9: unexpected value 'stray' outside the workbook's columns"),
    ("renamed header", {"Operations": {"D1": "Rating"}}, [],
     "Operations!D1: expected the header 'National rating', found 'Rating'"),
    ("notes too long", {"Operations": {"H2": "x" * 10_001}}, [], "Operations!H2: is 10001 characters long"),
    ("override reason too long", {"Operations": {"G3": "x" * 501}}, [], "Operations!G3: is 501 characters long"),
    ("evidence date in the future", {}, [["OPS.1.2", "law", "Border Law", TODAY + dt.timedelta(days=3)]],
     f"{(TODAY + dt.timedelta(days=3)).isoformat()} is in the future"),
    ("evidence date not a date", {}, [["OPS.1.2", "law", "Border Law", "last spring"]],
     "'last spring' is not a date; use YYYY-MM-DD"),
    ("evidence unknown indicator", {}, [["XXX.1.1", "law", "Border Law"]], "unknown indicator 'XXX.1.1'"),
    ("evidence unknown type", {}, [["OPS.1.2", "rumour", "Heard it"]], "'rumour' is not an evidence type"),
    ("evidence without source", {}, [["OPS.1.2", "law", None]], "Evidence!D", ),
    ("answer not yes/no/na", {CRITERIA: {"D5": "maybe"}}, [],
     "Criteria!D5: 'maybe' is not an answer; use yes, no or na"),
    ("criterion id that does not exist", {CRITERIA: {"A5": "OPS.2.3.9z"}}, [],
     "Criteria!A5: unknown criterion 'OPS.2.3.9z' in framework mbm-assessment-framework 2.0.0"),
    ("criterion header renamed", {CRITERIA: {"D1": "Met?"}}, [],
     "Criteria!D1: expected the header 'Answer', found 'Met?'"),
    ("profile not yes/no", {PROFILE: {"C2": "sometimes"}}, [], "Crossing points!C2: 'sometimes' is not an answer"),
    ("profile half answered", {PROFILE: {"C2": "yes", "C3": None}}, [],  # the demo records the profile
     "Crossing points!C3: answer yes or no for land too"),
    ("landlocked with a seaport", {PROFILE: {"C2": "no", "C3": "yes", "C4": "yes", "C5": "no", "C6": "no",
                                             "C8": "yes"}}, [],
     "Crossing points!C2:C6: a landlocked country has no seaport"),
]


@pytest.mark.parametrize("edits,evidence,expected", [c[1:] for c in BAD_CELLS], ids=[c[0] for c in BAD_CELLS])
def test_bad_cell_is_located_and_nothing_written(exported, demo_store, xat, edits, evidence, expected):
    # valid changes in the same file (a note, a criterion answer) must not be written either
    valid = {"Operations": {f"H{sheet_row('OPS.3.2')}": "a valid note"},
             CRITERIA: {f"D{criteria_row('OPS.2.3.2a')}": "yes"}}
    fill(exported, merged(valid, edits), evidence)
    before = snapshot(demo_store, xat)
    with pytest.raises(InvalidInput) as err:
        import_file(demo_store, exported, by="tester")
    assert any(expected in str(p) for p in err.value.problems), err.value
    assert snapshot(demo_store, xat) == before


def test_every_criteria_problem_reported_at_once(exported, demo_store, xat):
    """Criteria sheet (heading rows D2/D3, ADM.1.1.2a-c in rows 4-6, ADM.1.1.3a-e from row 8) and profile."""
    before = snapshot(demo_store, xat)
    fill(exported, {CRITERIA: {"D2": "yes", "E3": "note on a level heading", "D4": "maybe", "E5": "x" * 501,
                               "A6": "ADM.1.1.3a", "A9": "ADM.1.1.9z", "D10": "yes"},
                    PROFILE: {"C2": "sometimes", "C3": "yes", "C4": "na", "C5": "no", "C6": "no"}})
    with pytest.raises(InvalidInput) as err:
        import_file(demo_store, exported, by="tester")
    assert sorted(str(p) for p in err.value.problems) == sorted([
        "Criteria!D2: this is a heading row, not a criterion: answer on the criterion rows below it",
        "Criteria!E3: this is a heading row, not a criterion: answer on the criterion rows below it",
        "Criteria!D4: 'maybe' is not an answer; use yes, no or na (not applicable)",
        "Criteria!E5: is 501 characters long; the limit is 500",
        f"Criteria!A6: the row of ADM.1.1.3a does not hold its text ({FW.criterion('ADM.1.1.3a').text[:50]!r}...): "
        "ids and texts are locked, so the rows were edited or moved; export a fresh workbook",
        "Criteria!A9: unknown criterion 'ADM.1.1.9z' in framework mbm-assessment-framework 2.0.0",
        "Crossing points!C2: 'sometimes' is not an answer; use yes, no or na (not applicable)",
        "Crossing points!C4: 'na' is not an answer here; use yes or no"]), err.value
    assert snapshot(demo_store, xat) == before


def test_every_problem_reported_at_once(exported, demo_store):
    fill(exported, {"Operations": {"D14": "three", "E15": 0}, "Administration": {"A3": "ADM.0.0"}},
         evidence=[["OPS.1.2", "law", "Border Law", TODAY + dt.timedelta(days=1)]])
    with pytest.raises(InvalidInput) as err:
        import_file(demo_store, exported, by="tester")
    locations = sorted(p.location.split("!")[0] + "!" + p.location.split("!")[1][:1] for p in err.value.problems)
    assert len(err.value.problems) == 4, err.value
    assert locations == ["Administration!A", "Evidence!E", "Operations!D", "Operations!E"]


@pytest.mark.parametrize("sheet,expected", [
    ("Information management", "Information management: the sheet is missing"),
    (CRITERIA, "Criteria: the sheet is missing"),
    (META, "neither a workbook made by `workbook export"),
])
def test_missing_sheet(exported, demo_store, xat, sheet, expected):
    wb = load_workbook(exported)
    del wb[sheet]
    wb.save(exported)
    before = snapshot(demo_store, xat)
    with pytest.raises(InvalidInput, match=expected):
        import_file(demo_store, exported, by="tester")
    assert snapshot(demo_store, xat) == before


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
    r1, r2 = sheet_row("OPS.1.2"), sheet_row("OPS.1.3")
    # someone changes OPS.1.2 in the app after the export...
    demo_store.save_rating(xat.id, "OPS.1.2", by="Colleague", override_reason="Seen at the posts in May.",
                           agreed="4" if demo_store.get_rating(xat.id, "OPS.1.2")["agreed"] != "4" else "3")
    # ...and OPS.1.3's notes, which the file does not touch
    demo_store.save_rating(xat.id, "OPS.1.3", by="Colleague", notes="changed in the app")
    fill(exported, {"Operations": {f"F{r1}": "NE", f"D{r2}": 1}})
    result = import_file(demo_store, exported, by="tester")
    assert [(c.indicator_id, c.field) for c in result.plan.conflicts] == [("OPS.1.2", "agreed")]
    assert "changed by Colleague" in result.report and "--overwrite" in result.report
    assert result.skipped_conflicts == 1
    assert demo_store.get_rating(xat.id, "OPS.1.2")["agreed"] != "NE"
    got = demo_store.get_rating(xat.id, "OPS.1.3")
    assert got["national"] == "1" and got["notes"] == "changed in the app"  # the untouched cell kept the new notes
    result = import_file(demo_store, exported, by="tester", overwrite=True)
    assert demo_store.get_rating(xat.id, "OPS.1.2")["agreed"] == "NE" and result.skipped_conflicts == 0


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


# -- framework 2.0: criteria, crossing points, override reasons -----------------------------------
def test_criteria_and_profile_sheets(exported, demo_store):
    wb = load_workbook(exported)
    assert wb.sheetnames.index(CRITERIA) > wb.sheetnames.index("Information management")
    ws = wb[CRITERIA]
    assert [c.value for c in ws[1]] == ["Criterion id", "Level", "Criterion", "Answer", "Note", "Normative",
                                        "Applies to", "Observe at", "Shown by"]
    rows = criteria_rows(ws)
    assert set(FW.criteria) <= set(rows) and set(FW.indicators) <= set(rows)  # a heading row per indicator
    assert rows == {k: criteria_row(k) for k in rows}  # the layout the helpers of these tests assume
    crit = FW.criterion("ADM.1.1.3c")  # exists only for seaports and river or lake ports
    r = rows[crit.id]
    assert [ws.cell(row=r, column=c).value for c in (2, 3, 7, 9)] == [3, crit.text, "Seaport, River or lake port",
                                                                       crit.shown_by]
    normative = next(c for c in FW.criteria.values() if c.normative)
    assert ws.cell(row=rows[normative.id], column=6).value == "normative"
    assert ws.cell(row=rows["ADM.1.1.3a"] - 1, column=3).value.startswith("Level 3 ")  # the level's heading row
    # only the answer and note cells of criterion rows are unlocked; a yes/no/na dropdown on the answers
    assert ws.protection.sheet and ws.cell(row=r, column=1).protection.locked
    assert not ws.cell(row=r, column=4).protection.locked and not ws.cell(row=r, column=5).protection.locked
    assert ws.cell(row=rows["ADM.1.1"], column=4).protection.locked
    assert any(str(dv.sqref).startswith("D2:D") and dv.formula1 == '"yes,no,na"'
               for dv in ws.data_validations.dataValidation)
    prof = wb[PROFILE]
    assert [prof.cell(row=r, column=1).value for r in range(2, 9)] == ["air", "land", "sea", "river_lake", "rail",
                                                                        "island", "landlocked"]
    profile = demo_store.crossing_profile(demo_store.get_assessment("XAT", "baseline 2026").id)  # the demo's
    assert [prof.cell(row=r, column=3).value for r in range(2, 9)] == [
        "yes" if k in profile.kinds else "no" for k in ("air", "land", "sea", "river_lake", "rail")] + [
        "yes" if profile.island else "no", "yes" if profile.landlocked else "no"]
    assert not prof.cell(row=2, column=3).protection.locked


def test_criteria_round_trip(blank_xlsx, demo_store, blank, tmp_path):
    """Export -> answer the criteria, the profile and an override -> import -> the same answers and levels,
    and a fresh export holds exactly what was filled."""
    filled = met_up_to(3) | {capacity(4)[0]: "no", capacity(4)[1]: "yes"} | met_up_to(2, "OPS.2.1")
    notes = {capacity(4)[0]: "No referral log at the port.", capacity(2)[0]: "List seen at the airport."}
    answer(blank_xlsx, filled, notes, profile={"air": "yes", "land": "yes", "sea": "no", "river_lake": "no",
                                             "rail": "no", "landlocked": "yes"})
    r = sheet_row("OPS.2.1")  # the team keeps OPS.2.1 at 3 although its criteria give 2: an override
    fill(blank_xlsx, {"Operations": {f"F{r}": 3, f"G{r}": "Level-3 procedure adopted last week, not yet on file."}})
    dry = import_file(demo_store, blank_xlsx, dry_run=True, by="tester")
    assert f"Criteria!D{criteria_rows(load_workbook(blank_xlsx)[CRITERIA])[capacity(2)[0]]}: {capacity(2)[0]} " \
           "answer: (empty) -> 'yes'" in dry.report
    assert "Crossing points!C2:C8: crossing-point profile: not recorded (every criterion applies) -> air, land " \
           "(landlocked)" in dry.report
    assert f"{IND}: the criteria give level 3" in dry.report and "the agreed level follows" in dry.report
    assert "OPS.2.1: the criteria give level 2" in dry.report and "override: Level-3 procedure" in dry.report
    result = import_file(demo_store, blank_xlsx, by="tester")
    assert result.answers == len(filled) and result.skipped_conflicts == 0
    saved = demo_store.criteria_frame(blank.id).set_index("criterion_id")
    assert saved["answer"].to_dict() == filled
    assert saved.loc[capacity(4)[0], "note"] == "No referral log at the port."
    assert demo_store.crossing_profile(blank.id).kinds == frozenset({"air", "land"})
    assert demo_store.crossing_profile(blank.id).landlocked is True
    assert demo_store.get_rating(blank.id, IND)["agreed"] == "3"  # the agreed level followed the criteria
    kept = demo_store.get_rating(blank.id, "OPS.2.1")
    assert (kept["agreed"], kept["override_reason"]) == ("3", "Level-3 procedure adopted last week, not yet on file.")
    scores = demo_store.scores(blank.id).indicators.set_index("indicator_id")
    assert scores.loc[IND, "criteria_level"] == 3 and not scores.loc[IND, "override"]
    assert scores.loc["OPS.2.1", "criteria_level"] == 2 and scores.loc["OPS.2.1", "override"]
    # the same file again changes nothing; a fresh export carries what was filled, and imports as no change
    assert import_file(demo_store, blank_xlsx, dry_run=True, by="tester").plan.empty
    again = export_file(demo_store, blank, "xlsx", tmp_path / "again.xlsx")
    wb = load_workbook(again)
    ws, rows = wb[CRITERIA], criteria_rows(wb[CRITERIA])
    assert {cid: ws.cell(row=rows[cid], column=4).value for cid in filled} == filled
    assert ws.cell(row=rows[capacity(2)[0]], column=5).value == "List seen at the airport."
    assert [wb[PROFILE].cell(row=r, column=3).value for r in range(2, 9)] == ["yes", "yes", "no", "no", "no", None,
                                                                              "yes"]
    ops2 = wb["Operations"]
    assert ops2.cell(row=row_of(ops2, IND), column=9).value == 3  # criteria level at export
    assert ops2.cell(row=row_of(ops2, "OPS.2.1"), column=7).value.startswith("Level-3 procedure")
    assert import_file(demo_store, again, dry_run=True, by="tester").plan.empty


def test_clearing_an_answer_in_the_file(demo_store, xat, tmp_path):
    demo_store.save_criteria(xat.id, met_up_to(2), notes={capacity(2)[0]: "seen"}, by="Colleague")
    path = export_file(demo_store, xat, "xlsx", tmp_path / "XAT.xlsx")
    answer(path, {capacity(2)[0]: None}, {capacity(2)[0]: None})
    import_file(demo_store, path, by="tester")
    assert capacity(2)[0] not in set(demo_store.criteria_frame(xat.id)["criterion_id"])


def test_override_without_reason_is_located(demo_store, xat, tmp_path):
    demo_store.save_criteria(xat.id, met_up_to(3) | {capacity(4)[0]: "no"}, by="Colleague")
    path = export_file(demo_store, xat, "xlsx", tmp_path / "XAT.xlsx")
    r = sheet_row(IND)
    assert load_workbook(path)["Operations"].cell(row=r, column=9).value == 3  # criteria level at export
    fill(path, {"Operations": {f"F{r}": 4}})
    before = snapshot(demo_store, xat)
    with pytest.raises(InvalidInput) as err:
        import_file(demo_store, path, by="tester")
    assert [str(p) for p in err.value.problems] == [
        f"Operations!G{r}: {IND}: the criteria give level 3, the agreed level would be 4: write why in the "
        "override reason, or tick the criteria the level rests on"]
    assert snapshot(demo_store, xat) == before
    # ticking the criteria the level rests on makes the same agreed level valid without a reason
    answer(path, {capacity(4)[0]: "yes"} | {cid: "yes" for cid in capacity(4)})
    import_file(demo_store, path, by="tester")
    assert demo_store.get_rating(xat.id, IND)["agreed"] == "4"


def test_answer_conflict_listed_and_skipped_unless_overwrite(blank_xlsx, demo_store, blank):
    first, second = capacity(2)[0], capacity(2)[1]
    # after the export a colleague answers one criterion and records the profile in the app...
    demo_store.save_criteria(blank.id, {first: "no"}, by="Colleague")
    demo_store.set_crossing_profile(blank.id, kinds=["air", "sea"], island=True, by="Colleague")
    # ...the file answers the same criterion and another one, and gives another profile
    answer(blank_xlsx, {first: "yes", second: "yes"}, profile={"air": "yes", "land": "yes", "sea": "no",
                                                             "river_lake": "no", "rail": "no"})
    result = import_file(demo_store, blank_xlsx, by="tester")
    assert [(c.criterion_id, c.field) for c in result.plan.answer_conflicts] == [(first, "answer")]
    assert result.plan.profile.conflict and result.skipped_conflicts == 2
    assert "SKIP 1 criterion answer(s)" in result.report and "changed by Colleague" in result.report
    assert "SKIP the crossing-point profile" in result.report
    saved = demo_store.criteria_frame(blank.id).set_index("criterion_id")["answer"].to_dict()
    assert saved == {first: "no", second: "yes"}  # the other answer was saved
    assert demo_store.crossing_profile(blank.id).kinds == frozenset({"air", "sea"})
    result = import_file(demo_store, blank_xlsx, by="tester", overwrite=True)
    assert result.skipped_conflicts == 0
    assert demo_store.criteria_frame(blank.id).set_index("criterion_id")["answer"].to_dict() == {first: "yes",
                                                                                                second: "yes"}
    assert demo_store.crossing_profile(blank.id).kinds == frozenset({"air", "land"})


def test_change_between_plan_and_save_saves_nothing(blank_xlsx, demo_store, blank):
    """The import is one transaction: an answer changed after the plan was made refuses all of it."""
    answer(blank_xlsx, {capacity(2)[0]: "yes"}, profile={k: "yes" for k in ("air", "land", "sea", "river_lake",
                                                                          "rail")})
    fill(blank_xlsx, {"Operations": {f"H{sheet_row('OPS.1.2')}": "planned note"}})
    plan = read_xlsx(demo_store, blank_xlsx)
    demo_store.save_criteria(blank.id, {capacity(2)[0]: "no"}, by="Colleague")
    before = snapshot(demo_store, blank)
    with pytest.raises(Conflict, match="changed by someone else"):
        apply_plan(demo_store, plan, by="tester")
    assert snapshot(demo_store, blank) == before


def test_tampered_hidden_sheet(exported, demo_store, xat):
    wb = load_workbook(exported)
    meta = wb[META]
    for r in range(1, meta.max_row + 1):
        if meta.cell(row=r, column=1).value == "profile":
            meta.cell(row=r, column=2, value="{not json")
    wb.save(exported)
    with pytest.raises(InvalidInput, match="the hidden sheet was edited and cannot be read"):
        import_file(demo_store, exported, by="tester")


def test_framework_1_assessment_keeps_layout_1(demo_store, tmp_path):
    """An assessment that stays on framework 1.0.0: no criteria, no crossing points, the columns as
    before; it reads back."""
    info = framework_1_assessment(demo_store)
    path = export_file(demo_store, info, "xlsx", tmp_path / "XBO-2019.xlsx")
    wb = load_workbook(path)
    assert CRITERIA not in wb.sheetnames and PROFILE not in wb.sheetnames
    ops = wb["Operations"]
    assert [c.value for c in ops[1]][:8] == ["Indicator id", "Sub-area", "Indicator", "National rating",
                                            "External rating", "Agreed rating", "Notes", "Question"]
    meta = {row[0]: row[1] for row in wb[META].iter_rows(max_col=2, values_only=True) if row[0]}
    assert (meta["format_version"], meta["framework_version"]) == (1, "1.0.0")
    r = row_of(ops, "OPS.1.1")  # an id of 1.0 (merged into REG.2.1 in 2.0)
    fill(path, {"Operations": {f"E{r}": 3, f"G{r}": "checked again"}})
    result = import_file(demo_store, path, by="tester")
    assert result.changed == 1 and not result.plan.answers
    got = demo_store.get_rating(info.id, "OPS.1.1")
    assert (got["national"], got["external"], got["notes"]) == ("2", "3", "checked again")
    assert demo_store.framework_of(info.id).version == "1.0.0"

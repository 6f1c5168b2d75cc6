"""The crossing-point register from a spreadsheet: round trip, every problem at its cell, nothing
saved when one row is wrong (SQLite and PostgreSQL)."""
from __future__ import annotations

import pytest
from openpyxl import Workbook, load_workbook

from support.mission import mission_assessment
from workbook.errors import InvalidInput
from workbook.exchange.register import export_register, import_register


@pytest.fixture
def m(store, tmp_path):
    return mission_assessment(store, tmp_path)


def sheet(path, rows, title="Register"):
    wb = Workbook()
    wb.active.title = title
    for r in rows:
        wb.active.append(r)
    wb.save(path)
    return path


def test_export_then_import_changes_nothing_and_edits_update(m, tmp_path):
    mission, a = m
    path = export_register(mission, a.id, tmp_path / "register.xlsx")
    assert import_register(mission, a.id, path, by="Ana Costa") == {"added": 0, "updated": 0, "rows": 3}
    wb = load_workbook(path)
    ws = wb["Register"]
    headers = [c.value for c in ws[1]]
    ws.cell(3, headers.index("officers") + 1, 42)
    ws.append(["XAT-RVR-1", "Lake Landing", "river/lake", "East", None, None, 1200, "Ferry company", 2025])
    wb.save(path)
    assert import_register(mission, a.id, path, by="Ana Costa", dry_run=True) == {"added": 1, "updated": 1, "rows": 4}
    assert len(mission.posts_frame(a.id)) == 3  # the dry run wrote nothing
    assert import_register(mission, a.id, path, by="Ana Costa") == {"added": 1, "updated": 1, "rows": 4}
    posts = mission.posts_frame(a.id).set_index("code")
    assert posts.loc["XAT-RVR-1", "kind"] == "river_lake" and posts.loc["XAT-LND-1", "officers"] == 42


def test_problems_are_located_at_their_cells_and_nothing_is_saved(store, tmp_path):
    mission, a = mission_assessment(store, tmp_path, posts=[])
    path = sheet(tmp_path / "posts.xlsx", [
        ["Post code", "Name", "Type", "Traffic", "Traffic source", "Year", "Latitude", "Longitude"],
        ["XAT-AIR-1", "Capital Airport", "air", 500000, "Annual report", 2025, 14.6, -17.4],
        [None, None, None, None, None, None, None, None],
        ["XAT-AIR-1", "Second airport", "plane", "many", None, None, 100, None],
        ["XAT-LND-1", "North Bridge", "land", 1000, None, 2025, None, None],
    ])
    with pytest.raises(InvalidInput) as exc:
        import_register(mission, a.id, path, by="Ana Costa")
    assert sorted(p.location for p in exc.value.problems) == [
        "Register!A4 (code)", "Register!C4 (kind)", "Register!D4 (traffic)", "Register!E5 (traffic_source)",
        "Register!G4 (lat)"]
    assert "Register!A4 (code): duplicate post 'XAT-AIR-1' (also at row 2)" in str(exc.value)
    assert mission.posts_frame(a.id).empty


def test_unknown_and_missing_columns(store, tmp_path):
    mission, a = mission_assessment(store, tmp_path, posts=[])
    path = sheet(tmp_path / "posts.xlsx", [["code", "name", "trafic"], ["X-1", "A post", 3]], title="Posts")
    with pytest.raises(InvalidInput) as exc:
        import_register(mission, a.id, path, by="Ana Costa")
    assert [p.location for p in exc.value.problems] == ["Posts!C1", "Posts"]
    assert "unknown column 'trafic'" in str(exc.value) and "missing column: kind" in str(exc.value)


def test_csv_rows_are_located_by_row(store, tmp_path):
    mission, a = mission_assessment(store, tmp_path, posts=[])
    path = tmp_path / "register.csv"
    path.write_text("code,name,kind,agencies\nXAT-SEA-1,Old Harbour,sea,Coast Guard; Customs\n"
                    "XAT-SEA-2,New Harbour,spaceport,\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as exc:
        import_register(mission, a.id, path, by="Ana Costa")
    assert [p.location for p in exc.value.problems] == ["register.csv row 3 (kind)"]
    path.write_text("code,name,kind,agencies\nXAT-SEA-1,Old Harbour,sea,Coast Guard; Customs\n", encoding="utf-8")
    assert import_register(mission, a.id, path, by="Ana Costa")["added"] == 1
    assert mission.posts_frame(a.id).loc[0, "agencies"] == ["Coast Guard", "Customs"]

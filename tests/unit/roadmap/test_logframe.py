"""The logframe: impact, outcomes per sub-area, outputs per committed package; the Excel sheet read back."""
from __future__ import annotations

from openpyxl import load_workbook

from workbook.exchange.logframe import export_logframe
from workbook.roadmap.funding import FundingStore
from workbook.roadmap.logframe import build_logframe


def test_the_demo_logframe_and_its_excel_sheet(demo_store, tmp_path):
    fs = FundingStore(demo_store)
    info = demo_store.get_assessment("XAT")
    road = fs.road_map(info.id)
    frame = build_logframe(road, fs.framework, fs.library, info.country_name)
    assert frame["level"].tolist()[0] == "impact" and "SDG target 10.7" in frame.loc[0, "result"]
    assert "GCM objectives" in frame.loc[0, "indicators"]
    outputs = frame[frame["level"] == "output"]
    assert len(outputs) == len(road.committed) == 12
    assert outputs["result"].tolist()[0].endswith(f"({road.committed['package_id'].iloc[0]})")
    outcomes = frame[frame["level"] == "outcome"]
    sub_areas = {g.subarea_id for pid in road.committed["package_id"] for g in road.package(pid).gaps}
    assert {r.split()[0] for r in outcomes["result"]} == sub_areas
    # each outcome is verified by the criteria of the level it reaches (OPS.2.3: 1 to 4)
    ops23 = outcomes[outcomes["result"].str.startswith("OPS.2 ")].iloc[0]
    assert "OPS.2.3 " in ops23["indicators"] and "OPS.2.3.4a (" in ops23["verification"]
    assert all(outputs["assumptions"].str.len() > 0)
    out, n = export_logframe(fs, info, tmp_path / "lf.xlsx")
    ws = load_workbook(out)["Logframe"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "Results framework: Atlantis, baseline 2026"
    assert rows[1] == ("Level", "Ref", "Result", "Indicators", "Means of verification", "Assumptions and risks")
    assert len(rows) - 2 == n == len(frame)
    assert [r[1] for r in rows[2:]] == frame["ref"].tolist()

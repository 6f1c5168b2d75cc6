"""The road map as IATI 2.03: one activity per committed package, valid against IATI's own schema."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from lxml import etree

from workbook.errors import InvalidInput
from workbook.exchange.iati import export_iati, iati_activities
from workbook.roadmap.funding import FundingStore, RoadMap
from workbook.roadmap.sequence import add_months

SCHEMA = Path(__file__).parents[2] / "data" / "iati-2.03" / "iati-activities-schema.xsd"


@pytest.fixture(scope="module")
def schema():
    return etree.XMLSchema(etree.parse(str(SCHEMA)))


def test_the_demo_road_map_is_a_valid_iati_file_with_one_activity_per_package(demo_store, tmp_path, schema):
    fs = FundingStore(demo_store)
    info = demo_store.get_assessment("XAT")
    out, n = export_iati(fs, info, tmp_path / "xat.xml", plan_start=dt.date(2027, 1, 1))
    doc = etree.parse(str(out))
    assert schema.validate(doc), schema.error_log
    road = fs.road_map(info.id)
    acts = doc.findall("iati-activity")
    assert n == len(acts) == len(road.committed) == 12
    first = road.committed.iloc[0]
    act = acts[0]
    assert act.findtext("iati-identifier") == f"XAT-GOV-XAT-{first['package_id']}"
    assert [d.get("iso-date") for d in act.findall("activity-date")] == [
        add_months(dt.date(2027, 1, 1), int(first["start_month"])).isoformat(),
        add_months(dt.date(2027, 1, 1), int(first["end_month"])).isoformat()]
    assert {o.get("role") for o in act.findall("participating-org")} == {"2", "4"}
    assert act.find("participating-org[@role='4']").findtext("narrative") == "Attorney General's Chambers"
    for a in acts:
        assert sum(float(s.get("percentage")) for s in a.findall("sector")) == pytest.approx(100)
        assert any(t.get("vocabulary") == "3" for t in a.findall("tag"))
        assert any(t.get("vocabulary") == "99" and t.get("code").startswith("GCM-") for t in a.findall("tag"))
        assert a.find("result/indicator") is not None
    budgets = sum(float(v.text) for v in act.findall("budget/value"))
    assert budgets == pytest.approx((first["total_low"] + first["total_high"]) / 2, abs=1)
    fs.set_package_funding(info.id, first["package_id"], funded_by="UNHCR; European Union", by="Ana")
    out, _ = export_iati(fs, info, tmp_path / "xat.xml")
    doc = etree.parse(str(out))
    assert schema.validate(doc), schema.error_log
    funders = doc.findall("iati-activity")[0].findall("participating-org[@role='1']")
    assert [f.findtext("narrative") for f in funders] == ["UNHCR", "European Union"]


def test_nothing_committed_or_no_reporting_organisation_is_refused(demo_store):
    fs = FundingStore(demo_store)
    info = demo_store.get_assessment("XAT")
    road = fs.road_map(info.id)
    empty = RoadMap(road.costing, road.table.assign(state="backlog"), "")
    with pytest.raises(InvalidInput, match="commit the road map first"):
        iati_activities(empty, info, fs.framework, fs.library, plan_start=dt.date(2027, 1, 1), reporting_ref="X",
                        reporting_name="Y")
    with pytest.raises(InvalidInput, match="reporting organisation"):
        iati_activities(road, info, fs.framework, fs.library, plan_start=dt.date(2027, 1, 1), reporting_ref=" ",
                        reporting_name="Y")

"""The funding tables on SQLite and PostgreSQL: quantities, prices, rates, commitment; bad input saves nothing."""
from __future__ import annotations

import pytest

from workbook.errors import InvalidInput
from workbook.roadmap.funding import FundingStore

QUANTITIES = [{"measure": "post", "kind": "air", "low": 2}, {"measure": "post", "kind": "sea", "low": 3, "high": 5},
              {"measure": "booth", "low": 30, "high": 36}, {"measure": "officer", "low": 500, "high": 650},
              {"measure": "region", "low": 3}]


@pytest.fixture
def fs(demo_store) -> FundingStore:
    return FundingStore(demo_store)


@pytest.fixture
def xat(demo_store):
    return demo_store.get_assessment("XAT")


def snapshot(fs, a):
    """Every funding table as JSON (empty cells compare equal) and the audit log's length."""
    return (fs.quantities_frame(a.id).to_json(), fs.rates_frame(a.id).to_json(), fs.catalogue_frame(a.id).to_json(),
            fs.plan_frame(a.id).to_json(), fs.commitment(a.id), len(fs.store.audit_frame(a.id)))


def test_quantities_prices_and_rates_are_saved_audited_and_used_by_the_costing(fs, xat):
    fs.set_quantities(xat.id, QUANTITIES, by="Ana")
    fs.set_rates(xat.id, [{"currency": "xcd", "usd_per_unit": "0.37", "source": "central bank, 2025 average"}],
                 by="Ana")
    fs.set_unit_costs(xat.id, [{"item": "interview_room", "low": 20000, "high": 30000, "currency": "XCD",
                                "price_year": 2026, "source": "Public Works quote"}], by="Ana")
    assert fs.quantities(xat.id)[("post", "sea")] == (3, 5)
    assert fs.rates(xat.id) == {"USD": 1.0, "XCD": 0.37}
    room = fs.catalogue(xat.id)["interview_room"]
    assert (room.low, room.currency, room.price_year, room.source) == (20000, "XCD", 2026, "Public Works quote")
    c = fs.costing(xat.id)
    line = c.lines[c.lines["item"] == "interview_room"].iloc[0]
    # one room per post (5 posts at most): XCD 20,000 x 0.37 = USD 7,400 a room
    assert (line["rate"], line["usd_low"] / line["units_low"]) == (0.37, 7400)
    low, high = c.total
    assert 0 < low < high
    assert c.by("pillar_id").set_index("pillar_id").loc["all", "total_low"] == pytest.approx(low)
    audit = fs.store.audit_frame(xat.id)
    assert set(audit["entity"]) >= {"quantity", "rate", "unit_cost"}
    version = fs.quantities_frame(xat.id).set_index("kind").loc["sea", "version"]
    fs.set_quantities(xat.id, [{"measure": "post", "kind": "sea", "low": 4, "high": 4}], by="Bo", source="register")
    q = fs.quantities_frame(xat.id).set_index("kind").loc["sea"]
    assert (q["low"], q["source"], q["version"], q["updated_by"]) == (4, "register", version + 1, "Bo")


def test_bad_quantities_prices_and_rates_are_located_and_nothing_is_saved(fs, xat):
    before = snapshot(fs, xat)
    with pytest.raises(InvalidInput) as err:
        fs.set_quantities(xat.id, [{"measure": "post", "kind": "air", "low": -1},
                                   {"measure": "booth", "low": 10, "high": 5},
                                   {"measure": "officer", "low": 10**7},
                                   {"measure": "region", "kind": "sea", "low": 2},
                                   {"measure": "post", "kind": "moon", "low": 1}], by="Ana")
    got = {p.location for p in err.value.problems}
    assert got == {"quantities[0].low", "quantities[1].high", "quantities[2].low", "quantities[3].kind",
                   "quantities[4].kind"}
    with pytest.raises(InvalidInput) as err:
        fs.set_unit_costs(xat.id, [{"item": "interview_room", "low": 100},
                                   {"item": "doc_reader", "low": 100, "currency": "EUR", "price_year": 2025},
                                   {"item": "nothing", "low": 1, "currency": "USD", "price_year": 2025}], by="Ana")
    got = {p.location: p.message for p in err.value.problems}
    assert set(got) == {"unit_costs[0].currency", "unit_costs[0].price_year", "unit_costs[1].currency",
                        "unit_costs[2].item"}
    assert "no exchange rate for EUR" in got["unit_costs[1].currency"]
    with pytest.raises(InvalidInput) as err:
        fs.set_rates(xat.id, [{"currency": "EUR", "usd_per_unit": 0, "source": "x"}, {"currency": "USD",
                                                                                       "usd_per_unit": 1}], by="Ana")
    assert {p.location for p in err.value.problems} == {"rates[0].usd_per_unit", "rates[1].currency",
                                                        "rates[1].source"}
    assert snapshot(fs, xat) == before


def test_commit_keeps_prerequisites_and_documents_the_backlog(fs, xat):
    packs = {p.id: p for p in fs.packages(xat.id)}
    needing = next(p for p in packs.values() if len(p.needs) == 1 and not packs[p.needs[0]].needs)
    before = snapshot(fs, xat)
    with pytest.raises(InvalidInput) as err:
        fs.commit(xat.id, [needing.id, needing.id, "no-such-package"], by="Ana")
    got = {p.location: p.message for p in err.value.problems}
    assert set(got) == {"packages[1]", "packages[2]", "note"}
    assert "listed twice" in got["packages[1]"] and "not a package" in got["packages[2]"]
    assert "outside the typical 25-40" in got["note"]
    assert snapshot(fs, xat) == before
    chosen = [needing.id, *needing.needs]
    plan = fs.commit(xat.id, chosen, note="A first, small road map: the ministry's planning unit has two staff.",
                     by="Ana", backlog_reasons={"api-pnr": "funded by the EU passenger data programme"})
    committed = plan[plan["state"] == "committed"]
    assert committed["package_id"].tolist()[:1] == [needing.id] and len(committed) == len(set(chosen))
    backlog = plan[plan["state"] == "backlog"].set_index("package_id")
    assert len(backlog) == len(packs) - len(set(chosen))
    assert backlog.loc["api-pnr", "reason"] == "funded by the EU passenger data programme"
    assert fs.commitment(xat.id)["note"].startswith("A first, small road map")
    fs.set_quantities(xat.id, QUANTITIES, by="Ana")
    fs.commit(xat.id, [needing.id], note="One package first.", by="Ana")
    road = fs.road_map(xat.id)
    assert road.warnings and road.warnings[0].startswith(f"{needing.id} needs {needing.needs[0]}")
    fs.commit(xat.id, chosen, note="Back to the two.", by="Ana")
    road = fs.road_map(xat.id)
    assert road.warnings == []
    first, second = road.committed.set_index("package_id").loc[[needing.id, needing.needs[0]]].to_dict("records")
    # the package starts when the one it needs has ended, although it ranks first
    assert (second["start_month"], first["start_month"]) == (0, second["end_month"])
    assert road.total == pytest.approx((road.committed["total_low"].sum(), road.committed["total_high"].sum()))
    fs.set_package_funding(xat.id, needing.id, government_share=0.2, funded_by="European Union",
                           funding_status="pipeline", by="Ana")
    row = fs.plan_frame(xat.id).set_index("package_id").loc[needing.id]
    assert (row["government_share"], row["funded_by"], row["funding_status"]) == (0.2, "European Union", "pipeline")
    with pytest.raises(InvalidInput, match="government_share"):
        fs.set_package_funding(xat.id, needing.id, government_share=1.5, by="Ana")


def test_the_donor_view_shows_who_funds_what_the_overlaps_and_the_ask(fs, xat):
    view = fs.funding_view(xat.id)
    t = view.table.set_index("package_id")
    assert len(t) == 12
    # the demo: the EU funds API/PNR and INTERPOL connectivity; its passenger data programme overlaps API/PNR
    assert t.loc["api-pnr", ["funding_status", "funded_by"]].tolist() == ["committed", "European Union"]
    assert "European Union: Atlantis passenger data programme" in t.loc["api-pnr", "overlaps"]
    assert t.loc["api-pnr", "unfunded_low"] == 0
    gap = t[t["funding_status"] == "gap"]
    assert view.ask == pytest.approx((gap["donor_low"].sum(), gap["donor_high"].sum()))
    assert view.by_donor.set_index("donor").loc["European Union", "n_packages"] == 2
    assert (t["donor_low"] + t["government_low"]).tolist() == pytest.approx(t["total_low"].tolist())

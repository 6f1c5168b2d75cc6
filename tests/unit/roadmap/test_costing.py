"""Costing rules on hand-worked cases: units x prices, ranges, rates, recurrent years, shares, totals."""
from __future__ import annotations

import pandas as pd
import pytest

from workbook.errors import InvalidInput
from workbook.roadmap.costing import (UnitCost, cost_lines, load_default_catalogue, money, package_costs,
                                      package_duration, totals, _units)
from workbook.roadmap.library import CostUse, load_actions


@pytest.fixture(scope="module")
def lib():
    return load_actions()


CATALOGUE = {
    "patrol_vehicle": UnitCost("patrol_vehicle", 50000, 60000, "USD", 2025),
    "vehicle_running_year": UnitCost("vehicle_running_year", 5000, 5000, "EUR", 2024),
    "surveillance_sensor": UnitCost("surveillance_sensor", 100000, 100000, "USD", 2025),
    "ta_intl_month": UnitCost("ta_intl_month", 20000, 20000, "USD", 2025),
    "ta_natl_month": UnitCost("ta_natl_month", 4000, 5000, "USD", 2025),
    "workshop": UnitCost("workshop", 10000, 10000, "USD", 2025),
}
# 3-5 land posts (uncertain), 2 sea posts, 1 airport
QUANTITIES = {("post", "land"): (3, 5), ("post", "sea"): (2, 2), ("post", "air"): (1, 1)}
RATES = {"USD": 1.0, "EUR": 1.1}


def actions(*rows):
    return pd.DataFrame([{"action_id": a, "package_id": p, "horizon": h, "pillar_id": pl} for a, p, h, pl in rows])


def test_units_times_prices_by_post_kind_with_ranges_rates_and_recurrent_years(lib):
    # OPS.1.4-s4-a (24 months): a vehicle and its running costs per land post, a sensor per land or sea post
    lines = cost_lines(lib, actions(("OPS.1.4-s4-a", "blue", "long", "OPS")), CATALOGUE, QUANTITIES, RATES)
    got = lines.set_index("item")
    assert got.loc["patrol_vehicle", ["units_low", "units_high", "usd_low", "usd_high"]].tolist() == [
        3, 5, 150000, 300000]
    # recurrent: per year, for ceil(24 / 12) = 2 years, EUR converted at the team's 1.1
    assert got.loc["vehicle_running_year", ["years", "usd_low", "usd_high", "price_currency", "price_year",
                                            "rate"]].tolist() == [2, 33000, 55000, "EUR", 2024, 1.1]
    assert got.loc["surveillance_sensor", ["units_low", "units_high", "usd_low"]].tolist() == [5, 7, 500000]
    assert (lines["usd_low"].sum(), lines["usd_high"].sum()) == (683000, 1055000)


def test_fixed_quantities_and_package_split_duration_and_shares(lib):
    lines = cost_lines(lib, actions(("ADM.1.1-s2-a", "org", "short", "ADM"), ("ADM.1.1-s2-b", "org", "short", "ADM"),
                                    ("OPS.1.4-s4-a", "blue", "long", "OPS")),
                       CATALOGUE | {"legal_drafting": UnitCost("legal_drafting", 30000, 30000, "USD", 2025)},
                       QUANTITIES, RATES)
    # ADM.1.1-s2-a: 2 intl months + 3 national months + 2 workshops = 40000 + 12000..15000 + 20000
    # ADM.1.1-s2-b: drafting 30000 + 2 national months 8000..10000 + 1 workshop 10000
    summary = package_costs(lib, lines, {"org": ["ADM.1.1-s2-a", "ADM.1.1-s2-b"], "blue": ["OPS.1.4-s4-a"]},
                            {"org": 0.25}).set_index("package_id")
    org, blue = summary.loc["org"], summary.loc["blue"]
    assert (org["ta_low"], org["ta_high"], org["capital_low"], org["recurrent_low"]) == (120000, 125000, 0, 0)
    assert org["duration_months"] == 12  # s2-b needs s2-a: 6 + 6
    assert (org["government_low"], org["government_high"], org["donor_low"], org["donor_high"]) == (
        30000, 31250, 90000, 93750)
    # no share set: the government pays the recurrent costs, donors the rest
    assert (blue["government_low"], blue["donor_low"], blue["donor_high"]) == (33000, 650000, 1000000)
    assert (blue["currency"], blue["price_years"]) == ("USD", "2024, 2025")
    by_horizon = totals(lines, "horizon").set_index("horizon")
    assert by_horizon.loc["short", "total_low"] == 120000
    assert by_horizon.loc["all", ["total_low", "total_high"]].tolist() == [803000, 1180000]
    assert totals(lines, "pillar_id").set_index("pillar_id").loc["OPS", "capital_high"] == 1000000


def test_a_share_of_posts_rounds_up_and_no_kind_means_every_post():
    assert _units(CostUse(item="x", per="post", kinds=["air", "sea"], share=0.5), QUANTITIES) == (2, 2)
    assert _units(CostUse(item="x", per="post"), QUANTITIES) == (6, 8)
    assert _units(CostUse(item="x", per="booth"), QUANTITIES) is None


def test_missing_prices_counts_and_rates_are_all_located(lib):
    with pytest.raises(InvalidInput) as err:
        cost_lines(lib, actions(("OPS.1.4-s4-a", "blue", "long", "OPS"), ("ADM.1.1-s2-a", "org", "short", "ADM")),
                   {k: v for k, v in CATALOGUE.items() if k != "workshop"}, {}, {"USD": 1.0})
    got = {p.location: p.message for p in err.value.problems}
    assert set(got) == {"quantities.post", "rates.EUR", "catalogue.workshop"}
    assert "needed by OPS.1.4-s4-a" in got["quantities.post"]
    assert got["rates.EUR"].startswith("no exchange rate for EUR")


def test_the_longest_chain_inside_a_package_sets_its_duration(lib):
    # OPS.1.4-s3-a (9 months) then OPS.1.4-s4-a (24); its other prerequisites are outside the package
    assert package_duration(lib, ["OPS.1.4-s3-a", "OPS.1.4-s4-a"]) == 33
    assert package_duration(lib, []) == 0


def test_the_shipped_catalogue_prices_every_item_of_the_library(lib):
    cat = load_default_catalogue()
    assert {i.id for i in lib.cost_items} <= set(cat)
    assert all(c.currency == "USD" and c.price_year == 2025 and 0 <= c.low <= c.high for c in cat.values())
    assert money(1_234_000, 3_456_000) == "USD 1.2-3.5 million"
    assert money(50_000, 50_000) == "USD 0.05 million"

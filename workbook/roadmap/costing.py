"""Costing that adds up: quantities times unit costs, converted with the team's rates.

Each action of the 2.0 library lists what it buys as cost-catalogue items times a quantity: a
fixed number, or one ``per`` post (of some kinds, a ``share`` of them), booth, officer or region.
The counts come from the assessment's quantities table (filled by the team, or by the crossing-
point register once it exists); the prices from the cost catalogue (the shipped defaults in
``workbook/data/unit-costs.yaml``, overridden item by item by the team). Every price carries its
currency and price year; amounts in another currency than US dollars are converted with the
rate the team entered, and the rate is shown with the result.

Rules (each hand-worked in ``tests/unit/roadmap/test_costing.py``):

* units = the fixed quantity, or ceil(count x share) for a ``per`` use (posts of the listed
  kinds only; all posts when none is listed); a count given as a range gives a range of units;
* a recurrent item is priced per year and counted for the years the action runs:
  ceil(duration_months / 12), at least one;
* low = low units x low price, high = high units x high price, in US dollars;
* a package's duration is the longest chain of its actions through their prerequisites;
* the government's share is what the team set for the package, else the recurrent costs
  (a government keeps paying them when the project ends) and donors the rest.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import InvalidInput, Problem, Problems
from .library import ActionLibrary
from ..yamlfile import safe_load as safe_yaml

DEFAULT_UNIT_COSTS = Path(__file__).parent.parent / "data" / "unit-costs.yaml"
BASE_CURRENCY = "USD"
MEASURES: tuple[str, ...] = ("post", "booth", "officer", "region")
KINDS: tuple[str, ...] = ("air", "land", "sea", "river_lake", "rail", "inland")
CATEGORIES: tuple[str, ...] = ("ta", "capital", "recurrent")
CATEGORY_NAMES = {"ta": "technical assistance", "capital": "capital", "recurrent": "recurrent"}
LINE_COLUMNS = ["action_id", "package_id", "horizon", "pillar_id", "item", "category", "units_low", "units_high",
                "years", "price_low", "price_high", "price_currency", "price_year", "rate", "usd_low", "usd_high"]


@dataclass(frozen=True)
class UnitCost:
    """The price of one unit of a catalogue item, in ``currency`` at ``price_year`` prices."""

    item: str
    low: float
    high: float
    currency: str
    price_year: int
    source: str = "default"


def load_default_catalogue(path: str | Path | None = None) -> dict[str, UnitCost]:
    """The shipped unit costs (one currency and price year for the whole file)."""
    p = Path(path) if path else DEFAULT_UNIT_COSTS
    data = safe_yaml(p.read_text(encoding="utf-8"))
    problems = Problems()
    out = {}
    for item, v in (data.get("items") or {}).items():
        if not isinstance(v, dict) or not 0 <= v.get("low", -1) <= v.get("high", -1):
            problems.add(f"{p.name}: items.{item}", "needs low and high with 0 <= low <= high")
            continue
        out[item] = UnitCost(item, float(v["low"]), float(v["high"]), data["currency"], int(data["price_year"]),
                             f"default ({p.name})")
    problems.raise_if_any(what="cost catalogue")
    return out


def _units(use, quantities: dict[tuple[str, str], tuple[float, float]]) -> tuple[float, float] | None:
    if use.quantity is not None:
        return use.quantity, use.quantity
    if use.per == "post":
        rows = [(k, v) for (m, k), v in quantities.items() if m == "post"]
        if not rows:
            return None
        chosen = [v for k, v in rows if not use.kinds or k in use.kinds]
        lo, hi = sum(v[0] for v in chosen), sum(v[1] for v in chosen)
    else:
        if (use.per, "") not in quantities:
            return None
        lo, hi = quantities[(use.per, "")]
    share = use.share or 1.0
    return math.ceil(lo * share - 1e-9), math.ceil(hi * share - 1e-9)


def cost_lines(library: ActionLibrary, actions: pd.DataFrame, catalogue: dict[str, UnitCost],
               quantities: dict[tuple[str, str], tuple[float, float]], rates: dict[str, float]) -> pd.DataFrame:
    """One row per (action, catalogue item) (:data:`LINE_COLUMNS`), amounts in US dollars.

    ``actions`` has ``action_id, package_id, horizon, pillar_id``; ``quantities`` maps
    ``(measure, kind)`` (kind ``""`` except for posts) to ``(low, high)``; ``rates`` maps a
    currency to US dollars per unit. Raises :class:`InvalidInput` naming every missing price,
    count and rate, and the actions that need it.
    """
    problems = Problems()
    needs: dict[tuple[str, str], dict[str, None]] = {}  # ordered sets of action ids
    rows = []
    for a in actions.to_dict("records"):
        action = library.action(a["action_id"])
        years = max(1, math.ceil((action.duration_months or 12) / 12))
        for use in action.cost:
            item = library.cost_item(use.item)
            price = catalogue.get(use.item)
            units = _units(use, quantities)
            if price is None:
                needs.setdefault(("catalogue", use.item), {})[action.id] = None
            if units is None:
                needs.setdefault(("quantities", use.per), {})[action.id] = None
            if price is not None and price.currency != BASE_CURRENCY and price.currency not in rates:
                needs.setdefault(("rates", price.currency), {})[action.id] = None
            if price is None or units is None:
                continue
            rate = 1.0 if price.currency == BASE_CURRENCY else rates.get(price.currency, float("nan"))
            n = years if item.category == "recurrent" else 1
            rows.append({**{k: a[k] for k in ("action_id", "package_id", "horizon", "pillar_id")},
                         "item": use.item, "category": item.category, "units_low": units[0], "units_high": units[1],
                         "years": n, "price_low": price.low, "price_high": price.high,
                         "price_currency": price.currency, "price_year": price.price_year, "rate": rate,
                         "usd_low": round(units[0] * n * price.low * rate, 2),
                         "usd_high": round(units[1] * n * price.high * rate, 2)})
    what = {"catalogue": "no unit cost for item {k}: add it to the cost catalogue",
            "quantities": "no count of {k}s: enter it in the quantities table",
            "rates": "no exchange rate for {k}: enter how many USD one {k} buys"}
    for (table, key), seen in needs.items():
        ids = list(seen)
        shown = ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
        problems.add(f"{table}.{key}", what[table].format(k=key) + f" (needed by {shown})")
    problems.raise_if_any(what="costing")
    return pd.DataFrame(rows, columns=LINE_COLUMNS)


def package_duration(library: ActionLibrary, action_ids: list[str]) -> int:
    """Months along the longest chain of the actions through their prerequisites (inside the package)."""
    inside = set(action_ids)
    memo: dict[str, int] = {}

    def finish(aid: str) -> int:
        if aid not in memo:
            a = library.action(aid)
            memo[aid] = (a.duration_months or 12) + max(
                (finish(p) for p in a.prerequisites if p in inside), default=0)
        return memo[aid]
    return max((finish(a) for a in action_ids), default=0)


SUMMARY_COLUMNS = ["package_id", "ta_low", "ta_high", "capital_low", "capital_high", "recurrent_low",
                   "recurrent_high", "total_low", "total_high", "duration_months", "government_share",
                   "government_low", "government_high", "donor_low", "donor_high", "uncertain", "currency",
                   "price_years"]


def package_costs(library: ActionLibrary, lines: pd.DataFrame, package_actions: dict[str, list[str]],
                  shares: dict[str, float | None] | None = None) -> pd.DataFrame:
    """One row per package (:data:`SUMMARY_COLUMNS`): the split, duration and shares, in USD.

    ``shares`` holds the government share (0-1) the team set per package; ``None`` or absent
    means the default rule (the government pays the recurrent costs).
    """
    shares = shares or {}
    rows = []
    by_package = dict(tuple(lines.groupby("package_id", sort=False))) if len(lines) else {}
    for pid, ids in package_actions.items():
        mine = by_package.get(pid, lines.iloc[0:0])
        row = {"package_id": pid}
        category = mine["category"].to_numpy()
        low, high = mine["usd_low"].to_numpy(dtype=float), mine["usd_high"].to_numpy(dtype=float)
        for cat in CATEGORIES:
            ours = category == cat
            row[f"{cat}_low"], row[f"{cat}_high"] = float(low[ours].sum()), float(high[ours].sum())
        row["total_low"] = sum(row[f"{c}_low"] for c in CATEGORIES)
        row["total_high"] = sum(row[f"{c}_high"] for c in CATEGORIES)
        row["duration_months"] = package_duration(library, ids)
        share = shares.get(pid)
        if share is None:
            row["government_share"] = None
            row["government_low"], row["government_high"] = row["recurrent_low"], row["recurrent_high"]
        else:
            row["government_share"] = float(share)
            row["government_low"], row["government_high"] = (round(row["total_low"] * share, 2),
                                                             round(row["total_high"] * share, 2))
        row["donor_low"] = round(row["total_low"] - row["government_low"], 2)
        row["donor_high"] = round(row["total_high"] - row["government_high"], 2)
        row["uncertain"] = row["total_low"] != row["total_high"]
        row["currency"] = BASE_CURRENCY
        row["price_years"] = ", ".join(str(y) for y in sorted(set(mine["price_year"])))
        rows.append(row)
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def totals(lines: pd.DataFrame, by: str) -> pd.DataFrame:
    """Low and high totals in USD by ``horizon`` or ``pillar_id`` and category, with a total row."""
    if by not in ("horizon", "pillar_id"):
        raise InvalidInput(Problem("by", f"{by!r}: total by horizon or pillar_id"))
    t = lines.pivot_table(index=by, columns="category", values=["usd_low", "usd_high"], aggfunc="sum",
                          fill_value=0.0)
    out = pd.DataFrame(index=t.index)
    for cat in CATEGORIES:
        for end in ("low", "high"):
            out[f"{cat}_{end}"] = t[(f"usd_{end}", cat)] if (f"usd_{end}", cat) in t.columns else 0.0
    out["total_low"] = sum(out[f"{c}_low"] for c in CATEGORIES)
    out["total_high"] = sum(out[f"{c}_high"] for c in CATEGORIES)
    out.loc["all"] = out.sum()
    out["currency"] = BASE_CURRENCY
    out["price_years"] = ", ".join(str(y) for y in sorted(set(lines["price_year"])))
    return out.reset_index()


def money(low: float, high: float, currency: str = BASE_CURRENCY, lang: str | None = None) -> str:
    """``USD 1.2-3.4 million`` (or one figure when low = high); in ``lang`` when given (``1,2-3,4
    millions USD``), English otherwise (the CLI, the IATI file)."""
    from ..i18n.formats import format_millions
    return format_millions(low, high, currency, lang or "en")


def millions(low: float, high: float, lang: str | None = None) -> str:
    """The figures of :func:`money` alone (``1.2-3.4``; ``1,2-3,4`` in French), for a table whose
    header names the unit (``USD million``)."""
    from ..i18n.formats import format_millions
    return format_millions(low, high, lang=lang or "en", unit=False)

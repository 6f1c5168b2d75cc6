"""The road map a donor can fund: packages, quantities, prices, rates, commitment, the costing.

:class:`FundingStore` extends :class:`~workbook.roadmap.store.RoadmapStore` with four editable
tables of an assessment (``roadmap_quantity``, ``roadmap_unit_cost``, ``roadmap_rate``,
``roadmap_package`` and the commitment note) and the views built on them: the investment
packages (:mod:`.packages`), their costing (:mod:`.costing`) and the committed road map with its
documented backlog. Every write checks every row first and reports every problem with its
location (nothing is saved when one is wrong), is one transaction, and is audited.

The quantities table is what the crossing-point register will fill: rows carry ``source``
(``team`` or ``register``) and :meth:`FundingStore.set_quantities` takes the same rows from
either.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select

from ..errors import InvalidInput, Problem, Problems
from ..inputs import MAX_LONG, MAX_NOTES, parse_text
from ..store.models import (AuditEntry, RoadmapCommitment, RoadmapPackage, RoadmapQuantity, RoadmapRate,
                            RoadmapUnitCost, utcnow)
from . import costing, packages as pk
from .fields import FUNDING_STATUSES, blank_to_none, parse_choice, parse_currency
from .store import RoadmapStore, _text_value
from .targets import indicator_levels

#: The size of road map a ministry can usually absorb; outside it the team writes why.
TYPICAL_SIZE = (25, 40)
#: The largest count the quantities table accepts per measure (a typo guard).
MAX_COUNT = {"post": 2000, "booth": 20000, "officer": 500000, "region": 500}
QUANTITY_SOURCES = ("team", "register")
PACKAGE_STATES = ("committed", "backlog")
MAX_PRICE = 10**9


def _number(value, loc: str, *, low: float = 0, high: float = MAX_PRICE, whole: bool = False,
            above: bool = False) -> float:
    """A finite number within [low, high] (above ``low`` when ``above``); text is read too."""
    if isinstance(value, bool) or value is None or (isinstance(value, str) and not value.strip()):
        raise InvalidInput(Problem(loc, "is required" if value in (None, "") else f"{value!r} is not a number"))
    try:
        v = float(value.replace(",", "")) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        raise InvalidInput(Problem(loc, f"{value!r} is not a number")) from None
    if not math.isfinite(v):
        raise InvalidInput(Problem(loc, f"{value!r} is not a number"))
    if v < low or (above and v == low):
        raise InvalidInput(Problem(loc, f"{value} is {'negative' if v < 0 else 'too small'}"))
    if v > high:
        raise InvalidInput(Problem(loc, f"{value} is above {high:,.0f}: check the figure"))
    if whole and not float(v).is_integer():
        raise InvalidInput(Problem(loc, f"{value} is not a whole number"))
    return v


def _range(row: dict, where: str, problems: Problems, **limits) -> tuple[float, float] | None:
    """``low`` and ``high`` (``high`` defaults to ``low``), high not below low."""
    lo = problems.take(_number, row.get("low"), f"{where}.low", **limits)
    hi = lo if row.get("high") is None else problems.take(_number, row.get("high"), f"{where}.high", **limits)
    if lo is None or hi is None:
        return None
    if hi < lo:
        problems.add(f"{where}.high", f"{hi:g} is below low {lo:g}")
        return None
    return lo, hi


def _rows(rows, what: str) -> list[dict]:
    if isinstance(rows, pd.DataFrame):
        rows = rows.to_dict("records")
    if isinstance(rows, dict):
        rows = [rows]
    if not isinstance(rows, (list, tuple)) or not rows:
        raise InvalidInput(Problem(what, "give at least one row"))
    return [blank_to_none(r) if isinstance(r, dict) else r for r in rows]


@dataclass
class Costing:
    """The costed packages of an assessment, all amounts in US dollars."""

    packages: list[pk.InvestmentPackage]
    lines: pd.DataFrame
    summary: pd.DataFrame
    rates: dict[str, float]

    def by(self, what: str) -> pd.DataFrame:
        return costing.totals(self.lines, what)

    @property
    def total(self) -> tuple[float, float]:
        return float(self.summary["total_low"].sum()), float(self.summary["total_high"].sum())


@dataclass
class RoadMap:
    """The committed road map and its backlog, costed: what the CLI, logframe, IATI export and
    donor view read."""

    costing: Costing
    table: pd.DataFrame  # one row per package: plan, cost, schedule, tags
    note: str

    @property
    def committed(self) -> pd.DataFrame:
        return self.table[self.table["state"] == "committed"].sort_values("rank")

    @property
    def backlog(self) -> pd.DataFrame:
        return self.table[self.table["state"] != "committed"]

    def committed_lines(self) -> pd.DataFrame:
        lines = self.costing.lines
        return lines[lines["package_id"].isin(set(self.committed["package_id"]))]

    def totals(self, by: str) -> pd.DataFrame:
        """Totals of the committed packages by ``horizon`` or ``pillar_id``."""
        return costing.totals(self.committed_lines(), by)

    @property
    def total(self) -> tuple[float, float]:
        c = self.committed
        return float(c["total_low"].sum()), float(c["total_high"].sum())

    @property
    def warnings(self) -> list[str]:
        """Schedule checks: committed packages that need a package left in the backlog."""
        committed = set(self.committed["package_id"])
        return [f"{r['package_id']} needs {n}, which is in the backlog: its prerequisite actions must be done "
                "all the same (fund them with this package or commit it)"
                for r in self.committed.to_dict("records") for n in self.package(r["package_id"]).needs
                if n not in committed]

    def package(self, package_id: str) -> pk.InvestmentPackage:
        return next(p for p in self.costing.packages if p.id == package_id)

    def tags(self) -> pd.DataFrame:
        keep = set(self.committed["package_id"])
        return pk.tag_rollup([p for p in self.costing.packages if p.id in keep], self.costing.summary)


class FundingStore(RoadmapStore):
    """Packages, quantities, cost catalogue, rates and the committed road map (see the module)."""

    # -- one helper for every table: upsert a row by its key, audit what changed --------------
    def _upsert(self, s, model, assessment_id: int, key: dict, values: dict, entity: str, entity_key: str,
                who: str, now) -> None:
        row = s.scalars(select(model).filter_by(assessment_id=assessment_id, **key)).first()
        if row is None:
            row = model(assessment_id=assessment_id, **key, **values, version=1, updated_at=now, updated_by=who)
            s.add(row)
            changed = {k: (None, v) for k, v in values.items()}
        else:
            changed = {k: (getattr(row, k), v) for k, v in values.items() if getattr(row, k) != v}
            for k, (_, v) in changed.items():
                setattr(row, k, v)
            if changed:
                row.version += 1
                row.updated_at, row.updated_by = now, who
        for k, (old, new) in changed.items():
            s.add(AuditEntry(assessment_id=assessment_id, entity=entity, entity_key=entity_key, field=k,
                             old=_text_value(old), new=_text_value(new), who=who, at=now))

    def _save_rows(self, assessment_id: int, rows, *, by: str, what: str, hint: str, check, model, entity: str,
                   problems: Problems | None = None) -> None:
        """Check every row with ``check(row, where, problems)`` (a ``(key, values)`` or None), then
        upsert them all in one transaction; nothing is saved when any row is wrong."""
        problems = problems or Problems()
        who = problems.take(self._who, by)
        plan = []
        for n, row in enumerate(_rows(rows, what)):
            where = f"{what}[{n}]"
            if not isinstance(row, dict):
                problems.add(where, f"expected a mapping with {hint}")
                continue
            got = check(row, where, problems)
            if got is not None:
                plan.append((n, got))
        keys = [tuple(key.values()) for _, (key, _) in plan]
        for i, (k, (n, _)) in enumerate(zip(keys, plan)):
            if keys.index(k) != i:
                problems.add(f"{what}[{n}]", f"{'/'.join(str(x) for x in k if x)} is given twice")
        problems.raise_if_any(what=what.replace("_", " "))
        now = utcnow()
        with self._sessions.begin() as s:
            self._writable(s, assessment_id)
            for _, (key, values) in plan:
                self._upsert(s, model, assessment_id, key, values, entity, "/".join(str(v) for v in key.values() if v),
                             who, now)

    def _frame(self, model, assessment_id: int, columns: list[str], order) -> pd.DataFrame:
        with self._sessions() as s:
            self._assessment(s, assessment_id)
            rows = s.scalars(select(model).where(model.assessment_id == assessment_id).order_by(*order)).all()
            return pd.DataFrame([{c: getattr(r, c) for c in columns} for r in rows], columns=columns)

    # -- quantities -----------------------------------------------------------------------
    QUANTITY_COLUMNS = ["measure", "kind", "low", "high", "source", "note", "version", "updated_by"]

    def quantities_frame(self, assessment_id: int) -> pd.DataFrame:
        return self._frame(RoadmapQuantity, assessment_id, self.QUANTITY_COLUMNS,
                           (RoadmapQuantity.measure, RoadmapQuantity.kind))

    def quantities(self, assessment_id: int) -> dict[tuple[str, str], tuple[float, float]]:
        """``{(measure, kind): (low, high)}``, kind ``""`` except for posts."""
        f = self.quantities_frame(assessment_id)
        return {(m, k): (float(lo), float(hi)) for m, k, lo, hi in zip(f["measure"], f["kind"], f["low"], f["high"])}

    def set_quantities(self, assessment_id: int, rows, *, by: str, source: str = "team") -> None:
        """Set counts: rows of ``measure`` (post, booth, officer, region), ``kind`` (posts only:
        air, land, sea, river_lake, rail, inland), ``low``, ``high`` (default: low), ``note``."""
        problems = Problems()
        src = problems.take(parse_choice, source, "source", QUANTITY_SOURCES) or "team"

        def check(row, where, problems):
            measure = problems.take(parse_choice, row.get("measure"), f"{where}.measure", costing.MEASURES)
            kind = ""
            if measure == "post":
                kind = problems.take(parse_choice, row.get("kind"), f"{where}.kind", costing.KINDS) or ""
            elif row.get("kind"):
                problems.add(f"{where}.kind", f"only posts have a kind; {measure}s are counted in total")
            span = _range(row, where, problems, high=MAX_COUNT.get(measure, 0) or MAX_PRICE, whole=True)
            note = problems.take(parse_text, row.get("note"), f"{where}.note", max_len=MAX_LONG) or ""
            if measure and span:
                return {"measure": measure, "kind": kind}, {"low": span[0], "high": span[1], "source": src,
                                                            "note": note}
        self._save_rows(assessment_id, rows, by=by, what="quantities", hint="measure, kind, low, high", check=check,
                        model=RoadmapQuantity, entity="quantity", problems=problems)

    # -- exchange rates ---------------------------------------------------------------------
    def rates(self, assessment_id: int) -> dict[str, float]:
        """``{currency: US dollars per unit}`` as the team entered them (USD is always 1)."""
        f = self._frame(RoadmapRate, assessment_id, ["currency", "usd_per_unit"], (RoadmapRate.currency,))
        return {"USD": 1.0} | {c: float(r) for c, r in zip(f["currency"], f["usd_per_unit"])}

    def rates_frame(self, assessment_id: int) -> pd.DataFrame:
        return self._frame(RoadmapRate, assessment_id, ["currency", "usd_per_unit", "source", "version",
                                                        "updated_by", "updated_at"], (RoadmapRate.currency,))

    def set_rates(self, assessment_id: int, rows, *, by: str) -> None:
        """Enter rates: rows of ``currency``, ``usd_per_unit`` (> 0) and ``source`` (where the rate
        comes from, e.g. 'central bank, 2025 average')."""
        def check(row, where, problems):
            cur = problems.take(parse_currency, row.get("currency"), f"{where}.currency")
            if cur is None and f"{where}.currency" not in {p.location for p in problems.items}:
                problems.add(f"{where}.currency", "is required (ISO 4217, e.g. EUR)")
            elif cur == costing.BASE_CURRENCY:
                problems.add(f"{where}.currency", "USD is the reporting currency: its rate is 1")
            rate = problems.take(_number, row.get("usd_per_unit"), f"{where}.usd_per_unit", high=10**6, above=True)
            src = problems.take(parse_text, row.get("source"), f"{where}.source", max_len=MAX_LONG, required=True)
            if cur and rate and src:
                return {"currency": cur}, {"usd_per_unit": rate, "source": src}
        self._save_rows(assessment_id, rows, by=by, what="rates", hint="currency, usd_per_unit, source", check=check,
                        model=RoadmapRate, entity="rate")

    # -- cost catalogue ---------------------------------------------------------------------
    def catalogue(self, assessment_id: int) -> dict[str, costing.UnitCost]:
        """The prices used: the shipped defaults, overridden by the team's."""
        out = costing.load_default_catalogue()
        f = self._frame(RoadmapUnitCost, assessment_id, ["item_id", "low", "high", "currency", "price_year",
                                                         "source"], (RoadmapUnitCost.item_id,))
        for r in f.to_dict("records"):
            out[r["item_id"]] = costing.UnitCost(r["item_id"], float(r["low"]), float(r["high"]), r["currency"],
                                                 int(r["price_year"]), r["source"])
        return out

    def catalogue_frame(self, assessment_id: int) -> pd.DataFrame:
        """Every catalogue item with its unit, category and the price used (currency, year, source)."""
        lib = self.library_of(assessment_id)
        prices = self.catalogue(assessment_id)
        return pd.DataFrame([{"item": i.id, "unit": i.unit, "category": i.category,
                              "low": prices[i.id].low if i.id in prices else None,
                              "high": prices[i.id].high if i.id in prices else None,
                              "currency": prices[i.id].currency if i.id in prices else None,
                              "price_year": prices[i.id].price_year if i.id in prices else None,
                              "source": prices[i.id].source if i.id in prices else "missing"}
                             for i in lib.cost_items])

    def set_unit_costs(self, assessment_id: int, rows, *, by: str) -> None:
        """Price catalogue items: rows of ``item``, ``low``, ``high`` (default low), ``currency``
        and ``price_year`` (both required), ``source``. A currency other than USD needs its rate
        entered first (:meth:`set_rates`)."""
        items = {i.id for i in self.library_of(assessment_id).cost_items}
        rates = self.rates(assessment_id)

        def check(row, where, problems):
            item = row.get("item")
            if item not in items:
                problems.add(f"{where}.item", f"unknown cost item {item!r}; see `workbook roadmap XAT costs`")
            span = _range(row, where, problems)
            cur = problems.take(parse_currency, row.get("currency"), f"{where}.currency")
            if cur is None and row.get("currency") is None:
                problems.add(f"{where}.currency", "is required: every price needs its currency (e.g. USD)")
            elif cur and cur not in rates:
                problems.add(f"{where}.currency", f"no exchange rate for {cur}: enter it first "
                                                  f"(`workbook roadmap XAT rates --set {cur}=RATE --source ...`)")
            year = None
            if row.get("price_year") is None:
                problems.add(f"{where}.price_year", "is required: every price needs its price year")
            else:
                year = problems.take(_number, row.get("price_year"), f"{where}.price_year", low=1990, high=2100,
                                     whole=True)
            src = problems.take(parse_text, row.get("source"), f"{where}.source", max_len=MAX_NOTES) or ""
            if item in items and span and cur and year:
                return {"item_id": item}, {"low": span[0], "high": span[1], "currency": cur,
                                           "price_year": int(year), "source": src or "team"}
        self._save_rows(assessment_id, rows, by=by, what="unit_costs", hint="item, low, high, currency, price_year",
                        check=check, model=RoadmapUnitCost, entity="unit_cost")

    # -- packages and their costing ----------------------------------------------------------
    def packages(self, assessment_id: int, *, horizon: str = "long", lang: str | None = None
                 ) -> list[pk.InvestmentPackage]:
        """The assessment's suggestions grouped into investment packages (:func:`.packages.build_packages`),
        titled in ``lang`` (default English)."""
        scores = self.scores(assessment_id)
        sug = self.suggest(assessment_id, horizon=horizon, scores=scores)
        return pk.build_packages(self.framework_of(assessment_id), self.library_of(assessment_id), sug,
                                 indicator_levels(scores.indicators), self.store.evidence_frame(assessment_id),
                                 lang=lang)

    def costing(self, assessment_id: int, *, committed_only: bool = False, lang: str | None = None) -> Costing:
        """Every package (or only the committed ones) costed from the quantities, prices and rates;
        the packages titled in ``lang`` (default English)."""
        fw = self.framework_of(assessment_id)
        lib = self.library_of(assessment_id)
        scores = self.scores(assessment_id)
        sug = self.suggest(assessment_id, scores=scores)
        packs = pk.build_packages(fw, lib, sug, indicator_levels(scores.indicators),
                                  self.store.evidence_frame(assessment_id), lang=lang)
        plan = self.plan_frame(assessment_id)
        if committed_only:
            keep = set(plan.loc[plan["state"] == "committed", "package_id"])
            packs = [p for p in packs if p.id in keep]
        owner = {a: p.id for p in packs for a in p.actions}
        actions = pd.DataFrame([{"action_id": r["key"], "package_id": owner[r["key"]], "horizon": r["horizon"],
                                 "pillar_id": fw.pillar_of(r["subarea_id"]).id}
                                for r in sug.to_dict("records") if r["key"] in owner],
                               columns=["action_id", "package_id", "horizon", "pillar_id"])
        rates = self.rates(assessment_id)
        lines = costing.cost_lines(lib, actions, self.catalogue(assessment_id), self.quantities(assessment_id), rates)
        shares = dict(zip(plan["package_id"], plan["government_share"]))
        shares = {k: (None if v is None or v != v else float(v)) for k, v in shares.items()}
        summary = costing.package_costs(lib, lines, {p.id: p.actions for p in packs}, shares)
        return Costing(packs, lines, summary, rates)

    def road_map(self, assessment_id: int, *, lang: str | None = None) -> RoadMap:
        """Every package with its state (committed with rank, backlog with reason, or ``proposed``
        before the team commits), cost, schedule (months from the plan start) and tags; the
        packages titled in ``lang`` (a report's or a page's language; default English)."""
        c = self.costing(assessment_id, lang=lang)
        plan = self.plan_frame(assessment_id).set_index("package_id")
        summary = c.summary.set_index("package_id")
        ranked = [pid for pid in plan[plan["state"] == "committed"].sort_values("rank").index]
        when = pk.package_schedule(c.packages, summary["duration_months"].to_dict(), ranked)
        rows = []
        for p in c.packages:
            d = plan.loc[p.id].to_dict() if p.id in plan.index else {"state": "proposed", "rank": None,
                                                                     "reason": "", "funded_by": "",
                                                                     "funding_status": "gap"}
            rows.append({"package_id": p.id, "title": p.title, "state": d["state"], "rank": d["rank"],
                         "reason": d["reason"], "funded_by": d["funded_by"], "funding_status": d["funding_status"],
                         "horizon": p.horizon, "pillars": ", ".join(p.pillars), "indicators": ", ".join(p.indicators),
                         "n_actions": len(p.actions), "needs": ", ".join(p.needs),
                         "start_month": when.get(p.id, (None, None))[0], "end_month": when.get(p.id, (None, None))[1],
                         "sdg": ", ".join(p.sdg), "gcm": ", ".join(str(g) for g in p.gcm),
                         "contributes": ", ".join(p.contributes), **summary.loc[p.id].to_dict()})
        return RoadMap(c, pd.DataFrame(rows), self.commitment(assessment_id)["note"])

    def funding_view(self, assessment_id: int, *, plan_start=None):
        """The donor view of the committed packages (:func:`.donors.donor_view`): funded by whom,
        overlapping initiatives of the country, what is unfunded and the ask."""
        from .donors import donor_view
        with self._sessions() as s:
            country = self._assessment(s, assessment_id).country_code
        return donor_view(self.road_map(assessment_id), self.initiatives_frame(country),
                          self._plan_start(assessment_id, plan_start))

    # -- the committed road map ---------------------------------------------------------------
    PLAN_COLUMNS = ["package_id", "state", "rank", "reason", "government_share", "funded_by", "funding_status",
                    "version", "updated_by"]

    def plan_frame(self, assessment_id: int) -> pd.DataFrame:
        """The team's decisions per package (committed with rank, or backlog with its reason)."""
        return self._frame(RoadmapPackage, assessment_id, self.PLAN_COLUMNS,
                           (RoadmapPackage.state.desc(), RoadmapPackage.rank, RoadmapPackage.package_id))

    def commitment(self, assessment_id: int) -> dict:
        with self._sessions() as s:
            self._assessment(s, assessment_id)
            c = s.get(RoadmapCommitment, assessment_id)
            return {"note": c.note if c else "", "version": c.version if c else 0,
                    "updated_by": c.updated_by if c else ""}

    def commit(self, assessment_id: int, package_ids, *, note: str = "", by: str,
               backlog_reasons: dict[str, str] | None = None) -> pd.DataFrame:
        """Commit the road map: ``package_ids`` in the order they rank; every other package with a
        gap goes to the backlog with its reason (default: 'not committed: see the road-map note').

        Checks, all at once: each id is a package of the assessment that closes a gap; no package
        twice; no circular dependency among the committed; a size outside 25-40 packages needs a
        ``note`` saying why. Returns :meth:`plan_frame`. A committed package that needs one left in
        the backlog is allowed (its prerequisite actions come along as recommendations) and shown by
        :attr:`RoadMap.warnings`.
        """
        packs = {p.id: p for p in self.packages(assessment_id)}
        ids = list(package_ids) if not isinstance(package_ids, str) else [package_ids]
        problems = Problems()
        who = problems.take(self._who, by)
        text = problems.take(parse_text, note, "note", max_len=MAX_NOTES) or ""
        for n, pid in enumerate(ids):
            where = f"packages[{n}]"
            if pid not in packs:
                problems.add(where, f"{pid!r} is not a package of this assessment's gaps; use one of "
                                    f"{', '.join(sorted(packs))}")
            elif not packs[pid].gaps:
                problems.add(where, f"{pid} closes no gap: nothing in it raises an indicator that is below target")
            elif ids.index(pid) != n:
                problems.add(where, f"{pid} is listed twice (first at packages[{ids.index(pid)}])")
        chosen = set(ids) & set(packs)
        for cycle in pk.package_cycles(list(packs.values()), chosen):
            problems.add("packages", f"circular prerequisite: {' needs '.join(cycle)}")
        low, high = TYPICAL_SIZE
        if ids and not low <= len(ids) <= high and not text:
            problems.add("note", f"{len(ids)} packages is outside the typical {low}-{high} a ministry can absorb: "
                                 "say why in the note")
        reasons = backlog_reasons or {}
        for pid, why in reasons.items():
            if pid not in packs:
                problems.add(f"backlog_reasons.{pid}", "not a package of this assessment")
            elif pid in chosen:
                problems.add(f"backlog_reasons.{pid}", "is committed, not in the backlog")
            else:
                problems.take(parse_text, why, f"backlog_reasons.{pid}", max_len=MAX_LONG)
        problems.raise_if_any(what="road map")
        now = utcnow()
        with self._sessions.begin() as s:
            self._writable(s, assessment_id)
            for pid in packs:
                committed = pid in chosen
                values = {"state": "committed" if committed else "backlog",
                          "rank": ids.index(pid) + 1 if committed else None,
                          "reason": "" if committed else (reasons.get(pid) or "not committed: see the road-map note")}
                self._upsert(s, RoadmapPackage, assessment_id, {"package_id": pid}, values, "package", pid, who, now)
            c = s.get(RoadmapCommitment, assessment_id)
            if c is None or c.note != text:
                s.add(AuditEntry(assessment_id=assessment_id, entity="commitment", entity_key="note", field="note",
                                 old=c.note if c else None, new=text, who=who, at=now))
                if c is None:
                    s.add(RoadmapCommitment(assessment_id=assessment_id, note=text, version=1, updated_at=now,
                                            updated_by=who))
                else:
                    c.note, c.version, c.updated_at, c.updated_by = text, c.version + 1, now, who
        return self.plan_frame(assessment_id)

    def set_package_funding(self, assessment_id: int, package_id: str, *, by: str, government_share=None,
                            funded_by: str | None = None, funding_status: str | None = None) -> None:
        """Who pays for a package: the government's share (0-1; empty for the default rule), the
        donor(s) funding it and the funding status (committed, pipeline, gap)."""
        problems = Problems()
        who = problems.take(self._who, by)
        values: dict = {}
        if government_share is not None:
            values["government_share"] = (None if government_share == "" else
                                          problems.take(_number, government_share, "government_share", high=1))
        if funded_by is not None:
            values["funded_by"] = problems.take(parse_text, funded_by, "funded_by", max_len=200) or ""
        if funding_status is not None:
            values["funding_status"] = problems.take(parse_choice, funding_status, "funding_status", FUNDING_STATUSES)
        plan = self.plan_frame(assessment_id)
        if package_id not in set(plan["package_id"]):
            problems.add("package_id", f"{package_id!r} is not in the road map; commit the road map first")
        if not values:
            problems.add("package", "give government_share, funded_by and/or funding_status")
        problems.raise_if_any(what=f"package {package_id}")
        now = utcnow()
        with self._sessions.begin() as s:
            self._writable(s, assessment_id)
            self._upsert(s, RoadmapPackage, assessment_id, {"package_id": package_id}, values, "package", package_id,
                         who, now)


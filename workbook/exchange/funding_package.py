"""The funded road map in the assessment package: quantities, unit costs, exchange rates, the
committed packages (rank, backlog reasons, government share, donors, funding status) and the
commitment note.

:func:`funding_section` writes them as plain data; :func:`restore_funding` recreates them in an
assessment just created from a package, through :class:`~workbook.roadmap.funding.FundingStore`
(so every row is checked by the same rules as a person's input), and on any problem removes the
assessment again and raises the problems located in the package: nothing is half imported.
"""
from __future__ import annotations

from collections.abc import Mapping

from ..errors import InvalidInput, Problem
from ..roadmap.funding import FundingStore
from .plan import removed_on_failure


def _plain(v):
    return None if v is None or v != v else (int(v) if isinstance(v, float) and v.is_integer() else v)


def funding_section(funding: FundingStore, assessment_id: int) -> dict | None:
    """The funding tables of an assessment as plain data, None when nothing is recorded."""
    q = funding.quantities_frame(assessment_id)
    prices = funding._frame(*_unit_cost_args(assessment_id))
    rates = funding.rates_frame(assessment_id)
    plan = funding.plan_frame(assessment_id)
    note = funding.commitment(assessment_id)["note"]
    if q.empty and prices.empty and rates.empty and plan.empty and not note:
        return None
    return {
        "quantities": [{k: _plain(r[k]) for k in ("measure", "kind", "low", "high", "source", "note")}
                       for r in q.to_dict("records")],
        "unit_costs": [{"item": r["item_id"], **{k: _plain(r[k]) for k in ("low", "high", "currency", "price_year",
                                                                            "source")}}
                       for r in prices.to_dict("records")],
        "rates": [{k: _plain(r[k]) for k in ("currency", "usd_per_unit", "source")} for r in rates.to_dict("records")],
        "packages": [{k: _plain(r[k]) for k in ("package_id", "state", "rank", "reason", "government_share",
                                                "funded_by", "funding_status")} for r in plan.to_dict("records")],
        "note": note,
    }


def _unit_cost_args(assessment_id: int):
    from ..store.models import RoadmapUnitCost
    return (RoadmapUnitCost, assessment_id, ["item_id", "low", "high", "currency", "price_year", "source"],
            (RoadmapUnitCost.item_id,))


def restore_funding(funding: FundingStore, assessment_id: int, section: Mapping, *, by: str, source: str) -> None:
    """Recreate a package's funding tables in an assessment just created from it; on any problem
    the assessment is removed again and the problems raised, located in the package."""
    with removed_on_failure(funding.engine, assessment_id):
        _restore(funding, assessment_id, section, by=by, source=source)


def _restore(funding: FundingStore, aid: int, section: Mapping, *, by: str, source: str) -> None:
    at = f"{source}: funding"

    def run(where: str, call) -> None:
        try:
            call()
        except InvalidInput as exc:
            raise InvalidInput([Problem(f"{at}.{where}: {p.location}", p.message) for p in exc.problems],
                               what=source) from None

    if section.get("rates"):
        run("rates", lambda: funding.set_rates(aid, list(section["rates"]), by=by))
    if section.get("unit_costs"):
        run("unit_costs", lambda: funding.set_unit_costs(aid, list(section["unit_costs"]), by=by))
    quantities = list(section.get("quantities") or [])
    for src in dict.fromkeys(r.get("source") or "team" for r in quantities):
        rows = [{k: v for k, v in r.items() if k != "source"} for r in quantities if (r.get("source") or "team") == src]
        run("quantities", lambda rows=rows, src=src: funding.set_quantities(aid, rows, by=by, source=src))
    packages = list(section.get("packages") or [])
    committed = sorted((p for p in packages if p.get("state") == "committed"), key=lambda p: p.get("rank") or 0)
    if packages:
        reasons = {p["package_id"]: p.get("reason") or "" for p in packages
                   if p.get("state") != "committed" and p.get("reason")}
        run("packages", lambda: funding.commit(aid, [p["package_id"] for p in committed],
                                               note=section.get("note") or "", by=by, backlog_reasons=reasons))
    for n, p in enumerate(packages):
        share, donors, status = p.get("government_share"), p.get("funded_by") or "", p.get("funding_status") or "gap"
        if share is None and not donors and status == "gap":
            continue
        run(f"packages[{n}]", lambda p=p, share=share, donors=donors, status=status: funding.set_package_funding(
            aid, p["package_id"], by=by, government_share="" if share is None else share, funded_by=donors,
            funding_status=status))

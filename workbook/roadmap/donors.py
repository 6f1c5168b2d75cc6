"""The duplication check: who already funds what (pure functions on frames).

* A recommendation is **covered** by an initiative that addresses the same sub-area (and the
  same indicator, when both name one) and whose period overlaps the recommendation's window:
  from the plan start to its deadline, or to the end of its horizon when it has no deadline.
* Two initiatives **overlap** when they address a common sub-area in overlapping periods and
  come from different donors (one donor's own projects are its business to coordinate).
* A **gap nobody funds** is a sub-area with a priority above zero, no initiative addressing it
  during the plan (plan start to 5 years on), and no recommendation in it with committed funding.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from .sequence import LONG_MONTHS, add_months, as_date, horizon_end

COVERED_COLUMNS = ["recommendation_id", "title", "subarea_id", "indicator_id", "horizon", "initiative_id",
                   "initiative", "donor", "match", "overlap_start", "overlap_end"]
OVERLAP_COLUMNS = ["initiative_a", "title_a", "donor_a", "initiative_b", "title_b", "donor_b", "subareas",
                   "indicators", "overlap_start", "overlap_end"]
UNFUNDED_COLUMNS = ["pillar_id", "subarea_id", "subarea", "priority", "gap_long", "n_recommendations",
                    "n_pipeline", "note"]


def overlap(a_start: dt.date, a_end: dt.date, b_start: dt.date, b_end: dt.date):
    """The period two periods share, ``(start, end)``, or None."""
    start, end = max(a_start, b_start), min(a_end, b_end)
    return (start, end) if start <= end else None


def initiative_scope(initiative: dict) -> list[tuple[str, str | None]]:
    """What an initiative addresses: (sub-area, indicator or None) pairs."""
    return [(s, i) for s, i in initiative.get("scope") or []]


def _same_donor(a: str, b: str) -> bool:
    return " ".join(str(a).split()).casefold() == " ".join(str(b).split()).casefold()


def recommendation_window(rec: dict, plan_start: dt.date) -> tuple[dt.date, dt.date]:
    """From the plan start to the deadline, or to the end of the horizon."""
    end = as_date(rec.get("deadline")) or horizon_end(rec["horizon"], plan_start)
    return plan_start, max(end, plan_start)


def covered_recommendations(recs: pd.DataFrame, initiatives: pd.DataFrame, plan_start: dt.date) -> pd.DataFrame:
    """One row per (recommendation, initiative that already covers it). Dropped recommendations are skipped."""
    rows = []
    inits = initiatives.to_dict("records") if len(initiatives) else []
    for r in recs.to_dict("records"):
        if r.get("status") == "dropped":
            continue
        ws, we = recommendation_window(r, plan_start)
        rind = r.get("indicator_id") or None
        for ini in inits:
            period = overlap(ws, we, as_date(ini["start_date"]), as_date(ini["end_date"]))
            if period is None:
                continue
            matches = [i for s, i in initiative_scope(ini)
                       if s == r["subarea_id"] and (i is None or rind is None or i == rind)]
            if not matches:
                continue
            match = "indicator" if rind is not None and rind in matches else "sub-area"
            rows.append((r["id"], r["title"], r["subarea_id"], rind, r["horizon"], ini["id"], ini["title"],
                         ini["donor"], match, *period))
    return pd.DataFrame(rows, columns=COVERED_COLUMNS)


def overlapping_initiatives(initiatives: pd.DataFrame) -> pd.DataFrame:
    """Pairs of initiatives of different donors on a common sub-area in overlapping periods."""
    rows = []
    inits = initiatives.to_dict("records") if len(initiatives) else []
    for n, a in enumerate(inits):
        for b in inits[n + 1:]:
            if _same_donor(a["donor"], b["donor"]):
                continue
            period = overlap(as_date(a["start_date"]), as_date(a["end_date"]), as_date(b["start_date"]),
                              as_date(b["end_date"]))
            if period is None:
                continue
            sa_a, sa_b = {s for s, _ in initiative_scope(a)}, {s for s, _ in initiative_scope(b)}
            common = sorted(sa_a & sa_b)
            if not common:
                continue
            ind_a, ind_b = {i for _, i in initiative_scope(a) if i}, {i for _, i in initiative_scope(b) if i}
            rows.append((a["id"], a["title"], a["donor"], b["id"], b["title"], b["donor"], ", ".join(common),
                         ", ".join(sorted(ind_a & ind_b)), *period))
    return pd.DataFrame(rows, columns=OVERLAP_COLUMNS)


def unfunded_gaps(targets: pd.DataFrame, recs: pd.DataFrame, initiatives: pd.DataFrame, plan_start: dt.date,
                  *, top: int | None = None) -> pd.DataFrame:
    """Priority sub-areas with no initiative during the plan and no committed funding, by priority.

    ``top`` limits the check to the ``top`` highest-priority sub-areas (default: every sub-area
    with a priority above zero).
    """
    plan_end = add_months(plan_start, LONG_MONTHS)
    funded_by_initiative: set[str] = set()
    for ini in (initiatives.to_dict("records") if len(initiatives) else []):
        if overlap(plan_start, plan_end, as_date(ini["start_date"]), as_date(ini["end_date"])):
            funded_by_initiative |= {s for s, _ in initiative_scope(ini)}
    live = recs[recs["status"] != "dropped"] if len(recs) else recs
    committed = set(live.loc[live["funding_status"] == "committed", "subarea_id"]) if len(live) else set()
    candidates = targets[targets["priority"] > 0].sort_values(["priority", "subarea_id"], ascending=[False, True])
    if top is not None:
        candidates = candidates.head(top)
    rows = []
    for t in candidates.to_dict("records"):
        sid = t["subarea_id"]
        if sid in funded_by_initiative or sid in committed:
            continue
        mine = live[live["subarea_id"] == sid] if len(live) else live
        n_pipeline = int((mine["funding_status"] == "pipeline").sum()) if len(mine) else 0
        note = ("no recommendation yet" if not len(mine) else
                f"{n_pipeline} in the pipeline, none committed" if n_pipeline else "no funding found")
        rows.append((t["pillar_id"], sid, t["subarea"], t["priority"], t["gap_long"], len(mine), n_pipeline, note))
    return pd.DataFrame(rows, columns=UNFUNDED_COLUMNS)


@dataclass(frozen=True)
class DonorMap:
    """The duplication check in one object, for the donor-map chapter and page."""

    covered: pd.DataFrame
    overlaps: pd.DataFrame
    unfunded: pd.DataFrame
    initiatives: pd.DataFrame
    plan_start: dt.date


def map_donors(targets: pd.DataFrame, recs: pd.DataFrame, initiatives: pd.DataFrame, plan_start: dt.date,
               *, top: int | None = None) -> DonorMap:
    """Covered recommendations, overlapping initiatives and gaps nobody funds."""
    return DonorMap(covered_recommendations(recs, initiatives, plan_start), overlapping_initiatives(initiatives),
                    unfunded_gaps(targets, recs, initiatives, plan_start, top=top), initiatives, plan_start)


# -- the donor view of the committed packages (workbook.roadmap.funding.RoadMap) -------------------
DONOR_VIEW_COLUMNS = ["package_id", "title", "total_low", "total_high", "government_low", "government_high",
                      "donor_low", "donor_high", "funding_status", "funded_by", "overlaps", "unfunded_low",
                      "unfunded_high"]


@dataclass
class DonorView:
    """Who funds which committed package, which overlap an initiative, what is unfunded, the ask."""

    table: pd.DataFrame
    ask: tuple[float, float]  # the donors' part of the packages nobody funds yet (USD)
    by_donor: pd.DataFrame  # donor, n_packages, low, high (committed or pipeline funding)


def package_overlaps(package, window: tuple[dt.date, dt.date], initiatives: pd.DataFrame) -> list[str]:
    """Initiatives addressing a gap of ``package`` (same sub-area; same indicator when the
    initiative names indicators in that sub-area) during the package's ``window``: ``I<id> donor: title``."""
    out = []
    gaps = {(g.subarea_id, g.indicator_id) for g in package.gaps}
    for ini in initiatives.to_dict("records") if len(initiatives) else []:
        if overlap(window[0], window[1], as_date(ini["start_date"]), as_date(ini["end_date"])) is None:
            continue
        scope = initiative_scope(ini)
        named = {sa for sa, i in scope if i}
        hit = any((sa, i) in gaps if i else sa in {s for s, _ in gaps} and sa not in named for sa, i in scope)
        if hit:
            out.append(f"I{ini['id']} {ini['donor']}: {ini['title']}")
    return out


def donor_view(road, initiatives: pd.DataFrame, plan_start: dt.date) -> DonorView:
    """The donor view of ``road``'s committed packages; ``initiatives`` is ``initiatives_frame``."""
    rows = []
    for r in road.committed.to_dict("records"):
        pkg = road.package(r["package_id"])
        window = (add_months(plan_start, int(r["start_month"])), add_months(plan_start, int(r["end_month"])))
        unfunded = r["funding_status"] == "gap"
        rows.append({**{k: r[k] for k in DONOR_VIEW_COLUMNS if k in r},
                     "overlaps": "; ".join(package_overlaps(pkg, window, initiatives)),
                     "unfunded_low": r["donor_low"] if unfunded else 0.0,
                     "unfunded_high": r["donor_high"] if unfunded else 0.0})
    table = pd.DataFrame(rows, columns=DONOR_VIEW_COLUMNS)
    donors: dict[str, list] = {}
    for r in rows:
        for d in [x.strip() for x in str(r["funded_by"] or "").split(";") if x.strip()]:
            if r["funding_status"] != "gap":
                e = donors.setdefault(d, [0, 0.0, 0.0])
                e[0] += 1
                e[1] += r["donor_low"]
                e[2] += r["donor_high"]
    by_donor = pd.DataFrame([{"donor": d, "n_packages": n, "low": lo, "high": hi} for d, (n, lo, hi) in donors.items()],
                            columns=["donor", "n_packages", "low", "high"])
    return DonorView(table, (float(table["unfunded_low"].sum()), float(table["unfunded_high"].sum())), by_donor)

"""The road map: recommendations in an order where prerequisites come first, on a timeline.

Pure functions on the recommendations frame (``RoadmapStore.recommendations_frame`` or any frame
with ``id, title, horizon, status, deadline, prerequisites``).

* **Order**: a stable topological sort. Among the recommendations whose prerequisites are all
  placed, the one that comes first in the frame goes next, after short-term before long-term.
  So a frame sorted by priority stays sorted by priority wherever the prerequisites allow.
* **Timeline**: a recommendation starts at the plan start or when its last prerequisite ends,
  whichever is later, and ends at its deadline. Without a deadline it gets an equal share of its
  horizon's window (short: 18 months, long: 5 years after the plan start): the window divided by
  the number of prerequisite steps in that horizon's longest chain, at least 3 months.
* **Checks**: a deadline before a prerequisite's deadline, a start after the end (the
  prerequisites cannot be finished in time), a short-term recommendation that waits for a
  long-term one, and a prerequisite that was dropped.
"""
from __future__ import annotations

import datetime as dt
import heapq
from dataclasses import dataclass

import pandas as pd

from .library import find_cycles, format_cycle
from ..errors import InvalidInput, Problem

SHORT_MONTHS = 18
LONG_MONTHS = 60
HORIZON_ORDER = {"short": 0, "long": 1}
HORIZON_NAMES = {"short": "Short term (up to 18 months)", "long": "Long term (2-5 years)"}


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus whole months, on the last day of the month when the day does not exist."""
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)


def horizon_end(horizon: str, plan_start: dt.date) -> dt.date:
    """The end of a horizon's window: 18 months (short) or 5 years (long) after the plan start."""
    return add_months(plan_start, SHORT_MONTHS if horizon == "short" else LONG_MONTHS)


def _prereqs(value) -> list:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return []
    return list(value)


def sequence_recommendations(recs: pd.DataFrame) -> pd.DataFrame:
    """The recommendations in road-map order (prerequisites first), with ``order`` from 1.

    Raises
    ------
    InvalidInput
        When prerequisites form a cycle (the store refuses those, so only for hand-made frames).
    """
    if recs.empty:
        return recs.assign(order=pd.Series(dtype="int64"))
    ids = list(recs["id"])
    known = set(ids)
    edges = {i: [p for p in _prereqs(ps) if p in known] for i, ps in zip(ids, recs["prerequisites"])}
    cycles = find_cycles(edges)
    if cycles:
        raise InvalidInput([Problem(f"recommendation {c[0]}", f"prerequisite cycle: {format_cycle(c)}")
                            for c in cycles], what="road map")
    horizon = dict(zip(ids, recs["horizon"]))
    key = {i: (HORIZON_ORDER.get(horizon[i], 2), pos) for pos, i in enumerate(ids)}
    waiting = {i: len(set(edges[i])) for i in ids}
    dependents: dict = {i: [] for i in ids}
    for i in ids:
        for p in set(edges[i]):
            dependents[p].append(i)
    ready = [(key[i], i) for i in ids if waiting[i] == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        _, i = heapq.heappop(ready)
        order.append(i)
        for d in dependents[i]:
            waiting[d] -= 1
            if waiting[d] == 0:
                heapq.heappush(ready, (key[d], d))
    out = recs.set_index("id", drop=False).loc[order].reset_index(drop=True)
    out.insert(0, "order", range(1, len(out) + 1))
    return out


@dataclass(frozen=True)
class Roadmap:
    """A sequenced, scheduled road map.

    ``table``: one row per recommendation in road-map order with ``order, group, start, end``
    and the prerequisites' titles. ``problems``: the schedule check, one row per problem
    (``recommendation_id, title, prerequisite_id, problem``); empty when the plan holds.
    """

    table: pd.DataFrame
    problems: pd.DataFrame
    plan_start: dt.date

    def group(self, horizon: str) -> pd.DataFrame:
        """The rows of one horizon (``"short"`` or ``"long"``), in road-map order."""
        return self.table[self.table["horizon"] == horizon]

    @property
    def ok(self) -> bool:
        return self.problems.empty


def as_date(v) -> dt.date | None:
    """A date from a frame cell (a date, a Timestamp, ISO text), or None when blank."""
    if v is None or v is pd.NaT or (isinstance(v, float) and pd.isna(v)):
        return None
    if hasattr(v, "to_pydatetime"):
        return v.to_pydatetime().date()
    return v


def check_schedule(recs: pd.DataFrame) -> pd.DataFrame:
    """Deadlines that come before a prerequisite's, and short-term work that waits for long-term work."""
    cols = ["recommendation_id", "title", "prerequisite_id", "problem"]
    by_id = {r["id"]: r for r in recs.to_dict("records")}
    rows = []
    for r in by_id.values():
        if r.get("status") == "dropped":
            continue
        for pid in _prereqs(r.get("prerequisites")):
            p = by_id.get(pid)
            if p is None:
                continue
            if p.get("status") == "dropped":
                rows.append((r["id"], r["title"], pid, f"its prerequisite #{pid} ({p['title']}) was dropped"))
                continue
            d, pd_ = as_date(r.get("deadline")), as_date(p.get("deadline"))
            if d and pd_ and d < pd_:
                rows.append((r["id"], r["title"], pid,
                             f"deadline {d.isoformat()} is before the deadline {pd_.isoformat()} of its prerequisite "
                             f"#{pid} ({p['title']})"))
            if r.get("horizon") == "short" and p.get("horizon") == "long":
                rows.append((r["id"], r["title"], pid,
                             f"short-term, but its prerequisite #{pid} ({p['title']}) is long-term"))
    return pd.DataFrame(rows, columns=cols)


def _slots(table: pd.DataFrame) -> dict[str, int]:
    """Default months per recommendation: each horizon's window shared by its longest chain."""
    depth: dict = {}
    for rid, pre in zip(table["id"], table["prerequisites"]):  # road-map order: prerequisites first
        depth[rid] = 1 + max([depth[p] for p in _prereqs(pre) if p in depth], default=0)
    longest: dict[str, int] = {}
    for rid, horizon in zip(table["id"], table["horizon"]):
        longest[horizon] = max(longest.get(horizon, 1), depth[rid])
    window = {"short": SHORT_MONTHS, "long": LONG_MONTHS}
    return {h: max(3, window.get(h, SHORT_MONTHS) // n) for h, n in longest.items()}


def order_by_priority(recs: pd.DataFrame, targets: pd.DataFrame) -> pd.DataFrame:
    """Recommendations by their sub-area's priority (``targets`` from
    :func:`~workbook.roadmap.targets.compute_targets`), then sub-area, then id: the order
    :func:`build_roadmap` sequences them in. Adds a ``priority`` column."""
    if recs.empty:
        return recs.assign(priority=pd.Series(dtype=float))
    prio = dict(zip(targets["subarea_id"], targets["priority"]))
    recs = recs.assign(priority=[prio.get(s) for s in recs["subarea_id"]])
    return recs.sort_values(["priority", "subarea_id", "id"], ascending=[False, True, True],
                            na_position="last", kind="stable").reset_index(drop=True)


def build_roadmap(recs: pd.DataFrame, plan_start: dt.date, *, include_dropped: bool = False) -> Roadmap:
    """Sequence, schedule and check recommendations.

    Parameters
    ----------
    recs : DataFrame
        Recommendations (``id, title, horizon, status, deadline, prerequisites``, ...), ideally
        sorted by priority: the order is kept wherever the prerequisites allow.
    plan_start : date
        When the plan starts (by default the assessment's date).
    include_dropped : bool
        Keep dropped recommendations in the table (they are never scheduled).
    """
    problems = check_schedule(recs)
    flagged = set(problems["recommendation_id"])
    live = recs if include_dropped else recs[recs["status"] != "dropped"]
    table = sequence_recommendations(live.reset_index(drop=True))
    ends: dict = {}
    titles = dict(zip(recs["id"], recs["title"]))
    slot = _slots(table)
    starts, finish, after, late = [], [], [], []
    for r in table.to_dict("records"):
        pre = [p for p in _prereqs(r["prerequisites"]) if p in ends]
        start = max([plan_start] + [ends[p] for p in pre])
        end = as_date(r.get("deadline")) or add_months(start, slot.get(r["horizon"], SHORT_MONTHS))
        if start > end and r["id"] not in flagged:
            late.append((r["id"], r["title"], None,
                         f"cannot start before {start.isoformat()} (when its prerequisites end) but is due "
                         f"{end.isoformat()}"))
        if r["status"] != "dropped":
            ends[r["id"]] = end
        starts.append(start)
        finish.append(end)
        after.append("; ".join(f"#{p} {titles.get(p, '')}".strip() for p in _prereqs(r["prerequisites"])))
    table = table.assign(start=starts, end=finish, after=after,
                         group=[HORIZON_NAMES.get(h, h) for h in table["horizon"]])
    if late:
        problems = pd.DataFrame(list(problems.itertuples(index=False, name=None)) + late,
                                columns=problems.columns)
    return Roadmap(table, problems, plan_start)

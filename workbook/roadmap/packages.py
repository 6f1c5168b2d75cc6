"""Investment packages: the suggestions grouped into projects a donor would fund as one.

Every action of the 2.0 library names the package it belongs to (``INTERPOL connectivity``,
``Protection screening``...). :func:`build_packages` groups an assessment's suggestions by that
package; each package lists the gaps it closes across indicators (an action closes its own
indicator's step and those it ``also_closes``, wherever the country is below that level), the
evidence recorded for those indicators, its actions, its horizon (short when any of its actions
is short-term) and the other packages it depends on (an action whose prerequisite sits in another
package). A package that closes no gap is kept but flagged: it cannot be committed.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..framework import Framework
from .library import ActionLibrary, find_cycles

PACKAGE_COLUMNS = ["package_id", "title", "pillars", "horizon", "n_actions", "n_gaps", "indicators",
                   "verify_first", "needs_packages"]


@dataclass(frozen=True)
class Gap:
    """An indicator below the level a package brings it to."""

    indicator_id: str
    subarea_id: str
    current: int | None  # None: not scored (NE, NA, unrated)
    to_level: int


@dataclass
class InvestmentPackage:
    id: str
    title: str
    actions: list[str] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    evidence: dict[str, list[str]] = field(default_factory=dict)
    horizon: str = "long"
    needs: list[str] = field(default_factory=list)  # other packages it depends on
    verify_first: bool = False
    pillars: list[str] = field(default_factory=list)

    @property
    def indicators(self) -> list[str]:
        return [g.indicator_id for g in self.gaps]


def _evidence_lines(evidence: pd.DataFrame | None) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    if evidence is None or not len(evidence):
        return out
    for r in evidence.to_dict("records"):
        date = r.get("date")
        shown = date.isoformat() if hasattr(date, "isoformat") else date
        when = f" ({shown})" if date is not None and date == date else ""
        out.setdefault(r["indicator_id"], []).append(f"{r['type']}: {r['source']}{when}")
    return out


def build_packages(framework: Framework, library: ActionLibrary, suggestions: pd.DataFrame,
                   levels: dict[str, int], evidence: pd.DataFrame | None = None) -> list[InvestmentPackage]:
    """Group ``suggestions`` (:func:`~workbook.roadmap.suggest.suggest_recommendations`) into packages.

    ``levels`` are the current indicator levels (:func:`~workbook.roadmap.targets.indicator_levels`);
    ``evidence`` is ``Store.evidence_frame``. Packages come in the order of their first suggestion
    (the most urgent sub-area first).
    """
    by_package: dict[str, InvestmentPackage] = {}
    owner: dict[str, str] = {}
    ev = _evidence_lines(evidence)
    for row in suggestions.to_dict("records"):
        action = library.action(row["key"])
        pid = action.package or f"{action.indicator.lower().replace('.', '-')}-actions"
        pkg = by_package.get(pid)
        if pkg is None:
            pkg = by_package[pid] = InvestmentPackage(pid, library.package_title(pid))
        pkg.actions.append(action.id)
        owner[action.id] = pid
        if row.get("horizon") == "short":
            pkg.horizon = "short"
        if bool(row.get("verify_first")):
            pkg.verify_first = True
    for pkg in by_package.values():
        reach: dict[str, int] = {}
        for aid in pkg.actions:
            a = library.action(aid)
            for ind, to in [(a.indicator, a.to_level)] + [(c.indicator, c.to_level) for c in a.also_closes]:
                current = levels.get(ind)
                if current is not None and current >= to:
                    continue
                reach[ind] = max(reach.get(ind, 0), to)
        pkg.gaps = [Gap(i, framework.subarea_of(i).id, levels.get(i), to) for i, to in sorted(reach.items())]
        pkg.evidence = {g.indicator_id: ev.get(g.indicator_id, []) for g in pkg.gaps}
        pkg.pillars = sorted({framework.pillar_of(g.subarea_id).id for g in pkg.gaps})
        needs = []
        for aid in pkg.actions:
            for pre in library.action(aid).prerequisites:
                other = owner.get(pre)
                if other and other != pkg.id and other not in needs:
                    needs.append(other)
        pkg.needs = needs
    return list(by_package.values())


def package_cycles(packages: list[InvestmentPackage], chosen: set[str] | None = None) -> list[list[str]]:
    """Circular dependencies among packages (``a needs b needs a``), among ``chosen`` only if given."""
    edges = {p.id: [n for n in p.needs if chosen is None or n in chosen] for p in packages
             if chosen is None or p.id in chosen}
    return find_cycles(edges)


def packages_frame(packages: list[InvestmentPackage]) -> pd.DataFrame:
    """One row per package (:data:`PACKAGE_COLUMNS`)."""
    return pd.DataFrame([{"package_id": p.id, "title": p.title, "pillars": ", ".join(p.pillars),
                          "horizon": p.horizon, "n_actions": len(p.actions), "n_gaps": len(p.gaps),
                          "indicators": ", ".join(p.indicators), "verify_first": p.verify_first,
                          "needs_packages": ", ".join(p.needs)} for p in packages], columns=PACKAGE_COLUMNS)


def gaps_frame(packages: list[InvestmentPackage]) -> pd.DataFrame:
    """One row per (package, gap it closes), with the evidence behind the indicator's level."""
    return pd.DataFrame([{"package_id": p.id, "indicator_id": g.indicator_id, "subarea_id": g.subarea_id,
                          "current": g.current, "to_level": g.to_level,
                          "evidence": "; ".join(p.evidence.get(g.indicator_id) or []) or "no evidence recorded"}
                         for p in packages for g in p.gaps],
                        columns=["package_id", "indicator_id", "subarea_id", "current", "to_level", "evidence"])

"""Investment packages: the suggestions grouped into projects a donor would fund as one.

Every action of the 2.0 library names the package it belongs to (``INTERPOL connectivity``,
``Protection screening``...). :func:`build_packages` groups an assessment's suggestions by that
package; each package lists the gaps it closes across indicators (an action closes its own
indicator's step and those it ``also_closes``, wherever the country is below that level), the
evidence recorded for those indicators, its actions, its horizon (short when any of its actions
is short-term) and the other packages it depends on (an action whose prerequisite sits in another
package). A package that closes no gap is kept but flagged: it cannot be committed.

Each package is tagged (``workbook/data/package-tags.yaml``, :func:`load_tags`) with the title a
donor reads, the SDG targets and GCM objectives it serves; its contribution areas (movement,
cooperation, crime) are those of its actions. :func:`tag_rollup` adds them up for the brief.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import Problems
from ..framework import Framework
from ..i18n.extract import PACKAGE_CONTEXT
from ..i18n.messages import N_, translator
from .library import ActionLibrary, find_cycles
from ..yamlfile import safe_load as safe_yaml

DEFAULT_TAGS = Path(__file__).parent.parent / "data" / "package-tags.yaml"
SDG_TARGET = re.compile(r"^\d{1,2}\.(\d{1,2}|[a-d])$")
GCM_OBJECTIVES = range(1, 24)
#: The title of the package of an action that names none (its indicator's actions), marked for the catalogues.
ACTIONS_OF = N_("Actions for %(indicator)s")
CONTRIBUTION_AREAS = {"movement": "Safe and orderly movement of people", "cooperation": "Cooperation",
                      "crime": "Fighting cross-border crime"}

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
    sdg: list[str] = field(default_factory=list)
    gcm: list[int] = field(default_factory=list)
    contributes: list[str] = field(default_factory=list)

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


@dataclass(frozen=True)
class PackageTags:
    title: str
    sdg: tuple[str, ...]
    gcm: tuple[int, ...]


def load_tags(library: ActionLibrary, path: str | Path | None = None) -> dict[str, PackageTags]:
    """The package tags, checked: every package of ``library`` tagged, SDG targets like ``10.7``,
    GCM objectives 1-23. Raises :class:`InvalidInput` locating every problem."""
    p = Path(path) if path else DEFAULT_TAGS
    data = (safe_yaml(p.read_text(encoding="utf-8")) or {}).get("packages") or {}
    problems = Problems()
    out = {}
    for pid, v in data.items():
        where = f"{p.name}: packages.{pid}"
        if not isinstance(v, dict) or not str(v.get("title") or "").strip():
            problems.add(where, "needs a title")
            continue
        sdg = [str(s) for s in v.get("sdg") or []]
        gcm = v.get("gcm") or []
        for s in sdg:
            if not SDG_TARGET.fullmatch(s):
                problems.add(f"{where}.sdg", f"{s!r} is not an SDG target like '10.7' or '16.a'")
        for g in gcm:
            if not isinstance(g, int) or g not in GCM_OBJECTIVES:
                problems.add(f"{where}.gcm", f"{g!r} is not a GCM objective (1-23)")
        if not sdg or not gcm:
            problems.add(where, "tag at least one SDG target and one GCM objective")
        out[pid] = PackageTags(str(v["title"]).strip(), tuple(sdg), tuple(g for g in gcm if isinstance(g, int)))
    for pkg in library.packages:
        if pkg.id not in out and f"{p.name}: packages.{pkg.id}" not in {x.location for x in problems}:
            problems.add(f"{p.name}: packages", f"package {pkg.id} of the action library has no tags")
    problems.raise_if_any(what="package tags")
    return out


def package_title(package_id: str, tag: PackageTags | None, library: ActionLibrary, lang: str | None = None, *,
                  indicator: str = "") -> str:
    """The title a donor reads, in ``lang`` (default English): the tag's (``package-tags.yaml``,
    translated in the catalogues under the context ``package``), else the library's (as the library
    was translated), else composed for the actions of ``indicator`` that name no package
    (:data:`ACTIONS_OF`)."""
    t = translator(lang or "en")
    if tag is not None:
        return t.pgettext(PACKAGE_CONTEXT, tag.title)
    if indicator:
        return t.gettext(ACTIONS_OF) % {"indicator": indicator}
    return library.package_title(package_id)


def build_packages(framework: Framework, library: ActionLibrary, suggestions: pd.DataFrame,
                   levels: dict[str, int], evidence: pd.DataFrame | None = None,
                   tags: dict[str, PackageTags] | None = None, lang: str | None = None) -> list[InvestmentPackage]:
    """Group ``suggestions`` (:func:`~workbook.roadmap.suggest.suggest_recommendations`) into packages.

    ``levels`` are the current indicator levels (:func:`~workbook.roadmap.targets.indicator_levels`);
    ``evidence`` is ``Store.evidence_frame``; ``tags`` default to :func:`load_tags`. Packages come
    in the order of their first suggestion (the most urgent sub-area first). Titles are in ``lang``
    (:func:`package_title`; English by default).
    """
    tags = load_tags(library) if tags is None else tags
    by_package: dict[str, InvestmentPackage] = {}
    owner: dict[str, str] = {}
    ev = _evidence_lines(evidence)
    for row in suggestions.to_dict("records"):
        action = library.action(row["key"])
        pid = action.package or f"{action.indicator.lower().replace('.', '-')}-actions"
        pkg = by_package.get(pid)
        if pkg is None:
            tag = tags.get(pid)
            title = package_title(pid, tag, library, lang, indicator="" if action.package else action.indicator)
            pkg = by_package[pid] = InvestmentPackage(pid, title,
                                                      sdg=list(tag.sdg) if tag else [],
                                                      gcm=list(tag.gcm) if tag else [])
        pkg.actions.append(action.id)
        pkg.contributes += [c for c in action.contributes if c not in pkg.contributes]
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


def tag_rollup(packages: list[InvestmentPackage], summary: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per tag (SDG target, GCM objective, contribution area): how many packages serve it and,
    with a costing ``summary``, what they cost (a package counts in full under each of its tags)."""
    cost = {} if summary is None else {r["package_id"]: (r["total_low"], r["total_high"])
                                       for r in summary.to_dict("records")}
    rows: dict[tuple[str, str], dict] = {}
    for p in packages:
        for kind, values in (("SDG target", p.sdg), ("GCM objective", [str(g) for g in p.gcm]),
                             ("contribution area", p.contributes)):
            for v in values:
                r = rows.setdefault((kind, v), {"tag": kind, "value": v, "packages": [], "low": 0.0, "high": 0.0})
                r["packages"].append(p.id)
                lo, hi = cost.get(p.id, (0.0, 0.0))
                r["low"], r["high"] = r["low"] + lo, r["high"] + hi
    order = {"SDG target": 0, "GCM objective": 1, "contribution area": 2}

    def key(k):  # 10.7 before 16.2 before 16.10 before 16.a
        return order[k[0]], [(0, int(x), "") if x.isdigit() else (1, 0, x) for x in k[1].split(".")]
    return pd.DataFrame([{**rows[k], "n_packages": len(rows[k]["packages"]), "packages": ", ".join(rows[k]["packages"])}
                         for k in sorted(rows, key=key)],
                        columns=["tag", "value", "n_packages", "packages", "low", "high"])


def package_schedule(packages: list[InvestmentPackage], durations: dict[str, int],
                     chosen: list[str]) -> dict[str, tuple[int, int]]:
    """``{package: (start month, end month)}`` from the plan start: a package starts when the
    packages it needs have ended (``chosen`` in rank order; needs outside it are ignored)."""
    by_id = {p.id: p for p in packages}
    out: dict[str, tuple[int, int]] = {}

    def place(pid: str, path: tuple = ()) -> tuple[int, int]:
        if pid not in out:
            if pid in path:  # a cycle is refused on commit; never loop here
                return 0, durations.get(pid, 0)
            start = max((place(n, path + (pid,))[1] for n in by_id[pid].needs if n in chosen), default=0)
            out[pid] = (start, start + durations.get(pid, 0))
        return out[pid]
    for pid in chosen:
        place(pid)
    return {pid: out[pid] for pid in chosen}


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

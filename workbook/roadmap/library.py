"""The action library: for each indicator and each step N -> N+1, the typical actions.

The library lives in ``workbook/data/actions.yaml`` beside the framework, in our own words (the
library written for framework 1.0.0 stays as ``actions-1.0.0.yaml``). Each action is tagged with an
action type and a horizon, and may name other actions as prerequisites (a legal basis with
data-protection safeguards before PNR data is received).

Version 2.0.0 writes **one action per investment**: an investment several indicators need
(INTERPOL connectivity at posts, document readers, private interview rooms) is written once,
under its home indicator, and lists the others under ``also_closes``. Each action names the
criteria it makes true, its duration, typical partners, contribution areas, the investment
package it belongs to, an output indicator, and its cost as catalogue items times quantities
(fixed, or per post, booth, officer or region of the crossing-point register). A catalogue item
may name the indicators whose actions alone may buy it (``homes``): the check that keeps one
investment under one id. Version 1.0.0 actions carry a cost band instead.
:func:`load_actions` parses the file with Pydantic models that forbid unknown keys, then checks
what a schema cannot: ids that follow ``<indicator>-s<to_level>-<letter>``, indicators that exist
in the framework, declared types and cost bands, prerequisites that exist, no prerequisite cycle
(the cycle is shown), and every indicator x step covered. Every problem is reported at once with
its location and YAML line, like :func:`workbook.framework.load_framework`.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from ..errors import InvalidInput, NotFound, Problem
from ..framework import Framework, describe_path, load_framework, yaml_lines
from ..yamlfile import safe_load as safe_yaml

DEFAULT_ACTIONS = Path(__file__).parent.parent / "data" / "actions.yaml"

#: The action types, in the order reports list them.
ACTION_TYPES: tuple[str, ...] = ("legislation", "policy_strategy", "sop", "training", "staffing",
                                 "coordination", "ict_system", "equipment", "infrastructure", "financing",
                                 "oversight")
COST_BANDS: tuple[str, ...] = ("low", "medium", "high")
HORIZONS: tuple[str, ...] = ("short", "long")
#: Steps are named by the level they reach: a step to level 2 is the step 1 -> 2.
STEPS: tuple[int, ...] = (2, 3, 4, 5)
ACTION_ID = re.compile(r"^(?P<indicator>[A-Z]{3}\.\d+\.\d+)-s(?P<to_level>[2-5])-(?P<letter>[a-z])$")

ActionTypeId = Literal["legislation", "policy_strategy", "sop", "training", "staffing", "coordination",
                       "ict_system", "equipment", "infrastructure", "financing", "oversight"]
Text = Annotated[str, Field(min_length=1)]


class ActionLibraryError(InvalidInput):
    """The action library file is missing or does not match the schema or the framework."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FrameworkRef(_Model):
    id: Text
    version: Text


class ActionType(_Model):
    id: ActionTypeId
    name: Text


class CostBand(_Model):
    id: Literal["low", "medium", "high"]
    name: Text
    min_usd: int = Field(ge=0)
    max_usd: int | None = Field(default=None, ge=0)


Kind = Literal["air", "land", "sea", "river_lake", "rail", "inland"]


class CostItem(_Model):
    """A unit the cost catalogue prices (2.0): what one unit is, and its cost category."""

    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    unit: Text
    category: Literal["ta", "capital", "recurrent"]
    #: Only actions homed at these indicators may buy the item (one investment, one home).
    homes: list[Text] = []


class CostUse(_Model):
    """How many units of a catalogue item an action needs: a fixed ``quantity``, or ``per`` post,
    booth, officer or region of the crossing-point register (posts of ``kinds`` only, ``share``
    of them)."""

    item: Text
    quantity: float | None = Field(default=None, gt=0, le=100000)
    per: Literal["post", "booth", "officer", "region"] | None = None
    kinds: list[Kind] = []
    share: float | None = Field(default=None, gt=0, le=1)


class Package(_Model):
    """An investment package: actions a donor would fund as one project."""

    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*$")]
    title: str = ""


class Closes(_Model):
    indicator: Text
    to_level: int = Field(ge=2, le=5)


class Action(_Model):
    """One typical action that helps an indicator reach ``to_level``."""

    id: Text
    indicator: Text
    to_level: int = Field(ge=2, le=5)
    criteria: list[Text] = []
    also_closes: list[Closes] = []
    type: Text
    title: Text
    description: Text
    cost_band: Literal["low", "medium", "high"] | None = None
    horizon: Literal["short", "long"]
    duration_months: int | None = Field(default=None, ge=1, le=60)
    partners: list[Text] = []
    contributes: list[Literal["movement", "cooperation", "crime"]] = []
    package: str | None = None
    cost: list[CostUse] = []
    output: str = ""
    prerequisites: list[Text] = []


class ActionLibrary(_Model):
    """A loaded, checked action library. Look-ups by id and by (indicator, step) are O(1)."""

    id: Text
    version: Text
    framework: FrameworkRef
    action_types: list[ActionType] = Field(min_length=1)
    cost_bands: list[CostBand] = []
    cost_items: list[CostItem] = []
    packages: list[Package] = []
    actions: list[Action] = Field(min_length=1)

    _by_id: dict[str, Action] = PrivateAttr(default_factory=dict)
    _by_step: dict[tuple[str, int], list[Action]] = PrivateAttr(default_factory=dict)
    _also_by_step: dict[tuple[str, int], list[Action]] = PrivateAttr(default_factory=dict)

    def model_post_init(self, __context) -> None:
        for a in self.actions:
            self._by_id[a.id] = a
            self._by_step.setdefault((a.indicator, a.to_level), []).append(a)
            for c in a.also_closes:
                self._also_by_step.setdefault((c.indicator, c.to_level), []).append(a)

    def action(self, action_id: str) -> Action:
        try:
            return self._by_id[action_id]
        except KeyError:
            raise NotFound(f"unknown action {action_id!r} in action library {self.version}") from None

    def actions_for(self, indicator_id: str, to_level: int) -> list[Action]:
        """The actions of the step that brings ``indicator_id`` to ``to_level`` (file order)."""
        return list(self._by_step.get((indicator_id, int(to_level)), []))

    def type_name(self, type_id: str) -> str:
        return next((t.name for t in self.action_types if t.id == type_id), type_id)

    def cost_band(self, band_id: str) -> CostBand:
        return next(b for b in self.cost_bands if b.id == band_id)

    def cost_item(self, item_id: str) -> CostItem:
        return next(i for i in self.cost_items if i.id == item_id)

    def package_title(self, package_id: str) -> str:
        pkg = next((p for p in self.packages if p.id == package_id), None)
        return (pkg.title if pkg and pkg.title else package_id.replace("-", " ").capitalize())

    def closing(self, indicator_id: str, to_level: int) -> list[Action]:
        """The actions of the step, then the actions homed elsewhere that also close it."""
        own = self.actions_for(indicator_id, to_level)
        mine = {a.id for a in own}
        seen: set[str] = set()
        others = [a for a in self._also_by_step.get((indicator_id, int(to_level)), [])
                  if a.id not in mine and not (a.id in seen or seen.add(a.id))]
        return own + others

    def prerequisites_of(self, action_id: str) -> list[Action]:
        """Every prerequisite, direct or indirect, prerequisites first (stable order)."""
        seen: dict[str, Action] = {}

        def visit(aid: str) -> None:
            for pid in self.action(aid).prerequisites:
                if pid not in seen:
                    visit(pid)
                    seen[pid] = self._by_id[pid]
        visit(action_id)
        return list(seen.values())

    def to_frame(self):
        """All actions as a DataFrame (one row each, prerequisites joined by ``, ``)."""
        import pandas as pd
        return pd.DataFrame([{**a.model_dump(exclude={"also_closes", "cost"}),
                              "prerequisites": ", ".join(a.prerequisites), "criteria": ", ".join(a.criteria),
                              "partners": ", ".join(a.partners), "contributes": ", ".join(a.contributes),
                              "also_closes": ", ".join(f"{c.indicator}->{c.to_level}" for c in a.also_closes),
                              "type_name": self.type_name(a.type)} for a in self.actions])


# -- graphs (shared with the road map) -----------------------------------------------------
def find_cycles(edges: dict[str, list[str]]) -> list[list[str]]:
    """Prerequisite cycles in ``{node: [prerequisite, ...]}``, each as a closed path.

    A cycle ``a -> b -> a`` (a needs b, b needs a) is returned once as ``["a", "b", "a"]``,
    starting from the node that comes first in ``edges``. Unknown prerequisites are ignored.
    """
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    cycles: list[list[str]] = []
    seen_sets: set[frozenset] = set()

    for root in edges:
        if state.get(root):
            continue
        # iterative depth-first search: a deep chain must not hit the recursion limit
        path: list[str] = [root]
        state[root] = 1
        stack = [iter(edges.get(root) or [])]
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
                continue
            if nxt not in edges:
                continue
            if state.get(nxt) == 1:
                cycle = path[path.index(nxt):] + [nxt]
                key = frozenset(cycle)
                if key not in seen_sets:
                    seen_sets.add(key)
                    cycles.append(cycle)
            elif not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(edges.get(nxt) or []))
    return cycles


def format_cycle(cycle: list) -> str:
    """``a needs b needs a`` reads the way the prerequisite arrows point."""
    return " needs ".join(str(c) for c in cycle)


# -- loading -------------------------------------------------------------------------------
def _semantic_problems(data: dict, framework: Framework) -> list[tuple[tuple, str]]:
    """Checks a schema cannot express; defensive so they run even on a half-valid file."""
    found: list[tuple[tuple, str]] = []
    ref = data.get("framework")
    if isinstance(ref, dict):
        if ref.get("id") != framework.id:
            found.append((("framework", "id"), f"written for framework {ref.get('id')!r}, "
                                               f"but the framework loaded is {framework.id!r}"))
        major = str(ref.get("version", "")).split(".")[0]
        if major != framework.version.split(".")[0]:
            found.append((("framework", "version"),
                          f"written for framework version {ref.get('version')!r}, but the framework loaded is "
                          f"{framework.version}: a major version changes indicator ids or levels, so review "
                          "the library against the framework's change log"))
    declared_types = [t.get("id") for t in data.get("action_types") or [] if isinstance(t, dict)]
    for i, t in enumerate(declared_types):
        if declared_types.index(t) != i:
            found.append((("action_types", i, "id"), f"duplicate action type {t!r}"))
    bands = [b for b in data.get("cost_bands") or [] if isinstance(b, dict)]
    band_ids = [b.get("id") for b in bands]
    for i, b in enumerate(bands):
        if band_ids.index(b.get("id")) != i:
            found.append((("cost_bands", i, "id"), f"duplicate cost band {b.get('id')!r}"))
        lo, hi = b.get("min_usd"), b.get("max_usd")
        if isinstance(lo, int) and isinstance(hi, int) and hi < lo:
            found.append((("cost_bands", i, "max_usd"), f"max_usd {hi} is below min_usd {lo}"))

    actions = [a if isinstance(a, dict) else {} for a in data.get("actions") or []]
    first_at: dict[str, int] = {}
    for i, a in enumerate(actions):
        aid = a.get("id")
        if isinstance(aid, str):
            if aid in first_at:
                found.append((("actions", i, "id"), f"duplicate id {aid!r} (first used at actions[{first_at[aid]}])"))
            else:
                first_at[aid] = i
    covered: set[tuple[str, int]] = set()
    edges: dict[str, list[str]] = {}
    items = {c.get("id"): c for c in data.get("cost_items") or [] if isinstance(c, dict)}
    packages = {p.get("id") for p in data.get("packages") or [] if isinstance(p, dict)}
    for i, a in enumerate(actions):
        path = ("actions", i)
        aid, ind, to_level, atype = a.get("id"), a.get("indicator"), a.get("to_level"), a.get("type")
        if isinstance(ind, str) and ind not in framework.indicators:
            found.append((path + ("indicator",), f"unknown indicator {ind!r} in framework {framework.version}"))
        found += _costing_problems(a, path, ind, items, packages, framework)
        if isinstance(atype, str) and declared_types and atype not in declared_types:
            found.append((path + ("type",), f"unknown action type {atype!r}; use one of {', '.join(declared_types)}"))
        if isinstance(a.get("cost_band"), str) and band_ids and a["cost_band"] not in band_ids:
            found.append((path + ("cost_band",), f"cost band {a['cost_band']!r} is not declared in cost_bands"))
        if isinstance(aid, str):
            m = ACTION_ID.fullmatch(aid)
            if not m:
                found.append((path + ("id",), f"id {aid!r} must be <indicator>-s<to_level>-<letter>, "
                                              "e.g. 'ADM.1.1-s3-a'"))
            elif (m["indicator"], int(m["to_level"])) != (ind, to_level):
                found.append((path + ("id",), f"id {aid!r} does not match indicator {ind!r} and to_level {to_level!r}"
                                              f" (expected {ind}-s{to_level}-<letter>)"))
        if isinstance(ind, str) and isinstance(to_level, int):
            covered.add((ind, to_level))
        prereqs = a.get("prerequisites") or []
        if isinstance(aid, str) and isinstance(prereqs, list):
            edges[aid] = [p for p in prereqs if isinstance(p, str)]
            for k, p in enumerate(prereqs):
                if not isinstance(p, str):
                    continue
                if p == aid:
                    found.append((path + ("prerequisites", k), f"{aid!r} cannot be its own prerequisite"))
                elif p not in first_at:
                    found.append((path + ("prerequisites", k), f"unknown prerequisite {p!r}: no action has that id"))
    for cycle in find_cycles(edges):
        if len(cycle) > 2:  # self-references are reported above
            found.append((("actions", first_at[cycle[0]], "prerequisites"),
                          f"prerequisite cycle: {format_cycle(cycle)}"))
    for ind_id in framework.indicators:
        missing = [s for s in STEPS if (ind_id, s) not in covered]
        if missing:
            steps = ", ".join(f"{s - 1}->{s}" for s in missing)
            found.append((("actions",), f"{ind_id}: no action for step{'s' if len(missing) > 1 else ''} {steps}"))
    return found


def _costing_problems(a: dict, path: tuple, ind, items: dict, packages: set,
                      framework: Framework) -> list[tuple[tuple, str]]:
    """2.0 checks: a cost band or a costing (not neither), catalogue items that exist and are
    bought only under their home indicators, criteria of the home indicator, indicators closed
    elsewhere that exist, a declared package."""
    found: list[tuple[tuple, str]] = []
    cost = a.get("cost") if isinstance(a.get("cost"), list) else []
    if not a.get("cost_band") and not cost:
        found.append((path,  "needs a cost band (1.0) or a cost: [items] (2.0)"))
    for k, use in enumerate(cost):
        if not isinstance(use, dict):
            continue
        item = items.get(use.get("item"))
        if items and item is None:
            found.append((path + ("cost", k, "item"), f"unknown cost item {use.get('item')!r}: add it to cost_items"))
        elif item and item.get("homes") and ind not in item["homes"]:
            found.append((path + ("cost", k, "item"),
                          f"{use.get('item')!r} is one investment, bought only under {', '.join(item['homes'])}: "
                          f"list {ind} under that action's also_closes instead of buying it again"))
        if (use.get("quantity") is None) == (use.get("per") is None):
            found.append((path + ("cost", k), "give a quantity or a per (post, booth, officer, region), not both"))
    for k, cid in enumerate(a.get("criteria") or []):
        if not isinstance(cid, str):
            continue
        if cid not in framework.criteria:
            found.append((path + ("criteria", k), f"unknown criterion {cid!r} in framework {framework.version}"))
        elif isinstance(ind, str) and not cid.startswith(ind + "."):
            found.append((path + ("criteria", k), f"{cid} is not a criterion of the action's indicator {ind}"))
    for k, c in enumerate(a.get("also_closes") or []):
        if isinstance(c, dict) and c.get("indicator") not in framework.indicators:
            found.append((path + ("also_closes", k, "indicator"), f"unknown indicator {c.get('indicator')!r}"))
    if a.get("package") is not None and packages and a["package"] not in packages:
        found.append((path + ("package",), f"package {a['package']!r} is not declared in packages"))
    return found


def parse_actions(text: str, framework: Framework, source: str = "<string>") -> ActionLibrary:
    """Parse and check action library YAML; raise :class:`ActionLibraryError` listing every problem."""
    what = f"action library {source}"
    try:
        data = safe_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ActionLibraryError(Problem(where, f"not valid YAML: {getattr(exc, 'problem', exc)}"),
                                 what=what) from None
    if not isinstance(data, dict):
        raise ActionLibraryError(Problem("(top)", "the file must hold a mapping with id, version, actions, ..."),
                                 what=what)
    problems: list[Problem] = []
    model = None
    lines: dict[tuple, int] = {}  # read again for line numbers only when there is a problem to place
    try:
        model = ActionLibrary.model_validate(data)
    except ValidationError as exc:
        lines = yaml_lines(text)
        for err in exc.errors():
            msg = err["msg"]
            if err["type"] in ("literal_error", "string_pattern_mismatch", "greater_than_equal", "less_than_equal",
                               "int_parsing", "int_type", "string_type"):
                shown = repr(err["input"])
                msg += f", got {shown if len(shown) <= 60 else shown[:57] + '...'}"
            problems.append(Problem(describe_path(tuple(err["loc"]), data, lines), msg))
    semantic = _semantic_problems(data, framework)
    if semantic and not lines:
        lines = yaml_lines(text)
    problems += [Problem(describe_path(path, data, lines), msg) for path, msg in semantic]
    if problems:
        raise ActionLibraryError(problems, what=what)
    return model


def library_file(framework_version: str) -> Path:
    """The shipped library written for a framework version: ``actions-<version>.yaml`` when the
    version is an earlier one, else the current ``actions.yaml``."""
    older = DEFAULT_ACTIONS.with_name(f"actions-{framework_version}.yaml")
    return older if older.exists() else DEFAULT_ACTIONS


def load_actions(path: str | Path | None = None, framework: Framework | None = None) -> ActionLibrary:
    """Load and check an action library (default: the one shipped with the package).

    Parameters
    ----------
    path : str or Path, optional
        The YAML file. Default: the shipped library written for the framework's version.
    framework : Framework, optional
        The framework the library is checked against. Default: the shipped one.

    Raises
    ------
    ActionLibraryError
        Listing every problem found, each with its location and line.
    """
    fw = framework or load_framework()
    p = Path(path) if path else library_file(fw.version)
    try:
        stamp = p.stat().st_mtime_ns
    except OSError as exc:
        raise ActionLibraryError(Problem(str(p), f"cannot read the action library: {exc.strerror}"),
                                 what="action library") from None
    key = (str(p.resolve()), stamp, id(fw))
    hit = _CACHE.get(key)
    if hit is None or hit[0] is not fw:
        if len(_CACHE) >= 8:
            _CACHE.pop(next(iter(_CACHE)))
        hit = _CACHE[key] = (fw, parse_actions(p.read_text(encoding="utf-8"), fw, source=key[0]))
    return hit[1]


# (path, mtime, framework identity) -> (framework, library); the framework is kept so its id
# cannot be reused by another object while the entry lives. Frameworks are not hashable.
_CACHE: dict[tuple, tuple[Framework, ActionLibrary]] = {}

"""The assessment framework: versioned YAML data checked by typed models.

The framework (pillars, sub-areas, indicators, level descriptors, codes, evidence rules and
crosswalks) lives in ``workbook/data/framework.yaml``. :func:`load_framework` parses it with
Pydantic models that forbid unknown keys, then checks what a schema cannot (unique ids, ids
that nest, references that exist) and reports every problem at once, each with its location
and YAML line.
"""
from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from ..errors import FrameworkError, NotFound, Problem

DEFAULT_FRAMEWORK = Path(__file__).parent.parent / "data" / "framework.yaml"

LensId = Literal["legal", "institutional", "process", "systems", "oversight"]
Strength = Literal["testimony", "document", "observed", "quantitative", "trend", "audit"]
Code = Literal["NA", "NE", "IE"]
CODES: tuple[str, ...] = ("NA", "NE", "IE")
LEVELS: tuple[int, ...] = (1, 2, 3, 4, 5)
Text = Annotated[str, Field(min_length=1)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Mapping(_Model):
    """Where an indicator went when it was renamed, split or merged between versions."""

    from_: Text = Field(alias="from")
    to: list[Text] = Field(min_length=1)
    kind: Literal["renamed", "split", "merged", "moved"]
    note: str = ""


class ChangelogEntry(_Model):
    version: Text
    date: Text
    changes: list[Text] = Field(min_length=1)
    mappings: list[Mapping] = []


class ScaleLevel(_Model):
    level: int = Field(ge=1, le=5)
    name: Text
    summary: Text


class ScaleCode(_Model):
    code: Code
    name: Text
    meaning: Text
    in_aggregate: Literal["excluded", "lowest"]


class Scale(_Model):
    levels: list[ScaleLevel] = Field(min_length=5, max_length=5)
    codes: list[ScaleCode] = Field(min_length=3, max_length=3)


class Lens(_Model):
    id: LensId
    name: Text
    description: Text


class EvidenceType(_Model):
    id: Annotated[str, Field(pattern=r"^[a-z][a-z_]*$")]
    name: Text
    strength: Strength


class EvidenceRule(_Model):
    level: int = Field(ge=2, le=5)
    needs: list[Strength] = Field(min_length=1)
    text: Text


class Reference(_Model):
    id: Text
    kind: Literal["sdg", "gcm", "treaty", "standard", "resolution", "guidance"]
    title: Text
    note: str = ""


class Criticality(_Model):
    id: Text
    name: Text
    long_term_target: int = Field(ge=1, le=5)
    weight: float = Field(gt=0)
    meaning: Text


class Aggregation(_Model):
    legal_cap: int = Field(default=1, ge=0, le=4)


class CrosswalkRef(_Model):
    ref: Text
    provision: str = ""


class LevelDescriptor(_Model):
    level: int = Field(ge=1, le=5)
    descriptor: Text
    evidence: list[Text] = Field(min_length=1)


class Indicator(_Model):
    id: Text
    name: Text
    question: Text
    lens: LensId
    guidance: Text
    levels: list[LevelDescriptor] = Field(min_length=5, max_length=5)
    crosswalk: list[CrosswalkRef] = Field(min_length=1)

    def descriptor(self, level: int) -> str:
        return self.levels[level - 1].descriptor


class SubArea(_Model):
    id: Text
    name: Text
    description: Text
    criticality: Text
    criticality_reason: Text
    weight: float = Field(default=1.0, gt=0)
    aggregation: Literal["mean", "weakest_link"] = "mean"
    indicators: list[Indicator] = Field(min_length=2, max_length=4)


class Pillar(_Model):
    id: Literal["ADM", "OPS", "REG", "INF"]
    name: Text
    description: Text
    subareas: list[SubArea] = Field(min_length=1)


class Framework(_Model):
    """A loaded, checked framework. Look-ups by id are O(1)."""

    id: Text
    version: Text
    title: Text
    changelog: list[ChangelogEntry] = Field(min_length=1)
    scale: Scale
    lenses: list[Lens] = Field(min_length=5, max_length=5)
    evidence_types: list[EvidenceType] = Field(min_length=1)
    evidence_rules: list[EvidenceRule]
    criticality: list[Criticality] = Field(min_length=1)
    aggregation: Aggregation = Aggregation()
    references: list[Reference] = Field(min_length=1)
    pillars: list[Pillar] = Field(min_length=4, max_length=4)

    _indicators: dict[str, Indicator] = PrivateAttr(default_factory=dict)
    _subareas: dict[str, SubArea] = PrivateAttr(default_factory=dict)
    _pillar_of: dict[str, Pillar] = PrivateAttr(default_factory=dict)
    _subarea_of: dict[str, SubArea] = PrivateAttr(default_factory=dict)

    def model_post_init(self, __context) -> None:
        for p in self.pillars:
            for s in p.subareas:
                self._subareas[s.id] = s
                self._pillar_of[s.id] = p
                for i in s.indicators:
                    self._indicators[i.id] = i
                    self._subarea_of[i.id] = s
                    self._pillar_of[i.id] = p

    # -- look-ups ---------------------------------------------------------------------------
    @property
    def indicators(self) -> dict[str, Indicator]:
        return self._indicators

    @property
    def subareas(self) -> dict[str, SubArea]:
        return self._subareas

    def pillar(self, pillar_id: str) -> Pillar:
        for p in self.pillars:
            if p.id == pillar_id or p.name.lower() == str(pillar_id).lower():
                return p
        names = ", ".join(f"{p.id} ({p.name})" for p in self.pillars)
        raise NotFound(f"unknown pillar {pillar_id!r}; the pillars are {names}")

    def indicator(self, indicator_id: str) -> Indicator:
        try:
            return self._indicators[indicator_id]
        except KeyError:
            raise NotFound(
                f"unknown indicator {indicator_id!r} in framework {self.id} {self.version}"
            ) from None

    def subarea_of(self, indicator_id: str) -> SubArea:
        return self._subarea_of[self.indicator(indicator_id).id]

    def pillar_of(self, item_id: str) -> Pillar:
        return self._pillar_of[item_id]

    def criticality_of(self, subarea_id: str) -> Criticality:
        cid = self._subareas[subarea_id].criticality
        return next(c for c in self.criticality if c.id == cid)

    def strength_of(self, evidence_type: str) -> str:
        for t in self.evidence_types:
            if t.id == evidence_type:
                return t.strength
        raise NotFound(f"unknown evidence type {evidence_type!r}")

    def reference(self, ref_id: str) -> Reference:
        return next(r for r in self.references if r.id == ref_id)


# -- loading ------------------------------------------------------------------------------
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: ~15x faster on the shipped file

def yaml_lines(text: str) -> dict[tuple, int]:
    """Map each path in the YAML document (keys and list indices) to its 1-based line."""
    lines: dict[tuple, int] = {}

    def walk(node, path: tuple) -> None:
        lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                key = k.value
                lines[path + (key,)] = k.start_mark.line + 1
                walk(v, path + (key,))
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                walk(v, path + (i,))

    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:
        return lines
    if root is not None:
        walk(root, ())
    return lines


def describe_path(path: tuple, data, lines: dict[tuple, int]) -> str:
    """Render a path like ``pillars[1](OPS).subareas[0](OPS.1).name (line 42)``."""
    out, node = "", data
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
            node = node[part] if isinstance(node, list) and part < len(node) else None
            if isinstance(node, dict) and isinstance(node.get("id"), str):
                out += f"({node['id']})"
        else:
            out += ("." if out else "") + str(part)
            node = node.get(part) if isinstance(node, dict) else None
    # the nearest ancestor that has a line number
    for cut in range(len(path), -1, -1):
        if path[:cut] in lines:
            return f"{out or '(top)'} (line {lines[path[:cut]]})"
    return out or "(top)"


def _dicts(value) -> list[tuple[int, dict]]:
    """(index, item) for the mapping items of a list; nothing for anything else."""
    return [(i, x) for i, x in enumerate(value) if isinstance(x, dict)] if isinstance(value, list) else []


def _sub(node: dict, key: str) -> dict:
    value = node.get(key)
    return value if isinstance(value, dict) else {}


def _semantic_problems(data: dict) -> list[tuple[tuple, str]]:
    """Checks a schema cannot express. Defensive (any shape may arrive) so that they run, and
    report, even on a half-valid file alongside the schema's own errors."""
    found: list[tuple[tuple, str]] = []
    if not isinstance(data, dict):
        return found
    refs = {r.get("id") for _, r in _dicts(data.get("references")) if isinstance(r.get("id"), str)}
    crit = {c.get("id") for _, c in _dicts(data.get("criticality")) if isinstance(c.get("id"), str)}
    seen: dict[str, tuple] = {}

    def unique(item_id, path):
        if not isinstance(item_id, str):
            return  # the schema reports ids that are not text
        if item_id in seen:
            first = "".join(f"[{x}]" if isinstance(x, int) else f".{x}" for x in seen[item_id]).lstrip(".")
            found.append((path + ("id",), f"duplicate id {item_id!r} (first used at {first})"))
        else:
            seen[item_id] = path

    etypes: set = set()
    for i, t in _dicts(data.get("evidence_types")):
        tid = t.get("id")
        if isinstance(tid, str) and tid in etypes:
            found.append((("evidence_types", i, "id"), f"duplicate evidence type {tid!r}"))
        etypes.add(tid if isinstance(tid, str) else None)
    scale = _sub(data, "scale")
    lv = [x.get("level") for _, x in _dicts(scale.get("levels"))]
    if lv and lv != list(LEVELS):
        found.append((("scale", "levels"), f"levels must be 1, 2, 3, 4, 5 in order, got {lv}"))
    codes = [x.get("code") for _, x in _dicts(scale.get("codes"))]
    if codes and sorted(map(str, codes)) != sorted(CODES):
        found.append((("scale", "codes"), f"codes must be NA, NE and IE once each, got {codes}"))
    for pi, p in _dicts(data.get("pillars")):
        ppath = ("pillars", pi)
        unique(p.get("id"), ppath)
        for si, sa in _dicts(p.get("subareas")):
            spath = ppath + ("subareas", si)
            sid = str(sa.get("id"))
            unique(sa.get("id"), spath)
            if not re.fullmatch(rf"{re.escape(str(p.get('id')))}\.\d+", sid):
                found.append((spath + ("id",), f"sub-area id {sid!r} must be {p.get('id')}.<number>"))
            criticality = sa.get("criticality")
            if crit and not (isinstance(criticality, str) and criticality in crit):
                found.append((spath + ("criticality",),
                              f"unknown criticality {criticality!r}; use one of {sorted(crit)}"))
            for ii, ind in _dicts(sa.get("indicators")):
                ipath = spath + ("indicators", ii)
                iid = str(ind.get("id"))
                unique(ind.get("id"), ipath)
                if not re.fullmatch(rf"{re.escape(sid)}\.\d+", iid):
                    found.append((ipath + ("id",), f"indicator id {iid!r} must be {sid}.<number>"))
                levels = [x.get("level") for _, x in _dicts(ind.get("levels"))]
                if levels and levels != list(LEVELS):
                    found.append((ipath + ("levels",), f"levels must be 1, 2, 3, 4, 5 in order, got {levels}"))
                for ci, c in _dicts(ind.get("crosswalk")):
                    ref = c.get("ref")
                    if refs and not (isinstance(ref, str) and ref in refs):
                        found.append((ipath + ("crosswalk", ci, "ref"),
                                      f"unknown reference {ref!r}: add it to `references` first"))
    for ci, entry in _dicts(data.get("changelog")):
        for mi, m in _dicts(entry.get("mappings")):
            source = m.get("from")
            if isinstance(source, str) and source in seen and m.get("kind") != "split":
                found.append((("changelog", ci, "mappings", mi, "from"),
                              f"{source!r} still exists: ids are never reused after a {m.get('kind')}"))
            for target in m.get("to") if isinstance(m.get("to"), list) else []:
                if not (isinstance(target, str) and target in seen):
                    found.append((("changelog", ci, "mappings", mi, "to"),
                                  f"mapping target {target!r} is not an id in this framework"))
    return found


def parse_framework(text: str, source: str = "<string>") -> Framework:
    """Parse and check framework YAML text; raise :class:`FrameworkError` listing every problem."""
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise FrameworkError(Problem(where, f"not valid YAML: {getattr(exc, 'problem', exc)}"),
                             what=f"framework {source}") from None
    if not isinstance(data, dict):
        raise FrameworkError(Problem("(top)", "the file must hold a mapping with id, version, pillars, ..."),
                             what=f"framework {source}")
    problems: list[Problem] = []
    model = None
    errors = []
    try:
        model = Framework.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
    semantic = _semantic_problems(data)
    if not errors and not semantic:
        return model
    lines = yaml_lines(text)  # slow on a large file: only worth it when there is something to locate
    for err in errors:
        msg = err["msg"]
        if err["type"] in ("literal_error", "enum", "string_pattern_mismatch", "greater_than_equal",
                           "less_than_equal", "int_parsing", "int_type", "string_type", "float_parsing"):
            shown = repr(err["input"])
            msg += f", got {shown if len(shown) <= 60 else shown[:57] + '...'}"
        problems.append(Problem(describe_path(tuple(err["loc"]), data, lines), msg))
    problems += [Problem(describe_path(path, data, lines), msg) for path, msg in semantic]
    raise FrameworkError(problems, what=f"framework {source}")


def load_framework(path: str | Path | None = None) -> Framework:
    """Load a framework file (default: the one shipped with the package). Cached per path."""
    p = Path(path) if path else DEFAULT_FRAMEWORK
    try:
        stamp = p.stat().st_mtime_ns
    except OSError as exc:
        raise FrameworkError(Problem(str(p), f"cannot read the framework file: {exc.strerror}"),
                             what="framework") from None
    return _load_cached(str(p.resolve()), stamp)


@functools.lru_cache(maxsize=8)
def _load_cached(path: str, _stamp: int) -> Framework:
    return parse_framework(Path(path).read_text(encoding="utf-8"), source=path)

"""The assessment framework: versioned YAML data checked by typed models.

The framework (pillars, sub-areas, indicators, level descriptors, criteria, codes, evidence rules
and crosswalks) lives in ``workbook/data/framework.yaml`` (the current version); earlier versions
stay beside it as ``framework-<version>.yaml`` so that an assessment rated against them can still
be opened and scored. :func:`load_framework` parses a file with Pydantic models that forbid
unknown keys, then checks what a schema cannot (unique ids, ids that nest, references that exist,
criteria that gate every level) and reports every problem at once, each with its location and
YAML line.

Version 2.0.0 added criteria (yes / no / not applicable checks behind each level), references
between sub-areas (one home per capability), crossing-point kinds, contribution areas and a
stated aggregation rule per sub-area; version 1.0.0 files still load.
"""
from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from ..errors import FrameworkError, NotFound, Problem
from ..yamlfile import SafeLoader, safe_load

DATA = Path(__file__).parent.parent / "data"
DEFAULT_FRAMEWORK = DATA / "framework.yaml"

LensId = Literal["legal", "institutional", "process", "systems", "oversight"]
Strength = Literal["testimony", "document", "observed", "quantitative", "trend", "audit"]
Code = Literal["NA", "NE", "IE"]
#: Kinds of crossing point (and inland offices) a country may have; criteria and indicators that
#: exist only for some kinds say so with ``applies_to``.
CrossingKind = Literal["air", "land", "sea", "river_lake", "rail", "inland"]
CROSSING_KINDS: tuple[str, ...] = ("air", "land", "sea", "river_lake", "rail", "inland")
ContributionId = Literal["movement", "cooperation", "crime"]
Method = Literal["mean", "weakest_link", "median_floor"]
CRITERION_ID = re.compile(r"^(?P<indicator>[A-Z]{3}\.\d+\.\d+)\.(?P<level>[2-5])(?P<letter>[a-z])$")
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
    #: When set, every sub-area of this class must use this aggregation rule (2.0: critical
    #: sub-areas use the weakest link, so one failing indicator is never averaged away).
    aggregation: Method | None = None


class Aggregation(_Model):
    #: 1.0's "legal cap": a ``mean`` sub-area can exceed its weakest legal-lens indicator by at
    #: most this many levels. 2.0 files leave it out (its ``median_floor`` rule covers the case).
    legal_cap: int | None = Field(default=None, ge=0, le=4)


class CrossingKindInfo(_Model):
    id: CrossingKind
    name: Text


class ContributionArea(_Model):
    """One of the seed's three areas of contribution, used as a tag on sub-areas and actions."""

    id: ContributionId
    name: Text
    description: Text


class Criterion(_Model):
    """One observable yes / no / not-applicable check behind a level.

    A level is attained only when every capacity criterion of it and of all levels below is met
    (or not applicable). ``normative`` criteria record a political choice (joining a treaty) and
    are reported beside the capacity level, never gating it.
    """

    id: Text
    text: Text
    shown_by: Strength
    observe_at: list[CrossingKind] = []
    applies_to: list[CrossingKind] = []
    normative: bool = False

    @property
    def level(self) -> int:
        return int(CRITERION_ID.match(self.id)["level"])

    def applies(self, kinds: frozenset[str] | None) -> bool:
        """Whether the criterion exists for a country with these kinds of crossing point
        (``None``: the profile is not recorded, so everything applies)."""
        return kinds is None or not self.applies_to or bool(kinds.intersection(self.applies_to))


class Referral(_Model):
    """A capability rated once in its home indicator and shown in another sub-area."""

    indicator: Text
    why: Text


class CrosswalkRef(_Model):
    ref: Text
    provision: str = ""


class LevelDescriptor(_Model):
    level: int = Field(ge=1, le=5)
    descriptor: Text
    evidence: list[Text] = Field(min_length=1)
    criteria: list[Criterion] = []


class Indicator(_Model):
    id: Text
    name: Text
    question: Text
    lens: LensId
    applies_to: list[CrossingKind] = []
    guidance: Text
    levels: list[LevelDescriptor] = Field(min_length=5, max_length=5)
    crosswalk: list[CrosswalkRef] = Field(min_length=1)

    def descriptor(self, level: int) -> str:
        return self.levels[level - 1].descriptor

    @property
    def criteria(self) -> list[Criterion]:
        """Every criterion of the indicator, level by level (2 to 5)."""
        return [c for lv in self.levels for c in lv.criteria]

    def applies(self, kinds: frozenset[str] | None) -> bool:
        """Whether the indicator exists for a country with these kinds of crossing point."""
        return kinds is None or not self.applies_to or bool(kinds.intersection(self.applies_to))


class SubArea(_Model):
    id: Text
    name: Text
    description: Text
    criticality: Text
    criticality_reason: Text
    weight: float = Field(default=1.0, gt=0)
    aggregation: Method = "mean"
    aggregation_reason: str = ""
    contributes: list[ContributionId] = []
    refers_to: list[Referral] = []
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
    crossing_kinds: list[CrossingKindInfo] = []
    contribution_areas: list[ContributionArea] = []
    references: list[Reference] = Field(min_length=1)
    pillars: list[Pillar] = Field(min_length=4, max_length=4)

    _indicators: dict[str, Indicator] = PrivateAttr(default_factory=dict)
    _subareas: dict[str, SubArea] = PrivateAttr(default_factory=dict)
    _pillar_of: dict[str, Pillar] = PrivateAttr(default_factory=dict)
    _subarea_of: dict[str, SubArea] = PrivateAttr(default_factory=dict)
    _criteria: dict[str, Criterion] = PrivateAttr(default_factory=dict)

    def model_post_init(self, __context) -> None:
        for p in self.pillars:
            for s in p.subareas:
                self._subareas[s.id] = s
                self._pillar_of[s.id] = p
                for i in s.indicators:
                    self._indicators[i.id] = i
                    self._subarea_of[i.id] = s
                    self._pillar_of[i.id] = p
                    for c in i.criteria:
                        self._criteria[c.id] = c

    @property
    def has_criteria(self) -> bool:
        """Whether levels are backed by criteria (2.0 and later)."""
        return bool(self._criteria)

    @property
    def criteria(self) -> dict[str, Criterion]:
        return self._criteria

    def criterion(self, criterion_id: str) -> Criterion:
        try:
            return self._criteria[criterion_id]
        except KeyError:
            raise NotFound(
                f"unknown criterion {criterion_id!r} in framework {self.id} {self.version}"
            ) from None

    def indicator_of_criterion(self, criterion_id: str) -> Indicator:
        return self._indicators[CRITERION_ID.match(self.criterion(criterion_id).id)["indicator"]]

    def contribution_name(self, area_id: str) -> str:
        return next((a.name for a in self.contribution_areas if a.id == area_id), area_id)

    def mapping_to(self, old_version: str) -> dict[str, list[str]]:
        """Where each indicator id of ``old_version`` went in this version: ``{old: [new, ...]}``
        for ids that were renamed, split, merged or moved (ids that stay are not listed). The
        change-log entries after ``old_version`` are followed in order, so mappings chain."""
        out: dict[str, list[str]] = {}
        for entry in sorted(self.changelog, key=lambda e: version_key(e.version)):
            if version_key(entry.version) <= version_key(old_version):
                continue
            for m in entry.mappings:
                for old, news in list(out.items()):      # A -> B earlier, B -> C now: A -> C
                    if m.from_ in news:
                        out[old] = [t for n in news for t in (m.to if n == m.from_ else [n])]
                out.setdefault(m.from_, list(m.to))
        return out

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
        root = yaml.compose(text, Loader=SafeLoader)
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


def _kind_problems(value, path: tuple, kinds: set) -> list[tuple[tuple, str]]:
    if not kinds or not isinstance(value, list):
        return []
    return [(path + (i,), f"unknown kind of crossing point {k!r}; use one of {sorted(kinds)}")
            for i, k in enumerate(value) if not (isinstance(k, str) and k in kinds)]


def _criteria_problems(ind: dict, iid: str, ipath: tuple, kinds: set, seen: dict,
                       required: bool) -> list[tuple[tuple, str]]:
    """Criteria ids nest in their indicator and level, are unique, and gate every level: level 1
    has none (it is the floor) and each of levels 2-5 has at least one capacity criterion."""
    found: list[tuple[tuple, str]] = []
    for li, lv in _dicts(ind.get("levels")):
        level = lv.get("level")
        lpath = ipath + ("levels", li)
        crits = _dicts(lv.get("criteria"))
        if level == 1 and crits:
            found.append((lpath + ("criteria",), "level 1 is the floor and has no criteria"))
            continue
        if level != 1 and required and not any(not c.get("normative") for _, c in crits):
            found.append((lpath + ("criteria",), f"level {level} needs at least one capacity (not normative) "
                                                 "criterion: criteria gate every level"))
        for ci, c in crits:
            cpath = lpath + ("criteria", ci)
            cid = c.get("id")
            m = CRITERION_ID.match(cid) if isinstance(cid, str) else None
            if isinstance(cid, str) and not (m and m["indicator"] == iid and m["level"] == str(level)):
                found.append((cpath + ("id",), f"criterion id {cid!r} must be {iid}.{level}<letter>"))
            if isinstance(cid, str):
                if cid in seen:
                    found.append((cpath + ("id",), f"duplicate criterion id {cid!r}"))
                seen.setdefault(cid, cpath)
            found += _kind_problems(c.get("observe_at"), cpath + ("observe_at",), kinds)
            found += _kind_problems(c.get("applies_to"), cpath + ("applies_to",), kinds)
    return found


def _semantic_problems(data: dict) -> list[tuple[tuple, str]]:
    """Checks a schema cannot express. Defensive (any shape may arrive) so that they run, and
    report, even on a half-valid file alongside the schema's own errors."""
    found: list[tuple[tuple, str]] = []
    if not isinstance(data, dict):
        return found
    refs = {r.get("id") for _, r in _dicts(data.get("references")) if isinstance(r.get("id"), str)}
    crit = {c.get("id") for _, c in _dicts(data.get("criticality")) if isinstance(c.get("id"), str)}
    crit_method = {c.get("id"): c.get("aggregation") for _, c in _dicts(data.get("criticality"))
                   if isinstance(c.get("id"), str) and isinstance(c.get("aggregation"), str)}
    kinds = {k.get("id") for _, k in _dicts(data.get("crossing_kinds")) if isinstance(k.get("id"), str)}
    areas = {a.get("id") for _, a in _dicts(data.get("contribution_areas")) if isinstance(a.get("id"), str)}
    # A file that backs any level with criteria must back every level of every indicator.
    with_criteria = any(lv.get("criteria") for _, p in _dicts(data.get("pillars"))
                        for _, sa in _dicts(p.get("subareas")) for _, ind in _dicts(sa.get("indicators"))
                        for _, lv in _dicts(ind.get("levels")))
    referrals: list[tuple[tuple, object, set]] = []
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
            required = crit_method.get(criticality) if isinstance(criticality, str) else None
            if required and sa.get("aggregation", "mean") != required:
                found.append((spath + ("aggregation",), f"a {criticality} sub-area must use {required}, "
                                                         f"got {sa.get('aggregation', 'mean')!r}"))
            for ai, area in enumerate(sa.get("contributes") if isinstance(sa.get("contributes"), list) else []):
                if areas and not (isinstance(area, str) and area in areas):
                    found.append((spath + ("contributes", ai),
                                  f"unknown contribution area {area!r}; use one of {sorted(areas)}"))
            own = {str(i.get("id")) for _, i in _dicts(sa.get("indicators"))}
            for ri, ref in _dicts(sa.get("refers_to")):
                referrals.append((spath + ("refers_to", ri, "indicator"), ref.get("indicator"), own))
            for ii, ind in _dicts(sa.get("indicators")):
                ipath = spath + ("indicators", ii)
                iid = str(ind.get("id"))
                unique(ind.get("id"), ipath)
                if not re.fullmatch(rf"{re.escape(sid)}\.\d+", iid):
                    found.append((ipath + ("id",), f"indicator id {iid!r} must be {sid}.<number>"))
                levels = [x.get("level") for _, x in _dicts(ind.get("levels"))]
                if levels and levels != list(LEVELS):
                    found.append((ipath + ("levels",), f"levels must be 1, 2, 3, 4, 5 in order, got {levels}"))
                found += _kind_problems(ind.get("applies_to"), ipath + ("applies_to",), kinds)
                found += _criteria_problems(ind, iid, ipath, kinds, seen, with_criteria)
                for ci, c in _dicts(ind.get("crosswalk")):
                    ref = c.get("ref")
                    if refs and not (isinstance(ref, str) and ref in refs):
                        found.append((ipath + ("crosswalk", ci, "ref"),
                                      f"unknown reference {ref!r}: add it to `references` first"))
    for path, target, own in referrals:
        if not (isinstance(target, str) and target in seen and target.count(".") == 2):
            found.append((path, f"refers to {target!r}, which is not an indicator of this framework"))
        elif target in own:
            found.append((path, f"{target} is an indicator of this sub-area: rate it, do not refer to it"))
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
        data = safe_load(text)
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


def version_key(version: str) -> tuple[int, ...]:
    """``"2.0.0"`` -> ``(2, 0, 0)``, for ordering versions."""
    return tuple(int(x) for x in re.findall(r"\d+", str(version)))


_VERSION_LINE = re.compile(r"^version:\s*[\"']?([^\"'\s#]+)", re.M)


def shipped_versions() -> dict[str, Path]:
    """The framework versions shipped with the package, oldest first: ``{version: file}``.

    The current version is ``framework.yaml``; earlier ones stay as ``framework-<version>.yaml``
    so that assessments rated against them open and score as they were.
    """
    found: dict[str, Path] = {}
    for f in sorted(DATA.glob("framework*.yaml")):
        m = _VERSION_LINE.search(f.read_text(encoding="utf-8")[:4000])
        if m:
            found[m.group(1)] = f
    return dict(sorted(found.items(), key=lambda kv: version_key(kv[0])))


def load_framework(path: str | Path | None = None, *, version: str | None = None) -> Framework:
    """Load a framework file, or a shipped version by number (default: the current shipped
    framework). Cached per path and modification time.

    Raises
    ------
    NotFound
        ``version`` is not shipped with the package.
    FrameworkError
        The file cannot be read or does not match the schema (every problem listed).
    """
    if path is None and version is not None:
        versions = shipped_versions()
        if version not in versions:
            raise NotFound(f"framework version {version!r} is not installed; the installed versions are "
                           + ", ".join(versions))
        path = versions[version]
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

"""The single-file assessment package (JSON): everything about one assessment, to move it
between installations.

Imported into a database that does not have the assessment, the package is recreated as it was
(team, ratings with their versions, authors and times, evidence, audit history) in one
transaction, plus an audit entry saying it was imported. Into a database that has it, the
ratings are merged like any other import: values changed in the database after the package's
copy of them are conflicts, skipped unless ``overwrite``; evidence not yet on file is added.

Since format version 2 the package also carries the road map of the assessment: its
recommendations (every field, with version, times and author; prerequisites name other
recommendations of the package by their ``key``, and get the new ids on import), the exposure
and the target overrides. Merged into an existing assessment, the package's recommendations
that are not there yet (same sub-area, indicator and title) are added; exposure and targets are
left as they are here (a note says when they differ). Version 1 packages (without these keys)
still import.

Format version 3 carries framework 2.0: each rating's ``override_reason``, the criteria answers
(``criteria``: answer, note, version, author, time), the crossing-point profile
(``crossing_profile``, with when and by whom it was last changed) and the moderation record
(``moderation``). Recreated, they are as they were; merged, answers follow the ratings' conflict
rule (the database's copy changed after the package's is a conflict), the profile too (by the
time of its last change), and moderation entries not yet here are added. A package is recreated
on its own framework version when this installation ships it (a 1.0 assessment stays on 1.0);
otherwise its ids are mapped onto this installation's framework through the changelog.
Format 3 carries the field mission too (``mission``, :mod:`workbook.exchange.mission_package`):
recreated, the mission is as it was, and evidence observed at a visit comes back with the visit;
merged into an existing assessment, what is not here yet is added (posts by code, visits by post
and day, interviews, documents, events, attachments) and what is here is left as it is, with a
note when the package's differs: the offline team's work comes back to the shared database.
"""
from __future__ import annotations

import datetime as dt
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from ..countries import resolve_country
from ..errors import InvalidInput, NotFound, Problem, Problems
from ..framework import Framework, load_framework, shipped_versions
from ..inputs import (MAX_LONG, MAX_SHORT, RATING_FIELDS, RATING_RULES, check_evidence, check_fields, parse_answer,
                      parse_date, parse_rating, parse_role, parse_round, parse_text)
from ..roadmap.library import find_cycles, format_cycle
from ..roadmap.funding import FundingStore
from ..store.criteria import PROFILE_KINDS, CrossingProfile, check_profile
from ..store.models import (Assessment, AssessmentExposure, AuditEntry, CriterionAnswer, Evidence, ModerationEntry,
                            Rating, Recommendation, RecommendationPrerequisite, SubareaTarget, TeamMember, utcnow)
from ..roadmap.fields import EXPOSURES, RECOMMENDATION_FIELDS, RecommendationContext, check_recommendation, parse_level
from ..store import AssessmentInfo, Store
from ..mission import MissionStore
from .mission_package import describe as describe_mission
from .mission_package import check_shape, mission_section, plan_mission_merge, restore_mission
from .funding_package import funding_section, restore_funding
from .plan import (ExportBaseline, FileAnswer, FileEvidence, FileProfile, FileRating, ImportPlan, framework_mapping,
                   map_indicator, plan_import)

FORMAT = "mbm-workbook-package"
FORMAT_VERSION = 3
#: Fields of a recommendation that are its values (``prerequisites`` are package keys).
REC_VALUES = tuple(k for k in RECOMMENDATION_FIELDS if k != "prerequisites")


def _utc_naive(v: dt.datetime) -> dt.datetime:
    """Times are stored as naive UTC; a package written elsewhere may carry an offset."""
    return v.astimezone(dt.UTC).replace(tzinfo=None) if v.tzinfo else v


Time = Annotated[dt.datetime, AfterValidator(_utc_naive)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PkgEvidence(_Model):
    type: str
    source: str
    date: dt.date | None = None
    reference: str = ""
    supplied_by: str = ""
    created_at: Time | None = None
    restricted: bool = False


class PkgRating(_Model):
    indicator_id: str
    national: str | None = None
    external: str | None = None
    agreed: str | None = None
    notes: str = ""
    override_reason: str = ""  # format 3
    version: int = Field(ge=1)
    updated_by: str = ""
    updated_at: Time | None = None
    evidence: list[PkgEvidence] = []
    restricted: bool = False
    notes_restricted: bool = False


class PkgMember(_Model):
    name: str
    organisation: str = ""
    role: str


class PkgAudit(_Model):
    at: Time | None
    who: str
    entity: str
    entity_key: str = ""
    field: str
    old: str | None = None
    new: str | None = None


class PkgAssessment(_Model):
    country_code: str
    country_name: str
    fictional: bool
    round: str
    status: Literal["draft", "in_review", "validated", "final"] = "draft"
    created_at: Time | None = None
    updated_at: Time | None = None
    team: list[PkgMember] = []


class PkgFramework(_Model):
    id: str
    version: str


class PkgRecommendation(_Model):
    """One recommendation; ``key`` names it inside the package (``R1``, ``R2``, ... in export
    order) and ``prerequisites`` lists the keys of the recommendations it needs first."""

    key: str
    subarea_id: str
    indicator_id: str | None = None
    target_level: int
    action_type: str
    title: str
    description: str = ""
    lead_agency: str = ""
    partners: list[str] = []
    cost_band: str | None = None
    amount: float | None = None
    currency: str | None = None
    funding_status: str = "gap"
    horizon: str
    prerequisites: list[str] = []
    completion_indicator: str = ""
    deadline: dt.date | None = None
    status: str = "open"
    source_action_id: str | None = None
    version: int = Field(default=1, ge=1)
    created_at: Time | None = None
    updated_at: Time | None = None
    updated_by: str = ""


class PkgExposure(_Model):
    level: int
    reason: str
    version: int = Field(default=1, ge=1)
    updated_at: Time | None = None
    updated_by: str = ""


class PkgTarget(_Model):
    subarea_id: str
    short_term: int | None = None
    short_reason: str = ""
    long_term: int | None = None
    long_reason: str = ""
    version: int = Field(default=1, ge=0)
    updated_at: Time | None = None
    updated_by: str = ""


class PkgAnswer(_Model):
    """One criterion's answer (format 3)."""

    criterion_id: str
    answer: str
    note: str = ""
    version: int = Field(default=1, ge=1)
    updated_by: str = ""
    updated_at: Time | None = None


class PkgProfile(_Model):
    """The crossing-point profile (format 3): ``kinds`` null when not recorded."""

    kinds: list[str] | None = None
    island: bool | None = None
    landlocked: bool | None = None
    updated_by: str = ""
    updated_at: Time | None = None


class PkgModeration(_Model):
    """One indicator discussed in a consensus (moderation) session (format 3)."""

    indicator_id: str
    held_on: dt.date
    participants: str
    before: str | None = None
    after: str | None = None
    note: str
    recorded_by: str = ""
    recorded_at: Time | None = None


class Package(_Model):
    """Schema of the JSON package (format_version 3; version 2 had no criteria, profile,
    moderation record or mission, version 1 no road map)."""

    format: Literal["mbm-workbook-package"]
    format_version: Literal[1, 2, 3]
    exported_at: Time
    framework: PkgFramework
    assessment: PkgAssessment
    ratings: list[PkgRating] = []
    recommendations: list[PkgRecommendation] = []
    exposure: PkgExposure | None = None
    targets: list[PkgTarget] = []
    criteria: list[PkgAnswer] = []
    crossing_profile: PkgProfile | None = None
    moderation: list[PkgModeration] = []
    audit: list[PkgAudit] = []
    #: The field mission (format 3), checked by the mission store's rules when it is recreated.
    mission: dict | None = None
    #: The funded road map (quantities, unit costs, rates, committed packages and their funding,
    #: the commitment note), checked by the funding store's rules when it is recreated.
    funding: dict | None = None
    #: A package for donors: restricted content and the audit log were left out (``left_out``
    #: says what); it is for reading and is refused on import.
    for_donors: bool = False
    left_out: list[str] = []


def _iso(v):
    return v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else v


# -- export ---------------------------------------------------------------------------------
def build_package(store: Store, info: AssessmentInfo, *, now: dt.datetime | None = None,
                  for_donors: bool = False) -> dict:
    """The package of one assessment as plain data (what :func:`export_package` writes).

    ``for_donors``: without restricted findings, notes and evidence, and without the audit log
    (its old and new values may repeat them); ``left_out`` says what was left out.
    """
    store.require("export_for_donors" if for_donors else "export", info.id)
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    fw = store.framework_of(info.id)
    with Session(store.engine) as s:
        a = s.scalars(select(Assessment).where(Assessment.id == info.id)
                      .options(selectinload(Assessment.team))).one()
        order = {ind_id: n for n, ind_id in enumerate(fw.indicators)}
        crit_order = {cid: n for n, cid in enumerate(fw.criteria)}
        answers = sorted(s.scalars(select(CriterionAnswer).where(CriterionAnswer.assessment_id == a.id)),
                         key=lambda c: (crit_order.get(c.criterion_id, len(crit_order)), c.criterion_id))
        moderation = s.scalars(select(ModerationEntry).where(ModerationEntry.assessment_id == a.id)
                               .order_by(ModerationEntry.held_on, ModerationEntry.id)).all()
        profile_change = s.scalars(select(AuditEntry).where(
            AuditEntry.assessment_id == a.id, AuditEntry.entity == "assessment",
            AuditEntry.field == "crossing_profile").order_by(AuditEntry.id.desc())).first()
        ratings = sorted(s.scalars(select(Rating).where(Rating.assessment_id == a.id)
                                   .options(selectinload(Rating.evidence))),
                         key=lambda r: (order.get(r.indicator_id, len(order)), r.indicator_id))
        audit = s.scalars(select(AuditEntry).where(AuditEntry.assessment_id == a.id).order_by(AuditEntry.id)).all()
        recs = s.scalars(select(Recommendation).where(Recommendation.assessment_id == a.id)
                         .order_by(Recommendation.id)).all()
        keys = {r.id: f"R{n + 1}" for n, r in enumerate(recs)}
        needs: dict[int, list[int]] = {}
        if recs:
            for rid, pid in s.execute(select(RecommendationPrerequisite.recommendation_id,
                                             RecommendationPrerequisite.prerequisite_id)
                                      .where(RecommendationPrerequisite.recommendation_id.in_(keys))
                                      .order_by(RecommendationPrerequisite.recommendation_id,
                                                RecommendationPrerequisite.prerequisite_id)):
                needs.setdefault(rid, []).append(pid)
        exposure = s.get(AssessmentExposure, a.id)
        overrides = s.scalars(select(SubareaTarget).where(SubareaTarget.assessment_id == a.id)
                              .order_by(SubareaTarget.subarea_id)).all()
        data = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "exported_at": _iso(now),
            "framework": {"id": a.framework_id, "version": a.framework_version},
            "assessment": {"country_code": a.country_code, "country_name": a.country_name,
                           "fictional": a.fictional, "round": a.round, "status": a.status,
                           "created_at": _iso(a.created_at), "updated_at": _iso(a.updated_at),
                           "team": [{"name": m.name, "organisation": m.organisation, "role": m.role}
                                    for m in a.team]},
            "ratings": [{"indicator_id": r.indicator_id, "national": r.national, "external": r.external,
                         "agreed": r.agreed, "notes": r.notes, "override_reason": r.override_reason or "",
                         "version": r.version, "updated_by": r.updated_by,
                         "updated_at": _iso(r.updated_at), "restricted": bool(r.restricted),
                         "notes_restricted": bool(r.notes_restricted),
                         "evidence": [{"type": e.type, "source": e.source, "date": _iso(e.date),
                                       "reference": e.reference, "supplied_by": e.supplied_by,
                                       "created_at": _iso(e.created_at), "restricted": bool(e.restricted)}
                                      for e in r.evidence if e.visit_id is None]}
                        for r in ratings],
            "recommendations": [{"key": keys[r.id], **{k: _iso(getattr(r, k)) for k in REC_VALUES},
                                 "partners": list(r.partners or []),
                                 "prerequisites": [keys[p] for p in needs.get(r.id, [])],
                                 "version": r.version, "created_at": _iso(r.created_at),
                                 "updated_at": _iso(r.updated_at), "updated_by": r.updated_by} for r in recs],
            "exposure": None if exposure is None else {
                "level": exposure.level, "reason": exposure.reason, "version": exposure.version,
                "updated_at": _iso(exposure.updated_at), "updated_by": exposure.updated_by},
            "targets": [{"subarea_id": t.subarea_id, "short_term": t.short_term, "short_reason": t.short_reason,
                         "long_term": t.long_term, "long_reason": t.long_reason, "version": t.version,
                         "updated_at": _iso(t.updated_at), "updated_by": t.updated_by} for t in overrides],
            "criteria": [{"criterion_id": c.criterion_id, "answer": c.answer, "note": c.note, "version": c.version,
                          "updated_by": c.updated_by, "updated_at": _iso(c.updated_at)} for c in answers],
            "crossing_profile": None if a.crossing_kinds is None and a.island is None and a.landlocked is None else {
                "kinds": None if a.crossing_kinds is None else [k for k in PROFILE_KINDS if k in a.crossing_kinds],
                "island": a.island, "landlocked": a.landlocked,
                "updated_by": profile_change.who if profile_change else "",
                "updated_at": _iso(profile_change.at) if profile_change else None},
            "moderation": [{"indicator_id": m.indicator_id, "held_on": _iso(m.held_on), "participants": m.participants,
                            "before": m.before, "after": m.after, "note": m.note, "recorded_by": m.recorded_by,
                            "recorded_at": _iso(m.recorded_at)} for m in moderation],
            "audit": [{"at": _iso(x.at), "who": x.who, "entity": x.entity, "entity_key": x.entity_key,
                       "field": x.field, "old": x.old, "new": x.new} for x in audit],
            "mission": mission_section(MissionStore(store), a.id),
            "funding": funding_section(FundingStore(store), a.id),
        }
    return _for_donors(data, fw) if for_donors else data


def _for_donors(data: dict, fw: Framework) -> dict:
    """A package without restricted content and without the audit log, saying what was left out.
    A restricted finding takes its criteria answers and moderation entries with it; a restricted
    note, the notes of its criteria answers and moderation entries (as the store shows them)."""
    findings = notes = evidence = 0
    ratings = []
    hidden = {r["indicator_id"] for r in data["ratings"] if r["restricted"]}
    quiet = {r["indicator_id"] for r in data["ratings"] if r["notes_restricted"]}
    criteria = [c | {"note": "" if ind in quiet else c["note"]} for c in data["criteria"]
                for ind in [fw.indicator_of_criterion(c["criterion_id"]).id if c["criterion_id"] in fw.criteria
                            else None] if ind not in hidden]
    moderation = [m | {"note": "" if m["indicator_id"] in quiet else m["note"]} for m in data["moderation"]
                  if m["indicator_id"] not in hidden]
    for r in data["ratings"]:
        if r["restricted"]:
            findings += 1
            continue
        kept = [e for e in r["evidence"] if not e["restricted"]]
        evidence += len(r["evidence"]) - len(kept)
        if r["notes_restricted"] and r["notes"]:
            notes += 1
        ratings.append(r | {"evidence": kept, "notes": "" if r["notes_restricted"] else r["notes"],
                            "notes_restricted": False})
    left_out = [f"{n} restricted {what}{'' if n == 1 else 's'}{extra}"
                for n, what, extra in ((findings, "finding", " (levels, notes and evidence)"), (notes, "note", ""),
                                       (evidence, "evidence record", "")) if n]
    left_out.append(f"the audit log ({len(data['audit'])} entries)")
    return data | {"ratings": ratings, "criteria": criteria, "moderation": moderation, "audit": [],
                   "for_donors": True, "left_out": left_out}


def export_package(store: Store, info: AssessmentInfo, path: str | Path, *, now: dt.datetime | None = None,
                   for_donors: bool = False) -> Path:
    """Write the JSON package of one assessment to ``path`` (``for_donors``: see :func:`build_package`)."""
    path = Path(path)
    text = json.dumps(build_package(store, info, now=now, for_donors=for_donors), indent=1, ensure_ascii=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    part.write_text(text + "\n", encoding="utf-8")
    part.replace(path)  # all or nothing: a reader never sees half a package
    return path


# -- import ---------------------------------------------------------------------------------
def _loc(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out


def load_package(path: str | Path) -> Package:
    """Read and check a package file; raise :class:`InvalidInput` listing every problem."""
    path = Path(path)
    name = path.name
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInput(Problem(name, "no such file"), what="import") from None
    except UnicodeDecodeError:
        raise InvalidInput(Problem(name, "this file is not a JSON package (not UTF-8 text)"), what="import") from None
    except json.JSONDecodeError as exc:
        raise InvalidInput(Problem(f"{name}: line {exc.lineno}, column {exc.colno}",
                                   f"this file is not valid JSON: {exc.msg}"), what="import") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InvalidInput(Problem(name, f"this is not an assessment package (no \"format\": \"{FORMAT}\")"),
                           what="import")
    try:
        pkg = Package.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput([Problem(f"{name}: {_loc(e['loc'])}", e["msg"]) for e in exc.errors()],
                           what=name) from None
    if pkg.for_donors:
        raise InvalidInput(Problem(name, "this is a package for donors: restricted content and the audit log were "
                                         "left out, so it is for reading only and cannot be imported; nothing was "
                                         "imported"), what="import")
    return pkg


def target_framework(store: Store, pkg: Package, info: AssessmentInfo | None) -> Framework:
    """The framework the package's values go to: the assessment's when it exists here; else the
    package's own version when it is this installation's or one it ships (an assessment is
    recreated on its version: nothing lost, ``workbook framework migrate`` moves it later); else
    this installation's (the package's ids are then mapped through its changelog)."""
    if info is not None:
        return store.framework_of(info.id)
    v = pkg.framework
    if v.id == store.framework.id and v.version != store.framework.version and v.version in shipped_versions():
        shipped = load_framework(version=v.version)
        if shipped.id == v.id:
            return shipped
    return store.framework


def _checked(fw: Framework, pkg: Package, name: str) -> tuple[list[tuple[str, PkgRating, str]], list[Problem],
                                                               dict]:
    """Validate every value of the package against the framework it goes to; map indicator ids."""
    mapping = framework_mapping(fw, pkg.framework.id, pkg.framework.version, f"{name}: framework")
    problems = Problems()
    etypes = {t.id for t in fw.evidence_types}
    out, seen = [], {}
    for i, r in enumerate(pkg.ratings):
        where = f"{name}: ratings[{i}]"
        ind_id, problem = map_indicator(fw, mapping, r.indicator_id, f"{where}.indicator_id",
                                        has_values=bool(r.national or r.external or r.agreed or r.notes.strip()
                                                        or r.override_reason.strip() or r.evidence))
        if problem:
            problems.append(problem)
        if ind_id is None:
            continue
        if ind_id in seen:
            problems.append(Problem(f"{where}.indicator_id", f"{ind_id} appears twice (also at {seen[ind_id]})"))
            continue
        seen[ind_id] = where
        check_fields(RATING_RULES, lambda k, r=r: getattr(r, k), lambda k, w=where: f"{w}.{k}", problems)
        problems.take(parse_text, r.updated_by, f"{where}.updated_by", max_len=MAX_SHORT)
        for j, e in enumerate(r.evidence):
            check_evidence(lambda k, e=e: getattr(e, k), lambda k, w=f"{where}.evidence[{j}]": f"{w}.{k}", etypes,
                           problems)
        out.append((ind_id, r, where))
    return out, problems.items, mapping


@dataclass
class _Fw2:
    """The package's framework 2.0 parts, checked: answers ``(criterion id, answer, where)``, the
    profile, moderation entries ``(indicator id, entry, where)``."""

    answers: list[tuple[str, PkgAnswer, str]]
    profile: CrossingProfile | None
    moderation: list[tuple[str, PkgModeration, str]]


def _checked_fw2(fw: Framework, pkg: Package, name: str, mapping: dict, problems: Problems) -> _Fw2:
    """Check the criteria answers, the crossing-point profile and the moderation record. Criterion
    ids are not mapped between versions (criteria change with their indicator): each must be one
    of the framework the package goes to."""
    answers, seen = [], {}
    for i, a in enumerate(pkg.criteria):
        where = f"{name}: criteria[{i}]"
        if a.criterion_id not in fw.criteria:
            problems.add(f"{where}.criterion_id", f"unknown criterion {a.criterion_id!r} in framework {fw.id} "
                                                  f"{fw.version}")
        elif a.criterion_id in seen:
            problems.add(f"{where}.criterion_id", f"{a.criterion_id} appears twice (also at {seen[a.criterion_id]})")
        else:
            seen[a.criterion_id] = where
            answers.append((a.criterion_id, a, where))
        if problems.take(parse_answer, a.answer, f"{where}.answer") is None and a.answer.strip() == "":
            problems.add(f"{where}.answer", "is required (yes, no or na): leave unanswered criteria out")
        problems.take(parse_text, a.note, f"{where}.note", max_len=MAX_LONG)
        problems.take(parse_text, a.updated_by, f"{where}.updated_by", max_len=MAX_SHORT)
    profile = None
    if pkg.crossing_profile is not None:
        p, where = pkg.crossing_profile, f"{name}: crossing_profile"
        before = len(problems)
        clean = check_profile(p.kinds, p.island, p.landlocked, problems, lambda k: f"{where}.{k}")
        problems.take(parse_text, p.updated_by, f"{where}.updated_by", max_len=MAX_SHORT)
        profile = clean if len(problems) == before else None
    moderation = []
    for i, m in enumerate(pkg.moderation):
        where = f"{name}: moderation[{i}]"
        ind_id, problem = map_indicator(fw, mapping, m.indicator_id, f"{where}.indicator_id")
        if problem:
            problems.append(problem)
        problems.take(parse_date, m.held_on, f"{where}.held_on")
        problems.take(parse_text, m.participants, f"{where}.participants", max_len=MAX_LONG, required=True)
        problems.take(parse_rating, m.before, f"{where}.before")
        problems.take(parse_rating, m.after, f"{where}.after")
        problems.take(parse_text, m.note, f"{where}.note", max_len=MAX_LONG, required=True)
        problems.take(parse_text, m.recorded_by, f"{where}.recorded_by", max_len=MAX_SHORT)
        if ind_id is not None:
            moderation.append((ind_id, m, where))
    return _Fw2(answers, profile, moderation)


def _checked_roadmap(fw: Framework, pkg: Package, name: str, mapping: dict) -> tuple[list[dict], list[Problem]]:
    """Check the package's recommendations, exposure and targets. Returns the recommendations
    as clean values (``key``, ``values``, ``prerequisites`` as keys, ``meta``) and the problems.

    Target levels are not compared with the current scores: the package is a record of what
    was decided, and a done recommendation may well be below the level reached since."""
    problems = Problems()
    ctx = RecommendationContext()
    out, keys = [], {}
    for i, r in enumerate(pkg.recommendations):
        where = f"{name}: recommendations[{i}]"
        if r.key in keys:
            problems.append(Problem(f"{where}.key", f"key {r.key!r} is used twice (also at {keys[r.key]})"))
        keys.setdefault(r.key, where)
        fields = {k: getattr(r, k) for k in REC_VALUES}
        if r.indicator_id:
            ind_id, problem = map_indicator(fw, mapping, r.indicator_id, f"{where}.indicator_id", has_values=True)
            split = mapping.get(r.indicator_id.strip(), [])
            if len(split) > 1:
                problem = Problem(f"{where}.indicator_id", f"{r.indicator_id} was split into {', '.join(split)} in a "
                                                           "later framework version: point the recommendation at one "
                                                           "of them, or leave the indicator out for the whole sub-area")
            if problem:
                problems.append(problem)
            fields["indicator_id"] = ind_id  # None after a problem: reported once, above
        clean, _, found = check_recommendation(fw, fields, where, ctx, check_target=False)
        problems.extend(found)
        problems.take(parse_text, r.updated_by, f"{where}.updated_by", max_len=MAX_SHORT)
        out.append({"key": r.key, "values": clean, "prerequisites": list(dict.fromkeys(r.prerequisites)),
                    "meta": r, "where": where})
    edges = {}
    for rec in out:
        edges[rec["key"]] = []
        for k, ref in enumerate(rec["prerequisites"]):
            if ref not in keys:
                problems.append(Problem(f"{rec['where']}.prerequisites[{k}]",
                                        f"{ref!r} is not the key of a recommendation in this package"))
            elif ref == rec["key"]:
                problems.append(Problem(f"{rec['where']}.prerequisites[{k}]", "a recommendation cannot need itself"))
            else:
                edges[rec["key"]].append(ref)
    for cycle in find_cycles(edges):
        problems.append(Problem(keys.get(cycle[0], f"{name}: recommendations"),
                                f"prerequisite cycle: {format_cycle(cycle)}"))
    if pkg.exposure is not None:
        e, where = pkg.exposure, f"{name}: exposure"
        problems.take(parse_level, e.level, f"{where}.level", allowed=EXPOSURES)
        problems.take(parse_text, e.reason, f"{where}.reason", max_len=MAX_LONG, required=True)
        problems.take(parse_text, e.updated_by, f"{where}.updated_by", max_len=MAX_SHORT)
    seen: dict[str, str] = {}
    for i, t in enumerate(pkg.targets):
        where = f"{name}: targets[{i}]"
        if t.subarea_id not in fw.subareas:
            problems.append(Problem(f"{where}.subarea_id", f"unknown sub-area {t.subarea_id!r}"))
        elif t.subarea_id in seen:
            problems.add(f"{where}.subarea_id", f"{t.subarea_id} appears twice (also at {seen[t.subarea_id]})")
        seen.setdefault(t.subarea_id, where)
        problems.take(parse_level, t.short_term, f"{where}.short_term", required=False)
        problems.take(parse_level, t.long_term, f"{where}.long_term", required=False)
        problems.take(parse_text, t.short_reason, f"{where}.short_reason", max_len=MAX_LONG)
        problems.take(parse_text, t.long_reason, f"{where}.long_reason", max_len=MAX_LONG)
        problems.take(parse_text, t.updated_by, f"{where}.updated_by", max_len=MAX_SHORT)
    return out, problems.items


def _rec_identity(values: dict) -> tuple:
    """What makes a package's recommendation "already there" in an existing assessment."""
    title = " ".join((values.get("title") or "").split()).casefold()
    return values.get("subarea_id"), values.get("indicator_id"), title


def _write_recommendations(s: Session, assessment_id: int, recs: list[dict], existing: dict[str, int], *,
                           now: dt.datetime, who: str | None = None) -> dict[str, int]:
    """Insert ``recs`` with their prerequisites (package keys, or keys in ``existing`` already
    stored); returns key -> new id. With ``who`` they are new here (version 1, audited as
    created by ``who``); without, they are recreated as they were."""
    ids = dict(existing)
    new = {}
    for rec in recs:
        m = rec["meta"]
        if who is None:
            extra = {"version": m.version, "created_at": m.created_at or now, "updated_at": m.updated_at or now,
                     "updated_by": m.updated_by.strip()}
        else:
            extra = {"version": 1, "created_at": now, "updated_at": now, "updated_by": who}
        row = Recommendation(assessment_id=assessment_id, **rec["values"], **extra)
        s.add(row)
        s.flush()
        ids[rec["key"]] = new[rec["key"]] = row.id
        if who is not None:
            s.add(AuditEntry(assessment_id=assessment_id, entity="recommendation", entity_key=f"#{row.id}",
                             field="created", old=None, new=rec["values"]["title"], who=who, at=now))
    for rec in recs:
        pre = list(dict.fromkeys(ids[k] for k in rec["prerequisites"]))
        for p in pre:
            s.add(RecommendationPrerequisite(recommendation_id=new[rec["key"]], prerequisite_id=p))
        if pre and who is not None:
            s.add(AuditEntry(assessment_id=assessment_id, entity="recommendation", entity_key=f"#{new[rec['key']]}",
                             field="prerequisites", old=None, new=", ".join(f"#{p}" for p in pre), who=who, at=now))
    return new


def _check_all(store: Store, pkg: Package, name: str, info: AssessmentInfo | None):
    """Every check of a package against the framework it goes to: ratings, road map, criteria,
    profile, moderation. Returns (framework, rating rows, mapping, recommendations, framework
    2.0 parts, problems)."""
    fw = target_framework(store, pkg, info)
    rows, found, mapping = _checked(fw, pkg, name)
    problems = Problems(found)
    recs, found = _checked_roadmap(fw, pkg, name, mapping)
    problems.extend(found)
    fw2 = _checked_fw2(fw, pkg, name, mapping, problems)
    return fw, rows, mapping, recs, fw2, problems


def read_package(store: Store, path: str | Path) -> tuple[Package, ImportPlan | None]:
    """Check a package; return it with the merge plan when its assessment exists here, else
    with ``None`` (the assessment will be created by :func:`create_from_package`)."""
    path = Path(path)
    pkg = load_package(path)
    name = path.name
    a = pkg.assessment
    try:
        info = store.get_assessment(a.country_code, a.round)
    except NotFound:
        info = None
    _, rows, _, recs, fw2, problems = _check_all(store, pkg, name, info)
    if info is None:
        problems.take(resolve_country, a.country_code, a.country_name, field=f"{name}: assessment.country_code")
        with problems.collect():
            parse_round(a.round, f"{name}: assessment.round")
            parse_text(a.country_name, f"{name}: assessment.country_name", required=True)
        for i, m in enumerate(a.team):
            w = f"{name}: assessment.team[{i}]"
            problems.take(parse_text, m.name, f"{w}.name", required=True)
            problems.take(parse_text, m.organisation, f"{w}.organisation", max_len=200)
            problems.take(parse_role, m.role, f"{w}.role")
    problems.raise_if_any(what=name)
    if info is None:
        return pkg, None
    # a package older than format 3 says nothing about override reasons: leave them as they are here
    fields = [k for k in RATING_FIELDS if k != "override_reason" or pkg.format_version >= 3]
    ratings = [FileRating(ind_id, {k: (getattr(r, k).strip() if k in ("notes", "override_reason")
                                       else parse_rating(getattr(r, k)), where) for k in fields},
                          ExportBaseline(updated_at=r.updated_at)) for ind_id, r, where in rows]
    evidence = [FileEvidence(ind_id, {"type": e.type, "source": e.source.strip(), "date": e.date,
                                      "reference": e.reference.strip(), "supplied_by": e.supplied_by.strip()},
                             f"{where}.evidence[{j}]")
                for ind_id, r, where in rows for j, e in enumerate(r.evidence)]
    answers = [FileAnswer(cid, {"answer": (parse_answer(x.answer), f"{where}.answer"),
                                "note": (x.note.strip(), f"{where}.note")}, ExportBaseline(updated_at=x.updated_at))
               for cid, x, where in fw2.answers]
    profile = None
    if fw2.profile is not None:
        profile = FileProfile(fw2.profile, f"{name}: crossing_profile",
                              ExportBaseline(updated_at=pkg.crossing_profile.updated_at))
    plan = plan_import(store, info.id, ratings, evidence, source=name, kind="assessment package",
                       country=info.country_code, round=info.round, answers=answers, profile=profile)
    if [m.name for m in pkg.assessment.team] != [m[0] for m in info.team]:
        plan.notes.append("the package's team differs from this installation's; the team was left as it is here")
    _plan_roadmap(store, pkg, plan, info.id, recs)
    _plan_moderation(store, plan, info.id, fw2.moderation)
    if pkg.mission:
        _plan_mission(store, pkg, plan, info.id, rows, name)
    return pkg, plan


class _RolledBack(Exception):
    pass


def _joined(tx: Store, attachments_root=None) -> MissionStore:
    """A mission store whose calls join the transaction of ``tx`` (acting for the same person)."""
    mission = MissionStore(tx, attachments_root)
    mission.actor_source, mission.donor_view, mission._sessions = tx.actor_source, tx.donor_view, tx._sessions
    return mission


def _plan_mission(store: Store, pkg: Package, plan: ImportPlan, assessment_id: int, rows, name: str) -> None:
    """Merge rule for the field mission (:func:`~.mission_package.plan_mission_merge`): what is not
    here yet is added, in the import's transaction. Checked now, by writing it in a transaction
    that is rolled back (its files in a folder that is then removed): a visit outside this
    installation's mission dates, a post unknown here, a named interviewee... are located
    problems before anything is confirmed."""
    check_shape(pkg.mission, name)
    merge = plan_mission_merge(MissionStore(store), assessment_id, pkg.mission, [(ind, r) for ind, r, _ in rows])
    plan.notes.extend(merge.notes)
    if merge.empty:
        plan.notes.append(f"the package's {describe_mission(pkg.mission)} is already here")
        return
    checker = next(iter(MissionStore(store).team(assessment_id)), "") or "import check"
    with tempfile.TemporaryDirectory(prefix="mbm-merge-") as scratch:
        try:
            with store.one_transaction() as tx:
                merge.write(_joined(tx, Path(scratch)), assessment_id, by=checker, source=name, dry_run=True)
                raise _RolledBack
        except _RolledBack:
            pass

    def write(tx: Store, by: str) -> int:
        return merge.write(_joined(tx), assessment_id, by=by, source=name)
    plan.extra.append(("add the package's field mission records not yet here:", merge.lines, write))


def _moderation_identity(indicator_id: str, held_on: dt.date, participants: str, after, note: str) -> tuple:
    return indicator_id, held_on, " ".join(participants.split()), after, " ".join(note.split())


def _plan_moderation(store: Store, plan: ImportPlan, assessment_id: int,
                     entries: list[tuple[str, PkgModeration, str]]) -> None:
    """Merge rule for the moderation record: entries not here yet (same indicator, day,
    participants, agreed value after, note) are added as a record; the ratings they speak of are
    merged with the ratings, not changed by the record."""
    if not entries:
        return
    here = {_moderation_identity(m["indicator_id"], m["held_on"], m["participants"], m["after"], m["note"])
            for m in store.moderation_frame(assessment_id).to_dict("records")}
    new = [(ind_id, m, where) for ind_id, m, where in entries
           if _moderation_identity(ind_id, m.held_on, m.participants, parse_rating(m.after), m.note) not in here]
    if len(new) < len(entries):
        plan.notes.append(f"{len(entries) - len(new)} moderation entr(ies) of the package are already here")
    if not new:
        return

    def add(tx: Store, by: str) -> int:
        who, now = parse_text(by, "by", required=True), utcnow()
        with Session(tx.engine) as s, s.begin():
            a = s.get(Assessment, assessment_id)
            if a.status == "final":
                raise InvalidInput(Problem("status", f"{a.country_code} {a.round} is final and read-only"),
                                   what=plan.source)
            for ind_id, m, _ in new:
                s.add(ModerationEntry(assessment_id=assessment_id, indicator_id=ind_id, held_on=m.held_on,
                                      participants=m.participants.strip(), before=parse_rating(m.before),
                                      after=parse_rating(m.after), note=m.note.strip(),
                                      recorded_by=m.recorded_by.strip() or who, recorded_at=m.recorded_at or now))
                s.add(AuditEntry(assessment_id=assessment_id, entity="moderation", entity_key=ind_id,
                                 field="imported", old=parse_rating(m.before), new=parse_rating(m.after), who=who,
                                 at=now))
        return len(new)

    plan.extra.append((f"add {len(new)} moderation entr(ies) not yet here:",
                       [f"  {where.split(': ', 1)[-1]}: {ind_id} {m.held_on.isoformat()} "
                        f"{m.before or '-'} -> {m.after or '-'}: {m.note}" for ind_id, m, where in new], add))


def _plan_roadmap(store: Store, pkg: Package, plan: ImportPlan, assessment_id: int, recs: list[dict]) -> None:
    """Merge rule for the road map: recommendations not there yet are added; exposure, targets and
    the funding tables are left as they are here, with a note when they differ."""
    if pkg.funding and pkg.funding != funding_section(FundingStore(store), assessment_id):
        plan.notes.append("the package's funded road map (quantities, prices, rates, committed packages and their "
                          "funding) differs from this installation's; it was left as it is here")
    with Session(store.engine) as s:
        stored = s.scalars(select(Recommendation).where(Recommendation.assessment_id == assessment_id)).all()
        here = {_rec_identity({"subarea_id": r.subarea_id, "indicator_id": r.indicator_id, "title": r.title}): r.id
                for r in stored}
        exposure = s.get(AssessmentExposure, assessment_id)
        overrides = {t.subarea_id: (t.short_term, t.long_term) for t in
                     s.scalars(select(SubareaTarget).where(SubareaTarget.assessment_id == assessment_id))}
    existing = {rec["key"]: here[_rec_identity(rec["values"])] for rec in recs if _rec_identity(rec["values"]) in here}
    new = [rec for rec in recs if rec["key"] not in existing]
    if existing:
        plan.notes.append(f"{len(existing)} recommendation(s) of the package are already here (same sub-area, "
                          "indicator and title) and were left as they are here")
    ours = None if exposure is None else exposure.level
    if pkg.exposure is not None and pkg.exposure.level != ours:
        plan.notes.append(f"the package's exposure ({pkg.exposure.level}) differs from this installation's "
                          f"({ours or 'not set'}); it was left as it is here")
    theirs = {t.subarea_id: (t.short_term, t.long_term) for t in pkg.targets}
    if pkg.targets and theirs != overrides:
        plan.notes.append("the package's target overrides differ from this installation's; they were left as "
                          "they are here")
    if not new:
        return

    def add(tx: Store, by: str) -> int:
        now = utcnow()
        with Session(tx.engine) as s, s.begin():
            a = s.get(Assessment, assessment_id)
            if a.status == "final":
                raise InvalidInput(Problem("status", f"{a.country_code} {a.round} is final and read-only"),
                                   what=plan.source)
            _write_recommendations(s, assessment_id, new, existing, now=now, who=parse_text(by, "by", required=True))
            a.updated_at = now
        return len(new)

    plan.extra.append((f"add {len(new)} recommendation(s) not yet here:",
                       [f"  {rec['where'].split(': ', 1)[-1]} ({rec['key']}): {rec['values']['title']}" for rec in new],
                       add))


def create_from_package(store: Store, pkg: Package, *, source: str, by: str) -> AssessmentInfo:
    """Create the package's assessment as it was, in one transaction (it must not exist yet).
    With accounts on, the importing account must be one that may create assessments; it leads
    the new assessment's team."""
    store.require_create()
    fw, rows, mapping, recs, fw2, problems = _check_all(store, pkg, source, None)
    who = problems.take(store._who, by)
    problems.raise_if_any(what=source)
    actor = store.actor
    a = pkg.assessment
    country = resolve_country(a.country_code, a.country_name)
    now = utcnow()
    with Session(store.engine) as s, s.begin():
        row = Assessment(country_code=country.code, country_name=a.country_name if country.fictional else country.name,
                         fictional=country.fictional, round=parse_round(a.round), framework_id=fw.id,
                         framework_version=fw.version, status=a.status, created_at=a.created_at or now,
                         updated_at=a.updated_at or now,
                         crossing_kinds=None if fw2.profile is None or fw2.profile.kinds is None
                         else [k for k in PROFILE_KINDS if k in fw2.profile.kinds],
                         island=fw2.profile.island if fw2.profile else None,
                         landlocked=fw2.profile.landlocked if fw2.profile else None,
                         team=[TeamMember(name=m.name.strip(), organisation=m.organisation.strip(),
                                          role=parse_role(m.role)) for m in a.team])
        s.add(row)
        try:
            s.flush()
        except IntegrityError:
            s.rollback()
            raise InvalidInput(store._taken(country.code, a.round, actor, f"{source}: assessment"),
                               what=source) from None
        store._lead_created(s, row, actor, who)
        kept = {id(r): ind_id for ind_id, r, _ in rows}
        for r in pkg.ratings:
            if id(r) not in kept:
                continue  # split since, with nothing rated
            ind_id = kept[id(r)]
            s.add(Rating(assessment_id=row.id, indicator_id=ind_id, national=parse_rating(r.national),
                         external=parse_rating(r.external), agreed=parse_rating(r.agreed), notes=r.notes.strip(),
                         override_reason=r.override_reason.strip(), version=r.version,
                         updated_at=r.updated_at or now, updated_by=r.updated_by.strip(),
                         restricted=r.restricted, notes_restricted=r.notes_restricted,
                         evidence=[Evidence(type=e.type, source=e.source.strip(), date=e.date,
                                            reference=e.reference.strip(), supplied_by=e.supplied_by.strip(),
                                            created_at=e.created_at or now, restricted=e.restricted)
                                   for e in r.evidence]))
        _write_recommendations(s, row.id, recs, {}, now=now)
        for cid, x, _ in fw2.answers:
            s.add(CriterionAnswer(assessment_id=row.id, criterion_id=cid, answer=parse_answer(x.answer),
                                  note=x.note.strip(), version=x.version, updated_at=x.updated_at or now,
                                  updated_by=x.updated_by.strip()))
        for ind_id, m, _ in fw2.moderation:
            s.add(ModerationEntry(assessment_id=row.id, indicator_id=ind_id, held_on=m.held_on,
                                  participants=m.participants.strip(), before=parse_rating(m.before),
                                  after=parse_rating(m.after), note=m.note.strip(), recorded_by=m.recorded_by.strip(),
                                  recorded_at=m.recorded_at or now))
        if pkg.exposure is not None:
            e = pkg.exposure
            s.add(AssessmentExposure(assessment_id=row.id, level=e.level, reason=e.reason.strip(), version=e.version,
                                     updated_at=e.updated_at or now, updated_by=e.updated_by.strip()))
        for t in pkg.targets:
            s.add(SubareaTarget(assessment_id=row.id, subarea_id=t.subarea_id, short_term=t.short_term,
                                short_reason=t.short_reason.strip(), long_term=t.long_term,
                                long_reason=t.long_reason.strip(), version=t.version,
                                updated_at=t.updated_at or now, updated_by=t.updated_by.strip()))
        for x in pkg.audit:
            s.add(AuditEntry(assessment_id=row.id, entity=x.entity[:20], entity_key=x.entity_key[:40],
                             field=x.field[:40], old=x.old, new=x.new, who=x.who[:120], at=x.at or now))
        mapped = f", ids mapped from {pkg.framework.version}" if mapping else ""
        s.add(AuditEntry(assessment_id=row.id, entity="assessment", entity_key=str(row.id), field="imported",
                         old=None, new=f"package {source} exported {pkg.exported_at.isoformat()} "
                                       f"({pkg.framework.id} {pkg.framework.version}{mapped})",
                         who=who, at=now))
        created = row.id
    if pkg.mission:
        restore_mission(MissionStore(store), created, pkg.mission, by=who, source=source)
    if pkg.funding and not mapping and fw.version == pkg.framework.version:
        # packages, cost items and gaps are those of the package's framework version; on another
        # version the team costs and commits the road map afresh (the report says it is missing)
        restore_funding(FundingStore(store), created, pkg.funding, by=who, source=source)
    return store.get_assessment(country.code, a.round)


def describe_new(pkg: Package, source: str, *, dry_run: bool) -> str:
    a = pkg.assessment
    n_ev = sum(len(r.evidence) for r in pkg.ratings)
    return (f"{source} (assessment package) -> {a.country_code} {a.round}\n"
            f"{'would create' if dry_run else 'created'} {a.country_code} {a.country_name}"
            f"{' (fictional)' if a.fictional else ''}, round {a.round!r}: team of {len(a.team)}, "
            f"{len(pkg.ratings)} rated indicator(s), {n_ev} evidence record(s), "
            f"{len(pkg.recommendations)} recommendation(s), {len(pkg.targets)} target override(s), "
            f"exposure {'set' if pkg.exposure else 'not set'}, {len(pkg.criteria)} criterion answer(s), "
            f"crossing-point profile {'recorded' if pkg.crossing_profile else 'not recorded'}, "
            f"{len(pkg.moderation)} moderation entr(ies), {len(pkg.audit)} audit entries, "
            f"{describe_mission(pkg.mission)}; rated against {pkg.framework.id} {pkg.framework.version}")

"""What an import would change: the plan shared by every file format.

A reader (Excel workbook, XLSForm submissions, JSON package) turns a file into
:class:`FileRating` and :class:`FileEvidence` entries, each with the cell or path it came from.
:func:`plan_import` compares them with the database and sorts them into changes, conflicts
(ratings changed in the database since the file was exported) and evidence to add;
:func:`apply_plan` writes the plan with :meth:`Store.save_many`, in one transaction.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import InvalidInput, Problem
from ..framework import Framework
from ..inputs import EVIDENCE_FIELDS
from ..store import Store
from ..store.models import Evidence, Rating


@dataclass(frozen=True)
class ExportBaseline:
    """What the file was made from, for one indicator: the basis of conflict detection.

    ``version`` is the rating's version when a file was exported from this database;
    ``updated_at`` the time of the rating's last change (packages carry it across
    installations); ``values`` the field values at export, when the file records them.
    """

    version: int | None = None
    updated_at: dt.datetime | None = None
    values: dict | None = None


@dataclass
class FileRating:
    """The values a file gives one indicator: ``values[field] = (value, location)``."""

    indicator_id: str
    values: dict[str, tuple[str | None, str]]
    base: ExportBaseline | None = None


@dataclass(frozen=True)
class FileEvidence:
    indicator_id: str
    values: dict
    location: str


@dataclass(frozen=True)
class Change:
    indicator_id: str
    field: str
    old: str | None
    new: str | None
    location: str

    def __str__(self) -> str:
        return f"{self.location}: {self.indicator_id} {self.field}: {_show(self.old)} -> {_show(self.new)}"


@dataclass(frozen=True)
class Clash(Change):
    """A change to a rating that was changed in the database after the file was exported."""

    updated_by: str = ""
    updated_at: dt.datetime | None = None

    def __str__(self) -> str:
        when = self.updated_at.strftime("%Y-%m-%d %H:%M") if self.updated_at else "?"
        return (f"{self.location}: {self.indicator_id} {self.field}: file has {_show(self.new)}, the database has "
                f"{_show(self.old)} (changed by {self.updated_by or 'someone'} at {when} UTC, after the export)")


@dataclass
class ImportPlan:
    """Everything an import would do; nothing is written until :func:`apply_plan`."""

    source: str
    kind: str
    country: str
    round: str
    assessment_id: int | None
    changes: list[Change] = field(default_factory=list)
    conflicts: list[Clash] = field(default_factory=list)
    evidence: list[FileEvidence] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    suggested_by: str = ""
    versions: dict[str, int] = field(default_factory=dict)  # stored rating versions when planned
    #: Further writes beyond ratings and evidence (a package's recommendations): each is
    #: (heading, detail lines, write(by) -> count), run by :func:`apply_plan` after the ratings.
    extra: list[tuple[str, list[str], Callable[[str], int]]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.changes or self.conflicts or self.evidence or self.extra)

    def describe(self, *, overwrite: bool = False, dry_run: bool = False) -> str:
        """A plain-text account of the plan, for the command line and the dry run."""
        verb = "would" if dry_run else "will"
        lines = [f"{self.source} ({self.kind}) -> {self.country} {self.round}"]
        lines += [f"note: {n}" for n in self.notes]
        taken = self.changes + (self.conflicts if overwrite else [])
        n_ind = len({c.indicator_id for c in taken})
        lines.append(f"{verb} change {len(taken)} value(s) of {n_ind} indicator(s)" + (":" if taken else ""))
        lines += [f"  {c}" for c in self.changes]
        if self.conflicts:
            if overwrite:
                lines.append(f"{verb} OVERWRITE {len(self.conflicts)} value(s) changed in the database since export "
                             "(--overwrite):")
            else:
                lines.append(f"{verb} SKIP {len(self.conflicts)} value(s) changed in the database since export; "
                             "review them and import again with --overwrite to replace them:")
            lines += [f"  {c}" for c in self.conflicts]
        lines.append(f"{verb} add {len(self.evidence)} evidence record(s)" + (":" if self.evidence else ""))
        lines += [f"  {e.location}: {e.indicator_id} {e.values['type']}: {e.values['source']}" for e in self.evidence]
        if self.duplicates:
            lines.append(f"{len(self.duplicates)} evidence record(s) in the file are already on file and were left out")
        for heading, details, _ in self.extra:
            lines.append(f"{verb} {heading}")
            lines += details
        return "\n".join(lines)


def _show(v) -> str:
    if v is None or v == "":
        return "(empty)"
    s = str(v).replace("\n", " ")
    return repr(s if len(s) <= 40 else s[:37] + "...")


# -- framework versions ---------------------------------------------------------------------
def framework_mapping(fw: Framework, framework_id: str, version: str, where: str) -> dict[str, list[str]]:
    """How indicator ids of ``framework_id`` ``version`` map onto ``fw``; raise if they cannot.

    The same version maps every id to itself (an empty dict). An older version is accepted when
    the framework's changelog has an entry for it: the ``mappings`` of every later entry are
    applied in order (ids not mentioned are unchanged, as the framework promises ids are never
    reused). A version the changelog does not know, or another framework, is refused.
    """
    if framework_id != fw.id:
        raise InvalidInput(Problem(where, f"the file was rated against framework {framework_id!r}; this installation "
                                          f"uses {fw.id!r}, so its indicators cannot be matched"), what="import")
    if version == fw.version:
        return {}
    known = [e.version for e in fw.changelog]
    if version not in known or fw.version not in known:
        raise InvalidInput(Problem(where, (
            f"the file was rated against {fw.id} {version}; this installation uses {fw.version} and its changelog "
            f"documents no mapping from {version} (known versions: {', '.join(known)}). Export the file again from "
            f"this installation, or add a changelog entry with the mappings for {version}")), what="import")
    ascending = known[-1] == fw.version or known[0] != fw.version
    entries = list(fw.changelog) if ascending else list(reversed(fw.changelog))
    order = [e.version for e in entries]
    i, j = order.index(version), order.index(fw.version)
    if i > j:
        raise InvalidInput(Problem(where, f"the file was rated against {fw.id} {version}, newer than this "
                                          f"installation's {fw.version}: update the workbook first"), what="import")
    later = entries[i + 1:j + 1]
    mapping: dict[str, list[str]] = {}
    for entry in later:
        for m in entry.mappings:
            sources = [k for k, v in mapping.items() if m.from_ in v] or [m.from_]
            for k in sources:
                current = mapping.get(k, [k])
                mapping[k] = [x for x in current if x != m.from_] + list(m.to)
    return mapping


def map_indicator(fw: Framework, mapping: dict[str, list[str]], indicator_id, where: str, *,
                  has_values: bool = True) -> tuple[str | None, Problem | None]:
    """The current id of an indicator id found in a file, or a located problem.

    ``(None, None)`` means: leave the row out (an indicator split since, with nothing rated).
    """
    if not isinstance(indicator_id, str) or not indicator_id.strip():
        return None, Problem(where, "the indicator id is missing")
    iid = indicator_id.strip()
    targets = mapping.get(iid, [iid])
    if len(targets) > 1:
        if not has_values:
            return None, None
        return None, Problem(where, f"{iid} was split into {', '.join(targets)} in a later framework version: "
                                    "rate those indicators afresh and leave this one empty")
    if targets[0] not in fw.indicators:
        return None, Problem(where, f"unknown indicator {iid!r} in framework {fw.id} {fw.version}")
    return targets[0], None


# -- planning -------------------------------------------------------------------------------
def _evidence_key(indicator_id: str, values: dict) -> tuple:
    return (indicator_id,) + tuple(values.get(k) or None for k in EVIDENCE_FIELDS)


def _changed_since(base: ExportBaseline | None, db: Rating | None, field_name: str) -> bool:
    """Was this rating changed in the database after the file was made?"""
    if db is None:
        return False
    if base is None:  # the file says nothing about what it was made from: protect every stored value
        return getattr(db, field_name) not in (None, "")
    if base.values is not None and field_name in base.values:  # per field: other fields may change freely
        return (getattr(db, field_name) or None) != (base.values[field_name] or None)
    if base.version is not None:
        return db.version != base.version
    if base.updated_at is not None:
        return db.updated_at is not None and db.updated_at > base.updated_at
    return True  # known to be new in the file, but never stored when the file was made


def plan_import(store: Store, assessment_id: int | None, ratings: list[FileRating], evidence: list[FileEvidence],
                *, source: str, kind: str, country: str, round: str) -> ImportPlan:
    """Compare what a file gives with the database and sort it into changes and conflicts."""
    plan = ImportPlan(source=source, kind=kind, country=country, round=round, assessment_id=assessment_id)
    stored: dict[str, Rating] = {}
    on_file: set[tuple] = set()
    if assessment_id is not None:
        with Session(store.engine) as s:
            stored = {r.indicator_id: r for r in
                      s.scalars(select(Rating).where(Rating.assessment_id == assessment_id))}
            plan.versions = {i: r.version for i, r in stored.items()}
            for ind_id, *values in s.execute(
                    select(Rating.indicator_id, *(getattr(Evidence, k) for k in EVIDENCE_FIELDS))
                    .join(Rating, Evidence.rating_id == Rating.id).where(Rating.assessment_id == assessment_id)):
                on_file.add(_evidence_key(ind_id, dict(zip(EVIDENCE_FIELDS, values))))
    for fr in ratings:
        db = stored.get(fr.indicator_id)
        for name, (new, location) in fr.values.items():
            old = getattr(db, name) if db is not None else ("" if name == "notes" else None)
            if (new or None) == (old or None):
                continue
            base_values = fr.base.values if fr.base and fr.base.values is not None else None
            if base_values is not None and name in base_values and (new or None) == (base_values[name] or None):
                continue  # the file keeps the exported value: the database moved on, the file did not
            if _changed_since(fr.base, db, name):
                plan.conflicts.append(Clash(fr.indicator_id, name, old, new, location,
                                            updated_by=db.updated_by, updated_at=db.updated_at))
            else:
                plan.changes.append(Change(fr.indicator_id, name, old, new, location))
    for e in evidence:
        key = _evidence_key(e.indicator_id, e.values)
        if key in on_file:
            plan.duplicates.append(e.location)
        else:
            on_file.add(key)
            plan.evidence.append(e)
    return plan


def apply_plan(store: Store, plan: ImportPlan, *, by: str, overwrite: bool = False) -> int:
    """Write the plan in one transaction (:meth:`Store.save_many`); return indicators changed.

    Conflicts are written only with ``overwrite``. Nothing is written when the store rejects
    any row. The plan's ``extra`` writes (a package's recommendations) follow, each in its own
    transaction.
    """
    if plan.assessment_id is None:
        raise InvalidInput(Problem("assessment", f"{plan.country} {plan.round} does not exist"), what="import")
    rows: dict[str, dict] = {}
    for c in plan.changes + (plan.conflicts if overwrite else []):
        rows.setdefault(c.indicator_id, {"indicator_id": c.indicator_id})[c.field] = c.new
    for e in plan.evidence:
        rows.setdefault(e.indicator_id, {"indicator_id": e.indicator_id}).setdefault("evidence", []).append(e.values)
    changed = 0
    if rows:
        for ind_id, row in rows.items():  # refuse the batch if anything changed since the plan was made
            row["expected_version"] = plan.versions.get(ind_id, 0)
        changed = store.save_many(plan.assessment_id, list(rows.values()), by=by)
    for _, _, write in plan.extra:
        write(by)
    return changed

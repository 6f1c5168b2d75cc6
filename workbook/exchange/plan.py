"""What an import would change: the plan shared by every file format.

A reader (Excel workbook, XLSForm submissions, JSON package) turns a file into
:class:`FileRating` and :class:`FileEvidence` entries and, for framework 2.0, :class:`FileAnswer`
entries (criteria answers with their notes) and a :class:`FileProfile` (the crossing-point
profile), each with the cell or path it came from. :func:`plan_import` compares them with the
database and sorts them into changes, conflicts (values changed in the database since the file
was exported) and evidence to add; it also works out the level each touched indicator's criteria
will give and whether its agreed level follows, and refuses (located) an agreed level that would
differ from its criteria without a written override reason.

:func:`apply_plan` writes the whole plan in ONE transaction (:meth:`Store.one_transaction`): the
profile (:meth:`Store.set_crossing_profile`), the answers (:meth:`Store.save_criteria`: agreed
levels follow them), the ratings and evidence (:meth:`Store.save_many`), then any further writes
of the format (a package's recommendations and moderation record). A file is saved whole or
not at all.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import Conflict, InvalidInput, Problem, Problems
from ..framework import CRITERION_ID, Framework
from ..inputs import EVIDENCE_FIELDS, EVIDENCE_TEXTS, RATING_TEXTS
from ..names import Anonymity
from ..scoring import criteria_level
from ..store import Store
from ..store.criteria import CrossingProfile
from ..store.models import Assessment, AuditEntry, CriterionAnswer, Evidence, Rating

#: What a file gives a criterion: its answer (yes, no, na; None: not answered) and a note.
ANSWER_FIELDS = ("answer", "note")
_TEXT_FIELDS = ("notes", "override_reason", "note")


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


@dataclass
class FileAnswer:
    """The answer and note a file gives one criterion: ``values[field] = (value, location)`` for
    the fields of :data:`ANSWER_FIELDS` it has."""

    criterion_id: str
    values: dict[str, tuple[str | None, str]]
    base: ExportBaseline | None = None


@dataclass(frozen=True)
class FileProfile:
    """The crossing-point profile a file gives and where. ``base.values["profile"]`` is the profile
    when the file was made (a :class:`CrossingProfile`), or ``base.updated_at`` when the source
    last changed it; no ``base``: the file does not say."""

    profile: CrossingProfile
    location: str
    base: ExportBaseline | None = None


@dataclass(frozen=True)
class FileEvidence:
    indicator_id: str
    values: dict
    location: str


@dataclass(frozen=True)
class Change:
    """A value the import changes: a rating's field, or (``criterion_id`` set) a criterion's
    answer or note; ``indicator_id`` is then the criterion's indicator."""

    indicator_id: str
    field: str
    old: str | None
    new: str | None
    location: str
    criterion_id: str = ""

    @property
    def key(self) -> str:
        return self.criterion_id or self.indicator_id

    def __str__(self) -> str:
        return f"{self.location}: {self.key} {self.field}: {_show(self.old)} -> {_show(self.new)}"


@dataclass(frozen=True)
class Clash(Change):
    """A change to a rating that was changed in the database after the file was exported."""

    updated_by: str = ""
    updated_at: dt.datetime | None = None

    def __str__(self) -> str:
        when = self.updated_at.strftime("%Y-%m-%d %H:%M") if self.updated_at else "?"
        return (f"{self.location}: {self.key} {self.field}: file has {_show(self.new)}, the database has "
                f"{_show(self.old)} (changed by {self.updated_by or 'someone'} at {when} UTC, after the export)")


@dataclass(frozen=True)
class ProfileChange:
    """The crossing-point profile the import sets; ``conflict`` when the database's profile was
    changed after the file was made (then set only with ``overwrite``)."""

    old: CrossingProfile
    new: CrossingProfile
    location: str
    conflict: bool = False
    updated_by: str = ""
    updated_at: dt.datetime | None = None

    def __str__(self) -> str:
        text = f"{self.location}: crossing-point profile: {self.old.describe()} -> {self.new.describe()}"
        if self.conflict:
            when = self.updated_at.strftime("%Y-%m-%d %H:%M") if self.updated_at else "?"
            text += f" (the database's was changed by {self.updated_by or 'someone'} at {when} UTC, after the export)"
        return text


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
    #: Criteria answers and notes (framework 2.0): changes, conflicts, and the stored answer and
    #: version of each criterion the file gives, when planned.
    answers: list[Change] = field(default_factory=list)
    answer_conflicts: list[Clash] = field(default_factory=list)
    answer_versions: dict[str, int] = field(default_factory=dict)
    answers_stored: dict[str, str | None] = field(default_factory=dict)
    profile: ProfileChange | None = None
    #: What the criteria give each touched indicator after the import, in words (for the report),
    #: with the conflicting values skipped and (only when there are conflicts) with them overwritten;
    #: and the located problems the overwritten values would bring (agreed levels without a reason).
    levels: list[str] = field(default_factory=list)
    levels_overwrite: list[str] = field(default_factory=list)
    overwrite_problems: list[Problem] = field(default_factory=list)
    #: Further writes beyond the above (a package's recommendations and moderation record): each is
    #: (heading, detail lines, write(store, by) -> count), run by :func:`apply_plan` after the
    #: ratings, in the same transaction (``store`` is the store of that transaction).
    extra: list[tuple[str, list[str], Callable[[Store, str], int]]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.changes or self.conflicts or self.evidence or self.extra or self.answers
                    or self.answer_conflicts or self.profile)

    def skipped(self, overwrite: bool) -> int:
        """How many values an import without ``overwrite`` leaves out (changed here since export)."""
        if overwrite:
            return 0
        return len(self.conflicts) + len(self.answer_conflicts) + bool(self.profile and self.profile.conflict)

    def describe(self, *, overwrite: bool = False, dry_run: bool = False) -> str:
        """A plain-text account of the plan, for the command line and the dry run."""
        verb = "would" if dry_run else "will"
        lines = [f"{self.source} ({self.kind}) -> {self.country} {self.round}"]
        lines += [f"note: {n}" for n in self.notes]
        if self.profile and not self.profile.conflict:
            lines.append(f"{verb} set the crossing-point profile:")
            lines.append(f"  {self.profile}")
        elif self.profile:
            lines.append(f"{verb} {'OVERWRITE' if overwrite else 'SKIP'} the crossing-point profile, changed in the "
                         "database since export" + (" (--overwrite):" if overwrite else "; review it and import "
                                                    "again with --overwrite to replace it:"))
            lines.append(f"  {self.profile}")
        if self.answers or self.answer_conflicts:
            taken_answers = self.answers + (self.answer_conflicts if overwrite else [])
            n_crit = len({c.criterion_id for c in taken_answers})
            n_ind = len({c.indicator_id for c in taken_answers})
            lines.append(f"{verb} change {len(taken_answers)} answer(s) and note(s) of {n_crit} criteria in {n_ind} "
                         "indicator(s)" + (":" if taken_answers else ""))
            lines += [f"  {c}" for c in self.answers]
            if self.answer_conflicts:
                lines.append(f"{verb} {'OVERWRITE' if overwrite else 'SKIP'} {len(self.answer_conflicts)} criterion "
                             "answer(s) and note(s) changed in the database since export"
                             + (" (--overwrite):" if overwrite else "; review them and import again with "
                                                                    "--overwrite to replace them:"))
                lines += [f"  {c}" for c in self.answer_conflicts]
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
        levels = self.levels_overwrite if overwrite and self.levels_overwrite else self.levels
        if levels:
            lines.append("what the criteria give after the import" + (" (without the skipped values)"
                                                                      if self.skipped(overwrite) else "") + ":")
            lines += [f"  {x}" for x in levels]
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


def _changed_since(base: ExportBaseline | None, db, field_name: str) -> bool:
    """Was this stored record (a rating, a criterion answer) changed after the file was made?"""
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


def _sort_values(values: dict[str, tuple[str | None, str]], base: ExportBaseline | None, db,
                 changes: list[Change], conflicts: list[Clash], indicator_id: str, criterion_id: str = "") -> None:
    """Sort a file's values for one record into changes and conflicts against the stored record."""
    for name, (new, location) in values.items():
        old = getattr(db, name) if db is not None else ("" if name in _TEXT_FIELDS else None)
        if (new or None) == (old or None):
            continue
        base_values = base.values if base and base.values is not None else None
        if base_values is not None and name in base_values and (new or None) == (base_values[name] or None):
            continue  # the file keeps the exported value: the database moved on, the file did not
        if _changed_since(base, db, name):
            conflicts.append(Clash(indicator_id, name, old, new, location, criterion_id,
                                   updated_by=db.updated_by, updated_at=db.updated_at))
        else:
            changes.append(Change(indicator_id, name, old, new, location, criterion_id))


def _plan_profile(file: FileProfile, stored: CrossingProfile, changed: AuditEntry | None) -> ProfileChange | None:
    """The profile change a file brings, if any: a conflict when the database's profile was changed
    after the file was made (or the file does not say what it was made from)."""
    if file.profile == stored:
        return None
    base = file.base
    if base is not None and base.values is not None and "profile" in base.values:
        if file.profile == base.values["profile"]:
            return None  # the file keeps the exported profile
        conflict = stored != base.values["profile"]
    elif base is not None and base.updated_at is not None:
        conflict = changed is not None and changed.at > base.updated_at
    else:
        conflict = stored.kinds is not None
    return ProfileChange(stored, file.profile, file.location, conflict,
                         changed.who if changed else "", changed.at if changed else None)


def _describe_level(level: int | None) -> str:
    return "no level (no capacity criterion answered)" if level is None else f"level {level}"


def _levels_after(plan: ImportPlan, fw: Framework, ratings: dict[str, Rating], answers: dict[str, str],
                  kinds: frozenset[str] | None, file_ratings: list[FileRating], *,
                  overwrite: bool) -> tuple[list[str], list[Problem]]:
    """What the criteria give each indicator the import touches, whether its agreed level follows
    (the store's rule: an indicator whose answers or notes are saved follows its criteria unless its
    agreed value is a code or an override with a reason), and a located problem for each indicator
    the import saves (ratings or evidence) whose agreed level would then differ from its criteria
    without a reason: the store refuses those (:meth:`Store.save_many`)."""
    if not fw.has_criteria:
        return [], []
    taken = plan.answers + (plan.answer_conflicts if overwrite else [])
    after = dict(answers)
    for c in taken:
        if c.field == "answer":
            after[c.criterion_id] = c.new
    if plan.profile and (overwrite or not plan.profile.conflict):
        kinds_after = plan.profile.new.kinds
    else:
        kinds_after = kinds
    rating_changes = plan.changes + (plan.conflicts if overwrite else [])
    touched = {c.indicator_id for c in taken}
    set_here = {c.indicator_id for c in rating_changes} | {e.indicator_id for e in plan.evidence}
    where = {fr.indicator_id: fr.values for fr in file_ratings}
    evidence_at = {e.indicator_id: e.location for e in plan.evidence}
    lines, problems = [], []
    for ind_id in (i for i in fw.indicators if i in touched | set_here):
        ind = fw.indicator(ind_id)
        own = [c.id for c in ind.criteria]
        before = criteria_level(ind, {k: answers[k] for k in own if answers.get(k)}, kinds).level
        level = criteria_level(ind, {k: after[k] for k in own if after.get(k)}, kinds_after).level
        r = ratings.get(ind_id)
        agreed, reason = (r.agreed, r.override_reason or "") if r is not None else (None, "")
        start = agreed
        words = ""
        if ind_id in touched and level is not None:
            if agreed in ("NA", "NE", "IE"):
                words = f"the agreed value stays {agreed} (a code)"
            elif reason and agreed != str(level):
                words = f"the agreed level stays {agreed} (an override, with its reason)"
            else:
                agreed = str(level)
                if reason and agreed == start:
                    reason = ""
                words = "the agreed level follows" if agreed != start else ""
        for c in rating_changes:
            if c.indicator_id == ind_id and c.field == "agreed":
                agreed = c.new
                words = f"the file sets the agreed level to {agreed or '(empty)'}"
            elif c.indicator_id == ind_id and c.field == "override_reason":
                reason = c.new or ""
        override = level is not None and agreed is not None and agreed.isdigit() and int(agreed) != level
        if override and not reason:
            at = where.get(ind_id, {})
            loc = (at.get("override_reason") or at.get("agreed") or (None, next(
                (c.location for c in taken if c.indicator_id == ind_id), evidence_at.get(ind_id, plan.source))))[1]
            problems.append(Problem(loc, f"{ind_id}: the criteria give level {level}, the agreed level would be "
                                         f"{agreed}: write why in the override reason, or tick the criteria the "
                                         "level rests on"))
        elif override:
            words = (words + "; " if words else "") + f"override: {reason}"
        if before != level or words:
            lines.append(f"{ind_id}: the criteria give {_describe_level(level)}"
                         + (f" (was {_describe_level(before)})" if before != level else "")
                         + (f"; {words}" if words else "")
                         + (f" ({start or '(empty)'} -> {agreed or '(empty)'})" if start != agreed else ""))
    return lines, problems


def _refuse_names(rule: Anonymity | None, plan: ImportPlan, problems: Problems) -> None:
    """With anonymity promised to interviewees, a person's name in a rating's notes or reason, a
    criterion's note or an evidence record's text is refused at its place in the file."""
    if rule is None:
        return
    for c in plan.changes + plan.conflicts + plan.answers + plan.answer_conflicts:
        if c.field in (*RATING_TEXTS, "note") and c.new:
            rule.check(c.new, f"{c.location} ({c.field})", problems)
    for e in plan.evidence:
        for k in EVIDENCE_TEXTS:
            if e.values.get(k):
                rule.check(e.values[k], f"{e.location} ({k})", problems)


def plan_import(store: Store, assessment_id: int | None, ratings: list[FileRating], evidence: list[FileEvidence],
                *, source: str, kind: str, country: str, round: str, answers: list[FileAnswer] = (),
                profile: FileProfile | None = None) -> ImportPlan:
    """Compare what a file gives with the database and sort it into changes and conflicts.

    Raises :class:`InvalidInput` (located) when the file would leave an agreed level that differs
    from its criteria without an override reason, or a note on a criterion without an answer.
    """
    plan = ImportPlan(source=source, kind=kind, country=country, round=round, assessment_id=assessment_id)
    stored: dict[str, Rating] = {}
    stored_answers: dict[str, CriterionAnswer] = {}
    on_file: set[tuple] = set()
    profile_now, profile_changed = CrossingProfile(None), None
    if assessment_id is not None:
        with Session(store.engine) as s:
            stored = {r.indicator_id: r for r in
                      s.scalars(select(Rating).where(Rating.assessment_id == assessment_id))}
            plan.versions = {i: r.version for i, r in stored.items()}
            for ind_id, *values in s.execute(
                    select(Rating.indicator_id, *(getattr(Evidence, k) for k in EVIDENCE_FIELDS))
                    .join(Rating, Evidence.rating_id == Rating.id).where(Rating.assessment_id == assessment_id)):
                on_file.add(_evidence_key(ind_id, dict(zip(EVIDENCE_FIELDS, values))))
            stored_answers = {c.criterion_id: c for c in s.scalars(
                select(CriterionAnswer).where(CriterionAnswer.assessment_id == assessment_id))}
            a = s.get(Assessment, assessment_id)
            profile_now = CrossingProfile(None if a.crossing_kinds is None else frozenset(a.crossing_kinds),
                                          a.island, a.landlocked)
            profile_changed = s.scalars(select(AuditEntry).where(
                AuditEntry.assessment_id == assessment_id, AuditEntry.entity == "assessment",
                AuditEntry.field == "crossing_profile").order_by(AuditEntry.id.desc())).first()
            s.expunge_all()
    for fr in ratings:
        _sort_values(fr.values, fr.base, stored.get(fr.indicator_id), plan.changes, plan.conflicts, fr.indicator_id)
    problems = Problems()
    for fa in answers:
        db = stored_answers.get(fa.criterion_id)
        plan.answer_versions[fa.criterion_id] = db.version if db is not None else 0
        plan.answers_stored[fa.criterion_id] = db.answer if db is not None else None
        indicator_id = CRITERION_ID.match(fa.criterion_id)["indicator"]
        _sort_values(fa.values, fa.base, db, plan.answers, plan.answer_conflicts, indicator_id, fa.criterion_id)
        note, answer = fa.values.get("note"), fa.values.get("answer")
        answer_after = answer[0] if answer is not None else (db.answer if db is not None else None)
        if note is not None and note[0] and not answer_after:
            problems.add(note[1], f"{fa.criterion_id}: a note goes with an answer (yes, no or na)")
    if profile is not None:
        plan.profile = _plan_profile(profile, profile_now, profile_changed)
    for e in evidence:
        key = _evidence_key(e.indicator_id, e.values)
        if key in on_file:
            plan.duplicates.append(e.location)
        else:
            on_file.add(key)
            plan.evidence.append(e)
    if assessment_id is not None:
        _refuse_names(store.anonymity(assessment_id), plan, problems)
    if assessment_id is not None and (plan.answers or plan.answer_conflicts or plan.profile or plan.changes
                                      or plan.conflicts or plan.evidence):
        fw = store.framework_of(assessment_id)
        answered = {k: v.answer for k, v in stored_answers.items()}
        plan.levels, found = _levels_after(plan, fw, stored, answered, profile_now.kinds, ratings, overwrite=False)
        problems.extend(found)
        if plan.conflicts or plan.answer_conflicts or (plan.profile and plan.profile.conflict):
            plan.levels_overwrite, plan.overwrite_problems = _levels_after(plan, fw, stored, answered,
                                                                           profile_now.kinds, ratings, overwrite=True)
    problems.raise_if_any(what=source)
    return plan


@dataclass(frozen=True)
class Applied:
    """What :func:`apply_plan` wrote: indicators whose ratings or evidence changed, criterion
    answers saved, the level their criteria now give per touched indicator, the profile set."""

    ratings: int = 0
    answers: int = 0
    levels: dict[str, int | None] = field(default_factory=dict)
    profile: bool = False

    def __str__(self) -> str:
        parts = [f"{self.ratings} indicator(s) changed"]
        if self.answers:
            parts.append(f"{self.answers} criterion answer(s) saved ({len(self.levels)} indicator(s) re-levelled "
                         "by their criteria)")
        if self.profile:
            parts.append("crossing-point profile set")
        return ", ".join(parts)


def apply_plan(store: Store, plan: ImportPlan, *, by: str, overwrite: bool = False) -> Applied:
    """Write the plan in ONE transaction (:meth:`Store.one_transaction`): the crossing-point
    profile, the criteria answers (agreed levels follow them), the ratings and evidence, then the
    plan's ``extra`` writes (a package's recommendations and moderation record).

    Conflicts are written only with ``overwrite``. Nothing is written when the store rejects any
    of it, or when anything the plan read changed before it is applied (:class:`Conflict`).
    With accounts on, the store's actor needs the ``import`` permission in the assessment (no
    role: "not found", as everywhere; a role without it: ``Forbidden``), checked before anything
    is written.
    """
    if plan.assessment_id is None:
        raise InvalidInput(Problem("assessment", f"{plan.country} {plan.round} does not exist"), what="import")
    store.require("import", plan.assessment_id)
    if overwrite and plan.overwrite_problems:
        raise InvalidInput(plan.overwrite_problems, what=f"{plan.source} with --overwrite")
    aid = plan.assessment_id
    rows: dict[str, dict] = {}
    for c in plan.changes + (plan.conflicts if overwrite else []):
        rows.setdefault(c.indicator_id, {"indicator_id": c.indicator_id})[c.field] = c.new
    for e in plan.evidence:
        rows.setdefault(e.indicator_id, {"indicator_id": e.indicator_id}).setdefault("evidence", []).append(e.values)
    answers: dict[str, str | None] = {}
    notes: dict[str, str] = {}
    for c in plan.answers + (plan.answer_conflicts if overwrite else []):
        answers.setdefault(c.criterion_id, plan.answers_stored.get(c.criterion_id))
        if c.field == "answer":
            answers[c.criterion_id] = c.new
        else:
            notes[c.criterion_id] = c.new or ""
    notes = {cid: n for cid, n in notes.items() if answers.get(cid)}  # a cleared answer takes its note along
    profile = plan.profile if plan.profile and (overwrite or not plan.profile.conflict) else None
    changed, levels = 0, {}
    with store.one_transaction() as tx:
        if rows:  # refuse the whole import if a rating changed since the plan was made
            now = {r["indicator_id"]: r["version"] for r in tx.ratings_frame(aid).to_dict("records")
                   if r["indicator_id"] in rows}
            stale = [i for i in rows if now.get(i, 0) != plan.versions.get(i, 0)]
            if stale:
                raise Conflict(f"{', '.join(stale)} changed in the database while the import was being prepared; "
                               "nothing saved: import again")
        if profile is not None:
            p = profile.new
            tx.set_crossing_profile(aid, kinds=None if p.kinds is None else sorted(p.kinds), island=p.island,
                                    landlocked=p.landlocked, by=by)
        if answers:
            levels = tx.save_criteria(aid, answers, by=by, notes=notes,
                                      expected={cid: plan.answer_versions.get(cid, 0) for cid in answers})
        if rows:
            if levels:  # the agreed levels that followed the criteria moved their versions on
                versions = {r["indicator_id"]: r["version"] for r in tx.ratings_frame(aid).to_dict("records")}
            else:
                versions = plan.versions
            for ind_id, row in rows.items():
                row["expected_version"] = versions.get(ind_id, 0)
            changed = tx.save_many(aid, list(rows.values()), by=by)
        for _, _, write in plan.extra:
            write(tx, by)
    return Applied(changed, len(answers), levels, profile is not None)


@contextmanager
def removed_on_failure(engine, assessment_id: int) -> Iterator[None]:
    """Around what completes an assessment just created from a file (its mission, its funding
    tables): on any failure the assessment is removed again, so the import is all or nothing."""
    try:
        yield
    except BaseException:
        with Session(engine) as s, s.begin():
            a = s.get(Assessment, assessment_id)
            if a is not None:
                s.delete(a)
        raise

"""Moving an assessment to a newer framework version (``workbook framework migrate``).

The newer framework's changelog says where each indicator went (``mappings``: renamed, split,
merged, moved). Moving an assessment follows it, in one transaction, and loses nothing:

* an indicator kept under the same id keeps its ratings, notes, evidence and criteria answers;
* an indicator merged into another (its capability now has one home) gives its evidence to the
  home indicator (copied: the original records stay with the old id); when the home indicator
  was not rated, it takes the old ratings ("moved"); when it was, it keeps its own and the old
  values are written into its notes ("merged"). The old rating row stays in the database, so
  going back to the earlier version shows it unchanged;
* recommendations that named a moved indicator name its new home;
* every change is in the audit log, with the version change itself.

:func:`plan_migration` says what each rating becomes without writing anything (``--dry-run``).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..errors import InvalidInput, Problem
from ..framework import Framework, load_framework
from .models import Assessment, AuditEntry, Evidence, Rating, Recommendation, utcnow


@dataclass(frozen=True)
class Step:
    """What happens to one indicator of the old version."""

    old_id: str
    new_id: str | None
    action: str          # kept | renamed | moved | merged | new | dropped
    rated: str           # the old agreed value ("" when unrated)
    detail: str

    def __str__(self) -> str:
        arrow = f"{self.old_id} -> {self.new_id}" if self.old_id and self.new_id and self.old_id != self.new_id \
            else (self.new_id or self.old_id)
        return f"{arrow}: {self.action}" + (f" ({self.detail})" if self.detail else "")


@dataclass
class MigrationPlan:
    """What moving one assessment to another framework version does, indicator by indicator."""

    label: str
    from_version: str
    to_version: str
    steps: list[Step] = field(default_factory=list)
    recommendations: int = 0

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for st in self.steps:
            out[st.action] = out.get(st.action, 0) + 1
        return out

    def describe(self, *, dry_run: bool) -> str:
        head = (f"{self.label}: framework {self.from_version} -> {self.to_version}"
                + (" (dry run: nothing written)" if dry_run else ""))
        counts = ", ".join(f"{n} {k}" for k, n in sorted(self.counts().items()))
        lines = [head, f"  {counts}" + (f"; {self.recommendations} recommendation(s) renamed to the new home"
                                        if self.recommendations else "")]
        lines += [f"  {st}" for st in self.steps if st.action != "kept" or st.rated]
        return "\n".join(lines)


def _mapping(old: Framework, new: Framework) -> dict[str, list[str]]:
    mapping = new.mapping_to(old.version)
    if not mapping and new.version != old.version and not any(e.version == old.version for e in new.changelog):
        raise InvalidInput(Problem("to_version", f"framework {new.version} does not record a path from {old.version} "
                                                 "in its changelog"), what="framework migration")
    return mapping


def plan_migration(s: Session, a: Assessment, old: Framework, new: Framework) -> MigrationPlan:
    """The steps that move ``a`` from ``old`` to ``new`` (nothing written)."""
    mapping = _mapping(old, new)
    ratings = {r.indicator_id: r for r in s.scalars(select(Rating).where(Rating.assessment_id == a.id))}
    plan = MigrationPlan(f"{a.country_code} {a.round}", old.version, new.version)
    targets_taken: set[str] = set()
    for old_id, ind in old.indicators.items():
        r = ratings.get(old_id)
        rated = (r.agreed or "") if r else ""
        n_ev = len(r.evidence) if r else 0
        if old_id in new.indicators:
            new_ind = new.indicator(old_id)
            renamed = new_ind.name != ind.name
            plan.steps.append(Step(old_id, old_id, "renamed" if renamed else "kept", rated,
                                   f"now '{new_ind.name}'" if renamed else ""))
            continue
        targets = [t for t in mapping.get(old_id, []) if t in new.indicators]
        if not targets:
            plan.steps.append(Step(old_id, None, "dropped", rated, "no place in the new version; its values "
                                                                   "stay in the database and the audit log"))
            continue
        target = targets[0]
        target_rated = ratings.get(target) is not None and ratings[target].agreed is not None
        if r is None or (r.agreed is None and not n_ev and not r.national and not r.external):
            plan.steps.append(Step(old_id, target, "merged", rated, "nothing to carry: not rated"))
        elif target_rated or target in targets_taken:
            plan.steps.append(Step(old_id, target, "merged",
                                   rated, f"{target} keeps its own rating; {old_id}'s ratings go into its notes"
                                   + (f" and its {n_ev} evidence record(s) are copied" if n_ev else "")))
        else:
            targets_taken.add(target)
            plan.steps.append(Step(old_id, target, "moved", rated, f"{target} takes {old_id}'s ratings"
                                   + (f" and {n_ev} evidence record(s)" if n_ev else "")))
    for new_id in new.indicators:
        if new_id not in old.indicators and not any(new_id in t for t in mapping.values()):
            plan.steps.append(Step("", new_id, "new", "", f"'{new.indicator(new_id).name}': not rated yet"))
    moved = {st.old_id: st.new_id for st in plan.steps if st.action in ("moved", "merged") and st.new_id}
    recs = s.scalars(select(Recommendation).where(Recommendation.assessment_id == a.id))
    plan.recommendations = sum(1 for rec in recs if rec.indicator_id in moved)
    return plan


def apply_migration(s: Session, a: Assessment, old: Framework, new: Framework, plan: MigrationPlan, who: str) -> None:
    """Carry out ``plan`` in the caller's transaction (see the module docstring)."""
    now = utcnow()
    ratings = {r.indicator_id: r for r in s.scalars(select(Rating).where(Rating.assessment_id == a.id))}

    def audit(key: str, fld: str, before, after) -> None:
        s.add(AuditEntry(assessment_id=a.id, entity="rating", entity_key=key, field=fld, old=before, new=after,
                         who=who, at=now))

    for st in plan.steps:
        if st.action not in ("moved", "merged") or st.new_id is None:
            continue
        src = ratings.get(st.old_id)
        if src is None:
            continue
        dst = ratings.get(st.new_id)
        if dst is None:
            dst = Rating(assessment_id=a.id, indicator_id=st.new_id, notes="", override_reason="", version=1,
                         updated_at=now, updated_by=who)
            s.add(dst)
            s.flush()
            ratings[st.new_id] = dst
        if st.action == "moved":
            for k in ("national", "external", "agreed"):
                if getattr(src, k) != getattr(dst, k):
                    audit(st.new_id, k, getattr(dst, k), getattr(src, k))
                    setattr(dst, k, getattr(src, k))
            carried = f"Moved from {st.old_id} ({old.indicator(st.old_id).name}) with framework {new.version}."
        else:
            carried = (f"Framework {new.version} merged {st.old_id} ({old.indicator(st.old_id).name}) into this "
                       f"indicator; its ratings were: national {src.national or '-'}, external "
                       f"{src.external or '-'}, agreed {src.agreed or '-'}.")
        if src.notes:
            carried += f" Its notes: {src.notes}"
        notes = (dst.notes + "\n\n" + carried).strip() if dst.notes else carried
        audit(st.new_id, "notes", dst.notes, notes)
        dst.notes = notes
        dst.version += 1
        dst.updated_at, dst.updated_by = now, who
        for e in list(src.evidence):
            copy = Evidence(rating_id=dst.id, type=e.type, source=e.source, date=e.date, reference=e.reference,
                            supplied_by=e.supplied_by)
            s.add(copy)
            s.flush()
            s.add(AuditEntry(assessment_id=a.id, entity="evidence", entity_key=f"{st.new_id}#{copy.id}",
                             field="added", old=None, new=f"{e.type}: {e.source} (copied from {st.old_id})",
                             who=who, at=now))
    moved = {st.old_id: st.new_id for st in plan.steps if st.action in ("moved", "merged") and st.new_id}
    for rec in s.scalars(select(Recommendation).where(Recommendation.assessment_id == a.id)):
        if rec.indicator_id in moved:
            s.add(AuditEntry(assessment_id=a.id, entity="recommendation", entity_key=str(rec.id),
                             field="indicator_id", old=rec.indicator_id, new=moved[rec.indicator_id], who=who, at=now))
            s.execute(update(Recommendation).where(Recommendation.id == rec.id)
                      .values(indicator_id=moved[rec.indicator_id]).execution_options(synchronize_session=False))
    s.add(AuditEntry(assessment_id=a.id, entity="assessment", entity_key=str(a.id), field="framework_version",
                     old=old.version, new=new.version, who=who, at=now))
    a.framework_id, a.framework_version = new.id, new.version


def migrate(store, assessment_id: int, *, to_version: str, by: str, dry_run: bool = False) -> MigrationPlan:
    """Plan, and unless ``dry_run`` carry out, the move of one assessment to ``to_version``."""
    who = store._who(by)
    new = load_framework(version=to_version) if to_version != store.framework.version else store.framework
    with store._sessions.begin() as s:
        a = store._assessment(s, assessment_id) if dry_run else store._writable(s, assessment_id)
        old = store._framework(a)
        if old.version == new.version:
            raise InvalidInput(Problem("to_version", f"{a.country_code} {a.round} is already on framework "
                                                     f"{new.version}"), what="framework migration")
        plan = plan_migration(s, a, old, new)
        if not dry_run:
            apply_migration(s, a, old, new, plan, who)
        else:
            s.rollback()
        return plan

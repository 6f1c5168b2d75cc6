"""Framework 2.0 in the store: criteria answers, the crossing-point profile, the consensus
(moderation) record, and scoring an assessment with everything it needs.

A level follows from the ticked criteria: when an answer changes, the indicator's agreed level
follows the level the criteria now give, unless the team recorded an *override* (an agreed level
that differs from the criteria, with a written reason, kept and flagged). Answers are audited like
every other change and carry a ``version`` for optimistic locking.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..errors import Conflict, InvalidInput, Problem, Problems, tmsg
from ..framework import CROSSING_KINDS, Framework
from ..inputs import MAX_LONG, parse_answer, parse_rating, parse_text, read_date
from ..scoring import Scores, criteria_level, score_assessment
from .base import StoreBase
from .models import Assessment, CriterionAnswer, ModerationEntry, Rating, utcnow

#: Kinds of crossing point a country profile lists (``inland`` offices are not a border kind).
PROFILE_KINDS = tuple(k for k in CROSSING_KINDS if k != "inland")


@dataclass(frozen=True)
class CrossingProfile:
    """Which kinds of crossing point a country has; ``kinds`` is None until recorded."""

    kinds: frozenset[str] | None
    island: bool | None = None
    landlocked: bool | None = None

    def describe(self, framework: Framework | None = None, lang: str | None = None) -> str:
        """The profile in words, in ``lang`` (English when none; the kinds named as ``framework`` names them)."""
        from ..i18n.messages import translator
        _ = translator(lang or "en").gettext
        if self.kinds is None:
            return _("not recorded (every criterion applies)")
        names = {k.id: k.name for k in framework.crossing_kinds} if framework else {}
        kinds = ", ".join(names.get(k, k) for k in PROFILE_KINDS if k in self.kinds) or _("none")
        extra = [w for w, on in ((_("island"), self.island), (_("landlocked"), self.landlocked)) if on]
        return kinds + (f" ({', '.join(extra)})" if extra else "")


def check_profile(kinds: Iterable[str] | None, island: bool | None, landlocked: bool | None, problems: Problems,
                  where: Callable[[str], str] = str) -> CrossingProfile:
    """The rules of a crossing-point profile (the store and every importer use them): known kinds,
    yes/no flags, no seaport in a landlocked country, not both island and landlocked. Problems go
    to ``problems``, located by ``where("kinds" | "island" | "landlocked")``; the clean profile is
    returned (meaningful only when nothing was added to ``problems``)."""
    clean = None
    if kinds is not None:
        if isinstance(kinds, str) or not isinstance(kinds, Iterable):
            problems.add(where("kinds"), "expected a list of kinds of crossing point")
        else:
            clean = []
            for k in kinds:
                if k not in PROFILE_KINDS:
                    problems.add(where("kinds"),
                                 f"{k!r} is not a kind of crossing point; use {', '.join(PROFILE_KINDS)}")
                elif k not in clean:
                    clean.append(k)
    for name, value in (("island", island), ("landlocked", landlocked)):
        if value is not None and not isinstance(value, bool):
            problems.add(where(name), "expected yes or no")
    if landlocked and clean and "sea" in clean:
        problems.add(where("kinds"), "a landlocked country has no seaport: remove 'sea' or untick landlocked")
    if island and landlocked:
        problems.add(where("landlocked"), "a country cannot be both an island and landlocked")
    return CrossingProfile(None if clean is None else frozenset(clean), island if isinstance(island, bool) else None,
                           landlocked if isinstance(landlocked, bool) else None)


def _profile(a: Assessment) -> CrossingProfile:
    return CrossingProfile(None if a.crossing_kinds is None else frozenset(a.crossing_kinds), a.island, a.landlocked)


def _answers(s: Session, assessment_id: int, criterion_ids: Iterable[str] | None = None) -> dict[str, CriterionAnswer]:
    # populate_existing: answers changed earlier in the same transaction by bulk updates are read afresh
    q = (select(CriterionAnswer).where(CriterionAnswer.assessment_id == assessment_id)
         .execution_options(populate_existing=True))
    if criterion_ids is not None:
        q = q.where(CriterionAnswer.criterion_id.in_(list(criterion_ids)))
    return {c.criterion_id: c for c in s.scalars(q)}


class CriteriaStore(StoreBase):
    """Criteria answers, crossing-point profile and moderation of assessments (see the module)."""

    # -- helpers the rating saves use ---------------------------------------------------------
    def _criteria_level(self, s: Session, a: Assessment, fw: Framework, indicator_id: str) -> int | None:
        """The level an indicator's stored answers give (None: no criteria or none answered)."""
        if not fw.has_criteria:
            return None
        ind = fw.indicator(indicator_id)
        stored = _answers(s, a.id, [c.id for c in ind.criteria])
        return criteria_level(ind, {k: v.answer for k, v in stored.items()}, _profile(a).kinds).level

    @staticmethod
    def _override_problem(indicator_id: str, agreed: str | None, derived: int | None, reason: str) -> Problem | None:
        """An agreed level that differs from the criteria needs the team's written reason."""
        if derived is None or agreed is None or not agreed.isdigit() or int(agreed) == derived or reason:
            return None
        return Problem(f"{indicator_id}.override_reason",
                       tmsg("the criteria give level %(derived)s; to record level %(agreed)s instead, write the "
                           "reason (override_reason), or tick the criteria that the level rests on",
                           derived=derived, agreed=agreed))

    # -- criteria answers ---------------------------------------------------------------------
    def save_criteria(self, assessment_id: int, answers: Mapping[str, object], *, by: str,
                      notes: Mapping[str, object] | None = None,
                      expected: Mapping[str, int] | None = None) -> dict[str, int | None]:
        """Record answers (``{criterion_id: "yes" | "no" | "na" | None}``; None clears one) in one
        transaction, then let each touched indicator's agreed level follow its criteria unless
        an override (a reason) is recorded or the agreed value is a code (NA, NE, IE).

        ``expected`` maps criterion ids to the version the editor saw (0: not answered); an answer
        someone changed meanwhile refuses the whole save with :class:`Conflict`. Returns the level
        the criteria now give, per touched indicator.
        """
        fw = self.framework_of(assessment_id)
        problems = Problems()
        clean: dict[str, str | None] = {}
        if not isinstance(answers, Mapping):
            raise InvalidInput(Problem("answers", "expected a mapping of criterion ids to answers"), what="criteria")
        for cid, value in answers.items():
            if not isinstance(cid, str) or cid not in fw.criteria:
                problems.add(str(cid), f"unknown criterion in framework {fw.version}")
                continue
            clean[cid] = problems.take(parse_answer, value, cid) if value is not None else None
        clean_notes = {}
        for cid, note in (notes or {}).items():
            if cid not in clean:
                problems.add(f"{cid}.note", "a note goes with an answer in the same save")
                continue
            clean_notes[cid] = problems.take(parse_text, note, f"{cid}.note", max_len=MAX_LONG)
        for cid, v in (expected or {}).items():
            problems.extend(self._check_version(v, f"{cid}.expected_version"))
        who = problems.take(self._who, by)
        problems.raise_if_any(what="criteria")
        now = utcnow()
        touched: dict[str, int | None] = {}
        with self._sessions.begin() as s:
            a = self._writable(s, assessment_id)
            self._refuse_names(s, a.id, [(f"{cid}.note", n) for cid, n in clean_notes.items() if n], what="criteria")
            stored = _answers(s, a.id, clean)
            stale = [cid for cid, v in (expected or {}).items()
                     if v is not None and (stored[cid].version if cid in stored else 0) != v]
            if stale:
                raise Conflict("changed by someone else since you opened it, nothing saved: " + "; ".join(
                    f"{cid} (now {stored[cid].answer if cid in stored else 'unanswered'}, by "
                    f"{stored[cid].updated_by if cid in stored else 'someone'})" for cid in stale),
                    current={cid: stored[cid].answer if cid in stored else None for cid in stale})
            for cid, answer in clean.items():
                row = stored.get(cid)
                note = clean_notes.get(cid)
                old = row.answer if row else None
                if answer is None:
                    if row is not None:
                        s.delete(row)
                        self._audit(s, assessment_id=a.id, entity="criterion", entity_key=cid, field="answer",
                                         old=old, new=None, who=who, at=now)
                    touched.setdefault(fw.indicator_of_criterion(cid).id, None)
                    continue
                if row is None:
                    s.add(CriterionAnswer(assessment_id=a.id, criterion_id=cid, answer=answer, note=note or "",
                                          version=1, updated_at=now, updated_by=who))
                elif old != answer or (note is not None and note != row.note):
                    res = s.execute(update(CriterionAnswer)
                                    .where(CriterionAnswer.id == row.id, CriterionAnswer.version == row.version)
                                    .values(answer=answer, note=row.note if note is None else note,
                                            version=CriterionAnswer.version + 1, updated_at=now, updated_by=who)
                                    .execution_options(synchronize_session=False))
                    if res.rowcount != 1:
                        raise Conflict(f"{cid} was changed by someone else during this save; nothing saved")
                else:
                    continue
                if old != answer:
                    self._audit(s, assessment_id=a.id, entity="criterion", entity_key=cid, field="answer",
                                     old=old, new=answer, who=who, at=now)
                if note is not None and (row is None or note != row.note):
                    self._audit(s, assessment_id=a.id, entity="criterion", entity_key=cid, field="note",
                                     old=row.note if row else None, new=note, who=who, at=now)
                touched.setdefault(fw.indicator_of_criterion(cid).id, None)
            s.flush()
            for ind_id in touched:
                touched[ind_id] = derived = self._criteria_level(s, a, fw, ind_id)
                self._follow_criteria(s, a.id, ind_id, derived, who, now)
        return touched

    def _follow_criteria(self, s: Session, assessment_id: int, indicator_id: str, derived: int | None, who: str,
                         now: dt.datetime) -> None:
        """Set the agreed level to what the criteria give, unless overridden or coded."""
        r = s.scalars(select(Rating).where(Rating.assessment_id == assessment_id,
                                           Rating.indicator_id == indicator_id)
                      .execution_options(populate_existing=True)).first()
        if derived is None:
            return
        new = str(derived)
        if r is None:
            s.add(Rating(assessment_id=assessment_id, indicator_id=indicator_id, agreed=new, notes="",
                         override_reason="", version=1, updated_at=now, updated_by=who))
        elif r.agreed in ("NA", "NE", "IE") or (r.override_reason and r.agreed != new) or r.agreed == new:
            if r.agreed == new and r.override_reason:  # the criteria caught up with the override
                s.execute(update(Rating).where(Rating.id == r.id).values(
                    override_reason="", version=Rating.version + 1, updated_at=now, updated_by=who)
                    .execution_options(synchronize_session=False))
                self._audit(s, assessment_id=assessment_id, entity="rating", entity_key=indicator_id,
                                 field="override_reason", old=r.override_reason, new="", who=who, at=now)
            return
        else:
            s.execute(update(Rating).where(Rating.id == r.id).values(
                agreed=new, version=Rating.version + 1, updated_at=now, updated_by=who)
                .execution_options(synchronize_session=False))
        self._audit(s, assessment_id=assessment_id, entity="rating", entity_key=indicator_id, field="agreed",
                         old=None if r is None else r.agreed, new=new, who=who, at=now)

    def criteria_frame(self, assessment_id: int) -> pd.DataFrame:
        """One row per answered criterion: ``criterion_id``, ``indicator_id``, ``level``, ``answer``,
        ``note``, ``version``, ``updated_by``, ``updated_at``."""
        cols = ["criterion_id", "indicator_id", "level", "answer", "note", "version", "updated_by", "updated_at"]
        fw = self.framework_of(assessment_id)
        with self._sessions() as s:
            rows = s.scalars(select(CriterionAnswer).where(CriterionAnswer.assessment_id == assessment_id)
                             .order_by(CriterionAnswer.criterion_id)).all()
            hidden, quiet = self._restricted_for_actor(s, assessment_id)
        out = [(c.criterion_id, ind, fw.criterion(c.criterion_id).level, c.answer, "" if ind in quiet else c.note,
                c.version, c.updated_by, c.updated_at)
               for c in rows if c.criterion_id in fw.criteria
               for ind in [fw.indicator_of_criterion(c.criterion_id).id] if ind not in hidden]
        return pd.DataFrame(out, columns=cols)

    def _restricted_for_actor(self, s: Session, assessment_id: int) -> tuple[set[str], set[str]]:
        """Indicators whose finding, and those whose note, the actor may not read (both empty
        for those who may read restricted content)."""
        if self._may(s, assessment_id, "read_restricted"):
            return set(), set()
        rows = s.execute(select(Rating.indicator_id, Rating.restricted, Rating.notes_restricted)
                         .where(Rating.assessment_id == assessment_id)).all()
        return {i for i, r, _ in rows if r}, {i for i, r, n in rows if n or r}

    # -- crossing-point profile -------------------------------------------------------------------
    def crossing_profile(self, assessment_id: int) -> CrossingProfile:
        with self._sessions() as s:
            return _profile(self._assessment(s, assessment_id))

    def set_crossing_profile(self, assessment_id: int, *, kinds: Iterable[str] | None, by: str,
                             island: bool | None = None, landlocked: bool | None = None) -> CrossingProfile:
        """Record which kinds of crossing point the country has (``None`` forgets the profile, so
        every criterion applies again). A landlocked country has no seaport."""
        problems = Problems()
        after = check_profile(kinds, island, landlocked, problems)
        who = problems.take(self._who, by)
        problems.raise_if_any(what="crossing-point profile")
        with self._sessions.begin() as s:
            a = self._writable(s, assessment_id)
            before = _profile(a)
            if before != after:
                old, new = before.describe(), after.describe()
                a.crossing_kinds = None if after.kinds is None else [k for k in PROFILE_KINDS if k in after.kinds]
                a.island, a.landlocked = island, landlocked
                self._audit(s, assessment_id=a.id, entity="assessment", entity_key=str(a.id),
                            field="crossing_profile", old=old, new=new, who=who)
            return after

    # -- moderation (the consensus session) -------------------------------------------------------
    def record_moderation(self, assessment_id: int, *, held_on, participants, changes: list[Mapping],
                          by: str) -> int:
        """Record a consensus session: for each indicator discussed, the agreed value it left
        with and why (``changes``: ``[{indicator_id, agreed, note}]``). The agreed values are saved
        in the same transaction (an agreed level that differs from the criteria keeps the note as
        its override reason); the record keeps the value before and after. Returns how many
        entries were recorded.
        """
        fw = self.framework_of(assessment_id)
        problems = Problems()
        day = problems.take(read_date, held_on, "held_on")
        if day is not None and day > dt.date.today():
            problems.add("held_on", f"{day.isoformat()} is in the future")
        names = participants if isinstance(participants, str) else ", ".join(
            str(p).strip() for p in (participants or []) if str(p).strip())
        names = problems.take(parse_text, names, "participants", max_len=MAX_LONG, required=True)
        plan = []
        if not changes:
            problems.add("changes", "name at least one indicator discussed")
        for n, ch in enumerate(changes or []):
            where = f"changes[{n}]"
            if not isinstance(ch, Mapping):
                problems.add(where, "expected a mapping with indicator_id, agreed and note")
                continue
            ind_id = ch.get("indicator_id")
            if ind_id not in fw.indicators:
                problems.add(f"{where}.indicator_id", f"unknown indicator {ind_id!r}")
                continue
            agreed = problems.take(parse_rating, ch.get("agreed"), f"{ind_id}.agreed")
            note = problems.take(parse_text, ch.get("note"), f"{ind_id}.note", max_len=MAX_LONG, required=True)
            plan.append((ind_id, agreed, note))
        who = problems.take(self._who, by)
        problems.raise_if_any(what="moderation record")
        now = utcnow()
        with self._sessions.begin() as s:
            a = self._writable(s, assessment_id)
            for ind_id, agreed, note in plan:
                r = s.scalars(select(Rating).where(Rating.assessment_id == a.id,
                                                   Rating.indicator_id == ind_id)).first()
                before = r.agreed if r else None
                derived = self._criteria_level(s, a, fw, ind_id)
                reason = note if self._override_problem(ind_id, agreed, derived, "") else ""
                if before != agreed or (r is not None and r.override_reason != reason):
                    if r is None:
                        s.add(Rating(assessment_id=a.id, indicator_id=ind_id, agreed=agreed, notes="",
                                     override_reason=reason, version=1, updated_at=now, updated_by=who))
                    else:
                        s.execute(update(Rating).where(Rating.id == r.id).values(
                            agreed=agreed, override_reason=reason, version=Rating.version + 1, updated_at=now,
                            updated_by=who).execution_options(synchronize_session=False))
                    if before != agreed:
                        self._audit(s, assessment_id=a.id, entity="rating", entity_key=ind_id, field="agreed",
                                         old=before, new=agreed, who=who, at=now)
                s.add(ModerationEntry(assessment_id=a.id, indicator_id=ind_id, held_on=day, participants=names,
                                      before=before, after=agreed, note=note, recorded_by=who, recorded_at=now))
                self._audit(s, assessment_id=a.id, entity="moderation", entity_key=ind_id, field="recorded",
                                 old=before, new=agreed, who=who, at=now)
        return len(plan)

    def moderation_frame(self, assessment_id: int) -> pd.DataFrame:
        """Every moderation entry: ``held_on``, ``participants``, ``indicator_id``, ``before``,
        ``after``, ``note``, ``recorded_by``, ``recorded_at``."""
        cols = ["held_on", "participants", "indicator_id", "before", "after", "note", "recorded_by", "recorded_at"]
        with self._sessions() as s:
            self._assessment(s, assessment_id)
            rows = s.execute(select(*(getattr(ModerationEntry, c) for c in cols))
                             .where(ModerationEntry.assessment_id == assessment_id)
                             .order_by(ModerationEntry.held_on, ModerationEntry.id)).all()
            hidden, quiet = self._restricted_for_actor(s, assessment_id)
        rows = [tuple(r) for r in rows if r.indicator_id not in hidden]
        rows = [r[:5] + ("",) + r[6:] if r[2] in quiet else r for r in rows]
        return pd.DataFrame(rows, columns=cols)

    # -- scoring ----------------------------------------------------------------------------------
    def scores(self, assessment_id: int, *, as_of: dt.date | None = None) -> Scores:
        """The assessment scored against its own framework version, with its criteria answers
        and crossing-point profile (:func:`workbook.scoring.score_assessment`)."""
        fw = self.framework_of(assessment_id)
        return score_assessment(fw, self.ratings_frame(assessment_id), self.evidence_frame(assessment_id),
                                criteria=self.criteria_frame(assessment_id),
                                kinds=self.crossing_profile(assessment_id).kinds, as_of=as_of)

"""The field mission in the single-file package (format version 3): the plan, desk review,
register, schedule, visits with their checklist answers, interviews and attachments (bytes in
base64, checked against their SHA-256 on the way in).

Evidence observed at a visit is not written with the ratings: the visits bring it back, linked to
them. On import into a database without the assessment, the mission is recreated through
:class:`~workbook.mission.MissionStore` with its rules, after the assessment; if any of it is
refused, the assessment just created is removed again, so the import is all or nothing, and the
problems are located in the package (``mission.visits[2].day``). Merged into an assessment that
exists here (:func:`plan_mission_merge`), what is not here yet is added in the import's transaction
and what is here is left as it is, with a note when the package's differs.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import InvalidInput, Problem, Problems, WorkbookError
from ..mission import MissionStore
from ..mission import attachments as files
from ..mission.fields import DOCUMENT_FIELDS, EVENT_FIELDS, PLAN_FIELDS, POST_FIELDS
from ..store.models import Assessment, Attachment, Evidence, Rating
from .plan import removed_on_failure


def mission_section(mission: MissionStore, assessment_id: int) -> dict | None:
    """The mission of an assessment as plain data, None when nothing is recorded."""
    plan = mission.get_plan(assessment_id)
    posts = mission.posts_frame(assessment_id)
    if plan is None and posts.empty and mission.documents_frame(assessment_id).empty:
        return None
    visits = mission.visits_frame(assessment_id)
    observations = mission.observations_frame(assessment_id)
    viewer = _first_member(mission, assessment_id)
    interviews = mission.interviews_frame(assessment_id, viewer=viewer) if viewer else None
    section = {
        "plan": None if plan is None else {"objectives": plan["objectives"], "scope": plan["scope"],
                                           "starts": plan["starts"].isoformat(), "ends": plan["ends"].isoformat(),
                                           "roles": plan["roles"]},
        "documents": [{k: _plain(r[k]) for k in ("title", "requested_from", "requested", "received", "note")}
                      for r in mission.documents_frame(assessment_id).to_dict("records")],
        "posts": [{k: _plain(r[k]) for k in POST_FIELDS} for r in posts.to_dict("records")],
        "events": [{k: _plain(r[k]) for k in ("day", "kind", "post", "place", "subject")}
                   for r in mission.schedule_frame(assessment_id).to_dict("records")],
        "visits": [{"post": v["post"], "day": v["day"].isoformat(), "why": v["why"], "team": v["team"],
                    "key_observations": v["key_observations"],
                    "observations": [{"criterion": o["criterion_id"], "result": o["result"], "note": o["note"]}
                                     for o in observations.to_dict("records") if o["visit_id"] == v["visit_id"]]}
                   for v in visits.to_dict("records")],
        "interviews": [] if interviews is None else [
            {"role": i["role"], "agency": i["agency"], "sex": i["sex"], "day": i["day"].isoformat(),
             "place": _plain(i["post"]) or _plain(i["place"]), "consent": bool(i["consent"]),
             "anonymity": bool(i["anonymity"]), "summary": i["summary"]} for i in interviews.to_dict("records")],
        "attachments": _attachments(mission, assessment_id, visits, interviews, viewer),
    }
    return section


def _first_member(mission: MissionStore, assessment_id: int) -> str | None:
    with Session(mission.engine) as s:
        a = s.get(Assessment, assessment_id)
        return a.team[0].name if a.team else None


def _plain(v):
    """A frame's value as JSON: dates as ISO text, numpy and pandas scalars as Python ones."""
    if isinstance(v, list):
        return list(v)
    if v is None or (not isinstance(v, (str, bool)) and pd.isna(v)):
        return None
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return v.item() if hasattr(v, "item") else v


def _attachments(mission: MissionStore, assessment_id: int, visits, interviews, viewer) -> list[dict]:
    visit_key = {v["visit_id"]: [v["post"], v["day"].isoformat()] for v in visits.to_dict("records")}
    interview_index = {} if interviews is None else {i: n for n, i in enumerate(interviews["interview_id"])}
    evidence_key = _evidence_keys(mission, assessment_id)
    out = []
    with Session(mission.engine) as s:
        rows = s.scalars(select(Attachment).where(Attachment.assessment_id == assessment_id)
                         .order_by(Attachment.id)).all()
    for t in rows:
        if t.visit_id is not None:
            link = {"visit": visit_key[t.visit_id]}
        elif t.interview_id is not None:
            if t.interview_id not in interview_index:
                continue
            link = {"interview": interview_index[t.interview_id]}
        else:
            if t.evidence_id not in evidence_key:
                continue
            link = {"evidence": evidence_key[t.evidence_id]}
        _, content = mission.attachment_bytes(t.id, viewer=viewer)
        out.append({"link": link, "filename": t.filename, "caption": t.caption, "location_kept": t.location_kept,
                    "sha256": t.sha256, "content": base64.b64encode(content).decode("ascii")})
    return out


def _evidence_keys(mission: MissionStore, assessment_id: int) -> dict[int, list]:
    """Typed evidence record id -> ``[indicator_id, position among the indicator's typed records]``."""
    with Session(mission.engine) as s:
        rows = s.execute(select(Evidence.id, Rating.indicator_id).join(Rating, Evidence.rating_id == Rating.id)
                         .where(Rating.assessment_id == assessment_id, Evidence.visit_id.is_(None))
                         .order_by(Rating.indicator_id, Evidence.id)).all()
    out, seen = {}, {}
    for eid, ind in rows:
        out[eid] = [ind, seen.get(ind, 0)]
        seen[ind] = seen.get(ind, 0) + 1
    return out


#: The lists of a package's mission and, for those written field by field, the fields they may have.
MISSION_LISTS = ("documents", "posts", "events", "visits", "interviews", "attachments")
_FIELDS = {"plan": PLAN_FIELDS, "documents": DOCUMENT_FIELDS, "events": EVENT_FIELDS}


def check_shape(section, source: str) -> None:
    """A located error unless the package's mission has the shape the rules read: an object, its
    plan an object (or null), each list a list of objects with known fields, each attachment's
    link an object. The values themselves are checked by the mission store's rules."""
    at = f"{source}: mission"
    problems = Problems()
    if not isinstance(section, Mapping):
        raise InvalidInput(Problem(at, "expected an object with the mission's plan and lists"), what=source)
    for key in sorted(set(section) - {"plan", *MISSION_LISTS}, key=str):
        problems.add(f"{at}.{key}", "is not a part of a mission")
    plan = section.get("plan")
    if plan is not None and not isinstance(plan, Mapping):
        problems.add(f"{at}.plan", "expected an object with the terms of reference (or null)")
    records = [("plan", None, plan)] if isinstance(plan, Mapping) else []
    for key in MISSION_LISTS:
        value = section.get(key)
        if value is None:
            continue
        if not isinstance(value, list):
            problems.add(f"{at}.{key}", "expected a list")
            continue
        for i, r in enumerate(value):
            if not isinstance(r, Mapping):
                problems.add(f"{at}.{key}[{i}]", "expected an object")
            elif key == "attachments" and not isinstance(r.get("link"), Mapping):
                problems.add(f"{at}.{key}[{i}].link", "expected an object naming a visit, an interview or evidence")
            else:
                records.append((key, i, r))
    for key, i, r in records:
        for name in sorted(set(r) - set(_FIELDS.get(key, r)), key=str):
            problems.add(f"{at}.{key}{'' if i is None else f'[{i}]'}.{name}", "is not a field of it")
    problems.raise_if_any(what=source)


def restore_mission(mission: MissionStore, assessment_id: int, section: Mapping, *, by: str, source: str) -> None:
    """Recreate a package's mission in an assessment just created from it; on any problem the
    assessment is removed again and the problems raised, located in the package."""
    with removed_on_failure(mission.engine, assessment_id):
        check_shape(section, source)
        _write(mission, assessment_id, section, by=by, source=source)


def _write(mission: MissionStore, aid: int, section: Mapping, *, by: str, source: str,
           interview_ids: list[int | None] | None = None, evidence_of=None, dry_run: bool = False,
           index: Mapping[str, list[int]] | None = None) -> int:
    """Write ``section`` (a package's mission, or the part of it a merge adds) into assessment
    ``aid``; problems are located in the package. Returns how many records were written.

    Attachments name their record by the package's keys: a visit by post and day (looked up here
    after the visits are written), an interview by its index in the package (``interview_ids``:
    the id here of each package interview already here, None for those this write adds, in
    order; default: all added) and typed evidence by indicator and position (``evidence_of``:
    the id here, or None when it is not here yet; default: the positions here).
    ``dry_run`` (a merge's check, in a transaction that is rolled back): an attachment whose
    evidence the ratings merge has not brought yet is checked but not written. ``index``: for
    a part of the package's mission, the position in the package of each record of a list (so
    that a problem names the package's record)."""
    at = f"{source}: mission"

    def pos(key: str, i: int) -> int:
        return index[key][i] if index and key in index else i

    def located(exc: InvalidInput, prefix: str) -> InvalidInput:
        return InvalidInput([Problem(f"{at}.{p.location}" if p.location.startswith(prefix) else
                                     f"{at}.{prefix}: {p.location}", p.message) for p in exc.problems], what=source)

    written, added = 0, []
    steps = []
    if section.get("plan"):
        steps.append(("plan", lambda: mission.set_plan(aid, by=by, **section["plan"]) and 1))
    for i, d in enumerate(section.get("documents") or []):
        steps.append((f"documents[{pos('documents', i)}]", lambda d=d: mission.add_document(aid, by=by, **d) and 1))
    if section.get("posts"):
        steps.append(("posts", lambda: mission.save_posts(aid, section["posts"], by=by, update=False,
                                                          where_of=lambda i: f"posts[{pos('posts', i)}]")["added"]))
    for i, ev in enumerate(section.get("events") or []):
        steps.append((f"events[{pos('events', i)}]", lambda ev=ev: mission.add_event(aid, by=by, **ev) and 1))
    if section.get("visits"):
        steps.append(("visits", lambda: len(mission.record_visits(aid, section["visits"], by=by,
                                                                  where_of=lambda i: f"visits[{pos('visits', i)}]"))))
    if section.get("interviews"):
        def log_interviews():
            added.extend(mission.record_interviews(aid, section["interviews"], by=_member(mission, aid, by),
                                                   where_of=lambda i: f"interviews[{pos('interviews', i)}]"))
            return len(added)
        steps.append(("interviews", log_interviews))
    for prefix, step in steps:
        try:
            written += step()
        except InvalidInput as exc:
            raise located(exc, prefix.split("[")[0]) from None
    visits = {(v["post"], v["day"].isoformat()): v["visit_id"] for v in mission.visits_frame(aid).to_dict("records")}
    new_ids = iter(added)
    interviews = [here if here is not None else next(new_ids, None)
                  for here in (interview_ids if interview_ids is not None else [None] * len(added))]
    if evidence_of is None:
        keys = {tuple(k): eid for eid, k in _evidence_keys(mission, aid).items()}
        evidence_of = keys.get
    viewer = _member(mission, aid, by) if mission.team(aid) else None
    here = set() if viewer is None else {(t["sha256"], t["linked_to"]) for t in
                                         mission.attachments_frame(aid, viewer=viewer).to_dict("records")}
    for i, t in enumerate(section.get("attachments") or []):
        where = f"{at}.attachments[{pos('attachments', i)}]"
        try:
            content = base64.b64decode(t.get("content") or "", validate=True)
        except (binascii.Error, ValueError, TypeError):
            raise InvalidInput(Problem(f"{where}.content", "is not base64 text"), what=source) from None
        if hashlib.sha256(content).hexdigest() != t.get("sha256"):
            raise InvalidInput(Problem(f"{where}.content", "does not match its sha256: the package is damaged"),
                               what=source)
        link = t.get("link") or {}
        target = {}
        try:
            if "visit" in link:
                target = {"visit": visits[tuple(link["visit"])]}
            elif "interview" in link:
                target = {"interview": interviews[link["interview"]]}
            elif "evidence" in link:
                target = {"evidence": evidence_of(tuple(link["evidence"]))}
            kind, ref = next(iter(target.items()))
        except (KeyError, IndexError, TypeError, StopIteration):
            raise InvalidInput(Problem(f"{where}.link", f"{link!r} names no record of the package"),
                               what=source) from None
        if ref is None and kind == "evidence" and dry_run:
            try:  # its evidence comes with the ratings merge: check the file only
                files.check_attachment(content, t.get("filename"), keep_location=bool(t.get("location_kept")))
            except InvalidInput as exc:
                raise InvalidInput([Problem(f"{where}: {p.location}", p.message) for p in exc.problems],
                                   what=source) from None
            continue
        if ref is None:
            raise InvalidInput(Problem(f"{where}.link", f"{link!r} names no record of the package"), what=source)
        if (t.get("sha256"), f"{kind} {ref}") in here:
            continue  # already attached to that record here
        try:
            mission.add_attachment(aid, content, t.get("filename"), by=by, caption=t.get("caption") or "",
                                   keep_location=bool(t.get("location_kept")), **target)
            written += 1
        except InvalidInput as exc:
            raise InvalidInput([Problem(f"{where}: {p.location}", p.message) for p in exc.problems],
                               what=source) from None
    return written


# -- merging a package's mission into an assessment that exists here --------------------------------
def _key(v):
    """``v`` as a dictionary key: text and numbers as they are, anything else (a list a damaged
    package may hold) as its repr, which matches nothing here."""
    return v if isinstance(v, (str, int, float, bool, type(None))) else repr(v)


def _norm(v) -> str:
    return " ".join(str(v if v is not None else "").split()).casefold()


def _document_key(d: Mapping) -> tuple:
    return _norm(d.get("title")), _norm(d.get("requested_from"))


def _event_key(e: Mapping) -> tuple:
    return str(_plain(e.get("day"))), _norm(e.get("kind")), _norm(e.get("post")), _norm(e.get("place")), \
        _norm(e.get("subject"))


def _interview_key(i: Mapping) -> tuple:
    return (_norm(i.get("role")), _norm(i.get("agency")), _norm(i.get("sex")), str(_plain(i.get("day"))),
            _norm(i.get("place")), _norm(i.get("summary")))


@dataclass
class MissionMerge:
    """What merging a package's mission adds to an assessment here, and what it leaves as it is."""

    section: dict
    interview_ids: list[int | None]
    evidence: dict[tuple, tuple[str, tuple]]  # package (indicator, position) -> (indicator here, values)
    notes: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    #: Each list of ``section``: the position in the package of each of its records.
    index: dict[str, list[int]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not any(self.section.get(k) for k in ("plan", "documents", "posts", "events", "visits", "interviews",
                                                     "attachments"))

    def evidence_of(self, mission: MissionStore, aid: int):
        """(package indicator, position) -> the evidence id here with the same values, or None."""
        with Session(mission.engine) as s:
            rows = s.execute(select(Evidence.id, Rating.indicator_id, Evidence.type, Evidence.source, Evidence.date,
                                    Evidence.reference)
                             .join(Rating, Evidence.rating_id == Rating.id)
                             .where(Rating.assessment_id == aid, Evidence.visit_id.is_(None))
                             .order_by(Evidence.id)).all()
        here: dict[tuple, int] = {}
        for eid, ind, *values in rows:
            here.setdefault((ind, _evidence_values(*values)), eid)

        def find(key: tuple) -> int | None:
            ind, values = self.evidence[key]
            return here.get((ind, values))
        return find

    def write(self, mission: MissionStore, aid: int, *, by: str, source: str, dry_run: bool = False) -> int:
        return _write(mission, aid, self.section, by=by, source=source, interview_ids=self.interview_ids,
                      evidence_of=self.evidence_of(mission, aid), dry_run=dry_run, index=self.index)

    def keep(self, key: str, records: list, new) -> None:
        """Put the records of the package's list ``key`` for which ``new(record)`` holds in the
        merge, remembering their positions in the package."""
        kept = [(i, r) for i, r in enumerate(records) if new(r)]
        self.section[key] = [r for _, r in kept]
        self.index[key] = [i for i, _ in kept]


def _evidence_values(kind, source, date, reference) -> tuple:
    return _norm(kind), _norm(source), str(_plain(date) or ""), _norm(reference)


def plan_mission_merge(mission: MissionStore, aid: int, section: Mapping, evidence_rows) -> MissionMerge:
    """Merge rule for the field mission: what is not here yet is added (documents, posts by code,
    schedule events, visits by post and day, interviews, attachments by content and record);
    what is here is left as it is, with a note when the package's differs (the plan, a post).
    ``evidence_rows``: (indicator here, the package's rating) of the package's ratings, for the
    attachments of typed evidence."""
    merge = MissionMerge(section={}, interview_ids=[], evidence={})
    plan = mission.get_plan(aid)
    theirs = section.get("plan")
    if theirs and plan is None:
        merge.section["plan"] = theirs
        merge.lines.append(f"  terms of reference ({theirs.get('starts')} to {theirs.get('ends')})")
    elif theirs and any(_norm(_plain(plan[k])) != _norm(theirs.get(k)) for k in ("objectives", "scope", "starts",
                                                                                   "ends")):
        merge.notes.append("the package's mission plan differs from this installation's; it was left as it is here")
    docs = {_document_key(d) for d in mission.documents_frame(aid).to_dict("records")}
    merge.keep("documents", section.get("documents") or [], lambda d: _document_key(d) not in docs)
    posts = {p["code"]: p for p in mission.posts_frame(aid).to_dict("records")}
    merge.keep("posts", section.get("posts") or [], lambda p: _key(p.get("code")) not in posts)
    differing = [str(p.get("code")) for p in section.get("posts") or [] if _key(p.get("code")) in posts
                 and any(_plain(posts[p["code"]][k]) != p.get(k) for k in POST_FIELDS if k in p)]
    if differing:
        merge.notes.append(f"{len(differing)} post(s) of the package differ from this installation's register "
                           f"({', '.join(differing[:8])}{', ...' if len(differing) > 8 else ''}); they were left "
                           "as they are here")
    events = {_event_key(e) for e in mission.schedule_frame(aid).to_dict("records")}
    merge.keep("events", section.get("events") or [], lambda e: _event_key(e) not in events)
    visits = {(v["post"], v["day"].isoformat()) for v in mission.visits_frame(aid).to_dict("records")}
    merge.keep("visits", section.get("visits") or [], lambda v: (_key(v.get("post")), _key(v.get("day"))) not in visits)
    viewer = _first_member(mission, aid)
    here = {} if viewer is None else {
        _interview_key({**i, "place": _plain(i["post"]) or _plain(i["place"])}): i["interview_id"]
        for i in mission.interviews_frame(aid, viewer=viewer).to_dict("records")}
    merge.interview_ids = [here.get(_interview_key(i)) for i in section.get("interviews") or []]
    known = iter(merge.interview_ids)
    merge.keep("interviews", section.get("interviews") or [], lambda _: next(known) is None)
    for ind_here, r in evidence_rows:
        typed = [e for e in r.evidence]
        for pos, e in enumerate(typed):
            merge.evidence[(r.indicator_id, pos)] = (ind_here, _evidence_values(e.type, e.source, e.date, e.reference))
    new = _new_attachments(mission, aid, section.get("attachments") or [], merge, viewer)
    merge.keep("attachments", section.get("attachments") or [], lambda t: any(t is n for n in new))
    counts = [(len(merge.section[k]), k) for k in ("documents", "posts", "events", "visits", "interviews",
                                                   "attachments")]
    merge.lines += [f"  {n} {what}" for n, what in counts if n]
    return merge


def _new_attachments(mission: MissionStore, aid: int, attachments: list, merge: MissionMerge, viewer) -> list:
    """The package's attachments that are not yet on their record here (same content, same
    visit, interview or evidence record); those of records the merge adds are all new."""
    if viewer is None or not attachments:
        return list(attachments)
    here = {(t["sha256"], t["linked_to"]) for t in mission.attachments_frame(aid, viewer=viewer).to_dict("records")}
    visits = {(v["post"], v["day"].isoformat()): v["visit_id"] for v in mission.visits_frame(aid).to_dict("records")}
    evidence_of = merge.evidence_of(mission, aid)
    new = []
    for t in attachments:
        link, ref = t.get("link") or {}, None
        try:
            if "visit" in link:
                kind, ref = "visit", visits.get(tuple(link["visit"]))
            elif "interview" in link:
                kind, ref = "interview", merge.interview_ids[link["interview"]]
            elif "evidence" in link:
                kind, ref = "evidence", evidence_of(tuple(link["evidence"]))
        except (KeyError, IndexError, TypeError):
            pass  # a link that names nothing: the write says where
        if ref is None or (t.get("sha256"), f"{kind} {ref}") not in here:
            new.append(t)
    return new


def _member(mission: MissionStore, aid: int, by: str) -> str:
    """Who logs the package's interviews: the importer when on the team, else the first member."""
    with Session(mission.engine) as s:
        names = [m.name for m in s.get(Assessment, aid).team]
    if by in names:
        return by
    if not names:
        raise WorkbookError("the package has interviews but no team to log them")
    return names[0]


def describe(section: Mapping | None) -> str:
    if not section:
        return "no field mission"
    return (f"field mission: {len(section.get('posts') or [])} post(s), {len(section.get('visits') or [])} "
            f"visit(s), {len(section.get('interviews') or [])} interview(s), "
            f"{len(section.get('attachments') or [])} attachment(s)")

"""The field mission in the single-file package (format version 3): the plan, desk review,
register, schedule, visits with their checklist answers, interviews and attachments (bytes in
base64, checked against their SHA-256 on the way in).

Evidence observed at a visit is not written with the ratings: the visits bring it back, linked to
them. On import into a database without the assessment, the mission is recreated through
:class:`~workbook.mission.MissionStore` with its rules, after the assessment; if any of it is
refused, the assessment just created is removed again, so the import is all or nothing, and the
problems are located in the package (``mission.visits[2].day``). Merged into an assessment that
exists here, the package's mission is left out, with a note.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Mapping

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import InvalidInput, Problem, WorkbookError
from ..mission import MissionStore
from ..mission.fields import POST_FIELDS
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
             "place": i["post"] or i["place"], "consent": bool(i["consent"]), "anonymity": bool(i["anonymity"]),
             "summary": i["summary"]} for i in interviews.to_dict("records")],
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


def restore_mission(mission: MissionStore, assessment_id: int, section: Mapping, *, by: str, source: str) -> None:
    """Recreate a package's mission in an assessment just created from it; on any problem the
    assessment is removed again and the problems raised, located in the package."""
    with removed_on_failure(mission.engine, assessment_id):
        _restore(mission, assessment_id, section, by=by, source=source)


def _restore(mission: MissionStore, aid: int, section: Mapping, *, by: str, source: str) -> None:
    at = f"{source}: mission"

    def located(exc: InvalidInput, prefix: str) -> InvalidInput:
        return InvalidInput([Problem(f"{at}.{p.location}" if p.location.startswith(prefix) else
                                     f"{at}.{prefix}: {p.location}", p.message) for p in exc.problems], what=source)

    steps = []
    if section.get("plan"):
        steps.append(("plan", lambda: mission.set_plan(aid, by=by, **section["plan"])))
    for i, d in enumerate(section.get("documents") or []):
        steps.append((f"documents[{i}]", lambda d=d: mission.add_document(aid, by=by, **d)))
    if section.get("posts"):
        steps.append(("posts", lambda: mission.save_posts(aid, section["posts"], by=by, update=False)))
    for i, ev in enumerate(section.get("events") or []):
        steps.append((f"events[{i}]", lambda ev=ev: mission.add_event(aid, by=by, **ev)))
    if section.get("visits"):
        steps.append(("visits", lambda: mission.record_visits(aid, section["visits"], by=by)))
    if section.get("interviews"):
        steps.append(("interviews", lambda: mission.record_interviews(aid, section["interviews"], by=_member(mission,
                                                                                                          aid, by))))
    for prefix, step in steps:
        try:
            step()
        except InvalidInput as exc:
            raise located(exc, prefix.split("[")[0]) from None
    visits = {(v["post"], v["day"].isoformat()): v["visit_id"] for v in mission.visits_frame(aid).to_dict("records")}
    viewer = _member(mission, aid, by)
    interviews = list(mission.interviews_frame(aid, viewer=viewer)["interview_id"]) if viewer else []
    evidence = {tuple(k): eid for eid, k in _evidence_keys(mission, aid).items()}
    for i, t in enumerate(section.get("attachments") or []):
        where = f"{at}.attachments[{i}]"
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
                target = {"evidence": evidence[tuple(link["evidence"])]}
        except (KeyError, IndexError, TypeError):
            raise InvalidInput(Problem(f"{where}.link", f"{link!r} names no record of the package"),
                               what=source) from None
        try:
            mission.add_attachment(aid, content, t.get("filename"), by=by, caption=t.get("caption") or "",
                                   keep_location=bool(t.get("location_kept")), **target)
        except InvalidInput as exc:
            raise InvalidInput([Problem(f"{where}: {p.location}", p.message) for p in exc.problems],
                               what=source) from None


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

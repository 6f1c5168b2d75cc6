"""XLSForms for the field mission (KoboToolbox / ODK Collect): one to record a site visit, one to
log an interview; and the import of the submissions those tools export.

* **Site visit**: the post (choices from the register), the day (within the mission's dates),
  why, who went (choices from the team), then the checklist of the post's kind: one yes / no /
  not-applicable question per criterion observable at such a post (a group per kind, shown only
  when the post chosen is of that kind), and the key observations, one per line.
* **Interview**: role, agency, sex, day, the post (if at one) or the place, consent, anonymity
  and the summary (asked only with consent). No question asks for a name.

Hidden ``calculate`` fields say which form, country and round the submissions are for. The
import reads the CSV or XLSX export (headers may carry group paths, values are choice names),
and saves every submission in one transaction with the store's rules
(:meth:`MissionStore.record_visits`, :meth:`MissionStore.record_interviews`): every problem is
located at its cell (``visits!C3 (day)``), and nothing is saved when one is found.
"""
from __future__ import annotations

import re
from pathlib import Path

from ..errors import InvalidInput, NotFound, Problem
from ..mission.fields import KIND_NAMES, SEXES, checklist
from .xlsform import _literal, _read_tables, _Table, write_form

FORMS = {"visit": "mbm_site_visit", "interview": "mbm_interview"}
RESULTS = (("yes", "Yes, met"), ("no", "No, not met"), ("na", "Not applicable here"))
SEX_LABELS = {"female": "Female", "male": "Male", "other": "Other", "not_recorded": "Not recorded"}


def slug(name: str) -> str:
    """A team member's choice name: ``Ana Costa`` -> ``ana_costa``."""
    return re.sub(r"\W+", "_", name.casefold()).strip("_") or "member"


def question(criterion_id: str, kind: str) -> str:
    """The field name of a checklist question: ``ADM.1.1.4a`` at an air post -> ``air__ADM_1_1_4a``."""
    return f"{kind}__{re.sub(r'[^A-Za-z0-9]', '_', criterion_id)}"


def _context(mission, info) -> tuple:
    """(framework, crossing kinds, plan, posts frame, team names) of an assessment."""
    fw = mission.framework_of(info.id)
    kinds = mission.store.crossing_profile(info.id).kinds
    team = [name for name, _, _ in info.team]
    return fw, kinds, mission.get_plan(info.id), mission.posts_frame(info.id), team


def _day_question(plan) -> dict:
    q = {"type": "date", "name": "day", "label": "Date", "required": "yes"}
    if plan:
        q |= {"constraint": f". >= date('{plan['starts'].isoformat()}') and . <= date('{plan['ends'].isoformat()}')",
              "constraint_message": f"The mission runs from {plan['starts'].isoformat()} to "
                                    f"{plan['ends'].isoformat()}."}
    return q


def _head(info, form: str) -> list[dict]:
    return [{"type": "calculate", "name": "wb_form", "calculation": _literal(FORMS[form])},
            {"type": "calculate", "name": "wb_country", "calculation": _literal(info.country_code)},
            {"type": "calculate", "name": "wb_round", "calculation": _literal(info.round)}]


def _post_choices(posts) -> list[dict]:
    return [{"list_name": "posts", "name": p.code, "label": f"{p.name} ({KIND_NAMES[p.kind]}, {p.code})"}
            for p in posts.itertuples()]


def build_visit_form(mission, info) -> dict[str, list[dict]]:
    """The site-visit form as data: ``{"survey", "choices", "settings"}``."""
    fw, kinds, plan, posts, team = _context(mission, info)
    if posts.empty:
        raise InvalidInput(Problem("register", "the register is empty: add the posts before making the visit form"),
                           what="visit form")
    survey = _head(info, "visit") + [
        {"type": "select_one posts", "name": "post", "label": "Crossing point visited", "required": "yes"},
        _day_question(plan),
        {"type": "text", "name": "why", "label": "Why this post was chosen", "required": "yes"},
        {"type": "select_multiple team", "name": "team", "label": "Who went", "required": "yes"},
    ]
    for kind in KIND_NAMES:
        codes = list(posts.loc[posts["kind"] == kind, "code"])
        if not codes:
            continue
        survey.append({"type": "begin_group", "name": f"checklist_{kind}",
                       "label": f"Checklist of a {KIND_NAMES[kind]} post",
                       "relevant": " or ".join(f"${{post}} = {_literal(c)}" for c in codes)})
        for c in checklist(fw, kind, kinds):
            survey.append({"type": "select_one results", "name": question(c.id, kind), "label": f"{c.id} {c.text}",
                           "hint": "Leave empty when not observed."})
        survey.append({"type": "end_group"})
    survey.append({"type": "text", "name": "key_observations", "label": "Key observations (one per line)",
                   "appearance": "multiline", "hint": "Never a person's name: describe people by role."})
    choices = _post_choices(posts) + [{"list_name": "team", "name": slug(n), "label": n} for n in team]
    choices += [{"list_name": "results", "name": k, "label": v} for k, v in RESULTS]
    return {"survey": survey, "choices": choices, "settings": _settings(info, "visit", "Site visit")}


def build_interview_form(mission, info) -> dict[str, list[dict]]:
    """The interview form as data; it never asks for a name."""
    _, _, plan, posts, _ = _context(mission, info)
    survey = _head(info, "interview") + [
        {"type": "text", "name": "role", "label": "Role of the person interviewed (never a name)", "required": "yes"},
        {"type": "text", "name": "agency", "label": "Agency or organisation", "required": "yes"},
        {"type": "select_one sexes", "name": "sex", "label": "Sex", "required": "yes"},
        _day_question(plan),
        {"type": "select_one posts", "name": "post", "label": "Crossing point (if the interview took place at one)"},
        {"type": "text", "name": "place", "label": "Place", "relevant": "${post} = ''"},
        {"type": "select_one yesno", "name": "consent", "label": "Did the person consent to the interview being "
                                                                 "recorded?", "required": "yes"},
        {"type": "select_one yesno", "name": "anonymity", "label": "Was anonymity promised?", "required": "yes"},
        {"type": "text", "name": "summary", "label": "Summary", "appearance": "multiline",
         "relevant": "${consent} = 'yes'", "hint": "Never a person's name: describe people by role."},
    ]
    choices = _post_choices(posts) + [{"list_name": "sexes", "name": s, "label": SEX_LABELS[s]} for s in SEXES]
    choices += [{"list_name": "yesno", "name": "yes", "label": "Yes"}, {"list_name": "yesno", "name": "no",
                                                                       "label": "No"}]
    return {"survey": survey, "choices": choices, "settings": _settings(info, "interview", "Interview log")}


def _settings(info, form: str, title: str) -> list[dict]:
    form_id = re.sub(r"[^A-Za-z0-9_]", "_", f"{FORMS[form]}_{info.country_code}_{info.round}")
    return [{"form_title": f"{title}: {info.country_code} {info.round}", "form_id": form_id}]


def export_mission_form(mission, info, form: str, path: str | Path) -> Path:
    """Write the ``visit`` or ``interview`` XLSForm of an assessment to ``path``."""
    if form not in FORMS:
        raise InvalidInput(Problem("form", f"{form!r} is not a mission form; use {', '.join(FORMS)}"),
                           what="mission form")
    return write_form((build_visit_form if form == "visit" else build_interview_form)(mission, info), path)


# -- import -------------------------------------------------------------------------------------
def import_mission_submissions(mission, path: str | Path, *, by: str, country: str | None = None,
                               round: str | None = None) -> dict:
    """Save the submissions of a mission form (all or none); returns ``{"form", "saved", "ids"}``."""
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(Problem(path.name, "no such file"), what="import")
    table, _ = _read_tables(path)
    if not table.rows:
        raise InvalidInput(Problem(table.name, "the export holds no submissions"), what="import")
    form = _one(table, "wb_form", None) if "wb_form" in table.columns else None
    kind = {v: k for k, v in FORMS.items()}.get(form)
    if kind is None:
        raise InvalidInput(Problem(f"{table.name}: wb_form", "this is not an export of a mission form made by "
                                                             "`workbook mission ... form`"), what="import")
    code, rnd = _one(table, "wb_country", country), _one(table, "wb_round", round)
    try:
        info = mission.store.get_assessment(code, rnd)
    except NotFound as exc:
        raise InvalidInput(Problem(f"{table.name}: assessment", str(exc)), what="import") from None
    rows = [(r, row) for r, row in enumerate(table.rows, start=2) if any(v not in (None, "") for v in row)]
    records, columns = [], []
    if kind == "visit":
        fw, _, _, posts, team = _context(mission, info)
        kind_of = dict(zip(posts["code"], posts["kind"]))
        for _, row in rows:
            fields, used = _visit_fields(table, row, kind_of, {slug(n): n for n in team}, fw)
            records.append(fields)
            columns.append(used)
    else:
        for _, row in rows:
            fields = {k: table.get(row, k) for k in ("role", "agency", "sex", "day", "consent", "anonymity",
                                                     "summary")}
            fields["place"] = table.get(row, "post") or table.get(row, "place")
            records.append(fields)
            columns.append({"place": "post" if table.get(row, "post") else "place"})
    write = mission.record_visits if kind == "visit" else mission.record_interviews
    try:
        ids = write(info.id, records, by=by, where_of=lambda i: f"@{i}")
    except InvalidInput as exc:
        raise InvalidInput([_locate(p, table, rows, columns) for p in exc.problems], what=path.name) from None
    return {"form": kind, "saved": len(ids), "ids": ids, "country": info.country_code, "round": info.round}


def _one(table: _Table, key: str, given: str | None) -> str | None:
    found = {str(table.get(row, key)).strip() for row in table.rows if table.get(row, key) is not None}
    if len(found) > 1:
        raise InvalidInput(Problem(f"{table.name}: {key}", f"the submissions hold several values "
                                                           f"({', '.join(sorted(found))}): import one at a time"),
                           what="import")
    value = next(iter(found), None) or given
    if given and value and value.upper() != given.strip().upper():
        raise InvalidInput(Problem(f"{table.name}: {key}", f"the file is for {value!r}, not {given!r}"), what="import")
    if value is None:
        raise InvalidInput(Problem(f"{table.name}: {key}", "the file does not say it: give it"), what="import")
    return value


def _visit_fields(table: _Table, row: list, kind_of: dict, team: dict, fw) -> tuple[dict, dict]:
    """A visit's fields from one submission, and the column each field (or observation) came from."""
    post = table.get(row, "post")
    kind = kind_of.get(str(post).strip()) if post is not None else None
    chosen = str(table.get(row, "team") or "").split()
    used = {}
    observations = []
    if kind:
        for c in checklist(fw, kind, None):
            col = question(c.id, kind)
            value = table.get(row, col)
            if value is not None:
                used[f"observations[{len(observations)}]"] = col
                observations.append({"criterion": c.id, "result": str(value).strip()})
    key_obs = table.get(row, "key_observations")
    return ({"post": post, "day": table.get(row, "day"), "why": table.get(row, "why"),
             "team": [team.get(t, t) for t in chosen], "observations": observations,
             "key_observations": str(key_obs) if key_obs is not None else None}, used)


def _locate(problem: Problem, table: _Table, rows: list, columns: list[dict]) -> Problem:
    """``@0.day`` -> ``visits!D2 (day)``: the cell of the submission and column a problem is about."""
    m = re.fullmatch(r"@(\d+)(?:\.([\w\[\]]+?)(\.\w+|\[\d+\])?)?", problem.location)
    if not m:
        return problem
    i, key = int(m[1]), m[2]
    r = rows[i][0]
    if key is None:
        return Problem(f"{table.name}!row {r}", problem.message)
    col = columns[i].get(key, key)
    if col in table.columns:
        return Problem(f"{table.where(r, col)} ({col})", problem.message)
    return Problem(f"{table.name}!row {r} ({key})", problem.message)

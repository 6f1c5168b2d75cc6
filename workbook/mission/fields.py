"""The fields of the field mission's records and the rules that check them, declared once.

Like :mod:`workbook.inputs` and :mod:`workbook.roadmap.fields`, each ``parse_*`` returns a clean
value or raises :class:`~workbook.errors.InvalidInput` naming the field, and never trusts the type
it is given; ``check_*`` checks a whole record with every problem located. The mission store, the
register import and the KoboToolbox/ODK imports use these rules, so a record is refused for the
same reason wherever it comes from.

What a record needs to know about its assessment (the team, the mission dates, the register, the
country, the framework's checklist) is a :class:`MissionContext`, built once by the store.
"""
from __future__ import annotations

import datetime as dt
import math
import numbers
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import pandas as pd
import pycountry

from ..errors import InvalidInput, Problem, Problems
from ..i18n.messages import N_, translator
from ..framework import CROSSING_KINDS, Criterion, Framework
from ..inputs import MAX_LONG, MAX_NOTES, MAX_SHORT, parse_answer, parse_items, parse_text, read_date
from ..names import Anonymity

KIND_NAMES = {"air": N_("air"), "land": N_("land"), "sea": N_("sea"), "river_lake": N_("river or lake"),
              "rail": N_("rail"), "inland": N_("inland office")}
KIND_WORDS = {"air": "air", "airport": "air", "land": "land", "road": "land", "sea": "sea", "seaport": "sea",
              "port": "sea", "maritime": "sea", "river_lake": "river_lake", "river/lake": "river_lake",
              "river lake": "river_lake", "river": "river_lake", "lake": "river_lake", "rail": "rail",
              "railway": "rail", "train": "rail", "inland": "inland", "inland office": "inland", "office": "inland"}
BMIS_STATES = ("online", "offline", "paper", "none")
SEXES = ("female", "male", "other", "not_recorded")
SEX_WORDS = {"f": "female", "female": "female", "woman": "female", "w": "female", "m": "male", "male": "male",
             "man": "male", "other": "other", "x": "other", "not recorded": "not_recorded",
             "not_recorded": "not_recorded", "prefer not to say": "not_recorded", "": "not_recorded"}
EVENT_KINDS = ("visit", "meeting", "briefing", "workshop", "debriefing", "other")
POST_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,39}")
MAX_TRAFFIC = 10**9
MAX_STAFF = 100_000
MAX_MISSION_DAYS = 366

#: Fields of a post of the register, in the order the register sheet and the forms show them.
POST_FIELDS = ("code", "name", "kind", "region", "lat", "lon", "traffic", "traffic_source", "traffic_year",
               "agencies", "booths", "officers", "women_officers", "interpol", "api_pnr", "bmis", "equipment", "hours")
VISIT_FIELDS = ("post", "day", "why", "team", "observations", "key_observations")
INTERVIEW_FIELDS = ("role", "agency", "sex", "day", "place", "consent", "anonymity", "summary")
DOCUMENT_FIELDS = ("title", "requested_from", "requested", "received", "note")
EVENT_FIELDS = ("day", "kind", "post", "place", "subject")
PLAN_FIELDS = ("objectives", "scope", "starts", "ends", "roles")


def kind_name(kind: str, lang: str | None = None) -> str:
    """A kind of crossing point in words (``air``, ``river or lake``), in ``lang`` (default English)."""
    name = KIND_NAMES.get(kind, kind)
    return translator(lang).gettext(name) if lang not in (None, "en") and kind in KIND_NAMES else name


# -- single values ----------------------------------------------------------------------------
def is_blank(v) -> bool:
    """Empty cells: None, "", NaN/NaT from a frame or a spreadsheet."""
    try:
        return v is None or v is pd.NaT or v is pd.NA or (isinstance(v, float) and math.isnan(v)) or (
            isinstance(v, str) and not v.strip())
    except TypeError:
        return False


def parse_kind(value, field: str = "kind") -> str:
    """A kind of crossing point (``air``, ``land``, ``sea``, ``river_lake``, ``rail``, ``inland``)."""
    if is_blank(value):
        raise InvalidInput(Problem(field, f"is required; use one of {', '.join(CROSSING_KINDS)}"))
    if not isinstance(value, str) or value.strip().lower() not in KIND_WORDS:
        raise InvalidInput(Problem(field, f"{value!r} is not a kind of crossing point; use one of "
                                          f"{', '.join(CROSSING_KINDS)}"))
    return KIND_WORDS[value.strip().lower()]


def parse_count(value, field: str, *, limit: int = MAX_STAFF) -> int | None:
    """A whole number from 0 to ``limit`` (``"1,200"`` and ``1200.0`` too); empty is None."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise InvalidInput(Problem(field, f"{value!r} is not a number"))
    v = value
    if isinstance(v, str):
        v = v.strip().replace(",", "").replace("_", "").replace(" ", "")
        if not v.isdigit():
            raise InvalidInput(Problem(field, f"{value!r} is not a whole number"))
        v = int(v)
    elif isinstance(v, numbers.Integral):
        v = int(v)
    elif isinstance(v, float) and v.is_integer():
        v = int(v)
    if not isinstance(v, int):
        raise InvalidInput(Problem(field, f"{value!r} is not a whole number"))
    if v < 0:
        raise InvalidInput(Problem(field, f"{v} is negative"))
    if v > limit:
        raise InvalidInput(Problem(field, f"{v:,} is more than {limit:,}"))
    return v


def parse_flag(value, field: str, *, required: bool = False) -> bool | None:
    """Yes or no (``True``/``False``, yes/no, y/n, 1/0); empty is None unless required."""
    if is_blank(value):
        if required:
            raise InvalidInput(Problem(field, "is required (yes or no)"))
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, numbers.Integral) and int(value) in (0, 1):
        return bool(value)
    words = {"yes": True, "y": True, "true": True, "1": True, "no": False, "n": False, "false": False, "0": False}
    if isinstance(value, str) and value.strip().lower() in words:
        return words[value.strip().lower()]
    raise InvalidInput(Problem(field, f"{value!r} is not yes or no"))


def parse_choice_of(value, field: str, choices: tuple[str, ...], *, words: Mapping[str, str] | None = None,
                    required: bool = True) -> str | None:
    """One of ``choices`` (case and spaces forgiven), or a word of ``words`` that means one."""
    if is_blank(value) and not required:
        return None
    if not isinstance(value, str) and not is_blank(value):
        raise InvalidInput(Problem(field, f"expected text, got {type(value).__name__}"))
    v = "" if is_blank(value) else value.strip().lower()
    if words and v in words:
        return words[v]
    v = v.replace(" ", "_").replace("-", "_")
    if v in choices:
        return v
    if not v:
        raise InvalidInput(Problem(field, f"is required; use one of {', '.join(choices)}"))
    raise InvalidInput(Problem(field, f"{value!r} is not one of {', '.join(choices)}"))


def parse_coordinate(value, field: str, *, limit: float) -> float | None:
    """A latitude (``limit`` 90) or longitude (180) in decimal degrees; empty is None."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise InvalidInput(Problem(field, f"{value!r} is not a number of degrees"))
    try:
        v = float(value.strip().replace(",", ".")) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        raise InvalidInput(Problem(field, f"{value!r} is not a number of degrees (decimal, e.g. 14.62)")) from None
    if not math.isfinite(v) or abs(v) > limit:
        raise InvalidInput(Problem(field, f"{value!r} is outside -{limit:g} to {limit:g} degrees"))
    return round(v, 5)


def parse_list(value, field: str, *, max_len: int = MAX_SHORT, max_items: int = 50) -> list[str]:
    """A list of texts (a list, or text separated by ``;`` or new lines); empty items dropped."""
    if is_blank(value):
        return []
    return parse_items(value, field, max_len=max_len, max_items=max_items, separators=";\n")


def parse_day(value, field: str, *, required: bool = True) -> dt.date | None:
    """A date (ISO text, a date or a spreadsheet's datetime); between 1990 and 2100."""
    if is_blank(value):
        if required:
            raise InvalidInput(Problem(field, "is required (YYYY-MM-DD)"))
        return None
    if isinstance(value, str) and "T" in value:  # ODK writes dates of datetime questions with a time
        value = value.split("T", 1)[0]
    day = read_date(value, field)
    if not 1990 <= day.year <= 2100:
        raise InvalidInput(Problem(field, f"{day.isoformat()} is outside 1990-2100"))
    return day


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold().split())


def parse_region(value, field: str, country_code: str, *, fictional: bool) -> tuple[str, str | None]:
    """A region and its ISO 3166-2 code. For a real country the region must be one of its
    subdivisions (by name or code, accents and case forgiven); for a fictional country
    (user-assigned code) it is free text. Empty is allowed."""
    v = parse_text(value, field, max_len=MAX_SHORT)
    if not v or fictional:
        return v, None
    subs = list(pycountry.subdivisions.get(country_code=_alpha2(country_code)) or [])
    if not subs:
        return v, None  # a country without subdivisions in ISO 3166-2
    wanted = _fold(v)
    for sub in subs:
        if wanted in (_fold(sub.code), _fold(sub.code.split("-", 1)[1]), _fold(sub.name)):
            return sub.name, sub.code
    near = sorted(subs, key=lambda s: (not _fold(s.name).startswith(wanted[:3]), s.name))[:3]
    raise InvalidInput(Problem(field, f"{v!r} is not a region of {country_code} in ISO 3166-2 (e.g. "
                                      + ", ".join(f"{s.name} ({s.code})" for s in near) + ")"))


def _alpha2(code: str) -> str:
    hit = pycountry.countries.get(alpha_3=code)
    return hit.alpha_2 if hit else code


# -- what a record needs to know about its assessment -------------------------------------------
@dataclass
class MissionContext:
    """The assessment a mission record belongs to, as the rules need it."""

    framework: Framework
    country_code: str
    country_name: str
    fictional: bool
    team: tuple[str, ...] = ()
    starts: dt.date | None = None
    ends: dt.date | None = None
    #: post code -> kind, for the posts of the register
    posts: dict[str, str] = field(default_factory=dict)
    post_names: dict[str, str] = field(default_factory=dict)
    agencies: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    today: dt.date = field(default_factory=dt.date.today)

    @property
    def known_names(self) -> list[str]:
        """Names that may appear in free text without being a person's: the team, the posts,
        agencies, regions and the country."""
        return [*self.team, *self.post_names.values(), *self.posts, *self.agencies, *self.regions, self.country_name]

    def in_mission(self, day: dt.date | None, where: str, problems: Problems, *, what: str) -> None:
        """A date of the mission: within its dates when they are recorded, and never in the future."""
        if day is None:
            return
        if self.starts and self.ends and not self.starts <= day <= self.ends:
            problems.add(where, f"{day.isoformat()} is outside the mission ({self.starts.isoformat()} to "
                                f"{self.ends.isoformat()}): a {what} happens during the mission; correct the date "
                                "or the mission dates")
        elif day > self.today:
            problems.add(where, f"{day.isoformat()} is in the future: record a {what} once it has taken place")

    def check_names(self, text: str, where: str, problems: Problems) -> None:
        Anonymity(tuple(self.known_names)).check(text, where, problems)

    def post_code(self, value, where: str, problems: Problems, *, required: bool = True) -> str | None:
        """A post of the register (by code, or by its exact name)."""
        if is_blank(value):
            if required:
                problems.add(where, "is required: the code of a post of the register")
            return None
        v = str(value).strip()
        if v in self.posts:
            return v
        by_name = {_fold(n): c for c, n in self.post_names.items()}
        if _fold(v) in by_name:
            return by_name[_fold(v)]
        upper = {c.upper(): c for c in self.posts}
        if v.upper() in upper:
            return upper[v.upper()]
        listed = ", ".join(sorted(self.posts)[:8]) + (" ..." if len(self.posts) > 8 else "")
        problems.add(where, f"{v!r} is not a post of the register"
                            + (f" ({listed})" if self.posts else " (the register is empty: add the posts first)"))
        return None


def checklist(framework: Framework, kind: str, kinds: frozenset[str] | None = None) -> list[Criterion]:
    """The site-visit checklist of a post of ``kind``: the framework's criteria observable at such
    a post (``observe_at``), that exist for the country's kinds of crossing point, in framework order."""
    return [c for c in framework.criteria.values() if kind in c.observe_at and c.applies(kinds)]


# -- whole records -----------------------------------------------------------------------------
def _unknown(fields: Mapping, allowed: Iterable[str], where: str) -> list[Problem]:
    return [Problem(f"{where}.{k}", f"unknown field; use {', '.join(allowed)}")
            for k in sorted(set(fields) - set(allowed))]


def _rules(checks: Mapping[str, Callable], fields: Mapping, where: str, problems: Problems) -> dict:
    out = {}
    for key, rule in checks.items():
        with problems.collect():
            out[key] = rule(fields.get(key), f"{where}.{key}")
    return out


def check_post(ctx: MissionContext, fields: Mapping, where: str) -> tuple[dict, list[Problem]]:
    """One post of the register; returns (clean values, problems)."""
    problems = Problems(_unknown(fields, POST_FIELDS, where))

    def code(v, loc):
        v = parse_text(None if is_blank(v) else str(v), loc, max_len=40, required=True)
        if not POST_CODE.fullmatch(v):
            raise InvalidInput(Problem(loc, f"{v!r} is not a post code: letters, digits and - _ . (e.g. "
                                            f"{ctx.country_code}-AIR-1)"))
        return v

    clean = _rules({"code": code, "name": lambda v, loc: parse_text(v, loc, max_len=200, required=True),
                    "kind": parse_kind,
                    "lat": lambda v, loc: parse_coordinate(v, loc, limit=90),
                    "lon": lambda v, loc: parse_coordinate(v, loc, limit=180),
                    "traffic": lambda v, loc: parse_count(v, loc, limit=MAX_TRAFFIC),
                    "traffic_source": lambda v, loc: parse_text(v, loc, max_len=MAX_LONG),
                    "traffic_year": lambda v, loc: parse_count(v, loc, limit=2100),
                    "agencies": lambda v, loc: parse_list(v, loc, max_len=200),
                    "booths": parse_count, "officers": parse_count, "women_officers": parse_count,
                    "interpol": parse_flag, "api_pnr": parse_flag,
                    "bmis": lambda v, loc: parse_choice_of(v, loc, BMIS_STATES, required=False),
                    "equipment": lambda v, loc: parse_text(v, loc, max_len=MAX_NOTES),
                    "hours": lambda v, loc: parse_text(v, loc, max_len=200)}, fields, where, problems)
    with problems.collect():
        clean["region"], clean["region_code"] = parse_region(fields.get("region"), f"{where}.region",
                                                             ctx.country_code, fictional=ctx.fictional)
    if (clean.get("lat") is None) != (clean.get("lon") is None) and "lat" in clean and "lon" in clean:
        problems.add(f"{where}.{'lon' if clean.get('lon') is None else 'lat'}",
                     "give both coordinates (latitude and longitude) or neither")
    if clean.get("traffic") is not None:
        if not clean.get("traffic_source") and "traffic_source" in clean:
            problems.add(f"{where}.traffic_source", "say where the traffic figure comes from (e.g. the border "
                                                    "agency's annual report)")
        if clean.get("traffic_year") is None and "traffic_year" in clean:
            problems.add(f"{where}.traffic_year", "say which year the traffic figure is for")
    year = clean.get("traffic_year")
    if year is not None and not 1990 <= year <= ctx.today.year:
        problems.add(f"{where}.traffic_year", f"{year} is not a year from 1990 to {ctx.today.year}")
    officers, women = clean.get("officers"), clean.get("women_officers")
    if officers is not None and women is not None and women > officers:
        problems.add(f"{where}.women_officers", f"{women} women officers is more than the {officers} officers")
    return clean, problems.items


def _observations(ctx: MissionContext, raw, kind: str | None, where: str, problems: Problems,
                  kinds: frozenset[str] | None) -> list[tuple[str, str, str]]:
    if is_blank(raw):
        return []
    if not isinstance(raw, (list, tuple)):
        problems.add(where, "expected a list of observations (criterion, result, note)")
        return []
    fw = ctx.framework
    out, seen = [], {}
    allowed = {c.id for c in checklist(fw, kind, kinds)} if kind else None
    for i, o in enumerate(raw):
        w = f"{where}[{i}]"
        if not isinstance(o, Mapping):
            problems.add(w, "expected a mapping with criterion, result and note")
            continue
        problems.extend(_unknown(o, ("criterion", "result", "met", "note"), w))
        cid = o.get("criterion")
        cid = cid.strip() if isinstance(cid, str) else cid
        if not fw.has_criteria:
            problems.add(f"{w}.criterion", f"framework {fw.version} has no criteria: a visit to an assessment "
                                           "rated against it records key observations only")
            continue
        if cid not in fw.criteria:
            problems.add(f"{w}.criterion", f"unknown criterion {cid!r} in framework {fw.version}")
            continue
        if allowed is not None and cid not in allowed:
            at = ", ".join(KIND_NAMES[k] for k in fw.criterion(cid).observe_at) or "no post (it is not observed)"
            problems.add(f"{w}.criterion", f"{cid} is not on the checklist of a {KIND_NAMES[kind]} post "
                                           f"(it is observed at: {at})")
            continue
        if cid in seen:
            problems.add(f"{w}.criterion", f"{cid} is observed twice in this visit (also at {seen[cid]})")
            continue
        seen[cid] = w
        value = o.get("result", o.get("met"))
        if is_blank(value):
            problems.add(f"{w}.result", "is required: yes (met), no (not met) or na (not applicable here)")
            continue
        result = problems.take(parse_answer, value, f"{w}.result")
        if result is None:
            continue
        note = problems.take(parse_text, o.get("note"), f"{w}.note", max_len=MAX_LONG) or ""
        if note:
            ctx.check_names(note, f"{w}.note", problems)
        out.append((cid, result, note))
    return out


def check_visit(ctx: MissionContext, fields: Mapping, where: str, *,
                kinds: frozenset[str] | None = None) -> tuple[dict, list[Problem]]:
    """One site visit: a post of the register, a date of the mission, why, who went (members of
    the team), the checklist observations (criteria observable at that kind of post) and the key
    observations the report may quote. Returns (clean values, problems)."""
    problems = Problems(_unknown(fields, VISIT_FIELDS, where))
    post = ctx.post_code(fields.get("post"), f"{where}.post", problems)
    day = problems.take(parse_day, fields.get("day"), f"{where}.day")
    ctx.in_mission(day, f"{where}.day", problems, what="visit")
    why = problems.take(parse_text, fields.get("why"), f"{where}.why", max_len=MAX_LONG, required=True)
    team = problems.take(parse_list, fields.get("team"), f"{where}.team") or []
    for i, name in enumerate(team):
        if ctx.team and name not in ctx.team:
            problems.add(f"{where}.team[{i}]", f"{name!r} is not a member of the assessment team "
                                               f"({', '.join(ctx.team)})")
    if not team and "team" in fields:
        problems.add(f"{where}.team", "name at least one member of the team who went")
    key = problems.take(parse_list, fields.get("key_observations"), f"{where}.key_observations",
                        max_len=MAX_LONG, max_items=10) or []
    for i, text in enumerate(key):
        ctx.check_names(text, f"{where}.key_observations[{i}]", problems)
    if why:
        ctx.check_names(why, f"{where}.why", problems)
    observations = _observations(ctx, fields.get("observations"), ctx.posts.get(post) if post else None,
                                 f"{where}.observations", problems, kinds)
    return ({"post": post, "day": day, "why": why, "team": team, "key_observations": key,
             "observations": observations}, problems.items)


def check_interview(ctx: MissionContext, fields: Mapping, where: str) -> tuple[dict, list[Problem]]:
    """One interview: never a name. Without consent nothing of what was said is recorded; with
    anonymity promised, a person's name in any of its texts is refused."""
    problems = Problems(_unknown(fields, INTERVIEW_FIELDS, where))
    clean = _rules({"role": lambda v, loc: parse_text(v, loc, max_len=MAX_SHORT, required=True),
                    "agency": lambda v, loc: parse_text(v, loc, max_len=200, required=True),
                    "sex": lambda v, loc: parse_choice_of(v, loc, SEXES, words=SEX_WORDS),
                    "day": parse_day,
                    "consent": lambda v, loc: parse_flag(v, loc, required=True),
                    "anonymity": lambda v, loc: parse_flag(v, loc, required=True),
                    "summary": lambda v, loc: parse_text(v, loc, max_len=MAX_NOTES)}, fields, where, problems)
    ctx.in_mission(clean.get("day"), f"{where}.day", problems, what="interview")
    place = fields.get("place")
    clean["post"] = None
    if not is_blank(place) and str(place).strip() in ctx.posts:
        clean["post"], clean["place"] = str(place).strip(), ""
    else:
        clean["place"] = problems.take(parse_text, place, f"{where}.place", max_len=200) or ""
    if clean.get("consent") is False and clean.get("summary"):
        problems.add(f"{where}.summary", "the person did not consent: record that the interview took place, "
                                         "not what was said (leave the summary empty)")
    if clean.get("anonymity"):
        for key in ("summary", "role", "place"):
            if clean.get(key):
                ctx.check_names(clean[key], f"{where}.{key}", problems)
    return clean, problems.items


def check_document(fields: Mapping, where: str, today: dt.date) -> tuple[dict, list[Problem]]:
    """One document of the desk review: title, from whom, requested when, received when."""
    problems = Problems(_unknown(fields, DOCUMENT_FIELDS, where))
    clean = _rules({"title": lambda v, loc: parse_text(v, loc, max_len=MAX_LONG, required=True),
                    "requested_from": lambda v, loc: parse_text(v, loc, max_len=200),
                    "requested": lambda v, loc: parse_day(v, loc, required=False),
                    "received": lambda v, loc: parse_day(v, loc, required=False),
                    "note": lambda v, loc: parse_text(v, loc, max_len=MAX_LONG)}, fields, where, problems)
    for key in ("requested", "received"):
        if clean.get(key) and clean[key] > today:
            problems.add(f"{where}.{key}", f"{clean[key].isoformat()} is in the future")
    if clean.get("requested") and clean.get("received") and clean["received"] < clean["requested"]:
        problems.add(f"{where}.received", f"received {clean['received'].isoformat()}, before it was requested "
                                          f"({clean['requested'].isoformat()})")
    return clean, problems.items


def check_event(ctx: MissionContext, fields: Mapping, where: str) -> tuple[dict, list[Problem]]:
    """One entry of the schedule: a day of the mission, a kind, the post (for a visit) or place."""
    problems = Problems(_unknown(fields, EVENT_FIELDS, where))
    day = problems.take(parse_day, fields.get("day"), f"{where}.day")
    if day and ctx.starts and ctx.ends and not ctx.starts <= day <= ctx.ends:
        problems.add(f"{where}.day", f"{day.isoformat()} is outside the mission ({ctx.starts.isoformat()} to "
                                     f"{ctx.ends.isoformat()})")
    kind = problems.take(parse_choice_of, fields.get("kind"), f"{where}.kind", EVENT_KINDS)
    post = ctx.post_code(fields.get("post"), f"{where}.post", problems, required=kind == "visit")
    place = problems.take(parse_text, fields.get("place"), f"{where}.place", max_len=200) or ""
    subject = problems.take(parse_text, fields.get("subject"), f"{where}.subject", max_len=MAX_LONG) or ""
    if kind and kind != "visit" and not (place or subject or post):
        problems.add(f"{where}.subject", "say what the meeting is about or where it is")
    return {"day": day, "kind": kind, "post": post, "place": place, "subject": subject}, problems.items


def check_plan(ctx: MissionContext, fields: Mapping, where: str = "plan") -> tuple[dict, list[Problem]]:
    """The terms of reference: objectives (at least one), scope, dates (at most a year apart) and
    the mission role of team members (``[{name, duty}]``)."""
    problems = Problems(_unknown(fields, PLAN_FIELDS, where))
    objectives = problems.take(parse_list, fields.get("objectives"), f"{where}.objectives", max_len=MAX_LONG,
                               max_items=20) or []
    if not objectives:
        problems.add(f"{where}.objectives", "state at least one objective of the mission")
    scope = problems.take(parse_text, fields.get("scope"), f"{where}.scope", max_len=MAX_NOTES) or ""
    starts = problems.take(parse_day, fields.get("starts"), f"{where}.starts")
    ends = problems.take(parse_day, fields.get("ends"), f"{where}.ends")
    if starts and ends:
        if ends < starts:
            problems.add(f"{where}.ends", f"the mission ends {ends.isoformat()}, before it starts {starts.isoformat()}")
        elif (ends - starts).days > MAX_MISSION_DAYS:
            problems.add(f"{where}.ends", f"a mission of {(ends - starts).days} days: the limit is {MAX_MISSION_DAYS}")
    roles = []
    raw = fields.get("roles") or []
    if not isinstance(raw, (list, tuple)):
        problems.add(f"{where}.roles", "expected a list of {name, duty}")
        raw = []
    for i, r in enumerate(raw):
        w = f"{where}.roles[{i}]"
        if not isinstance(r, Mapping):
            problems.add(w, "expected a mapping with name and duty")
            continue
        name = problems.take(parse_text, r.get("name"), f"{w}.name", required=True)
        duty = problems.take(parse_text, r.get("duty"), f"{w}.duty", max_len=60, required=True)
        if name and ctx.team and name not in ctx.team:
            problems.add(f"{w}.name", f"{name!r} is not a member of the assessment team ({', '.join(ctx.team)})")
        elif name and duty:
            roles.append({"name": name, "duty": duty})
    return {"objectives": objectives, "scope": scope, "starts": starts, "ends": ends, "roles": roles}, problems.items

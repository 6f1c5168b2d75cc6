"""The fields of road-map records and the rules that check them, declared once.

Like :mod:`workbook.inputs`, each ``parse_*`` returns a clean value or raises
:class:`~workbook.errors.InvalidInput` naming the field, and never trusts the type it is given.
:func:`check_recommendation` and :func:`check_initiative` check a whole record with every
problem located; the road-map store and the package import use them.
"""
from __future__ import annotations

import datetime as dt
import math
import numbers
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import pandas as pd
import pycountry

from ..errors import InvalidInput, NotFound, Problem, Problems
from ..framework import Framework
from ..inputs import MAX_LONG, MAX_NOTES, check_fields, parse_items, parse_text, read_date, text_rule
from .library import ACTION_ID, ACTION_TYPES, COST_BANDS, HORIZONS, ActionLibrary

FUNDING_STATUSES: tuple[str, ...] = ("committed", "pipeline", "gap")
#: States of a recommendation (not the review states of an assessment).
RECOMMENDATION_STATUSES: tuple[str, ...] = ("open", "in_progress", "done", "dropped")
EXPOSURES: tuple[int, ...] = (1, 2, 3)
MAX_AMOUNT = 10**15
MAX_AGENCY = 200

#: Fields of a recommendation, in the order forms and tables show them.
RECOMMENDATION_FIELDS = ("subarea_id", "indicator_id", "target_level", "action_type", "title", "description",
                         "lead_agency", "partners", "cost_band", "amount", "currency", "funding_status", "horizon",
                         "prerequisites", "completion_indicator", "deadline", "status", "source_action_id")
#: Columns of a suggestion frame that are for reading only; saving ignores them.
DISPLAY_ONLY = ("priority", "reason", "verify_first", "package")
#: What may still change once the assessment is final: the tracker stays live.
TRACKING_FIELDS = ("status", "funding_status")
INITIATIVE_FIELDS = ("donor", "implementer", "title", "budget", "currency", "start_date", "end_date", "subareas",
                     "indicators", "notes")


def parse_level(value, field: str, *, required: bool = True, allowed=(1, 2, 3, 4, 5)) -> int | None:
    """A whole level (``3`` or ``"3"``); ``None``/empty only when not required."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidInput(Problem(field, "is required"))
        return None
    if isinstance(value, bool):
        raise InvalidInput(Problem(field, f"{value!r} is not a level"))
    v = value
    if isinstance(v, str):
        v = v.strip()
        if not v.isdigit():
            raise InvalidInput(Problem(field, f"{value!r} is not a whole number"))
        v = int(v)
    if isinstance(v, numbers.Integral):  # numpy integers from a frame
        v = int(v)
    elif isinstance(v, float) and v.is_integer():
        v = int(v)
    if not isinstance(v, int) or v not in allowed:
        shown = ", ".join(str(a) for a in allowed)
        raise InvalidInput(Problem(field, f"{value!r} is not one of {shown}"))
    return v


def parse_choice(value, field: str, choices: tuple[str, ...], *, default: str | None = None) -> str:
    """One of ``choices`` (case and spaces forgiven: ``"In progress"`` is ``in_progress``)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if default is not None:
            return default
        raise InvalidInput(Problem(field, f"is required; use one of {', '.join(choices)}"))
    if not isinstance(value, str):
        raise InvalidInput(Problem(field, f"expected text, got {type(value).__name__}"))
    v = value.strip().lower().replace(" ", "_").replace("-", "_")
    if v not in choices:
        raise InvalidInput(Problem(field, f"{value!r} is not one of {', '.join(choices)}"))
    return v


def parse_currency(value, field: str = "currency") -> str | None:
    """An ISO 4217 alphabetic code (``"usd"`` becomes ``"USD"``); ``None``/empty allowed."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise InvalidInput(Problem(field, f"expected a currency code, got {type(value).__name__}"))
    code = value.strip().upper()
    if len(code) != 3 or not code.isalpha() or pycountry.currencies.get(alpha_3=code) is None:
        raise InvalidInput(Problem(field, f"{value!r} is not an ISO 4217 currency code (e.g. USD, EUR, XOF)"))
    return code


def parse_amount(value, field: str) -> float | None:
    """A non-negative amount of money; ``None``/empty allowed. Kept to the cent."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise InvalidInput(Problem(field, f"{value!r} is not an amount"))
    try:
        d = Decimal(value.strip().replace(",", "").replace("_", "")) if isinstance(value, str) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidInput(Problem(field, f"{value!r} is not an amount")) from None
    if not d.is_finite() or (isinstance(value, float) and math.isnan(value)):
        raise InvalidInput(Problem(field, f"{value!r} is not an amount"))
    if d < 0:
        raise InvalidInput(Problem(field, f"{value} is negative"))
    if d >= MAX_AMOUNT:
        raise InvalidInput(Problem(field, f"{value} is too large"))
    return float(round(d, 2))


def parse_plan_date(value, field: str, *, required: bool = False) -> dt.date | None:
    """A date (ISO text or a date), past or future; ``None``/empty allowed unless required."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidInput(Problem(field, "is required (YYYY-MM-DD)"))
        return None
    value = read_date(value, field)
    if not 1990 <= value.year <= 2100:
        raise InvalidInput(Problem(field, f"{value.isoformat()} is outside 1990-2100"))
    return value


def parse_names(value, field: str) -> list[str]:
    """A list of names (a list, or text separated by ``;``), each at most 120 characters."""
    return parse_items(value, field, what="a list of names")


def parse_id_list(value, field: str) -> list:
    """A list of ids (a list, or text separated by ``,`` or ``;``)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.replace(";", ",").split(",") if v.strip()]
    if isinstance(value, (int,)) and not isinstance(value, bool):
        return [value]
    if not isinstance(value, (list, tuple, set)):
        raise InvalidInput(Problem(field, f"expected a list, got {type(value).__name__}"))
    return list(value)


# -- whole records ----------------------------------------------------------------------------
@dataclass
class RecommendationContext:
    """What checking a recommendation needs to know about its assessment: current levels (a target
    may not be below them) and the prerequisite graph with titles (to name a cycle)."""

    indicator_levels: dict[str, int] = field(default_factory=dict)
    subarea_levels: dict[str, int] = field(default_factory=dict)
    edges: dict[str, list[str]] = field(default_factory=dict)  # "#id" -> ["#id", ...]
    titles: dict[str, str] = field(default_factory=dict)


def blank_to_none(fields: dict) -> dict:
    """Rows from a DataFrame carry NaN/NaT for empty cells: read them as empty."""
    out = {}
    for k, v in fields.items():
        try:
            empty = v is None or v is pd.NaT or v is pd.NA or (isinstance(v, float) and v != v)
        except TypeError:
            empty = False
        out[k] = None if empty else v
    return out


def _money(clean: dict, amount: str, example: str, problems: Problems, where: str) -> None:
    """An amount needs its currency, and a currency an amount."""
    if amount in clean and "currency" in clean:
        if clean[amount] is not None and clean["currency"] is None:
            problems.add(f"{where}.currency", f"is required with {'an' if amount == 'amount' else 'a'} {amount} "
                                              f"(ISO 4217, e.g. {example})")
        if clean[amount] is None and clean["currency"] is not None:
            problems.add(f"{where}.{amount}", f"a currency ({clean['currency']}) is given without "
                                              f"{'an' if amount == 'amount' else 'a'} {amount}")


def recommendation_rules(framework: Framework, library: ActionLibrary | None = None) -> dict:
    """How each field of a recommendation is checked (``rule(value, location)``), in field order.

    ``source_action_id`` must name an action of ``library``; without one, it must look like an
    action id.
    """
    def subarea(v, loc):
        v = parse_text(v, loc, required=True)
        if v not in framework.subareas:
            raise InvalidInput(Problem(loc, f"unknown sub-area {v!r}"))
        return v

    def indicator(v, loc):
        v = parse_text(v, loc) or None
        if v is not None and v not in framework.indicators:
            raise InvalidInput(Problem(loc, f"unknown indicator {v!r}"))
        return v

    def source(v, loc):
        v = parse_text(v, loc, max_len=40) or None
        if v is None:
            return v
        if library is not None:
            try:
                library.action(v)
            except NotFound as exc:
                raise InvalidInput(Problem(loc, str(exc))) from None
        elif not ACTION_ID.fullmatch(v):
            raise InvalidInput(Problem(loc, f"{v!r} is not an action id like 'ADM.1.1-s3-a'"))
        return v

    return {"subarea_id": subarea, "indicator_id": indicator, "target_level": lambda v, loc: parse_level(v, loc),
            "action_type": lambda v, loc: parse_choice(v, loc, ACTION_TYPES),
            "title": text_rule(MAX_LONG, required=True),
            "description": text_rule(MAX_NOTES), "lead_agency": text_rule(MAX_AGENCY), "partners": parse_names,
            "cost_band": lambda v, loc: parse_choice(v, loc, COST_BANDS, default="") or None,
            "amount": parse_amount, "currency": parse_currency,
            "funding_status": lambda v, loc: parse_choice(v, loc, FUNDING_STATUSES, default="gap"),
            "horizon": lambda v, loc: parse_choice(v, loc, HORIZONS), "completion_indicator": text_rule(MAX_LONG),
            "deadline": parse_plan_date,
            "status": lambda v, loc: parse_choice(v, loc, RECOMMENDATION_STATUSES, default="open"),
            "source_action_id": source}


def check_recommendation(framework: Framework, fields: dict, where: str, ctx: RecommendationContext, *,
                         library: ActionLibrary | None = None,
                         check_target: bool = True) -> tuple[dict, list, list[Problem]]:
    """Check one recommendation; returns (clean values, prerequisite references, problems).

    ``check_target``: compare the target with the current level (on creation, and when the
    target, sub-area or indicator changes; not when only the status moves, since by then the
    country may well have passed the target).
    """
    fw = framework
    fields = blank_to_none(fields)
    unknown = set(fields) - set(RECOMMENDATION_FIELDS) - set(DISPLAY_ONLY) - {"key"}
    problems = Problems(Problem(f"{where}.{k}", f"unknown field; use {', '.join(RECOMMENDATION_FIELDS)}")
                        for k in sorted(unknown))
    clean = check_fields(recommendation_rules(fw, library), fields.get, lambda k: f"{where}.{k}", problems)
    refs = problems.take(parse_id_list, fields.get("prerequisites"), f"{where}.prerequisites") or []
    sid, iid, level = clean.get("subarea_id"), clean.get("indicator_id"), clean.get("target_level")
    if sid and iid and fw.subarea_of(iid).id != sid:
        problems.add(f"{where}.indicator_id", f"{iid} belongs to sub-area {fw.subarea_of(iid).id}, not {sid}")
    elif sid and level is not None and check_target:
        current = ctx.indicator_levels.get(iid) if iid else ctx.subarea_levels.get(sid)
        if current is not None and level < current:
            problems.add(f"{where}.target_level", f"target level {level} is below the current level {current} of "
                                                  f"{iid or sid}")
    _money(clean, "amount", "USD", problems, where)
    return clean, refs, problems.items


INITIATIVE_RULES = {"donor": text_rule(MAX_AGENCY, required=True), "implementer": text_rule(MAX_AGENCY),
                    "title": text_rule(MAX_LONG, required=True), "budget": parse_amount, "currency": parse_currency,
                    "start_date": lambda v, loc: parse_plan_date(v, loc, required=True),
                    "end_date": lambda v, loc: parse_plan_date(v, loc, required=True), "notes": text_rule(MAX_NOTES)}


def check_initiative(framework: Framework, fields: dict,
                     where: str) -> tuple[dict, list[tuple[str, str | None]], list[Problem]]:
    """Check one initiative; returns (clean values, scope as (sub-area, indicator or None), problems)."""
    fw = framework
    fields = blank_to_none(fields)
    unknown = set(fields) - set(INITIATIVE_FIELDS)
    problems = Problems(Problem(f"{where}.{k}", f"unknown field; use {', '.join(INITIATIVE_FIELDS)}")
                        for k in sorted(unknown))
    clean = check_fields(INITIATIVE_RULES, fields.get, lambda k: f"{where}.{k}", problems)
    start, end = clean.get("start_date"), clean.get("end_date")
    if start and end and end < start:
        problems.add(f"{where}.end_date", f"the initiative ends {end.isoformat()}, before it starts "
                                          f"{start.isoformat()}")
    _money(clean, "budget", "EUR", problems, where)
    scope: list[tuple[str, str | None]] = []
    subareas, indicators = problems.take(lambda: (parse_id_list(fields.get("subareas"), f"{where}.subareas"),
                                                  parse_id_list(fields.get("indicators"), f"{where}.indicators"))
                                         ) or ([], [])
    for k, sid in enumerate(subareas):
        if sid not in fw.subareas:
            problems.add(f"{where}.subareas[{k}]", f"unknown sub-area {sid!r}")
        elif (sid, None) not in scope:
            scope.append((sid, None))
    for k, iid in enumerate(indicators):
        if iid not in fw.indicators:
            problems.add(f"{where}.indicators[{k}]", f"unknown indicator {iid!r}")
        elif (fw.subarea_of(iid).id, iid) not in scope:
            scope.append((fw.subarea_of(iid).id, iid))
    if not subareas and not indicators:
        problems.add(f"{where}.subareas", "name at least one sub-area or indicator it addresses")
    return clean, scope, problems.items

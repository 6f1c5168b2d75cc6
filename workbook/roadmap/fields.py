"""Validation of road-map values: levels, currencies, amounts, dates in the future, choices.

Like :mod:`workbook.inputs`, each ``parse_*`` returns a clean value or raises
:class:`~workbook.errors.InvalidInput` naming the field, and never trusts the type it is given.
"""
from __future__ import annotations

import datetime as dt
import math
import numbers
from decimal import Decimal, InvalidOperation

import pycountry

from ..errors import InvalidInput, Problem
from ..inputs import MAX_SHORT, parse_text

FUNDING_STATUSES: tuple[str, ...] = ("committed", "pipeline", "gap")
STATUSES: tuple[str, ...] = ("open", "in_progress", "done", "dropped")
HORIZONS: tuple[str, ...] = ("short", "long")
COST_BANDS: tuple[str, ...] = ("low", "medium", "high")
EXPOSURES: tuple[int, ...] = (1, 2, 3)
MAX_AMOUNT = 10**15


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
    if isinstance(value, dt.datetime):
        value = value.date()
    if hasattr(value, "to_pydatetime"):  # a pandas Timestamp from a frame
        value = value.to_pydatetime().date()
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise InvalidInput(Problem(field, f"{value!r} is not a date; use YYYY-MM-DD")) from None
    if not isinstance(value, dt.date):
        raise InvalidInput(Problem(field, f"expected a date, got {type(value).__name__}"))
    if not 1990 <= value.year <= 2100:
        raise InvalidInput(Problem(field, f"{value.isoformat()} is outside 1990-2100"))
    return value


def parse_names(value, field: str) -> list[str]:
    """A list of names (a list, or text separated by ``;``), each at most 120 characters."""
    if value is None:
        return []
    if isinstance(value, str):
        value = [v for v in value.split(";")]
    if not isinstance(value, (list, tuple)):
        raise InvalidInput(Problem(field, f"expected a list of names, got {type(value).__name__}"))
    out, problems = [], []
    for i, v in enumerate(value):
        try:
            name = parse_text(v, f"{field}[{i}]", max_len=MAX_SHORT)
        except InvalidInput as exc:
            problems += exc.problems
            continue
        if name and name not in out:
            out.append(name)
    if problems:
        raise InvalidInput(problems)
    return out


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

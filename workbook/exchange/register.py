"""The crossing-point register as a spreadsheet: written for the team to fill, read back with
every problem located at its cell.

* :func:`export_register` writes an Excel workbook: a ``Register`` sheet with one column per
  field of a post (:data:`workbook.mission.fields.POST_FIELDS`) and the posts already recorded,
  and an ``About`` sheet that says what each column takes.
* :func:`import_register` reads an ``.xlsx`` (the ``Register`` sheet, else the first sheet) or
  a ``.csv`` file and saves its rows with :meth:`MissionStore.save_posts`: a post whose code is
  already in the register is updated, the others are added; all rows or none. A problem is
  located as ``Register!G5 (traffic)`` (a CSV: ``register.csv row 5 (traffic)``).

Headers are the field names; case, spaces and a few plain labels are forgiven ("Traffic
source", "Post code", "Type"). A column the reader does not know is refused, so a typo in a
header never drops a column silently. Blank rows are skipped.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from ..errors import InvalidInput, Problem
from ..mission.fields import BMIS_STATES, KIND_NAMES, POST_FIELDS, is_blank
from .xlsx import HEADER_FILL, HEADER_FONT, WRAP, open_xlsx

SHEET = "Register"
REQUIRED = ("code", "name", "kind")
ALIASES = {"post_code": "code", "post": "code", "post_name": "name", "type": "kind", "kind_of_post": "kind",
           "latitude": "lat", "longitude": "lon", "people_per_year": "traffic", "traffic_per_year": "traffic",
           "source": "traffic_source", "year": "traffic_year", "opening_hours": "hours", "women": "women_officers",
           "api/pnr": "api_pnr", "api_or_pnr": "api_pnr", "interpol_access": "interpol"}
HELP = {
    "code": "the team's short code of the post, unique (e.g. XAT-AIR-1); a code already in the register updates it",
    "name": "the post's name",
    "kind": "one of " + ", ".join(f"{k} ({v})" for k, v in KIND_NAMES.items()),
    "region": "for a real country a subdivision of ISO 3166-2, by name or code (e.g. Mombasa or KE-28)",
    "lat": "latitude in decimal degrees (optional; with lon)", "lon": "longitude in decimal degrees",
    "traffic": "people crossing per year (a whole number)",
    "traffic_source": "where the traffic figure comes from (required with traffic)",
    "traffic_year": "the year of the traffic figure (required with traffic)",
    "agencies": "agencies present, separated by ;", "booths": "first-line booths or desks",
    "officers": "officers on the post's staff", "women_officers": "of whom women",
    "interpol": "access to INTERPOL databases at the first line: yes or no",
    "api_pnr": "receives advance passenger information or PNR: yes or no",
    "bmis": "border management information system: " + ", ".join(BMIS_STATES),
    "equipment": "equipment and connectivity, in words", "hours": "opening hours (e.g. 24/7, 06:00-22:00)",
}


def _key(header) -> str:
    text = re.sub(r"[\s\-]+", "_", str(header).strip().lower())
    return ALIASES.get(text, text)


def export_register(mission, assessment_id: int, path: str | Path) -> Path:
    """Write the register of an assessment as an Excel workbook to fill or correct."""
    path = Path(path)
    posts = mission.posts_frame(assessment_id)
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append(list(POST_FIELDS))
    for cell in ws[1]:
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    for row in posts.itertuples(index=False):
        values = []
        for key in POST_FIELDS:
            v = getattr(row, key)
            if key == "agencies":
                v = "; ".join(v)
            elif isinstance(v, bool):
                v = "yes" if v else "no"
            values.append(None if is_blank(v) else v)
        ws.append(values)
    for i, key in enumerate(POST_FIELDS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = 28 if key in ("name", "traffic_source", "equipment") else 14
    ws.freeze_panes = "B2"
    about = wb.create_sheet("About")
    about.append(["column", "what it takes"])
    for key in POST_FIELDS:
        about.append([key, HELP[key]])
        about.cell(about.max_row, 2).alignment = WRAP
    about.column_dimensions["B"].width = 100
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


@dataclass
class RegisterRows:
    """The rows of a register file and how to name their cells in problems."""

    rows: list[dict]
    row_numbers: list[int]
    where: str  # the sheet's name, or the CSV file's
    columns: dict[str, int]  # field -> column number (1-based)
    csv: bool

    def cell(self, row: int, key: str | None = None) -> str:
        if self.csv or key not in self.columns:
            return f"{self.where} row {row}"
        return f"{self.where}!{get_column_letter(self.columns[key])}{row}"


def read_register(path: str | Path) -> RegisterRows:
    """The rows of a register file; raises :class:`InvalidInput` for a file or a header row it
    cannot read (an unknown or repeated column, a required column missing)."""
    path = Path(path)
    is_csv = path.suffix.lower() == ".csv"
    if is_csv:
        try:
            with path.open(newline="", encoding="utf-8-sig") as f:
                table = list(csv.reader(f))
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidInput(Problem(path.name, f"cannot read this CSV file ({exc})"), what="register") from None
        where = path.name
    else:
        wb = open_xlsx(path)
        ws = wb[SHEET] if SHEET in wb.sheetnames else wb.worksheets[0]
        table = [list(r) for r in ws.iter_rows(values_only=True)]
        where = ws.title
    if not table or all(is_blank(v) for v in table[0]):
        raise InvalidInput(Problem(where, "the first row must name the columns: " + ", ".join(POST_FIELDS)),
                           what="register")
    problems, columns = [], {}
    for i, header in enumerate(table[0], start=1):
        if is_blank(header):
            continue
        key = _key(header)
        at = f"{where} column {i}" if is_csv else f"{where}!{get_column_letter(i)}1"
        if key not in POST_FIELDS:
            problems.append(Problem(at, f"unknown column {header!r}; the columns are " + ", ".join(POST_FIELDS)))
        elif key in columns:
            problems.append(Problem(at, f"column {key} appears twice"))
        else:
            columns[key] = i
    missing = [k for k in REQUIRED if k not in columns]
    if missing:
        problems.append(Problem(where, f"missing column{'s' if len(missing) > 1 else ''}: {', '.join(missing)}"))
    if problems:
        raise InvalidInput(problems, what="register")
    rows, numbers = [], []
    for n, values in enumerate(table[1:], start=2):
        row = {key: values[i - 1] for key, i in columns.items() if i - 1 < len(values)}
        if all(is_blank(v) for v in row.values()):
            continue
        rows.append(row)
        numbers.append(n)
    return RegisterRows(rows, numbers, where, columns, is_csv)


def import_register(mission, assessment_id: int, path: str | Path, *, by: str, dry_run: bool = False) -> dict:
    """Add or update the posts of a register spreadsheet (all rows or none); returns
    ``{"added": n, "updated": n, "rows": n}``. Problems are located at their cell; with
    ``dry_run`` nothing is written."""
    found = read_register(path)
    if not found.rows:
        raise InvalidInput(Problem(found.where, "no post in the file (every row below the header is empty)"),
                           what="register")
    try:
        counts = mission.save_posts(assessment_id, found.rows, by=by, dry_run=dry_run,
                                    where_of=lambda i: f"@{found.row_numbers[i]}")
    except InvalidInput as exc:
        raise InvalidInput([_locate(p, found) for p in exc.problems], what="register") from None
    return counts | {"rows": len(found.rows)}


def _locate(problem: Problem, found: RegisterRows) -> Problem:
    """``@5.traffic`` -> ``Register!G5 (traffic)``; ``@5.agencies[1]`` -> ``Register!J5 (agencies[1])``."""
    message = re.sub(r"@(\d+)(?:\.\w+)?", r"row \1", problem.message)  # "duplicate of @2" -> "of row 2"
    m = re.fullmatch(r"@(\d+)(?:\.(\w+)(.*))?", problem.location, flags=re.S)
    if not m:
        return Problem(problem.location, message)
    row, key, rest = int(m[1]), m[2], m[3] or ""
    if key is None:
        return Problem(found.cell(row), message)
    return Problem(f"{found.cell(row, key)} ({key}{rest})", message)

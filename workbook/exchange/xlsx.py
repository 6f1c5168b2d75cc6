"""The Excel workbook of one assessment: export for national experts, import of what they filled.

Layout (see docs/field-exchange.md):

- ``Read me``: the assessment, how to fill the file, the scale, the codes, the evidence types.
- One sheet per pillar, named after it (``Operations``), row 1 the headers, then one row per
  indicator: id, sub-area, indicator, **national, external, agreed rating, notes** (the only
  unlocked cells, ratings with a 1-5/NA/NE/IE dropdown), the question, the five level
  descriptors, the guidance and the evidence already on file.
- ``Evidence``: one row per evidence record. Records already on file carry their number and are
  locked; new records go in the empty rows below (indicator and type from dropdowns, date not in
  the future).
- ``Lists`` (hidden): the dropdown values. ``_workbook`` (very hidden): the assessment, the
  framework id and version, the export time, and each rating's version and values at export,
  for conflict detection on import.

Sheets and workbook are protected without a password: the point is to stop accidents, not
people.
"""
from __future__ import annotations

import datetime as dt
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import config
from ..errors import InvalidInput, NotFound, Problem, Problems
from ..i18n.content import translated_framework
from ..i18n.languages import parse_lang
from ..inputs import EVIDENCE_FIELDS, RATING_FIELDS, RATING_RULES, check_evidence, parse_rating
from ..store.models import Evidence, Rating
from ..store import AssessmentInfo, Store
from .plan import ExportBaseline, FileEvidence, FileRating, ImportPlan, framework_mapping, map_indicator, plan_import

FORMAT = "mbm-workbook-xlsx"
FORMAT_VERSION = 1
README, EVIDENCE, LISTS, META = "Read me", "Evidence", "Lists", "_workbook"
LEVEL_CHOICES = ("1", "2", "3", "4", "5", "NA", "NE", "IE")
NEW_EVIDENCE_ROWS = 300

# (key, header, width, editable)
PILLAR_COLUMNS = [
    ("indicator_id", "Indicator id", 11, False),
    ("subarea", "Sub-area", 24, False),
    ("indicator", "Indicator", 30, False),
    ("national", "National rating", 10, True),
    ("external", "External rating", 10, True),
    ("agreed", "Agreed rating", 10, True),
    ("notes", "Notes", 40, True),
    ("question", "Question", 50, False),
    *[(f"level_{n}", f"Level {n}", 45, False) for n in range(1, 6)],
    ("guidance", "Guidance", 60, False),
    ("evidence", "Evidence on file", 40, False),
]
EVIDENCE_COLUMNS = [
    ("record", "Record", 8),
    ("indicator_id", "Indicator id", 12),
    ("type", "Type", 18),
    ("source", "Source", 45),
    ("date", "Date", 12),
    ("reference", "Reference", 30),
    ("supplied_by", "Supplied by", 24),
]
META_RATING_COLUMNS = ("indicator_id", "version", *RATING_FIELDS)
META_EVIDENCE_COLUMNS = ("record", "indicator_id", *EVIDENCE_FIELDS)

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="305496")
EDIT_FILL = PatternFill("solid", fgColor="FFF2CC")
LOCKED_FILL = PatternFill("solid", fgColor="EDEDED")
WRAP = Alignment(wrap_text=True, vertical="top")
UNLOCKED = Protection(locked=False)


def sheet_name(pillar_name: str) -> str:
    """Excel sheet names: at most 31 characters, none of []:*?/\\."""
    return re.sub(r"[\[\]:*?/\\]", " ", pillar_name)[:31]


def _col(key: str, columns=PILLAR_COLUMNS) -> int:
    return next(i for i, c in enumerate(columns, start=1) if c[0] == key)


def _protect(ws) -> None:
    ws.protection.sheet = True
    # Let people resize and sort out the view; structure and ids stay locked.
    ws.protection.formatColumns = False
    ws.protection.formatRows = False


def _header(ws, columns) -> None:
    for i, (_, header, width, *_) in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=i, value=header)
        cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, WRAP
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "D2"


@dataclass(frozen=True)
class StoredValues:
    """The ratings and evidence records of an assessment as they are stored (for exports)."""

    ratings: dict[str, Rating]
    evidence: list[tuple[int, str, dict]]  # record id, indicator id, values


def stored_values(store: Store, assessment_id: int) -> StoredValues:
    with Session(store.engine) as s:
        ratings = {r.indicator_id: r for r in s.scalars(select(Rating).where(Rating.assessment_id == assessment_id))}
        rows = s.execute(select(Evidence.id, Rating.indicator_id, *(getattr(Evidence, k) for k in EVIDENCE_FIELDS))
                         .join(Rating, Evidence.rating_id == Rating.id)
                         .where(Rating.assessment_id == assessment_id)
                         .order_by(Rating.indicator_id, Evidence.id)).all()
        s.expunge_all()
    return StoredValues(ratings, [(r[0], r[1], dict(zip(EVIDENCE_FIELDS, r[2:]))) for r in rows])


# -- export ---------------------------------------------------------------------------------
def export_xlsx(store: Store, info: AssessmentInfo, path: str | Path, *, now: dt.datetime | None = None,
                lang: str | None = None, also: tuple[str, ...] | list[str] = ()) -> Path:
    """Write the Excel workbook of one assessment to ``path``; return the path. ``lang`` (default
    ``WORKBOOK_LANG``): the language of the framework text in it (names, questions, descriptors,
    sheet names); ids, codes and the hidden sheet are the same in every language, so any of them
    imports back. ``also``: more languages for a bilingual file: each framework text cell of the
    pillar sheets holds the text in ``lang``, then (after a blank line) in each of these, so a mixed
    team rates in one file; the columns and what is read back do not change."""
    langs = list(dict.fromkeys([config.language(lang), *(parse_lang(a, "also") for a in also)]))
    fw, *others = (translated_framework(store.framework, code) for code in langs)
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    data = stored_values(store, info.id)
    wb = Workbook()
    _readme(wb.active, store, info, now, fw)

    by_indicator: dict[str, list[str]] = {}
    for rid, ind_id, v in data.evidence:
        by_indicator.setdefault(ind_id, []).append(f"#{rid} {v['type']}: {v['source']}")
    for p in fw.pillars:
        ws = wb.create_sheet(sheet_name(p.name))
        _header(ws, PILLAR_COLUMNS)
        row = 1
        for sa in p.subareas:
            for ind in sa.indicators:
                row += 1
                r = data.ratings.get(ind.id)
                values = {"indicator_id": ind.id,
                          "national": r.national if r else None, "external": r.external if r else None,
                          "agreed": r.agreed if r else None, "notes": (r.notes if r else "") or None,
                          "evidence": "\n".join(by_indicator.get(ind.id, [])) or None,
                          **_framework_text(ind.id, fw, others)}
                for c, (key, _, _, editable) in enumerate(PILLAR_COLUMNS, start=1):
                    v = values[key]
                    # levels are written as numbers so that they look like what the dropdown enters
                    cell = ws.cell(row=row, column=c, value=int(v) if key in RATING_FIELDS[:3] and v and v.isdigit()
                                   else v)
                    cell.alignment = WRAP
                    if editable:
                        cell.protection, cell.fill = UNLOCKED, EDIT_FILL
        dv = DataValidation(type="list", formula1='"' + ",".join(LEVEL_CHOICES) + '"', allow_blank=True,
                            showErrorMessage=True, errorTitle="Not a level",
                            error="Use a level 1-5 or a code: NA (not applicable), NE (not evaluated), "
                                  "IE (insufficient evidence).",
                            showInputMessage=True, promptTitle="Rating",
                            prompt="1-5, NA, NE or IE. The level descriptors are in the columns to the right.")
        ws.add_data_validation(dv)
        first, last = get_column_letter(_col("national")), get_column_letter(_col("agreed"))
        dv.add(f"{first}2:{last}{row}")
        _protect(ws)

    _evidence_sheet(wb.create_sheet(EVIDENCE), fw, data)
    lists = wb.create_sheet(LISTS)
    lists.append(["level", "evidence type", "indicator id"])
    etypes = [t.id for t in fw.evidence_types]
    for i in range(max(len(LEVEL_CHOICES), len(etypes), len(fw.indicators))):
        lists.append([LEVEL_CHOICES[i] if i < len(LEVEL_CHOICES) else None, etypes[i] if i < len(etypes) else None,
                      list(fw.indicators)[i] if i < len(fw.indicators) else None])
    lists.sheet_state = "hidden"
    _protect(lists)

    _meta_sheet(wb.create_sheet(META), store, info, now, data, fw)
    wb.security = WorkbookProtection(lockStructure=True)
    wb.active = 0
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _framework_text(indicator_id: str, fw, others) -> dict[str, str]:
    """The framework text cells of an indicator's row, in ``fw``'s language then each of ``others``'."""
    texts = []
    for f in (fw, *others):
        ind = f.indicators[indicator_id]
        sa = f.subareas[indicator_id.rsplit(".", 1)[0]]
        texts.append({"subarea": f"{sa.id} {sa.name}", "indicator": ind.name, "question": ind.question,
                      "guidance": ind.guidance, **{f"level_{lv.level}": lv.descriptor for lv in ind.levels}})
    return {k: "\n\n".join(dict.fromkeys(t[k] for t in texts)) for k in texts[0]}


def _readme(ws, store: Store, info: AssessmentInfo, now: dt.datetime, fw=None) -> None:
    fw = fw or store.framework
    ws.title = README
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 110
    rows: list[tuple] = [
        (f"{fw.title}: {info.label}",),
        (),
        ("Assessment", f"{info.country_code} {info.country_name}{' (fictional)' if info.fictional else ''}, "
                       f"round {info.round}"),
        ("Framework", f"{fw.id} {fw.version}"),
        ("Exported", f"{now:%Y-%m-%d %H:%M} UTC"),
        (),
        ("How to fill it",),
        ("1.", "Each pillar has its own sheet, one row per indicator. Rate in the yellow columns only: "
               "national, external and agreed rating (pick from the dropdown), and notes."),
        ("2.", "The question, the five level descriptors and the guidance are in the columns to the right. "
               "A level is reached only when everything its descriptor says holds."),
        ("3.", "Add evidence on the 'Evidence' sheet, one row per document, observation or data source, in the "
               "empty rows below the records already on file. Pick the indicator id and the type from the "
               "dropdowns; the date (YYYY-MM-DD) may not be in the future."),
        ("4.", "Do not rename, add or remove sheets, rows or columns: ids and headers are locked so that the file "
               "can be read back. Leave a rating empty if you have not decided it."),
        ("5.", f"Send the file back. It is read with: workbook import FILE (add --dry-run to see what would "
               f"change). Every problem is listed with its sheet and cell, and nothing is saved until the whole "
               f"file is valid. Ratings changed in the database after {now:%Y-%m-%d %H:%M} UTC are listed and "
               f"left alone unless the import is repeated with --overwrite."),
        (),
        ("Levels",),
        *[(str(lv.level), f"{lv.name}: {lv.summary}") for lv in fw.scale.levels],
        (),
        ("Codes",),
        *[(c.code, f"{c.name}: {c.meaning}") for c in fw.scale.codes],
        (),
        ("Evidence types",),
        *[(t.id, t.name) for t in fw.evidence_types],
    ]
    for r in rows:
        ws.append(list(r))
    for row in ws.iter_rows():
        for cell in row:
            cell.alignment = WRAP
    ws["A1"].font = Font(bold=True, size=14)
    for row in ws.iter_rows(min_col=1, max_col=1):
        if row[0].value in ("How to fill it", "Levels", "Codes", "Evidence types"):
            row[0].font = Font(bold=True)
    _protect(ws)


def _evidence_sheet(ws, fw, data: StoredValues) -> None:
    _header(ws, EVIDENCE_COLUMNS)
    ws.freeze_panes = "C2"
    row = 1
    for rid, ind_id, v in data.evidence:
        row += 1
        ws.append([rid, ind_id, v["type"], v["source"], v["date"], v["reference"] or None, v["supplied_by"] or None])
        for cell in ws[row]:
            cell.fill, cell.alignment = LOCKED_FILL, WRAP
        ws.cell(row=row, column=_col("date", EVIDENCE_COLUMNS)).number_format = "yyyy-mm-dd"
    first_new, last_new = row + 1, row + NEW_EVIDENCE_ROWS
    for r in range(first_new, last_new + 1):
        for c in range(2, len(EVIDENCE_COLUMNS) + 1):
            cell = ws.cell(row=r, column=c)
            cell.protection, cell.fill = UNLOCKED, EDIT_FILL
        ws.cell(row=r, column=_col("date", EVIDENCE_COLUMNS)).number_format = "yyyy-mm-dd"
    n_ind, n_types = len(fw.indicators), len(fw.evidence_types)

    def letter(key):
        return get_column_letter(_col(key, EVIDENCE_COLUMNS))
    rules = [
        (DataValidation(type="list", formula1=f"{LISTS}!$C$2:$C${n_ind + 1}", showErrorMessage=True,
                        allow_blank=True, errorTitle="Unknown indicator", error="Pick an indicator id from the list."),
         "indicator_id"),
        (DataValidation(type="list", formula1=f"{LISTS}!$B$2:$B${n_types + 1}", showErrorMessage=True,
                        allow_blank=True, errorTitle="Unknown type",
                        error="Pick an evidence type from the list (see the Read me sheet)."), "type"),
        (DataValidation(type="date", operator="lessThanOrEqual", formula1="TODAY()", showErrorMessage=True,
                        allow_blank=True, errorTitle="Date", error="A date (YYYY-MM-DD), not in the future."), "date"),
    ]
    for dv, key in rules:
        ws.add_data_validation(dv)
        dv.add(f"{letter(key)}{first_new}:{letter(key)}{last_new}")
    _protect(ws)


def _meta_sheet(ws, store: Store, info: AssessmentInfo, now: dt.datetime, data: StoredValues, fw=None) -> None:
    fw = fw or store.framework
    pairs = [("format", FORMAT), ("format_version", FORMAT_VERSION), ("country", info.country_code),
             ("round", info.round), ("framework_id", fw.id), ("framework_version", fw.version),
             ("exported_at", now.isoformat()), ("sheets", "|".join(sheet_name(p.name) for p in fw.pillars))]
    for i, (k, v) in enumerate(pairs, start=1):
        ws.cell(row=i, column=1, value=k)
        ws.cell(row=i, column=2, value=v)
    # ratings at export: columns D..; evidence at export: columns K..
    for c, h in enumerate(META_RATING_COLUMNS, start=4):
        ws.cell(row=1, column=c, value=h)
    for r, ind_id in enumerate(fw.indicators, start=2):
        rating = data.ratings.get(ind_id)
        values = [ind_id, rating.version if rating else 0] + [getattr(rating, k) if rating else None
                                                              for k in RATING_FIELDS]
        for c, v in enumerate(values, start=4):
            ws.cell(row=r, column=c, value=v)
    for c, h in enumerate(META_EVIDENCE_COLUMNS, start=11):
        ws.cell(row=1, column=c, value=h)
    for r, (rid, ind_id, v) in enumerate(data.evidence, start=2):
        for c, x in enumerate([rid, ind_id, *(v[k] for k in EVIDENCE_FIELDS)], start=11):
            ws.cell(row=r, column=c, value=x)
    ws.sheet_state = "veryHidden"
    _protect(ws)


# -- import ---------------------------------------------------------------------------------
def open_xlsx(path: Path):
    """Open an .xlsx file or raise a located error saying what it is instead."""
    name = path.name
    if not path.is_file():
        raise InvalidInput(Problem(name, "no such file"), what="import")
    if not zipfile.is_zipfile(path):
        with path.open("rb") as f:
            head = f.read(8)
        what = "an old .xls file: open it in Excel and save as .xlsx" if head.startswith(b"\xd0\xcf\x11\xe0") \
            else "not an Excel workbook (.xlsx)"
        raise InvalidInput(Problem(name, f"this file is {what}"), what="import")
    try:
        return load_workbook(path, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds (KeyError, InvalidFileException, ...)
        raise InvalidInput(Problem(name, f"this file is not a readable Excel workbook ({type(exc).__name__}: {exc})"),
                           what="import") from None


def is_workbook_export(wb) -> bool:
    return META in wb.sheetnames


def _cell_text(v) -> str | None:
    if v is None:
        return None
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v)


def _level(v, where: str) -> str | None:
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return parse_rating(v, where)


def _read_meta(ws, name: str) -> tuple[dict, dict[str, ExportBaseline], dict[int, tuple[str, dict]]]:
    meta = {}
    for k, v in ws.iter_rows(min_row=1, max_col=2, values_only=True):
        if k:
            meta[str(k)] = v
    if meta.get("format") != FORMAT:
        raise InvalidInput(Problem(f"{name}: sheet {META}", "this is not a workbook export (wrong format mark)"),
                           what="import")
    if meta.get("format_version") != FORMAT_VERSION:
        raise InvalidInput(Problem(f"{name}: sheet {META}", f"export format {meta.get('format_version')} is not "
                                                            f"supported (this version reads {FORMAT_VERSION})"),
                           what="import")
    bases: dict[str, ExportBaseline] = {}
    for row in ws.iter_rows(min_row=2, min_col=4, max_col=3 + len(META_RATING_COLUMNS), values_only=True):
        if row[0]:
            bases[row[0]] = ExportBaseline(version=int(row[1] or 0),
                                 values={k: _cell_text(v) for k, v in zip(RATING_FIELDS, row[2:])})
    exported: dict[int, tuple[str, dict]] = {}
    for row in ws.iter_rows(min_row=2, min_col=11, max_col=10 + len(META_EVIDENCE_COLUMNS), values_only=True):
        if row[0] is not None:
            exported[int(row[0])] = (row[1], dict(zip(EVIDENCE_FIELDS, row[2:])))
    return meta, bases, exported


def _extra_columns(ws, ncols: int, problems: Problems) -> None:
    """One problem per column beyond the workbook's own that holds anything."""
    for col in ws.iter_cols(min_col=ncols + 1, max_col=max(ws.max_column, ncols)):
        for cell in col:
            if cell.value not in (None, ""):
                problems.append(Problem(f"{ws.title}!{cell.coordinate}",
                                        f"unexpected column {cell.value!r}: the workbook's columns end at "
                                        f"{get_column_letter(ncols)}; move this into Notes or the Evidence sheet"
                                        if cell.row == 1 else
                                        f"unexpected value {str(cell.value)[:40]!r} outside the workbook's columns "
                                        f"(they end at {get_column_letter(ncols)})"))
                break


def _check_headers(ws, columns, problems: Problems) -> bool:
    ok = True
    for c, (_, header, *_) in enumerate(columns, start=1):
        found = ws.cell(row=1, column=c).value
        if not (isinstance(found, str) and found.strip() == header):
            problems.append(Problem(f"{ws.title}!{get_column_letter(c)}1",
                                    f"expected the header {header!r}, found {found!r}: columns were moved, renamed "
                                    "or deleted; export a fresh workbook"))
            ok = False
    return ok


def read_xlsx(store: Store, path: str | Path, wb=None) -> ImportPlan:
    """Read a filled workbook into an :class:`ImportPlan`; raise :class:`InvalidInput` listing
    every problem (with sheet and cell) when anything in it is wrong."""
    path = Path(path)
    wb = wb or open_xlsx(path)
    fw = store.framework
    name = path.name
    if META not in wb.sheetnames:
        raise InvalidInput(Problem(name, f"the hidden sheet {META!r} is missing: this file was not exported by "
                                         "`workbook export --format xlsx` (or was copied into a new file); export a "
                                         "fresh workbook and copy the ratings into it"), what="import")
    try:
        meta, bases, exported_evidence = _read_meta(wb[META], name)
    except (TypeError, ValueError):
        raise InvalidInput(Problem(f"{name}: sheet {META}", "the hidden sheet was edited and cannot be read; export "
                                                            "a fresh workbook"), what="import") from None
    mapping = framework_mapping(fw, str(meta.get("framework_id")), str(meta.get("framework_version")),
                                f"{name}: framework")
    country, round_ = str(meta.get("country") or ""), str(meta.get("round") or "")
    try:
        info = store.get_assessment(country, round_)
    except NotFound as exc:
        raise InvalidInput(Problem(f"{name}: assessment", f"{exc}; the file was exported for {country} {round_!r}"),
                           what="import") from None

    problems = Problems()
    expected = [s for s in str(meta.get("sheets") or "").split("|") if s]
    for extra in sorted(set(wb.sheetnames) - set(expected) - {README, EVIDENCE, LISTS, META}):
        problems.append(Problem(extra, "this sheet is not part of the exported workbook; move its ratings into the "
                                       "pillar sheets"))
    ratings: list[FileRating] = []
    seen: dict[str, str] = {}
    for sheet in expected:
        if sheet not in wb.sheetnames:
            problems.append(Problem(sheet, "the sheet is missing: export a fresh workbook, or copy the sheet back"))
            continue
        ws = wb[sheet]
        if not _check_headers(ws, PILLAR_COLUMNS, problems):
            continue
        _extra_columns(ws, len(PILLAR_COLUMNS), problems)
        for r, row in enumerate(ws.iter_rows(min_row=2, max_col=len(PILLAR_COLUMNS), values_only=True), start=2):
            raw = dict(zip((c[0] for c in PILLAR_COLUMNS), row))
            if all(raw[k] in (None, "") for k in ("indicator_id", *RATING_FIELDS)):
                continue
            loc = f"{sheet}!A{r}"
            ind_id, problem = map_indicator(fw, mapping, _cell_text(raw["indicator_id"]), loc,
                                            has_values=any(raw[k] not in (None, "") for k in RATING_FIELDS))
            if problem:
                problems.append(problem)
            if ind_id is None:
                continue
            if ind_id in seen:
                problems.append(Problem(loc, f"{ind_id} appears twice (also at {seen[ind_id]})"))
                continue
            seen[ind_id] = loc
            values = {}
            for key in RATING_FIELDS:
                where = f"{sheet}!{get_column_letter(_col(key))}{r}"
                with problems.collect():
                    values[key] = (RATING_RULES["notes"](_cell_text(raw[key]), where) if key == "notes"
                                   else _level(raw[key], where), where)
            ratings.append(FileRating(ind_id, values, bases.get(str(raw["indicator_id"]).strip())))

    evidence: list[FileEvidence] = []
    if EVIDENCE not in wb.sheetnames:
        problems.append(Problem(EVIDENCE, "the sheet is missing: export a fresh workbook, or copy the sheet back"))
    else:
        evidence = _read_evidence(wb[EVIDENCE], fw, mapping, exported_evidence, problems)
    problems.raise_if_any(what=name)
    return plan_import(store, info.id, ratings, evidence, source=name, kind="Excel workbook", country=info.country_code,
                       round=info.round)


def _same_record(record: tuple[str, dict]) -> tuple:
    """A record as comparable values: dates as dates, empty as None."""
    ind_id, values = record
    out = [_cell_text(ind_id)]
    for k in EVIDENCE_FIELDS:
        v = values.get(k)
        out.append(v.date() if isinstance(v, dt.datetime) else (v if v not in ("",) else None))
    return tuple(out)


def _read_evidence(ws, fw, mapping, exported: dict, problems: Problems) -> list[FileEvidence]:
    if not _check_headers(ws, EVIDENCE_COLUMNS, problems):
        return []
    _extra_columns(ws, len(EVIDENCE_COLUMNS), problems)
    etypes = {t.id for t in fw.evidence_types}
    out = []
    letter = {k: get_column_letter(_col(k, EVIDENCE_COLUMNS)) for k, *_ in EVIDENCE_COLUMNS}
    for r, row in enumerate(ws.iter_rows(min_row=2, max_col=len(EVIDENCE_COLUMNS), values_only=True), start=2):
        raw = dict(zip((c[0] for c in EVIDENCE_COLUMNS), row))
        if all(v in (None, "") for v in raw.values()):
            continue
        if raw["record"] not in (None, ""):
            rid = raw["record"]
            old = exported.get(int(rid)) if isinstance(rid, (int, float)) else None
            if old is None or _same_record(old) != _same_record((raw["indicator_id"], raw)):
                problems.append(Problem(f"{ws.title}!{letter['record']}{r}", (
                    f"record {rid} was changed, or its number typed in: records already on file are read-only "
                    "here; change them in the app, or add a new row with an empty Record cell")))
            continue
        loc = f"{ws.title}!{letter['indicator_id']}{r}"
        ind_id, problem = map_indicator(fw, mapping, _cell_text(raw["indicator_id"]), loc)
        if problem:
            problems.append(problem)
        values = check_evidence(lambda key, raw=raw: raw[key] if key == "date" else _cell_text(raw[key]),
                                lambda key, r=r: f"{ws.title}!{letter[key]}{r}", etypes, problems)
        ok = ind_id is not None and values is not None
        if ok:
            out.append(FileEvidence(ind_id, values, f"{ws.title}!row {r}"))
    return out

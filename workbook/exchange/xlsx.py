"""The Excel workbook of one assessment: export for national experts, import of what they filled.

Layout (see docs/field-exchange.md):

- ``Read me``: the assessment, how to fill the file, the scale, the codes, the evidence types.
- One sheet per pillar, named after it (``Operations``), row 1 the headers, then one row per
  indicator: id, sub-area, indicator, **national, external, agreed rating**, (framework 2.0)
  **override reason**, **notes** (the only unlocked cells, ratings with a 1-5/NA/NE/IE dropdown),
  (2.0) the level the criteria gave at export, the question, the five level descriptors, the
  guidance and the evidence already on file.
- ``Criteria`` (framework 2.0): every criterion, grouped under a heading row per indicator and
  per level: id, level, text, **answer** (yes/no/na dropdown), **note**, whether it is
  normative, the kinds of crossing point it applies to, where to observe it, what shows it.
- ``Crossing points`` (framework 2.0): which kinds of crossing point the country has, island,
  landlocked (yes/no dropdowns).
- ``Evidence``: one row per evidence record. Records already on file carry their number and are
  locked; new records go in the empty rows below (indicator and type from dropdowns, date not in
  the future).
- ``Lists`` (hidden): the dropdown values. ``_workbook`` (very hidden): the assessment, the
  framework id and version, the export time, and each rating's, criterion answer's and the
  profile's values at export (with versions), for conflict detection on import.

A workbook of an assessment rated against framework 1.0 (no criteria) is written as before, in
layout 1 (``format_version`` 1); 2.0 assessments get layout 2. Both read back.

Sheets and workbook are protected without a password: the point is to stop accidents, not
people.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, NamedStyle, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import config
from ..errors import InvalidInput, NotFound, Problem, Problems
from ..framework import Framework
from ..i18n.content import translated_framework
from ..i18n.languages import parse_lang
from ..inputs import (EVIDENCE_FIELDS, MAX_LONG, RATING_FIELDS, RATING_RULES, check_evidence, parse_answer,
                      parse_rating, parse_text)
from ..scoring import criteria_level
from ..store.criteria import PROFILE_KINDS, CrossingProfile, check_profile
from ..store.models import CriterionAnswer, Evidence, Rating
from ..store import AssessmentInfo, Store
from .plan import (ExportBaseline, FileAnswer, FileEvidence, FileProfile, FileRating, ImportPlan, framework_mapping,
                   map_indicator, plan_import)

FORMAT = "mbm-workbook-xlsx"
#: Layout 1: framework 1.0 assessments (no criteria). Layout 2: framework 2.0 (criteria sheet,
#: crossing points, override reason and the criteria level on the pillar sheets).
FORMAT_VERSION = 2
FORMAT_VERSIONS = (1, 2)
README, EVIDENCE, LISTS, META = "Read me", "Evidence", "Lists", "_workbook"
CRITERIA, PROFILE = "Criteria", "Crossing points"
LEVEL_CHOICES = ("1", "2", "3", "4", "5", "NA", "NE", "IE")
ANSWER_CHOICES = ("yes", "no", "na")
NEW_EVIDENCE_ROWS = 300

# (key, header, width, editable)
_LEFT = [
    ("indicator_id", "Indicator id", 11, False),
    ("subarea", "Sub-area", 24, False),
    ("indicator", "Indicator", 30, False),
    ("national", "National rating", 10, True),
    ("external", "External rating", 10, True),
    ("agreed", "Agreed rating", 10, True),
]
_RIGHT = [
    ("question", "Question", 50, False),
    *[(f"level_{n}", f"Level {n}", 45, False) for n in range(1, 6)],
    ("guidance", "Guidance", 60, False),
    ("evidence", "Evidence on file", 40, False),
]
#: The pillar sheets' columns, per layout (format version).
PILLAR_LAYOUTS = {
    1: [*_LEFT, ("notes", "Notes", 40, True), *_RIGHT],
    2: [*_LEFT, ("override_reason", "Override reason", 32, True), ("notes", "Notes", 40, True),
        ("criteria_level", "Criteria level at export", 11, False), *_RIGHT],
}
PILLAR_COLUMNS = PILLAR_LAYOUTS[FORMAT_VERSION]
CRITERIA_COLUMNS = [
    ("criterion_id", "Criterion id", 13, False),
    ("level", "Level", 7, False),
    ("text", "Criterion", 70, False),
    ("answer", "Answer", 9, True),
    ("note", "Note", 40, True),
    ("normative", "Normative", 11, False),
    ("applies_to", "Applies to", 20, False),
    ("observe_at", "Observe at", 20, False),
    ("shown_by", "Shown by", 13, False),
]
PROFILE_COLUMNS = [
    ("item", "Item", 12, False),
    ("name", "Crossing point kind", 40, False),
    ("has", "The country has it", 18, True),
]
PROFILE_FLAGS = (("island", "Island state"), ("landlocked", "Landlocked (no coast)"))
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
META_CRITERIA_COLUMNS = ("criterion_id", "version", "answer", "note")
# where each table of the hidden sheet starts (column numbers): ratings D, evidence K, answers T
META_RATINGS_AT, META_EVIDENCE_AT, META_CRITERIA_AT = 4, 11, 20
HEADING_FILL = PatternFill("solid", fgColor="D9E1F2")
LEVEL_FILL = PatternFill("solid", fgColor="F2F2F2")
STYLE_INDICATOR, STYLE_LEVEL, STYLE_TEXT, STYLE_ANSWER = "MBM indicator", "MBM level", "MBM text", "MBM answer"

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
    """What an assessment holds, as stored (for exports): ratings, evidence records, criteria
    answers and the crossing-point profile."""

    ratings: dict[str, Rating]
    evidence: list[tuple[int, str, dict]]  # record id, indicator id, values
    answers: dict[str, CriterionAnswer]
    profile: CrossingProfile


def stored_values(store: Store, assessment_id: int) -> StoredValues:
    with Session(store.engine) as s:
        ratings = {r.indicator_id: r for r in s.scalars(select(Rating).where(Rating.assessment_id == assessment_id))}
        rows = s.execute(select(Evidence.id, Rating.indicator_id, *(getattr(Evidence, k) for k in EVIDENCE_FIELDS))
                         .join(Rating, Evidence.rating_id == Rating.id)
                         .where(Rating.assessment_id == assessment_id)
                         .order_by(Rating.indicator_id, Evidence.id)).all()
        answers = {c.criterion_id: c for c in s.scalars(select(CriterionAnswer)
                                                        .where(CriterionAnswer.assessment_id == assessment_id))}
        s.expunge_all()
    return StoredValues(ratings, [(r[0], r[1], dict(zip(EVIDENCE_FIELDS, r[2:]))) for r in rows], answers,
                        store.crossing_profile(assessment_id))


def criteria_levels(fw: Framework, data: StoredValues) -> dict[str, int | None]:
    """The level each indicator's stored criteria answers give (None: none answered)."""
    answers = {cid: a.answer for cid, a in data.answers.items()}
    return {ind_id: criteria_level(ind, {c.id: answers[c.id] for c in ind.criteria if c.id in answers},
                                   data.profile.kinds).level
            for ind_id, ind in fw.indicators.items()}


def _kinds_text(fw: Framework, kinds) -> str:
    names = {k.id: k.name for k in fw.crossing_kinds}
    return ", ".join(names.get(k, k) for k in kinds)


def profile_json(profile: CrossingProfile) -> str:
    """A profile as compact JSON text (the hidden sheet and the forms carry it so)."""
    return json.dumps({"kinds": None if profile.kinds is None else [k for k in PROFILE_KINDS if k in profile.kinds],
                       "island": profile.island, "landlocked": profile.landlocked}, separators=(",", ":"))


def profile_from_json(text) -> CrossingProfile:
    data = json.loads(text)
    return CrossingProfile(None if data["kinds"] is None else frozenset(data["kinds"]), data["island"],
                           data["landlocked"])


# -- export ---------------------------------------------------------------------------------
def export_xlsx(store: Store, info: AssessmentInfo, path: str | Path, *, now: dt.datetime | None = None,
                lang: str | None = None, also: tuple[str, ...] | list[str] = ()) -> Path:
    """Write the Excel workbook of one assessment to ``path``; return the path (layout 2 for a
    framework 2.0 assessment, layout 1 for 1.0: see the module docstring). ``lang`` (default
    ``WORKBOOK_LANG``): the language of the framework text in it (names, questions, descriptors,
    sheet names); ids, codes and the hidden sheet are the same in every language, so any of them
    imports back. ``also``: more languages for a bilingual file: each framework text cell of the
    pillar sheets holds the text in ``lang``, then (after a blank line) in each of these, so a mixed
    team rates in one file; the columns and what is read back do not change."""
    langs = list(dict.fromkeys([config.language(lang), *(parse_lang(a, "also") for a in also)]))
    own = store.framework_of(info.id)  # the assessment's own version, translated
    fw, *others = (translated_framework(own, code) for code in langs)
    layout = 2 if fw.has_criteria else 1
    columns = PILLAR_LAYOUTS[layout]
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    data = stored_values(store, info.id)
    levels = criteria_levels(fw, data) if layout == 2 else {}
    wb = Workbook()
    _readme(wb.active, fw, info, now, layout)

    by_indicator: dict[str, list[str]] = {}
    for rid, ind_id, v in data.evidence:
        by_indicator.setdefault(ind_id, []).append(f"#{rid} {v['type']}: {v['source']}")
    for p in fw.pillars:
        ws = wb.create_sheet(sheet_name(p.name))
        _header(ws, columns)
        row = 1
        for sa in p.subareas:
            for ind in sa.indicators:
                row += 1
                r = data.ratings.get(ind.id)
                values = {"indicator_id": ind.id,
                          "national": r.national if r else None, "external": r.external if r else None,
                          "agreed": r.agreed if r else None, "notes": (r.notes if r else "") or None,
                          "override_reason": (r.override_reason if r else "") or None,
                          "criteria_level": levels.get(ind.id),
                          "evidence": "\n".join(by_indicator.get(ind.id, [])) or None,
                          **_framework_text(ind.id, fw, others)}
                for c, (key, _, _, editable) in enumerate(columns, start=1):
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
        first, last = get_column_letter(_col("national", columns)), get_column_letter(_col("agreed", columns))
        dv.add(f"{first}2:{last}{row}")
        _protect(ws)

    if layout == 2:
        _criteria_sheet(wb.create_sheet(CRITERIA), fw, data)
        _profile_sheet(wb.create_sheet(PROFILE), fw, data.profile)
    _evidence_sheet(wb.create_sheet(EVIDENCE), fw, data)
    lists = wb.create_sheet(LISTS)
    lists.append(["level", "evidence type", "indicator id"])
    etypes = [t.id for t in fw.evidence_types]
    for i in range(max(len(LEVEL_CHOICES), len(etypes), len(fw.indicators))):
        lists.append([LEVEL_CHOICES[i] if i < len(LEVEL_CHOICES) else None, etypes[i] if i < len(etypes) else None,
                      list(fw.indicators)[i] if i < len(fw.indicators) else None])
    lists.sheet_state = "hidden"
    _protect(lists)

    _meta_sheet(wb.create_sheet(META), fw, info, now, data, layout)
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


def _readme(ws, fw: Framework, info: AssessmentInfo, now: dt.datetime, layout: int) -> None:
    ws.title = README
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 110
    if layout == 2:
        steps = [
            ("1.", f"Start with the '{PROFILE}' sheet: say which kinds of crossing point the country has (yes or "
                   "no for each), and whether it is an island state or landlocked. Criteria that exist only for "
                   "some kinds (their 'Applies to' column) are answered 'na' where the country has none."),
            ("2.", f"Answer the criteria on the '{CRITERIA}' sheet, grouped by indicator and level: yes (met), no "
                   "(not met) or na (not applicable), with a note if useful. A level is reached only when every "
                   "capacity criterion of it and of every level below is met or not applicable. Normative "
                   "criteria (a political choice, such as joining a treaty) are reported beside the level and "
                   "never hold it down."),
            ("3.", "Each pillar has its own sheet, one row per indicator. Rate in the yellow columns only: national, "
                   "external and agreed rating (pick from the dropdown), override reason and notes. When the "
                   "criteria are answered, the agreed level follows them on import; an agreed level that differs "
                   "from the level the criteria give needs the team's reason in 'Override reason'. The column "
                   "'Criteria level at export' shows what the criteria gave when the file was made."),
            ("4.", "The question, the five level descriptors and the guidance are in the columns to the right."),
        ]
    else:
        steps = [
            ("1.", "Each pillar has its own sheet, one row per indicator. Rate in the yellow columns only: "
                   "national, external and agreed rating (pick from the dropdown), and notes."),
            ("2.", "The question, the five level descriptors and the guidance are in the columns to the right. "
                   "A level is reached only when everything its descriptor says holds."),
        ]
    n = len(steps)
    steps += [
        (f"{n + 1}.", "Add evidence on the 'Evidence' sheet, one row per document, observation or data source, in "
                      "the empty rows below the records already on file. Pick the indicator id and the type from the "
                      "dropdowns; the date (YYYY-MM-DD) may not be in the future."),
        (f"{n + 2}.", "Do not rename, add or remove sheets, rows or columns: ids and headers are locked so that the "
                      "file can be read back. Leave a rating or an answer empty if you have not decided it."),
        (f"{n + 3}.", f"Send the file back. It is read with: workbook import FILE (add --dry-run to see what would "
                      f"change). Every problem is listed with its sheet and cell, and nothing is saved until the "
                      f"whole file is valid. Values changed in the database after {now:%Y-%m-%d %H:%M} UTC are "
                      f"listed and left alone unless the import is repeated with --overwrite."),
    ]
    rows: list[tuple] = [
        (f"{fw.title}: {info.label}",),
        (),
        ("Assessment", f"{info.country_code} {info.country_name}{' (fictional)' if info.fictional else ''}, "
                       f"round {info.round}"),
        ("Framework", f"{fw.id} {fw.version}"),
        ("Exported", f"{now:%Y-%m-%d %H:%M} UTC"),
        (),
        ("How to fill it",),
        *steps,
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
    if layout == 2:
        rows += [(), ("Answers",), ("yes", "the criterion is met"), ("no", "the criterion is not met"),
                 ("na", "not applicable: the country has no crossing point of the kind it is about")]
    for r in rows:
        ws.append(list(r))
    for row in ws.iter_rows():
        for cell in row:
            cell.alignment = WRAP
    ws["A1"].font = Font(bold=True, size=14)
    for row in ws.iter_rows(min_col=1, max_col=1):
        if row[0].value in ("How to fill it", "Levels", "Codes", "Evidence types", "Answers"):
            row[0].font = Font(bold=True)
    _protect(ws)


def _criteria_styles(wb) -> None:
    """Named styles for the Criteria sheet: one assignment per cell (it has 12,000 of them)."""
    for name, fill, font, protection in ((STYLE_INDICATOR, HEADING_FILL, Font(bold=True), None),
                                         (STYLE_LEVEL, LEVEL_FILL, Font(italic=True), None),
                                         (STYLE_TEXT, None, None, None),
                                         (STYLE_ANSWER, EDIT_FILL, None, UNLOCKED)):
        style = NamedStyle(name=name, alignment=WRAP)
        if fill is not None:
            style.fill = fill
        if font is not None:
            style.font = font
        if protection is not None:
            style.protection = protection
        wb.add_named_style(style)


def _criteria_sheet(ws, fw: Framework, data: StoredValues) -> None:
    """Every criterion under a heading row per indicator and per level; answer and note unlocked."""
    _criteria_styles(ws.parent)
    _header(ws, CRITERIA_COLUMNS)
    ws.freeze_panes = "B2"
    ncols = len(CRITERIA_COLUMNS)
    text_col = _col("text", CRITERIA_COLUMNS)
    editable = {_col(k, CRITERIA_COLUMNS) for k, *_, edit in CRITERIA_COLUMNS if edit}
    wrapped = editable | {text_col}

    def band(row: int, style: str, values: dict[int, object]) -> None:
        for c in range(1, ncols + 1):
            cell = ws.cell(row=row, column=c, value=values.get(c))
            cell.style = style
    row = 1
    for p in fw.pillars:
        for sa in p.subareas:
            for ind in sa.indicators:
                row += 1
                where = f" (only where the country has: {_kinds_text(fw, ind.applies_to)})" if ind.applies_to else ""
                band(row, STYLE_INDICATOR, {1: ind.id, text_col: f"{ind.id} {ind.name}: {ind.question}{where}"})
                for lv, scale in zip(ind.levels[1:], fw.scale.levels[1:]):
                    row += 1
                    band(row, STYLE_LEVEL, {2: lv.level, text_col: f"Level {lv.level} {scale.name}: {lv.descriptor}"})
                    for crit in lv.criteria:
                        row += 1
                        stored = data.answers.get(crit.id)
                        values = {"criterion_id": crit.id, "level": lv.level, "text": crit.text,
                                  "answer": stored.answer if stored else None,
                                  "note": (stored.note if stored else "") or None,
                                  "normative": "normative" if crit.normative else None,
                                  "applies_to": _kinds_text(fw, crit.applies_to) or "all",
                                  "observe_at": _kinds_text(fw, crit.observe_at) or None,
                                  "shown_by": crit.shown_by}
                        for c, (key, *_rest) in enumerate(CRITERIA_COLUMNS, start=1):
                            cell = ws.cell(row=row, column=c, value=values[key])
                            if c in wrapped:
                                cell.style = STYLE_ANSWER if c in editable else STYLE_TEXT
    dv = DataValidation(type="list", formula1='"' + ",".join(ANSWER_CHOICES) + '"', allow_blank=True,
                        showErrorMessage=True, errorTitle="Not an answer",
                        error="Answer yes (met), no (not met) or na (not applicable).",
                        showInputMessage=True, promptTitle="Answer", prompt="yes, no or na (not applicable)")
    ws.add_data_validation(dv)
    letter = get_column_letter(_col("answer", CRITERIA_COLUMNS))
    dv.add(f"{letter}2:{letter}{row}")
    _protect(ws)


def _profile_sheet(ws, fw: Framework, profile: CrossingProfile) -> None:
    _header(ws, PROFILE_COLUMNS)
    ws.freeze_panes = "A2"
    names = {k.id: k.name for k in fw.crossing_kinds}
    flags = {"island": profile.island, "landlocked": profile.landlocked}
    rows = [(k, names.get(k, k), None if profile.kinds is None else ("yes" if k in profile.kinds else "no"))
            for k in PROFILE_KINDS]
    rows += [(key, name, None if flags[key] is None else ("yes" if flags[key] else "no"))
             for key, name in PROFILE_FLAGS]
    for r, values in enumerate(rows, start=2):
        for c, v in enumerate(values, start=1):
            ws.cell(row=r, column=c, value=v).alignment = WRAP
        cell = ws.cell(row=r, column=3)
        cell.protection, cell.fill = UNLOCKED, EDIT_FILL
    dv = DataValidation(type="list", formula1='"yes,no"', allow_blank=True, showErrorMessage=True,
                        errorTitle="Yes or no", error="Answer yes or no (leave every kind empty if not known).")
    ws.add_data_validation(dv)
    dv.add(f"C2:C{len(rows) + 1}")
    note = len(rows) + 3
    ws.cell(row=note, column=1, value="Answer yes or no for every kind, or leave them all empty (not recorded: "
                                      "then every criterion applies). A landlocked country has no seaport.")
    ws.cell(row=note, column=1).alignment = Alignment(wrap_text=False)
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


def _meta_sheet(ws, fw: Framework, info: AssessmentInfo, now: dt.datetime, data: StoredValues, layout: int) -> None:
    pairs = [("format", FORMAT), ("format_version", layout), ("country", info.country_code),
             ("round", info.round), ("framework_id", fw.id), ("framework_version", fw.version),
             ("exported_at", now.isoformat()), ("sheets", "|".join(sheet_name(p.name) for p in fw.pillars))]
    if layout == 2:
        pairs.append(("profile", profile_json(data.profile)))
    for i, (k, v) in enumerate(pairs, start=1):
        ws.cell(row=i, column=1, value=k)
        ws.cell(row=i, column=2, value=v)
    tables = [(META_RATINGS_AT, META_RATING_COLUMNS,
               [[ind_id, r.version if r else 0, *(getattr(r, k) if r else None for k in RATING_FIELDS)]
                for ind_id in fw.indicators for r in [data.ratings.get(ind_id)]]),
              (META_EVIDENCE_AT, META_EVIDENCE_COLUMNS,
               [[rid, ind_id, *(v[k] for k in EVIDENCE_FIELDS)] for rid, ind_id, v in data.evidence])]
    if layout == 2:
        tables.append((META_CRITERIA_AT, META_CRITERIA_COLUMNS,
                       [[cid, a.version, a.answer, a.note] for cid, a in sorted(data.answers.items())
                        if cid in fw.criteria]))
    for first, headers, rows in tables:
        for c, h in enumerate(headers, start=first):
            ws.cell(row=1, column=c, value=h)
        for r, values in enumerate(rows, start=2):
            for c, v in enumerate(values, start=first):
                ws.cell(row=r, column=c, value=v)
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


@dataclass
class _Meta:
    """What the hidden sheet says: its key/value pairs and the values at export."""

    pairs: dict
    ratings: dict[str, ExportBaseline]
    evidence: dict[int, tuple[str, dict]]
    answers: dict[str, ExportBaseline]
    profile: CrossingProfile | None

    @property
    def layout(self) -> int:
        return self.pairs["format_version"]


def _read_meta(ws, name: str) -> _Meta:
    meta = {}
    for k, v in ws.iter_rows(min_row=1, max_col=2, values_only=True):
        if k:
            meta[str(k)] = v
    if meta.get("format") != FORMAT:
        raise InvalidInput(Problem(f"{name}: sheet {META}", "this is not a workbook export (wrong format mark)"),
                           what="import")
    if meta.get("format_version") not in FORMAT_VERSIONS:
        raise InvalidInput(Problem(f"{name}: sheet {META}", f"export format {meta.get('format_version')} is not "
                                                            f"supported (this version reads "
                                                            f"{', '.join(map(str, FORMAT_VERSIONS))})"),
                           what="import")

    def table(first: int, n: int):
        return (row for row in ws.iter_rows(min_row=2, min_col=first, max_col=first + n - 1, values_only=True)
                if row[0] is not None)
    bases = {row[0]: ExportBaseline(version=int(row[1] or 0),
                                    values={k: _cell_text(v) for k, v in zip(RATING_FIELDS, row[2:])})
             for row in table(META_RATINGS_AT, len(META_RATING_COLUMNS))}
    exported = {int(row[0]): (row[1], dict(zip(EVIDENCE_FIELDS, row[2:])))
                for row in table(META_EVIDENCE_AT, len(META_EVIDENCE_COLUMNS))}
    answers, profile = {}, None
    if meta["format_version"] >= 2:
        answers = {str(row[0]): ExportBaseline(version=int(row[1] or 0), values={"answer": row[2], "note": row[3]})
                   for row in table(META_CRITERIA_AT, len(META_CRITERIA_COLUMNS))}
        profile = profile_from_json(meta.get("profile"))
    return _Meta(meta, bases, exported, answers, profile)


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
    name = path.name
    if META not in wb.sheetnames:
        raise InvalidInput(Problem(name, f"the hidden sheet {META!r} is missing: this file was not exported by "
                                         "`workbook export --format xlsx` (or was copied into a new file); export a "
                                         "fresh workbook and copy the ratings into it"), what="import")
    try:
        meta = _read_meta(wb[META], name)
    except (TypeError, ValueError, KeyError):
        raise InvalidInput(Problem(f"{name}: sheet {META}", "the hidden sheet was edited and cannot be read; export "
                                                            "a fresh workbook"), what="import") from None
    pairs = meta.pairs
    country, round_ = str(pairs.get("country") or ""), str(pairs.get("round") or "")
    try:
        info = store.get_assessment(country, round_)
    except NotFound as exc:
        raise InvalidInput(Problem(f"{name}: assessment", f"{exc}; the file was exported for {country} {round_!r}"),
                           what="import") from None
    fw = store.framework_of(info.id)
    mapping = framework_mapping(fw, str(pairs.get("framework_id")), str(pairs.get("framework_version")),
                                f"{name}: framework")
    columns = PILLAR_LAYOUTS[meta.layout]
    fields = [k for k in RATING_FIELDS if any(c[0] == k for c in columns)]

    problems = Problems()
    expected = [s for s in str(pairs.get("sheets") or "").split("|") if s]
    own = {README, EVIDENCE, LISTS, META} | ({CRITERIA, PROFILE} if meta.layout >= 2 else set())
    for extra in sorted(set(wb.sheetnames) - set(expected) - own):
        problems.append(Problem(extra, "this sheet is not part of the exported workbook; move its ratings into the "
                                       "pillar sheets"))
    ratings: list[FileRating] = []
    seen: dict[str, str] = {}
    for sheet in expected:
        if sheet not in wb.sheetnames:
            problems.append(Problem(sheet, "the sheet is missing: export a fresh workbook, or copy the sheet back"))
            continue
        ws = wb[sheet]
        if not _check_headers(ws, columns, problems):
            continue
        _extra_columns(ws, len(columns), problems)
        for r, row in enumerate(ws.iter_rows(min_row=2, max_col=len(columns), values_only=True), start=2):
            raw = dict(zip((c[0] for c in columns), row))
            if all(raw[k] in (None, "") for k in ("indicator_id", *fields)):
                continue
            loc = f"{sheet}!A{r}"
            ind_id, problem = map_indicator(fw, mapping, _cell_text(raw["indicator_id"]), loc,
                                            has_values=any(raw[k] not in (None, "") for k in fields))
            if problem:
                problems.append(problem)
            if ind_id is None:
                continue
            if ind_id in seen:
                problems.append(Problem(loc, f"{ind_id} appears twice (also at {seen[ind_id]})"))
                continue
            seen[ind_id] = loc
            values = {}
            for key in fields:
                where = f"{sheet}!{get_column_letter(_col(key, columns))}{r}"
                with problems.collect():
                    values[key] = (RATING_RULES[key](_cell_text(raw[key]), where) if key in ("notes", "override_reason")
                                   else _level(raw[key], where), where)
            ratings.append(FileRating(ind_id, values, meta.ratings.get(str(raw["indicator_id"]).strip())))

    answers: list[FileAnswer] = []
    profile = None
    if meta.layout >= 2:
        for sheet in (CRITERIA, PROFILE):
            if sheet not in wb.sheetnames:
                problems.append(Problem(sheet, "the sheet is missing: export a fresh workbook, or copy the sheet back"))
        if CRITERIA in wb.sheetnames:
            answers = _read_criteria(wb[CRITERIA], fw, meta, problems)
        if PROFILE in wb.sheetnames:
            profile = _read_profile(wb[PROFILE], meta, problems)
    evidence: list[FileEvidence] = []
    if EVIDENCE not in wb.sheetnames:
        problems.append(Problem(EVIDENCE, "the sheet is missing: export a fresh workbook, or copy the sheet back"))
    else:
        evidence = _read_evidence(wb[EVIDENCE], fw, mapping, meta.evidence, problems)
    problems.raise_if_any(what=name)
    return plan_import(store, info.id, ratings, evidence, source=name, kind="Excel workbook", country=info.country_code,
                       round=info.round, answers=answers, profile=profile)


def _read_criteria(ws, fw: Framework, meta: _Meta, problems: Problems) -> list[FileAnswer]:
    """The answers and notes of the Criteria sheet. Heading rows (an indicator id or nothing in
    column A) take no answer; a criterion id must be one of the assessment's framework, once,
    beside its own text (ids and texts are locked: a mismatch means the rows were edited)."""
    if not _check_headers(ws, CRITERIA_COLUMNS, problems):
        return []
    _extra_columns(ws, len(CRITERIA_COLUMNS), problems)
    letter = {k: get_column_letter(_col(k, CRITERIA_COLUMNS)) for k, *_ in CRITERIA_COLUMNS}
    out: list[FileAnswer] = []
    seen: dict[str, str] = {}
    for r, row in enumerate(ws.iter_rows(min_row=2, max_col=len(CRITERIA_COLUMNS), values_only=True), start=2):
        raw = dict(zip((c[0] for c in CRITERIA_COLUMNS), row))
        cid = (_cell_text(raw["criterion_id"]) or "").strip()
        filled = [k for k in ("answer", "note") if raw[k] not in (None, "")]
        if not cid or cid in fw.indicators:
            for k in filled:
                problems.add(f"{ws.title}!{letter[k]}{r}", "this is a heading row, not a criterion: answer on the "
                                                           "criterion rows below it")
            continue
        loc = f"{ws.title}!{letter['criterion_id']}{r}"
        if cid not in fw.criteria:
            problems.add(loc, f"unknown criterion {cid!r} in framework {fw.id} {fw.version}")
            continue
        text = " ".join(str(raw["text"] or "").split())
        if text != " ".join(fw.criterion(cid).text.split()):
            problems.add(loc, f"the row of {cid} does not hold its text ({fw.criterion(cid).text[:50]!r}...): ids and "
                              "texts are locked, so the rows were edited or moved; export a fresh workbook")
            continue
        if cid in seen:
            problems.add(loc, f"{cid} appears twice (also at {seen[cid]})")
            continue
        seen[cid] = loc
        values = {}
        where = f"{ws.title}!{letter['answer']}{r}"
        with problems.collect():
            values["answer"] = (parse_answer(_cell_text(raw["answer"]), where), where)
        where = f"{ws.title}!{letter['note']}{r}"
        with problems.collect():
            values["note"] = (parse_text(_cell_text(raw["note"]), where, max_len=MAX_LONG), where)
        out.append(FileAnswer(cid, values, meta.answers.get(cid, ExportBaseline(version=0,
                                                                              values={"answer": None, "note": ""}))))
    return out


def _yes_no(value, where: str) -> bool | None:
    answer = parse_answer(_cell_text(value), where)
    if answer == "na":
        raise InvalidInput(Problem(where, "'na' is not an answer here; use yes or no"))
    return None if answer is None else answer == "yes"


def _read_profile(ws, meta: _Meta, problems: Problems) -> FileProfile | None:
    """The crossing-point profile: yes/no for every kind (or none: not recorded), island, landlocked."""
    if not _check_headers(ws, PROFILE_COLUMNS, problems):
        return None
    rows = {str(k): (r, v) for r, (k, _, v) in enumerate(ws.iter_rows(min_row=2, max_col=3, values_only=True),
                                                          start=2) if k}
    before = len(problems)
    got: dict[str, bool | None] = {}
    cell: dict[str, str] = {}
    for key in (*PROFILE_KINDS, *(k for k, _ in PROFILE_FLAGS)):
        if key not in rows:
            problems.add(f"{ws.title}!A", f"the row {key!r} is missing: export a fresh workbook")
            continue
        r, v = rows[key]
        cell[key] = f"{ws.title}!C{r}"
        with problems.collect():
            got[key] = _yes_no(v, cell[key])
    if len(problems) > before:
        return None
    answered = [k for k in PROFILE_KINDS if got[k] is not None]
    kinds = None
    if answered and len(answered) < len(PROFILE_KINDS):
        for k in PROFILE_KINDS:
            if got[k] is None:
                problems.add(cell[k], f"answer yes or no for {k} too (or leave every kind empty: not recorded)")
        return None
    if answered:
        kinds = [k for k in PROFILE_KINDS if got[k]]
    first, last = cell[PROFILE_KINDS[0]], cell[PROFILE_KINDS[-1]].split("!")[1]
    where = {"kinds": f"{first}:{last}", "island": cell["island"], "landlocked": cell["landlocked"]}
    profile = check_profile(kinds, got["island"], got["landlocked"], problems, where.__getitem__)
    if len(problems) > before:
        return None
    return FileProfile(profile, f"{first}:{cell['landlocked'].split('!')[1]}",
                       ExportBaseline(values={"profile": meta.profile}))


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

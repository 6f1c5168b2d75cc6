"""XLSForm for KoboToolbox / ODK Collect, and import of the submissions those tools export.

The form (see docs/field-exchange.md) asks who is rating and which rating they enter
(national, external or agreed), then one question per indicator, grouped by pillar and
sub-area: the level as a ``select_one`` whose choices are the indicator's own five level
descriptors plus the codes NA/NE/IE, the guidance as the hint, and an optional note. A repeat
group ``evidence`` takes evidence records. Hidden ``calculate`` fields carry the country,
round, framework id and version, export time and the ratings' versions at export, so that the
submissions say what they are and conflicts can be found on import.

For a framework 2.0 assessment the form also asks the crossing-point profile (kinds of
crossing point, island, landlocked; preset to the stored profile), and under each indicator an
override reason (agreed rating only) and its criteria, a group per level, each a ``select_one``
yes / no / na whose ``relevant`` hides criteria about kinds of crossing point the country does
not have (all are asked while no kind is ticked). ``wb_criteria`` and ``wb_profile`` carry the
answers' versions and the profile at export.

Submissions exports are read as CSV (comma or semicolon; KoboToolbox and ODK Central) or XLSX
(KoboToolbox: main sheet first, the ``evidence`` repeat in a sheet of that name linked by
``_parent_index``). Column headers may carry group paths (``ADM/ADM_1/ADM_1_1`` or
``ADM-ADM_1-ADM_1_1``); values must be the choice names ("XML values"), though a label whose
first word is the level is accepted too.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from .. import config
from ..errors import InvalidInput, NotFound, Problem, Problems
from ..framework import Framework
from ..i18n.content import translated_framework
from ..i18n.languages import LANGUAGES, parse_lang
from ..i18n.messages import N_, translator
from ..inputs import (EVIDENCE_FIELDS, MAX_LONG, MAX_NOTES, MAX_SHORT, check_evidence, parse_answer, parse_rating,
                      parse_text)
from ..store import AssessmentInfo, Store
from ..store.criteria import PROFILE_KINDS, check_profile
from .plan import (ExportBaseline, FileAnswer, FileEvidence, FileProfile, FileRating, ImportPlan, framework_mapping,
                   map_indicator, plan_import)
from .xlsx import open_xlsx, profile_from_json, profile_json, stored_values

RATERS = (("national", N_("National self-rating")), ("external", N_("External (international) rating")),
          ("agreed", N_("Agreed rating")))
META_FIELDS = ("wb_country", "wb_round", "wb_framework_id", "wb_framework_version", "wb_exported_at", "wb_versions",
               "wb_criteria", "wb_profile")
INDICATOR_RE = re.compile(r"^[A-Z]{3}_\d+_\d+$")
CRITERION_RE = re.compile(r"^[A-Z]{3}_\d+_\d+_\d+[a-z]$")  # any level: a wrong one is reported
NOTES_SUFFIX = "_notes"
OVERRIDE_SUFFIX = "_override"
EVIDENCE_REPEAT = "evidence"
PROFILE_GROUP = "crossing_points"
ANSWERS = (("yes", N_("Yes (met)")), ("no", N_("No (not met)")), ("na", N_("Not applicable")))


def field_name(indicator_id: str) -> str:
    """The XLSForm name of an indicator's level question: ``ADM.1.1`` -> ``ADM_1_1``."""
    return indicator_id.replace(".", "_")


def _literal(text: str) -> str:
    if "'" in text:
        raise ValueError(f"cannot quote {text!r} in an XPath literal")
    return f"'{text}'"


# -- export ----------------------------------------------------------------------------------
def _kinds_relevant(kinds: list[str]) -> str:
    """``relevant`` for a question that exists only where the country has one of ``kinds`` (asked
    while no kind is ticked: the profile is then not known)."""
    return " or ".join(["count-selected(${crossing_kinds}) = 0"]
                       + [f"selected(${{crossing_kinds}}, {_literal(k)})" for k in kinds])


def _profile_questions(fw: Framework, profile, _) -> tuple[list[dict], list[dict]]:
    """The crossing-point profile group, preset to the stored profile, and its choices."""
    def flag(value):
        return None if value is None else ("yes" if value else "no")
    kinds = {"type": "select_multiple crossing_kinds", "name": "crossing_kinds",
             "label": _("Which kinds of crossing point does the country have?"),
             "hint": _("Criteria about kinds the country does not have are then skipped. Leave every kind unticked "
                       "if you do not know: all criteria are asked."),
             "constraint": "not(selected(., 'sea') and ${landlocked} = 'yes')",
             "constraint_message": _("A landlocked country has no seaport.")}
    if profile.kinds:
        kinds["default"] = " ".join(k for k in PROFILE_KINDS if k in profile.kinds)
    island = {"type": "select_one yes_no", "name": "island", "label": _("Is the country an island state?")}
    landlocked = {"type": "select_one yes_no", "name": "landlocked", "label": _("Is the country landlocked?"),
                  "constraint": ". != 'yes' or ${island} != 'yes'",
                  "constraint_message": _("A country cannot be both an island and landlocked.")}
    for q, value in ((island, profile.island), (landlocked, profile.landlocked)):
        if flag(value):
            q["default"] = flag(value)
    names = {k.id: k.name for k in fw.crossing_kinds}
    survey = [{"type": "begin_group", "name": PROFILE_GROUP, "label": _("Crossing points of the country")},
              kinds, island, landlocked, {"type": "end_group"}]
    choices = [{"list_name": "crossing_kinds", "name": k, "label": names.get(k, k)} for k in PROFILE_KINDS]
    choices += [{"list_name": "yes_no", "name": "yes", "label": _("Yes")},
                {"list_name": "yes_no", "name": "no", "label": _("No")}]
    choices += [{"list_name": "answers", "name": k, "label": _(label)} for k, label in ANSWERS]
    return survey, choices


def _criteria_questions(fw: Framework, ind, _) -> list[dict]:
    """An indicator's override reason and its criteria: one group, a group per level inside."""
    name = field_name(ind.id)
    names = {k.id: k.name.lower() for k in fw.crossing_kinds}
    out = [{"type": "text", "name": name + OVERRIDE_SUFFIX,
            "label": _("Override reason for %(indicator)s") % {"indicator": ind.id},
            "hint": _("Only when the agreed level differs from the level its criteria give: the team's reason."),
            "relevant": "${rater} = 'agreed'"}]
    group = {"type": "begin_group", "name": f"{name}_criteria",
             "label": _("Criteria of %(indicator)s %(name)s") % {"indicator": ind.id, "name": ind.name}}
    if ind.applies_to:
        group["relevant"] = _kinds_relevant(ind.applies_to)
    out.append(group)
    for lv, scale in zip(ind.levels[1:], fw.scale.levels[1:]):
        out.append({"type": "begin_group", "name": f"{name}_L{lv.level}",
                    "label": _("%(indicator)s level %(level)s %(name)s: %(descriptor)s")
                    % {"indicator": ind.id, "level": lv.level, "name": scale.name, "descriptor": lv.descriptor}})
        for c in lv.criteria:
            hint = [_("Shown by: %(what)s.") % {"what": c.shown_by}]
            if c.observe_at:
                hint.append(_("Observe at: %(places)s.") % {"places": ", ".join(names.get(k, k) for k in c.observe_at)})
            if c.normative:
                hint.insert(0, _("Normative alignment (a political choice): reported beside the level, never holds it "
                                 "down."))
            q = {"type": "select_one answers", "name": field_name(c.id), "label": f"{c.id} {c.text}",
                 "hint": " ".join(hint)}
            if c.applies_to:
                q["relevant"] = _kinds_relevant(c.applies_to)
            out.append(q)
        out.append({"type": "end_group"})
    out.append({"type": "end_group"})
    return out


#: The columns of an XLSForm that hold text a person reads (one per language in a multilingual form).
TEXT_COLUMNS = ("label", "hint", "constraint_message")


def language_column(column: str, lang: str) -> str:
    """The XLSForm column of ``column`` in ``lang``: ``label::French (fr)`` (the form's language
    name is the English name with the code, as KoboToolbox and ODK Collect show it)."""
    return f"{column}::{LANGUAGES[lang].name} ({lang})"


def build_xlsform(store: Store, info: AssessmentInfo, *, now: dt.datetime | None = None,
                  lang: str | None = None, also: tuple[str, ...] | list[str] = ()) -> dict[str, list[dict]]:
    """The form as data: ``{"survey": [...], "choices": [...], "settings": [...]}``; framework text in
    ``lang`` (default ``WORKBOOK_LANG``; names and values of fields are the same in every language).
    With ``also`` (other languages) the form is multilingual: each text column is written once per
    language (``label::French (fr)``, ``label::English (en)``), ``lang`` is the form's default
    language, and a person picks theirs in KoboToolbox or ODK Collect: a mixed team fills one form."""
    langs = list(dict.fromkeys([config.language(lang), *(parse_lang(a, "also") for a in also)]))
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    data = stored_values(store, info.id)
    fw = store.framework_of(info.id)  # the assessment's own version, translated
    forms = [_form_in(translated_framework(fw, code), info, now, data, code) for code in langs]
    if len(langs) == 1:
        return forms[0]
    merged: dict[str, list[dict]] = {}
    for sheet in forms[0]:
        rows = []
        for same in zip(*(f[sheet] for f in forms), strict=True):
            row = {k: v for k, v in same[0].items() if k not in TEXT_COLUMNS}
            for key in TEXT_COLUMNS:
                for code, r in zip(langs, same):
                    if key in r:
                        row[language_column(key, code)] = r[key]
            rows.append(row)
        merged[sheet] = rows
    merged["settings"][0]["default_language"] = f"{LANGUAGES[langs[0]].name} ({langs[0]})"
    return merged


def _form_in(fw: Framework, info: AssessmentInfo, now: dt.datetime, data, lang: str) -> dict[str, list[dict]]:
    """The form with every text in ``lang`` (``fw`` translated into it)."""
    _ = translator(lang).gettext
    stored = data.ratings
    versions = " ".join(f"{i}:{stored[i].version if i in stored else 0}" for i in fw.indicators)
    survey: list[dict] = [
        {"type": "calculate", "name": "wb_country", "calculation": _literal(info.country_code)},
        {"type": "calculate", "name": "wb_round", "calculation": _literal(info.round)},
        {"type": "calculate", "name": "wb_framework_id", "calculation": _literal(fw.id)},
        {"type": "calculate", "name": "wb_framework_version", "calculation": _literal(fw.version)},
        {"type": "calculate", "name": "wb_exported_at", "calculation": _literal(now.isoformat())},
        {"type": "calculate", "name": "wb_versions", "calculation": _literal(versions)},
    ]
    if fw.has_criteria:
        answered = " ".join(f"{cid}:{a.version}" for cid, a in sorted(data.answers.items()) if cid in fw.criteria)
        survey += [{"type": "calculate", "name": "wb_criteria", "calculation": _literal(answered)},
                   {"type": "calculate", "name": "wb_profile", "calculation": _literal(profile_json(data.profile))}]
    survey += [
        {"type": "text", "name": "assessor", "label": _("Your name"), "required": "yes"},
        {"type": "select_one raters", "name": "rater", "label": _("Which rating are you entering?"),
         "required": "yes",
         "hint": _("National experts give the national self-rating, the international team the external one; "
                   "the agreed rating is settled together.")},
    ]
    choices: list[dict] = [{"list_name": "raters", "name": k, "label": _(v)} for k, v in RATERS]
    if fw.has_criteria:
        more, more_choices = _profile_questions(fw, data.profile, _)
        survey += more
        choices += more_choices
    for p in fw.pillars:
        survey.append({"type": "begin_group", "name": p.id, "label": p.name})
        for sa in p.subareas:
            survey.append({"type": "begin_group", "name": field_name(sa.id), "label": f"{sa.id} {sa.name}"})
            for ind in sa.indicators:
                name = field_name(ind.id)
                lst = f"lv_{name}"
                survey.append({"type": f"select_one {lst}", "name": name,
                               "label": f"{ind.id} {ind.name}: {ind.question}", "hint": ind.guidance})
                survey.append({"type": "text", "name": name + NOTES_SUFFIX,
                               "label": _("Notes on %(indicator)s (optional)") % {"indicator": ind.id}})
                if fw.has_criteria:
                    survey += _criteria_questions(fw, ind, _)
                for lv, scale in zip(ind.levels, fw.scale.levels):
                    choices.append({"list_name": lst, "name": str(lv.level),
                                    "label": f"{lv.level} {scale.name}: {lv.descriptor}"})
                for c in fw.scale.codes:
                    choices.append({"list_name": lst, "name": c.code, "label": f"{c.code} {c.name}: {c.meaning}"})
            survey.append({"type": "end_group"})
        survey.append({"type": "end_group"})
    survey += [
        {"type": "begin_repeat", "name": EVIDENCE_REPEAT, "label": _("Evidence records")},
        {"type": "select_one indicators", "name": "ev_indicator", "label": _("Indicator"), "required": "yes"},
        {"type": "select_one evidence_types", "name": "ev_type", "label": _("Type of evidence"), "required": "yes"},
        {"type": "text", "name": "ev_source", "label": _("Source (title of the document, place observed, ...)"),
         "required": "yes"},
        {"type": "date", "name": "ev_date", "label": _("Date"), "constraint": ". <= today()",
         "constraint_message": _("The date may not be in the future.")},
        {"type": "text", "name": "ev_reference", "label": _("Reference (article, page, file number)")},
        {"type": "text", "name": "ev_supplied_by", "label": _("Supplied by")},
        {"type": "end_repeat"},
    ]
    choices += [{"list_name": "indicators", "name": i, "label": f"{i} {ind.name}"} for i, ind in fw.indicators.items()]
    choices += [{"list_name": "evidence_types", "name": t.id, "label": t.name} for t in fw.evidence_types]
    form_id = re.sub(r"[^A-Za-z0-9_]", "_", f"mbm_{info.country_code}_{info.round}")
    settings = [{"form_title": f"{fw.title}: {info.label}", "form_id": form_id,
                 "version": f"{fw.version}-{now:%Y%m%d%H%M%S}"}]
    return {"survey": survey, "choices": choices, "settings": settings}


def export_xlsform(store: Store, info: AssessmentInfo, path: str | Path, *, now: dt.datetime | None = None,
                   lang: str | None = None, also: tuple[str, ...] | list[str] = ()) -> Path:
    """Write the XLSForm of one assessment to ``path`` (upload it to KoboToolbox or ODK Central);
    ``also``: more languages, for a multilingual form (see :func:`build_xlsform`)."""
    return write_form(build_xlsform(store, info, now=now, lang=lang, also=also), path)


def write_form(form: dict[str, list[dict]], path: str | Path) -> Path:
    """Write a form given as data (``{"survey": [...], "choices": [...], "settings": [...]}``) as
    an XLSForm workbook: one sheet per key, the union of the rows' keys as headers."""
    wb = Workbook()
    wb.remove(wb.active)
    for sheet, rows in form.items():
        ws = wb.create_sheet(sheet)
        headers = list(dict.fromkeys(k for r in rows for k in r))
        ws.append(headers)
        for r in rows:
            ws.append([r.get(h) for h in headers])
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


# -- import of submissions ------------------------------------------------------------------
class _Table:
    """Rows of a submissions export with headers reduced to their last path segment."""

    def __init__(self, name: str, headers: list, rows: list[list]):
        self.name = name
        self.rows = rows
        self.columns: dict[str, int] = {}
        for i, h in enumerate(headers):
            key = re.split(r"[/-]", str(h or "").strip())[-1]
            if key and key not in self.columns:
                self.columns[key] = i

    def get(self, row: list, key: str):
        i = self.columns.get(key)
        if i is None or i >= len(row):
            return None
        v = row[i]
        return None if isinstance(v, str) and v.strip() in ("", "n/a") else v

    def where(self, r: int, key: str) -> str:
        return f"{self.name}!{get_column_letter(self.columns[key] + 1)}{r}"


def _read_tables(path: Path) -> tuple[_Table, _Table | None]:
    if path.suffix.lower() == ".csv":
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidInput(Problem(path.name, "is not a UTF-8 CSV file: export the submissions again as CSV"),
                               what="import") from None
        first = text.splitlines()[0] if text else ""
        delimiter = max(",;\t", key=first.count)
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
        if not rows:
            raise InvalidInput(Problem(path.name, "the file is empty"), what="import")
        return _Table(path.stem, rows[0], rows[1:]), None
    wb = open_xlsx(path)
    main = wb.worksheets[0]
    rows = [list(r) for r in main.iter_rows(values_only=True)]
    if not rows:
        raise InvalidInput(Problem(main.title, "the sheet is empty"), what="import")
    evidence = None
    if EVIDENCE_REPEAT in wb.sheetnames:
        ev = [list(r) for r in wb[EVIDENCE_REPEAT].iter_rows(values_only=True)]
        if ev:
            evidence = _Table(EVIDENCE_REPEAT, ev[0], ev[1:])
    return _Table(main.title, rows[0], rows[1:]), evidence


def _level(value, where: str):
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and " " in value.strip():  # a label, e.g. "3 Established: ..."
        value = value.strip().split(" ", 1)[0]
    return parse_rating(value, where)


def is_submissions_export(path: Path) -> bool:
    """Does this CSV/XLSX look like submissions of a form made by :func:`export_xlsform`?"""
    try:
        main, _ = _read_tables(path)
    except InvalidInput:
        return False
    return "rater" in main.columns or any(INDICATOR_RE.match(k) for k in main.columns)


def _answer(value, where: str):
    """A criterion's answer from a submission: the choice name, or a label (``Yes (met)``)."""
    if isinstance(value, str) and "(" in value:
        value = value.split("(", 1)[0]
    return parse_answer(value, where)


def _yes_no(value, where: str) -> bool | None:
    answer = parse_answer(value, where)
    if answer == "na":
        raise InvalidInput(Problem(where, "'na' is not an answer here; use yes or no"))
    return None if answer is None else answer == "yes"


def _row_profile(main: _Table, row: list, r: int, problems: Problems):
    """The crossing-point profile one submission gives (None when it gives none)."""
    raw = {k: main.get(row, k) for k in ("crossing_kinds", "island", "landlocked")}
    if all(v is None for v in raw.values()):
        return None
    where = {k: main.where(r, k) if k in main.columns else f"{main.name}!row {r} {k}" for k in raw}
    before = len(problems)
    kinds = None if raw["crossing_kinds"] is None else str(raw["crossing_kinds"]).split()
    flags = {k: problems.take(_yes_no, raw[k], where[k]) for k in ("island", "landlocked")}
    profile = check_profile(kinds, flags["island"], flags["landlocked"], problems,
                            lambda k: where["crossing_kinds" if k == "kinds" else k])
    return None if len(problems) > before else profile


def read_submissions(store: Store, path: str | Path, *, country: str | None = None,
                     round: str | None = None) -> ImportPlan:
    """Read a KoboToolbox/ODK submissions export into an :class:`ImportPlan`.

    ``country`` and ``round`` are used when the file does not carry them (a form made
    elsewhere); when it does, they must agree. Raises :class:`InvalidInput` listing every problem.
    """
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(Problem(path.name, "no such file"), what="import")
    main, ev_table = _read_tables(path)
    problems = Problems()
    if not main.rows:
        raise InvalidInput(Problem(main.name, "the export holds no submissions"), what="import")
    if "rater" not in main.columns:
        problems.append(Problem(f"{main.name}!1", "no 'rater' column: this is not an export of a form made by "
                                                  "`workbook export --format xlsform` (or it was exported with "
                                                  "labels as headers: use XML values and headers)"))
    # which assessment: from the file, checked against the options
    def one_value(key: str, given: str | None, label: str) -> str | None:
        found = {str(main.get(row, key)).strip() for row in main.rows if main.get(row, key) is not None}
        if len(found) > 1:
            problems.append(Problem(f"{main.name}: {key}", f"the submissions are for several {label}s "
                                                           f"({', '.join(sorted(found))}): import one at a time"))
            return None
        if found and given:
            f = next(iter(found))
            if (f.upper() != given.strip().upper()) if key == "wb_country" else (f != given.strip()):
                problems.append(Problem(f"{main.name}: {key}", f"the file is for {label} {f!r}, but --{label} "
                                                               f"{given!r} was given"))
                return None
        if found:
            return next(iter(found))
        if not given:
            problems.append(Problem(f"{main.name}: {key}", f"the file does not say which {label} it is for: "
                                                           f"give --{label}"))
        return given
    code, rnd = one_value("wb_country", country, "country"), one_value("wb_round", round, "round")
    info = None
    if code and rnd:
        try:
            info = store.get_assessment(code, rnd)
        except NotFound as exc:
            problems.append(Problem(f"{main.name}: assessment", str(exc)))
    fw = store.framework_of(info.id) if info else store.framework
    fw_versions = {str(main.get(r, "wb_framework_version")) for r in main.rows
                   if main.get(r, "wb_framework_version") is not None}
    fw_ids = {str(main.get(r, "wb_framework_id")) for r in main.rows if main.get(r, "wb_framework_id") is not None}
    notes = []
    if len(fw_versions) > 1 or len(fw_ids) > 1:
        problems.append(Problem(f"{main.name}: wb_framework_version", "submissions from several framework versions: "
                                                                      "import them one form version at a time"))
        mapping = {}
    elif fw_versions:
        mapping = problems.take(framework_mapping, fw, next(iter(fw_ids), fw.id), next(iter(fw_versions)),
                                f"{main.name}: framework") or {}
    else:
        mapping = {}
        notes.append(f"the file does not say its framework version: read as {fw.id} {fw.version}")
    problems.raise_if_any(what=path.name)

    # one value per indicator (criterion) and field; two submissions that disagree are a problem
    chosen: dict[tuple[str, str], tuple[str, str]] = {}
    bases: dict[str, ExportBaseline] = {}
    answer_bases: dict[str, ExportBaseline] = {}
    assessors: list[str] = []
    indices: dict[str, int] = {}
    criteria: dict[str, str] = {}
    for key in main.columns:
        if INDICATOR_RE.match(key):
            answered = any(main.get(row, k) is not None for row in main.rows
                           for k in (key, key + NOTES_SUFFIX, key + OVERRIDE_SUFFIX))
            ind_id, problem = map_indicator(fw, mapping, key.replace("_", "."), main.where(1, key),
                                            has_values=answered)
            if problem:
                problems.append(problem)
            elif ind_id is not None:
                indices[key] = ind_id
        elif CRITERION_RE.match(key):
            cid = key.replace("_", ".")
            if cid in fw.criteria:
                criteria[key] = cid
            elif any(main.get(row, key) is not None for row in main.rows):
                problems.add(main.where(1, key), f"unknown criterion {cid!r} in framework {fw.id} {fw.version}")
    knows_criteria = "wb_criteria" in main.columns
    profile: tuple[object, str, str | None] | None = None  # (profile, where, profile at export)
    for r, row in enumerate(main.rows, start=2):
        versions = main.get(row, "wb_versions")
        row_base = {}
        if versions:
            for part in str(versions).split():
                ind, _, v = part.partition(":")
                if v.isdigit():
                    row_base[ind] = int(v)
        row_answers = {}
        for part in str(main.get(row, "wb_criteria") or "").split():
            cid, _, v = part.partition(":")
            if v.isdigit():
                row_answers[cid] = int(v)
        rater = problems.take(parse_text, main.get(row, "rater"), main.where(r, "rater"), required=True)
        if rater is None:
            continue
        if rater not in dict(RATERS):
            problems.add(main.where(r, "rater"), f"{rater!r} is not a rater; use national, external or agreed")
            continue
        who = main.get(row, "assessor")
        if who and str(who).strip() not in assessors:
            assessors.append(str(who).strip())
        given = _row_profile(main, row, r, problems)
        if given is not None:
            where = main.where(r, "crossing_kinds") if "crossing_kinds" in main.columns else f"{main.name}!row {r}"
            if profile is not None and profile[0] != given:
                problems.add(where, f"this submission gives the crossing points as {given.describe()}, the one at "
                                    f"{profile[1]} as {profile[0].describe()}; keep one of them")
            elif profile is None:
                profile = (given, where, main.get(row, "wb_profile"))
        cells = []  # (indicator or criterion id, field, column, parse, id in the file's version)
        for key, ind_id in indices.items():
            file_id = key.replace("_", ".")
            cells.append((ind_id, rater, key, _level, file_id))
            if key + NOTES_SUFFIX in main.columns:
                cells.append((ind_id, "notes", key + NOTES_SUFFIX,
                              lambda v, w: parse_text(str(v), w, max_len=MAX_NOTES) or None, file_id))
            if key + OVERRIDE_SUFFIX in main.columns:
                cells.append((ind_id, "override_reason", key + OVERRIDE_SUFFIX,
                              lambda v, w: parse_text(str(v), w, max_len=MAX_LONG) or None, file_id))
        cells += [(cid, "answer", key, _answer, cid) for key, cid in criteria.items()]
        for item, fld, col, parse, file_id in cells:
            raw = main.get(row, col)
            if raw is None:
                continue
            where = main.where(r, col)
            v = problems.take(parse, raw, where)
            if v is None:  # empty, or refused (the problem is kept)
                continue
            prev = chosen.get((item, fld))
            if prev and prev[0] != v:
                problems.append(Problem(where, f"{item} {fld}: this submission says {v!r}, the one at "
                                               f"{prev[1]} says {prev[0]!r}; keep one of them"))
                continue
            chosen[(item, fld)] = (v, where)
            if fld == "answer":
                if knows_criteria:
                    answer_bases[item] = ExportBaseline(version=row_answers.get(file_id, 0))
            elif file_id in row_base:
                bases[item] = ExportBaseline(version=row_base[file_id])
    ratings: dict[str, FileRating] = {}
    answers: dict[str, FileAnswer] = {}
    for (item, fld), (v, where) in chosen.items():
        if fld == "answer":
            answers[item] = FileAnswer(item, {"answer": (v, where)}, answer_bases.get(item))
        else:
            ratings.setdefault(item, FileRating(item, {}, bases.get(item))).values[fld] = (v, where)
    file_profile = None
    if profile is not None:
        given, where, at_export = profile
        base = None
        if at_export:
            with problems.collect():
                try:
                    base = ExportBaseline(values={"profile": profile_from_json(at_export)})
                except (ValueError, KeyError, TypeError):
                    raise InvalidInput(Problem(f"{main.name}: wb_profile", "the profile at export cannot be read: "
                                                                           "the export was edited")) from None
        file_profile = FileProfile(given, where, base)
    evidence = _read_evidence(ev_table, fw, mapping, problems) if ev_table else []
    problems.raise_if_any(what=path.name)
    plan = plan_import(store, info.id, list(ratings.values()), evidence, source=path.name,
                       kind="KoboToolbox/ODK submissions", country=info.country_code, round=info.round,
                       answers=list(answers.values()), profile=file_profile)
    plan.notes += notes
    plan.suggested_by = ", ".join(assessors)[:MAX_SHORT]
    return plan


def _read_evidence(table: _Table, fw: Framework, mapping, problems: Problems) -> list[FileEvidence]:
    etypes = {t.id for t in fw.evidence_types}
    columns = {key: f"ev_{key}" for key in EVIDENCE_FIELDS}
    out = []
    for r, row in enumerate(table.rows, start=2):
        if all(v in (None, "") for v in row):
            continue
        ind_id, problem = map_indicator(fw, mapping, table.get(row, "ev_indicator"),
                                        table.where(r, "ev_indicator") if "ev_indicator" in table.columns
                                        else f"{table.name}!row {r}")
        if problem:
            problems.append(problem)

        def value_of(key, row=row):
            raw = table.get(row, columns[key])
            return str(raw) if isinstance(raw, (int, float)) and key != "date" else raw

        def where_of(key, r=r):
            col = columns[key]
            return table.where(r, col) if col in table.columns else f"{table.name}!row {r} {col}"

        values = check_evidence(value_of, where_of, etypes, problems)
        ok = ind_id is not None and values is not None
        if ok:
            out.append(FileEvidence(ind_id, values, f"{table.name}!row {r}"))
    return out

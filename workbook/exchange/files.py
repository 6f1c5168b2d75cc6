"""One entry point per direction: :func:`export_file` writes any format, :func:`import_file`
recognises a file (workbook export, KoboToolbox/ODK submissions, JSON package) and imports it."""
from __future__ import annotations

import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .. import config
from ..config import default_user, round_dir
from ..errors import InvalidInput, Problem
from ..store import AssessmentInfo, Store
from . import package, sealed, xlsform, xlsx
from .plan import ImportPlan, apply_plan

FORMATS = {"xlsx": ("Excel workbook", ".xlsx"), "xlsform": ("XLSForm", "-xlsform.xlsx"),
           "json": ("assessment package", ".json")}


#: The formats whose content depends on the language (the package is data: the same in every language).
TRANSLATED_FORMATS = ("xlsx", "xlsform")


def default_output(info: AssessmentInfo, fmt: str, lang: str | None = None) -> Path:
    """``outputs/<ISO3>/<round folder>/<ISO3>-<round folder><suffix>``: the round's folder of
    :func:`workbook.config.round_dir`, where the batch writes its reports too (in another language
    than English, ``<round folder>.<lang>/``, as the batch's reports in that language)."""
    folder = round_dir(info.country_code, info.round, lang=lang if fmt in TRANSLATED_FORMATS else None)
    return folder / f"{info.country_code}-{folder.name}{FORMATS[fmt][1]}"


def _output(info: AssessmentInfo, fmt: str, for_donors: bool, suffix: str = "", lang: str | None = None) -> Path:
    """The default file name (``-donors`` for donors; ``suffix`` appended, e.g. ``.sealed``)."""
    out = default_output(info, fmt, lang)
    name = out.name.replace(".json", "-donors.json") if for_donors else out.name
    return out.with_name(name + suffix)


def export_file(store: Store, info: AssessmentInfo, fmt: str, path: str | Path | None = None, *,
                lang: str | None = None, also: tuple[str, ...] | list[str] = (), for_donors: bool = False,
                passphrase: str | None = None) -> Path:
    """Export one assessment as ``xlsx``, ``xlsform`` or ``json``; return the path written. ``lang``
    (default ``WORKBOOK_LANG``): the language of the framework text in a workbook or a form;
    ``also``: more languages for a bilingual workbook or a multilingual form (``label::French (fr)``
    columns), so a mixed team works in one file. ``for_donors`` (``json`` only): the package
    without restricted content or audit log. ``passphrase``: the file encrypted with it
    (:mod:`.sealed`; the default name gets ``.sealed``)."""
    if fmt not in FORMATS:
        raise InvalidInput(Problem("format", f"{fmt!r} is not a format; use {', '.join(FORMATS)}"), what="export")
    if also and fmt not in TRANSLATED_FORMATS:
        raise InvalidInput(Problem("also", f"a {FORMATS[fmt][0]} is data, the same in every language: more "
                                           f"languages apply to {' and '.join(TRANSLATED_FORMATS)} only"),
                           what="export")
    lang = config.language(lang)
    if passphrase is not None:
        sealed.check_passphrase(passphrase)
        target = Path(path) if path else _output(info, fmt, for_donors, sealed.SUFFIX, lang)
        inner = target.name.removesuffix(sealed.SUFFIX) or target.name
        with tempfile.TemporaryDirectory(prefix="mbm-export-") as tmp:
            plain = export_file(store, info, fmt, Path(tmp) / inner, lang=lang, also=also, for_donors=for_donors)
            return sealed.seal(plain, target, passphrase)
    if for_donors and fmt != "json":
        raise InvalidInput(Problem("format", f"an export for donors is a package (json), not {fmt}: the {fmt} "
                                             "file is for the assessment team"), what="export")
    store.require("export_for_donors" if for_donors else "export", info.id)
    path = Path(path) if path else _output(info, fmt, for_donors, lang=lang)
    if fmt == "json":
        return package.export_package(store, info, path, for_donors=for_donors)
    writer = {"xlsx": xlsx.export_xlsx, "xlsform": xlsform.export_xlsform}[fmt]
    return writer(store, info, path, lang=lang, also=also)


@dataclass
class ImportResult:
    """What an import did (or, in a dry run, would do)."""

    report: str
    changed: int = 0  # indicators whose ratings or evidence changed
    skipped_conflicts: int = 0
    answers: int = 0  # criteria answers saved (framework 2.0)
    created: bool = False
    plan: ImportPlan | None = None


def detect_kind(path: Path) -> str:
    """``xlsx``, ``submissions`` or ``json``, from the name and the content."""
    return _detect(path)[0]


def _detect(path: Path) -> tuple[str, object]:
    """The kind of file, and the workbook when it is a workbook export (read once: large)."""
    if not path.is_file():
        raise InvalidInput(Problem(path.name, "no such file"), what="import")
    suffix = path.suffix.lower()
    if suffix == ".json":
        return "json", None
    if suffix == ".csv":
        return "submissions", None
    if zipfile.is_zipfile(path):
        wb = xlsx.open_xlsx(path)
        if xlsx.is_workbook_export(wb):
            return "xlsx", wb
        if xlsform.is_submissions_export(path):
            return "submissions", None
        raise InvalidInput(Problem(path.name, "this Excel file is neither a workbook made by `workbook export "
                                              "--format xlsx` (its hidden sheet is missing) nor a submissions "
                                              "export of a form made by `workbook export --format xlsform`"),
                           what="import")
    with path.open("rb") as f:
        head = f.read(64).lstrip()
    if head.startswith(b"{"):
        return "json", None
    if suffix in (".xlsx", ".xlsm", ".xls"):
        xlsx.open_xlsx(path)  # raises with what the file is instead
    raise InvalidInput(Problem(path.name, "this file is not an Excel workbook (.xlsx), a KoboToolbox/ODK "
                                          "submissions export (.csv/.xlsx) or an assessment package (.json)"),
                       what="import")


def _read(store: Store, path: Path, *, country: str | None, round: str | None, passphrase: str | None):
    """``(package or None, plan or None)``: the plan is None for a package whose assessment does
    not exist here (importing it creates the assessment). An encrypted file is read decrypted,
    in a temporary folder removed before returning."""
    if path.is_file() and sealed.is_sealed(path):
        with sealed.open_sealed(path, passphrase) as inner:
            return _read(store, inner, country=country, round=round, passphrase=None)
    kind, wb = _detect(path)
    if kind == "json":
        return package.read_package(store, path)
    if kind == "xlsx":
        return None, xlsx.read_xlsx(store, path, wb)
    return None, xlsform.read_submissions(store, path, country=country, round=round)


def plan_file(store: Store, path: str | Path, *, country: str | None = None, round: str | None = None,
              passphrase: str | None = None) -> ImportPlan | None:
    """What importing a file would change, written nowhere: its :class:`ImportPlan` (apply it
    with :func:`~workbook.exchange.plan.apply_plan`), or None for a package of an assessment that
    does not exist here. Every problem in the file is reported at once (``InvalidInput``); an
    encrypted file needs its ``passphrase``."""
    return _read(store, Path(path), country=country, round=round, passphrase=passphrase)[1]


def _recorded_by(store: Store, by: str | None, suggested: str | None = None) -> str:
    """The name an import records: with accounts on, the signed-in account's (``by`` empty; a
    different typed name is refused by the store); else ``by``, the name the file suggests, or the
    login name."""
    if store.actor is not None:
        return by or ""
    return by or suggested or default_user("import")


def import_file(store: Store, path: str | Path, *, dry_run: bool = False, overwrite: bool = False,
                by: str | None = None, country: str | None = None, round: str | None = None,
                passphrase: str | None = None) -> ImportResult:
    """Import a file into the store. Every problem in it is reported at once
    (:class:`~workbook.errors.InvalidInput`) and nothing is written unless all of it is valid.

    Values (ratings, criteria answers, the crossing-point profile) changed in the database since
    the file was exported are skipped (and listed) unless ``overwrite``. ``country``/``round``
    are for submissions exports that do not say. An encrypted file (:mod:`.sealed`) needs its
    ``passphrase``; a wrong one imports nothing.
    """
    path = Path(path)
    pkg, plan = _read(store, path, country=country, round=round, passphrase=passphrase)
    if plan is None:
        if dry_run:
            return ImportResult(package.describe_new(pkg, path.name, dry_run=True), created=False)
        package.create_from_package(store, pkg, source=path.name, by=_recorded_by(store, by))
        return ImportResult(package.describe_new(pkg, path.name, dry_run=False), created=True)
    report = plan.describe(overwrite=overwrite, dry_run=dry_run)
    skipped = plan.skipped(overwrite)
    if dry_run:
        return ImportResult(report + "\ndry run: nothing was saved", skipped_conflicts=skipped, plan=plan)
    applied = apply_plan(store, plan, by=_recorded_by(store, by, plan.suggested_by), overwrite=overwrite)
    return ImportResult(report + f"\nsaved in one transaction: {applied}", changed=applied.ratings,
                        skipped_conflicts=skipped, answers=applied.answers, plan=plan)

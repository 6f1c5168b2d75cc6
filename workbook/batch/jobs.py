"""What a batch does, planned: one :class:`CountryJob` per country (and a :class:`ComparisonJob`),
checked up front; the notebooks' parameters checked against their parameters cells; one
notebook run with papermill (:func:`run_notebook`); and the fingerprint of what a country's
outputs show, so an unchanged country is skipped.

Jobs and results are small picklable dataclasses: they travel to worker processes or a cluster
(:mod:`.run`). Nothing here imports papermill, nbconvert or pandas when imported (they are
imported where used), so ``workbook batch --help`` stays fast.
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import os
import time
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .. import config
from ..errors import InvalidInput, NotFound, Problem, WorkbookError

PILLAR_NOTEBOOKS = config.PILLAR_NOTEBOOKS
#: The code a report's content depends on, as globs in the package (other code changes need --force);
#: tests/unit/batch checks that each matches a file.
REPORT_CODE = ("scoring.py", "present/*.py", "report/*.py", "roadmap/*.py", "mission/*.py", "pages/pillar.py",
               "pages/address.py", "i18n/*.py", "data/translations/*.yaml", "locale/*/LC_MESSAGES/*.mo")
FORMATS = ("html", "pdf")
MANIFEST = "manifest.json"
REPORT = "report.html"
ERROR_FILE = "error.json"
FAILED_SUFFIX = ".failed"
COMPARISON_DIR = "comparison"
KERNEL_START_RETRIES = 1
WARM_ENGINE = "mbm-warm"
ENGINES = {"warm": WARM_ENGINE, "nbclient": "nbclient"}
# Signs of a kernel that failed to start (port races when many start at once; see STACK.md).
_KERNEL_START_ERRORS = ("Kernel didn't respond", "Kernel died before replying", "Address already in use",
                        "kernel_info")
# Quiet kernels (their log would break the progress bar); no history database to write per cell.
KERNEL_ARGS = ["--IPKernelApp.log_level=CRITICAL", "--HistoryManager.enabled=False"]


class BatchError(WorkbookError):
    """A batch cannot start (bad arguments, notebooks that do not take our parameters)."""


class UnknownParameter(BatchError):
    """A parameter passed to a notebook is not declared in its ``parameters`` cell."""


@dataclass(frozen=True)
class CountryJob:
    """One country's work. Small and picklable: it travels to worker processes or a cluster."""

    country: str
    round: str
    output_dir: str
    notebooks_dir: str
    db_url: str | None = field(default=None, repr=False)
    force: bool = False
    formats: tuple[str, ...] = FORMATS
    brief: bool = True
    engine: str = WARM_ENGINE
    pdf_engine: str = "auto"  # chromium, weasyprint or auto (see workbook.report.render); plan_jobs sets it
    report: bool = True  # False: the brief alone (the app's "Donor brief" needs no pillar notebooks)
    lang: str = "en"  # the reports' language (workbook.i18n); other languages than English get their own folder

    @property
    def final_dir(self) -> Path:
        return config.round_dir(self.country, self.round, self.output_dir, lang=self.lang)

    def outputs(self) -> list[str]:
        """The files a finished country folder holds besides the notebooks and the manifest."""
        names = [f"report.{f}" for f in self.formats] if self.report else []
        if self.brief:
            names += [f"brief.{f}" for f in self.formats]
        return names


@dataclass(frozen=True)
class NotebookFailure:
    """Where a country failed: the notebook, the cell and the error (from papermill)."""

    notebook: str | None
    cell_index: int | None
    exec_count: int | None
    ename: str
    evalue: str

    def __str__(self) -> str:
        where = f"{self.notebook}, cell {self.cell_index}: " if self.notebook else ""
        return f"{where}{self.ename}: {self.evalue}"


@dataclass(frozen=True)
class CountryResult:
    """What happened to one country."""

    country: str
    round: str
    status: str  # "ok", "skipped" or "failed"
    seconds: float
    path: str = ""  # the report folder, or the .failed folder
    failure: NotebookFailure | None = None
    steps: tuple[tuple[str, float], ...] = ()  # (step, seconds), e.g. ("administration.ipynb", 0.4)

    @property
    def ok(self) -> bool:
        return self.status != "failed"


@dataclass(frozen=True)
class ComparisonJob:
    """The comparison report of a batch's countries (every round of each). Picklable."""

    countries: tuple[str, ...]
    output_dir: str
    db_url: str | None = field(default=None, repr=False)
    force: bool = False
    formats: tuple[str, ...] = FORMATS
    pdf_engine: str = "auto"
    lang: str = "en"

    @property
    def final_dir(self) -> Path:
        return Path(self.output_dir) / (COMPARISON_DIR if self.lang == "en" else f"{COMPARISON_DIR}.{self.lang}")


# -- notebooks ------------------------------------------------------------------------------------
def check_parameters(notebook: str | Path, parameters: Iterable[str]) -> None:
    """Raise :class:`UnknownParameter` unless every name is in the notebook's parameters cell.

    papermill only warns about unknown names and then injects them anyway, so a misspelled
    parameter would silently run the notebook with its default.
    """
    import papermill as pm
    declared = _declared_parameters(str(notebook))
    unknown = sorted(set(parameters) - declared)
    if unknown:
        raise UnknownParameter(f"{Path(notebook).name}: unknown parameter(s) {', '.join(unknown)}; "
                               f"its parameters cell declares {', '.join(sorted(declared)) or 'nothing'} "
                               f"(as papermill {pm.__version__} reads it: one assignment per line, "
                               "no '=' in comments)")


@contextlib.contextmanager
def _papermill_quiet():
    # we check parameters ourselves; papermill's own warnings would repeat it once per kernel
    log = logging.getLogger("papermill")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        log.setLevel(level)


def _declared_parameters(path: str) -> set[str]:
    try:
        st = os.stat(path)
    except OSError:
        st = None
    return set(_inspect_cached(path, st.st_mtime_ns if st else 0, st.st_size if st else 0))


@functools.lru_cache(maxsize=64)
def _inspect_cached(path: str, _mtime: int, _size: int) -> frozenset[str]:
    # read once per worker and notebook version (papermill parses the notebook each time)
    import papermill as pm
    with _papermill_quiet():
        return frozenset(pm.inspect_notebook(path))


def _is_kernel_start_failure(exc: BaseException) -> bool:
    from papermill.exceptions import PapermillExecutionError
    if isinstance(exc, PapermillExecutionError):
        return False
    try:
        import zmq
        if isinstance(exc, zmq.ZMQError):
            return True
    except ImportError:  # pragma: no cover - zmq comes with jupyter_client
        pass
    return isinstance(exc, (RuntimeError, TimeoutError)) and any(s in str(exc) for s in _KERNEL_START_ERRORS)


def run_notebook(notebook: Path, output: Path, parameters: dict, *, retries: int = KERNEL_START_RETRIES,
                   engine: str = WARM_ENGINE) -> int:
    """Run one notebook with papermill; retry a failed kernel start. Returns the attempts used.

    ``engine`` is ``mbm-warm`` (one kernel kept per worker) or papermill's ``nbclient`` (a new
    kernel per notebook, as the ``papermill`` command runs it). Raises
    ``PapermillExecutionError`` when a cell fails (the output notebook is kept).
    """
    import papermill as pm
    check_parameters(notebook, parameters)
    if engine == WARM_ENGINE:
        from .engine import register
        register()
    for attempt in range(retries + 1):
        try:
            with _papermill_quiet():
                pm.execute_notebook(str(notebook), str(output), parameters=parameters, progress_bar=False,
                                    engine_name=engine, extra_arguments=list(KERNEL_ARGS))
            return attempt + 1
        except Exception as exc:
            if attempt < retries and _is_kernel_start_failure(exc):
                time.sleep(0.5 + attempt)
                continue
            raise
    raise AssertionError("unreachable")  # pragma: no cover


# -- planning -------------------------------------------------------------------------------------
def plan_jobs(countries: Sequence[str] = (), *, all_countries: bool = False, round: str | None = None,
              output_dir: str | Path | None = None, notebooks_dir: str | Path | None = None,
              db_url: str | None = None, force: bool = False, formats: Sequence[str] = FORMATS,
              brief: bool = True, engine: str = WARM_ENGINE, pdf_engine: str | None = None,
              lang: str | None = None) -> list[CountryJob]:
    """One job per country, checked up front: every problem is reported at once.

    Unknown countries, countries without the requested round, unknown formats and notebooks
    whose parameters cell does not declare ours raise (the CLI exits with status 2); nothing runs.
    ``pdf_engine`` None: ``WORKBOOK_PDF_ENGINE``, else ``auto``. ``lang`` None: ``WORKBOOK_LANG``, else
    English; the pillar notebooks must then declare a ``lang`` parameter.
    """
    from ..store import Store
    if bool(countries) == bool(all_countries):
        raise BatchError("name countries with --country (repeatable) or use --all, not both")
    nb_dir = Path(notebooks_dir or config.notebooks_dir()).resolve()
    out_dir = Path(output_dir).resolve() if output_dir else config.outputs_dir()
    problems: list[Problem] = []
    try:
        lang = config.language(lang)
    except InvalidInput as exc:
        problems += [Problem("--lang", p.message) for p in exc.problems]
        lang = "en"
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        problems.append(Problem("--format", f"{', '.join(bad) or 'nothing'}: choose from {', '.join(FORMATS)} "
                                            "(comma-separated)"))
    for name in PILLAR_NOTEBOOKS.values():
        path = nb_dir / name
        if not path.is_file():
            problems.append(Problem(str(path), "pillar notebook not found"))
            continue
        try:
            check_parameters(path, notebook_parameters("", "", lang))
        except UnknownParameter as exc:
            problems.append(Problem("", str(exc)))
    from ..report import chromium
    from ..report.render import RenderError, requested_engine
    try:
        pdf_engine = requested_engine(pdf_engine)
    except RenderError as exc:
        problems.append(Problem("--pdf-engine", str(exc)))
    else:
        if "pdf" in formats and pdf_engine == "chromium" and not chromium.available():
            problems.append(Problem("--pdf-engine", "chromium: Chromium or Playwright is not installed (install "
                                                    "Debian's chromium, set WORKBOOK_CHROMIUM, or use weasyprint)"))
    store = Store(db_url)
    framework_pillars = [p.id for p in store.framework.pillars]
    if sorted(framework_pillars) != sorted(PILLAR_NOTEBOOKS):
        problems.append(Problem("framework", f"pillars {framework_pillars} do not match the pillar notebooks "
                                             f"{sorted(PILLAR_NOTEBOOKS)}"))
    assessments = store.list_assessments()
    wanted = unicodedata.normalize("NFC", round.strip()) if round else None  # stored NFC (inputs.parse_round)
    pairs: list[tuple[str, str]] = []
    if all_countries:
        codes = sorted({a.country_code for a in assessments})
        if not codes:
            problems.append(Problem("--all", "the database has no assessments (load some, e.g. `workbook demo`)"))
    else:
        codes = list(dict.fromkeys(c.strip().upper() for c in countries))
    known = sorted({a.country_code for a in assessments})
    for code in codes:
        try:
            info = store.get_assessment(code, wanted)
        except NotFound as exc:
            if all_countries and wanted:
                continue  # --all --round R: the countries that have round R
            hint = f"; countries with assessments: {', '.join(known)}" if known and code not in known else ""
            problems.append(Problem(f"--country {code}", f"{exc}{hint}"))
            continue
        pairs.append((info.country_code, info.round))
    if all_countries and wanted and codes and not pairs:
        problems.append(Problem("--round", f"no country has an assessment for round {wanted!r}"))
    if problems:
        raise InvalidInput(problems, what="batch")
    url = config.db_url(db_url)
    fmts = tuple(f for f in FORMATS if f in formats)
    return [CountryJob(c, r, str(out_dir), str(nb_dir), url, force, fmts, brief, engine, pdf_engine, lang=lang)
            for c, r in pairs]


def notebook_parameters(country: str, round: str, lang: str) -> dict:
    """What a pillar notebook is run with in a batch (``lang`` only when not English, so notebooks
    without that parameter still run English batches)."""
    params = {"country": country, "round": round, "interactive": False}
    if lang != "en":
        params["lang"] = lang
    return params


# -- fingerprints ---------------------------------------------------------------------------------
def _hash_files(h, paths: Iterable[Path], root: Path) -> None:
    for p in sorted(paths):
        if p.is_file() and "__pycache__" not in p.parts:
            h.update(str(p.relative_to(root)).encode() + b"\0" + p.read_bytes() + b"\0")


def hash_code(h) -> None:
    from ..report import template_dir
    tdir = template_dir()
    _hash_files(h, tdir.rglob("*"), tdir)
    pkg = Path(__file__).parent.parent
    for pattern in REPORT_CODE:
        _hash_files(h, pkg.glob(pattern), pkg)


def hash_assessment(h, store, info) -> None:
    h.update(json.dumps({"country": info.country_code, "round": info.round, "status": info.status,
                         "team": info.team, "name": info.country_name, "created": info.created_at,
                         "framework": [info.framework_id, info.framework_version]}, default=str).encode())
    h.update(store.ratings_frame(info.id).to_csv(index=False).encode())
    h.update(store.evidence_frame(info.id).to_csv(index=False).encode())
    h.update(store.signoffs(info.id).to_csv(index=False).encode())  # the cover shows the sign-offs


def fingerprint(store, info, job: CountryJob, roadmap_store=None) -> str:
    """A hash of what a country's outputs show: the assessment's data, its road map
    (recommendations, initiatives, targets, exposure), the earlier rounds it is compared with,
    the framework, the pillar notebooks, the templates and the code that renders them
    (``REPORT_CODE``). Not the formats asked for: the manifest lists the outputs made for a
    fingerprint, and the engine that printed its PDFs."""
    from ..report.data import earlier_rounds
    from ..roadmap import RoadmapStore
    rm = roadmap_store or RoadmapStore(store)
    h = hashlib.sha256()
    h.update(json.dumps({"lang": job.lang}).encode())
    hash_assessment(h, store, info)
    h.update(store.framework.model_dump_json(by_alias=True).encode())
    for frame in (rm.recommendations_frame(info.id), rm.initiatives_frame(info.country_code),
                  rm.target_overrides(info.id)):
        h.update(frame.drop(columns=[c for c in ("updated_at",) if c in frame.columns]).to_csv(index=False).encode())
    h.update(json.dumps(rm.get_exposure(info.id), default=str).encode())
    earlier = earlier_rounds(store, info)
    if earlier:
        hash_assessment(h, store, earlier[0])
    nb_dir = Path(job.notebooks_dir)
    _hash_files(h, (nb_dir / n for n in PILLAR_NOTEBOOKS.values()), nb_dir)
    hash_code(h)
    return h.hexdigest()


def notebook_keys(store, info, job: CountryJob) -> dict[str, str]:
    """Per pillar notebook, a hash of what it shows: the notebook itself, the code and templates
    that render it, the framework, the assessment's description, and its own pillar's ratings,
    evidence and scores. A changed assessment reruns only the notebooks of the pillars that
    changed (a pillar notebook shows that pillar alone; a notebook that showed more would need
    its inputs added here). The framework is the assessment's own version, not the store's default."""
    from ..scoring import score_assessment
    framework = store.framework_of(info.id)
    base = hashlib.sha256()
    hash_code(base)
    base.update(framework.model_dump_json(by_alias=True).encode())
    base.update(json.dumps([info.country_code, info.country_name, info.fictional, info.round, info.framework_id,
                            info.framework_version, job.lang]).encode())
    ratings, evidence = store.ratings_frame(info.id), store.evidence_frame(info.id)
    scores = score_assessment(framework, ratings, evidence)
    keys = {}
    for pillar in framework.pillars:
        name = PILLAR_NOTEBOOKS.get(pillar.id)
        if name is None:
            continue
        ids = {i.id for sa in pillar.subareas for i in sa.indicators}
        h = base.copy()
        _hash_files(h, [Path(job.notebooks_dir) / name], Path(job.notebooks_dir))
        for frame in (ratings[ratings["indicator_id"].isin(ids)], evidence[evidence["indicator_id"].isin(ids)],
                      scores.subareas[scores.subareas["pillar_id"] == pillar.id],
                      scores.pillars[scores.pillars["pillar_id"] == pillar.id],
                      scores.indicators[scores.indicators["indicator_id"].isin(ids)]):
            h.update(frame.to_csv(index=False).encode())
        keys[name] = h.hexdigest()
    return keys


def printing_engine(job) -> str | None:
    """The engine that prints this job's PDFs (None without PDFs)."""
    return resolved_pdf_engine(job) if "pdf" in job.formats else None


def resolved_pdf_engine(job) -> str:
    """The engine that would print this job's PDFs (``auto`` resolved)."""
    from ..report.render import pdf_engine
    return pdf_engine(job.pdf_engine)

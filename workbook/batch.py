"""Batch runs: execute the pillar notebooks per country with papermill and build its report.

``workbook batch --country XAT [--country ...] | --all`` plans one :class:`CountryJob` per
country, then runs :func:`run_country` for each on a :class:`concurrent.futures.Executor`
(a process pool by default; anything with the same interface, such as a Dask client's
``get_executor()``, can be passed to :func:`run_batch`). A job and its result are small
picklable dataclasses, and the worker reads the database itself, so the same code runs on one
machine or on a cluster.

Per country the worker writes ``<output-dir>/<ISO3>/<round-slug>/``: the executed notebooks,
``report.html`` and ``manifest.json``. It builds everything in a hidden temporary sibling
folder and renames it into place only when complete, so a killed batch never leaves a
half-written report that looks complete. A failing country keeps its notebooks and an
``error.json`` in ``<round-slug>.failed/`` (the last good report stays where it was), and the
other countries go on. A country whose data, framework, notebooks, templates and code have not
changed since its last report is skipped unless ``force`` is set.

The database URL reaches the notebooks only through ``WORKBOOK_DB_URL`` in the kernel's
environment, never as a papermill parameter: papermill stores parameters in the output.
"""
from __future__ import annotations

import concurrent.futures as cf
import contextlib
import datetime as dt
import hashlib
import json
import logging
import multiprocessing
import os
import re
import shutil
import socket
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import config
from .errors import InvalidInput, NotFound, Problem, WorkbookError

PILLAR_NOTEBOOKS = config.PILLAR_NOTEBOOKS
# The code a report's content depends on (other code changes need --force).
REPORT_MODULES = ("app", "charts", "report", "scoring")
MANIFEST = "manifest.json"
REPORT = "report.html"
ERROR_FILE = "error.json"
FAILED_SUFFIX = ".failed"
KERNEL_START_RETRIES = 1
# Signs of a kernel that failed to start (port races when many start at once; see STACK.md).
_KERNEL_START_ERRORS = ("Kernel didn't respond", "Kernel died before replying", "Address already in use",
                        "kernel_info")
# Quiet kernels: their log goes to our stderr and would break the progress bar.
_KERNEL_ARGS = ["--IPKernelApp.log_level=CRITICAL"]


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

    @property
    def final_dir(self) -> Path:
        return Path(self.output_dir) / self.country / slugify(self.round)


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
    steps: tuple[tuple[str, float], ...] = ()  # (step, seconds), e.g. ("administration.ipynb", 3.1)

    @property
    def ok(self) -> bool:
        return self.status != "failed"


# -- helpers --------------------------------------------------------------------------------
def slugify(round: str) -> str:
    """A round name as a folder name: ``"baseline 2026"`` -> ``"baseline-2026"``."""
    slug = re.sub(r"[^a-z0-9]+", "-", round.strip().lower()).strip("-")
    return slug or "round"


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
    import papermill as pm
    with _papermill_quiet():
        return set(pm.inspect_notebook(path))


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


def execute_pillar(notebook: Path, output: Path, parameters: dict, *, retries: int = KERNEL_START_RETRIES) -> int:
    """Run one notebook with papermill; retry a failed kernel start. Returns the attempts used.

    Raises ``PapermillExecutionError`` when a cell fails (the output notebook is kept).
    """
    import papermill as pm
    check_parameters(notebook, parameters)
    for attempt in range(retries + 1):
        try:
            with _papermill_quiet():
                pm.execute_notebook(str(notebook), str(output), parameters=parameters, progress_bar=False,
                                    extra_arguments=list(_KERNEL_ARGS))
            return attempt + 1
        except Exception as exc:
            if attempt < retries and _is_kernel_start_failure(exc):
                time.sleep(0.5 + attempt)
                continue
            raise
    raise AssertionError("unreachable")  # pragma: no cover


def _hash_files(h, paths: Iterable[Path], root: Path) -> None:
    for p in sorted(paths):
        if p.is_file() and "__pycache__" not in p.parts:
            h.update(str(p.relative_to(root)).encode() + b"\0" + p.read_bytes() + b"\0")


def fingerprint(store, info, job: CountryJob) -> str:
    """A hash of what a report shows: the assessment's data, the framework, the pillar
    notebooks, the report template and the code that renders them (``REPORT_MODULES``)."""
    h = hashlib.sha256()
    h.update(json.dumps({"country": info.country_code, "round": info.round, "status": info.status,
                         "team": info.team, "name": info.country_name,
                         "framework": [info.framework_id, info.framework_version]}, default=str).encode())
    h.update(store.framework.model_dump_json(by_alias=True).encode())
    h.update(store.ratings_frame(info.id).to_csv(index=False).encode())
    h.update(store.evidence_frame(info.id).to_csv(index=False).encode())
    nb_dir = Path(job.notebooks_dir)
    _hash_files(h, (nb_dir / n for n in PILLAR_NOTEBOOKS.values()), nb_dir)
    from .report import template_dir
    tdir = template_dir()
    _hash_files(h, tdir.rglob("*"), tdir)
    pkg = Path(__file__).parent
    _hash_files(h, (pkg / f"{m}.py" for m in REPORT_MODULES), pkg)
    return h.hexdigest()


def _read_manifest(folder: Path) -> dict:
    try:
        return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _tmp_prefix(final: Path) -> str:
    return f".{final.name}.tmp-"


def _remove_stale_tmp(final: Path) -> None:
    """Remove temporary folders left by killed runs on this host (their process is gone)."""
    host = socket.gethostname()
    for p in final.parent.glob(_tmp_prefix(final) + "*"):
        parts = p.name[len(_tmp_prefix(final)):].split("-")
        if len(parts) >= 3 and "-".join(parts[:-2]) == host:
            try:
                os.kill(int(parts[-2]), 0)
            except ProcessLookupError:
                shutil.rmtree(p, ignore_errors=True)
            except (ValueError, PermissionError):
                pass


def _replace_dir(src: Path, dest: Path) -> None:
    """Move a finished folder into place; the old one goes only once the new one is there."""
    old = None
    if dest.exists():
        old = dest.with_name(f".{dest.name}.old-{uuid.uuid4().hex[:8]}")
        os.rename(dest, old)
    os.rename(src, dest)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _failure_from(exc: BaseException, notebook: str | None) -> NotebookFailure:
    from papermill.exceptions import PapermillExecutionError
    if isinstance(exc, PapermillExecutionError):
        return NotebookFailure(notebook, exc.cell_index, exc.exec_count, exc.ename, str(exc.evalue))
    return NotebookFailure(notebook, None, None, type(exc).__name__, str(exc))


# -- the worker -----------------------------------------------------------------------------
def run_country(job: CountryJob) -> CountryResult:
    """Run every pillar notebook of one country and build its report (runs in a worker).

    Never raises for a country's own failure: the result says what failed and where.
    """
    start = time.perf_counter()
    steps: list[tuple[str, float]] = []  # (step, seconds); the last one is where a failure happened
    final = job.final_dir
    failed_dir = final.with_name(final.name + FAILED_SUFFIX)
    final.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_tmp(final)
    tmp = final.with_name(f"{_tmp_prefix(final)}{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    try:
        with _database_env(job.db_url):
            return _build_country(job, tmp, start, steps)
    except Exception as exc:
        step = steps[-1][0] if steps and steps[-1][1] is None else None
        failure = _failure_from(exc, step if step in PILLAR_NOTEBOOKS.values() else None)
        path = ""
        if tmp.exists():
            # keep the failed notebooks for the analyst, away from the last good report
            (tmp / ERROR_FILE).write_text(json.dumps(asdict(failure), indent=2), encoding="utf-8")
            shutil.rmtree(failed_dir, ignore_errors=True)
            os.rename(tmp, failed_dir)
            path = str(failed_dir)
        return CountryResult(job.country, job.round, "failed", time.perf_counter() - start, path, failure,
                             tuple((k, v) for k, v in steps if v is not None))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def _database_env(url: str | None):
    """``WORKBOOK_DB_URL`` for the kernels papermill starts (the URL never enters a notebook).

    Restored afterwards, so an in-process run leaves the caller's environment as it was. Dask
    workers running several threads would share it: give them one thread each.
    """
    old = os.environ.get("WORKBOOK_DB_URL")
    if url:
        os.environ["WORKBOOK_DB_URL"] = url
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("WORKBOOK_DB_URL", None)
        else:
            os.environ["WORKBOOK_DB_URL"] = old


@contextlib.contextmanager
def _step(steps: list, name: str):
    """Time a step; it stays recorded as unfinished (None) when it raises."""
    steps.append((name, None))
    t = time.perf_counter()
    yield
    steps[-1] = (name, time.perf_counter() - t)


def _build_country(job: CountryJob, tmp: Path, start: float, steps: list) -> CountryResult:
    from .report import build_report, load_report_data
    from .store import Store
    final = job.final_dir
    with _step(steps, "check"):
        store = Store(job.db_url)
        info = store.get_assessment(job.country, job.round)
        stamp = fingerprint(store, info, job)
        if not job.force and _read_manifest(final).get("fingerprint") == stamp and (final / REPORT).is_file():
            return CountryResult(job.country, job.round, "skipped", time.perf_counter() - start, str(final))
    tmp.mkdir()
    params = {"country": job.country, "round": job.round, "interactive": False}
    executed = {}
    for pillar_id, name in PILLAR_NOTEBOOKS.items():
        with _step(steps, name):
            execute_pillar(Path(job.notebooks_dir) / name, tmp / name, params)
        executed[pillar_id] = tmp / name
    with _step(steps, "report"):
        build_report(load_report_data(job.country, job.round, store=store), executed, tmp / REPORT)
    seconds = time.perf_counter() - start
    # the manifest goes last: a folder with a manifest is a finished one
    (tmp / MANIFEST).write_text(json.dumps({
        "country": job.country, "round": job.round, "fingerprint": stamp,
        "framework": f"{info.framework_id} {info.framework_version}",
        "notebooks": list(PILLAR_NOTEBOOKS.values()), "report": REPORT,
        "built_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "seconds": round(seconds, 2), "steps": {k: round(v, 2) for k, v in steps}}, indent=2),
        encoding="utf-8")
    _replace_dir(tmp, final)
    shutil.rmtree(final.with_name(final.name + FAILED_SUFFIX), ignore_errors=True)
    return CountryResult(job.country, job.round, "ok", seconds, str(final), steps=tuple(steps))


# -- planning and running -------------------------------------------------------------------
def plan_jobs(countries: Sequence[str] = (), *, all_countries: bool = False, round: str | None = None,
              output_dir: str | Path | None = None, notebooks_dir: str | Path | None = None,
              db_url: str | None = None, force: bool = False) -> list[CountryJob]:
    """One job per country, checked up front: every problem is reported at once.

    Unknown countries, countries without the requested round and notebooks whose parameters
    cell does not declare ours raise (the CLI exits with status 2); nothing runs.
    """
    from .store import Store
    if bool(countries) == bool(all_countries):
        raise BatchError("name countries with --country (repeatable) or use --all, not both")
    nb_dir = Path(notebooks_dir or config.notebooks_dir()).resolve()
    out_dir = Path(output_dir).resolve() if output_dir else config.outputs_dir()
    problems: list[Problem] = []
    for name in PILLAR_NOTEBOOKS.values():
        path = nb_dir / name
        if not path.is_file():
            problems.append(Problem(str(path), "pillar notebook not found"))
            continue
        try:
            check_parameters(path, ("country", "round", "interactive"))
        except UnknownParameter as exc:
            problems.append(Problem("", str(exc)))
    store = Store(db_url)
    framework_pillars = [p.id for p in store.framework.pillars]
    if sorted(framework_pillars) != sorted(PILLAR_NOTEBOOKS):
        problems.append(Problem("framework", f"pillars {framework_pillars} do not match the pillar notebooks "
                                             f"{sorted(PILLAR_NOTEBOOKS)}"))
    assessments = store.list_assessments()
    wanted = round.strip() if round else None
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
    return [CountryJob(c, r, str(out_dir), str(nb_dir), url, force) for c, r in pairs]


class InlineExecutor(cf.Executor):
    """Runs each task at once in the calling process (``--jobs 1``, debugging, tests)."""

    def submit(self, fn, /, *args, **kwargs):
        future: cf.Future = cf.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller through the future
            future.set_exception(exc)
        return future


def default_executor(jobs: int | None, n_tasks: int) -> cf.Executor:
    """A process pool (spawned, so no forked database connections or threads)."""
    workers = max(1, min(jobs or os.cpu_count() or 1, n_tasks))
    if workers == 1:
        return InlineExecutor()
    return cf.ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))


def run_batch(jobs: Sequence[CountryJob], *, executor: cf.Executor | None = None, max_workers: int | None = None,
              progress: bool | None = None, on_result: Callable[[CountryResult], None] | None = None,
              ) -> list[CountryResult]:
    """Run :func:`run_country` for every job on ``executor`` and return results in job order.

    ``executor`` is any :class:`concurrent.futures.Executor` (e.g. a Dask client's
    ``get_executor()``); it is left open. Without one, a process pool of ``max_workers``
    (default: the number of cores) is made and shut down here.
    """
    from tqdm import tqdm
    own = executor is None
    ex = default_executor(max_workers, len(jobs)) if own else executor
    results: dict[int, CountryResult] = {}
    try:
        with tqdm(total=len(jobs), desc="countries", unit="country", disable=(None if progress is None
                                                                              else not progress),
                  file=sys.stderr) as bar:
            futures = {ex.submit(run_country, job): i for i, job in enumerate(jobs)}
            for fut in cf.as_completed(futures):
                i = futures[fut]
                job = jobs[i]
                try:
                    res = fut.result()
                except Exception as exc:  # the worker itself died (e.g. BrokenProcessPool)
                    res = CountryResult(job.country, job.round, "failed", 0.0, "", _failure_from(exc, None))
                results[i] = res
                bar.set_postfix_str(f"{res.country} {res.status} {res.seconds:.1f}s")
                bar.update()
                if on_result:
                    on_result(res)
    except BaseException:
        if own:
            ex.shutdown(wait=False, cancel_futures=True)
        raise
    if own:
        ex.shutdown(wait=True)
    return [results[i] for i in range(len(jobs))]


def format_summary(results: Sequence[CountryResult], wall: float | None = None) -> str:
    """A plain-text table: country, round, status, time, and where to look."""
    rows = [("Country", "Round", "Status", "Time", "Output / error")]
    for r in results:
        detail = r.path
        if r.failure:
            detail = f"{r.failure}" + (f"  (notebooks kept in {r.path})" if r.path else "")
        rows.append((r.country, r.round, r.status, f"{r.seconds:.1f}s", detail))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row[:4], widths)) + "  " + row[4] for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths) + "  " + "-" * 14)
    counts = {s: sum(r.status == s for r in results) for s in ("ok", "skipped", "failed")}
    total = f"{len(results)} countries: {counts['ok']} ok, {counts['skipped']} skipped, {counts['failed']} failed"
    if wall is not None:
        total += f" in {wall:.1f}s"
    return "\n".join(lines + ["", total])


# -- command line ---------------------------------------------------------------------------
def _positive_int(text: str) -> int:
    import argparse
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def add_arguments(parser) -> None:
    """The options of ``workbook batch``."""
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument("--country", action="append", default=[], metavar="ISO3",
                     help="a country code with an assessment (repeat for several)")
    who.add_argument("--all", action="store_true", help="every country with an assessment")
    parser.add_argument("--round", default=None,
                        help="the assessment round, e.g. 'baseline 2026' (default: each country's latest)")
    parser.add_argument("--jobs", type=_positive_int, default=None, metavar="N",
                        help="countries run at once in separate processes (default: the number of cores)")
    parser.add_argument("--output-dir", default=None, metavar="DIR",
                        help="where <ISO3>/<round>/ folders go (default: WORKBOOK_OUTPUTS, else ./outputs)")
    parser.add_argument("--force", action="store_true",
                        help="rebuild countries whose data, framework, notebooks and templates are unchanged")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def main(args) -> int:
    """Run a batch from parsed arguments; 0 when every country succeeded or was skipped, else 1."""
    start = time.perf_counter()
    jobs = plan_jobs(args.country, all_countries=args.all, round=args.round, output_dir=args.output_dir,
                     db_url=getattr(args, "db_url", None), force=args.force)
    results = run_batch(jobs, max_workers=args.jobs, progress=False if args.quiet else None)
    print(format_summary(results, time.perf_counter() - start))
    return 0 if all(r.ok for r in results) else 1

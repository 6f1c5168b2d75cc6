"""Batch runs: execute the pillar notebooks per country with papermill and build its outputs.

``workbook batch --country XAT [--country ...] | --all`` plans one :class:`CountryJob` per
country, then runs :func:`run_country` for each on a :class:`concurrent.futures.Executor`: a
process pool by default, or a Dask cluster with ``--scheduler tcp://HOST:PORT`` (its
``Client.get_executor()``; anything with the same interface can be passed to
:func:`run_batch`). A job and its result are small picklable dataclasses, and the worker reads
the database itself, so the same code runs on one machine or on a cluster.

Per country the worker writes ``<output-dir>/<ISO3>/<round folder>/`` (the folder exports use
too: :func:`workbook.config.round_dir`): the executed notebooks, ``report.html``/``report.pdf``,
``brief.html``/``brief.pdf`` (``--format``) and ``manifest.json``. It builds everything in a hidden temporary sibling folder and renames it into
place only when complete, so a killed batch never leaves a half-written report that looks
complete. A failing country keeps its notebooks and an ``error.json`` in ``<round folder>.failed/``
(the last good report stays where it was), and the other countries go on. A country whose data,
road map, framework, notebooks, templates and code have not changed since its last report is
skipped unless ``force`` is set. The comparison report of the batch's countries goes to
``<output-dir>/comparison/``.

Speed (papermill stays the engine, so an analyst can re-run any notebook with the ``papermill``
command): the ``mbm-warm`` papermill engine keeps one kernel per worker process and resets its
namespace between notebooks, so the kernel start and the imports of ``workbook``, pandas and
matplotlib are paid once per worker, not once per notebook; the parameters of each notebook are
read once per worker; and the reports are built in-process from one scoring per country.

The database URL reaches the notebooks only through ``WORKBOOK_DB_URL`` in the kernel's
environment, never as a papermill parameter: papermill stores parameters in the output.
"""
from __future__ import annotations

import concurrent.futures as cf
import contextlib
import datetime as dt
import functools
import hashlib
import json
import logging
import multiprocessing
import os
import shutil
import socket
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import config
from .errors import InvalidInput, NotFound, Problem, WorkbookError

PILLAR_NOTEBOOKS = config.PILLAR_NOTEBOOKS
# The code a report's content depends on (other code changes need --force).
REPORT_MODULES = ("app", "charts", "scoring", "report/*", "roadmap/*")
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
_KERNEL_ARGS = ["--IPKernelApp.log_level=CRITICAL", "--HistoryManager.enabled=False"]


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

    @property
    def final_dir(self) -> Path:
        return config.round_dir(self.country, self.round, self.output_dir)

    def outputs(self) -> list[str]:
        """The files a finished country folder holds besides the notebooks and the manifest."""
        names = [f"report.{f}" for f in self.formats]
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


# -- helpers --------------------------------------------------------------------------------
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


# -- the warm-kernel papermill engine ---------------------------------------------------------
# The kernel's own reset: a fresh namespace and execution count 1 (so the executed notebook
# numbers its cells as a cold run does); imported modules stay imported: that is the saving.
_RESET_CODE = "get_ipython().reset(new_session=True, aggressive=False)"
_warm = threading.local()


class _WarmKernel:
    """A started kernel and its client, kept for the next notebook in this worker thread."""

    def __init__(self, key: tuple, km, kc):
        self.key, self.km, self.kc = key, km, kc
        self.notebooks = 0

    def alive(self) -> bool:
        from jupyter_core.utils import ensure_async, run_sync

        async def check():
            return await ensure_async(self.km.is_alive())
        try:
            return bool(run_sync(check)())
        except Exception:  # noqa: BLE001 - any doubt: start a new one
            return False

    def shutdown(self) -> None:
        from jupyter_core.utils import ensure_async, run_sync

        async def stop():
            with contextlib.suppress(Exception):
                self.kc.stop_channels()
            await ensure_async(self.km.shutdown_kernel(now=True))
            await ensure_async(self.km.cleanup_resources())
        try:
            run_sync(stop)()
        except Exception:  # noqa: BLE001 - the kernel also exits by itself when its parent goes
            with contextlib.suppress(Exception):
                self.km.provisioner.process.kill()


def shutdown_warm_kernel() -> None:
    """Stop this thread's warm kernel, if any (also run at exit)."""
    warm = getattr(_warm, "kernel", None)
    _warm.kernel = None
    if warm is not None:
        warm.shutdown()


def _shutdown_all_at_exit(kernels: list, timeout: float = 10) -> None:
    # each in a thread of its own, with a time limit: an exit must never wait on an event loop
    # that something else left behind; a kernel that does not stop in time is killed
    for k in kernels:
        t = threading.Thread(target=k.shutdown, daemon=True, name="mbm-kernel-shutdown")
        t.start()
        t.join(timeout)
        if t.is_alive():
            with contextlib.suppress(Exception):
                k.km.provisioner.process.kill()


_ALL_WARM: list[_WarmKernel] = []


def _register_engine() -> None:
    """Register ``mbm-warm`` with papermill (idempotent; done when this module is imported)."""
    import atexit

    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.exceptions import PapermillException
    from papermill.utils import merge_kwargs, remove_args

    try:
        papermill_engines.get_engine(WARM_ENGINE)
        return
    except PapermillException:
        pass

    class WarmKernelEngine(NBClientEngine):
        """papermill's nbclient engine with one kernel kept per worker thread.

        Before each notebook but the first, the kernel's namespace is reset (a new session:
        execution counts start at 1 again); the kernel is restarted when it died, or when the
        kernel name, working folder, ``WORKBOOK_DB_URL`` or kernel arguments differ from the
        ones it was started with.
        """

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                     stderr_file=None, start_timeout=60, execution_timeout=None, **kwargs):
            from jupyter_core.utils import ensure_async, run_sync
            kwargs = remove_args(["input_path"], **kwargs)
            safe_kwargs = remove_args(["timeout", "startup_timeout"], **kwargs)
            final_kwargs = merge_kwargs(safe_kwargs, timeout=execution_timeout or kwargs.get("timeout"),
                                        startup_timeout=start_timeout, kernel_name=kernel_name,
                                        log=logging.getLogger("papermill"), log_output=log_output,
                                        stdout_file=stdout_file, stderr_file=stderr_file)
            key = (kernel_name, os.getcwd(), os.environ.get("WORKBOOK_DB_URL"),
                   tuple(final_kwargs.get("extra_arguments") or ()))
            warm = getattr(_warm, "kernel", None)
            if warm is not None and (warm.key != key or not warm.alive()):
                shutdown_warm_kernel()
                warm = None
            client = PapermillNotebookClient(nb_man, km=warm.km if warm else None, **final_kwargs)
            if warm is not None:
                client.kc = warm.kc

                async def reset():
                    msg_id = await ensure_async(client.kc.execute(_RESET_CODE, silent=True, store_history=False))
                    await client.async_wait_for_reply(msg_id)
                run_sync(reset)()
            try:
                nb = client.execute(cleanup_kc=False)
            except BaseException:
                # a kernel that failed mid-run (dead, timed out) is not trusted again
                if warm is None and client.km is not None:
                    _WarmKernel(key, client.km, client.kc).shutdown()
                else:
                    shutdown_warm_kernel()
                raise
            if warm is None:
                warm = _WarmKernel(key, client.km, client.kc)
                _warm.kernel = warm
                _ALL_WARM.append(warm)
            warm.notebooks += 1
            return nb

    papermill_engines.register(WARM_ENGINE, WarmKernelEngine)
    atexit.register(_shutdown_all_at_exit, _ALL_WARM)


def execute_pillar(notebook: Path, output: Path, parameters: dict, *, retries: int = KERNEL_START_RETRIES,
                   engine: str = WARM_ENGINE) -> int:
    """Run one notebook with papermill; retry a failed kernel start. Returns the attempts used.

    ``engine`` is ``mbm-warm`` (one kernel kept per worker) or papermill's ``nbclient`` (a new
    kernel per notebook, as the ``papermill`` command runs it). Raises
    ``PapermillExecutionError`` when a cell fails (the output notebook is kept).
    """
    import papermill as pm
    check_parameters(notebook, parameters)
    if engine == WARM_ENGINE:
        _register_engine()
    for attempt in range(retries + 1):
        try:
            with _papermill_quiet():
                pm.execute_notebook(str(notebook), str(output), parameters=parameters, progress_bar=False,
                                    engine_name=engine, extra_arguments=list(_KERNEL_ARGS))
            return attempt + 1
        except Exception as exc:
            if attempt < retries and _is_kernel_start_failure(exc):
                time.sleep(0.5 + attempt)
                continue
            raise
    raise AssertionError("unreachable")  # pragma: no cover


# -- fingerprints and folders -----------------------------------------------------------------
def _hash_files(h, paths: Iterable[Path], root: Path) -> None:
    for p in sorted(paths):
        if p.is_file() and "__pycache__" not in p.parts:
            h.update(str(p.relative_to(root)).encode() + b"\0" + p.read_bytes() + b"\0")


def _hash_code(h) -> None:
    from .report import template_dir
    tdir = template_dir()
    _hash_files(h, tdir.rglob("*"), tdir)
    pkg = Path(__file__).parent
    for pattern in REPORT_MODULES:
        _hash_files(h, pkg.glob(pattern + ("" if pattern.endswith("*") else ".py")), pkg)


def _hash_assessment(h, store, info) -> None:
    h.update(json.dumps({"country": info.country_code, "round": info.round, "status": info.status,
                         "team": info.team, "name": info.country_name, "created": info.created_at,
                         "framework": [info.framework_id, info.framework_version]}, default=str).encode())
    h.update(store.ratings_frame(info.id).to_csv(index=False).encode())
    h.update(store.evidence_frame(info.id).to_csv(index=False).encode())
    h.update(store.signoffs(info.id).to_csv(index=False).encode())  # the cover shows the sign-offs


def fingerprint(store, info, job: CountryJob, roadmap_store=None) -> str:
    """A hash of what a country's outputs show: the assessment's data, its road map
    (recommendations, initiatives, targets, exposure), the earlier rounds it is compared with,
    the framework, the pillar notebooks, the templates, the code that renders them
    (``REPORT_MODULES``), the formats asked for and the engine that prints the PDF."""
    from .report.data import earlier_rounds
    from .roadmap import RoadmapStore
    rm = roadmap_store or RoadmapStore(store)
    h = hashlib.sha256()
    h.update(json.dumps({"formats": list(job.formats), "brief": job.brief, "pdf": _pdf_engine(job)}).encode())
    _hash_assessment(h, store, info)
    h.update(store.framework.model_dump_json(by_alias=True).encode())
    for frame in (rm.recommendations_frame(info.id), rm.initiatives_frame(info.country_code),
                  rm.target_overrides(info.id)):
        h.update(frame.drop(columns=[c for c in ("updated_at",) if c in frame.columns]).to_csv(index=False).encode())
    h.update(json.dumps(rm.get_exposure(info.id), default=str).encode())
    earlier = earlier_rounds(store, info)
    if earlier:
        _hash_assessment(h, store, earlier[0])
    nb_dir = Path(job.notebooks_dir)
    _hash_files(h, (nb_dir / n for n in PILLAR_NOTEBOOKS.values()), nb_dir)
    _hash_code(h)
    return h.hexdigest()


def _pdf_engine(job) -> str | None:
    """The engine that prints this job's PDFs (None without PDFs)."""
    from .report.render import pdf_engine
    return pdf_engine(job.pdf_engine) if "pdf" in job.formats else None


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
_stores: dict[str, tuple] = {}


def _worker_stores(db_url: str | None):
    """One Store and RoadmapStore (with its action library) per database, per worker process."""
    from .roadmap import RoadmapStore
    from .store import Store
    key = config.db_url(db_url)
    if key not in _stores:
        store = Store(key)
        _stores[key] = (store, RoadmapStore(store))
    return _stores[key]


def run_country(job: CountryJob) -> CountryResult:
    """Run every pillar notebook of one country and build its outputs (runs in a worker).

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
    from . import report
    final = job.final_dir
    with _step(steps, "check"):
        store, rm = _worker_stores(job.db_url)
        info = store.get_assessment(job.country, job.round)
        stamp = fingerprint(store, info, job, rm)
        if (not job.force and _read_manifest(final).get("fingerprint") == stamp
                and all((final / name).is_file() for name in job.outputs())):
            return CountryResult(job.country, job.round, "skipped", time.perf_counter() - start, str(final))
    tmp.mkdir()
    params = {"country": job.country, "round": job.round, "interactive": False}
    executed = {}
    for pillar_id, name in PILLAR_NOTEBOOKS.items():
        with _step(steps, name):
            execute_pillar(Path(job.notebooks_dir) / name, tmp / name, params, engine=job.engine)
        executed[pillar_id] = tmp / name
    with _step(steps, "report data"):
        data = report.load_report_data(job.country, job.round, store=store, roadmap_store=rm)
    html = tmp / "report.html" if "html" in job.formats else None
    pdf = tmp / "report.pdf" if "pdf" in job.formats else None
    with _step(steps, "report"):
        report.build_report(data, executed, html, pdf=pdf, pdf_engine=job.pdf_engine)
    if job.brief:
        with _step(steps, "brief"):
            report.build_brief(data, tmp / "brief.html" if html else None, pdf=tmp / "brief.pdf" if pdf else None,
                               pdf_engine=job.pdf_engine)
    seconds = time.perf_counter() - start
    # the manifest goes last: a folder with a manifest is a finished one
    (tmp / MANIFEST).write_text(json.dumps({
        "country": job.country, "round": job.round, "fingerprint": stamp,
        "framework": f"{info.framework_id} {info.framework_version}",
        "notebooks": list(PILLAR_NOTEBOOKS.values()), "outputs": job.outputs(), "engine": job.engine,
        "pdf_engine": _pdf_engine(job),
        "built_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "seconds": round(seconds, 2), "steps": {k: round(v, 2) for k, v in steps}}, indent=2),
        encoding="utf-8")
    _replace_dir(tmp, final)
    shutil.rmtree(final.with_name(final.name + FAILED_SUFFIX), ignore_errors=True)
    return CountryResult(job.country, job.round, "ok", seconds, str(final), steps=tuple(steps))


# -- the comparison report --------------------------------------------------------------------
@dataclass(frozen=True)
class ComparisonJob:
    """The comparison report of a batch's countries (every round of each). Picklable."""

    countries: tuple[str, ...]
    output_dir: str
    db_url: str | None = field(default=None, repr=False)
    force: bool = False
    formats: tuple[str, ...] = FORMATS
    pdf_engine: str = "auto"

    @property
    def final_dir(self) -> Path:
        return Path(self.output_dir) / COMPARISON_DIR


def run_comparison(job: ComparisonJob) -> CountryResult:
    """Build (or skip, when nothing it shows changed) the comparison report; never raises."""
    from . import report
    start = time.perf_counter()
    final = job.final_dir
    try:
        with _database_env(job.db_url):
            store, _rm = _worker_stores(job.db_url)
            wanted = set(job.countries)
            infos = [a for a in store.list_assessments() if a.country_code in wanted]
            h = hashlib.sha256(json.dumps({"formats": list(job.formats), "pdf": _pdf_engine(job)}).encode())
            for info in infos:
                _hash_assessment(h, store, info)
            h.update(store.framework.model_dump_json(by_alias=True).encode())
            _hash_code(h)
            stamp = h.hexdigest()
            names = [f"comparison.{f}" for f in job.formats]
            if (not job.force and _read_manifest(final).get("fingerprint") == stamp
                    and all((final / n).is_file() for n in names)):
                return CountryResult("comparison", f"{len(infos)} assessments", "skipped",
                                     time.perf_counter() - start, str(final))
            data = [report.load_report_data(a.country_code, a.round, store=store, roadmap=False) for a in infos]
            final.mkdir(parents=True, exist_ok=True)
            report.build_comparison(data, final / "comparison.html" if "html" in job.formats else None,
                                    pdf=final / "comparison.pdf" if "pdf" in job.formats else None,
                                    pdf_engine=job.pdf_engine)
            report.atomic_write(final / MANIFEST, json.dumps({
                "fingerprint": stamp, "assessments": [f"{a.country_code} {a.round}" for a in infos],
                "outputs": names, "built_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")},
                indent=2))
            return CountryResult("comparison", f"{len(infos)} assessments", "ok", time.perf_counter() - start,
                                 str(final))
    except Exception as exc:  # noqa: BLE001 - reported like a country
        return CountryResult("comparison", "", "failed", time.perf_counter() - start, "", _failure_from(exc, None))


# -- planning and running -------------------------------------------------------------------
def plan_jobs(countries: Sequence[str] = (), *, all_countries: bool = False, round: str | None = None,
              output_dir: str | Path | None = None, notebooks_dir: str | Path | None = None,
              db_url: str | None = None, force: bool = False, formats: Sequence[str] = FORMATS,
              brief: bool = True, engine: str = WARM_ENGINE, pdf_engine: str | None = None) -> list[CountryJob]:
    """One job per country, checked up front: every problem is reported at once.

    Unknown countries, countries without the requested round, unknown formats and notebooks
    whose parameters cell does not declare ours raise (the CLI exits with status 2); nothing runs.
    ``pdf_engine`` None: ``WORKBOOK_PDF_ENGINE``, else ``auto``.
    """
    from .store import Store
    if bool(countries) == bool(all_countries):
        raise BatchError("name countries with --country (repeatable) or use --all, not both")
    nb_dir = Path(notebooks_dir or config.notebooks_dir()).resolve()
    out_dir = Path(output_dir).resolve() if output_dir else config.outputs_dir()
    problems: list[Problem] = []
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
            check_parameters(path, ("country", "round", "interactive"))
        except UnknownParameter as exc:
            problems.append(Problem("", str(exc)))
    from .report import chromium
    from .report.render import RenderError, requested_engine
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
    fmts = tuple(f for f in FORMATS if f in formats)
    return [CountryJob(c, r, str(out_dir), str(nb_dir), url, force, fmts, brief, engine, pdf_engine)
            for c, r in pairs]


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
              comparison: ComparisonJob | None = None) -> list[CountryResult]:
    """Run :func:`run_country` for every job on ``executor`` and return results in job order.

    ``executor`` is any :class:`concurrent.futures.Executor` (e.g. a Dask client's
    ``get_executor()``); it is left open. Without one, a process pool of ``max_workers``
    (default: the number of cores) is made and shut down here. A ``comparison`` job is
    submitted first (it needs only the database, so it runs beside the countries); its result
    comes last.
    """
    from tqdm import tqdm
    own = executor is None
    tasks: list[tuple[Callable, object]] = ([(run_comparison, comparison)] if comparison else [])
    tasks += [(run_country, job) for job in jobs]
    ex = default_executor(max_workers, len(tasks)) if own else executor
    results: dict[int, CountryResult] = {}
    try:
        with tqdm(total=len(jobs), desc="countries", unit="country", disable=(None if progress is None
                                                                              else not progress),
                  file=sys.stderr) as bar:
            futures = {ex.submit(fn, job): i for i, (fn, job) in enumerate(tasks)}
            for fut in cf.as_completed(futures):
                i = futures[fut]
                fn, job = tasks[i]
                try:
                    res = fut.result()
                except Exception as exc:  # the worker itself died (e.g. BrokenProcessPool)
                    name = getattr(job, "country", "comparison")
                    res = CountryResult(name, getattr(job, "round", ""), "failed", 0.0, "", _failure_from(exc, None))
                results[i] = res
                if fn is run_country:
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
    ordered = [results[i] for i in range(len(tasks))]
    return ordered[1:] + ordered[:1] if comparison else ordered


def format_summary(results: Sequence[CountryResult], wall: float | None = None) -> str:
    """A plain-text table: country, round, status, time, slowest step, and where to look."""
    rows = [("Country", "Round", "Status", "Time", "Slowest step", "Output / error")]
    for r in results:
        detail = r.path
        if r.failure:
            detail = f"{r.failure}" + (f"  (notebooks kept in {r.path})" if r.path else "")
        slow = max(r.steps, key=lambda s: s[1]) if r.steps else None
        rows.append((r.country, r.round, r.status, f"{r.seconds:.1f}s",
                     f"{slow[0]} {slow[1]:.1f}s" if slow else "", detail))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row[:5], widths)) + "  " + row[5] for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths) + "  " + "-" * 14)
    countries = [r for r in results if r.country != "comparison"]
    counts = {s: sum(r.status == s for r in countries) for s in ("ok", "skipped", "failed")}
    total = (f"{len(countries)} countries: {counts['ok']} ok, {counts['skipped']} skipped, "
             f"{counts['failed']} failed")
    if wall is not None:
        total += f" in {wall:.1f}s"
    built = [r.seconds for r in countries if r.status == "ok"]
    if built:
        total += f"; median {statistics.median(built):.1f}s per built country"
        by_step: dict[str, float] = {}
        for r in countries:
            if r.status == "ok":
                for name, sec in r.steps:
                    key = "notebooks" if name.endswith(".ipynb") else name
                    by_step[key] = by_step.get(key, 0.0) + sec
        total += "\nTime per step, all countries: " + ", ".join(f"{k} {v:.1f}s" for k, v in by_step.items())
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


def _formats(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(f.strip().lower() for f in text.split(",") if f.strip()))


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
    parser.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                        help="run the countries on this Dask distributed scheduler (pip install "
                             "'mbm-workbook[dask]'; workers need the workbook installed, the database "
                             "reachable, the output folder shared, and one thread each)")
    parser.add_argument("--format", type=_formats, default=FORMATS, metavar="html,pdf", dest="formats",
                        help="output formats, comma-separated (default: html,pdf)")
    parser.add_argument("--no-brief", action="store_true", help="no two-page donor brief per country")
    parser.add_argument("--no-comparison", action="store_true",
                        help="no comparison report of the countries in this batch")
    parser.add_argument("--engine", choices=sorted(ENGINES), default="warm",
                        help="papermill engine: 'warm' keeps one kernel per worker (default); 'nbclient' "
                             "starts a kernel per notebook, as the papermill command does")
    parser.add_argument("--pdf-engine", choices=["auto", "chromium", "weasyprint"], default=None,
                        help="what prints the PDFs: headless Chromium (fast), WeasyPrint (no browser needed) "
                             "or auto: Chromium when installed (default: WORKBOOK_PDF_ENGINE, else auto)")
    parser.add_argument("--output-dir", default=None, metavar="DIR",
                        help="where <ISO3>/<round>/ folders go (default: WORKBOOK_OUTPUTS, else ./outputs)")
    parser.add_argument("--force", action="store_true",
                        help="rebuild countries whose data, framework, notebooks and templates are unchanged")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


@contextlib.contextmanager
def dask_executor(address: str):
    """A ``concurrent.futures`` executor on a Dask distributed cluster (closed afterwards)."""
    try:
        from distributed import Client
    except ImportError:
        raise BatchError("--scheduler needs Dask distributed: pip install 'mbm-workbook[dask]'") from None
    try:
        client = Client(address, timeout="20s")
    except (OSError, TimeoutError) as exc:
        raise BatchError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    try:
        yield client.get_executor(pure=False)
    finally:
        client.close()


def main(args) -> int:
    """Run a batch from parsed arguments; 0 when every country succeeded or was skipped, else 1."""
    start = time.perf_counter()
    formats = getattr(args, "formats", FORMATS)
    jobs = plan_jobs(args.country, all_countries=args.all, round=args.round, output_dir=args.output_dir,
                     db_url=getattr(args, "db_url", None), force=args.force, formats=formats,
                     brief=not getattr(args, "no_brief", False), engine=ENGINES[getattr(args, "engine", "warm")],
                     pdf_engine=getattr(args, "pdf_engine", None))
    comparison = None
    if not getattr(args, "no_comparison", False):
        comparison = ComparisonJob(tuple(sorted({j.country for j in jobs})), jobs[0].output_dir, jobs[0].db_url,
                                   args.force, jobs[0].formats, jobs[0].pdf_engine)
    progress = False if args.quiet else None
    if getattr(args, "scheduler", None):
        with dask_executor(args.scheduler) as ex:
            results = run_batch(jobs, executor=ex, progress=progress, comparison=comparison)
    else:
        results = run_batch(jobs, max_workers=args.jobs, progress=progress, comparison=comparison)
    print(format_summary(results, time.perf_counter() - start))
    return 0 if all(r.ok for r in results) else 1

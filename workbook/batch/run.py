"""Batch runs: execute the pillar notebooks per country with papermill and build its outputs.

:mod:`.jobs` plans and checks the work, :mod:`.engine` is the warm-kernel papermill engine, and
this module runs the jobs: the worker (:func:`run_country`), the executors and :func:`batch`.

``workbook batch --country XAT [--country ...] | --all`` plans one :class:`~.jobs.CountryJob` per
country, then runs :func:`run_country` for each on a :class:`concurrent.futures.Executor`: a
process pool by default, or a Dask cluster with ``--scheduler tcp://HOST:PORT`` (its
``Client.get_executor()``; anything with the same interface can be passed to
:func:`run_batch`). A job and its result are small picklable dataclasses, and the worker reads
the database itself, so the same code runs on one machine or on a cluster.

Per country the worker writes ``<output-dir>/<ISO3>/<round folder>/`` (the folder exports use
too: :func:`workbook.config.round_dir`): the executed notebooks, ``report.html``/``report.pdf``,
``brief.html``/``brief.pdf`` (``--format``) and ``manifest.json``. It builds everything in a
hidden temporary sibling folder and renames it into
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
import hashlib
import json
import multiprocessing
import os
import shutil
import socket
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path

from .. import config
from ..errors import InvalidInput, Problem
from .jobs import (ENGINES, ERROR_FILE, FAILED_SUFFIX, FORMATS, MANIFEST, PILLAR_NOTEBOOKS,
                   BatchError, ComparisonJob, CountryJob, CountryResult, NotebookFailure, fingerprint, hash_assessment,
                   hash_code, notebook_keys, notebook_parameters, plan_jobs, printing_engine, resolved_pdf_engine,
                   run_notebook)


# -- folders ------------------------------------------------------------------------------------
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
    from ..roadmap import RoadmapStore
    from ..store import Store
    key = config.db_url(db_url)
    if key not in _stores:
        store = Store(key)
        _stores[key] = (store, RoadmapStore(store))
    return _stores[key]


def run_country(job: CountryJob, on_step: Callable[[str], None] | None = None) -> CountryResult:
    """Run every pillar notebook of one country and build its outputs (runs in a worker).

    Never raises for a country's own failure: the result says what failed and where. What is
    current is not built again (see :func:`_build_country`). ``on_step(name)`` is told when each
    step starts: ``check``, each notebook, ``report data``, ``report``, ``brief``.
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
            return _build_country(job, tmp, start, steps, on_step)
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
def _step(steps: list, name: str, on_step: Callable[[str], None] | None = None):
    """Time a step; it stays recorded as unfinished (None) when it raises. ``on_step(name)`` is
    told when it starts (the app's progress line)."""
    if on_step is not None:
        on_step(name)
    steps.append((name, None))
    t = time.perf_counter()
    yield
    steps[-1] = (name, time.perf_counter() - t)


#: Files of a round folder that the batch makes; any other file there (exports) is kept as it is.
DOCUMENTS = ("report", "brief")


def _batch_files() -> set[str]:
    return {MANIFEST, *PILLAR_NOTEBOOKS.values(), *(f"{d}.{f}" for d in DOCUMENTS for f in FORMATS)}


def _current(job: CountryJob, final: Path, stamp: str, manifest: dict) -> list[str]:
    """The outputs already in ``final`` that show what ``stamp`` says (data, road map, framework,
    notebooks, templates, code) and whose PDFs were printed by the engine this job would use."""
    if job.force or manifest.get("fingerprint") != stamp:
        return []
    engine = resolved_pdf_engine(job)
    return [n for n in manifest.get("outputs", []) if (final / n).is_file()
            and not (n.endswith(".pdf") and manifest.get("pdf_engine") != engine)]


def _link_or_copy(src: Path, dest: Path) -> None:
    try:
        os.link(src, dest)
    except OSError:
        shutil.copy2(src, dest)


def _build_country(job: CountryJob, tmp: Path, start: float, steps: list,
                   on_step: Callable[[str], None] | None = None) -> CountryResult:
    """Build what the job asks for that is not already current: the notebooks only when the
    fingerprint changed, and only the outputs that are missing (a PDF is printed from the report's
    current HTML when there is one)."""
    from .. import report
    final = job.final_dir
    with _step(steps, "check", on_step):
        store, rm = _worker_stores(job.db_url)
        info = store.get_assessment(job.country, job.round)
        stamp = fingerprint(store, info, job, rm)
        manifest = _read_manifest(final)
        kept = _current(job, final, stamp, manifest)
        missing = [n for n in job.outputs() if n not in kept]
        if not missing:
            return CountryResult(job.country, job.round, "skipped", time.perf_counter() - start, str(final))
    tmp.mkdir()
    same = not job.force and manifest.get("fingerprint") == stamp
    reuse = same and all((final / n).is_file() for n in PILLAR_NOTEBOOKS.values())
    if final.is_dir():  # what stays: exports and other files of the folder, and what is current
        for f in final.iterdir():
            if f.is_file() and (f.name not in _batch_files() or f.name in kept
                                or (reuse and f.name in PILLAR_NOTEBOOKS.values())):
                _link_or_copy(f, tmp / f.name)
    params = notebook_parameters(job.country, job.round, job.lang)
    executed = {pillar_id: tmp / name for pillar_id, name in PILLAR_NOTEBOOKS.items()}
    keys = manifest.get("notebook_keys", {}) if reuse else {}
    if not reuse and any(n.startswith("report.") for n in missing):
        keys = notebook_keys(store, info, job)
        before = {} if job.force else manifest.get("notebook_keys", {})
        for name in PILLAR_NOTEBOOKS.values():
            if before.get(name) == keys.get(name) and (final / name).is_file():
                _link_or_copy(final / name, tmp / name)  # its pillar did not change
                continue
            with _step(steps, name, on_step):
                run_notebook(Path(job.notebooks_dir) / name, tmp / name, params, engine=job.engine)
    wanted_docs = [d for d in DOCUMENTS if any(n.startswith(f"{d}.") for n in missing)]
    data = None
    if any(f"{d}.html" not in kept for d in wanted_docs):  # a PDF printed from current HTML needs no data
        with _step(steps, "report data", on_step):
            data = report.load_report_data(job.country, job.round, store=store, roadmap_store=rm, lang=job.lang)
    built = []
    for doc in DOCUMENTS:
        wanted = [n for n in missing if n.startswith(f"{doc}.")]
        if not wanted:
            continue
        html, pdf = tmp / f"{doc}.html", (tmp / f"{doc}.pdf" if f"{doc}.pdf" in wanted else None)
        with _step(steps, doc, on_step):
            if f"{doc}.html" in kept:  # current: print the PDF from it
                report.write_pdf(html.read_text(encoding="utf-8"), pdf, job.pdf_engine)
            elif doc == "report":
                report.build_report(data, executed, html, pdf=pdf, pdf_engine=job.pdf_engine)
            else:  # restricted content left out: read again as donors see it, when there is any
                donors = (report.load_report_data(job.country, job.round, store=store, lang=job.lang, for_donors=True)
                          if data.holds_restricted else data)
                report.build_brief(donors, html, pdf=pdf, pdf_engine=job.pdf_engine)
        built += [f"{doc}.html"] + ([f"{doc}.pdf"] if pdf else [])
    outputs = sorted(set(kept) | set(built))
    seconds = time.perf_counter() - start
    # the manifest goes last: a folder with a manifest is a finished one
    (tmp / MANIFEST).write_text(json.dumps({
        "country": job.country, "round": job.round, "lang": job.lang, "fingerprint": stamp,
        "framework": f"{info.framework_id} {info.framework_version}",
        "notebooks": list(PILLAR_NOTEBOOKS.values()), "notebook_keys": keys, "outputs": outputs,
        "engine": job.engine,
        "pdf_engine": resolved_pdf_engine(job) if any(n.endswith(".pdf") for n in outputs) else None,
        "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "seconds": round(seconds, 2), "steps": {k: round(v, 2) for k, v in steps}}, indent=2),
        encoding="utf-8")
    _replace_dir(tmp, final)
    shutil.rmtree(final.with_name(final.name + FAILED_SUFFIX), ignore_errors=True)
    return CountryResult(job.country, job.round, "ok", seconds, str(final), steps=tuple(steps))


def run_comparison(job: ComparisonJob) -> CountryResult:
    """Build (or skip, when nothing it shows changed or there is only one assessment) the comparison
    report; never raises."""
    from .. import report
    start = time.perf_counter()
    final = job.final_dir
    try:
        with _database_env(job.db_url):
            store, _rm = _worker_stores(job.db_url)
            wanted = set(job.countries)
            infos = [a for a in store.list_assessments() if a.country_code in wanted]
            if len(infos) < 2:  # one country with one round: nothing to compare
                return CountryResult("comparison", f"{len(infos)} assessment", "skipped",
                                     time.perf_counter() - start, "")
            h = hashlib.sha256(json.dumps({"formats": list(job.formats), "pdf": printing_engine(job),
                                           "lang": job.lang}).encode())
            for info in infos:
                hash_assessment(h, store, info)
            h.update(store.framework.model_dump_json(by_alias=True).encode())
            hash_code(h)
            stamp = h.hexdigest()
            names = [f"comparison.{f}" for f in job.formats]
            if (not job.force and _read_manifest(final).get("fingerprint") == stamp
                    and all((final / n).is_file() for n in names)):
                return CountryResult("comparison", f"{len(infos)} assessments", "skipped",
                                     time.perf_counter() - start, str(final))
            data = [report.load_report_data(a.country_code, a.round, store=store, roadmap=False, lang=job.lang,
                                            for_donors=True) for a in infos]
            final.mkdir(parents=True, exist_ok=True)
            report.build_comparison(data, final / "comparison.html" if "html" in job.formats else None,
                                    pdf=final / "comparison.pdf" if "pdf" in job.formats else None,
                                    pdf_engine=job.pdf_engine)
            report.atomic_write(final / MANIFEST, json.dumps({
                "fingerprint": stamp, "assessments": [f"{a.country_code} {a.round}" for a in infos],
                "outputs": names, "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")},
                indent=2))
            return CountryResult("comparison", f"{len(infos)} assessments", "ok", time.perf_counter() - start,
                                 str(final))
    except Exception as exc:  # noqa: BLE001 - reported like a country
        return CountryResult("comparison", "", "failed", time.perf_counter() - start, "", _failure_from(exc, None))


# -- running many ---------------------------------------------------------------------------------
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


def batch(countries: Sequence[str] = (), *, all_countries: bool = False, round: str | None = None,
          output_dir: str | Path | None = None, notebooks_dir: str | Path | None = None, db_url: str | None = None,
          force: bool = False, formats: Sequence[str] = FORMATS, brief: bool = True, comparison: bool = True,
          engine: str = "warm", pdf_engine: str | None = None, jobs: int | None = None, scheduler: str | None = None,
          progress: bool | None = None, lang: str | None = None) -> list[CountryResult]:
    """Plan and run a batch (what ``workbook batch`` does): the countries' jobs (:func:`plan_jobs`),
    and unless ``comparison`` is False the comparison report of their countries, on a process pool
    of ``jobs`` workers or on the Dask ``scheduler``. Returns the results, countries first.

    ``engine``: ``warm`` (one kernel kept per worker) or ``nbclient`` (a kernel per notebook).
    ``lang``: the reports' language (default ``WORKBOOK_LANG``, else English); reports in another
    language than English go to ``<round folder>.<lang>/`` and ``comparison.<lang>/``.
    """
    if engine not in ENGINES:
        raise InvalidInput(Problem("--engine", f"{engine!r}: use one of {', '.join(ENGINES)}"), what="batch")
    planned = plan_jobs(countries, all_countries=all_countries, round=round, output_dir=output_dir,
                        notebooks_dir=notebooks_dir, db_url=db_url, force=force, formats=formats, brief=brief,
                        engine=ENGINES[engine], pdf_engine=pdf_engine, lang=lang)
    first = planned[0]
    compare = (ComparisonJob(tuple(sorted({j.country for j in planned})), first.output_dir, first.db_url, force,
                             first.formats, first.pdf_engine, first.lang) if comparison else None)
    if scheduler:
        with dask_executor(scheduler) as ex:
            return run_batch(planned, executor=ex, progress=progress, comparison=compare)
    return run_batch(planned, max_workers=jobs, progress=progress, comparison=compare)

"""`workbook batch`: parallel countries, failures kept and reported, strict parameters, atomic
writes, skip logic, kernel-start retry and an injectable executor."""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell
from papermill.exceptions import PapermillExecutionError

from test_report import ReportPage, check_heading_order, remote_loads
from workbook import batch, config
from workbook.batch import (CountryJob, InlineExecutor, PILLAR_NOTEBOOKS, UnknownParameter, check_parameters,
                            execute_pillar, plan_jobs, run_batch, run_country)
from workbook.cli import main as cli_main
from workbook.errors import InvalidInput
from workbook.scoring import score_assessment
from workbook.store import Store

FAILING = "XSY"
FAIL_MESSAGE = "injected failure for the test"


@pytest.fixture
def notebooks(tmp_path, monkeypatch) -> Path:
    """A copy of notebooks/ that the batch uses (WORKBOOK_NOTEBOOKS), so a test can change it."""
    folder = tmp_path / "notebooks"
    shutil.copytree(config.notebooks_dir(), folder)
    monkeypatch.setenv("WORKBOOK_NOTEBOOKS", str(folder))
    return folder


def add_failing_cell(notebooks: Path, name: str, country: str) -> int:
    """Make one pillar notebook raise for one country; returns the new cell's index."""
    path = notebooks / name
    nb = nbformat.read(path, as_version=4)
    index = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])) + 1
    nb.cells.insert(index, new_code_cell(f'if country == "{country}":\n    raise ValueError("{FAIL_MESSAGE}")'))
    nbformat.write(nb, path)
    return index


def leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.rglob(".*") if ".tmp-" in p.name or ".old-" in p.name)


# -- the real thing: three demo countries, two processes, one failing ---------------------------
def test_batch_runs_countries_in_parallel_and_reports_a_failure(demo_url, notebooks, tmp_path, capsys):
    out = tmp_path / "outputs"
    index = add_failing_cell(notebooks, PILLAR_NOTEBOOKS["REG"], FAILING)
    rc = cli_main(["batch", "--all", "--jobs", "2", "--output-dir", str(out), "--quiet"])
    summary = capsys.readouterr().out
    assert rc == 1

    store = Store(demo_url)
    for code in ("XAT", "XBO"):
        info = store.get_assessment(code)
        folder = out / code / "baseline-2026"
        assert sorted(p.name for p in folder.iterdir()) == sorted([*PILLAR_NOTEBOOKS.values(), "manifest.json",
                                                                  "report.html"])
        for name in PILLAR_NOTEBOOKS.values():
            text = (folder / name).read_text(encoding="utf-8")
            nb = nbformat.reads(text, as_version=4)
            assert nb.metadata.papermill.parameters == {"country": code, "round": "baseline 2026",
                                                        "interactive": False}
            assert demo_url not in text and "workbook.db" not in text, "the database URL leaked into a notebook"
        manifest = json.loads((folder / "manifest.json").read_text())
        assert manifest["country"] == code and len(manifest["fingerprint"]) == 64
        html_text = (folder / "report.html").read_text(encoding="utf-8")
        page = ReportPage(html_text)
        check_heading_order(page.headings)
        assert page.headings[0] == (1, f"{info.country_name} (fictional)")
        assert [t for lvl, t in page.headings if lvl == 2][-4:] == [p.name for p in store.framework.pillars]
        assert remote_loads(html_text) == [] and not page.find("script")
        assert all(img.attrs.get("alt", "").strip() for img in page.find("img"))
        assert len(page.find("img")) == 5
        scores = score_assessment(store.framework, store.ratings_frame(info.id), store.evidence_frame(info.id))
        rows = page.table_with_caption("Pillar scores")[1:]
        assert [float(r[1][1]) for r in rows] == pytest.approx(scores.pillars["score"].tolist(), abs=0.005)
        assert f"{code} " in summary and " ok " in summary

    failed = out / FAILING / "baseline-2026.failed"
    assert not (out / FAILING / "baseline-2026").exists(), "a failed country gets no report folder"
    error = json.loads((failed / "error.json").read_text())
    assert error["notebook"] == PILLAR_NOTEBOOKS["REG"]
    assert error["ename"] == "ValueError" and error["evalue"] == FAIL_MESSAGE
    assert error["cell_index"] == index + 1  # papermill's index: after its injected-parameters cell
    kept = nbformat.read(failed / PILLAR_NOTEBOOKS["REG"], as_version=4)
    assert any(o.output_type == "error" for c in kept.cells if c.cell_type == "code" for o in c.outputs)
    line = next(ln for ln in summary.splitlines() if ln.startswith(FAILING))
    assert "failed" in line and f"cell {index + 1}" in line and "ValueError" in line and FAIL_MESSAGE in line
    assert "3 countries: 2 ok, 0 skipped, 1 failed" in summary
    assert leftovers(out) == []

    # unchanged countries are skipped; the failed one is tried again
    rc = cli_main(["batch", "--all", "--jobs", "2", "--output-dir", str(out), "--quiet"])
    summary = capsys.readouterr().out
    assert rc == 1 and "3 countries: 0 ok, 2 skipped, 1 failed" in summary


def test_skip_unchanged_force_rebuilds_and_a_change_in_data_rebuilds(demo_url, notebooks, tmp_path, monkeypatch):
    out = tmp_path / "outputs"
    built = []
    monkeypatch.setattr(batch, "execute_pillar", fake_execute)
    monkeypatch.setattr("workbook.report.build_report",
                        lambda data, executed, path: built.append(1) or Path(path).write_text("<html></html>"))
    job = job_for(demo_url, notebooks, out, "XBO")
    manifest = out / "XBO" / "baseline-2026" / "manifest.json"
    assert run_country(job).status == "ok"
    first = json.loads(manifest.read_text())
    assert run_country(job).status == "skipped" and len(built) == 1
    assert run_country(CountryJob(**{**job.__dict__, "force": True})).status == "ok" and len(built) == 2
    store = Store(demo_url)
    info = store.get_assessment("XBO")
    store.save_rating(info.id, next(iter(store.framework.indicators)), by="test", notes="changed after the report")
    assert run_country(job).status == "ok" and len(built) == 3
    assert json.loads(manifest.read_text())["fingerprint"] != first["fingerprint"]
    # a change to a notebook or the template counts too
    nb = notebooks / PILLAR_NOTEBOOKS["ADM"]
    nb.write_text(nb.read_text() + "\n")
    assert run_country(job).status == "ok" and len(built) == 4
    assert run_country(job).status == "skipped"


# -- checks before anything runs ----------------------------------------------------------------
@pytest.mark.parametrize("argv, expected", [
    (["--country", "XQQ"], "XQQ"),
    (["--country", "XAT", "--country", "12"], "'12'"),
    (["--country", "XAT", "--round", "no such round"], "no such round"),
    (["--all", "--round", "no such round"], "no country has an assessment for round"),
])
def test_unknown_country_or_round_exits_2_and_writes_nothing(demo_url, tmp_path, capsys, argv, expected):
    out = tmp_path / "outputs"
    assert cli_main(["batch", *argv, "--output-dir", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err
    assert not out.exists()


def test_country_and_all_are_exclusive(demo_url):
    with pytest.raises(SystemExit) as exc:
        cli_main(["batch", "--all", "--country", "XAT"])
    assert exc.value.code == 2


def test_unknown_parameter_names_raise():
    path = config.notebooks_dir() / PILLAR_NOTEBOOKS["ADM"]
    with pytest.raises(UnknownParameter, match="countri"):
        check_parameters(path, ["countri", "round"])


def test_unknown_parameter_stops_before_a_kernel_starts(tmp_path, monkeypatch):
    def no_kernel(*args, **kwargs):
        raise AssertionError("papermill must not run")
    monkeypatch.setattr("papermill.execute_notebook", no_kernel)
    path = config.notebooks_dir() / PILLAR_NOTEBOOKS["ADM"]
    with pytest.raises(UnknownParameter, match="interactiv\\b"):
        execute_pillar(path, tmp_path / "out.ipynb", {"interactiv": False})


def test_a_notebook_without_our_parameters_fails_the_plan(demo_url, notebooks):
    path = notebooks / PILLAR_NOTEBOOKS["INF"]
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    cell.source = "\n".join(ln for ln in cell.source.splitlines() if not ln.startswith("interactive"))
    nbformat.write(nb, path)
    with pytest.raises(InvalidInput, match="information_management.ipynb: unknown parameter\\(s\\) interactive"):
        plan_jobs(["XAT"])


# -- atomic writes, retries, executors (no kernels: papermill replaced) -------------------------
def fake_execute(notebook, output, parameters, **kwargs):
    shutil.copy(notebook, output)
    return 1


def job_for(demo_url, notebooks, out, country="XAT") -> CountryJob:
    return CountryJob(country, "baseline 2026", str(out), str(notebooks), demo_url)


def test_a_failure_mid_report_leaves_no_report_folder(demo_url, notebooks, tmp_path, monkeypatch):
    out = tmp_path / "outputs"
    monkeypatch.setattr(batch, "execute_pillar", fake_execute)

    def half_written(data, executed, path):
        Path(path).write_text("<html><body><h1>half", encoding="utf-8")
        raise OSError("disk full")
    monkeypatch.setattr("workbook.report.build_report", half_written)
    result = run_country(job_for(demo_url, notebooks, out))
    final = out / "XAT" / "baseline-2026"
    assert result.status == "failed" and not result.ok
    assert result.failure.ename == "OSError" and result.failure.evalue == "disk full"
    assert not final.exists()
    failed = Path(result.path)
    assert failed == final.with_name("baseline-2026.failed")
    assert (failed / "error.json").is_file() and (failed / PILLAR_NOTEBOOKS["ADM"]).is_file()
    assert not (failed / "manifest.json").exists()
    assert leftovers(out) == []


def test_a_failure_keeps_the_last_good_report(demo_url, notebooks, tmp_path, monkeypatch):
    out = tmp_path / "outputs"
    monkeypatch.setattr(batch, "execute_pillar", fake_execute)
    monkeypatch.setattr("workbook.report.build_report",
                        lambda data, executed, path: Path(path).write_text("<html>good</html>"))
    job = job_for(demo_url, notebooks, out)
    assert run_country(job).status == "ok"
    final = out / "XAT" / "baseline-2026"
    before = (final / "manifest.json").read_text()

    def boom(*args, **kwargs):
        raise PapermillExecutionError(3, 2, "source", "KeyError", "'ADM'", [])
    monkeypatch.setattr(batch, "execute_pillar", boom)
    result = run_country(CountryJob(**{**job.__dict__, "force": True}))
    assert result.status == "failed"
    assert (result.failure.notebook, result.failure.cell_index, result.failure.ename, result.failure.evalue) == (
        next(iter(PILLAR_NOTEBOOKS.values())), 3, "KeyError", "'ADM'")
    assert (final / "manifest.json").read_text() == before
    assert (final / "report.html").read_text() == "<html>good</html>"
    assert leftovers(out) == []
    # the next good run removes the .failed folder
    monkeypatch.setattr(batch, "execute_pillar", fake_execute)
    assert run_country(CountryJob(**{**job.__dict__, "force": True})).status == "ok"
    assert not final.with_name("baseline-2026.failed").exists()


def test_temporary_folders_of_killed_runs_are_removed(demo_url, notebooks, tmp_path, monkeypatch):
    out = tmp_path / "outputs"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()
    stale = out / "XAT" / f".baseline-2026.tmp-{socket.gethostname()}-{dead}-abcdef12"
    alive = out / "XAT" / f".baseline-2026.tmp-{socket.gethostname()}-{os.getpid()}-abcdef12"
    for p in (stale, alive):
        p.mkdir(parents=True)
        (p / "report.html").write_text("half")
    monkeypatch.setattr(batch, "execute_pillar", fake_execute)
    monkeypatch.setattr("workbook.report.build_report", lambda d, e, path: Path(path).write_text("ok"))
    assert run_country(job_for(demo_url, notebooks, out)).status == "ok"
    assert not stale.exists()
    assert alive.exists(), "a folder of a live process is someone else's work in progress"


def test_kernel_start_failures_are_retried_once(tmp_path, monkeypatch):
    calls = []

    def flaky(input_path, output_path, **kwargs):
        calls.append(kwargs["parameters"])
        if len(calls) == 1:
            raise RuntimeError("Kernel didn't respond in 60 seconds")
        shutil.copy(input_path, output_path)
    monkeypatch.setattr("papermill.execute_notebook", flaky)
    path = config.notebooks_dir() / PILLAR_NOTEBOOKS["ADM"]
    params = {"country": "XAT", "round": "", "interactive": False}
    assert execute_pillar(path, tmp_path / "out.ipynb", params) == 2
    assert len(calls) == 2 and (tmp_path / "out.ipynb").is_file()

    calls.clear()

    def always(input_path, output_path, **kwargs):
        calls.append(1)
        raise RuntimeError("Kernel died before replying to kernel_info")
    monkeypatch.setattr("papermill.execute_notebook", always)
    with pytest.raises(RuntimeError, match="Kernel died"):
        execute_pillar(path, tmp_path / "out.ipynb", params)
    assert len(calls) == 2


@pytest.mark.parametrize("error", [PapermillExecutionError(4, 3, "x", "ValueError", "bad", []),
                                   ValueError("not a kernel problem")])
def test_cell_errors_are_not_retried(tmp_path, monkeypatch, error):
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        raise error
    monkeypatch.setattr("papermill.execute_notebook", failing)
    with pytest.raises(type(error)):
        execute_pillar(config.notebooks_dir() / PILLAR_NOTEBOOKS["ADM"], tmp_path / "o.ipynb",
                       {"country": "XAT", "round": "", "interactive": False})
    assert calls == [1]


class CountingExecutor(InlineExecutor):
    """Stands in for a Dask client's executor: any concurrent.futures.Executor will do."""

    def __init__(self):
        self.submitted, self.shut = [], False

    def submit(self, fn, /, *args, **kwargs):
        self.submitted.append(args[0].country)
        return super().submit(fn, *args, **kwargs)

    def shutdown(self, wait=True, *, cancel_futures=False):
        self.shut = True


def test_the_executor_is_injectable_and_left_open(monkeypatch):
    def fake_run(job):
        if job.country == "XBO":
            raise BrokenProcessPool("worker died")
        return batch.CountryResult(job.country, job.round, "ok", 0.1, "/x")
    monkeypatch.setattr(batch, "run_country", fake_run)
    jobs = [CountryJob(c, "r", "/out", "/nb") for c in ("XAT", "XBO", "XSY")]
    ex = CountingExecutor()
    results = run_batch(jobs, executor=ex, progress=False)
    assert ex.submitted == ["XAT", "XBO", "XSY"] and not ex.shut
    assert [r.status for r in results] == ["ok", "failed", "ok"]
    assert results[1].failure.ename == "BrokenProcessPool"
    assert "worker died" in batch.format_summary(results)


def test_jobs_are_picklable_and_hide_the_database_url():
    import pickle
    job = CountryJob("XAT", "baseline 2026", "/out", "/nb", "postgresql+psycopg://u:secret@h/db")
    assert pickle.loads(pickle.dumps(job)) == job
    assert "secret" not in repr(job)


@pytest.mark.parametrize("round_name, slug", [("baseline 2026", "baseline-2026"), ("Follow-up (2027/1)", "follow-up-2027-1"),
                                              ("...", "round")])
def test_round_slugs(round_name, slug):
    assert batch.slugify(round_name) == slug

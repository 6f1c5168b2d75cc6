"""`workbook batch`: parallel countries, failures kept and reported, strict parameters, atomic
writes, skip logic, kernel-start retry, the warm-kernel engine, an injectable executor and the
Dask path on a LocalCluster."""
from __future__ import annotations

import json
import logging
import os
import re
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

from support.reports import ReportPage, check_heading_order, remote_loads
from workbook import batch, config
from workbook.batch import (PILLAR_NOTEBOOKS, CountryJob, InlineExecutor, UnknownParameter, check_parameters, plan_jobs,
                            run_batch, run_country, run_notebook)
from workbook.batch import run as batch_run
from workbook.batch.engine import shutdown_warm_kernel
from workbook.cli import main as cli_main
from workbook.errors import InvalidInput
from workbook.present.levels import level_label
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
                                                                  "report.html", "report.pdf", "brief.html",
                                                                  "brief.pdf"])
        for name in PILLAR_NOTEBOOKS.values():
            text = (folder / name).read_text(encoding="utf-8")
            nb = nbformat.reads(text, as_version=4)
            assert nb.metadata.papermill.parameters == {"country": code, "round": "baseline 2026",
                                                        "interactive": False}
            assert demo_url not in text and "workbook.db" not in text, "the database URL leaked into a notebook"
            counts = [c.execution_count for c in nb.cells if c.cell_type == "code"]
            assert counts == list(range(1, len(counts) + 1)), "a warm kernel numbers cells as a cold one"
        manifest = json.loads((folder / "manifest.json").read_text())
        assert manifest["country"] == code and len(manifest["fingerprint"]) == 64
        html_text = (folder / "report.html").read_text(encoding="utf-8")
        page = ReportPage(html_text)
        check_heading_order(page.headings)
        assert page.headings[0] == (1, f"{info.country_name} (fictional)")
        h2 = [t for lvl, t in page.headings if lvl == 2]
        assert [p.name for p in store.framework.pillars] == h2[3:7]
        assert remote_loads(html_text) == [] and not page.find("script")
        assert all(img.attrs.get("alt", "").strip() for img in page.find("img"))
        alts = [img.attrs["alt"] for img in page.find("img")]
        # the profile and the four pillar charts, the mission's map of the posts and heat map of the
        # checklist (the demo's missions), then the Gantt chart of the road map the demo committed
        assert len(alts) == 8 and alts[0].startswith("Capacity profile by pillar"), alts
        assert alts[5].startswith("Map of ") and alts[6].startswith("Heat map of checklist items"), alts[5:7]
        assert alts[7].startswith("Gantt chart of the road map"), alts[7]
        scores = store.scores(info.id)  # as the report scores it: criteria, profile and overrides included
        rows = page.table_with_caption("Table 1. Pillar profiles")[1:]
        assert [r[1][1] for r in rows] == [level_label(p.level, p.label.endswith("+"))
                                           for p in scores.pillars.itertuples()], "whole levels, never a mean"
        assert (folder / "report.pdf").read_bytes().startswith(b"%PDF-")
        assert remote_loads((folder / "brief.html").read_text(encoding="utf-8")) == []
        assert f"{code} " in summary and " ok " in summary

    failed_round = config.round_folder(store.get_assessment(FAILING).round)  # its latest round
    failed = out / FAILING / f"{failed_round}.failed"
    assert not (out / FAILING / failed_round).exists(), "a failed country gets no report folder"
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
    # the comparison report comes from the data: every country, the failed one too
    comparison = (out / "comparison" / "comparison.html").read_text(encoding="utf-8")
    assert all(code in comparison for code in ("XAT", "XBO", FAILING))
    assert (out / "comparison" / "comparison.pdf").is_file()
    assert re.search(r"^comparison\s+\d+ assessments\s+ok", summary, re.M), summary

    # unchanged countries are skipped; the failed one is tried again
    rc = cli_main(["batch", "--all", "--jobs", "2", "--output-dir", str(out), "--quiet"])
    summary = capsys.readouterr().out
    assert rc == 1 and "3 countries: 0 ok, 2 skipped, 1 failed" in summary
    assert re.search(r"^comparison\s+\d+ assessments\s+skipped", summary, re.M)


def test_what_is_current_is_not_built_again(demo_url, notebooks, tmp_path, monkeypatch):
    """Unchanged: skipped. A change reruns the notebooks of the pillars it touches and rebuilds the
    outputs; another format is made from what is current (a PDF printed from the current HTML)."""
    out = tmp_path / "outputs"
    built, ran, printed = [], [], []

    def execute(notebook, output, parameters, **kwargs):
        ran.append(Path(notebook).name)
        return fake_execute(notebook, output, parameters)
    monkeypatch.setattr(batch_run, "run_notebook", execute)
    monkeypatch.setattr("workbook.report.build_report", lambda data, executed, path, pdf=None, **kw: built.append(1)
                        or [Path(p).write_text("<html></html>") for p in (path, pdf) if p])
    monkeypatch.setattr("workbook.report.build_brief",
                        lambda data, path, pdf=None, **kw: [Path(p).write_text("brief") for p in (path, pdf) if p])
    monkeypatch.setattr("workbook.report.write_pdf", lambda html, path, engine=None: printed.append(Path(path).name)
                        or Path(path).write_text("%PDF"))
    job = CountryJob(**{**job_for(demo_url, notebooks, out, "XBO").__dict__, "brief": True})
    manifest = out / "XBO" / "baseline-2026" / "manifest.json"
    assert run_country(job).status == "ok" and len(ran) == 4
    first = json.loads(manifest.read_text())
    assert run_country(job).status == "skipped" and len(built) == 1
    assert run_country(CountryJob(**{**job.__dict__, "force": True})).status == "ok" and len(built) == 2
    assert len(ran) == 8
    store = Store(demo_url)
    info = store.get_assessment("XBO")
    store.save_rating(info.id, "OPS.1.2", by="test", notes="changed after the report")
    ran.clear()
    assert run_country(job).status == "ok" and len(built) == 3
    assert ran == [PILLAR_NOTEBOOKS["OPS"]], "only the notebook of the pillar that changed runs again"
    assert json.loads(manifest.read_text())["fingerprint"] != first["fingerprint"]
    # a change to a notebook counts too (that notebook only)
    nb = notebooks / PILLAR_NOTEBOOKS["ADM"]
    nb.write_text(nb.read_text() + "\n")
    ran.clear()
    assert run_country(job).status == "ok" and len(built) == 4 and ran == [PILLAR_NOTEBOOKS["ADM"]]
    assert run_country(job).status == "skipped"
    # so does the road map (no pillar notebook shows it)
    from workbook.roadmap import RoadmapStore
    rm = RoadmapStore(store)
    rm.add_recommendation(info.id, {"subarea_id": "INF.2", "target_level": 5, "action_type": "training",
                                    "title": "Train the alert-list administrators", "horizon": "short"}, by="test")
    ran.clear()
    assert run_country(job).status == "ok" and len(built) == 5 and ran == []
    # another format: printed from the current HTML, nothing run, read or composed again
    both = CountryJob(**{**job.__dict__, "formats": ("html", "pdf")})
    printing = run_country(both)
    assert printing.status == "ok" and len(built) == 5 and ran == []
    assert [name for name, _ in printing.steps] == ["check", "report", "brief"], "the report's data was read again"
    assert sorted(printed) == ["brief.pdf", "report.pdf"]
    assert (manifest.parent / "report.pdf").is_file() and run_country(both).status == "skipped"
    assert sorted(json.loads(manifest.read_text())["outputs"]) == ["brief.html", "brief.pdf", "report.html",
                                                                   "report.pdf"]
    (manifest.parent / "brief.pdf").unlink()
    printed.clear()
    assert run_country(both).status == "ok" and len(built) == 5 and printed == ["brief.pdf"]


def test_a_build_keeps_the_other_files_of_the_round_folder_and_drops_stale_outputs(demo_url, notebooks, tmp_path,
                                                                                  monkeypatch):
    out = tmp_path / "outputs"
    monkeypatch.setattr(batch_run, "run_notebook", fake_execute)
    monkeypatch.setattr("workbook.report.build_report", lambda data, executed, path, pdf=None, **kw: [
        Path(p).write_text("r") for p in (path, pdf) if p])
    monkeypatch.setattr("workbook.report.build_brief", lambda data, path, pdf=None, **kw: None)
    final = out / "XAT" / "baseline-2026"
    final.mkdir(parents=True)
    (final / "XAT-baseline-2026.xlsx").write_bytes(b"an export")
    job = job_for(demo_url, notebooks, out)
    assert run_country(CountryJob(**{**job.__dict__, "formats": ("html", "pdf")})).status == "ok"
    assert (final / "XAT-baseline-2026.xlsx").read_bytes() == b"an export"  # exports live here too
    store = Store(demo_url)
    store.save_rating(store.get_assessment("XAT").id, "ADM.1.1", by="test", notes="newer")
    assert run_country(job).status == "ok"  # html only: the PDF of the older data must not stay
    assert (final / "report.html").is_file() and not (final / "report.pdf").exists()
    assert (final / "XAT-baseline-2026.xlsx").is_file()


def test_the_brief_alone_runs_no_notebook(demo_url, notebooks, tmp_path, monkeypatch):
    out = tmp_path / "outputs"
    monkeypatch.setattr(batch_run, "run_notebook", lambda *a, **k: pytest.fail("a notebook ran"))
    monkeypatch.setattr("workbook.report.build_brief",
                        lambda data, path, pdf=None, **kw: [Path(p).write_text("brief") for p in (path, pdf) if p])
    job = CountryJob(**{**job_for(demo_url, notebooks, out).__dict__, "brief": True, "report": False})
    assert job.outputs() == ["brief.html"]
    result = run_country(job)
    assert result.status == "ok" and (out / "XAT" / "baseline-2026" / "brief.html").is_file()


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
        run_notebook(path, tmp_path / "out.ipynb", {"interactiv": False})


def test_a_notebook_without_our_parameters_fails_the_plan(demo_url, notebooks):
    path = notebooks / PILLAR_NOTEBOOKS["INF"]
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    cell.source = "\n".join(ln for ln in cell.source.splitlines() if not ln.startswith("interactive"))
    nbformat.write(nb, path)
    with pytest.raises(InvalidInput, match="information_management.ipynb: unknown parameter\\(s\\) interactive"):
        plan_jobs(["XAT"])


def test_the_plan_takes_the_pdf_engine_from_the_argument_or_the_environment(demo_url, monkeypatch):
    monkeypatch.setenv("WORKBOOK_PDF_ENGINE", "weasyprint")
    assert {j.pdf_engine for j in plan_jobs(["XAT"])} == {"weasyprint"}
    assert {j.pdf_engine for j in plan_jobs(["XAT"], pdf_engine="auto")} == {"auto"}
    monkeypatch.setenv("WORKBOOK_PDF_ENGINE", "latex")
    with pytest.raises(InvalidInput, match="--pdf-engine: unknown PDF engine 'latex'"):
        plan_jobs(["XAT"])


# -- atomic writes, retries, executors (no kernels: papermill replaced) -------------------------
def fake_execute(notebook, output, parameters, **kwargs):
    shutil.copy(notebook, output)
    return 1


def job_for(demo_url, notebooks, out, country="XAT") -> CountryJob:
    return CountryJob(country, "baseline 2026", str(out), str(notebooks), demo_url, formats=("html",), brief=False)


def test_a_failure_mid_report_leaves_no_report_folder(demo_url, notebooks, tmp_path, monkeypatch):
    out = tmp_path / "outputs"
    monkeypatch.setattr(batch_run, "run_notebook", fake_execute)

    def half_written(data, executed, path, pdf=None, **kw):
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
    monkeypatch.setattr(batch_run, "run_notebook", fake_execute)
    monkeypatch.setattr("workbook.report.build_report",
                        lambda data, executed, path, pdf=None, **kw: Path(path).write_text("<html>good</html>"))
    monkeypatch.setattr("workbook.report.build_brief", lambda data, path, pdf=None, **kw: None)
    job = job_for(demo_url, notebooks, out)
    assert run_country(job).status == "ok"
    final = out / "XAT" / "baseline-2026"
    before = (final / "manifest.json").read_text()

    def boom(*args, **kwargs):
        raise PapermillExecutionError(3, 2, "source", "KeyError", "'ADM'", [])
    monkeypatch.setattr(batch_run, "run_notebook", boom)
    result = run_country(CountryJob(**{**job.__dict__, "force": True}))
    assert result.status == "failed"
    assert (result.failure.notebook, result.failure.cell_index, result.failure.ename, result.failure.evalue) == (
        next(iter(PILLAR_NOTEBOOKS.values())), 3, "KeyError", "'ADM'")
    assert (final / "manifest.json").read_text() == before
    assert (final / "report.html").read_text() == "<html>good</html>"
    assert leftovers(out) == []
    # the next good run removes the .failed folder
    monkeypatch.setattr(batch_run, "run_notebook", fake_execute)
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
    monkeypatch.setattr(batch_run, "run_notebook", fake_execute)
    monkeypatch.setattr("workbook.report.build_report", lambda d, e, path, pdf=None, **kw: Path(path).write_text("ok"))
    monkeypatch.setattr("workbook.report.build_brief", lambda d, path, pdf=None, **kw: None)
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
    assert run_notebook(path, tmp_path / "out.ipynb", params) == 2
    assert len(calls) == 2 and (tmp_path / "out.ipynb").is_file()

    calls.clear()

    def always(input_path, output_path, **kwargs):
        calls.append(1)
        raise RuntimeError("Kernel died before replying to kernel_info")
    monkeypatch.setattr("papermill.execute_notebook", always)
    with pytest.raises(RuntimeError, match="Kernel died"):
        run_notebook(path, tmp_path / "out.ipynb", params)
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
        run_notebook(config.notebooks_dir() / PILLAR_NOTEBOOKS["ADM"], tmp_path / "o.ipynb",
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
    monkeypatch.setattr(batch_run, "run_country", fake_run)
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


# -- the warm-kernel engine ---------------------------------------------------------------------
def tiny_notebook(path: Path, *cells: str) -> Path:
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"},
                                            "language_info": {"name": "python"}})
    nb.cells = [new_code_cell('country = "XAT"\nround = ""\ninteractive = True', metadata={"tags": ["parameters"]}),
                *[new_code_cell(c) for c in cells]]
    nbformat.write(nb, path)
    return path


def stdout_of(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs
                   if o.output_type == "stream")


def test_the_warm_engine_reuses_one_kernel_with_a_fresh_namespace(tmp_path):
    first = tiny_notebook(tmp_path / "first.ipynb", "import os\nleak = 41\nprint('pid', os.getpid())")
    second = tiny_notebook(tmp_path / "second.ipynb",
                           "import os\nprint('pid', os.getpid())\nprint('leaked', 'leak' in dir(), country)")
    params = {"country": "XBO", "round": "", "interactive": False}
    try:
        run_notebook(first, tmp_path / "1.ipynb", params)
        run_notebook(second, tmp_path / "2.ipynb", params)
        pid1 = re.search(r"pid (\d+)", stdout_of(tmp_path / "1.ipynb")).group(1)
        out2 = stdout_of(tmp_path / "2.ipynb")
        assert f"pid {pid1}" in out2, "the second notebook ran in the same kernel"
        assert "leaked False XBO" in out2, "the namespace was reset between notebooks; parameters injected"
        nb2 = nbformat.read(tmp_path / "2.ipynb", as_version=4)
        assert [c.execution_count for c in nb2.cells] == [1, 2, 3]
        assert nb2.metadata.papermill.parameters == params
        # papermill's own engine starts a kernel per notebook: the same notebook, another process
        run_notebook(second, tmp_path / "3.ipynb", params, engine="nbclient")
        assert f"pid {pid1}" not in stdout_of(tmp_path / "3.ipynb")
    finally:
        shutdown_warm_kernel()


def test_a_failing_cell_in_a_warm_kernel_keeps_the_notebook_and_the_next_one_runs(tmp_path):
    bad = tiny_notebook(tmp_path / "bad.ipynb", "x = 1", "raise ValueError('boom')")
    good = tiny_notebook(tmp_path / "good.ipynb", "print('fine', 'x' in dir())")
    params = {"country": "XAT", "round": "", "interactive": False}
    try:
        with pytest.raises(PapermillExecutionError) as exc:
            run_notebook(bad, tmp_path / "bad-out.ipynb", params)
        assert (exc.value.ename, exc.value.evalue) == ("ValueError", "boom")
        assert (tmp_path / "bad-out.ipynb").is_file()
        run_notebook(good, tmp_path / "good-out.ipynb", params)
        assert "fine False" in stdout_of(tmp_path / "good-out.ipynb")
    finally:
        shutdown_warm_kernel()


def test_papermill_runs_the_warm_engine_through_its_entry_point(tmp_path):
    """`papermill --engine mbm-warm`: papermill finds the engine through the `papermill.engine` entry
    point of the installed package, with no import of ours first."""
    nb = tiny_notebook(tmp_path / "in.ipynb", "import os\nprint('pid', os.getpid(), country)")
    out = subprocess.run([sys.executable, "-m", "papermill", "--engine", "mbm-warm", "--kernel", "python3",
                          str(nb), str(tmp_path / "out.ipynb"), "-p", "country", "XSY"],
                         capture_output=True, text=True, timeout=240, check=False)
    assert out.returncode == 0, out.stderr[-2000:]
    assert re.search(r"pid \d+ XSY", stdout_of(tmp_path / "out.ipynb"))
    import papermill
    from papermill.engines import papermill_engines
    assert papermill_engines.get_engine("mbm-warm").__name__ == "WarmKernelEngine"
    try:
        papermill.execute_notebook(str(nb), str(tmp_path / "api.ipynb"), parameters={"country": "XBO"},
                                   engine_name="mbm-warm", progress_bar=False, kernel_name="python3")
        assert re.search(r"pid \d+ XBO", stdout_of(tmp_path / "api.ipynb"))
    finally:
        shutdown_warm_kernel()


# -- options --------------------------------------------------------------------------------------
def test_unknown_format_exits_2(demo_url, tmp_path, capsys):
    assert cli_main(["batch", "--all", "--format", "html,docx", "--output-dir", str(tmp_path / "o"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "--format" in err and "docx" in err and "html, pdf" in err


# -- Dask: the same jobs on a LocalCluster ----------------------------------------------------------
@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::ResourceWarning",
                            "ignore::pytest.PytestUnraisableExceptionWarning")
def test_the_same_jobs_run_on_a_dask_local_cluster(demo_url, tmp_path):
    distributed = pytest.importorskip("distributed", reason="Dask distributed is the optional [dask] extra")
    out = tmp_path / "outputs"
    jobs = plan_jobs(["XAT", "XBO"], output_dir=out, formats=("html",), brief=False)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=logging.ERROR) as cluster, distributed.Client(cluster) as client:
        results = run_batch(jobs, executor=client.get_executor(pure=False), progress=False)
        workers = client.run(os.getpid)
    assert [(r.country, r.status) for r in results] == [("XAT", "ok"), ("XBO", "ok")]
    for r in results:
        manifest = json.loads((Path(r.path) / "manifest.json").read_text())
        assert manifest["outputs"] == ["report.html"] and (Path(r.path) / "report.html").is_file()
    assert len(workers) == 1 and os.getpid() not in workers.values()
    assert leftovers(out) == []


def test_a_batch_run_and_an_export_of_follow_up_2028_land_in_the_same_folder(demo_url, tmp_path, monkeypatch):
    """The round folder bug: batch wrote follow-up-2028/, exports Follow-up-2028/ (see
    tests/unit/test_round_folders.py for the rule)."""
    out = tmp_path / "outputs"
    monkeypatch.setenv("WORKBOOK_OUTPUTS", str(out))
    store = Store(demo_url)
    info = store.create_assessment("XAT", "Follow-up 2028", country_name="Atlantis", by="test")
    store.save_rating(info.id, "ADM.1.1", agreed="3", by="test")
    assert cli_main(["batch", "--country", "XAT", "--round", "Follow-up 2028", "--format", "html", "--no-brief",
                     "--no-comparison", "--jobs", "1", "--quiet"]) == 0
    assert cli_main(["export", "XAT", "--round", "Follow-up 2028", "--format", "xlsx"]) == 0
    folder = out / "XAT" / config.round_folder("Follow-up 2028")
    assert (folder / "report.html").is_file() and (folder / f"XAT-{folder.name}.xlsx").is_file()
    assert [p.name for p in (out / "XAT").iterdir()] == [folder.name]

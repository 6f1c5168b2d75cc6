"""The report builder (``workbook.batch.service``) as the server runs it: a warm process that
builds one country on demand, says each step, reuses what is current, is started again when it
dies and leaves no process behind; and without it, a page builds in its own process."""
from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path

import pytest

from support.processes import process_tree
from workbook import config
from workbook.batch import service
from workbook.demo import demo_story
from workbook.errors import InvalidInput

ROUND = "baseline 2026"
#: XSY was rated twice; a page builds for its latest round, read from the demo's story.
XSY_LATEST = demo_story("XSY")["rounds"][-1]["round"]


def alive(pids) -> list[int]:
    out = []
    for p in pids:
        try:
            if Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                out.append(p)
        except OSError:
            pass
    return out


@pytest.fixture
def builder(demo_url, tmp_path, monkeypatch):
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv(config.RUNTIME_ENV, str(runtime))
    monkeypatch.setenv("WORKBOOK_OUTPUTS", str(tmp_path / "outputs"))
    monkeypatch.setenv("WORKBOOK_PDF_ENGINE", "weasyprint")  # no browser to start in this test
    proc = service.BuilderProcess(runtime)
    proc.start()
    deadline = time.monotonic() + 60
    while not service.socket_path().exists():
        assert time.monotonic() < deadline and proc.proc.poll() is None, "the builder did not open its socket"
        time.sleep(0.2)
    yield proc
    tree = process_tree(proc.proc.pid) if proc.proc else []
    proc.stop()
    deadline = time.monotonic() + 20
    while alive(tree) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not alive(tree), f"the builder left {alive(tree)} behind"


@pytest.mark.parametrize("demo_url", ["sqlite"], indirect=True)  # about the process; the batch tests cover both
def test_the_builder_builds_on_demand_says_each_step_and_reuses_what_is_current(builder, tmp_path):
    events = []
    result = service.request_build("XAT", ROUND, documents=("report",), formats=("html",), on_event=events.append,
                                   timeout=600)
    assert result["status"] == "ok" and result["outputs"] == ["report.html"], result
    steps = [e["step"] for e in events if e["event"] == "step"]
    assert steps[0] == "check" and "operations.ipynb" in steps and steps[-1] == "report"
    assert events[0] == {"event": "queued", "ahead": 0}
    report = Path(result["path"]) / "report.html"
    assert report.is_file() and Path(result["path"]).parent.parent == tmp_path / "outputs"
    t = time.perf_counter()
    again = service.request_build("XAT", ROUND, documents=("report",), formats=("html",))
    assert again["status"] == "skipped" and time.perf_counter() - t < 10
    brief = service.request_build("XAT", ROUND, documents=("brief",), formats=("html",))
    assert brief["status"] == "ok" and sorted(brief["outputs"]) == ["brief.html", "report.html"]
    assert not (tmp_path / "outputs" / "comparison").exists()
    with pytest.raises(InvalidInput, match="XQQ"):
        service.request_build("XQQ", "", documents=("report",))


@pytest.mark.parametrize("demo_url", ["sqlite"], indirect=True)
def test_a_builder_that_dies_is_started_again_and_a_page_is_told_when_it_cannot_answer(builder, monkeypatch):
    first = builder.proc.pid
    os.kill(first, signal.SIGKILL)
    builder.proc.wait()
    with pytest.raises(service.BuildUnavailable):
        service.request_build("XAT", ROUND)  # the socket is there, nobody answers
    builder.check()
    assert builder.pid not in (None, first)
    deadline = time.monotonic() + 60
    while True:
        try:
            with socket.socket(socket.AF_UNIX) as s:
                s.connect(str(service.socket_path()))
                break
        except OSError:
            assert time.monotonic() < deadline
            time.sleep(0.2)
    assert service.request_build("XAT", ROUND, documents=("brief",))["status"] == "ok"


@pytest.mark.parametrize("demo_url", ["sqlite"], indirect=True)
def test_without_a_builder_a_page_builds_in_its_own_process(demo_url, tmp_path, monkeypatch):
    monkeypatch.delenv(config.RUNTIME_ENV, raising=False)
    monkeypatch.setenv("WORKBOOK_OUTPUTS", str(tmp_path / "outputs"))
    steps = []
    result = service.request_build("XSY", XSY_LATEST, documents=("brief",), formats=("html",), on_event=steps.append)
    assert result["status"] == "ok" and result["outputs"] == ["brief.html"]
    assert [e["step"] for e in steps] == ["check", "report data", "brief"]

"""The report builder (``workbook.batch.service``) as the server runs it: a warm process started
by the first report asked for, that says each step, reuses what is current, builds in the language
asked, stops when idle, is started again when it dies and leaves no process behind; and without
it, a page builds in its own process."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from html import unescape
from pathlib import Path

import pytest
from support.processes import process_tree

from workbook import config
from workbook.batch import service
from workbook.demo import demo_story
from workbook.errors import InvalidInput
from workbook.i18n.content import translated_framework
from workbook.store import Store

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


def status(door) -> dict:
    """What the server's door says of the builder (``{"event": "status", "pid": ...}``)."""
    with socket.socket(socket.AF_UNIX) as s:
        s.connect(str(service.socket_path()))
        s.sendall(b'{"op": "status"}\n')
        return json.loads(s.makefile("rb").readline())


def gone(pids, within: float = 30) -> bool:
    deadline = time.monotonic() + within
    while alive(pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    return not alive(pids)


@pytest.fixture
def runtime(demo_url, tmp_path, monkeypatch) -> Path:
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv(config.RUNTIME_ENV, str(runtime))
    monkeypatch.setenv("WORKBOOK_OUTPUTS", str(tmp_path / "outputs"))
    monkeypatch.setenv("WORKBOOK_PDF_ENGINE", "weasyprint")  # no browser to start in this test
    return runtime


@pytest.fixture
def door(runtime):
    """The server's side of the builder, as ``workbook serve`` opens it (a thread, no process)."""
    door = service.BuilderDoor(runtime)
    door.open()
    yield door
    tree = process_tree(door.pid) if door.pid else []
    door.close()
    assert gone(tree), f"the builder left {alive(tree)} behind"


@pytest.mark.parametrize("demo_url", ["sqlite"], indirect=True)  # about the process; the batch tests cover both
def test_the_builder_starts_on_the_first_report_says_so_and_reuses_what_is_current(door, tmp_path):
    assert door.pid is None and status(door) == {"event": "status", "pid": None}  # nothing at server start
    events = []
    result = service.request_build("XAT", ROUND, documents=("report",), formats=("html",), on_event=events.append,
                                   timeout=600)
    assert result["status"] == "ok" and result["outputs"] == ["report.html"], result
    assert events[:2] == [{"event": "starting"}, {"event": "queued", "ahead": 0}]
    steps = [e["step"] for e in events if e["event"] == "step"]
    assert steps[0] == "check" and "operations.ipynb" in steps and steps[-1] == "report"
    assert status(door)["pid"] == door.pid is not None
    report = Path(result["path"]) / "report.html"
    assert report.is_file() and Path(result["path"]).parent.parent == tmp_path / "outputs"
    t = time.perf_counter()
    events.clear()
    again = service.request_build("XAT", ROUND, documents=("report",), formats=("html",), on_event=events.append)
    assert again["status"] == "skipped" and time.perf_counter() - t < 10
    assert {"event": "starting"} not in events  # it is warm now
    brief = service.request_build("XAT", ROUND, documents=("brief",), formats=("html",))
    assert brief["status"] == "ok" and sorted(brief["outputs"]) == ["brief.html", "report.html"]
    assert not (tmp_path / "outputs" / "comparison").exists()
    with pytest.raises(InvalidInput, match="XQQ"):
        service.request_build("XQQ", "", documents=("report",))


@pytest.mark.parametrize("demo_url", ["sqlite"], indirect=True)
def test_an_open_results_page_starts_the_builder_before_the_first_click(door):
    """The results page asks the door to prepare the builder when it opens: it starts once,
    the first report uses it, and it still stops when idle."""
    assert service.prepare_builder() and door.pid is not None
    first = door.pid
    assert service.prepare_builder() and door.pid == first  # a second page: the same builder
    result = service.request_build("XAT", ROUND, documents=("report",), formats=("html",), timeout=600)
    assert result["status"] == "ok" and door.pid == first
    tree = process_tree(first)
    door.idle = 1.0
    time.sleep(1.5)
    door.check()
    assert gone(tree) and door.pid is None


@pytest.mark.parametrize("demo_url", ["sqlite"], indirect=True)
def test_an_idle_builder_stops_and_the_next_report_starts_it_again_in_the_language_asked(door):
    assert service.request_build("XSY", XSY_LATEST, documents=("brief",))["status"] == "ok"
    first = door.pid
    tree = process_tree(first)
    assert len(tree) > 1  # the builder and its notebooks' kernel
    door.idle = 2.0
    door.check()
    assert door.pid == first  # built a moment ago: not idle yet
    time.sleep(2.5)
    door.check()
    assert gone(tree), "the idle builder left processes behind"
    assert door.pid is None and status(door)["pid"] is None
    events = []
    french = service.request_build("XSY", XSY_LATEST, documents=("brief",), lang="fr", on_event=events.append)
    assert events[0] == {"event": "starting"} and door.pid not in (None, first)
    assert french["status"] == "ok" and Path(french["path"]).name.endswith(".fr"), french
    html = (Path(french["path"]) / "brief.html").read_text(encoding="utf-8")
    assert 'lang="fr"' in html and 'lang="en"' not in html
    fw = Store(config.db_url()).framework_of(Store(config.db_url()).get_assessment("XSY", XSY_LATEST).id)
    french_names = [p.name for p in translated_framework(fw, "fr").pillars]
    assert french_names != [p.name for p in fw.pillars] and all(name in unescape(html) for name in french_names)


@pytest.mark.parametrize("demo_url", ["sqlite"], indirect=True)
def test_a_builder_that_dies_is_started_again_by_the_next_report(door):
    assert service.request_build("XSY", XSY_LATEST, documents=("brief",))["status"] == "ok"
    first = door.pid
    os.kill(first, signal.SIGKILL)
    door.process.proc.wait()
    events = []
    assert service.request_build("XSY", XSY_LATEST, documents=("brief",), force=True,
                                 on_event=events.append)["status"] == "ok"
    assert events[0] == {"event": "starting"} and door.pid not in (None, first)
    door.crashes = [time.monotonic()] * service.RESTART_LIMIT  # a builder that keeps dying is not started again
    os.kill(door.pid, signal.SIGKILL)
    door.process.proc.wait()
    with pytest.raises(service.BuildUnavailable, match="stopped"):
        service.request_build("XSY", XSY_LATEST, documents=("brief",))


SERVER = """
import sys, time
from pathlib import Path
from workbook.batch import service
door = service.BuilderDoor(Path(sys.argv[1]))
door.open()
service.request_build("XSY", sys.argv[2], documents=("brief",))
print(door.pid, flush=True)
time.sleep(600)
"""


@pytest.mark.parametrize("demo_url", ["sqlite"], indirect=True)
def test_the_builder_goes_when_the_server_is_killed(runtime):
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(runtime), XSY_LATEST], stdout=subprocess.PIPE,
                              text=True)
    try:
        pid = int(server.stdout.readline())
        tree = process_tree(pid)
        assert len(tree) > 1
        server.kill()  # no clean-up of its own: the builder sees its parent go
        server.wait()
        assert gone(tree), f"the builder of a killed server left {alive(tree)} behind"
    finally:
        server.kill()
        server.wait()
        server.stdout.close()


@pytest.mark.parametrize("demo_url", ["sqlite"], indirect=True)
def test_without_a_builder_a_page_builds_in_its_own_process(demo_url, tmp_path, monkeypatch):
    monkeypatch.delenv(config.RUNTIME_ENV, raising=False)
    monkeypatch.setenv("WORKBOOK_OUTPUTS", str(tmp_path / "outputs"))
    steps = []
    result = service.request_build("XSY", XSY_LATEST, documents=("brief",), formats=("html",), on_event=steps.append)
    assert result["status"] == "ok" and result["outputs"] == ["brief.html"]
    assert [e["step"] for e in steps] == ["check", "report data", "brief"]

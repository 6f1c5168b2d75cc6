"""Kernels forked from a warm process (``workbook.kernels``): each failure mode, and the server.

The provisioner's checks run in a process of their own (``support/kernel_lifecycle.py``): the
process that forks kernels becomes a child subreaper, which must not leak into the test session.
The served checks start ``workbook serve`` as a team would and stop it in the ways a server stops:
afterwards no process of it may remain, and a new server on the same database forks again.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from support import ROOT
from support.processes import free_port, process_tree, stop_group
from workbook import config, serve

CHECKS = {
    "forked": "a kernel is forked: the server's child, in a session and process group of its own",
    "random": "two forked kernels draw different random numbers (numpy and random reseeded)",
    "inherits-nothing": "no database engine and no matplotlib come from the zygote",
    "watches-server": "the kernel watches the server, and has the request's environment and folder",
    "interrupt": "an interrupt stops a running cell",
    "shutdown": "a shutdown leaves neither the kernel nor its children behind",
    "crash-restart": "a crashed kernel is seen and restarted, forked again",
    "crash-leaves-nothing": "a crashed kernel's children are killed and reaped",
    "restarted-works": "the restarted kernel runs code",
    "port-clash": "a kernel that died on a taken port restarts on new ports",
    "restart-kernel": "restart_kernel forks a new kernel and the old one is gone",
    "zygote-dies-kernels-live": "when the zygote dies, running kernels go on",
    "zygote-restarted": "the next kernel start restarts the zygote and forks",
    "zygote-fails-normal-launch": "a zygote that cannot preload: kernels start the normal way",
    "zygote-gives-up": "a zygote that died three times in five minutes is not restarted",
    "culled": "an idle forked kernel is culled and its process is gone",
    "zygote-stops-with-server": "the zygote stops with the server",
    "server-killed-nothing-left": "a server killed with SIGKILL leaves neither zygote nor kernels",
}


@pytest.fixture(scope="module")
def lifecycle(tmp_path_factory) -> dict[str, tuple[bool, str]]:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "PYTHONPATH": str(ROOT),
           "WORKBOOK_HOME": str(tmp_path_factory.mktemp("kernels"))}
    r = subprocess.run([sys.executable, str(ROOT / "tests" / "support" / "kernel_lifecycle.py"),
                        str(config.notebooks_dir())], env=env, capture_output=True, text=True, timeout=600)
    found = {}
    for line in r.stdout.splitlines():
        state, _, rest = line.partition(" ")
        name, _, detail = rest.partition(" :: ")
        if state in ("PASS", "FAIL"):
            found[name] = (state == "PASS", detail)
    if not found:
        pytest.fail(f"the lifecycle script printed no checks (exit {r.returncode}):\n{r.stderr[-3000:]}")
    found["__stderr__"] = (True, r.stderr[-3000:])
    return found


@pytest.mark.parametrize("name", list(CHECKS), ids=list(CHECKS))
def test_forked_kernel_lifecycle(lifecycle, name):
    assert name in lifecycle, f"{CHECKS[name]}: not reached\n{lifecycle['__stderr__'][1]}"
    ok, detail = lifecycle[name]
    assert ok, f"{CHECKS[name]}: {detail}"


# -- a served app ---------------------------------------------------------------------------------
def _alive(pids) -> list[int]:
    out = []
    for p in pids:
        try:
            state = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            out.append(p)
    return out


def _start(db_url: str, log: Path, tmp: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "WORKBOOK_DB_URL": db_url, "WORKBOOK_HOME": str(tmp / "home")}
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "workbook.cli", "serve", "--port", str(port), "--no-browser"],
                                env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    if not serve.wait_until_up(f"{base}/", timeout=120, proc=proc):
        stop_group(proc)
        pytest.fail(f"the server did not answer:\n{log.read_text()}")
    return proc, base


def _open_pages(base: str, n: int = 2) -> None:
    url = f"{base}/voila/render/operations.ipynb?country=XAT&round=baseline%202026"
    for _ in range(n):
        with urllib.request.urlopen(url, timeout=120) as r:
            assert "Atlantis" in r.read().decode()  # the first view: rendered by the kernel


def _voila(proc: subprocess.Popen) -> int:
    """The Voila child of `workbook serve` (the process that owns the kernels)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        kids = [p for p in process_tree(proc.pid) if p != proc.pid
                and b"workbook.serve" in Path(f"/proc/{p}/cmdline").read_bytes()]
        if kids:
            return kids[0]
        time.sleep(0.2)
    raise AssertionError("no Voila child")


@pytest.mark.parametrize("demo_url", ["sqlite"], indirect=True)  # about processes, not the database
@pytest.mark.parametrize("how", ["sigterm-serve", "sigterm-group", "sigkill-voila"])
def test_a_stopped_server_leaves_no_process_and_a_new_one_forks_again(demo_url, tmp_path, how):
    proc, base = _start(demo_url, tmp_path / "serve.log", tmp_path)
    try:
        _open_pages(base)
        time.sleep(1)
        tree = process_tree(proc.pid)
        log = (tmp_path / "serve.log").read_text()
        assert "forked as pid" in log and "launched normally" not in log, log[-2000:]
        assert len(tree) >= 4  # workbook serve, Voila, the zygote, kernels
        if how == "sigterm-serve":
            proc.send_signal(signal.SIGTERM)
        elif how == "sigterm-group":
            os.killpg(proc.pid, signal.SIGTERM)
        else:
            os.kill(_voila(proc), signal.SIGKILL)
        proc.wait(60)
        deadline = time.monotonic() + 20
        while _alive(tree) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _alive(tree), f"left behind after {how}: {_alive(tree)}"
    finally:
        stop_group(proc)
    proc, base = _start(demo_url, tmp_path / "again.log", tmp_path)
    try:
        _open_pages(base, 1)
        assert "forked as pid" in (tmp_path / "again.log").read_text()
    finally:
        stop_group(proc)

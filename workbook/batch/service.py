"""The report builder: one warm process per server that builds a country's reports on demand.

A cold ``workbook batch --country XAT`` took 19 s on these machines, most of it paid again for
every run: the imports (pandas, matplotlib, nbconvert, papermill), a kernel for the notebooks,
the Chromium that prints the PDFs, the action library, and a comparison report that one country
does not need. ``workbook serve`` starts this builder beside Voila
(``python -m workbook.batch.service SOCKET``; :class:`BuilderProcess`); it pays all that once, at
server start, then builds one country at a time with :func:`workbook.batch.run.run_country`,
which reruns nothing that is current (the fingerprint of the data and code) and makes only the
outputs asked for that are missing. No comparison report.

The app's pages ask for a build with :func:`request_build` over a Unix socket in the server's
private folder (``WORKBOOK_RUNTIME``): one JSON line per message. A request
``{"country", "round", "documents", "formats", "force"}`` gets back ``{"event": "queued", "ahead": n}``,
then ``{"event": "step", "step": name}`` as each step starts, then
``{"event": "done", "result": {...}}``. Without a builder (JupyterLab, a plain Python session)
:func:`request_build` builds in the calling process. Warnings (matplotlib's layout messages and
the like) go to the builder's log, the server's console, never to a page.
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import signal
import socket
import socketserver
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from .. import config
from ..errors import WorkbookError

SOCKET_NAME = "builder.sock"
MAX_LINE = 64 * 1024
#: A builder that died is started again, at most this many times in RESTART_WINDOW seconds.
RESTART_LIMIT, RESTART_WINDOW = 3, 300.0
log = logging.getLogger("workbook.builder")


class BuildUnavailable(WorkbookError):
    """The builder cannot be reached or stopped answering."""


def socket_path(runtime: Path | None = None) -> Path | None:
    root = runtime or config.runtime_dir()
    return None if root is None else root / SOCKET_NAME


# -- the builder process ----------------------------------------------------------------------------
def _job(request: dict):
    """The country job of a request (checked as ``workbook batch`` checks its arguments)."""
    from dataclasses import replace

    from .jobs import FORMATS, plan_jobs
    formats = tuple(f for f in request.get("formats", FORMATS) if isinstance(f, str))
    documents = [d for d in request.get("documents", ("report", "brief")) if isinstance(d, str)]
    [job] = plan_jobs([str(request.get("country", ""))], round=str(request.get("round") or "") or None,
                      formats=formats, brief="brief" in documents, force=bool(request.get("force")))
    return replace(job, report="report" in documents)


def _result(res) -> dict:
    out = asdict(res)
    out["outputs"] = []
    if res.ok and res.path:
        manifest = Path(res.path) / "manifest.json"
        with contextlib.suppress(OSError, ValueError):
            out["outputs"] = json.loads(manifest.read_text(encoding="utf-8")).get("outputs", [])
    return out


class Builder:
    """Builds one country at a time in one thread (the warm papermill kernel belongs to it)."""

    def __init__(self):
        self.jobs: queue.Queue = queue.Queue()
        self.waiting = 0
        self.lock = threading.Lock()

    def submit(self, request: dict, reply: Callable[[dict], None]) -> threading.Event:
        done = threading.Event()
        with self.lock:
            ahead = self.waiting
            self.waiting += 1
        reply({"event": "queued", "ahead": ahead})
        self.jobs.put((request, reply, done))
        return done

    def run(self) -> None:
        from .run import run_country
        while True:
            request, reply, done = self.jobs.get()
            try:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    job = _job(request)
                    res = run_country(job, on_step=lambda name, say=reply: say({"event": "step", "step": name}))
                for w in caught:
                    log.info("warning while building %s: %s", request.get("country"), w.message)
                reply({"event": "done", "result": _result(res)})
            except WorkbookError as exc:
                problems = [str(p) for p in getattr(exc, "problems", [])] or [str(exc)]
                reply({"event": "refused", "problems": problems})
            except Exception as exc:  # noqa: BLE001 - the builder must live on; the page says what happened
                log.exception("build failed")
                reply({"event": "refused", "problems": [f"{type(exc).__name__}: {exc}"]})
            finally:
                with self.lock:
                    self.waiting -= 1
                done.set()

    def warm_up(self) -> None:
        """Pay the start-up costs now, not at the first click: imports, the notebooks' kernel,
        the report template, matplotlib's fonts and, when installed, the Chromium that prints."""
        t = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from ..present import charts
            from ..report import render
            from ..roadmap.library import load_actions
            from . import engine, jobs
            load_actions()
            import matplotlib
            matplotlib.use("Agg")
            charts.figure_svg(charts.plot_profile(_profile_sample()))
            render.render_html(_notebook())
            engine.warm_up(jobs.KERNEL_ARGS)
            if render.pdf_engine() == "chromium":
                render.print_pdf("<!DOCTYPE html><html><body><p>warm</p></body></html>")
        log.info("report builder ready after %.1f s", time.perf_counter() - t)


def _profile_sample():
    import pandas as pd
    return pd.DataFrame({"pillar": ["A", "B"], "level": [2.0, 3.0], "label": ["2", "3+"],
                         "min_level": [1.0, 3.0], "max_level": [3.0, 4.0]})


def _notebook():
    import nbformat
    return nbformat.v4.new_notebook(metadata={"title": "warm-up"})


class _Handler(socketserver.StreamRequestHandler):
    def handle(self):
        builder: Builder = self.server.builder  # type: ignore[attr-defined]
        line = self.rfile.readline(MAX_LINE)
        try:
            request = json.loads(line)
            if not isinstance(request, dict):
                raise ValueError("not an object")
        except ValueError:
            self._send({"event": "refused", "problems": ["the request is not a JSON object"]})
            return
        if request.get("op") == "ping":
            self._send({"event": "pong", "pid": os.getpid()})
            return
        gone = threading.Event()

        def reply(msg: dict) -> None:
            if not gone.is_set():
                try:
                    self._send(msg)
                except OSError:
                    gone.set()  # the page went away; the build goes on (its files are kept)
        builder.submit(request, reply).wait()

    def _send(self, msg: dict) -> None:
        self.wfile.write(json.dumps(msg, default=str).encode() + b"\n")
        self.wfile.flush()


class _Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


def _exit_with_parent(parent: int) -> None:
    """Stop when the server stops, however it stops (a pidfd cannot be fooled by pid reuse)."""
    import select
    try:
        fd = os.pidfd_open(parent)
    except OSError:
        os._exit(0)
    if os.getppid() != parent:
        os._exit(0)

    def watch():
        select.select([fd], [], [])
        os.kill(os.getpid(), signal.SIGTERM)  # the clean way out: the kernel and the browser are closed
        time.sleep(10)
        os._exit(0)
    threading.Thread(target=watch, name="mbm-builder-parent", daemon=True).start()


def main(argv: list[str] | None = None) -> int:
    """``python -m workbook.batch.service SOCKET PARENT_PID``: serve builds until the parent exits."""
    args = sys.argv[1:] if argv is None else argv
    path, parent = Path(args[0]), int(args[1])
    # Built for a page of a server with accounts on, whose kernel has checked the person's access
    # before asking: the builder and its notebooks act for nobody in particular, not for nobody.
    from ..store.access import KERNEL_ACCOUNTS_ENV, KERNEL_KEY_ENV
    for name in (KERNEL_ACCOUNTS_ENV, KERNEL_KEY_ENV):
        os.environ.pop(name, None)
    logging.basicConfig(level=logging.INFO, format="[builder] %(message)s")
    logging.getLogger("papermill").setLevel(logging.ERROR)
    warnings.simplefilter("ignore")  # the console is the server's: warnings go to the log (Builder.run)
    _exit_with_parent(parent)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    builder = Builder()
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    old = os.umask(0o077)
    try:
        server = _Server(str(path), _Handler)
    finally:
        os.umask(old)
    server.builder = builder  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, name="mbm-builder-socket", daemon=True).start()
    try:
        builder.warm_up()
    except Exception:  # noqa: BLE001 - a cold builder still builds
        log.exception("warm-up failed; the first build will be slower")
    try:
        builder.run()
    finally:
        server.server_close()
        with contextlib.suppress(OSError):
            path.unlink()
    return 0


# -- the server's side ----------------------------------------------------------------------------
class BuilderProcess:
    """The builder as the server runs it: started with the server, started again when it dies
    (at most RESTART_LIMIT times in RESTART_WINDOW seconds), stopped with the server."""

    def __init__(self, runtime: Path, log_to=None):
        self.path = socket_path(runtime)
        self.proc: subprocess.Popen | None = None
        self.starts: list[float] = []
        self.log = log_to or log

    def start(self) -> None:
        self.starts.append(time.monotonic())
        # A session of its own: the server's signals do not reach it; it stops when the server
        # does (it watches the server's pid) or when stop() signals its group.
        self.proc = subprocess.Popen([sys.executable, "-m", "workbook.batch.service", str(self.path),
                                      str(os.getpid())], stdin=subprocess.DEVNULL, start_new_session=True)
        self.log.info("report builder started (pid %s)", self.proc.pid)

    def check(self) -> None:
        """Start it again if it died (called from the server's loop)."""
        if self.proc is None or self.proc.poll() is None:
            return
        recent = [t for t in self.starts if time.monotonic() - t < RESTART_WINDOW]
        if len(recent) >= RESTART_LIMIT:
            if self.proc.returncode is not None and self.starts:
                self.log.warning("report builder died %s times in %.0f s; reports are built in the pages' "
                                 "kernels until the server restarts", len(recent), RESTART_WINDOW)
                self.starts.clear()
            return
        self.log.warning("report builder exited with %s; starting it again", self.proc.returncode)
        self.start()

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None and self.proc.poll() is None else None

    def stop(self, grace: float = 5.0) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


# -- the pages' side ------------------------------------------------------------------------------
def request_build(country: str, round: str, *, documents: tuple[str, ...] = ("report",),
                  formats: tuple[str, ...] = ("html",), force: bool = False,
                  on_event: Callable[[dict], None] | None = None, timeout: float = 600.0) -> dict:
    """Build one country's outputs and return the result (``status``, ``path``, ``outputs``,
    ``failure``, ``steps``); ``on_event`` hears every message (queued, each step).

    Through the server's builder when there is one, else in this process (slow the first time:
    imports, a kernel, a browser). Raises :class:`~workbook.errors.InvalidInput` for a request the
    batch refuses and :class:`BuildUnavailable` when the builder does not answer.
    """
    request = {"country": country, "round": round, "documents": list(documents), "formats": list(formats),
               "force": force}
    say = on_event or (lambda _msg: None)
    path = socket_path()
    if path is None or not path.exists():
        return _build_here(request, say)
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(timeout)
            s.connect(str(path))
            s.sendall(json.dumps(request).encode() + b"\n")
            with s.makefile("rb") as f:
                for line in f:
                    msg = json.loads(line)
                    if msg.get("event") == "done":
                        return msg["result"]
                    if msg.get("event") == "refused":
                        from ..errors import InvalidInput, Problem
                        raise InvalidInput([Problem("report", p) for p in msg.get("problems", [])], what="report")
                    say(msg)
    except (OSError, ValueError) as exc:
        raise BuildUnavailable(f"the report builder did not answer ({exc})") from None
    raise BuildUnavailable("the report builder stopped before the report was done")


def _build_here(request: dict, say: Callable[[dict], None]) -> dict:
    from .run import run_country
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = run_country(_job(request), on_step=lambda name: say({"event": "step", "step": name}))
    return _result(res)


if __name__ == "__main__":
    sys.exit(main())

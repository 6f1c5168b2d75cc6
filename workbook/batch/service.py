"""The report builder: one warm process per server that builds a country's reports on demand.

A cold ``workbook batch --country XAT`` took 19 s on these machines, most of it paid again for
every run: the imports (pandas, matplotlib, nbconvert, papermill), a kernel for the notebooks,
the Chromium that prints the PDFs, the action library, and a comparison report that one country
does not need. In the app this builder (``python -m workbook.batch.service SOCKET PARENT``;
:class:`BuilderProcess`) pays all that once, when the first report is asked for, then builds one
country at a time with :func:`workbook.batch.run.run_country`, which reruns nothing that is
current (the fingerprint of the data and code) and makes only the outputs asked for that are
missing. No comparison report. The server does not start it with itself: about 850 MiB (its
kernel, Playwright's driver and Chromium) would sit idle most of a day. :class:`BuilderDoor`, in
the server, starts it on the first request and stops it after ``WORKBOOK_BUILDER_IDLE`` seconds
(ten minutes by default) without one; the next request starts it again.

The app's pages ask for a build with :func:`request_build` over a Unix socket in the server's
private folder (``WORKBOOK_RUNTIME``): one JSON line per message. A request
``{"country", "round", "documents", "formats", "force", "lang"}`` gets back ``{"event": "starting"}``
while the builder starts (the first report after a start waits for it), ``{"event": "queued", "ahead": n}``,
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

SOCKET_NAME = "builder.sock"  # the server listens here (BuilderDoor)
WORKER_SOCKET_NAME = "builder-worker.sock"  # the builder process listens here
MAX_LINE = 64 * 1024
#: A builder that died is started again by the next request, at most this many times in RESTART_WINDOW seconds.
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
                      formats=formats, brief="brief" in documents, force=bool(request.get("force")),
                      lang=str(request.get("lang") or "") or None)
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
        ahead: Path | None = None  # a web report whose PDF is printed if nothing is asked for a moment
        while True:
            try:
                request, reply, done = self.jobs.get(timeout=config.print_ahead_seconds()) if ahead else self.jobs.get()
            except queue.Empty:
                self._print_ahead(ahead)
                ahead = None
                continue
            ahead = None
            try:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    job = _job(request)
                    res = run_country(job, on_step=lambda name, say=reply: say({"event": "step", "step": name}))
                for w in caught:
                    log.info("warning while building %s: %s", request.get("country"), w.message)
                reply({"event": "done", "result": _result(res)})
                with contextlib.suppress(Exception):  # only a guess at what comes next: never a refusal
                    ahead = _ahead_of(job, res)
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

    @staticmethod
    def _print_ahead(html: Path) -> None:
        """Start printing the PDF of a web report just made (the printer's own thread prints it;
        a PDF asked for meanwhile waits for it instead of printing it a second time)."""
        from ..report import chromium
        try:
            text = html.read_text(encoding="utf-8")
        except OSError:
            return  # replaced or removed meanwhile: nothing to print ahead
        log.info("printing %s ahead", html.parent.name + "/" + html.name)

        def said(future) -> None:
            if future.exception() is not None:
                log.info("printing ahead failed (the PDF will be printed when asked for): %s", future.exception())
        chromium.print_ahead(text).add_done_callback(said)

    def warm_up(self) -> None:
        """Pay the start-up costs now, not at the first click: the notebooks' kernel (started in
        this thread, the one :meth:`run` builds in), and beside it, in a second thread, the imports,
        the report template, the action library, matplotlib's fonts and, when installed, the
        Chromium that prints. The kernel is a process of its own, so the two overlap: ready after
        about 6 s on 2 cores, against 7.6 s one after the other."""
        from . import engine, jobs
        t = time.perf_counter()
        side = threading.Thread(target=self._warm_in_process, name="mbm-builder-warm", daemon=True)
        side.start()
        try:
            engine.warm_up(jobs.KERNEL_ARGS)
        finally:
            side.join()
        log.info("report builder ready after %.1f s", time.perf_counter() - t)

    @staticmethod
    def _warm_in_process() -> None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                import matplotlib
                matplotlib.use("Agg")
                from ..report import render
                printer = None
                if render.pdf_engine() == "chromium":  # its own thread and processes: started first
                    from ..report import chromium
                    printer = chromium.prewarm()
                from ..present import charts
                from ..roadmap.library import load_actions
                load_actions()
                charts.figure_svg(charts.plot_profile(_profile_sample()))
                render.render_html(_notebook())
                if printer is not None:
                    printer.result()
        except Exception:  # noqa: BLE001 - a cold builder still builds
            log.exception("warm-up failed in part; the first build will be slower")


def _ahead_of(job, res) -> Path | None:
    """The web report whose PDF is worth printing ahead after this build: asked for as a web page,
    not as a PDF, built, and printed by Chromium (which prints in a thread of its own)."""
    if config.print_ahead_seconds() <= 0 or res.status not in ("ok", "skipped") or not res.path:
        return None
    if "pdf" in job.formats or "html" not in job.formats:
        return None
    from .jobs import resolved_pdf_engine
    try:
        if resolved_pdf_engine(job) != "chromium":
            return None
    except WorkbookError:
        return None
    doc = "report" if job.report else ("brief" if job.brief else None)
    if doc is None or (Path(res.path) / f"{doc}.pdf").is_file():  # a PDF in the folder is a current one
        return None
    html = Path(res.path) / f"{doc}.html"
    return html if html.is_file() else None


def _profile_sample():
    import pandas as pd
    return pd.DataFrame({"pillar": ["A", "B"], "level": [2.0, 3.0], "label": ["2", "3+"],
                         "min_level": [1.0, 3.0], "max_level": [3.0, 4.0]})


def _notebook():
    import nbformat
    return nbformat.v4.new_notebook(metadata={"title": "warm-up"})


class _LineHandler(socketserver.StreamRequestHandler):
    """One JSON object a line, each way."""

    def read_request(self) -> dict | None:
        """The request, or None once the caller was told it is not one."""
        line = self.rfile.readline(MAX_LINE)
        try:
            request = json.loads(line)
            if not isinstance(request, dict):
                raise ValueError("not an object")
        except ValueError:
            self._send({"event": "refused", "problems": ["the request is not a JSON object"]})
            return None
        return request

    def _send(self, msg: dict) -> None:
        self._write(json.dumps(msg, default=str).encode() + b"\n")

    def _write(self, data: bytes) -> None:
        self.wfile.write(data)
        self.wfile.flush()

    def until_gone(self, send: Callable) -> Callable:
        """``send`` that stops trying once the page went away (the build goes on; its files are kept)."""
        gone = threading.Event()

        def safe(what) -> None:
            if not gone.is_set():
                try:
                    send(what)
                except OSError:
                    gone.set()
        return safe


class _Handler(_LineHandler):
    def handle(self):
        builder: Builder = self.server.builder  # type: ignore[attr-defined]
        request = self.read_request()
        if request is None:
            return
        if request.get("op") == "ping":
            self._send({"event": "pong", "pid": os.getpid()})
            return
        builder.submit(request, self.until_gone(self._send)).wait()


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
    """The builder process itself: started by :class:`BuilderDoor`, stopped with its whole session."""

    def __init__(self, path: Path, log_to=None):
        self.path = path
        self.proc: subprocess.Popen | None = None
        self.log = log_to or log

    def start(self) -> None:
        # A session of its own: the server's signals do not reach it; it stops when the server
        # does (it watches the server's pid) or when stop() signals its group.
        self.proc = subprocess.Popen([sys.executable, "-m", "workbook.batch.service", str(self.path),
                                      str(os.getpid())], stdin=subprocess.DEVNULL, start_new_session=True)
        self.log.info("report builder started (pid %s)", self.proc.pid)

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None and self.proc.poll() is None else None

    @property
    def crashed(self) -> bool:
        """It exited without being stopped (stop() forgets the process it stopped)."""
        return self.proc is not None and self.proc.poll() is not None

    def stop(self, grace: float = 5.0) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)  # the builder closes its kernel and its browser
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


class BuilderDoor:
    """The report builder as the server runs it: on demand.

    The server listens on the builder's socket itself (a thread, no process). The first request
    starts the builder (:class:`BuilderProcess`, on a socket of its own) and is told so
    (``{"event": "starting"}``: the first report waits for the builder's start-up); every request
    is passed to the builder and its answers back. :meth:`check`, called from the server's loop,
    stops the builder once it has built nothing for ``idle`` seconds (``WORKBOOK_BUILDER_IDLE``)
    and gives its memory back; the next request starts it again. A builder that died is started
    again by the next request, at most RESTART_LIMIT times in RESTART_WINDOW seconds; after that
    the pages are told the report service is unavailable until the server restarts.
    """

    def __init__(self, runtime: Path, log_to=None, *, idle: float | None = None, start_timeout: float = 120.0):
        self.path = socket_path(runtime)
        self.process = BuilderProcess(runtime / WORKER_SOCKET_NAME, log_to)
        self.idle = config.builder_idle_seconds() if idle is None else idle
        self.start_timeout = start_timeout
        self.log = log_to or log
        self.lock = threading.Lock()  # held while the builder starts or stops
        self.active = 0
        self.last_used = time.monotonic()
        self.warm = False  # it has answered a build since it started
        self.crashes: list[float] = []
        self.server: _Server | None = None

    def open(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        old = os.umask(0o077)
        try:
            self.server = _Server(str(self.path), _DoorHandler)
        finally:
            os.umask(old)
        self.server.door = self  # type: ignore[attr-defined]
        threading.Thread(target=self.server.serve_forever, name="mbm-builder-door", daemon=True).start()

    def close(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
            with contextlib.suppress(OSError):
                self.path.unlink()
        with self.lock:
            self.process.stop()

    @property
    def pid(self) -> int | None:
        return self.process.pid

    def check(self) -> None:
        """Stop the builder when it has been idle for ``idle`` seconds (in a thread: the server's
        loop does not wait for it; a request that comes meanwhile waits, then starts it again)."""
        if self.process.pid is None or self.active or time.monotonic() - self.last_used < self.idle:
            return
        threading.Thread(target=self._stop_if_idle, name="mbm-builder-stop", daemon=True).start()

    def _stop_if_idle(self) -> None:
        with self.lock:
            if self.process.pid is None or self.active or time.monotonic() - self.last_used < self.idle:
                return
            self.log.info("report builder idle for %.0f s: stopping it until the next report", self.idle)
            self.process.stop()

    def _start_if_needed(self) -> bool:
        """Start the builder if it is not running (the lock held); False: it keeps dying."""
        now = time.monotonic()
        if self.process.crashed:
            self.log.warning("report builder exited with %s", self.process.proc.returncode)
            self.crashes.append(now)
            self.process.proc = None
        self.crashes = [t for t in self.crashes if now - t < RESTART_WINDOW]
        if self.process.pid is None:
            if len(self.crashes) >= RESTART_LIMIT:
                return False
            self.process.start()
            self.warm = False
        return True

    def prepare(self) -> bool:
        """Start the builder now, without a request (a page that may soon ask for a report was
        opened): its start-up is paid while the person reads. It counts as use: it stops after
        ``idle`` seconds without a report, as after one. False: it keeps dying."""
        with self.lock:
            self.last_used = time.monotonic()
            return self._start_if_needed()

    def _enter(self, say: Callable[[dict], None]) -> bool:
        """Count a request in and start the builder if it is not running; False: it keeps dying."""
        with self.lock:
            if not self._start_if_needed():
                return False
            self.active += 1
            if not self.warm:
                say({"event": "starting"})
            return True

    def _leave(self) -> None:
        with self.lock:
            self.active -= 1
            self.last_used = time.monotonic()

    def _connect(self) -> socket.socket:
        """A connection to the builder, waiting while it opens its socket."""
        deadline = time.monotonic() + self.start_timeout
        while True:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(str(self.process.path))
                return s
            except OSError:
                s.close()
                if self.process.pid is None or time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def relay(self, line: bytes, say: Callable[[bytes], None]) -> None:
        """Pass one request to the builder (started if need be) and its answers back with ``say``."""
        def event(msg: dict) -> None:
            say(json.dumps(msg).encode() + b"\n")
        if not self._enter(event):
            event({"event": "unavailable", "problem": f"the report builder stopped {RESTART_LIMIT} times in "
                                                      f"{RESTART_WINDOW:.0f} s; see the server's log"})
            return
        try:
            with self._connect() as s:
                s.sendall(line)
                with s.makefile("rb") as answers:
                    for answer in answers:  # read to the end even if the page went: the build goes on
                        if b'"done"' in answer:
                            self.warm = True
                        say(answer)
        except OSError as exc:
            event({"event": "unavailable", "problem": f"the report builder did not answer ({exc})"})
        finally:
            self._leave()


class _DoorHandler(_LineHandler):
    def handle(self):
        door: BuilderDoor = self.server.door  # type: ignore[attr-defined]
        request = self.read_request()
        if request is None:
            return
        if request.get("op") == "status":
            self._send({"event": "status", "pid": door.pid})
            return
        if request.get("op") == "prepare":
            started = door.prepare()
            self._send({"event": "prepared" if started else "unavailable", "pid": door.pid})
            return
        door.relay(json.dumps(request).encode() + b"\n", self.until_gone(self._write))


# -- the pages' side ------------------------------------------------------------------------------
def prepare_builder(timeout: float = 5.0) -> bool:
    """Ask the server's report builder to start now, if it is not running (the results page does
    when it opens, so that its first report does not wait for the builder's start-up). Returns
    at once with whether the server has a builder that is starting or running; never raises."""
    path = socket_path()
    if path is None or not path.exists():
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(timeout)
            s.connect(str(path))
            s.sendall(json.dumps({"op": "prepare"}).encode() + b"\n")
            with s.makefile("rb") as f:
                return json.loads(f.readline() or b"{}").get("event") == "prepared"
    except (OSError, ValueError):
        return False


def request_build(country: str, round: str, *, documents: tuple[str, ...] = ("report",),
                  formats: tuple[str, ...] = ("html",), force: bool = False, lang: str = "",
                  on_event: Callable[[dict], None] | None = None, timeout: float = 600.0) -> dict:
    """Build one country's outputs and return the result (``status``, ``path``, ``outputs``,
    ``failure``, ``steps``); ``on_event`` hears every message (starting, queued, each step).
    ``lang``: the reports' language (empty: ``WORKBOOK_LANG`` of the builder, else English).

    Through the server's builder when there is one, else in this process (slow the first time:
    imports, a kernel, a browser). Raises :class:`~workbook.errors.InvalidInput` for a request the
    batch refuses and :class:`BuildUnavailable` when the builder does not answer.
    """
    request = {"country": country, "round": round, "documents": list(documents), "formats": list(formats),
               "force": force, "lang": lang}
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
                    if msg.get("event") == "unavailable":
                        raise BuildUnavailable(msg.get("problem", "the report builder is unavailable"))
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

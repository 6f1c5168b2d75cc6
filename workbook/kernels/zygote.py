"""The zygote: a single-threaded process that has imported ipykernel and the app, and forks kernels.

Run by the server (never by hand)::

    python -m workbook.kernels.zygote --fd N --server-pid P [--preload MOD ...] [--call MOD:FUNC ...]

Protocol on the inherited AF_UNIX SOCK_SEQPACKET socket ``fd`` (one JSON object per packet):

* zygote -> server, once, after preloading: ``{"ready": true, "pid": ..., "threads": n, "preload_s": t}``
  (or ``{"ready": false, "error": "..."}`` and exit 3).
* server -> zygote: ``{"op": "spawn", "argv": [...kernel args after -m ipykernel_launcher...],
  "env": {...}, "cwd": "...", "parent_pid": P}``; reply ``{"pid": kernel_pid}`` or ``{"error": "..."}``.
* server -> zygote: ``{"op": "ping"}``; reply ``{"pong": true, "pid": ...}``.
* end of file (the server closed its end or died): the zygote exits.

How a kernel is made (double fork): zygote -> intermediate (forks, writes the grandchild's pid to a
pipe, ``_exit(0)``) -> grandchild. The server is a child subreaper (``PR_SET_CHILD_SUBREAPER``), so
when the intermediate exits the grandchild is re-parented to the *server*: the kernel is then an
ordinary child of the server (``waitpid`` works, exit status is real, the pid cannot be reused
before the server reaps it) and does not depend on the zygote any more. The grandchild waits
until it sees the server as its parent, calls ``setsid()`` (its own process group, like
``start_new_session=True`` in jupyter_client's launcher), resets signals, file descriptors,
environment, working directory and argv, reseeds RNGs, runs the after-fork hooks, and becomes an
``IPKernelApp`` with ``parent_handle`` = the server (its parent poller then kills it within ~1 s if
the server disappears).
"""
from __future__ import annotations

import argparse
import gc
import importlib
import json
import os
import faulthandler
import signal
import socket
import sys
import time
import traceback

MAX_PACKET = 1 << 20


def _call(spec: str):
    mod, _, func = spec.partition(":")
    obj = importlib.import_module(mod)
    for part in func.split("."):
        obj = getattr(obj, part)
    return obj()


def _native_threads() -> int:
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return -1


def preload(modules: list[str], calls: list[str]) -> list[str]:
    """Import the modules and run the calls; return what was skipped.

    The zygote is a cache: a module that no longer exists (the app was reorganised, as happened
    to /work/main during this prototype) is skipped with a warning and imported by the kernel
    when a cell needs it. Any other error fails the zygote (kernels then start normally).
    """
    skipped = []
    for m in modules:
        try:
            importlib.import_module(m)
        except ModuleNotFoundError as exc:
            if exc.name is None or not (m == exc.name or m.startswith(exc.name + ".")):
                raise  # the module exists but one of its own imports is missing: a real error
            skipped.append(m)
    for c in calls:
        try:
            _call(c)
        except (ModuleNotFoundError, AttributeError) as exc:
            skipped.append(f"{c} ({type(exc).__name__}: {exc})")
    return skipped


def _reset_child_state(sock: socket.socket, req: dict, after_fork: list[str]) -> list[str]:
    """In the grandchild, before ipykernel starts: make the process look like a fresh kernel."""
    sock.close()
    # Signals as a fresh interpreter has them (the zygote ignores SIGINT and handles SIGTERM).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    # stdin: nothing (jupyter_client gives a kernel a pipe it never writes to); stdout/stderr are
    # the zygote's, i.e. the server's, as for a kernel launched by jupyter_client.
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    # Environment and working directory of the request (the kernelspec env, Voila's variables,
    # JPY_PARENT_PID ...). Values read at import time by preloaded modules are NOT re-read: the
    # provisioner only forks when the interpreter-level variables equal the zygote's.
    os.environ.clear()
    os.environ.update(req["env"])
    time.tzset()
    os.chdir(req["cwd"])
    # Fresh randomness: `random` reseeds itself at fork; numpy's legacy global state does not.
    np = sys.modules.get("numpy")
    if np is not None:
        np.random.seed()
    for spec in after_fork:
        _call(spec)
    return list(req["argv"])


def _become_kernel(sock: socket.socket, req: dict, after_fork: list[str]) -> int:
    argv = _reset_child_state(sock, req, after_fork)
    from ipykernel import kernelapp

    sys.argv = [kernelapp.__file__.replace("ipykernel/kernelapp.py", "ipykernel_launcher.py"), *argv]
    # parent_handle's default was computed from JPY_PARENT_PID when the zygote imported ipykernel
    # (unset then): give it explicitly, or the kernel would never notice the server dying.
    app = kernelapp.IPKernelApp.instance(parent_handle=int(req["parent_pid"]))
    trace = os.environ.get("WORKBOOK_FORK_TRACE")
    t1 = time.perf_counter()
    app.initialize(argv)
    if trace:
        t2 = time.perf_counter()
        app.kernel.__dict__["_mbm_t"] = (t1, t2)
        print(f"mbm-fork-trace pid={os.getpid()} reset={t1 - req['_t_fork']:.3f} initialize={t2 - t1:.3f}",
              file=sys.__stderr__, flush=True)
    app.start()
    return 0


def _watch_server(server_pid: int) -> None:
    """Kill this kernel (and its process group) as soon as the server exits, however it exits.

    ipykernel's own parent poller is not enough: it compares getppid() with JPY_PARENT_PID once a
    second, but if the server is already gone when the poller starts it only watches for a parent
    of pid 1, so a kernel re-parented to another subreaper (tini -s, systemd, a test harness)
    would live on. A pidfd cannot be fooled by pid reuse or re-parenting. (PR_SET_PDEATHSIG is no
    use here: it fires when the *thread* that is the parent exits, and on the re-parenting itself.)
    """
    import select
    import threading

    fd = os.pidfd_open(server_pid)
    if os.getppid() != server_pid:  # died between the adoption check and pidfd_open
        os._exit(1)

    def run():
        select.select([fd], [], [])
        try:
            os.killpg(0, signal.SIGKILL)
        finally:
            os._exit(1)

    threading.Thread(target=run, name="mbm-server-watch", daemon=True).start()


def _set_name(name: bytes) -> None:
    """What `ps -o comm`, top and /proc/PID/comm show (the command line stays the zygote's)."""
    try:
        import ctypes
        ctypes.CDLL(None).prctl(15, ctypes.c_char_p(name[:15]), 0, 0, 0)  # PR_SET_NAME
    except Exception:
        pass


def spawn(sock: socket.socket, req: dict, after_fork: list[str]) -> int:
    """Double-fork a kernel; return its pid (raises OSError when it cannot be made)."""
    parent_pid = int(req["parent_pid"])
    r, w = os.pipe()
    mid = os.fork()
    if mid == 0:  # intermediate
        code = 0
        try:
            os.close(r)
            pid = os.fork()
            if pid == 0:  # the kernel
                code = 1
                req["_t_fork"] = time.perf_counter()
                try:
                    os.close(w)
                    # Wait to be adopted by the server (the intermediate exits right away).
                    deadline = time.monotonic() + 5
                    while os.getppid() != parent_pid:
                        if time.monotonic() > deadline:
                            print(f"mbm-fork: kernel {os.getpid()} was not adopted by {parent_pid} "
                                  f"(parent {os.getppid()}): is the server a child subreaper?",
                                  file=sys.stderr, flush=True)
                            os._exit(70)
                        time.sleep(0.0005)
                    os.setsid()
                    _watch_server(parent_pid)
                    _set_name(b"mbm-kernel")
                    code = _become_kernel(sock, req, after_fork)
                except SystemExit as exc:
                    code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
                except BaseException:
                    traceback.print_exc()
                    code = 1
                finally:
                    # Never return into the zygote's loop: run the kernel's exit handlers, flush, _exit.
                    try:
                        import atexit
                        atexit._run_exitfuncs()
                        sys.stdout.flush()
                        sys.stderr.flush()
                    finally:
                        os._exit(code)
            os.write(w, str(pid).encode())
        except BaseException:
            traceback.print_exc()
            code = 1
        finally:
            os._exit(code)
    os.close(w)
    try:
        data = b""
        while chunk := os.read(r, 64):
            data += chunk
    finally:
        os.close(r)
        os.waitpid(mid, 0)
    if not data:
        raise OSError("the intermediate process failed before forking the kernel")
    return int(data)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--fd", type=int, required=True)
    ap.add_argument("--server-pid", type=int, required=True)
    ap.add_argument("--preload", action="append", default=[])
    ap.add_argument("--call", action="append", default=[])
    ap.add_argument("--after-fork", action="append", default=[])
    args = ap.parse_args(argv)
    # as ipykernel_launcher does: the current folder is not an import location while loading
    if sys.path and (sys.path[0] == "" or os.path.abspath(sys.path[0]) == os.getcwd()):
        del sys.path[0]
    sock = socket.socket(fileno=args.fd)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C in the server's terminal: the server decides
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    # SIGUSR1 prints every thread's stack to stderr (the server's log): here and in every kernel
    # forked from here, so a page that hangs can be looked into without stopping anything.
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    if os.getppid() != args.server_pid:
        return 0  # the server is already gone
    _set_name(b"mbm-zygote")
    gc.disable()  # no collection while preloading: fewer pages touched before the freeze
    t0 = time.perf_counter()
    try:
        skipped = preload(args.preload, args.call)
    except BaseException as exc:
        sock.send(json.dumps({"ready": False, "error": f"{type(exc).__name__}: {exc}"}).encode())
        traceback.print_exc()
        return 3
    gc.collect()
    gc.freeze()  # every object so far is "permanent": the kernels' collections never write to them
    gc.enable()
    threads = _native_threads()
    sock.send(json.dumps({"ready": True, "pid": os.getpid(), "threads": threads, "skipped": skipped,
                          "preload_s": round(time.perf_counter() - t0, 3)}).encode())
    if threads != 1:
        print(f"mbm-fork: warning: the zygote has {threads} native threads after preloading; forking a "
              "threaded process is unsafe", file=sys.stderr, flush=True)
    while True:
        try:
            msg = sock.recv(MAX_PACKET)
        except InterruptedError:
            continue
        except OSError:
            return 0
        if not msg:
            return 0  # the server closed its end or died
        try:
            req = json.loads(msg)
            if req.get("op") == "ping":
                reply = {"pong": True, "pid": os.getpid()}
            elif req.get("op") == "spawn":
                reply = {"pid": spawn(sock, req, args.after_fork)}
            else:
                reply = {"error": f"unknown op {req.get('op')!r}"}
        except Exception as exc:
            reply = {"error": f"{type(exc).__name__}: {exc}"}
        try:
            sock.send(json.dumps(reply).encode())
        except OSError:
            return 0


if __name__ == "__main__":
    sys.exit(main())

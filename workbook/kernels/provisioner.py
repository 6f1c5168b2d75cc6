"""A jupyter_client kernel provisioner that forks kernels from a warm zygote process.

Registered as ``mbm-fork-provisioner`` in the ``jupyter_client.kernel_provisioners`` entry point
group (``pyproject.toml``). ``workbook serve`` selects it for every kernelspec without a
provisioner stanza with ``--KernelProvisionerFactory.default_provisioner_name=mbm-fork-provisioner``
(Voila and jupyter_server pass their config down to the factory); a kernelspec can also name it,
``"metadata": {"kernel_provisioner": {"provisioner_name": "mbm-fork-provisioner", "config": {...}}}``.

It is a :class:`~jupyter_client.provisioning.LocalProvisioner` (same connection file, ports, curve
keys, environment handling, signals to the process group) whose ``launch_kernel`` asks the zygote
for a fork instead of ``Popen``-ing ``python -m ipykernel_launcher``. The forked kernel is a child
of this server process (see :mod:`workbook.kernels.zygote`), wrapped in :class:`ForkedProcess`, a
``Popen``-like object, so ``poll``/``wait``/``send_signal``/``kill``/``terminate`` keep
LocalProvisioner's semantics. Whenever a fork is not possible (a different interpreter or
launcher in argv, interpreter-level environment differing from the zygote's, zygote not ready,
dead or failing) the kernel is launched the normal way and a warning is logged.
"""
from __future__ import annotations

import asyncio
import atexit
import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from typing import Any

from traitlets import Float, List, Unicode

from jupyter_client.connect import KernelConnectionInfo
from jupyter_client.provisioning import LocalProvisioner

PR_SET_CHILD_SUBREAPER = 36
PR_GET_CHILD_SUBREAPER = 37
MAX_PACKET = 1 << 20
#: Environment variables read when the interpreter or a preloaded library starts, not later: a
#: kernel whose environment differs from the zygote's in one of these is launched normally.
STARTUP_ENV_PREFIXES = ("PYTHON", "LC_", "OPENBLAS", "OMP_", "MKL_", "NUMEXPR", "MPL", "JUPYTER_PLATFORM")
STARTUP_ENV_NAMES = ("LANG", "LANGUAGE", "HOME", "IPYTHONDIR", "JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR")
#: What the app's kernels import and read before they run a cell (measured: 1.75 CPU-s of a cold
#: page kernel's start is imports and the framework file): done once in the zygote.
APP_PRELOAD = ("workbook.pages", "voila.utils")
APP_CALLS = ("workbook.framework:load_framework", "workbook.roadmap.library:load_actions",
             "workbook.pages.forms.snapshot:framework_key")


class ZygoteUnavailable(RuntimeError):
    pass


def _set_subreaper() -> bool:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        return False
    value = ctypes.c_int(0)
    libc.prctl(PR_GET_CHILD_SUBREAPER, ctypes.byref(value), 0, 0, 0)
    return value.value == 1


def _stat_fields(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None


def _startup_env(env: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in env.items() if k.startswith(STARTUP_ENV_PREFIXES) or k in STARTUP_ENV_NAMES}


class Zygote:
    """The server side of one zygote process: start, readiness, spawn requests, restart, stop."""

    _instances: dict[tuple, Zygote] = {}
    _instances_lock = threading.Lock()

    def __init__(self, preload: tuple[str, ...], calls: tuple[str, ...], after_fork: tuple[str, ...],
                 log=None):
        self.preload, self.calls, self.after_fork = preload, calls, after_fork
        self.log = log
        self.proc: subprocess.Popen | None = None
        self.sock: socket.socket | None = None
        self.env: dict[str, str] = {}
        self.ready = threading.Event()
        self.ready_info: dict = {}
        self.failed: str = ""
        self.lock = threading.Lock()  # one request/reply at a time on the socket
        self.deaths: list[float] = []
        self.start_lock = threading.Lock()  # concurrent launches must not start two zygotes
        self.spawned = 0

    @classmethod
    def get(cls, preload, calls, after_fork, log=None) -> Zygote:
        key = (tuple(preload), tuple(calls), tuple(after_fork))
        with cls._instances_lock:
            z = cls._instances.get(key)
            if z is None:
                z = cls._instances[key] = Zygote(*key, log=log)
            return z

    # -- lifecycle ---------------------------------------------------------------------------
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self) -> None:
        """Start the zygote process (returns at once; readiness comes in the background)."""
        if not _set_subreaper():
            self.failed = "cannot make the server a child subreaper (prctl failed)"
            raise ZygoteUnavailable(self.failed)
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.env = dict(os.environ)
        cmd = [sys.executable, "-m", "workbook.kernels.zygote", "--fd", str(child.fileno()),
               "--server-pid", str(os.getpid())]
        cmd += [a for m in self.preload for a in ("--preload", m)]
        cmd += [a for c in self.calls for a in ("--call", c)]
        cmd += [a for c in self.after_fork for a in ("--after-fork", c)]
        self.ready.clear()
        self.ready_info, self.failed = {}, ""
        # Same process group as the server (a signal to the server's group reaches it too); it
        # ignores SIGINT and exits on SIGTERM or when the server's end of the socket closes.
        self.proc = subprocess.Popen(cmd, pass_fds=[child.fileno()], stdin=subprocess.DEVNULL, env=self.env)
        child.close()
        self.sock = parent
        threading.Thread(target=self._wait_ready, args=(self.proc, parent), daemon=True,
                         name="mbm-zygote-ready").start()
        self._info(f"zygote started (pid {self.proc.pid}), preloading {', '.join(self.preload + self.calls)}")

    def _wait_ready(self, proc, sock) -> None:
        try:
            msg = sock.recv(MAX_PACKET)
            info = json.loads(msg) if msg else {"ready": False, "error": "zygote exited while preloading"}
        except (OSError, ValueError) as exc:
            info = {"ready": False, "error": str(exc)}
        if proc is not self.proc:
            return
        self.ready_info = info
        if not info.get("ready"):
            self.failed = info.get("error", "unknown error")
            self._warn(f"zygote failed: {self.failed}")
        else:
            self._info(f"zygote ready (pid {info['pid']}) after {info['preload_s']} s of preloading, "
                       f"{info['threads']} thread(s)")
            if info.get("skipped"):
                self._warn(f"zygote skipped what does not exist (kernels will import it themselves): "
                           f"{info['skipped']}")
        self.ready.set()

    def stop(self) -> None:
        sock, proc = self.sock, self.proc
        self.sock = self.proc = None
        if sock is not None:
            sock.close()  # EOF: the zygote exits
        if proc is not None:
            try:
                proc.wait(3)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def _died(self, why: str) -> None:
        self.deaths.append(time.monotonic())
        self._warn(f"zygote unusable ({why}); kernels start the normal way until it is restarted")
        self.stop()

    def ensure(self, timeout: float, restart_limit: int = 3, restart_window: float = 300.0) -> None:
        """Make sure a zygote is running and ready, or raise ZygoteUnavailable (caller falls back)."""
        with self.start_lock:
            if not self.alive():
                if self.proc is not None:
                    self._died(f"exited with {self.proc.returncode}")
                recent = [t for t in self.deaths if time.monotonic() - t < restart_window]
                if len(recent) >= restart_limit:
                    raise ZygoteUnavailable(f"zygote died {len(recent)} times in {restart_window:.0f} s; "
                                            "not restarted")
                self.start()
        if not self.ready.wait(timeout):
            raise ZygoteUnavailable(f"zygote not ready after {timeout} s")
        if not self.ready_info.get("ready"):
            raise ZygoteUnavailable(f"zygote failed: {self.failed}")

    # -- requests ----------------------------------------------------------------------------
    def request(self, msg: dict, timeout: float = 30.0) -> dict:
        with self.lock:
            sock = self.sock
            if sock is None:
                raise ZygoteUnavailable("no zygote")
            try:
                sock.settimeout(timeout)
                sock.send(json.dumps(msg).encode())
                data = sock.recv(MAX_PACKET)
            except OSError as exc:  # EPIPE, ECONNRESET, timeout
                self._died(f"{type(exc).__name__}: {exc}")
                raise ZygoteUnavailable(str(exc)) from None
            if not data:
                self._died("closed its socket")
                raise ZygoteUnavailable("zygote closed its socket")
            return json.loads(data)

    def spawn(self, argv: list[str], env: dict[str, str], cwd: str) -> int:
        reply = self.request({"op": "spawn", "argv": argv, "env": env, "cwd": cwd, "parent_pid": os.getpid()})
        if "error" in reply:
            raise ZygoteUnavailable(f"zygote could not fork: {reply['error']}")
        pid = int(reply["pid"])
        # The intermediate has exited and been reaped: the kernel must now be our child.
        fields = _stat_fields(pid)
        if fields is None or int(fields[1]) != os.getpid():
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
            raise ZygoteUnavailable(f"forked kernel {pid} is not a child of the server (ppid "
                                    f"{fields[1] if fields else '?'})")
        self.spawned += 1
        return pid

    def _info(self, msg):
        if self.log:
            self.log.info("mbm-fork: %s", msg)

    def _warn(self, msg):
        if self.log:
            self.log.warning("mbm-fork: %s", msg)
        else:
            print(f"mbm-fork: {msg}", file=sys.stderr, flush=True)


@atexit.register
def _stop_zygotes() -> None:
    for z in list(Zygote._instances.values()):
        z.stop()


# Process groups of forked kernels that have exited: their left-over members (the kernel's own
# children, re-parented to this subreaper server) are killed and reaped here.
_dead_groups: set[int] = set()


def _sweep_orphans() -> None:
    """Reap zombies re-parented to this server from the process groups of dead forked kernels."""
    if not _dead_groups:
        return
    me = os.getpid()
    alive_groups = set()
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        fields = _stat_fields(int(d))
        if not fields or int(fields[1]) != me:
            continue
        pgrp = int(fields[2])
        if pgrp in _dead_groups:
            if fields[0] == "Z":
                try:
                    os.waitpid(int(d), os.WNOHANG)
                except ChildProcessError:
                    pass
            else:
                alive_groups.add(pgrp)
    _dead_groups.intersection_update(alive_groups)


class OrphanReaper:
    """Reaps zombies re-parented to this server that nobody else would reap.

    The server is a child subreaper, so a process whose parent died (a helper of a kernel that
    crashed, a browser of a report builder that was killed) becomes the server's child, and a
    zombie when it exits. :meth:`sweep` reaps such zombies: only the ones that were already
    zombies at the previous sweep (so an owner that is about to reap its child gets there first)
    and that are not ``known`` (the server's own children: their owners read their exit status).
    """

    def __init__(self) -> None:
        self.seen: set[int] = set()

    def sweep(self, known=()) -> int:
        """Reap lingering orphan zombies; return how many were reaped."""
        me, known, now, reaped = os.getpid(), set(known), set(), 0
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            fields = _stat_fields(int(d))
            if not fields or fields[0] != "Z" or int(fields[1]) != me:
                continue
            pid = int(d)
            if pid in self.seen and pid not in known:
                try:
                    os.waitpid(pid, os.WNOHANG)
                    reaped += 1
                except ChildProcessError:
                    pass
            else:
                now.add(pid)
        self.seen = now
        return reaped


class ForkedProcess:
    """What LocalProvisioner needs of a ``Popen``, for a kernel that is our child by adoption."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                # Peek without reaping: while the kernel is a zombie its pid (= its process group
                # id) cannot be reused, so the killpg below cannot hit a stranger.
                info = os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
            except ChildProcessError:
                # Someone else reaped it (a waitpid(-1) elsewhere in the server): it is gone.
                self.returncode = 255
                return self.returncode
            if info is None:
                return None
            # Leave no process behind: the kernel's process group (its children) goes with it.
            try:
                os.killpg(self.pid, signal.SIGKILL)
                _dead_groups.add(self.pid)
            except OSError:
                pass  # the kernel was alone in its group
            try:
                _, status = os.waitpid(self.pid, 0)
                self.returncode = os.waitstatus_to_exitcode(status)
            except ChildProcessError:
                self.returncode = 255
        _sweep_orphans()
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout)
            time.sleep(0.02)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.returncode is None:  # not reaped yet, so the pid is still ours (maybe a zombie)
            os.kill(self.pid, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class ForkingProvisioner(LocalProvisioner):
    """LocalProvisioner that forks ``python -m ipykernel_launcher`` kernels from a warm zygote."""

    preload = List(Unicode(), [
        # what `python -m ipykernel_launcher` imports before it answers kernel_info (measured with
        # ipykernel 7.4 / IPython 9: sys.modules of a started kernel minus the zygote's)
        "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell", "ipykernel.comm",
        "ipykernel.debugger", "IPython.core.debugger", "IPython.core.completerlib",
        "IPython.extensions.storemagic", "sqlite3", "psutil", "pdb", "pydoc", "faulthandler", "runpy",
        "tornado.queues", "tornado.platform.asyncio", "http.server", "xmlrpc.server",
    ], config=True,
                   help="Modules the zygote imports before forking (add the app's heavy modules).")
    extra_preload = List(Unicode(), list(APP_PRELOAD), config=True,
                         help="More modules to preload (added to `preload`): the app's pages.")
    calls = List(Unicode(), list(APP_CALLS), config=True,
                 help="'module:function' callables the zygote runs after preloading (warm caches). "
                      "They must not open connections, start threads or create zmq contexts.")
    after_fork = List(Unicode(), [], config=True,
                      help="'module:function' callables run in each kernel right after the fork.")
    ready_timeout = Float(60.0, config=True,
                          help="Seconds a launch waits for a starting zygote before launching normally.")

    forked = False
    fallback_reason = ""

    def _zygote(self) -> Zygote:
        return Zygote.get(tuple(self.preload) + tuple(self.extra_preload), tuple(self.calls),
                          tuple(self.after_fork), log=self.log)

    def _fork_args(self, cmd: list[str]) -> list[str] | None:
        """The kernel's own arguments if this command can be forked, else None (with the reason)."""
        if len(cmd) < 3 or cmd[1:3] != ["-m", "ipykernel_launcher"]:
            self.fallback_reason = f"not an ipykernel_launcher command: {cmd[:3]}"
            return None
        if os.path.realpath(cmd[0]) != os.path.realpath(sys.executable):
            self.fallback_reason = f"another interpreter: {cmd[0]}"
            return None
        return cmd[3:]

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> KernelConnectionInfo:
        args = self._fork_args(cmd)
        if args is not None:
            env = dict(kwargs.get("env") or os.environ)
            env["JPY_PARENT_PID"] = str(os.getpid())
            cwd = str(kwargs.get("cwd") or os.getcwd())
            z = self._zygote()
            loop = asyncio.get_running_loop()
            try:
                if not (z.ready.is_set() and z.alive()):
                    await loop.run_in_executor(None, z.ensure, self.ready_timeout)
                if _startup_env(z.env) != _startup_env(env):
                    diff = sorted(k for k in set(_startup_env(z.env)) | set(_startup_env(env))
                                  if z.env.get(k) != env.get(k))
                    raise ZygoteUnavailable(f"interpreter-level environment differs from the zygote's: {diff}")
                pid = await loop.run_in_executor(None, z.spawn, args, env, cwd)
            except ZygoteUnavailable as exc:
                self.fallback_reason = str(exc)
            else:
                self.process = ForkedProcess(pid)
                self.pid = self.pgid = pid  # the kernel called setsid(): its group is its pid
                self.cwd = cwd
                self.forked = True
                self.log.info("mbm-fork: kernel %s forked as pid %s", self.kernel_id, pid)
                return self.connection_info
        self.forked = False
        self.log.warning("mbm-fork: kernel %s launched normally: %s", self.kernel_id, self.fallback_reason)
        return await super().launch_kernel(cmd, **kwargs)

    _exit_code: int | None = None

    async def wait(self) -> int | None:
        ret = await super().wait()
        self._exit_code = ret
        return ret

    async def cleanup(self, restart: bool = False) -> None:
        """On a restart after the kernel failed (not a requested restart), take new ports.

        jupyter_client's LocalProvisioner keeps its cached ports across restarts, and the
        restarter's "new random ports" does nothing when the ports came from LocalPortCache (only
        ports written as 0 are forgotten). A kernel that died because one of its ports was taken
        meanwhile (another process; or an outgoing connection of the server itself, e.g. to a
        kernel that is still starting, got that ephemeral port) then fails again on every restart
        with "Address already in use". Seen here with 4 preheated kernels started at once.
        """
        failed = self._exit_code not in (None, 0, -signal.SIGTERM, -signal.SIGKILL, -signal.SIGINT)
        if restart and failed and self.ports_cached:
            await super().cleanup(restart=False)  # gives the ports back to LocalPortCache
            self.ports_cached = False
            km = self.parent
            if km is not None:
                km.cleanup_connection_file()  # rewritten with the new ports by pre_launch
            self.log.warning("mbm-fork: kernel %s exited with %s before a restart: new ports", self.kernel_id,
                             self._exit_code)
        else:
            await super().cleanup(restart=restart)
        self._exit_code = None

    async def get_provisioner_info(self) -> dict:
        info = await super().get_provisioner_info()
        info["forked"] = self.forked
        return info


def start_zygote(config, kernel_spec_manager, log, kernel_name: str = "python3") -> Zygote | None:
    """Start the zygote now (at server start) with the provisioner's configuration."""
    try:
        prov = ForkingProvisioner(config=config, kernel_spec=kernel_spec_manager.get_kernel_spec(kernel_name),
                                  log=log)
        z = prov._zygote()
        with z.start_lock:
            if not z.alive():
                z.start()
        return z
    except Exception as exc:  # never stop the server for this: kernels fall back to normal launches
        log.warning("mbm-fork: zygote not started at server start: %s", exc)
        return None

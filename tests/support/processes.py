"""Helpers for the processes the workbook starts (servers in tests and benchmarks): a free
loopback port, stopping a whole process group, walking a process tree in /proc, its memory
and CPU time, and a demo database made by the command line."""
from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port free on ``host`` right now."""
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def stop_group(proc: subprocess.Popen, timeout: float = 20) -> None:
    """Stop a process started with ``start_new_session=True`` and everything it started:
    SIGTERM to the group, SIGKILL after ``timeout`` seconds."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
    except ProcessLookupError:
        pass


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(d.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


def catches(pid: int, signum: int) -> bool:
    """Whether process ``pid`` has a handler for ``signum`` (SigCgt in /proc/PID/status)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("SigCgt:"):
                return bool(int(line.split()[1], 16) >> (signum - 1) & 1)
    except (OSError, ValueError):
        pass
    return False


def dump_stacks(pid: int) -> list[int]:
    """Ask every process under ``pid`` that prints its stacks on SIGUSR1 (the Voila child, the
    zygote, forked kernels: faulthandler) to do so now; the processes asked. Others are left
    alone (SIGUSR1 would end them)."""
    asked = [p for p in process_tree(pid) if catches(p, signal.SIGUSR1)]
    for p in asked:
        with contextlib.suppress(OSError):
            os.kill(p, signal.SIGUSR1)
    return asked


def tree_memory(pid: int) -> tuple[float, float, int]:
    """(RSS MiB, PSS MiB, processes) of a process and its descendants. Compare PSS: RSS counts
    pages shared between processes (forked kernels share most of theirs) once per process."""
    rss = pss = 0
    pids = process_tree(pid)
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1])
        except OSError:
            pass  # ended meanwhile
    return rss / 1024, pss / 1024, len(pids)


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process and its living descendants have used so far."""
    ticks = 0
    for p in process_tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])  # with reaped children
        except (OSError, IndexError, ValueError):
            pass
    return ticks / os.sysconf("SC_CLK_TCK")


def make_demo_db(folder: Path) -> str:
    """A SQLite database ``folder/demo.db`` with the schema and the demo countries, made by the
    workbook's own command line; returns its URL."""
    url = f"sqlite:///{folder / 'demo.db'}"
    env = {**os.environ, "WORKBOOK_DB_URL": url}
    for args in (["db", "upgrade"], ["demo", "--quiet"]):
        subprocess.run([sys.executable, "-m", "workbook.cli", *args], env=env, check=True, capture_output=True)
    return url

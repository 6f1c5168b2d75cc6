"""The forking provisioner's failure modes, checked one by one in a process of their own.

Run by ``tests/system/test_kernels.py`` (never imported): the process that starts forked kernels
becomes a child subreaper, a process-wide attribute that must not leak into the test session.
Prints one line per check, ``PASS|FAIL <name> :: <detail>``, and exits 0.

    python tests/support/kernel_lifecycle.py NOTEBOOKS_DIR
"""
from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from jupyter_client.connect import LocalPortCache
from jupyter_client.ioloop import AsyncIOLoopKernelManager
from jupyter_client.provisioning.factory import KernelProvisionerFactory
from traitlets.config import Config

from workbook.kernels.provisioner import Zygote, _stop_zygotes

CFG = Config({"ForkingProvisioner": {"extra_preload": ["workbook.pages"],
                                      "calls": ["workbook.framework:load_framework"]}})
CWD = sys.argv[1] if len(sys.argv) > 1 else os.getcwd()


def check(name: str, ok: bool, detail: str = "") -> None:
    print(f"{'PASS' if ok else 'FAIL'} {name} :: {detail}", flush=True)


def stat(pid: int):
    try:
        f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return {"state": f[0], "ppid": int(f[1]), "pgrp": int(f[2])}
    except OSError:
        return None


def gone(pid: int) -> bool:
    return stat(pid) is None


async def wait_until(pred, timeout: float, step: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        await asyncio.sleep(step)
    return pred()


async def run(kc, code: str, timeout: float = 60) -> tuple[dict, str]:
    out = []

    def hook(m):
        if m["msg_type"] == "stream":
            out.append(m["content"]["text"])
        elif m["msg_type"] == "error":
            out.append(m["content"]["ename"])
    reply = await kc.execute_interactive(code, timeout=timeout, output_hook=hook)
    return reply["content"], "".join(out)


async def start(autorestart: bool = False, config: Config = CFG):
    km = AsyncIOLoopKernelManager(kernel_name="python3", config=config, autorestart=autorestart)
    await km.start_kernel(cwd=CWD)
    kc = km.client()
    kc.start_channels()
    await kc.wait_for_ready(timeout=120)
    return km, kc


def zygote() -> Zygote:
    return next(z for z in Zygote._instances.values() if z.preload[-1:] == ("workbook.pages",))


async def main() -> int:
    KernelProvisionerFactory.instance().default_provisioner_name = "mbm-fork-provisioner"
    me = os.getpid()

    km, kc = await start()
    p = km.provisioner
    _, txt = await run(kc, "import os; print(os.getpid(), os.getppid(), os.getpgid(0), os.getsid(0))")
    pid, ppid, pgid, sid = map(int, txt.split())
    check("forked", p.forked and pid == p.pid and ppid == me and pgid == pid == sid,
          f"pid {pid} ppid {ppid} (server {me}) pgid {pgid} sid {sid}; {p.fallback_reason}")

    _, txt = await run(kc, textwrap.dedent("""
        import sys, os, json, random
        import numpy as np
        from workbook.store import db
        from ipykernel.kernelapp import IPKernelApp
        print(json.dumps({"np": float(np.random.random()), "rnd": random.random(),
              "engines": db._engine.cache_info().currsize, "mpl": "matplotlib" in sys.modules,
              "parent": IPKernelApp.instance().parent_handle, "cwd": os.getcwd(),
              "env": os.environ.get("JPY_PARENT_PID")}))
    """))
    a = json.loads(txt)
    km2, kc2 = await start()
    _, txt2 = await run(kc2, "import numpy as np, random; print(float(np.random.random()), random.random())")
    np2, rnd2 = map(float, txt2.split())
    check("random", a["np"] != np2 and a["rnd"] != rnd2, f"numpy {a['np']} vs {np2}; random {a['rnd']} vs {rnd2}")
    check("inherits-nothing", a["engines"] == 0 and not a["mpl"], f"engines {a['engines']}, matplotlib {a['mpl']}")
    check("watches-server", a["parent"] == me and a["env"] == str(me) and a["cwd"] == os.path.realpath(CWD),
          json.dumps(a))
    kc2.stop_channels()
    await km2.shutdown_kernel(now=True)

    t0 = time.monotonic()
    task = asyncio.create_task(run(kc, "import time; time.sleep(30)"))
    await asyncio.sleep(1.0)
    await km.interrupt_kernel()
    content, _ = await task
    check("interrupt", content.get("ename") == "KeyboardInterrupt" and time.monotonic() - t0 < 15,
          f"{content.get('ename')} after {time.monotonic() - t0:.1f} s")

    _, txt = await run(kc, "import subprocess; c = subprocess.Popen(['sleep', '1000']); print(c.pid)")
    child = int(txt)
    kc.stop_channels()
    await km.shutdown_kernel(now=False)
    ok = await wait_until(lambda: gone(pid) and gone(child), 10)
    check("shutdown", ok and await km.is_alive() is False, f"kernel {stat(pid)}, child {stat(child)}")

    km, kc = await start(autorestart=True)
    pid = km.provisioner.pid
    restarted = asyncio.Event()
    km.add_restart_callback(restarted.set, "restart")
    _, txt = await run(kc, "import subprocess; c = subprocess.Popen(['sleep', '1000']); print(c.pid)")
    child = int(txt)
    os.kill(pid, signal.SIGKILL)
    try:
        await asyncio.wait_for(restarted.wait(), 30)
    except TimeoutError:
        pass
    await wait_until(lambda: km.provisioner is not None and km.provisioner.pid != pid and km.provisioner.has_process,
                     30)
    check("crash-restart", restarted.is_set() and km.provisioner.pid != pid and km.provisioner.forked,
          f"old {pid}, new {km.provisioner.pid}")
    ok = await wait_until(lambda: gone(pid) and gone(child), 10)
    check("crash-leaves-nothing", ok, f"kernel {stat(pid)}, child {stat(child)}")
    kc.stop_channels()
    kc = km.client()
    kc.start_channels()
    await kc.wait_for_ready(timeout=60)
    _, txt = await run(kc, "print(1 + 1)")
    check("restarted-works", txt.strip() == "2", txt.strip())

    # a port taken between its choice and the kernel's bind: the restart must take new ports
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    busy = taken.getsockname()[1]
    cache = LocalPortCache.instance()
    real, calls = cache.find_available_port, {"n": 0}

    def first_busy(ip):
        calls["n"] += 1
        return busy if calls["n"] == 1 else real(ip)
    cache.find_available_port = first_busy
    kmp = AsyncIOLoopKernelManager(kernel_name="python3", config=CFG, autorestart=True)
    await kmp.start_kernel(cwd=CWD)
    cache.find_available_port = real
    ok = await wait_until(lambda: kmp.shell_port != busy, 30)
    kcp = kmp.client()
    kcp.start_channels()
    try:
        await kcp.wait_for_ready(timeout=60)
        _, txt = await run(kcp, "print('up')")
    except Exception as exc:  # noqa: BLE001 - reported as the check's detail
        txt = repr(exc)
    check("port-clash", ok and txt.strip() == "up", f"busy {busy} -> {kmp.shell_port}; {txt.strip()[:80]}")
    kcp.stop_channels()
    await kmp.shutdown_kernel(now=True)
    taken.close()

    old = km.provisioner.pid
    await km.restart_kernel(now=False)
    await kc.wait_for_ready(timeout=60)
    _, txt = await run(kc, "import os; print(os.getpid())")
    check("restart-kernel", gone(old) and int(txt) == km.provisioner.pid != old and km.provisioner.forked,
          f"old {old} -> new {txt.strip()}")
    running = km.provisioner.pid

    z = zygote()
    zpid = z.proc.pid
    os.kill(zpid, signal.SIGKILL)
    await asyncio.sleep(0.5)
    _, txt = await run(kc, "print('still here')")
    check("zygote-dies-kernels-live", txt.strip() == "still here" and stat(running)["ppid"] == me)
    km3, kc3 = await start()
    check("zygote-restarted", km3.provisioner.forked and zygote().proc.pid != zpid, f"new zygote {zygote().proc.pid}")

    bad = Config({"ForkingProvisioner": {"extra_preload": [], "calls": ["json:loads"]}})  # TypeError in the zygote
    kmb, kcb = await start(config=bad)
    check("zygote-fails-normal-launch", not kmb.provisioner.forked, kmb.provisioner.fallback_reason)

    z = zygote()
    for _ in range(3):
        if z.alive():
            os.kill(z.proc.pid, signal.SIGKILL)
            z.proc.wait()
        try:
            z.ensure(60)
        except Exception:  # noqa: BLE001 - the third death is refused: that is the point
            pass
    km4, kc4 = await start()
    check("zygote-gives-up", not km4.provisioner.forked, km4.provisioner.fallback_reason)
    z.deaths.clear()
    for k, c in ((km3, kc3), (km4, kc4), (km, kc), (kmb, kcb)):
        c.stop_channels()
        await k.shutdown_kernel(now=False)

    from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
    cfg = Config(CFG)
    cfg.MappingKernelManager.cull_idle_timeout = 2
    cfg.MappingKernelManager.cull_interval = 1
    cfg.MappingKernelManager.cull_connected = True
    mkm = AsyncMappingKernelManager(config=cfg)
    mkm.initialize_culler()
    kid = await mkm.start_kernel(kernel_name="python3", path=CWD)
    kpid, forked = mkm.get_kernel(kid).provisioner.pid, mkm.get_kernel(kid).provisioner.forked
    ok = await wait_until(lambda: kid not in mkm, 30, 0.5)
    check("culled", forked and ok and await wait_until(lambda: gone(kpid), 10), f"pid {kpid} state {stat(kpid)}")
    await mkm.shutdown_all()

    _stop_zygotes()
    await asyncio.sleep(0.5)
    check("zygote-stops-with-server", all(not z.alive() for z in Zygote._instances.values()))

    script = textwrap.dedent(f"""
        import asyncio
        from jupyter_client.ioloop import AsyncIOLoopKernelManager
        from jupyter_client.provisioning.factory import KernelProvisionerFactory
        from traitlets.config import Config
        from workbook.kernels.provisioner import Zygote
        async def main():
            KernelProvisionerFactory.instance().default_provisioner_name = "mbm-fork-provisioner"
            cfg = Config({json.dumps(CFG)})
            kms = []
            for _ in range(2):
                km = AsyncIOLoopKernelManager(kernel_name="python3", config=cfg)
                await km.start_kernel(cwd={CWD!r})
                kms.append(km)
            z = next(iter(Zygote._instances.values()))
            print(" ".join(str(k.provisioner.pid) for k in kms), z.proc.pid, flush=True)
            await asyncio.sleep(3600)
        asyncio.run(main())
    """)
    srv = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                           text=True, start_new_session=True)
    pids = list(map(int, srv.stdout.readline().split()))
    before = [not gone(p) for p in pids]
    os.kill(srv.pid, signal.SIGKILL)
    srv.wait()
    t0 = time.monotonic()
    ok = await wait_until(lambda: all(gone(p) or stat(p)["state"] == "Z" for p in pids), 15)
    check("server-killed-nothing-left", len(pids) == 3 and all(before) and ok,
          f"after {time.monotonic() - t0:.1f} s: {[stat(p) for p in pids]}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))

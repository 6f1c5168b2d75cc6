"""``mbm-warm``: papermill's nbclient engine with one kernel kept per worker thread.

The batch runs four pillar notebooks per country; starting a kernel and importing ``workbook``,
pandas and matplotlib in it costs more than running a notebook. This engine keeps the kernel
and resets its namespace between notebooks (a new session: execution counts start at 1 again,
imported modules stay imported). It is registered with papermill through the documented entry
point group ``papermill.engine`` (``pyproject.toml``), so an analyst can run it too::

    papermill --engine mbm-warm notebooks/administration.ipynb out.ipynb -p country XAT

or ``papermill.execute_notebook(..., engine_name="mbm-warm")``. The kernel is restarted when it
died, or when the kernel name, working folder, ``WORKBOOK_DB_URL`` or kernel arguments differ
from the ones it was started with; every warm kernel is stopped at exit.
"""
from __future__ import annotations

import atexit
import contextlib
import logging
import os
import threading
from pathlib import Path

from .jobs import WARM_ENGINE

# The kernel's own reset: a fresh namespace and execution count 1 (so the executed notebook
# numbers its cells as a cold run does); imported modules stay imported: that is the saving.
_RESET_CODE = "get_ipython().reset(new_session=True, aggressive=False)"
_warm = threading.local()


class WarmKernel:
    """A started kernel and its client, kept for the next notebook in this worker thread."""

    def __init__(self, key: tuple, km, kc):
        self.key, self.km, self.kc = key, km, kc
        self.notebooks = 0

    def alive(self) -> bool:
        from jupyter_core.utils import ensure_async, run_sync

        async def check():
            return await ensure_async(self.km.is_alive())
        try:
            return bool(run_sync(check)())
        except Exception:  # noqa: BLE001 - any doubt: start a new one
            return False

    def shutdown(self) -> None:
        from jupyter_core.utils import ensure_async, run_sync

        async def stop():
            with contextlib.suppress(Exception):
                self.kc.stop_channels()
            await ensure_async(self.km.shutdown_kernel(now=True))
            await ensure_async(self.km.cleanup_resources())
        try:
            run_sync(stop)()
        except Exception:  # noqa: BLE001 - the kernel also exits by itself when its parent goes
            with contextlib.suppress(Exception):
                self.km.provisioner.process.kill()


def shutdown_warm_kernel() -> None:
    """Stop this thread's warm kernel, if any (also run at exit)."""
    warm = getattr(_warm, "kernel", None)
    _warm.kernel = None
    if warm is not None:
        warm.shutdown()


def _shutdown_all_at_exit(kernels: list, timeout: float = 10) -> None:
    # each in a thread of its own, with a time limit: an exit must never wait on an event loop
    # that something else left behind; a kernel that does not stop in time is killed
    for k in kernels:
        t = threading.Thread(target=k.shutdown, daemon=True, name="mbm-kernel-shutdown")
        t.start()
        t.join(timeout)
        if t.is_alive():
            with contextlib.suppress(Exception):
                k.km.provisioner.process.kill()


_ALL_WARM: list[WarmKernel] = []


def _define_engine() -> type:
    """The engine class. It is defined on first use, not when this module is imported: papermill
    imports this module while it loads its engines' entry points, and the class derives from one of
    papermill's, so either may be imported first."""
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine
    from papermill.utils import merge_kwargs, remove_args

    class WarmKernelEngine(NBClientEngine):
        """papermill's nbclient engine with one kernel kept per worker thread.

        Before each notebook but the first, the kernel's namespace is reset (a new session:
        execution counts start at 1 again); the kernel is restarted when it died, or when the
        kernel name, working folder, ``WORKBOOK_DB_URL`` or kernel arguments differ from the
        ones it was started with.
        """

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                     stderr_file=None, start_timeout=60, execution_timeout=None, **kwargs):
            from jupyter_core.utils import ensure_async, run_sync
            kwargs = remove_args(["input_path"], **kwargs)
            safe_kwargs = remove_args(["timeout", "startup_timeout"], **kwargs)
            final_kwargs = merge_kwargs(safe_kwargs, timeout=execution_timeout or kwargs.get("timeout"),
                                        startup_timeout=start_timeout, kernel_name=kernel_name,
                                        log=logging.getLogger("papermill"), log_output=log_output,
                                        stdout_file=stdout_file, stderr_file=stderr_file)
            key = (kernel_name, os.getcwd(), os.environ.get("WORKBOOK_DB_URL"),
                   tuple(final_kwargs.get("extra_arguments") or ()))
            warm = getattr(_warm, "kernel", None)
            if warm is not None and (warm.key != key or not warm.alive()):
                shutdown_warm_kernel()
                warm = None
            client = PapermillNotebookClient(nb_man, km=warm.km if warm else None, **final_kwargs)
            if warm is not None:
                client.kc = warm.kc

                async def reset():
                    msg_id = await ensure_async(client.kc.execute(_RESET_CODE, silent=True, store_history=False))
                    await client.async_wait_for_reply(msg_id)
                run_sync(reset)()
            try:
                nb = client.execute(cleanup_kc=False)
            except BaseException:
                # a kernel that failed mid-run (dead, timed out) is not trusted again
                if warm is None and client.km is not None:
                    WarmKernel(key, client.km, client.kc).shutdown()
                else:
                    shutdown_warm_kernel()
                raise
            if warm is None:
                warm = WarmKernel(key, client.km, client.kc)
                _warm.kernel = warm
                _ALL_WARM.append(warm)
            warm.notebooks += 1
            return nb

    WarmKernelEngine.__qualname__ = "WarmKernelEngine"  # as papermill and tracebacks name it
    return WarmKernelEngine


def __getattr__(name: str):
    if name == "WarmKernelEngine":
        globals()[name] = engine = _define_engine()
        return engine
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def register() -> None:
    """Make sure papermill knows ``mbm-warm``: installed, the entry point registers it; run from a
    source tree that was not installed, this does (idempotent)."""
    from papermill.engines import papermill_engines
    from papermill.exceptions import PapermillException
    try:
        papermill_engines.get_engine(WARM_ENGINE)
    except PapermillException:
        papermill_engines.register(WARM_ENGINE, __getattr__("WarmKernelEngine"))


#: What the report builder's warm kernel imports before the first notebook (what the pillar notebooks
#: and the batch charts import).
WARM_UP_CODE = ("import workbook.pages, workbook.present.charts, matplotlib\n"
                "from matplotlib.figure import Figure\nfrom matplotlib.backends import backend_svg")


def warm_up(extra_arguments: list[str] | tuple[str, ...] = ()) -> None:
    """Start this thread's warm kernel now and import what the pillar notebooks need in it, so
    that the first notebook run does not pay for it (the report builder calls this at start)."""
    import tempfile

    import nbformat
    import papermill as pm
    register()
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"},
                                            "language_info": {"name": "python"}})
    nb.cells = [nbformat.v4.new_code_cell(WARM_UP_CODE)]
    with tempfile.TemporaryDirectory(prefix="mbm-warm-") as tmp:
        src, out = Path(tmp) / "warm.ipynb", Path(tmp) / "warm-out.ipynb"
        nbformat.write(nb, src)
        pm.execute_notebook(str(src), str(out), progress_bar=False, engine_name=WARM_ENGINE,
                            extra_arguments=list(extra_arguments))


atexit.register(_shutdown_all_at_exit, _ALL_WARM)

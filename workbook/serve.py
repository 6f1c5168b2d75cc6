"""Serve the notebooks as a Voila app: ``workbook serve``.

Voila runs as a child process of the same Python, on the notebooks folder, with our ``mbm``
template (found through ``JUPYTER_PATH``), template and theme overrides disabled, idle kernels
culled and a time limit on each notebook's execution. The database URL reaches the kernels
through the environment (``WORKBOOK_DB_URL``), never through a page address.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import webbrowser
from dataclasses import dataclass

from . import config, db

TEMPLATE = "mbm"
HOME_PATH = "voila/render/home.ipynb"


@dataclass(frozen=True)
class ServeSettings:
    """Server settings that are not per-run arguments; each says why it has its value."""

    #: Shut down kernels idle (no execution, no open page) this long, in seconds.
    cull_idle_timeout: int = 900
    #: How often to look for idle kernels, in seconds.
    cull_interval: int = 60
    #: Longest time one notebook cell may run while a page renders, in seconds.
    execute_timeout: int = 120
    #: Lab extensions loaded in pages: only the widget managers (both are needed for ipywidgets 8
    #: in Voila 0.5). Other installed extensions (test tools) stay out: less to load and to trust.
    extensions: tuple[str, ...] = ("@jupyter-widgets/jupyterlab-manager", "@voila-dashboards/widgets-manager8")


def url_for(host: str, port: int, path: str = HOME_PATH) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/{path}"


def voila_command(host: str = "127.0.0.1", port: int = 8866, settings: ServeSettings = ServeSettings()) -> list[str]:
    """The Voila command line (no secrets in it: the database URL goes in the environment)."""
    cmd = [
        sys.executable, "-m", "voila", str(config.notebooks_dir()),
        "--no-browser",
        f"--Voila.ip={host}",
        f"--Voila.port={port}",
        "--Voila.port_retries=0",  # fail on a busy port rather than serve on a URL we did not print
        f"--template={TEMPLATE}",
        "--VoilaConfiguration.allow_template_override=NO",
        "--VoilaConfiguration.allow_theme_override=NO",
        "--VoilaConfiguration.show_tracebacks=False",
        "--VoilaConfiguration.file_denylist=.*",  # the notebooks folder serves no files
        f"--MappingKernelManager.cull_idle_timeout={settings.cull_idle_timeout}",
        f"--MappingKernelManager.cull_interval={settings.cull_interval}",
        "--MappingKernelManager.cull_connected=False",
        f"--VoilaExecutor.timeout={settings.execute_timeout}",
    ]
    cmd += [f"--VoilaConfiguration.extension_allowlist={name}" for name in settings.extensions]
    return cmd


def voila_env(db_url: str | None = None, base: dict | None = None) -> dict[str, str]:
    """The child's environment: our template folder first on ``JUPYTER_PATH``, the database URL."""
    env = dict(os.environ if base is None else base)
    paths = [str(config.templates_dir())] + [p for p in env.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    env["JUPYTER_PATH"] = os.pathsep.join(dict.fromkeys(paths))
    env["WORKBOOK_DB_URL"] = config.db_url(db_url)
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def wait_until_up(url: str, timeout: float = 60.0, proc: subprocess.Popen | None = None) -> bool:
    """Poll ``url`` until it answers (any HTTP status), the process exits, or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=2):
                return True
        except urllib.error.HTTPError as exc:
            exc.close()
            return True
        except OSError:
            time.sleep(0.2)
    return False


def _stop(proc: subprocess.Popen, grace: float = 10.0) -> int:
    if proc.poll() is None:
        proc.terminate()
        try:
            return proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
    return proc.wait()


def serve(host: str = "127.0.0.1", port: int = 8866, open_browser: bool = False, *,
          db_url: str | None = None) -> int:
    """Run the Voila app until Ctrl-C or SIGTERM; return Voila's exit status (0 when stopped).

    Parameters
    ----------
    host : str
        Address to bind; the loopback default keeps the app on this machine.
    port : int
    open_browser : bool
        Open the home page in the default browser once the server answers.
    db_url : str, optional
        Default: ``WORKBOOK_DB_URL`` or the embedded SQLite file. Checked before starting.
    """
    url = config.db_url(db_url)
    db.check_schema(db.get_engine(url))  # a clear error now, not in every page later
    home = url_for(host, port)
    proc = subprocess.Popen(voila_command(host, port), env=voila_env(url))
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _raise_stop)
    print(f"MBM assessment workbook: {home}", flush=True)
    try:
        if open_browser and wait_until_up(home.rsplit("/voila/", 1)[0] + "/", proc=proc):
            webbrowser.open(home)
        return proc.wait()
    except KeyboardInterrupt:
        # The terminal sent SIGINT to Voila too; give it time to shut its kernels down.
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            pass  # stopped below
        print("MBM assessment workbook: stopped", flush=True)
        return 0
    except _Stop:
        return 0  # Voila is stopped below
    finally:
        _stop(proc)
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


class _Stop(Exception):
    """SIGTERM arrived: stop Voila outside the signal handler (never wait inside one)."""


def _raise_stop(_signum, _frame):
    raise _Stop()

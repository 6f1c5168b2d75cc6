"""Serve the notebooks as a Voila app: ``workbook serve``.

Voila runs as a child process of the same Python (``python -m workbook.serve``, a thin subclass of
Voila's application, see :func:`main`), on the notebooks folder, with our ``mbm`` template (found
through ``JUPYTER_PATH``). What the child enforces, and where each setting lives:

* **Who may connect.** Bound to loopback by default. Any other address needs a token or a hashed
  password (Jupyter server's own ``IdentityProvider``): :func:`check_exposure` refuses to start
  without one. Secrets never appear on a command line (``ps`` shows every user's): the token
  comes from a file (``--token-file``, mode 0600) or ``WORKBOOK_TOKEN``, reaches the child in a
  private environment variable that the child removes before any kernel starts, and is never
  printed, logged or written to a file.
* **Who someone is** (``--accounts workbook``): each person signs in with their own account on
  our sign-in page (:mod:`workbook.store.accounts`: argon2id, lock-out, sessions that expire);
  the form carries tornado's CSRF token, the session cookie is HttpOnly and SameSite=Strict
  (Secure off loopback or behind TLS). Each page's kernel receives the account signed with a key
  only the server and its kernels have (the ``X-Workbook-Identity`` header, which the server
  sets after dropping the browser's, reaches the kernel as ``access.IDENTITY_ENV``), and only
  that person reaches the kernel (:class:`KernelOwners` in the child). See docs/deployment.md.
* **What is served.** Pages rendered from the notebooks, Voila's static assets, and the files a
  page handed over for download (:mod:`workbook.transfer`: checked, behind a random token, for a
  logged-in visitor, always as an attachment), nothing else: template and theme overrides off, no
  other files (``file_denylist=.*``: not the notebooks' source, the database, nor ``outputs/``),
  no contents API (the folder listing is removed).
* **Limits.** Request bodies, buffers and websocket messages are capped (:class:`ServeSettings`);
  idle kernels are culled; each cell has an execution time limit.
* **Kernels forked from a warm process** (:mod:`workbook.kernels`; ``--no-fork`` to start each
  kernel the normal way): a page's kernel costs about 0.1 CPU-second instead of 1.75, and shares
  the imported code with the others.
* **Preheated kernels** (``--preheat N``): N kernels per pillar notebook wait, with the
  notebook's imports done, for the next visitor. The page address reaches them through
  ``voila.utils.get_query_string()`` (``workbook.pages.address.request_parameters``). The cell that waits for
  the visitor has no time limit (the limit would otherwise break every pooled page after
  ``execute_timeout`` seconds of quiet); every other cell keeps it.

The database URL reaches the kernels through the environment (``WORKBOOK_DB_URL``), never
through a page address.
"""
from __future__ import annotations

import atexit
import functools
import ipaddress
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import webbrowser
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlencode

from . import config
from .store import db
from .errors import WorkbookError

TEMPLATE = "mbm"
HOME_PATH = "voila/render/home.ipynb"
#: Where ``workbook serve`` reads a token or a hashed password when no file is given.
TOKEN_ENV = "WORKBOOK_TOKEN"
PASSWORD_HASH_ENV = "WORKBOOK_PASSWORD_HASH"
#: How the secrets reach the Voila child: private names, removed by the child before kernels start.
_CHILD_TOKEN_ENV = "_WORKBOOK_SERVE_TOKEN"
_CHILD_PASSWORD_HASH_ENV = "_WORKBOOK_SERVE_PASSWORD_HASH"
#: Variables that would give a secret to the Voila process or its kernels; never passed on.
_SECRET_ENV = (TOKEN_ENV, PASSWORD_HASH_ENV, "JUPYTER_TOKEN", "JUPYTER_TOKEN_FILE", _CHILD_TOKEN_ENV,
               _CHILD_PASSWORD_HASH_ENV)
MIN_TOKEN_LENGTH = 16
#: Preheated kernels per pillar notebook unless told otherwise (see docs/deployment.md for the
#: measurements: the first visitor of a pillar page gets it in about half the time).
DEFAULT_PREHEAT = 1
#: Cells that read the page address; in a preheated kernel they wait for a visitor.
WAITS_FOR_REQUEST = re.compile(
    r"\b(open_pillar|open_home|open_mission|open_results|open_roadmap|resolve_parameters|request_parameters"
    r"|get_query_string|wait_for_request)\s*\(")
MiB = 1024 * 1024
#: The kernel provisioner of :mod:`workbook.kernels` (its entry point name in ``pyproject.toml``).
FORK_PROVISIONER = "mbm-fork-provisioner"
#: How often the server reaps orphaned zombies (it adopts them as the forked kernels' subreaper), s.
REAP_SECONDS = 10
#: ``--accounts``: ``workbook``, the server's own accounts (:mod:`workbook.store.accounts`).
ACCOUNT_MODES = ("workbook",)
#: The cookie of a signed-in browser: the session's random token (the database keeps its SHA-256).
SESSION_COOKIE = "mbm-session"
#: Refused sign-ins from one client address within ``CLIENT_WINDOW`` seconds after which every
#: sign-in from it is refused unchecked until the window has passed (guessing across accounts;
#: each account also locks itself, :data:`workbook.store.accounts.MAX_FAILURES`).
CLIENT_FAILURES = 20
CLIENT_WINDOW = 15 * 60


class ServeError(WorkbookError):
    """The server cannot start as asked (an exposed address without authentication, a bad secret)."""


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
    #: Largest request body, in bytes. Only the login form posts anything (widget edits travel
    #: over the websocket), so 1 MiB is generous; tornado's default is 100 MB.
    max_body_size: int = 1 * MiB
    #: Largest amount of one request or websocket frame held in memory, in bytes (a websocket
    #: message must fit: see ``websocket_max_message_size``; request bodies stop at ``max_body_size``).
    max_buffer_size: int = 10 * MiB
    #: Largest websocket message from a browser, in bytes. Widget updates are a few KB (notes are
    #: capped at 10,000 characters); an uploaded file travels in one message, so the limit is the
    #: upload limit (``workbook.transfer.MAX_UPLOAD``, 8 MiB) and 1 MiB; tornado's default is 10 MiB.
    websocket_max_message_size: int = 9 * MiB
    #: Close a keep-alive connection idle this long, and a request body not received in
    #: ``body_timeout``, in seconds (slow clients hold no connection for tornado's default hour).
    idle_connection_timeout: int = 120
    body_timeout: int = 60


# -- addresses and exposure --------------------------------------------------------------------------
def url_for(host: str, port: int, path: str = HOME_PATH) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/{path}"


def is_loopback(host: str) -> bool:
    """True only for addresses that other machines cannot reach (``localhost``, 127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # "" (every interface) or a host name: assume reachable


def _request_info_host(host: str) -> str:
    """Where a preheated kernel finds the server to wait for its visitor (``VOILA_APP_IP``)."""
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


@dataclass(frozen=True)
class Credentials:
    """What a visitor must present. Never printed: ``repr`` hides the values."""

    token: str = ""
    password_hash: str = ""

    def __bool__(self) -> bool:
        return bool(self.token or self.password_hash)

    def __repr__(self) -> str:
        token, password_hash = ("***" if v else None for v in (self.token, self.password_hash))
        return f"Credentials(token={token}, password_hash={password_hash})"


def _read_secret_file(path: str | os.PathLike, what: str) -> str:
    p = Path(path)
    try:
        mode = p.stat().st_mode
        text = p.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ServeError(f"{what} file {p}: cannot read it ({exc.strerror})") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ServeError(f"{what} file {p}: other users can read it (mode {stat.filemode(mode)}); "
                         f"run `chmod 600 {p}`")
    if not text or "\n" in text:
        raise ServeError(f"{what} file {p}: expected one line, found {'nothing' if not text else 'several lines'}")
    return text


def read_credentials(token_file: str | os.PathLike | None = None,
                     password_hash_file: str | os.PathLike | None = None,
                     environ: Mapping[str, str] | None = None) -> Credentials:
    """The token and hashed password for the server: from the files if given, else the environment.

    A token must have at least :data:`MIN_TOKEN_LENGTH` characters (make one with
    ``python -c "import secrets; print(secrets.token_urlsafe(32))"``). A password is given as a
    hash, never in clear (make one with ``python -c "from jupyter_server.auth import passwd;
    print(passwd())"``).
    """
    env = os.environ if environ is None else environ
    token = _read_secret_file(token_file, "token") if token_file else env.get(TOKEN_ENV, "").strip()
    pw = (_read_secret_file(password_hash_file, "password hash") if password_hash_file
          else env.get(PASSWORD_HASH_ENV, "").strip())
    where = str(token_file) if token_file else TOKEN_ENV
    if token and (len(token) < MIN_TOKEN_LENGTH or any(c.isspace() for c in token)):
        raise ServeError(f"token from {where}: use at least {MIN_TOKEN_LENGTH} characters without spaces, e.g. "
                         '`python -c "import secrets; print(secrets.token_urlsafe(32))"`')
    if pw and not re.fullmatch(r"(argon2:\$argon2\w*\$\S+|sha1:[0-9a-f]+:[0-9a-f]{40})", pw):
        raise ServeError(f"password hash from {password_hash_file or PASSWORD_HASH_ENV}: not a Jupyter password "
                         'hash; make one with `python -c "from jupyter_server.auth import passwd; print(passwd())"`')
    return Credentials(token, pw)


def check_accounts(accounts: str, credentials: Credentials) -> None:
    """An accounts mode we know, and not together with the one-token login (two ways in would mean
    that whoever has the token is nobody in particular)."""
    if accounts and accounts not in ACCOUNT_MODES:
        raise ServeError(f"--accounts {accounts}: expected one of {', '.join(ACCOUNT_MODES)}")
    if accounts and credentials:
        raise ServeError(f"--accounts {accounts}: each person signs in with their own account; remove the token or "
                         f"password hash ({TOKEN_ENV}, {PASSWORD_HASH_ENV}, --token-file, --password-hash-file)")


def check_exposure(host: str, credentials: Credentials, accounts: str = "") -> None:
    """Refuse to serve an address other machines can reach without accounts, a token or a password."""
    check_accounts(accounts, credentials)
    if not is_loopback(host) and not credentials and not accounts:
        shown = host or "every interface"
        raise ServeError(
            f"refusing to serve on {shown} without authentication: anyone who can reach this machine could "
            f"read and change assessments. Give a token (--token-file FILE with mode 0600, or {TOKEN_ENV}) or a "
            f"hashed password ({PASSWORD_HASH_ENV}), or sign people in with their accounts (--accounts workbook); or "
            "bind to 127.0.0.1 and put an authenticating proxy in front.")


# -- the server's private folder -------------------------------------------------------------------
RUNTIME_PREFIX = "mbm-workbook-"


def make_runtime_dir() -> Path:
    """A private folder (mode 0700) for one run of the server, given to its kernels as
    ``WORKBOOK_RUNTIME``: shared snapshots, files handed over for download, the report builder's
    socket. Folders left by servers that were killed are removed first."""
    for old in Path(tempfile.gettempdir()).glob(f"{RUNTIME_PREFIX}*"):
        pid = old.name[len(RUNTIME_PREFIX):].split("-", 1)[0]
        try:
            ours = old.is_dir() and not old.is_symlink() and old.stat().st_uid == os.getuid()
        except OSError:
            continue
        if ours and pid.isdigit() and not Path(f"/proc/{pid}").exists():
            shutil.rmtree(old, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f"{RUNTIME_PREFIX}{os.getpid()}-"))


# -- the Voila child -------------------------------------------------------------------------------
def preheated_notebooks() -> tuple[str, ...]:
    """Notebooks that get preheated kernels: the pillar pages, which read their address first.

    The home page is left out: it does not wait for its visitor, so a preheated home page would
    show the list of assessments as it was when its kernel started.
    """
    return tuple(sorted(config.PILLAR_NOTEBOOKS.values()))


def voila_command(host: str = "127.0.0.1", port: int = 8866, settings: ServeSettings = ServeSettings(), *,
                  preheat: int = 0, trust_proxy_headers: bool = False, fork: bool = True,
                  builder: bool = True, accounts: str = "") -> list[str]:
    """The command line of the Voila child. No secrets in it: ``ps`` shows it to every user.

    Parameters
    ----------
    host, port : address to bind.
    settings : limits and timeouts.
    preheat : int
        Kernels kept ready per pillar notebook (0: a kernel starts when a page is asked for).
    trust_proxy_headers : bool
        Take the client address and scheme from ``X-Forwarded-*`` headers (behind a TLS proxy: the
        login cookie is then marked ``Secure``). Off when clients connect directly: they could
        claim any address.
    fork : bool
        Fork kernels from a warm process (:mod:`workbook.kernels`) instead of starting each one.
    builder : bool
        Build reports in the report builder (:mod:`workbook.batch.service`), started on the first
        report asked for and stopped after ``WORKBOOK_BUILDER_IDLE`` seconds without one; without
        it the pages build reports in their own kernels (the first one slowly).
    accounts : str
        ``"workbook"``: every person signs in with their own account (:data:`ACCOUNT_MODES`);
        ``""``: the token or password login, or nothing on loopback.
    """
    s = settings
    resources = {"mbm_lang": config.language(), **({"mbm_accounts": accounts} if accounts else {})}
    cmd = [
        sys.executable, "-m", "workbook.serve", str(config.notebooks_dir()),
        "--no-browser",
        f"--Voila.ip={host}",
        f"--Voila.port={port}",
        "--Voila.port_retries=0",  # fail on a busy port rather than serve on a URL we did not print
        f"--template={TEMPLATE}",
        "--VoilaConfiguration.allow_template_override=NO",
        "--VoilaConfiguration.allow_theme_override=NO",
        "--VoilaConfiguration.show_tracebacks=False",
        "--VoilaConfiguration.file_denylist=.*",  # the notebooks folder serves no files
        # the pages' default language (WORKBOOK_LANG) for the template's <html lang dir> (lang= wins)
        f"--VoilaConfiguration.resources={json.dumps(resources)}",
        f"--MappingKernelManager.cull_idle_timeout={s.cull_idle_timeout}",
        f"--MappingKernelManager.cull_interval={s.cull_interval}",
        "--MappingKernelManager.cull_connected=False",
        f"--VoilaExecutor.timeout={s.execute_timeout}",
        # A token login could otherwise set a password, written to a config file in the cwd.
        "--PasswordIdentityProvider.allow_password_change=False",
        f"--WorkbookVoila.max_body_size={s.max_body_size}",
        f"--WorkbookVoila.max_buffer_size={s.max_buffer_size}",
        f"--WorkbookVoila.websocket_max_message_size={s.websocket_max_message_size}",
        f"--WorkbookVoila.idle_connection_timeout={s.idle_connection_timeout}",
        f"--WorkbookVoila.body_timeout={s.body_timeout}",
        f"--WorkbookVoila.trust_proxy_headers={trust_proxy_headers}",
        f"--WorkbookVoila.report_builder={builder}",
    ]
    if accounts:
        cmd.append(f"--WorkbookVoila.accounts={accounts}")
    if fork:
        cmd.append(f"--KernelProvisionerFactory.default_provisioner_name={FORK_PROVISIONER}")
    if preheat > 0:
        cmd += ["--preheat_kernel=True", f"--pool_size={preheat}"]
        cmd += [f"--WorkbookVoila.preheat_notebooks={name}" for name in preheated_notebooks()]
    cmd += [f"--VoilaConfiguration.extension_allowlist={name}" for name in settings.extensions]
    return cmd


def voila_env(db_url: str | None = None, base: Mapping[str, str] | None = None,
              credentials: Credentials = Credentials(), host: str = "127.0.0.1") -> dict[str, str]:
    """The child's environment: our template folder first on ``JUPYTER_PATH``, the database URL,
    and the secrets under private names (the child removes them before starting kernels).

    Secrets of the caller's environment (``WORKBOOK_TOKEN``, ``JUPYTER_TOKEN`` ...) are not
    passed on: kernels inherit the server's environment.
    """
    env = {k: v for k, v in (os.environ if base is None else base).items() if k not in _SECRET_ENV}
    paths = [str(config.templates_dir())] + [p for p in env.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    env["JUPYTER_PATH"] = os.pathsep.join(dict.fromkeys(paths))
    env["WORKBOOK_DB_URL"] = config.db_url(db_url)
    # Kernels run in the notebooks folder: a relative outputs folder would put the files made on
    # the results page there; resolved here, the pages, the report builder and `workbook batch`
    # run from the same folder all use one.
    env["WORKBOOK_OUTPUTS"] = str(Path(env.get("WORKBOOK_OUTPUTS") or "outputs").resolve())
    env["VOILA_APP_IP"] = _request_info_host(host)
    env.setdefault("PYTHONUNBUFFERED", "1")
    # One BLAS thread: many kernels share few cores, and the zygote must have a single thread to
    # fork safely (OpenBLAS starts a worker thread when numpy is imported otherwise).
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    if credentials.token:
        env[_CHILD_TOKEN_ENV] = credentials.token
    if credentials.password_hash:
        env[_CHILD_PASSWORD_HASH_ENV] = credentials.password_hash
    return env


def cell_timeout(timeout: int | None):
    """``VoilaExecutor.timeout_func`` for preheated kernels: no limit on the cell that waits for
    the visitor (it may wait for hours), ``timeout`` seconds for every other cell."""
    def timeout_for(cell) -> int | None:
        return None if WAITS_FOR_REQUEST.search(cell.get("source", "")) else timeout
    return timeout_for


DOWNLOAD_PATH = r"/mbm/download/([A-Za-z0-9_-]{43})/([^/]+)"
DOWNLOAD_CHUNK = 256 * 1024
#: Where a preheated kernel of a server with accounts asks for its visitor's request (Voila's
#: ``/voila/query/<kernel>`` behind a random path segment that only the server and its kernels know).
KERNEL_QUERY_PREFIX = "/mbm-kernel-query"


def safe_next(target: str, base_url: str = "/") -> str:
    """Where to go after signing in: a path of this server (never another host, never the sign-in
    or sign-out page), else the home page."""
    home = base_url + HOME_PATH
    if (not isinstance(target, str) or not target.startswith(base_url) or target.startswith(("//", "/\\"))
            or len(target) > 2000 or any(c in target for c in "\\\r\n\t") or "://" in target.split("?", 1)[0]):
        return home
    path = target.split("?", 1)[0]
    if path in (base_url + "login", base_url + "logout"):
        return home
    return target


class ClientThrottle:
    """Refused sign-ins per client address: after ``limit`` of them within ``window`` seconds,
    :meth:`blocked` is True for that address until the oldest has aged out."""

    def __init__(self, limit: int = CLIENT_FAILURES, window: float = CLIENT_WINDOW, clock=time.monotonic):
        self.limit, self.window, self.clock = limit, window, clock
        self._failures: dict[str, list[float]] = {}

    def _recent(self, client: str) -> list[float]:
        now = self.clock()
        recent = [t for t in self._failures.get(client, ()) if now - t < self.window]
        if recent:
            self._failures[client] = recent
        else:
            self._failures.pop(client, None)
        return recent

    def blocked(self, client: str) -> bool:
        return len(self._recent(client)) >= self.limit

    def failed(self, client: str) -> None:
        if len(self._failures) > 10_000:  # many addresses: forget those with nothing recent
            for old in list(self._failures):
                self._recent(old)
        self._failures.setdefault(client, []).append(self.clock())


class _SharedBytecode:
    """Jinja bytecode kept in memory for the server's life, shared by every page render.

    Voila makes a new exporter, so a new Jinja environment, for each page it renders, and each
    compiled the page templates again: about 0.27 CPU-s of the event loop's time per page here
    (py-spy, a burst of six), in a burst the largest single share of the server's work. With this
    cache each template is compiled once; Jinja still reads its source and recompiles a template
    whose checksum changed."""

    def __init__(self):
        from jinja2 import BytecodeCache

        class Cache(BytecodeCache):
            def __init__(self):
                self.codes: dict[str, bytes] = {}

            def load_bytecode(self, bucket):
                if bucket.key in self.codes:
                    bucket.bytecode_from_string(self.codes[bucket.key])

            def dump_bytecode(self, bucket):
                self.codes[bucket.key] = bucket.bytecode_to_string()
        self.cache = Cache()

    def install(self) -> None:
        """Give Voila's exporters this cache (once per process)."""
        from voila.exporter import VoilaExporter
        if getattr(VoilaExporter, "_mbm_bytecode", None) is not None:
            return
        create, cache = VoilaExporter._create_environment, self.cache

        def _create_environment(exporter):
            environment = create(exporter)
            environment.bytecode_cache = cache
            return environment
        VoilaExporter._create_environment = _create_environment
        VoilaExporter._mbm_bytecode = cache


def _voila_app_class():
    """Voila's application with our limits; imported only in the child (Voila is slow to import)."""
    import datetime as dt
    import secrets

    import jinja2
    from jupyter_server.auth.decorator import allow_unauthenticated
    from jupyter_server.auth.identity import IdentityProvider, User
    from jupyter_server.base.handlers import JupyterHandler
    from jupyter_server.utils import url_path_join
    from sqlalchemy.orm import Session
    from tornado import web
    from tornado.ioloop import IOLoop
    from traitlets import Bool, Integer, List, Unicode
    from voila.app import Voila
    from jupyter_server.services.kernels.handlers import KernelHandler
    from jupyter_server.utils import ensure_async
    from voila.request_info_handler import RequestInfoSocketHandler
    from voila.shutdown_kernel_handler import VoilaShutdownKernelHandler
    from voila.tornado.contentshandler import VoilaContentsHandler
    from voila.tornado.handler import TornadoVoilaHandler
    from voila.tornado.kernel_websocket_handler import VoilaKernelWebsocketHandler

    from . import transfer
    from .store import access, accounts

    def accounts_on(handler) -> bool:
        return bool(handler.settings.get("mbm_accounts"))

    def session_actor(handler) -> access.Actor | None:
        """The account of the request's session cookie (an open, unexpired session of an active
        account), looked up once per request; None when there is none."""
        if not hasattr(handler, "_mbm_actor"):
            token = handler.get_cookie(SESSION_COOKIE)
            handler._mbm_actor = accounts.session_of_token(db.get_engine(config.db_url()), token) if token else None
        return handler._mbm_actor

    async def in_thread(fn, *args, **kwargs):
        """Hashing a password (argon2, ~0.1 s and 64 MiB) and database writes, off the event loop."""
        return await IOLoop.current().run_in_executor(None, functools.partial(fn, *args, **kwargs))

    @functools.cache
    def signin_template() -> jinja2.Template:
        folders = [config.templates_dir() / "signin", config.templates_dir() / "voila" / "templates" / TEMPLATE]
        env = jinja2.Environment(loader=jinja2.FileSystemLoader([str(f) for f in folders]), autoescape=True)
        return env.get_template("signin.html.j2")

    class KernelOwners:
        """With accounts, whose page each kernel serves (the account in the signed identity it was
        given), so that only that person reaches it: its websocket, its API, its shutdown. A kernel
        id leaks easily (it is in the page); knowing it must not let anyone else drive the page's
        widgets, which would act as its owner."""

        def __init__(self, key: bytes):
            self.key, self.owners = key, {}

        def note(self, kernel_id: str, token) -> None:
            try:
                self.owners[kernel_id] = access.verify_identity(self.key, token)[0]
            except access.SessionEnded:
                self.owners.pop(kernel_id, None)

        def watch(self, kernel_manager) -> None:
            """Note the owner when a kernel starts for a page (the identity in its environment) or a
            preheated kernel is given to its visitor (the identity in the request Voila sends it)."""
            start, send = kernel_manager.start_kernel, RequestInfoSocketHandler.send_updates

            async def start_kernel(*args, **kwargs):
                kernel_id = await ensure_async(start(*args, **kwargs))
                self.note(kernel_id, (kwargs.get("env") or {}).get(access.IDENTITY_ENV))
                return kernel_id

            def send_updates(msg):
                self.note(msg["kernel_id"], msg["payload"].get(access.IDENTITY_ENV))
                return send(msg)
            kernel_manager.start_kernel = start_kernel
            RequestInfoSocketHandler.send_updates = send_updates

        def guard(self, handler_class):
            """``handler_class`` answering 404 for a kernel that is not the signed-in person's."""
            owners = self.owners

            class Owned(handler_class):
                async def prepare(self, *args, **kwargs):
                    await ensure_async(super().prepare(*args, **kwargs))
                    kernel_id = self.path_kwargs.get("kernel_id") or (self.path_args[0] if self.path_args else "")
                    if self.current_user and owners.get(kernel_id) != self.current_user.username:
                        raise web.HTTPError(404)
            Owned.__name__ = f"Owned{handler_class.__name__}"
            return Owned

    class AccountsIdentityProvider(IdentityProvider):
        """``--accounts workbook``: a request is from the account of its session cookie
        (:func:`workbook.store.accounts.session_of_token`), or from nobody (pages then redirect to
        the sign-in page, API calls and websockets answer 403). No token, no anonymous access."""

        @property
        def auth_enabled(self) -> bool:
            return True

        @property
        def login_available(self) -> bool:
            return True

        def get_user(self, handler):
            actor = session_actor(handler)
            return None if actor is None else User(username=actor.username, name=actor.name,
                                                   display_name=actor.name)

        def get_handlers(self):
            return [(r"/login", SignInHandler), (r"/logout", SignOutHandler)]

        def is_token_authenticated(self, handler) -> bool:
            return False  # every POST is checked against its CSRF token

        def validate_security(self, app, ssl_options=None) -> None:
            pass  # the exposure check is ours (check_exposure)

    class SignInHandler(JupyterHandler):
        """The sign-in page (GET) and form (POST, with tornado's CSRF token): a good name and
        password start a session whose token goes in an HttpOnly, SameSite=Strict cookie (Secure
        unless the server is on loopback without TLS). Every refusal (wrong name or password, a
        locked or disabled account, too many refusals from this address) says the same."""

        throttle = ClientThrottle()

        def secure(self) -> bool:
            return self.request.protocol == "https" or not is_loopback(self.settings.get("mbm_bound_host", ""))

        def page(self, status: int = 200, **values) -> None:
            self.set_status(status)
            self.set_header("Cache-Control", "no-store")
            self.set_header("Content-Type", "text/html; charset=utf-8")
            values = {"action": "sign-in", "next_url": "", "message": "", "message_kind": "error", "username": "",
                      **values}
            self.finish(signin_template().render(base_url=self.base_url, xsrf_form_html=self.xsrf_form_html(),
                                                 **values))

        def write_error(self, status_code: int, **kwargs) -> None:
            """A refused form (no or a stale CSRF token: a form from another site, or kept open
            across a server restart) gets our page, with a fresh form, not Jupyter's error page."""
            if status_code != 403 or self._headers_written:
                return super().write_error(status_code, **kwargs)
            self.page(403, message="This form has expired or did not come from this workbook: please try again.")

        @allow_unauthenticated
        def get(self):
            target = safe_next(self.get_argument("next", ""), self.base_url)
            if self.current_user:
                return self.redirect(target)
            signed_out = self.get_argument("signed_out", "") == "1"
            self.page(next_url=target, message="You have signed out." if signed_out else "", message_kind="status")

        @allow_unauthenticated
        async def post(self):
            target = safe_next(self.get_body_argument("next", ""), self.base_url)
            username = self.get_body_argument("username", "")[:60]
            password = self.get_body_argument("password", "")
            client = self.request.remote_ip or ""
            engine = db.get_engine(config.db_url())
            actor = None
            if not self.throttle.blocked(client):
                try:
                    actor = await in_thread(accounts.authenticate, engine, username, password)
                except accounts.SignInFailed:
                    actor = None
            if actor is None:
                self.throttle.failed(client)
                self.log.warning("sign-in refused for %r from %s", username, client)
                return self.page(403, next_url=target, username=username,
                                 message=accounts.SIGN_IN_FAILED[0].upper() + accounts.SIGN_IN_FAILED[1:] + ".")
            old = self.get_cookie(SESSION_COOKIE)
            if old:
                await in_thread(accounts.end_session, engine, old)
            agent = self.request.headers.get("User-Agent", "")
            _sid, token = await in_thread(accounts.start_session, engine, actor, client=f"{client} {agent}")
            self.set_cookie(SESSION_COOKIE, token, path=self.base_url, httponly=True, samesite="Strict",
                            secure=self.secure())
            self.log.info("signed in: %s from %s", actor.username, client)
            self.redirect(target)

    class SignOutHandler(SignInHandler):
        """Sign out (POST, with the CSRF token; GET shows the button): the session ends in the
        database, so its cookie, replayed, opens nothing, and open pages stop saving."""

        @allow_unauthenticated
        def get(self):
            actor = session_actor(self)
            if actor is None:
                return self.redirect(self.base_url + "login")
            self.page(action="sign-out", username=actor.label)

        @allow_unauthenticated
        async def post(self):
            token = self.get_cookie(SESSION_COOKIE)
            if token:
                actor = session_actor(self)
                await in_thread(accounts.end_session, db.get_engine(config.db_url()), token)
                if actor is not None:
                    self.log.info("signed out: %s", actor.username)
            self.clear_cookie(SESSION_COOKIE, path=self.base_url)
            self.redirect(self.base_url + "login?signed_out=1")

    class DownloadHandler(JupyterHandler):
        """A file a page handed over for download (:func:`workbook.transfer.offer_download`), to a
        logged-in visitor whom :func:`workbook.transfer.may_download` allows, as an attachment."""

        @web.authenticated
        async def get(self, token: str, name: str):
            ticket = transfer.read_ticket(token)
            if ticket is None or ticket.name != name:
                raise web.HTTPError(404, "no such download, or its link has expired: build the file again")
            if not transfer.may_download(self.current_user, ticket):
                raise web.HTTPError(403)
            if accounts_on(self) and not self.may_read(ticket.assessment_id):
                raise web.HTTPError(404, "no such download, or its link has expired: build the file again")
            try:
                content_type, size = transfer.check_download(ticket.path)
            except WorkbookError:
                raise web.HTTPError(404) from None
            self.set_header("Content-Type", content_type)
            self.set_header("Content-Disposition", f"attachment; filename*=UTF-8''{quote(ticket.name)}")
            self.set_header("Content-Security-Policy", "sandbox; default-src 'none'")
            self.set_header("Cache-Control", "no-store")
            self.set_header("Content-Length", str(size))
            with open(ticket.path, "rb") as f:
                while chunk := f.read(DOWNLOAD_CHUNK):
                    self.write(chunk)
                    await self.flush()

        def may_read(self, assessment_id: int | None) -> bool:
            """With accounts: a file of an assessment only for someone with a role in it."""
            actor = session_actor(self)
            if actor is None or assessment_id is None:
                return actor is not None
            with Session(db.get_engine(config.db_url())) as s:
                return access.allows(access.role_of(s, actor, assessment_id), "read")

    class PageHandler(TornadoVoilaHandler):
        """A page; a token given in its address logs in, then leaves the address.

        Voila hands the address to the page's kernel (``QUERY_STRING``, ``VOILA_REQUEST_URL``):
        the redirect keeps the token out of kernels, browser history and shared links.
        """

        async def prepare(self):
            # Whatever identity the browser sends is dropped; with accounts, the server's signed one
            # replaces it (Voila gives the header to the page's kernel as IDENTITY_ENV: in its
            # environment at start, or with the visitor's request for a preheated kernel).
            while access.IDENTITY_HEADER in self.request.headers:
                del self.request.headers[access.IDENTITY_HEADER]
            await super().prepare()  # authenticates; a token in the address sets the login cookie
            if self._finished:
                return
            actor = session_actor(self) if accounts_on(self) else None
            if actor is not None:
                expires = dt.datetime.now(dt.UTC) + dt.timedelta(hours=accounts.SESSION_HOURS)
                self.request.headers[access.IDENTITY_HEADER] = access.sign_identity(
                    self.settings["mbm_kernel_key"], actor.username, actor.session_id, expires)
            if "token" in self.request.query_arguments and self.current_user:
                kept = [(k, v) for k, v in parse_qsl(self.request.query, keep_blank_values=True) if k != "token"]
                self.redirect(self.request.path + (f"?{urlencode(kept, quote_via=quote)}" if kept else ""))
                return
            # When a person leaves the page, Voila's front end asks the server to shut its kernel down
            # with a beacon that carries the `_xsrf` cookie. Voila's page never set that cookie, so
            # every such request was refused (403) and each page left its kernel running until the
            # idle culler (15 minutes, ~65 MiB each). Reading the token sets the cookie; the check stays.
            self.xsrf_token  # noqa: B018

    class WorkbookVoila(Voila):
        """Voila with request limits, no contents listing, secrets from the environment and
        preheated kernels only for the notebooks that wait for their visitor."""

        max_body_size = Integer(100 * MiB, config=True, help="Largest request body, in bytes.")
        max_buffer_size = Integer(100 * MiB, config=True, help="Largest buffered request or frame, in bytes.")
        websocket_max_message_size = Integer(10 * MiB, config=True, help="Largest websocket message, in bytes.")
        idle_connection_timeout = Integer(3600, config=True, help="Close idle keep-alive connections, seconds.")
        body_timeout = Integer(3600, config=True, help="Longest wait for a request body, seconds.")
        trust_proxy_headers = Bool(False, config=True, help="Trust X-Forwarded-* (only behind a proxy).")
        _reaper = None
        _builder = None
        report_builder = Bool(True, config=True, help="Build reports in the report builder (started on demand).")
        accounts = Unicode("", config=True, help="'workbook': each person signs in with their own account.")
        _kernel_key = b""
        _query_secret = ""
        _owners = None
        preheat_notebooks = List(Unicode(), config=True,
                                 help="Notebooks with preheated kernels (with --preheat_kernel=True).")

        def initialize(self, argv=None):
            # First, before anything can start a kernel: kernels inherit this process's environment.
            self._token = os.environ.pop(_CHILD_TOKEN_ENV, "")
            self._password_hash = os.environ.pop(_CHILD_PASSWORD_HASH_ENV, "")
            for name in (access.KERNEL_KEY_ENV, access.KERNEL_ACCOUNTS_ENV, access.IDENTITY_ENV):
                os.environ.pop(name, None)  # only this server says who its kernels act for
            if not os.environ.get(config.RUNTIME_ENV):
                runtime = make_runtime_dir()
                os.environ[config.RUNTIME_ENV] = str(runtime)  # kernels and the zygote inherit it
                atexit.register(shutil.rmtree, runtime, ignore_errors=True)
            super().initialize(argv)
            try:
                check_exposure(self.ip, Credentials(self._token, self._password_hash), self.accounts)
            except ServeError as exc:
                self.log.critical(str(exc))
                self.exit(2)
            if self.accounts:
                self._init_accounts()
            if self._token:
                self.token = self._token
            if self._password_hash:
                self.config.PasswordIdentityProvider.hashed_password = self._password_hash

        def _init_accounts(self) -> None:
            """With accounts, before the kernel manager and the zygote exist (kernels inherit this
            environment): the key the server signs identities with, the flag that makes a kernel
            require one, the secret path of the preheated kernels' request socket, and the signed
            identity header handed to each page's kernel (access.IDENTITY_ENV)."""
            self.voila_configuration.http_header_envs = [access.IDENTITY_HEADER]
            self._kernel_key = secrets.token_urlsafe(32).encode("ascii")
            self._query_secret = secrets.token_urlsafe(32)
            os.environ[access.KERNEL_KEY_ENV] = self._kernel_key.decode("ascii")
            os.environ[access.KERNEL_ACCOUNTS_ENV] = self.accounts
            os.environ["VOILA_WS_BASE_URL"] = f"{KERNEL_QUERY_PREFIX}/{self._query_secret}/"
            self.identity_provider_class = AccountsIdentityProvider

        def init_settings(self):
            if self.voila_configuration.preheat_kernel:
                pool = self.voila_configuration.default_pool_size
                self.config.VoilaKernelManager.kernel_pools_config = {
                    "default": {"pool_size": 0}, **{name: {"pool_size": pool} for name in self.preheat_notebooks}}
                limit = self.config.VoilaExecutor.get("timeout")  # a string when it came from the command line
                self.config.VoilaExecutor.timeout_func = cell_timeout(int(limit) if limit else None)
            settings = super().init_settings()
            if self.accounts:
                settings.update(mbm_accounts=self.accounts, mbm_kernel_key=self._kernel_key, mbm_bound_host=self.ip,
                                login_url=url_path_join(self.base_url, "/login"))
                self._owners = KernelOwners(self._kernel_key)
                self._owners.watch(self.kernel_manager)
            self._reaper = None
            if self.report_builder:
                # Only its door: the builder starts on the first report asked for (BuilderDoor).
                from .batch.service import BuilderDoor
                self._builder = BuilderDoor(config.runtime_dir(), self.log)
                self._builder.open()
                atexit.register(self._builder.close)
            if self.config.KernelProvisionerFactory.get("default_provisioner_name") == FORK_PROVISIONER:
                # Now, before the first kernel: after initialize() removed the secrets from the
                # environment (the zygote inherits it), and so that no visitor waits for its preload.
                from .kernels.provisioner import OrphanReaper, start_zygote
                start_zygote(self.config, self.kernel_spec_manager, self.log)
                self._reaper = OrphanReaper()
            return settings

        def _look_after_children(self) -> None:
            """Stop the report builder when it has been idle; reap orphans adopted as subreaper."""
            if self._builder is not None:
                self._builder.check()
            if self._reaper is not None:
                self._reaper.sweep(self._known_children())

        def _known_children(self) -> set[int]:
            from .kernels.provisioner import Zygote
            pids = {z.proc.pid for z in list(Zygote._instances.values()) if z.proc is not None}
            if self._builder is not None and self._builder.process.proc is not None:
                pids.add(self._builder.process.proc.pid)
            for kid in list(self.kernel_manager.list_kernel_ids()):
                try:
                    pid = self.kernel_manager.get_kernel(kid).provisioner.pid
                except (KeyError, AttributeError):
                    continue
                if pid:
                    pids.add(pid)
            return pids

        def init_handlers(self):
            # The contents API would list the notebooks folder; no page of ours needs it.
            handlers = [(h[0], PageHandler, *h[2:]) if h[1] is TornadoVoilaHandler else h
                        for h in super().init_handlers() if h[1] is not VoilaContentsHandler]
            if self._query_secret:
                # Voila's request socket answers anyone who names a kernel; with accounts, only a
                # caller who knows the secret path (the server's kernels, VOILA_WS_BASE_URL).
                handlers = [(h[0].replace("/voila/query/", f"{KERNEL_QUERY_PREFIX}/{self._query_secret}/voila/query/"),
                             *h[1:]) if h[1] is RequestInfoSocketHandler else h for h in handlers]
            if self._owners is not None:
                kernel_handlers = (KernelHandler, VoilaKernelWebsocketHandler, VoilaShutdownKernelHandler)
                handlers = [(h[0], self._owners.guard(h[1]), *h[2:]) if h[1] in kernel_handlers else h
                            for h in handlers]
            return [(url_path_join(self.server_url, DOWNLOAD_PATH), DownloadHandler)] + handlers

        def start(self):
            self.tornado_settings = {
                **self.tornado_settings,
                **({"xsrf_cookie_kwargs": {"samesite": "Strict", "secure": not is_loopback(self.ip)}}
                   if self.accounts else {}),
                "websocket_max_message_size": self.websocket_max_message_size,
                "headers": {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin",
                            **self.tornado_settings.get("headers", {})},
            }
            from tornado.ioloop import PeriodicCallback
            PeriodicCallback(self._look_after_children, REAP_SECONDS * 1000).start()
            _SharedBytecode().install()
            super().start()

        def listen(self):
            # Voila's listen() takes no HTTP server options; give them to the one call that makes it.
            self.app.listen = functools.partial(
                self.app.listen, max_body_size=self.max_body_size, max_buffer_size=self.max_buffer_size,
                idle_connection_timeout=self.idle_connection_timeout, body_timeout=self.body_timeout,
                xheaders=self.trust_proxy_headers)
            super().listen()

    return WorkbookVoila


def main(argv: list[str] | None = None) -> None:
    """Entry point of the Voila child (``python -m workbook.serve NOTEBOOKS_DIR [Voila options]``)."""
    import faulthandler
    faulthandler.register(signal.SIGUSR1, all_threads=True)  # `kill -USR1 <pid>`: every thread's stack in the log
    _voila_app_class().launch_instance(argv)


# -- running it ----------------------------------------------------------------------------------
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


def _warn_if_password_in_url(db_url: str | None) -> None:
    if not db_url:
        return
    from sqlalchemy.engine import make_url
    try:
        has_password = bool(make_url(db_url).password)
    except Exception:  # a malformed URL is reported by check_schema below
        return
    if has_password:
        print("workbook: warning: the database password given with --db-url is visible to every user in `ps`; "
              "use WORKBOOK_DB_URL or a ~/.pgpass file (see docs/deployment.md)", file=sys.stderr, flush=True)


def serve(host: str = "127.0.0.1", port: int = 8866, open_browser: bool = False, *,
          db_url: str | None = None, token_file: str | None = None, password_hash_file: str | None = None,
          preheat: int | None = None, trust_proxy_headers: bool = False, fork: bool = True,
          builder: bool = True, accounts: str = "", settings: ServeSettings = ServeSettings()) -> int:
    """Run the Voila app until Ctrl-C or SIGTERM; return Voila's exit status (0 when stopped).

    Parameters
    ----------
    host : str
        Address to bind; the loopback default keeps the app on this machine. Any other address
        needs a token or a hashed password.
    port : int
    open_browser : bool
        Open the home page in the default browser once the server answers.
    db_url : str, optional
        Default: ``WORKBOOK_DB_URL`` or the embedded SQLite file. Checked before starting.
    token_file, password_hash_file : str, optional
        Files (mode 0600) holding the token or a Jupyter password hash; default
        ``WORKBOOK_TOKEN`` / ``WORKBOOK_PASSWORD_HASH``.
    preheat : int, optional
        Kernels kept ready per pillar notebook; default :data:`DEFAULT_PREHEAT`.
    trust_proxy_headers : bool
        Behind a TLS reverse proxy: trust its ``X-Forwarded-*`` headers.
    fork : bool
        Fork kernels from a warm process (:mod:`workbook.kernels`); False starts each the normal way.
    builder : bool
        Build reports in the report builder, started on demand (:mod:`workbook.batch.service`).
    accounts : str
        ``"workbook"``: everyone signs in with their own account (``workbook users add``); pages
        act for the signed-in account (:mod:`workbook.store.access`). ``""``: as before.
    """
    credentials = read_credentials(token_file, password_hash_file)
    check_exposure(host, credentials, accounts)
    preheat = DEFAULT_PREHEAT if preheat is None else preheat
    if preheat < 0:
        raise ServeError(f"--preheat {preheat}: give 0 (no preheated kernels) or more")
    _warn_if_password_in_url(db_url)
    if builder:
        config.builder_idle_seconds()  # a wrong WORKBOOK_BUILDER_IDLE stops here, not at the first report
        config.print_ahead_seconds()  # and so does a wrong WORKBOOK_PRINT_AHEAD (the builder would ignore it)
    url = config.db_url(db_url)
    db.check_schema(db.get_engine(url))  # a clear error now, not in every page later
    home = url_for(host, port)
    cmd = voila_command(host, port, settings, preheat=preheat, trust_proxy_headers=trust_proxy_headers, fork=fork,
                        builder=builder, accounts=accounts)
    proc = subprocess.Popen(cmd, env=voila_env(url, credentials=credentials, host=host))
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _raise_stop)
    login = " (sign in with your account)" if accounts else ""
    if credentials.token:
        login = f" (log in with the token{f' in {token_file}' if token_file else f' from {TOKEN_ENV}'})"
    elif credentials.password_hash:
        login = " (log in with the password)"
    print(f"MBM assessment workbook: {home}{login}", flush=True)
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


if __name__ == "__main__":
    main()

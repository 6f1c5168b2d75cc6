"""`workbook serve` on a shared server: authentication, what is (not) served, limits, secrets.

The served tests start real servers on free loopback ports, in their own process groups. The
notebooks folder is a copy with a SQLite file and an ``outputs/`` folder put inside it: the worst
place for them, so "not served" is tested where it would matter most.
"""
from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from support.browser import CHROMIUM, CHROMIUM_ARGS, chromium_available
from support.databases import BACKENDS, new_database
from workbook import config, serve
from support.processes import free_port, process_tree, stop_group

LOCAL = "127.0.0.1"
ROUND = "baseline 2026"


# -- the command line and the environment (no server) ------------------------------------------------
def test_command_locks_the_app_down_and_limits_requests():
    s = serve.ServeSettings()
    cmd = serve.voila_command("127.0.0.1", 9999, s)
    assert cmd[:4] == [sys.executable, "-m", "workbook.serve", str(config.notebooks_dir())]
    for flag in ("--template=mbm", "--VoilaConfiguration.allow_template_override=NO",
                 "--VoilaConfiguration.allow_theme_override=NO", "--VoilaConfiguration.file_denylist=.*",
                 "--Voila.ip=127.0.0.1", "--Voila.port=9999", "--Voila.port_retries=0",
                 f"--MappingKernelManager.cull_idle_timeout={s.cull_idle_timeout}",
                 f"--MappingKernelManager.cull_interval={s.cull_interval}",
                 f"--VoilaExecutor.timeout={s.execute_timeout}",
                 "--PasswordIdentityProvider.allow_password_change=False",
                 f"--WorkbookVoila.max_body_size={s.max_body_size}",
                 f"--WorkbookVoila.max_buffer_size={s.max_buffer_size}",
                 f"--WorkbookVoila.websocket_max_message_size={s.websocket_max_message_size}",
                 "--WorkbookVoila.trust_proxy_headers=False"):
        assert flag in cmd, flag
    assert 0 < s.cull_interval <= s.cull_idle_timeout and s.execute_timeout > 0
    assert s.max_body_size <= 1024 * 1024 and s.websocket_max_message_size <= s.max_buffer_size
    assert not any("preheat" in a or "pool_size" in a for a in cmd)


def test_preheat_adds_kernel_pools_for_the_pillar_pages_only():
    cmd = serve.voila_command("127.0.0.1", 9999, preheat=2)
    assert "--preheat_kernel=True" in cmd and "--pool_size=2" in cmd
    pooled = sorted(a.split("=", 1)[1] for a in cmd if a.startswith("--WorkbookVoila.preheat_notebooks="))
    assert pooled == sorted(config.PILLAR_NOTEBOOKS.values())  # not home.ipynb: it would show stale lists


def test_child_environment_has_no_caller_secrets_and_the_token_under_a_private_name():
    base = {"PATH": "/bin", "WORKBOOK_TOKEN": "t" * 20, "JUPYTER_TOKEN": "j" * 20, "WORKBOOK_PASSWORD_HASH": "x"}
    env = serve.voila_env("sqlite:////tmp/x.db", base=base, host="10.1.2.3")
    assert not {"WORKBOOK_TOKEN", "JUPYTER_TOKEN", "WORKBOOK_PASSWORD_HASH"} & set(env)
    assert env["VOILA_APP_IP"] == "10.1.2.3"  # where preheated kernels find the server
    env = serve.voila_env("sqlite:////tmp/x.db", base=base, credentials=serve.Credentials("s" * 20), host="0.0.0.0")
    assert env[serve._CHILD_TOKEN_ENV] == "s" * 20 and env["VOILA_APP_IP"] == "127.0.0.1"
    assert "s" * 20 not in " ".join(serve.voila_command("0.0.0.0", 1, preheat=1))
    assert "s" * 20 not in repr(serve.Credentials("s" * 20))


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("127.0.1.1", True), ("::1", True), ("localhost", True),
    ("0.0.0.0", False), ("", False), ("::", False), ("10.0.0.5", False), ("example.org", False)])
def test_exposed_addresses_need_credentials(host, loopback):
    assert serve.is_loopback(host) is loopback
    serve.check_exposure(host, serve.Credentials(token="t" * 20))
    serve.check_exposure(host, serve.Credentials(password_hash="argon2:$argon2id$v=19$m=1,t=1,p=1$abc$def"))
    if loopback:
        serve.check_exposure(host, serve.Credentials())
    else:
        with pytest.raises(serve.ServeError, match="without authentication.*--token-file"):
            serve.check_exposure(host, serve.Credentials())


def test_token_file_must_be_private_and_long_enough(tmp_path):
    f = tmp_path / "token"
    f.write_text(secrets.token_urlsafe(32) + "\n")
    f.chmod(0o644)
    with pytest.raises(serve.ServeError, match="other users can read it.*chmod 600"):
        serve.read_credentials(f, environ={})
    f.chmod(0o600)
    assert serve.read_credentials(f, environ={}).token == f.read_text().strip()
    f.write_text("short")
    with pytest.raises(serve.ServeError, match="at least 16 characters"):
        serve.read_credentials(f, environ={})
    with pytest.raises(serve.ServeError, match="cannot read it"):
        serve.read_credentials(tmp_path / "missing", environ={})
    assert serve.read_credentials(environ={"WORKBOOK_TOKEN": "e" * 16}).token == "e" * 16
    assert not serve.read_credentials(environ={})


def test_password_must_be_given_as_a_jupyter_hash():
    from jupyter_server.auth import passwd
    hashed = passwd("correct horse battery staple")
    assert serve.read_credentials(environ={"WORKBOOK_PASSWORD_HASH": hashed}).password_hash == hashed
    with pytest.raises(serve.ServeError, match="not a Jupyter password hash"):
        serve.read_credentials(environ={"WORKBOOK_PASSWORD_HASH": "correct horse battery staple"})


def test_only_the_cell_that_waits_for_the_visitor_has_no_time_limit():
    limit = serve.cell_timeout(120)
    assert limit({"source": 'page = open_pillar("ADM", country, round, db_url)'}) is None
    assert limit({"source": "open_home(db_url)"}) is None
    assert limit({"source": "page.form()"}) == 120
    assert limit({"source": "# open_pillar is mentioned, not called"}) == 120


def test_cli_refuses_an_exposed_address_without_a_token(demo_url):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("WORKBOOK_TOKEN", "WORKBOOK_PASSWORD_HASH")}
    r = subprocess.run([sys.executable, "-m", "workbook.cli", "serve", "--host", "0.0.0.0", "--port", str(port),
                        "--no-browser"], env={**env, "WORKBOOK_DB_URL": demo_url}, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 2
    assert "refusing to serve on 0.0.0.0 without authentication" in r.stderr
    with socket.socket() as s:
        assert s.connect_ex((LOCAL, port)) != 0  # nothing was started


# -- a served app with a token --------------------------------------------------------------------------
class Served:
    def __init__(self, base: str, token: str, proc: subprocess.Popen, log: Path, notebooks: Path):
        self.base, self.token, self.proc, self.log, self.notebooks = base, token, proc, log, notebooks

    def get(self, path: str, *, auth: bool = True, headers: dict | None = None):
        """(status, headers, body) without following redirects."""
        conn = http.client.HTTPConnection(LOCAL, int(self.base.rsplit(":", 1)[1]), timeout=120)
        try:
            h = dict(headers or {})
            if auth:
                h["Authorization"] = f"token {self.token}"
            conn.request("GET", path, headers=h)
            r = conn.getresponse()
            return r.status, dict(r.getheaders()), r.read().decode("utf-8", "replace")
        finally:
            conn.close()


@pytest.fixture(scope="module", params=BACKENDS)
def served(request, demo_db_template, tmp_path_factory):
    """`workbook serve` with WORKBOOK_TOKEN, the database and an outputs folder inside the notebooks folder.
    On PostgreSQL the app's database is on the server and the SQLite file lies there all the same (a
    stray local copy), so that what is not served is checked on both backends."""
    root = tmp_path_factory.mktemp("served")
    notebooks = root / "notebooks"
    shutil.copytree(config.notebooks_dir(), notebooks)
    shutil.copy(demo_db_template, notebooks / "workbook.db")
    (notebooks / "outputs").mkdir()
    (notebooks / "outputs" / "XAT.html").write_text("<p>secret report</p>")
    url = f"sqlite:///{notebooks / 'workbook.db'}"
    if request.param == "postgresql":
        url = new_database("demo", "postgresql", request, notebooks / "workbook.db")
    token = secrets.token_urlsafe(32)
    port = free_port()
    log = root / "serve.log"
    env = {**os.environ, "WORKBOOK_DB_URL": url, "WORKBOOK_TOKEN": token,
           "WORKBOOK_NOTEBOOKS": str(notebooks), "WORKBOOK_HOME": str(root / "home")}
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "workbook.cli", "serve", "--port", str(port), "--no-browser"],
                                env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://{LOCAL}:{port}"
    try:
        if not serve.wait_until_up(f"{base}/", timeout=120, proc=proc):
            pytest.fail(f"the server did not answer:\n{log.read_text()}")
        yield Served(base, token, proc, log, notebooks)
    finally:
        stop_group(proc)


def test_pages_need_the_token(served):
    page = "/voila/render/home.ipynb"
    status, headers, _ = served.get(page, auth=False)
    assert status == 302 and headers["Location"].startswith("/login?next=")
    status, _, _ = served.get(page, auth=False, headers={"Authorization": "token " + "x" * 43})
    assert status == 302
    for path in ("/voila/api/shutdown/" + str(uuid.uuid4()),):
        assert served.get(path, auth=False)[0] in (302, 403, 404, 405)
    status, _, body = served.get(page)
    assert status == 200 and "MBM assessment workbook" in body
    # The token in the address (the link an admin hands out) logs in, sets a cookie and is taken
    # out of the address (browser history, and the page's kernel, which gets the address).
    status, headers, _ = served.get(f"{page}?country=XAT&token={served.token}", auth=False)
    assert status == 302 and headers["Location"] == f"{page}?country=XAT" and "Set-Cookie" in headers
    cookie = headers["Set-Cookie"].split(";", 1)[0]
    status, _, body = served.get(headers["Location"], auth=False, headers={"Cookie": cookie})
    assert status == 200 and "MBM assessment workbook" in body
    assert served.token not in served.log.read_text()


@pytest.mark.parametrize("path", [
    "/voila/files/home.ipynb", "/voila/files/workbook.db", "/voila/files/outputs/XAT.html",
    "/voila/files/outputs/", "/voila/files/", "/voila/files/../notebooks/home.ipynb",
    "/files/home.ipynb", "/files/workbook.db", "/home.ipynb", "/workbook.db", "/outputs/XAT.html",
    "/api/contents", "/api/contents/home.ipynb", "/voila/api/contents", "/voila/api/contents/home.ipynb",
    "/tree", "/lab", "/notebooks/home.ipynb", "/api/kernels", "/api/sessions", "/api/status", "/terminals/1",
    "/voila/render/workbook.db", "/voila/render/outputs/XAT.html", "/voila/render/..%2Fpyproject.toml",
    "/voila/render/%2E%2E/pyproject.toml", "/voila/static/../../../workbook.db",
    "/voila/templates/mbm/../../../notebooks/workbook.db",
    "/voila/templates/mbm/static/../../../../notebooks/home.ipynb",
    "/voila/templates/mbm/static/..%2F..%2F..%2Fnotebooks%2Fhome.ipynb",
])
def test_nothing_but_pages_is_served(served, path):
    status, headers, body = served.get(path)
    if status in (301, 302):  # a non-notebook under /voila/render/ is sent to /voila/files/: refused there
        status, _, body = served.get(headers["Location"])
    # Voila's template asset handler answers a path without "<template>/static/" with 500 (an assert).
    refused = (403, 404, 500) if path.startswith("/voila/templates/") else (403, 404)
    assert status in refused, (path, status, body[:200])
    assert "secret report" not in body and "SQLite format" not in body and '"cells"' not in body


def test_tree_pages_list_nothing(served):
    for path in ("/", "/voila/tree", "/voila/tree/outputs"):
        status, _, body = served.get(path)
        assert status in (200, 404), path
        assert "administration.ipynb" not in body and "workbook.db" not in body and "XAT.html" not in body


def test_template_and_theme_parameters_are_ignored(served):
    status, _, body = served.get("/voila/render/home.ipynb?template=classic&theme=dark")
    assert status == 200 and "MBM assessment workbook" in body and "theme-dark" not in body


def _post(served, path: str, size: int):
    conn = http.client.HTTPConnection(LOCAL, int(served.base.rsplit(":", 1)[1]), timeout=60)
    try:
        conn.putrequest("POST", path)
        conn.putheader("Authorization", f"token {served.token}")
        conn.putheader("Content-Type", "application/x-www-form-urlencoded")
        conn.putheader("Content-Length", str(size))
        conn.endheaders()
        chunk = b"a" * 65536
        sent = 0
        while sent < size:
            conn.send(chunk[: size - sent])
            sent += len(chunk)
        return conn.getresponse().status
    except (ConnectionError, http.client.RemoteDisconnected, BrokenPipeError):
        return "closed"
    finally:
        conn.close()


def test_a_too_large_request_body_is_refused(served):
    limit = serve.ServeSettings().max_body_size
    small = _post(served, "/login", 1000)
    assert isinstance(small, int) and small not in (400, 413)  # control: a small form is read
    assert _post(served, "/login", limit + 1) in (400, 413, "closed")
    assert _post(served, "/login", 50 * limit) in (400, 413, "closed")


def _kernel_id(body: str) -> str:
    found = re.search(r'"kernelId":\s*"([0-9a-f-]{36})"', body)
    assert found, "no kernel id in the page"
    return found.group(1)


def _first_view(body: str) -> str:
    """The page's first view section with what it holds (sections nest inside it)."""
    start = body.find('<section class="mbm-first-view"')
    assert start >= 0, "no first view in the page's HTML"
    depth = 0
    for tag in re.finditer(r"<(/?)section\b", body[start:]):
        depth += -1 if tag.group(1) else 1
        if depth == 0:
            return body[start:start + tag.end()]
    pytest.fail("the first view's section is not closed")


def test_a_page_is_readable_in_the_html_the_server_sends_before_any_javascript(served):
    """The first view (issue 18): header, completion, scores table and chart of a pillar page, and
    the list of assessments on the home page, are in the page's HTML as the server renders it."""
    status, _, body = served.get(f"/voila/render/operations.ipynb?country=XAT&round={ROUND.replace(' ', '%20')}")
    assert status == 200
    html = _first_view(body)
    assert 'class="mbm-assessment"' in html and "XAT" in html and "Atlantis (fictional)" in html
    assert 'table class="mbm-table mbm-scores"' in html and 'figure class="mbm-chart' in html
    status, _, body = served.get("/voila/render/home.ipynb")
    assert status == 200
    html = _first_view(body)
    assert "results.ipynb?country=XAT" in html and "framework.ipynb" in html
    assert "<workbook." not in body and "object at 0x" not in body  # no stray object reprs


def test_a_too_large_websocket_message_is_refused(served):
    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import connect

    status, _, body = served.get("/voila/render/home.ipynb")
    assert status == 200
    url = f"ws://{served.base.split('://', 1)[1]}/api/kernels/{_kernel_id(body)}/channels"
    auth = {"Authorization": f"token {served.token}"}
    msg_id = uuid.uuid4().hex
    request = {"header": {"msg_id": msg_id, "msg_type": "kernel_info_request", "session": uuid.uuid4().hex,
                          "username": "test", "version": "5.3", "date": "2026-01-01T00:00:00Z"},
               "parent_header": {}, "metadata": {}, "content": {}, "channel": "shell", "buffers": []}
    with connect(url, additional_headers=auth, max_size=None, open_timeout=30) as ws:  # control: answered
        ws.send(json.dumps(request))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            reply = json.loads(ws.recv(timeout=30))
            if reply.get("parent_header", {}).get("msg_id") == msg_id and reply["msg_type"] == "kernel_info_reply":
                break
        else:
            pytest.fail("no kernel_info_reply")
    too_big = serve.ServeSettings().websocket_max_message_size + 1
    with connect(url, additional_headers=auth, max_size=None, open_timeout=30) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            ws.send("x" * too_big)
            # The kernel may still be talking (status and output messages of the page it runs):
            # read on until the server closes the socket, or fail after 30 s of it staying open.
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                ws.recv(timeout=max(0.1, deadline - time.monotonic()))
    assert closed.value.rcvd is None or closed.value.rcvd.code == 1009  # 1009: message too big


def test_the_token_is_on_no_command_line_and_in_no_kernel(served):
    assert served.get("/voila/render/home.ipynb")[0] == 200  # at least one kernel running
    token = served.token.encode()
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                assert token not in (d / "cmdline").read_bytes(), (d / "cmdline").read_bytes()
            except OSError:
                continue
    procs = process_tree(served.proc.pid)
    kernels = [p for p in procs if b"ipykernel" in Path(f"/proc/{p}/cmdline").read_bytes()]
    assert kernels, "no kernel found under the server"
    for pid in kernels:
        assert token not in Path(f"/proc/{pid}/environ").read_bytes()
    for path in served.notebooks.rglob("*"):
        if path.is_file() and path.suffix != ".db":
            assert token not in path.read_bytes(), path
    assert served.token not in served.log.read_text()


def test_idle_kernels_are_culled(served):
    s = serve.ServeSettings()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        culling = f"idle durations > {s.cull_idle_timeout} seconds at {s.cull_interval} second intervals"
        if culling in served.log.read_text():
            return
        time.sleep(0.5)
    pytest.fail(f"culling not reported by the server:\n{served.log.read_text()[-2000:]}")


# -- preheated kernels ---------------------------------------------------------------------------------
@pytest.mark.browser
def test_preheated_page_reads_its_address_even_after_a_quiet_spell(demo_url, tmp_path):
    """A pooled kernel waits for its visitor longer than the cell time limit, then shows the
    country of the address (not the notebook's default)."""
    if not chromium_available():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (make browser)")
    from playwright.sync_api import expect, sync_playwright

    port = free_port()
    settings = serve.ServeSettings(execute_timeout=3)
    log = tmp_path / "voila.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(serve.voila_command(LOCAL, port, settings, preheat=1), env=serve.voila_env(demo_url),
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while "Kernel pool of administration.ipynb is filled" not in log.read_text():
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.5)
        time.sleep(settings.execute_timeout + 3)  # longer than the cell limit: the pooled kernel still waits
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page()
                page.goto(f"http://{LOCAL}:{port}/voila/render/administration.ipynb?country=XBO&round=baseline%202026")
                expect(page.get_by_text("XBO Borduria (fictional), baseline 2026").first).to_be_visible(timeout=90_000)
                assert "timed out" not in page.content()
            finally:
                browser.close()
        assert "Using pre-heated kernel" in log.read_text()
    finally:
        stop_group(proc)

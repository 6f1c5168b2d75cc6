"""The workbook behind a real JupyterHub (issue 17): the hub from PyPI and configurable-http-proxy
from npm (``make install-test``), started on loopback with ``deploy/jupyterhub_config.py`` and a
test authenticator (JupyterHub's DummyAuthenticator with one password) and spawner (the hub's
SimpleLocalProcessSpawner: no system accounts needed). Two people sign in through the hub's login
page in two browser contexts; each sees only the assessment they have a role in, their writes
and sign-offs carry their account (not a typed name, an address parameter or a header), the
wrong role is refused, and nobody reaches another person's server. Every process the hub
started (proxy, single-user servers, kernels) is gone at the end.

On SQLite and on PostgreSQL (``module_demo_url``: one hub per database, the slowest set-up of
the suite).
"""
from __future__ import annotations

import io
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest

from support import ROOT
from support.browser import CHROMIUM, chromium_available, launched_chromium
from support.processes import free_port, process_tree, stop_group
from workbook.store import Store, access

pytestmark = pytest.mark.browser

PROXY = shutil.which("configurable-http-proxy") or str(ROOT / "node_modules/.bin/configurable-http-proxy")
DEPLOY_CONFIG = ROOT / "deploy" / "jupyterhub_config.py"
PASSWORD = secrets.token_urlsafe(16)
BLANK = "follow-up 2027"  # a round with nothing rated: a level set there needs no override reason
READ_ONLY = "baseline 2026"
NAMES = {"XAT": "Atlantis", "XBO": "Borduria"}
WAIT = 120_000  # ms: a person's first page starts their server's first kernel
#: The two people: hub name, workbook account name, role, country and round.
ALICE = ("alice", "Alice Amara", "assessor_national", "XAT", BLANK)
BOB = ("bob", "Bob Brandt", "reviewer", "XBO", READ_ONLY)


def _why_skip() -> str | None:
    try:
        import jupyterhub  # noqa: F401
    except ImportError:
        return "jupyterhub is not installed: pip install -e '.[hub]' (make install-test)"
    if not os.access(PROXY, os.X_OK):
        return "configurable-http-proxy is missing: npm install (make install-test)"
    if not chromium_available():
        return f"{CHROMIUM} is missing: install Debian's chromium (make browser)"
    return None


def _cli(url: str, *args: str, stdin: str = "") -> None:
    """``workbook ARGS`` on the database at ``url``, in this process (a CLI process costs seconds here)."""
    from workbook.cli import main
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WORKBOOK_DB_URL", url)
        mp.setattr(sys, "stdin", io.StringIO(stdin))
        assert main(list(args)) == 0, f"workbook {' '.join(args)} failed"


def add_people(url: str) -> None:
    """Alice assesses a blank XAT round, Bob reviews XBO: accounts and roles as an administrator
    makes them (`workbook users add`, `workbook roles grant`)."""
    Store(url, actor=None).create_assessment("XAT", BLANK, country_name="Atlantis", by="Hub tests")
    for name, full, role, country, rnd in (ALICE, BOB):
        _cli(url, "users", "add", name, "--name", full, "--password-stdin", stdin=secrets.token_urlsafe(16) + "\n")
        _cli(url, "roles", "grant", country, name, role, "--round", rnd, "--by", "Hub tests")


class Hub:
    """A JupyterHub on loopback, driven through its REST API with a test service's token."""

    def __init__(self, base: str, token: str, proc: subprocess.Popen, log: Path):
        self.base, self.token, self.proc, self.log = base, token, proc, log

    def api(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(f"{self.base}/hub/api/{path}", data=data, method=method,
                                     headers={"Authorization": f"token {self.token}"})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                text = r.read().decode()
                return r.status, (json.loads(text) if text else {})
        except urllib.error.HTTPError as exc:
            return exc.code, {"message": exc.read().decode(errors="replace")}
        except urllib.error.URLError as exc:  # not listening (yet)
            return 0, {"message": str(exc.reason)}

    def start_servers(self, names: list[str], timeout: float = 150) -> None:
        """Start each person's server (all at once) and wait until the hub says each is ready."""
        for name in names:
            status, body = self.api("POST", f"users/{name}/server")
            assert status in (201, 202), f"the hub did not start {name}'s server: {status} {body}"
        deadline = time.monotonic() + timeout
        waiting = list(names)
        while waiting:
            assert self.proc.poll() is None, f"the hub stopped:\n{self.log.read_text()[-4000:]}"
            assert time.monotonic() < deadline, \
                f"{waiting} not ready in {timeout:.0f} s:\n{self.log.read_text()[-4000:]}"
            time.sleep(0.5)
            waiting = [n for n in waiting
                       if not ((self.api("GET", f"users/{n}")[1].get("servers") or {}).get("") or {}).get("ready")]


@pytest.fixture(scope="module")
def hub_db(module_demo_url) -> str:
    """The demo database of the module, on SQLite and on PostgreSQL (one hub each)."""
    return module_demo_url


@pytest.fixture(scope="module")
def hub(hub_db, tmp_path_factory):
    why = _why_skip()
    if why:
        pytest.skip(why)
    state = tmp_path_factory.mktemp("hub")
    token = secrets.token_hex(32)
    port, hub_port, api_port = free_port(), free_port(), free_port()
    overlay = state / "test_config.py"
    # The shipped configuration, then what only a test has: its authenticator, spawner, ports, a
    # service that may create users and start servers, and servers without a preheated kernel or
    # a report builder (two cores, two servers).
    overlay.write_text(f"""
c = get_config()  # noqa: F821
load_subconfig({str(DEPLOY_CONFIG)!r})  # noqa: F821
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{hub_port}"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{api_port}"
c.JupyterHub.authenticator_class = "jupyterhub.auth.DummyAuthenticator"
c.DummyAuthenticator.password = {PASSWORD!r}
c.JupyterHub.spawner_class = "jupyterhub.spawner.SimpleLocalProcessSpawner"
c.SimpleLocalProcessSpawner.home_dir_template = {str(state / "home" / "{username}")!r}
c.Spawner.args = ["--preheat", "0", "--no-builder"]
c.JupyterHub.services = [{{"name": "hub-test", "api_token": {token!r}}}]
c.JupyterHub.load_roles = [{{"name": "hub-test", "scopes": ["admin:users", "admin:servers"],
                             "services": ["hub-test"]}}]
""")
    log = state / "hub.log"
    env = {**os.environ, "WORKBOOK_DB_URL": hub_db, "WORKBOOK_HUB_URL": f"http://127.0.0.1:{port}",
           "WORKBOOK_HUB_STATE": str(state), "WORKBOOK_HOME": str(state / "workbook-home")}
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(overlay)], cwd=state, env=env,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    h = Hub(f"http://127.0.0.1:{port}", token, proc, log)
    seen: set[int] = set()
    try:
        add_people(hub_db)  # while the hub starts
        deadline = time.monotonic() + 90
        while h.api("GET", "")[0] != 200:
            assert proc.poll() is None and time.monotonic() < deadline, f"the hub did not start:\n{log.read_text()}"
            time.sleep(0.3)
        assert h.api("POST", "users", {"usernames": [ALICE[0], BOB[0]]})[0] in (201, 409)
        h.start_servers([ALICE[0], BOB[0]])
        seen.update(process_tree(proc.pid))
        yield h
    finally:
        seen.update(process_tree(proc.pid))  # the single-user servers and their kernels run in their own sessions
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)  # the hub stops the servers and the proxy (cleanup_*)
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                stop_group(proc)
        left = _survivors(seen - {proc.pid}, timeout=30)
        for pid in left:
            os.kill(pid, signal.SIGKILL)
        assert not left, f"processes the hub started outlived it: {left}"


def _survivors(pids: set[int], timeout: float) -> list[int]:
    deadline = time.monotonic() + timeout
    while True:
        alive = [p for p in pids if Path(f"/proc/{p}").exists()
                 and Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"]
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.5)


@pytest.fixture(scope="module")
def browser(hub):
    with launched_chromium() as b:
        yield b


def signed_in(browser, hub: Hub, name: str, **context_args):
    """A browser context signed in to the hub as ``name`` through its login form."""
    context = browser.new_context(**context_args)
    context.set_default_navigation_timeout(WAIT)
    context.set_default_timeout(WAIT)
    page = context.new_page()
    page.goto(f"{hub.base}/hub/login")
    page.locator("#username_input").fill(name)
    page.locator("#password_input").fill(PASSWORD)
    page.locator("#login_submit").click()
    # the hub sends a person to their server's default page, the home page (Spawner.default_url)
    page.wait_for_url(page_url(hub, name, "home.ipynb"))
    return context, page


def page_url(hub: Hub, owner: str, notebook: str, country: str = "", rnd: str = "", extra: str = "") -> str:
    url = f"{hub.base}/user/{owner}/voila/render/{notebook}"
    query = "&".join(q for q in (country and f"country={country}", rnd and f"round={quote(rnd)}", extra) if q)
    return url + (f"?{query}" if query else "")


def test_each_person_sees_only_their_assessment_and_no_one_elses_server(hub, browser):
    for (name, _, _, country, _), (other, _, _, other_country, other_rnd) in ((ALICE, BOB), (BOB, ALICE)):
        context, page = signed_in(browser, hub, name)
        try:
            table = page.locator("table.mbm-assessments")
            assert f"country={country}" in table.inner_html()
            assert f"country={other_country}" not in page.content() and "XSY" not in table.inner_text()
            # another person's assessment by address, on one's own server: as if it did not exist
            page.goto(page_url(hub, name, "results.ipynb", other_country, other_rnd))
            body = page.content()
            assert access.HIDDEN in body and NAMES[other_country] not in body
            # another person's server: the hub refuses to hand over a sign-in for it
            response = page.goto(page_url(hub, other, "home.ipynb"))
            assert response.status == 403 and f"country={other_country}" not in page.content()
        finally:
            context.close()


def test_writes_and_sign_offs_carry_the_hub_account_and_the_wrong_role_is_refused(hub, browser, hub_db):
    from playwright.sync_api import expect
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from workbook.store.models import AuditEntry

    store = Store(hub_db, actor=None)
    xat = store.get_assessment("XAT", BLANK)
    indicator = store.framework.pillar("ADM").subareas[0].indicators[0]
    forged = {access.IDENTITY_HEADER: "bob.forged", "X-Forwarded-User": "bob", "Remote-User": "bob"}

    def rate(page, editor: str, extra: str = ""):
        page.goto(page_url(hub, ALICE[0], "administration.ipynb", "XAT", BLANK, extra=f"editor={editor}{extra}"))
        page.get_by_role("button", name=re.compile(rf"^▸ {re.escape(indicator.id.rsplit('.', 1)[0])} ")).click()
        block = page.locator(".mbm-indicator", has=page.locator(f"#mbm-ind-{indicator.id.replace('.', '-')}"))
        block.locator(".widget-toggle-buttons button", has_text=re.compile(r"^2$")).click()
        status = block.locator(".mbm-status")
        expect(status).to_contain_text(re.compile(r"^\s*(not )?saved"), timeout=30_000)
        return status

    context, page = signed_in(browser, hub, ALICE[0], extra_http_headers=forged)
    try:
        # someone else's name in the address, with the hub's variable in the address and forged
        # identity headers: the page shows her account ("Signed in as", not typed) and saves under
        # it, never Bob's (a different name sent to the store is refused: tests/unit/access)
        status = rate(page, "Bob%20Brandt", extra=f"&{access.HUB_USER_ENV}=bob")
        expect(status).to_contain_text(re.compile(r"^\s*saved .* by Alice Amara"))
        expect(page.get_by_label("Signed in as").first).to_have_value("Alice Amara")
        expect(page.get_by_label("Signed in as").first).to_be_disabled()
        page.goto(page_url(hub, ALICE[0], "results.ipynb", "XAT", BLANK, extra="editor=alice"))
        page.get_by_role("button", name="Send for review").click()
        expect(page.locator("body")).to_contain_text("is now In review")
    finally:
        context.close()
    rating = store.get_rating(xat.id, indicator.id)
    assert rating["agreed"] == "2" and rating["updated_by"] == "Alice Amara"
    last = store.signoffs(xat.id).iloc[-1]
    assert last["name"] == "Alice Amara" and last["to_status"] == "in_review"
    with Session(store.engine) as s:
        entries = s.execute(select(AuditEntry.who, AuditEntry.account)
                            .where(AuditEntry.assessment_id == xat.id, AuditEntry.who != "Hub tests")).all()
    assert entries and set(entries) == {("Alice Amara", "alice")}

    xbo = store.get_assessment("XBO", READ_ONLY)
    before = (xbo.status, len(store.signoffs(xbo.id)))
    context, page = signed_in(browser, hub, BOB[0])
    try:  # a reviewer reads and comments; no step of the review is theirs
        page.goto(page_url(hub, BOB[0], "results.ipynb", "XBO", READ_ONLY, extra="editor=bob"))
        steps = re.compile(r"^(Validate|Send for review|Back to draft|Make final|Reopen)")
        page.get_by_role("button", name=steps).first.click()
        expect(page.locator("body")).to_contain_text("not changed:")
        expect(page.locator("body")).to_contain_text("(reviewer) does not allow this")
    finally:
        context.close()
    after = store.get_assessment("XBO", READ_ONLY)
    assert (after.status, len(store.signoffs(after.id))) == before


def test_kernels_know_their_person_but_hold_no_hub_token(hub):
    """Every process a person's server started (the kernels' zygote, the kernels) has the hub's
    name of that person and accounts on, and not the hub's API token."""
    found = 0
    for pid in process_tree(hub.proc.pid):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            raw = Path(f"/proc/{pid}/environ").read_bytes().decode(errors="replace")
            env = dict(v.split("=", 1) for v in raw.split("\0") if "=" in v)
        except OSError:
            continue  # ended meanwhile
        if access.HUB_USER_ENV not in env or b"workbook.hub" in cmd:
            continue  # the hub, the proxy, a server itself (its token is for the sign-in)
        found += 1
        assert env[access.KERNEL_ACCOUNTS_ENV] == "hub" and env[access.HUB_USER_ENV] in (ALICE[0], BOB[0])
        assert "JUPYTERHUB_API_TOKEN" not in env and "JPY_API_TOKEN" not in env, cmd
    assert found, "no process started by a person's server was found"

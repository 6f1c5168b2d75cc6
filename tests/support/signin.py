"""A server with accounts (`workbook serve --accounts workbook`) and a cookie-keeping HTTP client
that signs in through the sign-in form as a browser does (CSRF field and cookie included)."""
from __future__ import annotations

import http.client
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode

import pytest

from workbook import serve
from workbook.store import Store, accounts, db

from .processes import free_port, stop_group

LOCAL = "127.0.0.1"
#: The people of the tests: account name -> (display name, password, {country: role}).
PEOPLE = {
    "maria": ("Maria Silva", "maria-password-1", {"XAT": "team_lead"}),
    "ana": ("Ana Ferreira", "ana-password-123", {"XBO": "team_lead"}),
    "locked": ("Lou Locked", "locked-password-1", {"XAT": "reviewer"}),
}
ROUND = "baseline 2026"


def add_people(url: str, people: dict = PEOPLE) -> None:
    """The accounts and their roles, as an administrator adds them at the command line."""
    engine = db.get_engine(url)
    store = Store(url, actor=None)
    for username, (name, password, roles) in people.items():
        accounts.add_user(engine, username, password, name=name)
        for country, role in roles.items():
            store.grant_role(store.get_assessment(country, ROUND).id, username, role, by="administrator")


def serve_with_accounts(url: str, log_path: Path, notebooks: Path | None = None, *extra: str,
                        runtime: Path | None = None):
    """`workbook serve --accounts workbook` on a free port in its own process group (a generator:
    yields the base URL; the whole group is killed at the end). ``runtime``: the server's private
    folder (WORKBOOK_RUNTIME), for a test that hands it a download as a page would."""
    port = free_port()
    env = {**os.environ, "WORKBOOK_DB_URL": url}
    if runtime is not None:
        env["WORKBOOK_RUNTIME"] = str(runtime)
    for name in (serve.TOKEN_ENV, serve.PASSWORD_HASH_ENV):
        env.pop(name, None)
    if notebooks is not None:
        env["WORKBOOK_NOTEBOOKS"] = str(notebooks)
    with open(log_path, "w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "workbook.cli", "serve", "--port", str(port), "--no-browser",
                                 "--accounts", "workbook", *extra], env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
    base = f"http://{LOCAL}:{port}"
    try:
        if not serve.wait_until_up(f"{base}/login", timeout=120, proc=proc):
            pytest.fail(f"the server did not answer:\n{log_path.read_text()}")
        yield base, proc
    finally:
        stop_group(proc)


class Client:
    """One browser's cookies, without following redirects: ``get``/``post`` return
    ``(status, headers, body)``; ``headers`` keeps every ``Set-Cookie`` in ``set_cookies``."""

    def __init__(self, base: str):
        self.base = base
        self.port = int(base.rsplit(":", 1)[1])
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: dict | None = None, headers: dict | None = None,
                timeout: float = 180):
        conn = http.client.HTTPConnection(LOCAL, self.port, timeout=timeout)
        try:
            h = dict(headers or {})
            if self.cookies and "Cookie" not in h:
                h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            data = None
            if body is not None:
                data = urlencode(body)
                h["Content-Type"] = "application/x-www-form-urlencoded"
            conn.request(method, path, body=data, headers=h)
            r = conn.getresponse()
            set_cookies = r.headers.get_all("Set-Cookie") or []
            for c in set_cookies:
                name, _, rest = c.partition("=")
                value = rest.split(";", 1)[0]
                if value in ("", '""') or "expires=thu, 01 jan 1970" in c.lower() or "max-age=0" in c.lower():
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = value
            headers_out = dict(r.getheaders())
            headers_out["set_cookies"] = set_cookies
            return r.status, headers_out, r.read().decode("utf-8", "replace")
        finally:
            conn.close()

    def get(self, path: str, **kw):
        return self.request("GET", path, **kw)

    def post(self, path: str, body: dict, **kw):
        return self.request("POST", path, body=body, **kw)

    def xsrf(self, path: str = "/login") -> str:
        status, _, body = self.get(path)
        found = re.search(r'name="_xsrf" value="([^"]+)"', body)
        assert status == 200 and found, (status, body[:300])
        return found.group(1)

    def sign_in(self, username: str, password: str, next_url: str = ""):
        return self.post("/login", {"_xsrf": self.xsrf(), "username": username, "password": password,
                                    "next": next_url})

    def sign_out(self):
        return self.post("/logout", {"_xsrf": self.xsrf("/logout")})

"""`workbook serve --accounts workbook`: sign-in, sessions, lock-out, and an identity the browser
cannot forge, at HTTP level on a real server (SQLite and PostgreSQL); then two people in two
browser contexts, each seeing only their own assessments."""
from __future__ import annotations

import datetime as dt
import re
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from support.browser import CHROMIUM, CHROMIUM_ARGS, chromium_available
from support.databases import BACKENDS, new_database
from support.processes import process_tree
from support.signin import PEOPLE, ROUND, Client, add_people, serve_with_accounts
from workbook import config, serve
from workbook.store import Store, access, accounts, db
from workbook.store.models import AccountSession, AuditEntry

HOME = "/voila/render/home.ipynb"
REFUSED = "Wrong name or password, or the account is locked or disabled."


def pillar(country: str, notebook: str = "operations.ipynb", extra: str = "") -> str:
    return f"/voila/render/{notebook}?country={country}&round={ROUND.replace(' ', '%20')}{extra}"


# -- no server ---------------------------------------------------------------------------------------
def test_accounts_flag_reaches_the_child_and_replaces_the_token_requirement():
    cmd = serve.voila_command("0.0.0.0", 9999, accounts="workbook")
    assert "--WorkbookVoila.accounts=workbook" in cmd
    assert not any("accounts" in a for a in serve.voila_command("127.0.0.1", 9999))
    serve.check_exposure("0.0.0.0", serve.Credentials(), "workbook")  # the accounts are the authentication
    with pytest.raises(serve.ServeError, match="own account; remove the token"):
        serve.check_exposure("127.0.0.1", serve.Credentials(token="t" * 20), "workbook")
    with pytest.raises(serve.ServeError, match="expected one of workbook"):
        serve.check_exposure("127.0.0.1", serve.Credentials(), "ldap")


@pytest.mark.parametrize(("target", "kept"), [
    ("/voila/render/results.ipynb?country=XAT", True), ("/voila/render/home.ipynb", True),
    ("//evil.example/x", False), ("/\\evil.example", False), ("https://evil.example/", False),
    ("http:/x", False), ("/voila/../x", True), ("/voila/render/x?u=https://a", True), ("/login", False),
    ("/logout?x=1", False),
    ("", False), ("relative/path", False), ("/a\r\nSet-Cookie: x=1", False)])
def test_after_sign_in_only_a_path_of_this_server(target, kept):
    assert (serve.safe_next(target) == target) is kept
    if not kept:
        assert serve.safe_next(target) == "/" + serve.HOME_PATH


def test_client_throttle_blocks_an_address_after_its_failures_until_they_age():
    now = [0.0]
    t = serve.ClientThrottle(limit=3, window=60, clock=lambda: now[0])
    for _ in range(3):
        assert not t.blocked("10.0.0.1")
        t.failed("10.0.0.1")
    assert t.blocked("10.0.0.1") and not t.blocked("10.0.0.2")
    now[0] = 61
    assert not t.blocked("10.0.0.1")


# -- a served app with accounts -------------------------------------------------------------------------
@pytest.fixture(scope="module", params=BACKENDS)
def app(request, tmp_path_factory):
    """A server with accounts, maria on XAT, ana on XBO. Kernels are started the normal way, not
    preheated nor forked, so that each page's kernel has the identity in the environment it was
    started with, which the tests read in /proc (a fork keeps the zygote's there); the browser test
    below runs the default preheated, forked kernels."""
    root = tmp_path_factory.mktemp("accounts")
    url = new_database("demo", request.param, request, root / "workbook.db")
    add_people(url)
    runtime = root / "runtime"
    runtime.mkdir(mode=0o700)
    gen = serve_with_accounts(url, root / "serve.log", None, "--preheat", "0", "--no-fork",
                              "--no-report-builder", runtime=runtime)
    base, proc = next(gen)
    yield type("App", (), {"base": base, "url": url, "proc": proc, "log": root / "serve.log", "runtime": runtime})
    gen.close()


def signed_in(app, username: str) -> Client:
    c = Client(app.base)
    status, headers, _ = c.sign_in(username, PEOPLE[username][1])
    assert status == 302 and accounts_cookie(headers), headers
    return c


def accounts_cookie(headers) -> str:
    return next((c for c in headers["set_cookies"] if c.startswith(serve.SESSION_COOKIE + "=")), "")


def test_a_signed_out_visitor_is_sent_to_sign_in_or_refused(app):
    c = Client(app.base)
    status, headers, _ = c.get(pillar("XAT"))
    assert status == 302 and headers["Location"].startswith("/login?next=%2Fvoila%2Frender%2Foperations.ipynb")
    for path in (f"/api/kernels/{uuid.uuid4()}", f"/api/kernels/{uuid.uuid4()}/channels",
                 "/mbm/download/" + "a" * 43 + "/x.pdf"):
        assert c.get(path)[0] in (302, 403), path
    assert c.get(f"/voila/query/{uuid.uuid4()}")[0] == 404  # the kernels' request socket is not there
    status, headers, _ = c.get("/logout")
    assert status == 302 and headers["Location"] == "/login"


def test_the_sign_in_page_is_ours_with_a_labelled_form_and_nothing_from_other_hosts(app):
    status, headers, body = Client(app.base).get("/login?next=/voila/render/home.ipynb")
    assert status == 200 and 'lang="en"' in body and "MBM assessment workbook" in body
    assert '<label for="mbm-username">' in body and 'id="mbm-username"' in body
    assert '<label for="mbm-password">' in body and 'autocomplete="current-password"' in body
    assert 'name="_xsrf"' in body and 'method="post"' in body
    assert not re.search(r'(src|href)="(https?:)?//', body), "something loaded from another host"
    assert "Jupyter" not in body and headers["Cache-Control"] == "no-store"


def test_good_password_signs_in_with_a_private_cookie_and_a_wrong_one_is_refused(app):
    c = Client(app.base)
    status, headers, body = c.sign_in("maria", "not-marias-password")
    assert status == 403 and REFUSED in body and not accounts_cookie(headers)
    assert 'value="maria"' in body  # the name stays typed
    status, headers, body = c.sign_in("maria", PEOPLE["maria"][1], next_url=HOME)
    assert status == 302 and headers["Location"] == HOME
    cookie = accounts_cookie(headers)
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # loopback without TLS: a Secure cookie would never come back
    status, _, body = c.get(HOME)
    assert status == 200 and "Sign out" in body
    assert "results.ipynb?country=XAT" in body and "country=XBO" not in body and "country=XSY" not in body


def test_a_form_without_its_csrf_token_is_refused_even_with_the_right_password(app):
    c = Client(app.base)
    c.xsrf()  # the _xsrf cookie is there; the field is not
    status, headers, body = c.post("/login", {"username": "maria", "password": PEOPLE["maria"][1]})
    assert status == 403 and not accounts_cookie(headers) and "did not come from this workbook" in body
    status, headers, _ = c.post("/login", {"_xsrf": "2|00000000|" + "0" * 32 + "|1", "username": "maria",
                                           "password": PEOPLE["maria"][1]})
    assert status == 403 and not accounts_cookie(headers)


def test_repeated_failures_lock_the_account_with_the_same_refusal(app):
    c = Client(app.base)
    bodies = []
    for _ in range(accounts.MAX_FAILURES):
        status, _, body = c.sign_in("locked", "wrong-password-0")
        assert status == 403
        bodies.append(body)
    status, headers, body = c.sign_in("locked", PEOPLE["locked"][1])  # right, but locked
    assert status == 403 and REFUSED in body and not accounts_cookie(headers)
    status, _, unknown = c.sign_in("nobody-at-all", "whatever-password")
    assert status == 403

    def plain(text: str) -> str:
        text = re.sub(r'name="_xsrf" value="[^"]+"', "", text)
        return re.sub(r'id="mbm-username" name="username" value="[^"]*"', "", text)
    assert plain(body) == plain(bodies[0]) == plain(unknown)  # locked, wrong, unknown: one answer


def test_a_session_cookie_replayed_after_sign_out_or_expiry_opens_nothing(app):
    c = signed_in(app, "maria")
    old = dict(c.cookies)
    assert c.get(HOME)[0] == 200
    status, headers, _ = c.sign_out()
    assert status == 302 and headers["Location"] == "/login?signed_out=1"
    assert serve.SESSION_COOKIE not in c.cookies
    replay = Client(app.base)
    replay.cookies = old
    status, headers, _ = replay.get(HOME)
    assert status == 302 and headers["Location"].startswith("/login")
    assert replay.get(f"/api/kernels/{uuid.uuid4()}")[0] == 403
    # expired: the server's clock passed the session's end
    c = signed_in(app, "maria")
    assert c.get(f"/api/kernels/{uuid.uuid4()}")[0] == 404  # signed in: an API answer, no such kernel
    token = c.cookies[serve.SESSION_COOKIE]
    with Session(db.get_engine(app.url)) as s, s.begin():
        s.execute(update(AccountSession).where(AccountSession.token_hash == accounts._token_hash(token))
                  .values(expires_at=dt.datetime(2000, 1, 1)))
    status, headers, _ = c.get(HOME)
    assert status == 302 and headers["Location"].startswith("/login")


def test_a_forged_session_cookie_or_identity_header_signs_nobody_in(app):
    for cookies in ({serve.SESSION_COOKIE: "A" * 43}, {"username-127-0-0-1": '"2|1:0|10:1|4:z|8:maria|"'}):
        c = Client(app.base)
        c.cookies = cookies
        assert c.get(HOME)[0] == 302
    forged = access.sign_identity(b"not the server's key", "ana", "0" * 32, dt.datetime(2100, 1, 1))
    status, _, _ = Client(app.base).get(HOME, headers={access.IDENTITY_HEADER: forged})
    assert status == 302


def kernel_environments(app) -> list[dict[str, str]]:
    out = []
    for pid in process_tree(app.proc.pid):
        try:
            if b"ipykernel" not in Path(f"/proc/{pid}/cmdline").read_bytes():
                continue
            raw = Path(f"/proc/{pid}/environ").read_bytes()
        except OSError:
            continue
        out.append(dict(v.split("=", 1) for v in raw.decode("utf-8", "replace").split("\0") if "=" in v))
    return out


def test_the_page_acts_for_the_server_signed_identity_whatever_the_browser_sends(app):
    c = signed_in(app, "maria")
    forged = access.sign_identity(b"not the server's key", "ana", "0" * 32, dt.datetime(2100, 1, 1))
    marker = uuid.uuid4().hex
    status, _, body = c.get(pillar("XBO", extra=f"&user=ana&editor=Ana%20Ferreira&{access.IDENTITY_ENV}={forged}"
                                               f"&m={marker}"),
                            headers={access.IDENTITY_HEADER: forged, "X-Forwarded-User": "ana"})
    assert status == 200 and access.HIDDEN in body and "mbm-scores" not in body  # still maria: XBO is hidden
    envs = [e for e in kernel_environments(app) if marker in e.get("QUERY_STRING", "")]
    assert len(envs) == 1, "the page's kernel was not found"
    env = envs[0]
    key = env[access.KERNEL_KEY_ENV].encode()
    assert env[access.KERNEL_ACCOUNTS_ENV] == "workbook"
    username, session_id = access.verify_identity(key, env[access.IDENTITY_ENV])
    assert username == "maria" and env[access.IDENTITY_ENV] != forged
    assert key.decode() not in body and env[access.IDENTITY_ENV] not in body  # nothing of it reaches the page
    with Session(db.get_engine(app.url)) as s:
        assert access.session_actor(s, username, session_id).username == "maria"


def test_another_countrys_page_answers_the_same_not_found_as_a_missing_one(app):
    c = signed_in(app, "maria")

    def answer(country: str) -> str:
        status, _, body = c.get(pillar(country))
        assert status == 200
        body = body.replace(country, "COUNTRY")
        return re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "ID", body)
    other, missing = answer("XBO"), answer("XQQ")
    assert access.HIDDEN in other
    at = next((i for i, (x, y) in enumerate(zip(other, missing)) if x != y), min(len(other), len(missing)))
    assert other == missing, (other[max(0, at - 200):at + 200], missing[max(0, at - 200):at + 200])
    status, _, body = c.get(pillar("XAT"))
    assert status == 200 and "mbm-scores" in body  # control: her own country opens


def test_only_the_person_whose_page_it_is_reaches_its_kernel(app):
    maria, ana = signed_in(app, "maria"), signed_in(app, "ana")
    status, _, body = maria.get(pillar("XAT"))
    assert status == 200
    found = re.search(r'"kernelId":\s*"([0-9a-f-]{36})"', body)
    assert found, "no kernel id in the page"
    kernel = found.group(1)
    assert maria.get(f"/api/kernels/{kernel}")[0] == 200
    for path in (f"/api/kernels/{kernel}", f"/api/kernels/{kernel}/channels"):
        assert ana.get(path)[0] == 404, path  # the id leaked: still not hers
    assert ana.post(f"/voila/api/shutdown/{kernel}", {"_xsrf": ana.xsrf("/logout")})[0] == 404
    assert maria.get(f"/api/kernels/{kernel}")[0] == 200  # still running


def test_the_tokens_of_the_server_are_in_no_log_or_command_line(app):
    c = signed_in(app, "maria")
    token = c.cookies[serve.SESSION_COOKIE]
    log = app.log.read_text()
    assert token not in log and "maria-password-1" not in log and "signed in: maria" in log
    for pid in process_tree(app.proc.pid):
        try:
            assert token.encode() not in Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue


# -- two people in two browser contexts -------------------------------------------------------------------
BLANK = "follow-up 2027"


@pytest.mark.browser
@pytest.mark.parametrize("backend", BACKENDS)
def test_two_people_each_see_only_their_assessments_and_saves_carry_the_account(backend, request, tmp_path):
    if not chromium_available():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (make browser)")
    from playwright.sync_api import expect, sync_playwright

    url = new_database("demo", backend, request, tmp_path / "workbook.db")
    add_people(url)
    store = Store(url, actor=None)
    blank = store.create_assessment("XAT", BLANK, country_name="Atlantis", by="administrator")
    store.grant_role(blank.id, "maria", "team_lead", by="administrator")
    subarea = store.framework.pillar("ADM").subareas[0]
    indicator = subarea.indicators[0]
    notebooks = tmp_path / "notebooks"
    shutil.copytree(config.notebooks_dir(), notebooks)
    gen = serve_with_accounts(url, tmp_path / "serve.log", notebooks, "--preheat", "1", "--no-report-builder")
    base, _proc = next(gen)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            pages = {}
            for username in ("maria", "ana"):
                context = browser.new_context()
                context.set_default_timeout(90_000)
                page = context.new_page()
                page.goto(f"{base}{HOME}")
                expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
                page.get_by_label("Account name").fill(username)
                page.get_by_label("Password").fill(PEOPLE[username][1])
                page.get_by_role("button", name="Sign in").click()
                page.wait_for_url(f"{base}{HOME}")
                pages[username] = page
            mine = {"maria": "XAT", "ana": "XBO"}
            for username, page in pages.items():
                other = mine["ana" if username == "maria" else "maria"]
                expect(page.locator(f"a[href*='country={mine[username]}']").first).to_be_attached()
                assert page.locator(f"a[href*='country={other}']").count() == 0
                page.goto(f"{base}{pillar(other, 'administration.ipynb')}")
                expect(page.get_by_text(access.HIDDEN).first).to_be_visible()
                page.goto(f"{base}{pillar(mine[username], 'administration.ipynb')}")
                expect(page.get_by_text(f"{mine[username]} ").first).to_be_visible()
            # maria rates in her new round: the change is saved under her account, not a typed name
            page = pages["maria"]
            page.goto(f"{base}/voila/render/administration.ipynb?country=XAT&round={BLANK.replace(' ', '%20')}"
                      "&editor=Maria%20Silva")
            page.get_by_role("button", name=re.compile(rf"^▸ {re.escape(subarea.id)} ")).click()
            block = page.locator(".mbm-indicator", has=page.locator(f"#mbm-ind-{indicator.id.replace('.', '-')}"))
            block.locator(".widget-toggle-buttons button", has_text=re.compile(r"^2$")).click()
            expect(block.locator(".mbm-status")).to_contain_text("saved", timeout=30_000)
            # a sign-out in one context leaves the other signed in
            pages["maria"].goto(f"{base}/logout")
            pages["maria"].get_by_role("button", name="Sign out").click()
            expect(pages["maria"].get_by_text("You have signed out.")).to_be_visible()
            pages["maria"].goto(f"{base}{HOME}")
            expect(pages["maria"].get_by_role("heading", name="Sign in")).to_be_visible()
            pages["ana"].goto(f"{base}{HOME}")
            expect(pages["ana"].locator("a[href*='country=XBO']").first).to_be_attached()
            browser.close()
    finally:
        gen.close()
    rating = store.get_rating(blank.id, indicator.id)
    assert (rating["agreed"], rating["updated_by"]) == ("2", "Maria Silva")
    with Session(db.get_engine(url)) as s:
        entries = s.query(AuditEntry).filter(AuditEntry.assessment_id == blank.id, AuditEntry.new == "2").all()
        assert entries and {e.account for e in entries} == {"maria"}


def test_a_download_link_serves_only_people_with_a_role_in_its_assessment(app, tmp_path):
    """A link a page handed out (a file of XAT) gives the file to maria, who leads XAT; ana, signed
    in but without a role in XAT, gets what a link that does not exist gives; signed out: refused."""
    from workbook import transfer
    xat = Store(app.url, actor=None).get_assessment("XAT", ROUND).id
    html = tmp_path / "report.html"
    html.write_text("<!DOCTYPE html><html><body><p>Atlantis report</p></body></html>", encoding="utf-8")
    ticket = transfer.offer_download(html, assessment_id=xat, root=app.runtime)
    link = f"/mbm/download/{ticket.token}/report.html"
    status, headers, body = signed_in(app, "maria").get(link)
    assert status == 200 and "Atlantis report" in body and headers["Content-Disposition"].startswith("attachment")
    missing = signed_in(app, "ana").get("/mbm/download/" + "b" * 43 + "/report.html")
    refused = signed_in(app, "ana").get(link)
    assert refused[0] == missing[0] == 404 and refused[2] == missing[2]  # it does not say the file exists
    assert Client(app.base).get(link)[0] in (302, 403)

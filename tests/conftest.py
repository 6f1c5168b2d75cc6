"""Shared fixtures. Every test gets its own database; WORKBOOK_DB_URL points at it so that
subprocesses (CLI, papermill kernels, Voila) use it too. (``module_demo_url`` is one per test module,
not in WORKBOOK_DB_URL: for a server that the module's tests share.)

``db_url``, ``store``, ``demo_store``, ``demo_url`` (for tests that start other processes: papermill
kernels, Voila, the batch, CLI subprocesses), ``blank_url`` and the module-scoped ``module_demo_url``
(one server per module and backend) run each test on SQLite and on PostgreSQL. The PostgreSQL server
comes from ``WORKBOOK_TEST_PG_URL`` (``tools/with-postgres`` starts one; ``make test`` uses it);
without it the PostgreSQL variants are skipped with that reason. A test about SQLite itself can leave
PostgreSQL out: ``@pytest.mark.parametrize("demo_url", ["sqlite"], indirect=True)``, with a comment why.

Also here: ``rich_url``/``rich_store``/``data`` (the report tests' demo database with a road map,
initiatives and a follow-up round; helpers in ``report_support.py``), and ``chromium``/``server``
(a ``workbook serve`` on the test's demo database, for browser tests).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from workbook import serve
from workbook.store import db
from workbook.store.demo import load_demo
from workbook.processes import free_port, stop_group
from workbook.report.chromium import CHROMIUM_ARGS as PRINT_ARGS
from workbook.report.chromium import executable as chromium_executable
from workbook.store import Store

from report_support import FOLLOW_UP, load_data, rich_database

CHROMIUM = chromium_executable() or "/usr/bin/chromium"
CHROMIUM_ARGS = list(PRINT_ARGS)  # the flags the PDF printer uses: headless-safe, nothing fetched in the background
PG_ADMIN_URL = os.environ.get("WORKBOOK_TEST_PG_URL", "")
BACKENDS = ["sqlite", "postgresql"]


def chromium_available() -> bool:
    return os.path.exists(CHROMIUM)


class _PostgresDatabases:
    """Creates databases from templates (fast: a file copy inside the server) and drops them."""

    def __init__(self, admin_url: str):
        self.admin_url = admin_url
        self.admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        self.templates: dict[str, str] = {}

    def url(self, name: str) -> str:
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def template(self, kind: str) -> str:
        if kind not in self.templates:
            name = f"mbm_tpl_{kind}_{uuid.uuid4().hex[:8]}"
            with self.admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            url = self.url(name)
            db.upgrade(url)
            if kind == "demo":
                load_demo(Store(url))
            db.get_engine(url).dispose()
            self.templates[kind] = name
        return self.templates[kind]

    def create(self, kind: str) -> str:
        """A new database: "blank" (never migrated), "empty" (migrated) or "demo" (demo loaded)."""
        name = f"mbm_test_{uuid.uuid4().hex[:12]}"
        template = "" if kind == "blank" else f' TEMPLATE "{self.template(kind)}"'
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"{template}'))
        return self.url(name)

    def drop(self, url: str) -> None:
        db.get_engine(url).dispose()
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))

    def close(self) -> None:
        with self.admin.connect() as conn:
            for name in self.templates.values():
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


@pytest.fixture(scope="session")
def pg_databases():
    if not PG_ADMIN_URL:
        pytest.skip("PostgreSQL not configured: set WORKBOOK_TEST_PG_URL or run through tools/with-postgres")
    dbs = _PostgresDatabases(PG_ADMIN_URL)
    yield dbs
    dbs.close()


@pytest.fixture(scope="session")
def demo_db_template(tmp_path_factory) -> Path:
    """A SQLite demo database built once per session; tests copy it (fast, and isolated)."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    url = f"sqlite:///{path}"
    db.upgrade(url)
    load_demo(Store(url))
    db.get_engine(url).dispose()
    return path


def new_database(kind: str, backend: str, request, path: Path) -> str:
    """A new "blank", "empty" or "demo" database on ``backend`` (SQLite: the file ``path``), dropped or
    disposed of when ``request``'s scope ends. Module-scoped fixtures use it directly."""
    if backend == "postgresql":
        dbs = request.getfixturevalue("pg_databases")
        url = dbs.create(kind)
        request.addfinalizer(lambda: dbs.drop(url))
        return url
    url = f"sqlite:///{path}"
    if kind == "demo":
        shutil.copy(request.getfixturevalue("demo_db_template"), path)
    elif kind == "empty":
        db.upgrade(url)
    request.addfinalizer(lambda: db.get_engine(url).dispose())
    return url


def _use(url: str, tmp_path: Path, monkeypatch) -> str:
    monkeypatch.setenv("WORKBOOK_DB_URL", url)
    monkeypatch.setenv("WORKBOOK_HOME", str(tmp_path / "home"))
    return url


def _database(kind: str, backend: str, request, tmp_path: Path, monkeypatch) -> str:
    return _use(new_database(kind, backend, request, tmp_path / "workbook.db"), tmp_path, monkeypatch)


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path, monkeypatch) -> str:
    """An empty, migrated database (SQLite and PostgreSQL)."""
    return _database("empty", request.param, request, tmp_path, monkeypatch)


@pytest.fixture(params=BACKENDS)
def blank_url(request, tmp_path, monkeypatch) -> str:
    """An empty database that was never migrated (SQLite and PostgreSQL)."""
    return _database("blank", request.param, request, tmp_path, monkeypatch)


@pytest.fixture
def store(db_url) -> Store:
    return Store(db_url)


@pytest.fixture(params=BACKENDS)
def demo_store(request, tmp_path, monkeypatch) -> Store:
    """The demo countries loaded (SQLite and PostgreSQL)."""
    return Store(_database("demo", request.param, request, tmp_path, monkeypatch))


@pytest.fixture(params=BACKENDS)
def demo_url(request, tmp_path, monkeypatch) -> str:
    """A demo database (SQLite and PostgreSQL) in WORKBOOK_DB_URL, for tests that start other processes."""
    return _database("demo", request.param, request, tmp_path, monkeypatch)


@pytest.fixture(scope="module", params=BACKENDS)
def module_demo_url(request, tmp_path_factory) -> str:
    """A demo database (SQLite and PostgreSQL) for one test module's shared server, one per module and
    backend (the tests change it). Not in WORKBOOK_DB_URL: hand it to the server yourself."""
    return new_database("demo", request.param, request, tmp_path_factory.mktemp("module-demo") / "workbook.db")


# -- the report tests' rich demo database (tests/report_support.py builds it once per session) --
@pytest.fixture(scope="session")
def rich_url(tmp_path_factory, demo_db_template) -> str:
    """The demo countries; XAT with recommendations, two overlapping initiatives and a follow-up round
    (with recommendations of its own)."""
    return rich_database(str(demo_db_template), str(tmp_path_factory.getbasetemp() / "rich"))


@pytest.fixture(scope="session")
def rich_store(rich_url) -> Store:
    return Store(rich_url)


@pytest.fixture(scope="session")
def data(rich_url):
    """XAT's follow-up round: every chapter has something to show."""
    return load_data(rich_url, "XAT", FOLLOW_UP)


# -- a served app, for the browser tests ------------------------------------------------------
def serve_app(db_url: str, log_path: Path):
    """`workbook serve` on a free port in its own process group; the whole group is killed at the end."""
    port = free_port()
    with open(log_path, "w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "workbook.cli", "serve", "--port", str(port), "--no-browser"],
                                env={**os.environ, "WORKBOOK_DB_URL": db_url}, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        if not serve.wait_until_up(f"{base}/", timeout=120, proc=proc):
            pytest.fail(f"the server did not answer:\n{log_path.read_text()}")
        yield base
    finally:
        stop_group(proc)


@pytest.fixture
def chromium():
    """The Chromium executable (skips without it)."""
    if not chromium_available():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (make browser)")
    return CHROMIUM


@pytest.fixture
def server(demo_url, tmp_path):
    """`workbook serve` on the test's own demo database (SQLite and PostgreSQL); yields its base URL."""
    yield from serve_app(demo_url, tmp_path / "serve.log")

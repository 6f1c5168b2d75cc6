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
initiatives and a follow-up round; helpers in ``support/reports.py``), and ``chromium``/``server``
(a ``workbook serve`` on the test's demo database, for browser tests). The helpers behind them
are in ``support/`` (``databases``, ``browser``, ``reports``).
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from support.browser import CHROMIUM, chromium_available, serve_app
from support.databases import BACKENDS, PG_ADMIN_URL, PostgresDatabases, new_database
from support.reports import FOLLOW_UP, load_data, rich_database
from workbook import config
from workbook.store import Store, db
from workbook.demo import load_demo


@pytest.fixture(scope="session")
def pg_databases():
    if not PG_ADMIN_URL:
        pytest.skip("PostgreSQL not configured: set WORKBOOK_TEST_PG_URL or run through tools/with-postgres")
    dbs = PostgresDatabases(PG_ADMIN_URL)
    yield dbs
    dbs.close()


@pytest.fixture(scope="session", autouse=True)
def session_attachments(tmp_path_factory):
    """One attachments folder for the session (WORKBOOK_ATTACHMENTS, inherited by the servers and
    commands the tests start): the demo's attachment files are written once with its template,
    and every copy of the demo database finds them. Tests about attachments set their own."""
    folder = tmp_path_factory.mktemp("attachments")
    before = os.environ.get("WORKBOOK_ATTACHMENTS")
    os.environ["WORKBOOK_ATTACHMENTS"] = str(folder)
    yield folder
    if before is None:
        os.environ.pop("WORKBOOK_ATTACHMENTS", None)
    else:
        os.environ["WORKBOOK_ATTACHMENTS"] = before


@pytest.fixture(scope="session")
def demo_db_template(tmp_path_factory) -> Path:
    """A SQLite demo database built once per session; tests copy it (fast, and isolated)."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    url = f"sqlite:///{path}"
    db.upgrade(url)
    load_demo(Store(url))
    db.get_engine(url).dispose()
    return path


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


# -- the report tests' rich demo database (tests/support/reports.py builds it once per session) --
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


@pytest.fixture
def runtime(tmp_path, monkeypatch) -> Path:
    """A private folder as a running server gives its pages (WORKBOOK_RUNTIME): downloads, snapshots."""
    folder = tmp_path / "runtime"
    folder.mkdir(mode=0o700)
    monkeypatch.setenv(config.RUNTIME_ENV, str(folder))
    return folder


# -- a served app, for the browser tests ------------------------------------------------------
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

"""Engines and schema migrations.

SQLite (the embedded default) runs in WAL mode with a busy timeout and foreign keys on, so a
Voila kernel, a JupyterLab kernel and a batch can share one file. Any other SQLAlchemy URL
(PostgreSQL for teams) is used as given.
"""
from __future__ import annotations

import functools
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from .. import config
from ..errors import WorkbookError

MIGRATIONS = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 10_000


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def get_engine(url: str | None = None) -> Engine:
    """One engine per URL per process (engines pool connections; make them once)."""
    return _engine(config.db_url(url))


@functools.lru_cache(maxsize=16)
def _engine(resolved: str) -> Engine:
    try:
        parsed = make_url(resolved)
    except Exception as exc:  # sqlalchemy raises ArgumentError with a terse message
        raise WorkbookError(f"WORKBOOK_DB_URL / database URL is not a valid SQLAlchemy URL: {exc}") from None
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(resolved, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(resolved, pool_pre_ping=True)
    return engine


def _alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(cfg).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(url: str | None = None) -> str:
    """Create or upgrade the schema to the newest migration; return the revision."""
    engine = get_engine(url)
    command.upgrade(_alembic_config(engine), "head")
    return current_revision(engine)


def check_schema(engine: Engine) -> None:
    """Raise a clear error when the database is missing tables or behind the code."""
    rev, head = current_revision(engine), head_revision()
    if rev != head:
        state = "is empty" if rev is None else f"is at schema revision {rev}, the code needs {head}"
        raise WorkbookError(
            f"the database {engine.url.render_as_string(hide_password=True)} {state}: "
            "run `workbook db upgrade` first")

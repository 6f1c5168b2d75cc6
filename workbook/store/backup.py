"""Backup and restore of the whole database.

* SQLite: a consistent snapshot through SQLite's online backup API (safe while the app writes).
* PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore`` (Debian's postgresql-client), the
  password passed through the environment, never on the command line.

The backup file's first bytes say which it is, so ``restore`` needs no format option. A restore
goes into an empty database unless ``replace=True``; it is written to a temporary file first and
moved into place, so a failed restore leaves the target as it was.

The field mission's attachments live outside the database (``WORKBOOK_ATTACHMENTS``, files named
by their SHA-256): ``backup`` copies them into a folder beside the backup file
(``<backup>.attachments/``) and ``restore`` copies back those that are missing, each checked
against its hash.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

from sqlalchemy import inspect, text

from . import db
from .. import config
from ..errors import WorkbookError

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"


def _pg_env_args(url) -> tuple[dict, list[str]]:
    env = os.environ.copy()
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    args = []
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    return env, args


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
            return str(candidate)
        raise WorkbookError(f"{name} not found: install the PostgreSQL client (Debian: postgresql-client)")
    return found


def _atomic_target(output: Path) -> Path:
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{output.name}.", dir=output.parent)
    os.close(fd)
    return Path(tmp)


def backup(output: str | Path, url: str | None = None) -> Path:
    """Write a consistent backup of the database to ``output``; returns the path."""
    output = Path(output)
    engine = db.get_engine(url)
    u = engine.url
    tmp = _atomic_target(output)
    try:
        if u.get_backend_name() == "sqlite":
            src = sqlite3.connect(u.database)
            dst = sqlite3.connect(tmp)
            try:
                with dst:
                    src.backup(dst)
            finally:
                src.close()
                dst.close()
        elif u.get_backend_name() == "postgresql":
            env, args = _pg_env_args(u)
            proc = subprocess.run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(tmp),
                                   *args, u.database], env=env, capture_output=True, text=True)
            if proc.returncode:
                raise WorkbookError(f"pg_dump failed: {proc.stderr.strip()}")
        else:
            raise WorkbookError(f"backup supports SQLite and PostgreSQL, not {u.get_backend_name()}")
        os.replace(tmp, output)
    finally:
        tmp.unlink(missing_ok=True)
    copy_attachments(config.attachments_dir(), attachments_beside(output))
    return output


SHA256_NAME = re.compile(r"[0-9a-f]{64}")


def attachments_beside(backup_file: str | Path) -> Path:
    """The folder of attachment files that goes with a backup file."""
    return Path(f"{backup_file}.attachments")


def copy_attachments(source: Path, target: Path) -> int:
    """Copy the attachment files of ``source`` missing from ``target`` (``ab/<sha256>``), each
    checked against its name; returns how many were copied. A damaged file is refused."""
    copied = 0
    if not source.is_dir():
        return 0
    for path in sorted(source.glob("[0-9a-f][0-9a-f]/*")):
        if not SHA256_NAME.fullmatch(path.name) or path.parent.name != path.name[:2]:
            continue
        dest = target / path.parent.name / path.name
        if dest.is_file():
            continue
        content = path.read_bytes()
        if hashlib.sha256(content).hexdigest() != path.name:
            raise WorkbookError(f"attachment file {path} is damaged (its content does not match its name)")
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = _atomic_target(dest)
        tmp.write_bytes(content)
        os.replace(tmp, dest)
        copied += 1
    return copied


def _has_data(url: str | None) -> bool:
    engine = db.get_engine(url)
    if "assessment" not in inspect(engine).get_table_names():
        return False
    with engine.connect() as conn:
        return bool(conn.execute(text("SELECT COUNT(*) FROM assessment")).scalar())


def restore(backup_file: str | Path, url: str | None = None, *, replace: bool = False) -> None:
    """Restore a backup made by :func:`backup` into the database at ``url``."""
    path = Path(backup_file)
    try:
        with path.open("rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise WorkbookError(f"{path}: cannot read the backup: {exc.strerror}") from None
    engine = db.get_engine(url)
    u = engine.url
    kind = "sqlite" if head.startswith(SQLITE_MAGIC) else "postgresql" if head.startswith(PGDUMP_MAGIC) else None
    if kind is None:
        raise WorkbookError(f"{path}: not a workbook backup (neither a SQLite file nor a pg_dump archive)")
    if kind != u.get_backend_name():
        raise WorkbookError(f"{path} is a {kind} backup; the target database is {u.get_backend_name()}")
    if _has_data(url) and not replace:
        raise WorkbookError(f"the target database {u.render_as_string(hide_password=True)} already holds "
                            "assessments: restore into an empty database, or pass --replace")
    if kind == "sqlite":
        check = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            ok = check.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            check.close()
        if ok != "ok":
            raise WorkbookError(f"{path}: the SQLite backup is damaged ({ok})")
        engine.dispose()
        target = Path(u.database)
        tmp = _atomic_target(target)
        try:
            src = sqlite3.connect(path)
            dst = sqlite3.connect(tmp)
            try:
                with dst:
                    src.backup(dst)
            finally:
                src.close()
                dst.close()
            for suffix in ("-wal", "-shm"):
                Path(f"{target}{suffix}").unlink(missing_ok=True)
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
    else:
        env, args = _pg_env_args(u)
        engine.dispose()
        proc = subprocess.run([_pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
                               "--exit-on-error", *args, "--dbname", u.database, str(path)],
                              env=env, capture_output=True, text=True)
        if proc.returncode:
            raise WorkbookError(f"pg_restore failed (nothing changed): {proc.stderr.strip()}")
    db.check_schema(db.get_engine(url))
    copy_attachments(attachments_beside(path), config.attachments_dir())

"""Shared fixtures. Every test gets its own database; WORKBOOK_DB_URL points at it so that
subprocesses (CLI, papermill kernels, Voila) use it too."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from workbook import db
from workbook.demo import load_demo
from workbook.store import Store

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-quic", "--no-first-run"]


@pytest.fixture
def db_url(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'workbook.db'}"
    monkeypatch.setenv("WORKBOOK_DB_URL", url)
    monkeypatch.setenv("WORKBOOK_HOME", str(tmp_path / "home"))
    db.upgrade(url)
    return url


@pytest.fixture
def store(db_url) -> Store:
    return Store(db_url)


@pytest.fixture(scope="session")
def demo_db_template(tmp_path_factory) -> Path:
    """A demo database built once per session; tests copy it (fast, and isolated)."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    url = f"sqlite:///{path}"
    db.upgrade(url)
    load_demo(Store(url))
    db.get_engine(url).dispose()
    return path


@pytest.fixture
def demo_url(tmp_path, monkeypatch, demo_db_template) -> str:
    path = tmp_path / "workbook.db"
    shutil.copy(demo_db_template, path)
    url = f"sqlite:///{path}"
    monkeypatch.setenv("WORKBOOK_DB_URL", url)
    monkeypatch.setenv("WORKBOOK_HOME", str(tmp_path / "home"))
    return url


@pytest.fixture
def demo_store(demo_url) -> Store:
    return Store(demo_url)


def chromium_available() -> bool:
    return os.path.exists(CHROMIUM)

"""WORKBOOK_BUILDER_IDLE: how long the app's report builder stays up without a report."""
from __future__ import annotations

import pytest

from workbook import config
from workbook.errors import WorkbookError


def test_the_builder_stays_ten_minutes_by_default_and_the_setting_is_checked(monkeypatch):
    monkeypatch.delenv("WORKBOOK_BUILDER_IDLE", raising=False)
    assert config.builder_idle_seconds() == 600
    monkeypatch.setenv("WORKBOOK_BUILDER_IDLE", " 90 ")
    assert config.builder_idle_seconds() == 90
    for bad in ("0", "-5", "ten minutes", "1e9"):
        monkeypatch.setenv("WORKBOOK_BUILDER_IDLE", bad)
        with pytest.raises(WorkbookError, match="WORKBOOK_BUILDER_IDLE"):
            config.builder_idle_seconds()


def test_printing_ahead_waits_two_seconds_by_default_and_the_setting_is_checked(monkeypatch):
    monkeypatch.delenv("WORKBOOK_PRINT_AHEAD", raising=False)
    assert config.print_ahead_seconds() == 2
    monkeypatch.setenv("WORKBOOK_PRINT_AHEAD", "0")
    assert config.print_ahead_seconds() == 0  # never
    for bad in ("-1", "soon", "7200"):
        monkeypatch.setenv("WORKBOOK_PRINT_AHEAD", bad)
        with pytest.raises(WorkbookError, match="WORKBOOK_PRINT_AHEAD"):
            config.print_ahead_seconds()


@pytest.mark.parametrize("name", ["WORKBOOK_BUILDER_IDLE", "WORKBOOK_PRINT_AHEAD"])
def test_the_server_refuses_to_start_with_a_wrong_builder_setting(monkeypatch, name):
    """Said when the server starts, not at the first report (where the builder would ignore it)."""
    from workbook import serve
    for var in ("WORKBOOK_TOKEN", "WORKBOOK_PASSWORD_HASH"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv(name, "soon")
    monkeypatch.setattr(serve.subprocess, "Popen", lambda *a, **k: pytest.fail("the server was started"))
    with pytest.raises(WorkbookError, match=name):
        serve.serve("127.0.0.1", 8866, db_url="sqlite:///:memory:")

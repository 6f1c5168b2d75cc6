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

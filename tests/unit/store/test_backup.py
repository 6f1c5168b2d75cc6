"""Backup and restore: restore into an empty database and compare everything."""
from __future__ import annotations

import pandas as pd
import pytest

from support.databases import new_database
from workbook.store.backup import backup, restore
from workbook.cli import main
from workbook.errors import WorkbookError
from workbook.store import Store


def _everything(store: Store) -> dict:
    out = {"assessments": [a.__dict__ for a in store.list_assessments()]}
    for a in store.list_assessments():
        for name, frame in (("ratings", store.ratings_frame(a.id)), ("evidence", store.evidence_frame(a.id)),
                            ("audit", store.audit_frame(a.id))):
            out[f"{a.country_code}/{name}"] = frame.astype(object).where(pd.notna(frame), None).to_dict("records")
    return out


@pytest.fixture
def empty_target(request, demo_store, tmp_path):
    """An empty (never migrated) database on the same backend as demo_store."""
    return new_database("blank", demo_store.engine.url.get_backend_name(), request, tmp_path / "restored.db")


def test_backup_and_restore_round_trip(demo_store, empty_target, tmp_path):
    source_url = demo_store.engine.url.render_as_string(hide_password=False)
    demo_store.save_rating(demo_store.get_assessment("XAT").id, "ADM.1.1", notes="after the demo", by="tester")
    path = backup(tmp_path / "backups" / "wb.backup", source_url)
    restore(path, empty_target)
    assert _everything(Store(empty_target)) == _everything(demo_store)


def test_restore_refuses_non_empty_target_and_foreign_files(demo_store, tmp_path):
    url = demo_store.engine.url.render_as_string(hide_password=False)
    path = backup(tmp_path / "wb.backup", url)
    with pytest.raises(WorkbookError, match="already holds assessments"):
        restore(path, url)
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"hello, not a backup")
    with pytest.raises(WorkbookError, match="not a workbook backup"):
        restore(junk, url)


def test_restore_replace_brings_back_old_state(tmp_path, demo_url):
    store = Store(demo_url)
    path = backup(tmp_path / "before.backup", demo_url)
    xat = store.get_assessment("XAT").id
    before = store.get_rating(xat, "INF.1.2")
    store.save_rating(xat, "INF.1.2", agreed="NA", notes="a change to undo", by="tester")
    restore(path, demo_url, replace=True)
    assert Store(demo_url).get_rating(xat, "INF.1.2") == before


def test_cli_backup_restore(demo_store, empty_target, tmp_path, capsys):
    out = tmp_path / "cli.backup"
    assert main(["backup", "--output", str(out)]) == 0  # the demo database, in WORKBOOK_DB_URL
    assert "backup written" in capsys.readouterr().out
    target = empty_target
    assert main(["--db-url", target, "restore", str(out)]) == 0
    assert [a.country_code for a in Store(target).list_assessments()] == ["XAT", "XBO", "XSY", "XSY"]
    assert main(["--db-url", target, "restore", str(out)]) == 2
    assert "already holds assessments" in capsys.readouterr().err

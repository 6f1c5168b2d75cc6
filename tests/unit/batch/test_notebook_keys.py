"""What decides whether a pillar notebook is run again: the assessment's own framework version,
not the store's default (an assessment rated against 1.0 in a database whose default is 2.0)."""
from __future__ import annotations

from workbook import config
from workbook.batch.jobs import CountryJob, notebook_keys
from workbook.framework import load_framework
from workbook.store import Store

V1 = load_framework(version="1.0.0")


def test_the_keys_of_an_assessment_follow_its_own_framework_version(db_url, tmp_path):
    old = Store(db_url, framework=V1)
    info = old.create_assessment("XBO", "baseline 2025", country_name="Borduria", by="Kwame Mensah")
    old.save_many(info.id, [{"indicator_id": "OPS.2.1", "agreed": "4", "notes": "Seen."}], by="Kwame Mensah")
    store = Store(db_url)  # the default framework, 2.0
    assert store.framework.version != V1.version
    job = CountryJob("XBO", "baseline 2025", str(tmp_path), str(config.notebooks_dir()))
    keys = notebook_keys(store, info, job)
    assert keys == notebook_keys(old, info, job)  # the same whichever default the store has
    old.save_many(info.id, [{"indicator_id": "OPS.2.1", "agreed": "3", "notes": "Seen."}], by="Kwame Mensah")
    changed = notebook_keys(store, info, job)
    ops = config.PILLAR_NOTEBOOKS["OPS"]
    assert changed[ops] != keys[ops] and all(changed[n] == keys[n] for n in keys if n != ops)

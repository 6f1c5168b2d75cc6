"""Moving an assessment from framework 1.0.0 to 2.0.0: the dry run lists what each rating becomes,
the move loses nothing, and an assessment can stay on 1.0.0 (SQLite and PostgreSQL)."""
from __future__ import annotations

import pytest

from workbook.cli import main
from workbook.errors import InvalidInput
from workbook.framework import load_framework
from workbook.store import Store

V1 = load_framework(version="1.0.0")


@pytest.fixture
def old(db_url):
    """An assessment rated against 1.0.0: ADM.6.2 merged into a rated OPS.5.3, OPS.6.2 moved to an
    unrated OPS.2.3, ADM.1.1 kept."""
    store = Store(db_url, framework=V1)
    a = store.create_assessment("XBO", "baseline 2024", country_name="Borduria", by="Lena")
    store.save_many(a.id, [
        {"indicator_id": "ADM.6.2", "agreed": "2", "national": "3", "external": "2", "notes": "Few cases closed.",
         "evidence": [{"type": "official_report", "source": "Inspectorate report 2023", "date": "2024-01-10"}]},
        {"indicator_id": "OPS.5.3", "agreed": "3", "national": "3", "external": "3"},
        {"indicator_id": "OPS.6.2", "agreed": "2", "national": "2", "external": "1",
         "evidence": [{"type": "interview", "source": "Shift supervisors", "date": "2024-01-12"}]},
        {"indicator_id": "ADM.1.1", "agreed": "4", "national": "4", "external": "4"},
    ], by="Lena")
    return db_url, a


def test_an_assessment_stays_on_1_0_and_scores_against_it(old):
    url, a = old
    store = Store(url)                                   # a store on the current (2.0) framework
    assert store.framework.version == "2.0.0" and store.framework_of(a.id).version == "1.0.0"
    frame = store.ratings_frame(a.id)
    assert len(frame) == len(V1.indicators) and "ADM.6.2" in set(frame["indicator_id"])
    sub = store.scores(a.id).subareas.set_index("subarea_id")
    assert sub.loc["ADM.6", "method"] == "mean"          # 1.0's own rule


def test_the_dry_run_says_what_each_rating_becomes_and_writes_nothing(old):
    url, a = old
    store = Store(url)
    before = store.audit_frame(a.id)
    plan = store.migrate_framework(a.id, to_version="2.0.0", by="Lena", dry_run=True)
    text = plan.describe(dry_run=True)
    assert "XBO baseline 2024: framework 1.0.0 -> 2.0.0 (dry run: nothing written)" in text
    assert "ADM.6.2 -> OPS.5.3: merged (OPS.5.3 keeps its own rating; ADM.6.2's ratings go into its notes and its " \
           "1 evidence record(s) are copied)" in text
    assert "OPS.6.2 -> OPS.2.3: moved (OPS.2.3 takes OPS.6.2's ratings and 1 evidence record(s))" in text
    assert "ADM.1.1: kept" in text
    assert "OPS.1.4: new" in text
    assert store.framework_of(a.id).version == "1.0.0" and store.audit_frame(a.id).equals(before)


def test_the_move_loses_nothing(old):
    url, a = old
    store = Store(url)
    plan = store.migrate_framework(a.id, to_version="2.0.0", by="Lena")
    assert plan.counts()["moved"] >= 1 and store.framework_of(a.id).version == "2.0.0"
    merged = store.get_rating(a.id, "OPS.5.3")
    assert merged["agreed"] == "3" and "ADM.6.2" in merged["notes"] and "agreed 2" in merged["notes"]
    assert "Few cases closed." in merged["notes"]
    moved = store.get_rating(a.id, "OPS.2.3")
    assert (moved["agreed"], moved["national"], moved["external"]) == ("2", "2", "1")
    ev = store.evidence_frame(a.id)
    assert {"Inspectorate report 2023", "Shift supervisors"} <= set(ev.loc[ev["indicator_id"].isin(
        ["OPS.5.3", "OPS.2.3"]), "source"])
    assert store.get_rating(a.id, "ADM.1.1")["agreed"] == "4"
    audit = store.audit_frame(a.id)
    assert ((audit["field"] == "framework_version") & (audit["new"] == "2.0.0")).any()
    # the old rows are still there: read through 1.0.0 they show unchanged
    back = Store(url, framework=V1)
    with back._sessions() as s:
        from sqlalchemy import select

        from workbook.store.models import Rating
        old_row = s.scalars(select(Rating).where(Rating.assessment_id == a.id,
                                                 Rating.indicator_id == "ADM.6.2")).one()
        assert old_row.agreed == "2" and len(old_row.evidence) == 1
    with pytest.raises(InvalidInput, match="already on framework 2.0.0"):
        store.migrate_framework(a.id, to_version="2.0.0", by="Lena")


def test_the_command(old, capsys):
    url, a = old
    assert main(["--db-url", url, "framework", "migrate", "XBO", "--to", "2.0.0", "--dry-run"]) == 0
    assert "(dry run: nothing written)" in capsys.readouterr().out
    assert main(["--db-url", url, "framework", "migrate", "XBO", "--to", "9.9.9", "--by", "Lena"]) == 2
    assert "framework version '9.9.9' is not installed" in capsys.readouterr().err
    assert main(["--db-url", url, "framework", "migrate", "XBO", "--to", "2.0.0", "--by", "Lena"]) == 0
    assert Store(url).framework_of(a.id).version == "2.0.0"

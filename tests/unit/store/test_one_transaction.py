"""Several store calls as one transaction (``Store.one_transaction``), on SQLite and PostgreSQL:
committed together, or rolled back together when anything in the block raises."""
from __future__ import annotations

import pytest

from workbook.errors import InvalidInput
from workbook.roadmap import RoadmapStore


@pytest.fixture
def a(store):
    return store.create_assessment("XAT", "baseline 2026", country_name="Atlantis", by="Maria")


def test_calls_in_the_block_are_committed_together(store, a):
    with store.one_transaction() as tx:
        tx.set_crossing_profile(a.id, kinds=["air"], by="Maria")
        tx.save_criteria(a.id, {"OPS.2.3.2a": "yes"}, by="Maria")
        tx.save_rating(a.id, "ADM.1.1", by="Maria", notes="in the same transaction")
        RoadmapStore(tx).set_exposure(a.id, 2, reason="quiet border", by="Maria")
    assert store.crossing_profile(a.id).kinds == frozenset({"air"})
    assert list(store.criteria_frame(a.id)["criterion_id"]) == ["OPS.2.3.2a"]
    assert store.get_rating(a.id, "ADM.1.1")["notes"] == "in the same transaction"
    assert RoadmapStore(store).get_exposure(a.id)["level"] == 2


def test_a_failure_anywhere_in_the_block_saves_nothing(store, a):
    audit = len(store.audit_frame(a.id))
    with pytest.raises(InvalidInput, match="'maybe' is not an answer"):
        with store.one_transaction() as tx:
            tx.set_crossing_profile(a.id, kinds=["air"], by="Maria")
            tx.save_rating(a.id, "ADM.1.1", by="Maria", notes="rolled back")
            RoadmapStore(tx).set_exposure(a.id, 2, reason="quiet border", by="Maria")
            tx.save_criteria(a.id, {"OPS.2.3.2a": "maybe"}, by="Maria")
    assert store.crossing_profile(a.id).kinds is None
    assert store.get_rating(a.id, "ADM.1.1")["version"] == 0
    assert RoadmapStore(store).get_exposure(a.id)["is_set"] is False
    assert len(store.audit_frame(a.id)) == audit

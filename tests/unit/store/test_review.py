"""Review workflow: draft -> in review -> validated -> final, read-only when final, audited reopen."""
import pytest

from workbook.cli import main
from workbook.errors import InvalidInput


@pytest.fixture
def xat(store):
    return store.create_assessment("XAT", "baseline 2026", country_name="Atlantis", by="tester")


def _to_final(store, a):
    store.set_status(a.id, "in_review", by="Maria", role="team_leader")
    store.set_status(a.id, "validated", by="Ana Ferreira", role="national_counterpart",
                     organisation="Atlantis Border Police", comment="Validated at the closing workshop")
    return store.set_status(a.id, "final", by="Maria", role="team_leader")


def test_full_workflow_and_signoffs(store, xat):
    store.save_rating(xat.id, "ADM.1.1", agreed="3", by="Maria")
    info = _to_final(store, xat)
    assert info.status == "final"
    trail = store.signoffs(xat.id)
    assert trail["to_status"].tolist() == ["in_review", "validated", "final"]
    assert trail.loc[1, "name"] == "Ana Ferreira" and trail.loc[1, "organisation"] == "Atlantis Border Police"
    audit = store.audit_frame(xat.id).query("field == 'status'")
    assert audit["new"].tolist() == ["in_review", "validated", "final"]


def test_final_is_read_only_until_reopened_with_reason(store, xat):
    _to_final(store, xat)
    with pytest.raises(InvalidInput, match="final and read-only"):
        store.save_rating(xat.id, "ADM.1.1", agreed="4", by="Maria")
    with pytest.raises(InvalidInput, match="reopening a final assessment needs a reason"):
        store.set_status(xat.id, "draft", by="Maria")
    store.set_status(xat.id, "draft", by="Maria", comment="New evidence from the seaport visit")
    assert store.save_rating(xat.id, "ADM.1.1", agreed="4", by="Maria")["agreed"] == "4"
    assert store.signoffs(xat.id)["comment"].iloc[-1] == "New evidence from the seaport visit"


@pytest.mark.parametrize("steps, to, role, message", [
    ([], "final", "team", "is draft: it can move to in_review, not final"),
    ([], "validated", "national_counterpart", "it can move to in_review, not validated"),
    (["in_review"], "validated", "team", "signed by the national counterpart"),
    ([], "published", "team", "'published' is not a status"),
    ([], "in_review", "boss", "'boss' is not a role"),
])
def test_bad_transitions_write_nothing(store, xat, steps, to, role, message):
    for step in steps:
        store.set_status(xat.id, step, by="Maria")
    before = len(store.signoffs(xat.id))
    with pytest.raises(InvalidInput, match=message):
        store.set_status(xat.id, to, by="Maria", role=role)
    assert len(store.signoffs(xat.id)) == before
    assert store.get_assessment("XAT").status == (steps[-1] if steps else "draft")


def test_cli_status(demo_url, capsys):
    """The demo's XAT is in review (signed by its team leader)."""
    assert main(["status", "XAT"]) == 0
    assert "XAT baseline 2026: in_review" in capsys.readouterr().out
    assert main(["status", "XAT", "--to", "final", "--by", "Maria"]) == 2
    assert "it can move to draft or validated" in capsys.readouterr().err
    assert main(["status", "XAT", "--to", "draft", "--by", "Maria", "--role", "team_leader"]) == 0
    assert "XAT baseline 2026: draft" in capsys.readouterr().out
    assert main(["status", "XAT"]) == 0
    out = capsys.readouterr().out
    assert "draft -> in_review" in out and "in_review -> draft by Maria" in out


def test_report_cover_shows_status_and_signoffs(store, xat):
    from workbook.report import load_report_data
    from workbook.report.country import cover_html
    _to_final(store, xat)
    cover = cover_html(load_report_data("XAT", "baseline 2026", store=store))
    assert "final: endorsed results" in cover
    assert "validated: Ana Ferreira (national counterpart, Atlantis Border Police)" in cover

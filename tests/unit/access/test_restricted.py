"""Confidential content: findings, notes and evidence marked restricted in the store are left out
of what donor viewers read and of packages for donors (which say what was left out and cannot be
imported); a full package keeps the marks through export and import."""
import json

import pandas as pd
import pytest
from argon2 import PasswordHasher

from workbook.cli import main
from workbook.errors import InvalidInput
from workbook.exchange.files import export_file, import_file
from workbook.exchange.package import build_package
from workbook.store import Store, accounts, db
from workbook.store.access import Forbidden

PASSWORD = "correct horse battery"


@pytest.fixture
def xat(store, monkeypatch):
    """XAT with three findings: ADM.1.1 restricted, ADM.1.2 with a restricted note, ADM.1.3 open
    with one restricted evidence record of two."""
    monkeypatch.setattr(accounts, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    a = store.create_assessment("XAT", "baseline 2026", country_name="Atlantis", by="admin")
    store.save_rating(a.id, "ADM.1.1", agreed="1", notes="Officers at the seaport take bribes", by="admin")
    store.add_evidence(a.id, "ADM.1.1", type="interview", source="Port officer (anonymous)", by="admin")
    store.save_rating(a.id, "ADM.1.2", agreed="3", notes="Names of the informants: ...", by="admin")
    store.save_rating(a.id, "ADM.1.3", agreed="4", notes="Good practice", by="admin")
    store.add_evidence(a.id, "ADM.1.3", type="law", source="Border law 2019", by="admin")
    secret = store.add_evidence(a.id, "ADM.1.3", type="observation", source="Radar blind spot at km 42", by="admin")
    store.set_restricted(a.id, indicator_id="ADM.1.1", by="admin")
    store.set_restricted(a.id, indicator_id="ADM.1.2", what="notes", by="admin")
    store.set_restricted(a.id, evidence_id=secret, what="evidence", by="admin")
    for user, role in (("don", "donor_viewer"), ("maria", "team_lead")):
        accounts.add_user(store.engine, user, PASSWORD)
        store.grant_role(a.id, user, role, by="admin")
    return a


def as_(store, user) -> Store:
    return Store(store.engine.url.render_as_string(hide_password=False),
                 actor=accounts.authenticate(store.engine, user, PASSWORD))


def test_marks_are_counted_and_audited(store, xat):
    assert store.restricted_counts(xat.id) == {"findings": 1, "notes": 1, "evidence": 1}
    audit = store.audit_frame(xat.id)
    assert audit.query("field in ['restricted', 'notes_restricted']")["new"].tolist() == ["true", "true", "true"]


def test_a_donor_viewer_reads_without_the_restricted_content(store, xat):
    don = as_(store, "don")
    assert don.get_rating(xat.id, "ADM.1.1")["agreed"] is None and don.get_rating(xat.id, "ADM.1.1")["notes"] == ""
    assert don.get_rating(xat.id, "ADM.1.2")["agreed"] == "3" and don.get_rating(xat.id, "ADM.1.2")["notes"] == ""
    assert don.evidence_frame(xat.id)["source"].tolist() == ["Border law 2019"]
    frame = don.ratings_frame(xat.id).set_index("indicator_id")
    assert pd.isna(frame.loc["ADM.1.1", "agreed"]) and frame.loc["ADM.1.3", "notes"] == "Good practice"
    maria = as_(store, "maria")  # the team reads everything
    assert maria.get_rating(xat.id, "ADM.1.1")["notes"] == "Officers at the seaport take bribes"
    assert len(maria.evidence_frame(xat.id)) == 3
    with pytest.raises(Forbidden):
        don.audit_frame(xat.id)  # old and new values would show restricted content


def test_only_the_team_marks_content_restricted(store, xat):
    with pytest.raises(Forbidden, match=r"\(mark restricted\)"):
        as_(store, "don").set_restricted(xat.id, indicator_id="ADM.1.3", by="")
    as_(store, "maria").set_restricted(xat.id, indicator_id="ADM.1.1", restricted=False, by="")
    assert store.restricted_counts(xat.id)["findings"] == 0
    with pytest.raises(InvalidInput) as exc:
        store.set_restricted(xat.id, indicator_id="NOPE.9", restricted="yes", by="admin")
    assert {p.location for p in exc.value.problems} == {"restricted", "indicator_id"}
    with pytest.raises(InvalidInput, match="use finding, notes or evidence"):
        store.set_restricted(xat.id, indicator_id="ADM.1.3", what="everything", by="admin")


def test_a_package_for_donors_leaves_restricted_content_out_and_says_so(store, xat):
    data = build_package(store, xat, for_donors=True)
    text = json.dumps(data)
    for secret in ("bribes", "Port officer", "informants", "Radar blind spot"):
        assert secret not in text
    assert [r["indicator_id"] for r in data["ratings"]] == ["ADM.1.2", "ADM.1.3"]
    assert data["for_donors"] is True and data["audit"] == []
    assert data["left_out"] == ["1 restricted finding (levels, notes and evidence)", "1 restricted note",
                                "1 restricted evidence record", f"the audit log ({len(store.audit_frame(xat.id))} "
                                                                "entries)"]
    assert "Good practice" in text and "Border law 2019" in text


def test_who_may_export_what(store, xat, tmp_path):
    don = as_(store, "don")
    with pytest.raises(Forbidden, match=r"\(export\)"):
        export_file(don, don.get_assessment("XAT"), "json", tmp_path / "full.json")
    with pytest.raises(Forbidden):
        export_file(don, don.get_assessment("XAT"), "xlsx", tmp_path / "full.xlsx")
    assert not (tmp_path / "full.json").exists() and not (tmp_path / "full.xlsx").exists()
    path = export_file(don, don.get_assessment("XAT"), "json", tmp_path / "d.json", for_donors=True)
    assert json.loads(path.read_text())["for_donors"] is True
    with pytest.raises(InvalidInput, match="an export for donors is a package"):
        export_file(store, xat, "xlsx", tmp_path / "d.xlsx", for_donors=True)


def test_a_donor_package_is_refused_on_import_and_nothing_is_imported(store, xat, tmp_path):
    path = export_file(store, xat, "json", tmp_path / "d.json", for_donors=True)
    other = f"sqlite:///{tmp_path / 'other.db'}"
    db.upgrade(other)
    with pytest.raises(InvalidInput, match="package for donors: .* cannot be imported; nothing was imported"):
        import_file(Store(other), path, by="admin")
    assert Store(other).list_assessments() == []


def test_a_full_package_keeps_the_marks(store, xat, tmp_path):
    path = export_file(store, xat, "json", tmp_path / "full.json")
    other = f"sqlite:///{tmp_path / 'other.db'}"
    db.upgrade(other)
    there = Store(other)
    import_file(there, path, by="admin")
    a = there.get_assessment("XAT")
    assert there.restricted_counts(a.id) == {"findings": 1, "notes": 1, "evidence": 1}


def test_export_and_restrict_cli(store, xat, tmp_path, capsys):
    assert main(["restrict", "XAT", "--indicator", "ADM.1.3", "--notes-only", "--by", "admin"]) == 0
    assert "restricted 1 findings, 2 notes, 1 evidence" in capsys.readouterr().out
    out = tmp_path / "XAT-donors.json"
    assert main(["export", "XAT", "--format", "json", "--for-donors", "-o", str(out)]) == 0
    assert "for donors" in capsys.readouterr().out
    data = json.loads(out.read_text())
    assert "Good practice" not in out.read_text() and "2 restricted notes" in data["left_out"]


def test_a_package_for_donors_leaves_out_the_criteria_and_moderation_of_restricted_content(store, xat):
    fw = store.framework_of(xat.id)
    store.record_moderation(xat.id, held_on="2026-03-02", participants="Ana, Ben",
                            changes=[{"indicator_id": "ADM.1.1", "agreed": "1", "note": "The bribes were discussed"},
                                     {"indicator_id": "ADM.1.3", "agreed": "4", "note": "Agreed as it stands"}],
                            by="admin")
    first = {i: fw.indicator(i).criteria[0].id for i in ("ADM.1.1", "ADM.1.2", "ADM.1.3")}
    store.save_criteria(xat.id, {c: "yes" for c in first.values()}, by="admin",
                        notes={first["ADM.1.1"]: "Seen by the port officer", first["ADM.1.2"]: "Informant B said so",
                               first["ADM.1.3"]: "In the law"})
    data = build_package(store, xat, for_donors=True)
    text = json.dumps(data)
    for secret in ("bribes", "port officer", "Informant B"):
        assert secret not in text
    assert [(c["criterion_id"], c["note"]) for c in data["criteria"]] == [
        (first["ADM.1.2"], ""), (first["ADM.1.3"], "In the law")]
    assert [(m["indicator_id"], m["note"]) for m in data["moderation"]] == [("ADM.1.3", "Agreed as it stands")]
    full = build_package(store, xat)
    assert len(full["criteria"]) == 3 and len(full["moderation"]) == 2


def test_a_view_for_donors_reads_as_a_donor_viewer_whoever_it_acts_for(store, xat):
    """What the donor brief and the comparison are read through (accounts off here: the store itself
    reads everything, its view for donors does not)."""
    view = store.for_donors()
    assert view.evidence_frame(xat.id)["source"].tolist() == ["Border law 2019"]
    assert view.get_rating(xat.id, "ADM.1.1")["notes"] == "" and view.get_rating(xat.id, "ADM.1.1")["agreed"] is None
    assert view.get_rating(xat.id, "ADM.1.2")["notes"] == ""
    assert not view.can("read_restricted", xat.id) and store.can("read_restricted", xat.id)
    with pytest.raises(Forbidden, match="is for donors"):
        view.audit_frame(xat.id)
    assert store.get_rating(xat.id, "ADM.1.1")["notes"] == "Officers at the seaport take bribes"
    maria = as_(store, "maria").for_donors()  # the team lead's view for donors leaves it out too
    assert maria.ratings_frame(xat.id).set_index("indicator_id").loc["ADM.1.2", "notes"] == ""

"""Who may import: applying a plan (a workbook, a submissions export, a package) needs the
``import`` permission in the assessment (no role: "not found", as everywhere; a role without it:
refused); a package that creates an assessment needs an account that may create assessments, and
its importer then leads the team. Nothing is written when refused."""
import json

import pytest
from argon2 import PasswordHasher

from workbook.errors import InvalidInput, NotFound
from workbook.exchange.files import export_file, import_file, plan_file
from workbook.exchange.package import create_from_package, load_package
from workbook.exchange.plan import apply_plan
from workbook.store import Store, accounts
from workbook.store.access import HIDDEN, Forbidden

PASSWORD = "correct horse battery"


@pytest.fixture
def xat(store, monkeypatch, tmp_path):
    """XAT (maria leads, may create; rita reviews; peter has no role, may create; joao neither) and
    a package of it whose ADM.1.1 was agreed at 4 in the field (2 here). Returns (XAT, package)."""
    monkeypatch.setattr(accounts, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    a = store.create_assessment("XAT", "baseline 2026", country_name="Atlantis", by="admin")
    store.save_rating(a.id, "ADM.1.1", agreed="2", notes="as recorded here", by="admin")
    for user, role, create in (("maria", "team_lead", True), ("rita", "reviewer", False), ("peter", None, True),
                               ("joao", None, False)):
        accounts.add_user(store.engine, user, PASSWORD, may_create=create)
        if role:
            store.grant_role(a.id, user, role, by="admin")
    path = export_file(store, a, "json", tmp_path / "xat.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    rating = next(r for r in data["ratings"] if r["indicator_id"] == "ADM.1.1")
    rating["agreed"] = "4"
    path.write_text(json.dumps(data), encoding="utf-8")
    return a, path


def as_(store, user) -> Store:
    return Store(store.engine.url.render_as_string(hide_password=False),
                 actor=accounts.authenticate(store.engine, user, PASSWORD))


def _agreed(store, a) -> str:
    return store.get_rating(a.id, "ADM.1.1")["agreed"]


def _as_new_round(path, round_name: str):
    data = json.loads(path.read_text(encoding="utf-8"))
    data["assessment"]["round"] = round_name
    new = path.with_name(f"new-{path.name}")
    new.write_text(json.dumps(data), encoding="utf-8")
    return new


def test_the_team_imports(store, xat):
    a, path = xat
    maria = as_(store, "maria")
    apply_plan(maria, plan_file(maria, path), by="")
    assert _agreed(store, a) == "4"
    assert store.audit_frame(a.id).iloc[-1]["who"] == "maria"


def test_a_reviewer_may_read_the_plan_but_not_apply_it(store, xat):
    a, path = xat
    rita = as_(store, "rita")
    plan = plan_file(rita, path)  # reading what an import would change is reading
    assert [c.indicator_id for c in plan.changes] == ["ADM.1.1"]
    with pytest.raises(Forbidden, match=r"reviewer\) does not allow this \(import\); nothing was saved"):
        apply_plan(rita, plan, by="")
    with pytest.raises(Forbidden):
        import_file(rita, path, by="")
    assert _agreed(store, a) == "2"


def test_someone_without_a_role_is_told_not_found_even_with_a_plan_made_by_another(store, xat):
    a, path = xat
    plan = plan_file(store, path)  # made with accounts off (the administrator)
    for user in ("peter", "joao"):
        with pytest.raises(NotFound) as exc:
            apply_plan(as_(store, user), plan, by="")
        assert str(exc.value) == HIDDEN
    assert _agreed(store, a) == "2"


def test_a_package_that_creates_an_assessment_needs_the_right_to_create(store, xat):
    a, path = xat
    new = _as_new_round(path, "follow-up 2027")
    with pytest.raises(Forbidden, match="may not create assessments.*nothing was saved"):
        import_file(as_(store, "joao"), new, by="")
    assert [x.round for x in store.list_assessments()] == ["baseline 2026"]
    peter = as_(store, "peter")
    result = import_file(peter, new, by="")
    assert result.created
    created = peter.get_assessment("XAT", "follow-up 2027")  # the importer sees it: they lead its team
    assert peter.roles_frame(created.id)[["username", "role"]].values.tolist() == [["peter", "team_lead"]]
    assert _agreed(peter, created) == "4"
    assert store.audit_frame(created.id).iloc[-1]["who"] == "peter"


def test_a_package_of_a_hidden_assessment_does_not_say_that_it_exists(store, xat):
    a, path = xat
    with pytest.raises(InvalidInput) as exc:
        import_file(as_(store, "peter"), path, by="")  # XAT exists, peter has no role in it
    assert "cannot be created: ask the workbook's administrator" in str(exc.value)
    assert "already" not in str(exc.value)
    assert _agreed(store, a) == "2" and len(store.list_assessments()) == 1
    with pytest.raises(InvalidInput, match="already has an assessment"):  # accounts off: said plainly
        create_from_package(store, load_package(path), source=path.name, by="admin")

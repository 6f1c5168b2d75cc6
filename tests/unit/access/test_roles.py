"""Roles per assessment: a person sees only the assessments they have a role in (everything else
answers "not found", the same as an id that exists nowhere); only the national counterpart
validates, only the team lead moves to final; changes carry the account, not a typed name; with
accounts off (actor None) the store behaves as before."""
import datetime as dt

import pytest
from argon2 import PasswordHasher

from workbook.cli import main
from workbook.errors import InvalidInput, NotFound
from workbook.roadmap import RoadmapStore
from workbook.store import Store, accounts
from workbook.store.access import (HIDDEN, HUB_USER_ENV, IDENTITY_ENV, KERNEL_ACCOUNTS_ENV, KERNEL_KEY_ENV, NOBODY,
                                   Forbidden, KernelIdentity, SessionEnded, sign_identity)

PEOPLE = {"maria": ("Maria Silva", "team_lead"), "joao": ("Joao Costa", "assessor_national"),
          "ana": ("Ana Ferreira", "national_counterpart"), "rita": ("Rita Reviewer", "reviewer"),
          "don": ("Don Donor", "donor_viewer"), "peter": ("Peter Other", None)}
PASSWORD = "correct horse battery"


@pytest.fixture
def team(store, monkeypatch):
    """XAT with a whole team; XBO led by peter alone. Returns (admin store, XAT, XBO, actors)."""
    monkeypatch.setattr(accounts, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    xat = store.create_assessment("XAT", "baseline 2026", country_name="Atlantis", by="admin")
    xbo = store.create_assessment("XBO", "baseline 2026", country_name="Borduria", by="admin")
    actors = {}
    for user, (name, role) in PEOPLE.items():
        accounts.add_user(store.engine, user, PASSWORD, name=name, may_create=user == "maria")
        actors[user] = accounts.authenticate(store.engine, user, PASSWORD)
        if role:
            store.grant_role(xat.id, user, role, by="admin")
    store.grant_role(xbo.id, "peter", "team_lead", by="admin")
    return store, xat, xbo, actors


def as_(team, user) -> Store:
    store, _, _, actors = team
    return Store(store.engine.url.render_as_string(hide_password=False), actor=actors[user])


def test_each_person_sees_only_their_assessments(team):
    _, xat, xbo, _ = team
    assert [a.country_code for a in as_(team, "maria").list_assessments()] == ["XAT"]
    assert [a.country_code for a in as_(team, "peter").list_assessments()] == ["XBO"]
    store = team[0]
    assert [a.country_code for a in store.list_assessments()] == ["XAT", "XBO"]  # accounts off: everything


def test_another_countrys_assessment_answers_not_found_like_one_that_does_not_exist(team):
    _, xat, xbo, _ = team
    maria = as_(team, "maria")
    messages = []
    for call in (lambda: maria.get_assessment("XBO"), lambda: maria.get_assessment("XZZ"),
                 lambda: maria.ratings_frame(xbo.id), lambda: maria.ratings_frame(987654),
                 lambda: maria.criteria_frame(xbo.id), lambda: maria.moderation_frame(xbo.id),
                 lambda: maria.evidence_frame(xbo.id), lambda: maria.scores(xbo.id),
                 lambda: maria.last_change_id(xbo.id), lambda: maria.get_rating(xbo.id, "ADM.1.1"),
                 lambda: maria.comments_frame(xbo.id),
                 lambda: maria.save_rating(xbo.id, "ADM.1.1", agreed="4", by=""),
                 lambda: maria.audit_frame(xbo.id), lambda: maria.signoffs(xbo.id),
                 lambda: RoadmapStore(maria).get_exposure(xbo.id)):
        with pytest.raises(NotFound) as exc:
            call()
        messages.append(str(exc.value))
    assert set(messages) == {HIDDEN}
    assert team[0].get_rating(xbo.id, "ADM.1.1")["agreed"] is None  # nothing saved


def test_evidence_of_a_hidden_assessment_is_not_found(team):
    store, _, xbo, _ = team
    ev = store.add_evidence(xbo.id, "ADM.1.1", type="law", source="Border law", by="admin")
    with pytest.raises(NotFound) as hidden:
        as_(team, "maria").update_evidence(ev, source="changed", by="")
    with pytest.raises(NotFound) as missing:
        as_(team, "maria").update_evidence(ev + 1000, source="changed", by="")
    assert str(hidden.value) == str(missing.value).replace(str(ev + 1000), str(ev))


def test_only_the_national_counterpart_validates_and_only_the_team_lead_finalises(team):
    _, xat, _, _ = team
    as_(team, "joao").set_status(xat.id, "in_review", by="")
    for user in ("maria", "joao", "rita", "don"):
        with pytest.raises(Forbidden, match=r"does not allow this \(validate\); nothing was saved"):
            as_(team, user).set_status(xat.id, "validated", by="")
    with pytest.raises(Forbidden, match="nobody signs in a role they do not hold"):
        as_(team, "maria").set_status(xat.id, "validated", by="", role="national_counterpart")
    as_(team, "ana").set_status(xat.id, "validated", by="", organisation="Atlantis Border Police")
    for user in ("ana", "joao", "rita"):
        with pytest.raises(Forbidden, match=r"\(finalise\)"):
            as_(team, user).set_status(xat.id, "final", by="")
    assert as_(team, "maria").set_status(xat.id, "final", by="").status == "final"
    trail = team[0].signoffs(xat.id)
    assert trail[["name", "role"]].values.tolist() == [
        ["Joao Costa", "assessor_national"], ["Ana Ferreira", "national_counterpart"], ["Maria Silva", "team_lead"]]


def test_reviewers_read_and_comment_but_do_not_change(team):
    store, xat, _, _ = team
    store.save_rating(xat.id, "ADM.1.1", agreed="2", by="admin")
    rita = as_(team, "rita")
    assert rita.get_rating(xat.id, "ADM.1.1")["agreed"] == "2"
    with pytest.raises(Forbidden, match=r"reviewer\) does not allow this \(edit\)"):
        rita.save_rating(xat.id, "ADM.1.1", agreed="4", by="")
    rita.add_comment(xat.id, "Is the seaport visit documented?", indicator_id="ADM.1.1", by="")
    assert rita.comments_frame(xat.id)[["who", "account"]].values.tolist() == [["Rita Reviewer", "rita"]]
    with pytest.raises(Forbidden):
        as_(team, "don").add_comment(xat.id, "A donor's view", by="")
    assert store.get_rating(xat.id, "ADM.1.1")["agreed"] == "2"


def test_changes_carry_the_account_not_a_typed_name(team):
    store, xat, _, _ = team
    joao = as_(team, "joao")
    with pytest.raises(InvalidInput, match="you are signed in as Joao Costa \\(joao\\)"):
        joao.save_rating(xat.id, "ADM.1.1", agreed="3", by="Maria Silva")
    assert joao.save_rating(xat.id, "ADM.1.1", agreed="3", by="")["updated_by"] == "Joao Costa"
    audit = store.audit_frame(xat.id)
    assert audit.iloc[-1]["who"] == "Joao Costa"
    from sqlalchemy import text
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT account FROM audit_log ORDER BY id DESC LIMIT 1")).scalar() == "joao"


def test_who_may_create_and_grant(team):
    store, xat, _, _ = team
    with pytest.raises(Forbidden, match="may not create assessments"):
        as_(team, "joao").create_assessment("XSY", "baseline 2026", country_name="Syldavia", by="")
    maria = as_(team, "maria")
    xsy = maria.create_assessment("XSY", "baseline 2026", country_name="Syldavia", by="")
    assert maria.roles_frame(xsy.id)[["username", "role"]].values.tolist() == [["maria", "team_lead"]]
    with pytest.raises(Forbidden, match=r"\(manage roles\)"):
        as_(team, "joao").grant_role(xat.id, "peter", "reviewer", by="")
    maria.grant_role(xsy.id, "peter", "reviewer", by="")
    assert [a.country_code for a in as_(team, "peter").list_assessments()] == ["XBO", "XSY"]
    maria.revoke_role(xsy.id, "peter", by="")
    assert [a.country_code for a in as_(team, "peter").list_assessments()] == ["XBO"]


def test_roles_cli(team, capsys):
    assert main(["roles", "grant", "XBO", "rita", "reviewer"]) == 0
    assert "rita" in capsys.readouterr().out
    assert main(["roles", "list", "XBO"]) == 0
    out = capsys.readouterr().out
    assert "peter" in out and "team_lead" in out and "reviewer" in out
    assert main(["roles", "grant", "XBO", "nobody", "reviewer"]) == 2
    assert "no account 'nobody'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["roles", "grant", "XBO", "rita", "boss"])


def test_a_page_kernel_acts_for_the_identity_the_server_signed(team):
    """The kernel's environment carries a token signed with the server's key; a forged or missing
    one acts for nobody (sees nothing), and an ended session stops the page."""
    store, xat, _, actors = team
    key = "k" * 43
    sid, token = accounts.start_session(store.engine, actors["joao"])
    good = sign_identity(key.encode(), "joao", sid, dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
    env = {KERNEL_ACCOUNTS_ENV: "workbook", KERNEL_KEY_ENV: key, IDENTITY_ENV: good}
    url = store.engine.url.render_as_string(hide_password=False)
    assert [a.country_code for a in Store(url, actor=KernelIdentity(env)).list_assessments()] == ["XAT"]
    forged = sign_identity(b"not the key", "maria", sid, dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
    for bad in (forged, good[:-2] + "xx", "", "maria"):
        page = Store(url, actor=KernelIdentity(env | {IDENTITY_ENV: bad}))
        assert page.actor == NOBODY and page.list_assessments() == []
    accounts.end_session(store.engine, token)
    with pytest.raises(SessionEnded, match="signed out"):
        Store(url, actor=KernelIdentity(env)).list_assessments()


def test_behind_the_hub_a_kernel_acts_for_the_account_the_hub_named(team):
    """Behind JupyterHub (workbook.hub): the hub's spawner names the person (JUPYTERHUB_USER); a
    signed token of the workbook's own sign-in, typed names and other people's names change nothing."""
    store, xat, _, actors = team
    url = store.engine.url.render_as_string(hide_password=False)
    key = "k" * 43
    sid, _ = accounts.start_session(store.engine, actors["peter"])
    peter = sign_identity(key.encode(), "peter", sid, dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
    env = {KERNEL_ACCOUNTS_ENV: "hub", HUB_USER_ENV: "joao", KERNEL_KEY_ENV: key, IDENTITY_ENV: peter}
    page = Store(url, actor=KernelIdentity(env))
    assert page.actor.username == "joao" and [a.country_code for a in page.list_assessments()] == ["XAT"]
    with pytest.raises(InvalidInput, match=r"signed in as Joao Costa \(joao\)"):
        page.save_rating(xat.id, "ADM.1.1", by="Maria Silva", agreed="2")
    assert page.save_rating(xat.id, "ADM.1.1", by="joao", agreed="2")["updated_by"] == "Joao Costa"
    assert Store(url, actor=KernelIdentity(env | {HUB_USER_ENV: ""})).actor == NOBODY
    with pytest.raises(SessionEnded, match="'nobody' has no account in this workbook"):
        Store(url, actor=KernelIdentity(env | {HUB_USER_ENV: "nobody"})).list_assessments()
    accounts.set_active(store.engine, "joao", False)
    with pytest.raises(SessionEnded, match="disabled"):
        page.list_assessments()  # checked at every call: an open page stops when the account is disabled


def test_the_environment_turns_accounts_on_only_for_the_servers_kernels(team, monkeypatch):
    store = team[0]
    url = store.engine.url.render_as_string(hide_password=False)
    assert Store(url).actor is None  # the command line, a notebook: accounts off, as before
    monkeypatch.setenv(KERNEL_ACCOUNTS_ENV, "workbook")
    assert Store(url).actor == NOBODY and Store(url).list_assessments() == []

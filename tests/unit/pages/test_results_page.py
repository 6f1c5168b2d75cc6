"""The results page without a browser: the review workflow with the store's rules, reports and
field files handed over for download, and a filled file brought back through its plan."""
from __future__ import annotations

import datetime as dt
import io
import re
from html import unescape
from pathlib import Path

import openpyxl
import pytest
from argon2 import PasswordHasher

import workbook.pages.results.page as results_page
from workbook import config, transfer
from workbook.batch.service import BuildUnavailable
from workbook.errors import InvalidInput, Problem
from workbook.exchange import export_file
from workbook.pages import address
from workbook.pages.results import text as T
from workbook.store import accounts
from workbook.store.access import IDENTITY_ENV, KERNEL_ACCOUNTS_ENV, KERNEL_KEY_ENV, sign_identity

ROUND = "baseline 2026"


@pytest.fixture
def shown(monkeypatch):
    out = []
    monkeypatch.setattr(results_page, "display", out.append)
    return out


@pytest.fixture
def page(demo_store, shown, tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBOOK_OUTPUTS", str(tmp_path / "outputs"))
    xat = demo_store.get_assessment("XAT", ROUND)
    if xat.status != "draft":  # the demo leaves XAT in review; the review tests start from a draft
        demo_store.set_status(xat.id, "draft", by="Test Runner", comment="the review tests start from a draft")
    p = results_page.open_results("XAT", ROUND, "", environ={})
    assert shown == [p.widget]
    return p


def text(widget) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", widget.value)).split())


def buttons(p) -> list[str]:
    return [b.description for b in p.moves.children]


# -- review ---------------------------------------------------------------------------------------
def test_the_review_moves_an_assessment_by_the_stores_rules(page, demo_store):
    signed = len(demo_store.signoffs(page.assessment.id))
    assert "Status: Draft" in text(page.status) and buttons(page) == ["Send for review"]
    assert page.move("in_review") is False and "Your name" in text(page.review_message)
    page.user.value = "Ana Ferreira"
    page.organisation.value = "Atlantis border police"
    assert page.move("in_review") and demo_store.get_assessment("XAT").status == "in_review"
    assert "is now In review" in text(page.review_message)
    assert buttons(page) == ["Back to draft", "Validate (national counterpart)"]
    assert "Ana Ferreira" in text(page.trail) and "Atlantis border police" in text(page.trail)
    assert page.move("validated") is False  # as `workbook status`: only the national counterpart validates
    assert "national counterpart" in text(page.review_message)
    page.role.value = "national_counterpart"
    assert page.move("validated") and page.move("final")
    assert "final" in text(page.status).lower() and T.FINAL_NOTE in text(page.status)
    assert page.move("draft") is False and "reason" in text(page.review_message)
    page.comment.value = "a late correction from the ministry"
    assert page.move("draft") and demo_store.get_assessment("XAT").status == "draft"
    assert page.comment.value == "" and len(demo_store.signoffs(page.assessment.id)) == signed + 4
    page.moves.children[0].click()  # the button does what move() does
    assert demo_store.get_assessment("XAT").status == "in_review"


def test_a_status_move_the_store_does_not_allow_is_refused_whatever_the_browser_sends(page, demo_store):
    page.user.value = "Ana Ferreira"
    page.role.value = "national_counterpart"
    assert page.move("final") is False  # draft -> final skips the review
    assert page.move("published") is False and "not a status" in text(page.review_message)
    assert demo_store.get_assessment("XAT").status == "draft"


# -- files for field work -------------------------------------------------------------------------
def test_an_export_is_handed_over_as_a_download_link(page, runtime):
    assert page.make_export("xlsx")
    [link] = re.findall(r'href="([^"]+)"', page.files_message.value)
    token = link.split("/")[-2]
    ticket = transfer.read_ticket(token)
    assert ticket.name == "XAT-baseline-2026.xlsx" and ticket.assessment_id == page.assessment.id
    assert ticket.path.read_bytes()[:2] == b"PK" and "Download: Excel workbook" in text(page.files_message)


def test_outside_the_app_an_export_says_where_it_was_saved(page, monkeypatch):
    monkeypatch.delenv(config.RUNTIME_ENV, raising=False)
    assert page.make_export("json")
    assert "Saved as" in text(page.files_message) and "XAT-baseline-2026.json" in text(page.files_message)


def test_one_piece_of_work_at_a_time(page):
    page.background.busy = True
    assert page.make_export("xlsx") is False and text(page.files_message) == T.BUSY


# -- reports --------------------------------------------------------------------------------------
def test_a_report_is_built_by_the_builder_and_handed_over(page, runtime, tmp_path, monkeypatch):
    folder = tmp_path / "outputs" / "XAT" / "baseline-2026"
    folder.mkdir(parents=True)
    (folder / "report.pdf").write_bytes(b"%PDF-1.7\n" + b"x" * 2000)
    asked, events = [], []

    def build(country, round, **kw):
        asked.append((country, round, kw["documents"], kw["formats"], kw["lang"]))
        kw["on_event"]({"event": "starting"})
        events.append(text(page.reports_message))
        kw["on_event"]({"event": "step", "step": "operations.ipynb"})
        events.append(text(page.reports_message))
        return {"status": "ok", "path": str(folder), "outputs": ["report.html", "report.pdf"]}
    monkeypatch.setattr("workbook.batch.service.request_build", build)
    page.document_buttons[("report", "pdf")].click()
    assert asked == [("XAT", ROUND, ("report",), ("pdf",), "en")]
    assert "starting the report service first" in events[0] and "first report takes longer" in events[0]
    assert "scoring the Operations pillar" in events[1]
    [link] = re.findall(r'href="([^"]+)"', page.reports_message.value)
    assert link.endswith("/XAT-baseline-2026-report.pdf") and "Download: Country report (PDF)" in text(
        page.reports_message)


def test_a_report_is_asked_for_in_the_language_of_the_page(demo_store, shown, monkeypatch):
    asked = []

    def build(country, round, **kw):
        asked.append(kw["lang"])
        raise BuildUnavailable("not this time")
    monkeypatch.setattr("workbook.batch.service.request_build", build)
    served = {"QUERY_STRING": "country=XAT&round=baseline+2026&lang=fr", "VOILA_REQUEST_URL": "http://x/"}
    french = results_page.open_results("XAT", "", "", environ=served)
    assert french.lang == "fr" and french.make_document("report", "html") and asked == ["fr"]


def test_a_donor_viewer_is_refused_the_full_report_but_gets_the_brief(demo_store, shown, monkeypatch):
    """The builder reads the whole assessment, restricted findings included: the page asks for the
    full report only for a role that may read them."""
    monkeypatch.setattr(accounts, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    xat = demo_store.get_assessment("XAT", ROUND)
    accounts.add_user(demo_store.engine, "don", "correct horse battery", name="Don Donor")
    demo_store.grant_role(xat.id, "don", "donor_viewer", by="admin")
    sid, _ = accounts.start_session(demo_store.engine,
                                    accounts.authenticate(demo_store.engine, "don", "correct horse battery"))
    key = "k" * 43
    token = sign_identity(key.encode(), "don", sid, dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
    asked = []

    def build(country, round, **kw):
        asked.append(kw["documents"])
        raise BuildUnavailable("not this time")
    monkeypatch.setattr("workbook.batch.service.request_build", build)
    for name, value in ((KERNEL_ACCOUNTS_ENV, "workbook"), (KERNEL_KEY_ENV, key), (IDENTITY_ENV, token)):
        monkeypatch.setenv(name, value)  # as the server gives them to the page's kernel
    served = {"QUERY_STRING": "country=XAT&round=baseline+2026", "VOILA_REQUEST_URL": "http://x/"}
    donor = results_page.open_results("XAT", "", "", environ=served)
    assert donor.store.actor.username == "don"
    # "Your name" is the account's, shown and not typed (the store records the account anyway)
    assert (donor.user.value, donor.user.disabled, donor.user.description) == ("Don Donor", True, "Signed in as")
    assert donor.make_document("report", "pdf") is False and asked == []
    assert "donor brief" in text(donor.reports_message) and "restricted" in text(donor.reports_message)
    assert donor.make_document("brief", "pdf") and asked == [("brief",)]


@pytest.mark.parametrize("outcome, says", [
    ({"status": "failed", "path": "", "failure": {"notebook": "regulatory_framework.ipynb", "ename": "KeyError",
                                                  "evalue": "x"}},
     "the Regulatory framework pillar stopped with KeyError"),
    (BuildUnavailable("socket"), "did not answer"),
    (InvalidInput(Problem("--country XAT", "no assessment")), "no assessment"),
])
def test_a_report_that_cannot_be_built_says_what_to_do(page, monkeypatch, outcome, says):
    def build(*_a, **_k):
        if isinstance(outcome, Exception):
            raise outcome
        return outcome
    monkeypatch.setattr("workbook.batch.service.request_build", build)
    assert page.make_document("brief", "html")
    assert says in text(page.reports_message) and "could not be made" in text(page.reports_message)


# -- bringing a file back ---------------------------------------------------------------------------
def upload_of(path: Path) -> tuple:
    return ({"name": path.name, "content": memoryview(path.read_bytes()), "size": 1, "type": ""},)


WHY = "Seen at the main posts during the mission"  # framework 2.0: a level other than the criteria's needs a reason


def filled_workbook(store, tmp_path, country="XAT", edit=None) -> Path:
    """The exported workbook with ``edit`` (sheet, cell, value) applied. In framework 2.0 the
    Operations sheet starts with OPS.1.2 (row 2) and OPS.1.3 (row 3); F is agreed, H the notes."""
    path = export_file(store, store.get_assessment(country), "xlsx", tmp_path / f"{country}.xlsx")
    wb = openpyxl.load_workbook(path)
    for sheet, cell, value in edit or []:
        wb[sheet][cell] = value
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(buf.getvalue())
    return path


def test_a_filled_workbook_is_imported_after_its_plan_is_shown(page, demo_store, tmp_path):
    info = demo_store.get_assessment("XAT")
    path = filled_workbook(demo_store, tmp_path, edit=[("Operations", "F2", 4), ("Operations", "G2", WHY),
                                                       ("Operations", "H3", "seen in the field")])
    plan = page.check_upload(upload_of(path))
    assert plan is not None and len(plan.changes) == 3 and not plan.conflicts
    shown = text(page.plan)
    assert "3 value(s) of 2 indicator(s) would change" in shown and "OPS.1.2" in shown and "seen in the field" in shown
    assert page.confirm.description == "Import 3 change(s)" and page.confirm_row.layout.display == "flex"
    assert demo_store.get_rating(info.id, "OPS.1.2")["agreed"] != "4"  # nothing written yet
    assert page.import_upload() is False and "Your name" in text(page.import_message)
    page.user.value = "Idris Benali"
    assert page.import_upload()
    assert demo_store.get_rating(info.id, "OPS.1.2")["agreed"] == "4"
    assert demo_store.get_rating(info.id, "OPS.1.3")["updated_by"] == "Idris Benali"
    assert "2 indicator(s) changed" in text(page.import_message) and page.plan.value == ""


def test_a_value_changed_here_since_the_file_was_made_is_kept_unless_asked(page, demo_store, tmp_path):
    info = demo_store.get_assessment("XAT")
    path = filled_workbook(demo_store, tmp_path, edit=[("Operations", "F2", 5), ("Operations", "G2", WHY)])
    demo_store.save_rating(info.id, "OPS.1.2", agreed="1", override_reason=WHY, by="Maria Okafor")
    page.user.value = "Idris Benali"
    plan = page.check_upload(upload_of(path))
    assert len(plan.conflicts) == 1 and "Maria Okafor" in text(page.plan)
    assert page.overwrite.layout.display == "flex"
    assert page.import_upload() and demo_store.get_rating(info.id, "OPS.1.2")["agreed"] == "1"
    page.check_upload(upload_of(path))
    page.overwrite.value = True
    assert page.import_upload() and demo_store.get_rating(info.id, "OPS.1.2")["agreed"] == "5"


def test_a_change_between_the_plan_and_the_import_refuses_the_import(page, demo_store, tmp_path):
    info = demo_store.get_assessment("XAT")
    path = filled_workbook(demo_store, tmp_path, edit=[("Operations", "F2", 5), ("Operations", "G2", WHY)])
    page.user.value = "Idris Benali"
    page.check_upload(upload_of(path))
    demo_store.save_rating(info.id, "OPS.1.2", notes="meanwhile", by="Maria Okafor")
    assert page.import_upload() is False and "changed while you were looking" in text(page.import_message)
    assert page.upload_plan is not None and len(page.upload_plan.conflicts) == 0  # planned again: current now
    assert page.import_upload() and demo_store.get_rating(info.id, "OPS.1.2")["agreed"] == "5"


def test_a_file_of_another_assessment_or_not_a_file_is_not_read(page, demo_store, tmp_path):
    other = filled_workbook(demo_store, tmp_path, country="XBO")
    assert page.check_upload(upload_of(other)) is None
    assert "is for XBO baseline 2026, not XAT baseline 2026" in text(page.import_message)
    assert page.check_upload(({"name": "x.xlsx", "content": b"not a zip"},)) is None
    assert "not an Excel workbook" in text(page.import_message)
    assert page.check_upload("C:/fake/path.xlsx") is None and "choose one file" in text(page.import_message)
    bad = tmp_path / "bad.csv"
    bad.write_text("this,is\nnot,a submissions export\n")
    assert page.check_upload(upload_of(bad)) is None and T.NOT_READ in text(page.import_message)
    assert page.confirm_row.layout.display == "none"


def test_an_unknown_assessment_is_a_message_with_links(demo_store, shown):
    p = results_page.open_results("XQQ", "", "", environ={})
    assert not p.ok and "Assessment not found" in shown[0].data and "results.ipynb?country=XAT" in shown[0].data


def test_the_header_links_every_other_page_of_the_assessment(page):
    hrefs = [unescape(h) for h in re.findall(r'href="([^"]*)"', page.header.value)]
    a = page.assessment
    others = [address.notebook_for(p) for p in page.store.framework.pillars]
    others += [address.ROADMAP_NOTEBOOK, address.MISSION_NOTEBOOK]
    assert hrefs == ["home.ipynb"] + [address.page_link(nb, a.country_code, a.round) for nb in others]


# -- language ----------------------------------------------------------------------------------------
def test_the_page_speaks_the_language_of_its_address(demo_store, shown, tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBOOK_OUTPUTS", str(tmp_path / "outputs"))
    xat = demo_store.get_assessment("XAT", ROUND)
    if xat.status != "draft":
        demo_store.set_status(xat.id, "draft", by="Test Runner", comment="the language test starts from a draft")
    query = "country=XAT&round=baseline%202026&lang=fr"
    p = results_page.open_results("XAT", ROUND, "", environ={"QUERY_STRING": query,
                                                             "VOILA_REQUEST_URL": "/voila/render/results.ipynb"})
    assert p.lang == "fr"
    whole = " ".join(text(w) for w in p.widget.children if hasattr(w, "value") and isinstance(w.value, str))
    assert "Statut : Projet" in text(p.status) and buttons(p) == ["Envoyer pour examen"]
    assert "Examen et validation" in whole and "Réimporter un fichier rempli" in whole
    assert "Toutes les évaluations" in whole and "cadre " in whole
    assert [b.description for b in p.document_buttons.values()][:2] == ["Rapport de pays (page web)",
                                                                        "Rapport de pays (PDF)"]
    assert p.user.description == "Votre nom" and p.role.options[0][0] == "Équipe d'évaluation"
    for english in ("Review and sign-off", "Send for review", "All assessments", "Files for field work"):
        assert english not in whole, english
    assert p.move("in_review") is False and "saisissez d'abord votre nom" in text(p.review_message)
    p.user.value = "Ana Ferreira"
    assert p.move("in_review") and "est maintenant au statut : En cours d'examen" in text(p.review_message)
    assert "Historique des validations" in text(p.trail) and "Ana Ferreira" in text(p.trail)


def test_preparing_the_builder_without_a_server_says_no_at_once(runtime, monkeypatch):
    from workbook.batch import service
    assert service.prepare_builder() is False  # a runtime folder without the door's socket
    monkeypatch.delenv(config.RUNTIME_ENV, raising=False)
    assert service.prepare_builder() is False
    (runtime / service.SOCKET_NAME).write_text("")  # a stale file, nobody listening
    monkeypatch.setenv(config.RUNTIME_ENV, str(runtime))
    assert service.prepare_builder(timeout=1) is False

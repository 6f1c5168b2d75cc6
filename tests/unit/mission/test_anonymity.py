"""Once an interviewee of the assessment was promised anonymity, no person's name in a rating's
notes or reason, a criterion's note or an evidence record's text: refused wherever it is saved
(the store, the pillar page, a file import) with the problem located and nothing written. Before
any such promise, and for the names the team uses for other things, nothing is refused."""
from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import load_workbook

from support.forms import FakeLoop
from support.mission import mission_assessment
from workbook.errors import InvalidInput
from workbook.exchange import export_file, import_file
from workbook.exchange.xlsx import EVIDENCE
from workbook.pages.forms import FAILED, PillarForm

DAY = dt.date(2026, 3, 4)
IND = "ADM.1.1"
NAMED = "Inspector Haddad said the roster is kept on paper."


@pytest.fixture
def promised(store, tmp_path):
    """XAT with its mission and one interview under anonymity."""
    mission, a = mission_assessment(store, tmp_path)
    mission.record_interview(a.id, by="Max Weber", role="shift supervisor", agency="Border Police", sex="F",
                             day=DAY, place="XAT-AIR-1", consent="yes", anonymity="yes",
                             summary="The supervisor explained the night roster.")
    return a


def locations(exc) -> list[str]:
    return [p.location for p in exc.value.problems]


def test_before_any_promise_names_are_saved(store, tmp_path):
    mission, a = mission_assessment(store, tmp_path)
    assert store.anonymity(a.id) is None
    store.save_rating(a.id, IND, by="Ana Costa", notes=NAMED)
    assert store.get_rating(a.id, IND)["notes"] == NAMED


def test_the_store_refuses_names_in_notes_and_evidence(store, promised):
    a = promised
    with pytest.raises(InvalidInput) as exc:
        store.save_rating(a.id, IND, by="Ana Costa", agreed="2", notes=NAMED)
    assert locations(exc) == [f"{IND}.notes"] and "'Inspector Haddad'" in str(exc.value)
    assert store.get_rating(a.id, IND)["version"] == 0
    with pytest.raises(InvalidInput) as exc:
        store.add_evidence(a.id, IND, by="Ana Costa", type="interview", source="Interview with Maria Lopez",
                           reference="Dr. Okafor's notes")
    assert locations(exc) == [f"{IND}.evidence.source", f"{IND}.evidence.reference"]
    with pytest.raises(InvalidInput) as exc:
        store.save_many(a.id, [{"indicator_id": IND, "notes": "fine"},
                               {"indicator_id": "ADM.1.2", "notes": "Fatima explained the referral.",
                                "evidence": [{"type": "interview", "source": "Talk with Mr Okafor"}]}], by="Ana Costa")
    assert locations(exc) == ["ADM.1.2.notes", "ADM.1.2.evidence[0].source"]
    assert store.ratings_frame(a.id)["version"].fillna(0).eq(0).all() and store.evidence_frame(a.id).empty
    # the team, the posts, their agencies and regions are not people to protect
    store.save_rating(a.id, IND, by="Ana Costa", notes="Max Weber and Ana Costa saw the Capital International "
                                                     "Airport queues with the Border Police.")
    eid = store.add_evidence(a.id, IND, by="Ana Costa", type="interview", source="Interview with the shift supervisor")
    with pytest.raises(InvalidInput) as exc:
        store.update_evidence(eid, by="Ana Costa", source="Interview with Sgt. Mensah")
    assert locations(exc) == [f"{IND}.evidence#{eid}.source"]
    assert store.evidence_frame(a.id)["source"].tolist() == ["Interview with the shift supervisor"]


def test_criterion_notes_are_checked_too(store, promised):
    cid = next(iter(store.framework.indicator(IND).criteria)).id
    with pytest.raises(InvalidInput) as exc:
        store.save_criteria(promised.id, {cid: "yes"}, notes={cid: "Confirmed by Ahmed Khan."}, by="Ana Costa")
    assert locations(exc) == [f"{cid}.note"]
    assert store.save_criteria(promised.id, {cid: "yes"}, notes={cid: "Confirmed by the deputy head."}, by="Ana Costa")


def test_the_pillar_page_says_why_and_saves_nothing(store, promised):
    loop = FakeLoop()
    form = PillarForm(store, promised, store.framework.pillar("ADM"), editor="Ana Costa", loop=loop)
    ed = form.open(form.pillar.subareas[0].id)[0]
    ed.notes.value = NAMED
    loop.run()
    assert ed.state == FAILED and "Inspector Haddad" in ed.message and "anonymity" in ed.message, ed.message
    assert store.get_rating(promised.id, ed.indicator.id)["version"] == 0
    editor = ed.toggle_evidence()
    editor.type.value, editor.source.value = "interview", "Interview with Maria Lopez"
    editor.save_button.click()
    assert editor.state == FAILED and "Maria Lopez" in editor.message, editor.message
    assert store.evidence_frame(promised.id).empty


def test_an_import_is_refused_at_the_cells_that_name_someone(store, promised, tmp_path):
    path = export_file(store, store.get_assessment("XAT", "baseline 2026"), "xlsx", tmp_path / "XAT.xlsx")
    wb = load_workbook(path)
    ws = wb["Administration"]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=1).value == IND)
    notes_col = next(c for c in range(1, ws.max_column + 1) if ws.cell(row=1, column=c).value == "Notes")
    ws.cell(row=row, column=notes_col, value=NAMED)
    ev = wb[EVIDENCE]
    erow = next(r for r in range(2, ev.max_row + 2) if ev.cell(row=r, column=2).value is None)
    for c, v in enumerate([IND, "interview", "Meeting with Dr. Okafor", None, "tape 3", None], start=2):
        ev.cell(row=erow, column=c, value=v)
    wb.save(path)
    with pytest.raises(InvalidInput) as exc:
        import_file(store, path, by="Ana Costa")
    cell = f"Administration!{ws.cell(row=row, column=notes_col).coordinate}"
    assert any(loc.startswith(cell) for loc in locations(exc)), locations(exc)
    assert any(loc.startswith(f"{EVIDENCE}!") and "source" in loc for loc in locations(exc)), locations(exc)
    assert store.get_rating(promised.id, IND)["version"] == 0 and store.evidence_frame(promised.id).empty

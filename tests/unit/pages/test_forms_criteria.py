"""Framework 2.0 in the data-entry form, driven as a browser would, without a kernel: criteria by
level (yes / no / n.a.) with the level they give and the first unmet one named, an agreed level
set against them with its reason, gated and verify-first flags in words, the crossing-point
profile, the consensus session (moderation), sub-area levels with their spread, warnings and the
indicators they draw on; and an assessment rated against framework 1.0 keeping today's form."""
from __future__ import annotations

import datetime as dt

import pytest

from support.forms import FakeLoop

from workbook.framework import load_framework
from workbook.pages.forms import CONFLICT, FAILED, SAVED, SAVING, PillarForm
from workbook.pages.forms.criteria import NORMATIVE_TITLE
from workbook.pages.forms.pillar import subarea_summary
from workbook.store import Store

ROUND = "baseline 2026"
IND = "ADM.1.1"  # criteria for land (3b) and for sea or river/lake ports (3c), and a normative one (3e)


@pytest.fixture
def empty(store):
    return store.create_assessment("XAT", ROUND, country_name="Atlantis", by="test setup")


def form_for(store, assessment, pillar_id="ADM", name="Ana Ferreira", **kw) -> PillarForm:
    return PillarForm(store, assessment, store.framework.pillar(pillar_id), editor=name, **kw)


def editor_of(form: PillarForm, indicator_id: str):
    return form.go_to(indicator_id)


def criteria_open(store, assessment, indicator_id=IND):
    """A form with the criteria of ``indicator_id`` opened: (form, indicator editor, criteria editor)."""
    form = form_for(store, assessment)
    ed = editor_of(form, indicator_id)
    return form, ed, ed.toggle_criteria()


def capacity(fw, indicator_id: str, level: int) -> list[str]:
    return [c.id for c in fw.indicator(indicator_id).levels[level - 1].criteria if not c.normative]


def tick(criteria, ids, answer="yes") -> None:
    for cid in ids:
        criteria.toggles[cid].value = answer
        assert criteria.state == SAVED, criteria.message


# -- the criteria of an indicator -------------------------------------------------------------------
def test_criteria_are_built_when_asked_for_level_by_level_with_normative_apart(store, empty):
    form = form_for(store, empty)
    ed = editor_of(form, IND)
    fw = store.framework
    ind = fw.indicator(IND)
    assert ed.criteria_editor is None and ed.criteria_button.description == f"Tick the criteria ({len(ind.criteria)})"
    assert "Criteria: none answered yet" in ed.derived.value
    crit = ed.toggle_criteria()
    assert crit.widget in ed.widget.children and ed.criteria_button.description == "Close the criteria"
    assert set(crit.toggles) == {c.id for c in ind.criteria} == set(crit.notes)
    assert list(crit.headings) == [2, 3, 4, 5, "normative"]
    normative = [c.id for c in ind.criteria if c.normative]
    assert normative and all(crit.toggles[cid] in crit.grids["normative"].children for cid in normative)
    assert all(crit.toggles[cid] not in crit.grids[3].children for cid in normative), "normative stands apart"
    assert NORMATIVE_TITLE in crit.headings["normative"].value and "does not gate" in NORMATIVE_TITLE
    one = crit.toggles[capacity(fw, IND, 2)[0]]
    assert [v for _, v in one.options] == ["", "yes", "no", "na"] and one.tooltips == (
        "not answered", "met", "not met", "not applicable")
    assert one.description.startswith(capacity(fw, IND, 2)[0] + " ") and "shown by:" in one.description
    ed.criteria_button.click()
    assert crit.widget not in ed.widget.children and ed.criteria_button.description.startswith("Tick the criteria")


def test_ticked_criteria_give_the_level_the_agreed_rating_follows_and_the_first_unmet_is_named(store, empty):
    form, ed, crit = criteria_open(store, empty)
    fw = store.framework
    tick(crit, capacity(fw, IND, 2))
    assert store.get_rating(empty.id, IND)["agreed"] == "2" and ed.agreed.value == "2", "the level follows"
    assert "Criteria give level 2 so far: level 3 not fully answered" in ed.derived.value
    first3 = capacity(fw, IND, 3)[0]
    crit.toggles[first3].value = "no"
    assert f"Criteria give level 2: {first3} not met" in ed.derived.value
    assert f"not met: {first3}" in crit.headings[3].value and "met (every criterion" in crit.headings[2].value
    answers = store.criteria_frame(empty.id).set_index("criterion_id")
    assert answers.loc[first3, "answer"] == "no" and set(answers["updated_by"]) == {"Ana Ferreira"}
    assert (ed.state, ed.agreed.value) == ("clean", "2")
    ed.agreed.value = "1"  # the editor adopted the version the criteria save made: no conflict with oneself
    assert ed.state == FAILED and "the criteria give level 2" in ed.message, ed.message
    audit = store.audit_frame(empty.id)
    assert {"criterion"} <= set(audit["entity"]) and (audit["field"] == "answer").sum() == len(capacity(fw, IND, 2)) + 1


def test_another_agreed_level_needs_a_written_reason_shown_as_a_flag(store, empty):
    loop = FakeLoop()
    form = form_for(store, empty, loop=loop)
    ed = editor_of(form, IND)
    crit = ed.toggle_criteria()
    tick(crit, capacity(store.framework, IND, 2))
    assert ed.override_reason.layout.display == "none", "no reason asked while the level follows the criteria"
    ed.agreed.value = "4"
    assert ed.state == FAILED and ed.message.startswith("not saved:"), ed.message
    assert "the criteria give level 2; to record level 4 instead, write the reason" in ed.message, "the store's words"
    assert ed.override_reason.layout.display != "none" and "write the reason" in ed.derived.value
    assert store.get_rating(empty.id, IND)["agreed"] == "2"
    ed.override_reason.value = "Seen working at every post visited; the SOP is late"
    assert ed.state == SAVING and loop.run() >= 1
    assert ed.state == SAVED, ed.message
    stored = store.get_rating(empty.id, IND)
    assert (stored["agreed"], stored["override_reason"]) == ("4", "Seen working at every post visited; the SOP is late")
    assert "Override: agreed level 4 is set against the criteria (level 2); reason: Seen working" in ed.derived.value
    [flag] = [b for b in form.flag_buttons.children if b.description.startswith(IND)]
    assert "agreed 4 set against the criteria (level 2); reason: Seen working" in flag.description
    assert "agreed level set against the criteria" in form.flags_html.value
    ed.agreed.value = "2"  # back to what the criteria give: the store drops the reason
    assert ed.state == SAVED and store.get_rating(empty.id, IND)["override_reason"] == ""
    assert ed.override_reason.value == "" and ed.override_reason.layout.display == "none"


def test_gated_and_verify_first_in_words(store, empty):
    form, ed, crit = criteria_open(store, empty)
    fw = store.framework
    tick(crit, capacity(fw, IND, 2))
    unmet = capacity(fw, IND, 3)[0]
    tick(crit, [unmet], "no")
    tick(crit, [c for c in capacity(fw, IND, 3) if c != unmet])
    tick(crit, capacity(fw, IND, 4))
    assert f"Gated: the criteria of level 4 are met, but {unmet} of level 3 is not; the level stays at 2" \
        in ed.derived.value
    assert any(f"gated: the criteria of level 4 are met, but {unmet}" in b.description
               for b in form.flag_buttons.children)
    ed.agreed.value = "IE"
    assert ed.state == SAVED, ed.message
    assert "verify first (kept out of the top priorities until verified)" in ed.derived.value
    assert "insufficient evidence (IE): verify first" in form.flags_html.value


def test_a_criterion_note_is_saved_after_a_pause_and_goes_with_an_answer(store, empty):
    loop = FakeLoop()
    ed = editor_of(form_for(store, empty, loop=loop), IND)
    crit = ed.toggle_criteria()
    cid = capacity(store.framework, IND, 2)[0]
    loop.run()  # the focus moved to the indicator
    crit.notes[cid].value = "Seen in the decree"
    assert crit.state == SAVING and loop.run() == 1
    assert crit.state == FAILED and "answer the criterion first: a note goes with an answer" in crit.message
    assert store.criteria_frame(empty.id).empty
    crit.toggles[cid].value = "yes"  # the answer carries the note waiting with it
    assert crit.state == SAVED, crit.message
    row = store.criteria_frame(empty.id).set_index("criterion_id").loc[cid]
    assert (row["answer"], row["note"]) == ("yes", "Seen in the decree")
    crit.notes[cid].value = "Seen in the decree of 2021"
    loop.run()
    assert store.criteria_frame(empty.id).set_index("criterion_id").loc[cid, "note"] == "Seen in the decree of 2021"
    crit.toggles[cid].value = "na"
    crit.toggles[cid].value = ""  # cleared: the answer and its note go
    assert crit.state == SAVED and store.criteria_frame(empty.id).empty and crit.notes[cid].value == ""


def test_forged_answers_and_notes_are_refused(store, empty):
    ed = editor_of(form_for(store, empty), IND)
    crit = ed.toggle_criteria()
    cid = capacity(store.framework, IND, 2)[0]
    crit.toggles[cid]._trait_values["value"] = "maybe"  # past the widget's own check, as a browser may
    crit._on_answer(cid)
    assert crit.state == FAILED and "'maybe' is not one of the choices offered" in crit.message
    crit.toggles[cid]._trait_values["value"] = "yes"
    crit.notes[cid]._trait_values["value"] = "x\x00y"
    crit._on_answer(cid)
    assert crit.state == FAILED and "NUL" in crit.message
    assert store.criteria_frame(empty.id).empty
    ed.override_reason.value = "r" * 501
    ed.agreed.value = "5"
    assert ed.state == FAILED and "limit" in ed.message and store.get_rating(empty.id, IND)["version"] == 0


def test_criteria_conflict_shows_their_answer_and_replaces_only_on_request(store, empty):
    ana = editor_of(form_for(store, empty, name="Ana Ferreira"), IND).toggle_criteria()
    kwame = editor_of(form_for(store, empty, name="Kwame Mensah"), IND).toggle_criteria()
    cid = capacity(store.framework, IND, 2)[0]
    kwame.toggles[cid].value = "yes"
    assert kwame.state == SAVED
    ana.toggles[cid].value = "no"
    assert ana.state == CONFLICT and ana.message.startswith("not saved:"), ana.message
    assert f"{cid} (now yes, by Kwame Mensah)" in ana.message
    assert store.criteria_frame(empty.id).set_index("criterion_id").loc[cid, "answer"] == "yes"
    keep, mine = ana._conflict_box.children
    assert (keep.description, mine.description) == ("Use their values", "Replace theirs with mine")
    mine.click()
    assert ana.state == SAVED and ana._conflict_box is None, ana.message
    assert store.criteria_frame(empty.id).set_index("criterion_id").loc[cid, "answer"] == "no"
    kwame.toggles[cid].value = "na"  # now Kwame's view is the stale one
    assert kwame.state == CONFLICT and "Ana Ferreira" in kwame.message
    kwame._conflict_box.children[0].click()
    assert kwame.toggles[cid].value == "no" and kwame.state == SAVED
    stored = store.criteria_frame(empty.id).set_index("criterion_id")
    assert stored.loc[cid, "answer"] == "no", "taking theirs saves nothing"


def test_the_page_reads_in_answers_saved_by_others_and_keeps_what_is_typed(store, empty):
    loop = FakeLoop()
    form = form_for(store, empty, loop=loop)
    crit = editor_of(form, IND).toggle_criteria()
    first, second = capacity(store.framework, IND, 2)[:2]
    crit.notes[second].value = "typing, not saved yet"
    store.save_criteria(empty.id, {first: "yes", second: "no"}, by="Kwame Mensah")
    form.refresh()
    assert crit.toggles[first].value == "yes", "their answer is read in"
    assert crit.toggles[second].value == "" and crit.notes[second].value == "typing, not saved yet"
    assert form.editors[IND].agreed.value == "1", "the agreed level followed their answers"
    loop.run()  # the note waits for an answer ...
    assert crit.state == FAILED and "answer the criterion first" in crit.message, crit.message
    crit.toggles[second].value = "yes"  # ... saved against the version it was typed on: refused
    assert crit.state == CONFLICT and f"{second} (now no, by Kwame Mensah)" in crit.message, crit.message
    crit._conflict_box.children[0].click()
    assert crit.toggles[second].value == "no" and "Criteria give level 1: " in form.editors[IND].derived.value


# -- the crossing-point profile ------------------------------------------------------------------------
def test_crossing_point_profile_is_saved_checked_and_hides_what_does_not_apply(store, empty):
    form = form_for(store, empty)
    assert form.profile_button.description.endswith("not recorded (every criterion applies)")
    profile = form.toggle_profile()
    assert profile.widget in form.profile_panel.children
    profile.kinds["sea"].value = profile.landlocked.value = True
    profile.save_button.click()
    assert profile.state == FAILED and "a landlocked country has no seaport" in profile.message, profile.message
    assert store.crossing_profile(empty.id).kinds is None
    profile.kinds["sea"].value = False
    profile.kinds["land"].value = profile.kinds["air"].value = True
    form.user.value = ""
    profile.save_button.click()
    assert profile.state == FAILED and "Your name" in profile.message
    form.user.value = "Ana Ferreira"
    profile.save_button.click()
    assert profile.state == SAVED, profile.message
    saved = store.crossing_profile(empty.id)
    assert (saved.kinds, saved.landlocked) == (frozenset({"air", "land"}), True)
    assert "Airport, Land crossing point (landlocked)" in form.profile_button.description
    crit = editor_of(form, IND).toggle_criteria()
    sea_only = [c.id for c in store.framework.indicator(IND).criteria if c.applies_to and "land" not in c.applies_to]
    land = [c.id for c in store.framework.indicator(IND).criteria if "land" in c.applies_to]
    assert sea_only and all(crit.toggles[c].layout.display == "none" for c in sea_only)
    assert land and all(crit.toggles[c].layout.display != "none" for c in land)
    assert "Not shown: " in crit.not_shown.value and sea_only[0] in crit.not_shown.value
    seaport = editor_of(form_for(store, empty, "OPS"), "OPS.7.4")  # an indicator only seaports have
    assert "Does not apply: the country has no seaport" in seaport.derived.value
    assert seaport.criteria_button.layout.display == "none"
    profile.clear_button.click()
    assert profile.state == SAVED and store.crossing_profile(empty.id).kinds is None
    assert all(crit.toggles[c].layout.display != "none" for c in sea_only), "every criterion applies again"


def test_a_profile_changed_by_someone_else_is_not_overwritten_silently(store, empty):
    form = form_for(store, empty)
    profile = form.toggle_profile()
    store.set_crossing_profile(empty.id, kinds=["air", "sea"], island=True, by="Kwame Mensah")
    profile.kinds["land"].value = True
    profile.save_button.click()
    assert profile.state == FAILED and "someone else changed the profile" in profile.message
    assert "Airport, Seaport (island)" in profile.message and profile.kinds["land"].value, "your ticks are kept"
    profile.save_button.click()
    assert profile.state == SAVED and store.crossing_profile(empty.id).kinds == frozenset({"land"})


def test_forged_profile_ticks_are_refused_and_nothing_is_saved(store, empty):
    form = form_for(store, empty)
    profile = form.toggle_profile()
    profile.kinds["air"]._trait_values["value"] = "yes"  # past the widget's own check, as a browser may
    profile.island._trait_values["value"] = 1
    profile.save_button.click()
    assert profile.state == FAILED and "air: expected ticked or not" in profile.message
    assert "island: expected ticked or not" in profile.message, "every problem at once"
    assert store.crossing_profile(empty.id).kinds is None


# -- the consensus session ------------------------------------------------------------------------------
def test_moderation_records_each_decision_and_lists_the_record(store, empty):
    form = form_for(store, empty)
    ed = editor_of(form, IND)
    tick(ed.toggle_criteria(), capacity(store.framework, IND, 2))
    mod = form.toggle_moderation()
    assert mod.widget in form.moderation_panel.children and "No consensus session recorded yet" in mod.record.value
    mod.indicator.value = IND
    assert mod.agreed.value == "2", "starts from the stored agreed value"
    mod.record_button.click()
    assert mod.state == FAILED and "participants" in mod.message and "note" in mod.message, mod.message
    mod.participants.value = "Ana Ferreira, Kwame Mensah, Idris Benali"
    mod.held_on.value = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    mod.agreed.value = "3"
    mod.note.value = "Level 3: the SOP was adopted in the week of the session"
    mod.record_button.click()
    assert mod.state == FAILED and "is in the future" in mod.message
    assert store.moderation_frame(empty.id).empty and store.get_rating(empty.id, IND)["agreed"] == "2"
    mod.held_on.value = dt.date.today().isoformat()
    mod.record_button.click()
    assert mod.state == SAVED and f"{IND} agreed 3" in mod.message, mod.message
    [entry] = store.moderation_frame(empty.id).to_dict("records")
    assert (entry["before"], entry["after"], entry["recorded_by"]) == ("2", "3", "Ana Ferreira")
    stored = store.get_rating(empty.id, IND)
    assert (stored["agreed"], stored["override_reason"]) == (
        "3", "Level 3: the SOP was adopted in the week of the session")
    assert ed.agreed.value == "3" and "Override: agreed level 3" in ed.derived.value, "the editor follows"
    assert "<caption>" in mod.record.value and "2 → 3" in mod.record.value and "Kwame Mensah" in mod.record.value
    assert mod.indicator.value == "" and mod.note.value == "" and mod.participants.value, "ready for the next one"


def test_moderation_refuses_forged_choices(store, empty):
    form = form_for(store, empty)
    mod = form.toggle_moderation()
    mod.participants.value, mod.note.value = "Ana", "agreed"
    mod.indicator._trait_values["value"] = "OPS.2.3"  # not an indicator of this pillar's list
    mod.agreed.value = "3"
    mod.record_button.click()
    assert mod.state == FAILED and "is not one of the choices offered" in mod.message
    mod.indicator.value = IND
    mod.agreed._trait_values["value"] = "9"
    mod.record_button.click()
    assert mod.state == FAILED and "'9' is not one of the choices offered" in mod.message
    assert store.moderation_frame(empty.id).empty


def test_moderation_checks_the_date_and_the_note(store, empty):
    form = form_for(store, empty)
    mod = form.toggle_moderation()
    mod.participants.value, mod.indicator.value, mod.agreed.value = "Ana, Kwame", IND, "3"
    for day in ("next Tuesday", (dt.date.today() + dt.timedelta(days=3)).isoformat()):
        mod.held_on.value, mod.note.value = day, "agreed after the visit"
        mod.record_button.click()
        assert mod.state == FAILED and "held_on" in mod.message.replace(" ", "_").lower(), (day, mod.message)
    mod.held_on.value, mod.note.value = dt.date.today().isoformat(), ""
    mod.record_button.click()
    assert mod.state == FAILED and "note" in mod.message, "a decision needs its why"
    assert store.moderation_frame(empty.id).empty and store.get_rating(empty.id, IND)["version"] == 0


# -- sub-areas read as levels ---------------------------------------------------------------------------
def test_subareas_read_as_levels_with_spread_warnings_and_what_they_draw_on(store, empty):
    fw = store.framework
    sa = next(s for s in fw.pillar("OPS").subareas if s.aggregation == "median_floor")
    levels = ["4", "4", "1", "4"][:len(sa.indicators)]
    for ind, level in zip(sa.indicators + [fw.indicator(sa.refers_to[0].indicator)], levels + ["3"]):
        store.save_rating(empty.id, ind.id, by="setup", agreed=level)
        for etype in ("law", "observation"):  # evidence enough not to cap the level
            store.add_evidence(empty.id, ind.id, by="setup", type=etype, source="seen", date="2026-01-10")
    form = form_for(store, empty, "OPS")
    title = form.titles[[s.id for s in form.pillar.subareas].index(sa.id)]
    assert f"· {len(levels)}/{len(sa.indicators)} rated · level 2+ (indicators 1 to 4)" in title
    assert "⚠ reads level 2" not in title  # held at 2: one above its weakest, so no warning needed
    form.open(sa.id)
    about = form._about[[s.id for s in form.pillar.subareas].index(sa.id)].value
    assert "Level 2+</strong> under the median with a floor rule: its indicators range from level 1 to 4" in about
    ref = sa.refers_to[0]
    home = fw.subarea_of(ref.indicator)
    assert (f">{ref.indicator} {fw.indicator(ref.indicator).name}</a>, rated under {home.name}: level 3"
            in about.replace("&#x27;", "'"))
    assert "score" not in title and "." not in title.split("rated · ")[1].split(" ")[1], "a level, not a mean"
    row = {"n_scored": 3, "n_applicable": 4, "method": "median_floor", "label": "3", "min_level": 2.0,
           "max_level": 4.0, "warning": "OPS.7 Sea reads level 3 although OPS.7.4 Port security is at level 2"}
    assert subarea_summary(row) == ("3/4 rated · level 3 (indicators 2 to 4) · ⚠ reads level 3 although OPS.7.4 Port "
                                    "security is at level 2")


def test_warnings_are_in_the_flags_in_words(store, empty):
    form = form_for(store, empty, "OPS")
    form.snapshot.scores.subareas.loc[form.snapshot.scores.subareas["subarea_id"] == "OPS.7", "warning"] = \
        "OPS.7 Sea reads level 3 although OPS.7.4 Port security is at level 2"
    form.apply()
    assert "⚠ OPS.7 Sea reads level 3 although OPS.7.4 Port security is at level 2" in form.flags_html.value


# -- framework 1.0 -------------------------------------------------------------------------------------
def test_an_assessment_rated_against_framework_1_keeps_todays_form(store, db_url):
    old = Store(db_url, framework=load_framework(version="1.0.0"))
    a = old.create_assessment("XBO", "round one", country_name="Borduria", by="setup")
    form = form_for(store, a, "OPS")
    assert form.framework.version == "1.0.0" and form.profile_button is None and form.moderation_button is None
    assert [s.id for s in form.pillar.subareas] == [s.id for s in old.framework.pillar("OPS").subareas]
    ed = form.open(form.pillar.subareas[0].id)[0]
    assert ed.criteria_button is None and ed.override_reason is None and ed.toggle_criteria() is None
    assert "Criteria" not in ed.derived.value
    ed.agreed.value = "2"
    assert ed.state == SAVED, ed.message
    assert "rated · score 2.0" in form.titles[0], "1.0's mean rule reads as today"

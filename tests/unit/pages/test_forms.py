"""The data-entry widgets, driven as a browser would (set values, click buttons), without a kernel.

Timers (the notes autosave, the focus after a flag is chosen) run on
:class:`support.forms.FakeLoop`, which fires them when the test says so. Framework 2.0's parts
(criteria, override reasons, the crossing-point profile, moderation) are in test_forms_criteria.py.
"""
from __future__ import annotations

import datetime as dt

import pytest
from ipywidgets.widgets import widget as widget_module

from support.forms import FakeLoop

from workbook.errors import NotFound
from workbook.pages.forms import (CONFLICT, FAILED, SAVED, SAVING, Autosave, IndicatorEditor, PillarForm, differ,
                            indicator_html, progress_html, rating_options, rules_for)
from workbook.inputs import MAX_NOTES, MAX_SHORT

ROUND = "baseline 2026"


@pytest.fixture
def empty(store):
    """A fresh assessment with no ratings."""
    return store.create_assessment("XAT", ROUND, country_name="Atlantis", by="test setup")


def form_for(store, assessment, pillar_id="ADM", name="Ana Ferreira", **kw) -> PillarForm:
    return PillarForm(store, assessment, store.framework.pillar(pillar_id), editor=name, **kw)


def first_editor(form: PillarForm) -> IndicatorEditor:
    return form.open(form.pillar.subareas[0].id)[0]


def audit_of(store, assessment, key_prefix):
    audit = store.audit_frame(assessment.id)
    return audit[audit["entity_key"].str.startswith(key_prefix)]


def test_rating_options_cover_levels_and_codes(store):
    values = [v for _, v in rating_options(store.framework, long=False)]
    assert values == ["", "1", "2", "3", "4", "5", "NA", "NE", "IE"]
    labels = [label for label, _ in rating_options(store.framework, long=True)]
    assert labels[0] == "not rated" and labels[3].startswith("3 ") and labels[-1].startswith("IE ")


# -- panels, progress and load time -------------------------------------------------------------
def test_panels_are_built_when_opened_and_buttons_open_them(store, empty):
    form = form_for(store, empty)
    pillar = form.pillar
    assert form.editors == {} and all(panel.children == () for panel in form.panels)
    assert [t.split(" · ")[0] for t in form.titles] == [f"▸ {sa.id} {sa.name}" for sa in pillar.subareas]
    form.headers[1].click()  # what a click (or Enter on the focused button) does
    assert set(form.editors) == {i.id for i in pillar.subareas[1].indicators}
    assert len(form.panels[1].children) == 1 + len(pillar.subareas[1].indicators)
    assert form.titles[1].startswith("▾") and form.panels[0].children == ()
    form.headers[1].click()
    assert form.panels[1].children == () and form.titles[1].startswith("▸")
    form.headers[1].click()  # re-opened: the same editors, not new ones
    assert form.panels[1].children[1] is form.editors[pillar.subareas[1].indicators[0].id].widget


def test_page_starts_with_few_widgets_and_panels_share_their_styles(store, empty):
    """Load time: an unopened form is a few dozen widget models, not one set per indicator, and
    an opened panel adds about one model per control (layouts and styles are shared)."""
    before = len(widget_module._instances)
    form = form_for(store, empty, "OPS")
    created = len(widget_module._instances) - before
    n_subareas = len(store.framework.pillar("OPS").subareas)
    assert created <= 2 * n_subareas + 25, created
    before = len(widget_module._instances)
    editors = first_editor(form) and form.open(form.pillar.subareas[0].id)
    per_editor = (len(widget_module._instances) - before) / len(editors)
    # 12 controls and boxes, plus framework 2.0's override reason and "Tick the criteria" button; the
    # criteria themselves are built when that button is first pressed
    assert per_editor <= 15, per_editor


def test_progress_bars_state_completion(demo_store):
    a = demo_store.get_assessment("XAT")
    form = form_for(demo_store, a, "REG")
    text = form.progress.value
    assert text.count("<progress") == 1 + len(form.pillar.subareas)
    sub = form.subareas
    for _, r in sub.iterrows():
        assert (f'value="{int(r["n_scored"])}"' in text and f"{r['subarea_id']} {r['subarea']}: " in text)
    assert 'aria-label="Regulatory' in text or "(pillar)" in text


def test_progress_html_with_nothing_applicable():
    import pandas as pd
    sub = pd.DataFrame([{"subarea_id": "X.1", "subarea": "Only NA", "n_scored": 0, "n_applicable": 0}])
    text = progress_html("Pillar", {"n_rated": 0, "n_applicable": 0}, sub)
    assert "nothing applicable" in text and 'max="1"' in text


# -- autosave -----------------------------------------------------------------------------------
def test_a_rating_is_saved_as_soon_as_it_changes(store, empty):
    form = form_for(store, empty)
    ed = first_editor(form)
    ed.agreed.value = "2"
    assert ed.state == SAVED and "Ana Ferreira" in ed.message, ed.message
    ed.national.value = "4"
    ed.external.value = "IE"
    stored = store.get_rating(empty.id, ed.indicator.id)
    assert [stored[k] for k in ("agreed", "national", "external")] == ["2", "4", "IE"]
    assert stored["updated_by"] == "Ana Ferreira" and stored["version"] == ed.version == 3
    audit = audit_of(store, empty, ed.indicator.id)
    assert list(audit["field"]) == ["agreed", "national", "external"] and set(audit["who"]) == {"Ana Ferreira"}


def test_notes_are_saved_after_a_pause_in_typing(store, empty):
    loop = FakeLoop()
    ed = first_editor(form_for(store, empty, loop=loop))
    assert ed.notes.continuous_update, "typed text reaches the kernel as it is typed"
    for text in ("Seen", "Seen the", "  Seen the decree.  "):
        ed.notes.value = text
    assert ed.state == SAVING and ed.message == "saving…"
    assert store.get_rating(empty.id, ed.indicator.id)["version"] == 0, "nothing saved while typing"
    assert len(loop.waiting) == 1 and loop.waiting[0].delay == pytest.approx(1.0)
    assert loop.run() == 1
    assert ed.state == SAVED
    assert store.get_rating(empty.id, ed.indicator.id)["notes"] == "Seen the decree."
    assert list(audit_of(store, empty, ed.indicator.id)["field"]) == ["notes"]


def test_a_rating_change_saves_pending_notes_with_it(store, empty):
    loop = FakeLoop()
    ed = first_editor(form_for(store, empty, loop=loop))
    ed.notes.value = "half-typed"
    ed.agreed.value = "1"
    assert loop.waiting == [], "the pending notes timer was cancelled: the rating save carried them"
    stored = store.get_rating(empty.id, ed.indicator.id)
    assert (stored["agreed"], stored["notes"], stored["version"]) == ("1", "half-typed", 1)


def test_autosave_without_a_loop_runs_at_once():
    calls = []
    auto = Autosave(lambda: calls.append(1), 5.0)
    auto.touch()
    assert calls == [1] and not auto.pending
    loop = FakeLoop()
    auto = Autosave(lambda: calls.append(2), 5.0, loop=loop)
    auto.touch()
    auto.touch()
    auto.flush()
    assert calls == [1, 2] and loop.waiting == []


# -- what an indicator shows ----------------------------------------------------------------------
def test_descriptors_follow_the_selection(store, empty):
    ed = first_editor(form_for(store, empty))
    assert "aria-current" not in ed.info.value
    ed.agreed.value = "2"
    html = ed.info.value
    assert html.count('aria-current="true"') == 1
    selected = html.split('aria-current="true"')[1].split("</li>")[0]
    assert "<strong>2</strong>" in selected and "(selected)" in selected
    for level in ed.indicator.levels:  # all five descriptors stay visible
        assert f"<strong>{level.level}</strong>" in html
    ed.agreed.value = "NA"
    assert "aria-current" not in ed.info.value and "Agreed: NA" in ed.info.value


def test_disagreement_is_flagged(store, empty):
    ed = first_editor(form_for(store, empty))
    ed.national.value, ed.external.value = "2", "3"
    assert "differ by more than one level" not in ed.derived.value
    ed.external.value = "4"
    assert "National (2) and external (4) ratings differ by more than one level" in ed.derived.value
    assert differ("1", "5") and not differ("2", "IE") and not differ(None, "3")


def test_evidence_rule_cap_and_confidence_are_shown_in_words(store, empty):
    ed = first_editor(form_for(store, empty))
    ed.agreed.value = "4"
    assert "Evidence rule for level 4:" in ed.evidence.value
    assert "level 4 or above needs observed or quantitative evidence" in ed.evidence.value
    assert "level 3 or above needs a written document" in ed.evidence.value
    assert rules_for(store.framework, "2") == [] and "Level 1 and 2 need no particular evidence" in \
        (ed.agreed.__setattr__("value", "2") or ed.evidence.value)
    ed.agreed.value = "4"
    assert "Capped: level 3 or above needs a written document" in ed.derived.value  # no evidence at all
    assert "Confidence: <strong>low</strong>" in ed.derived.value
    editor = ed.toggle_evidence()
    editor.type.value, editor.source.value, editor.date.value = "law", "Border Law 2019", "2024-05-01"
    editor.save_button.click()
    assert editor.state == SAVED, editor.message
    assert ("Capped: level 4 or above needs observed or quantitative evidence; capped at 3 (rated 4, scored as 3)"
            in ed.derived.value)
    assert "Border Law 2019" in ed.evidence.value and "Evidence (1 record)" in ed.evidence.value
    editor.type.value, editor.source.value, editor.date.value = "observation", "Visit to the airport", \
        dt.date.today().isoformat()
    editor.save_button.click()
    assert "Capped" not in ed.derived.value and "Confidence: <strong>medium</strong>" in ed.derived.value
    ed.national.value, ed.external.value = "4", "4"
    assert "Confidence: <strong>high</strong>" in ed.derived.value


def test_indicator_html_escapes_text(store):
    ind = next(iter(store.framework.indicators.values()))
    evil = ind.model_copy(update={"name": "<script>alert(1)</script>"})
    assert "<script>" not in indicator_html(evil, "1")


# -- evidence ----------------------------------------------------------------------------------
def test_evidence_add_edit_remove_is_stored_and_audited(store, empty):
    ed = first_editor(form_for(store, empty))
    editor = ed.toggle_evidence()
    assert editor.widget in ed.widget.children and editor.save_button.description == "Add record"
    editor.type.value, editor.source.value = "sop", "First-line checks manual"
    editor.date.value, editor.reference.value, editor.supplied_by.value = "2025-01-31", "SOP-12", "Border Police"
    editor.save_button.click()
    assert editor.state == SAVED and editor.record.value == "new", editor.message
    [rec] = store.evidence_frame(empty.id).to_dict("records")
    assert (rec["type"], rec["source"], rec["reference"], rec["supplied_by"]) == \
        ("sop", "First-line checks manual", "SOP-12", "Border Police")
    assert ed.version == 1, "the rating row the store created is adopted, so the next rating save is not a conflict"
    editor.record.value = str(rec["evidence_id"])  # choose it: the fields show it
    assert (editor.source.value, editor.date.value, editor.save_button.description) == \
        ("First-line checks manual", "2025-01-31", "Save record")
    editor.source.value = "First-line checks manual, 2025 edition"
    editor.save_button.click()
    assert store.evidence_frame(empty.id)["source"].tolist() == ["First-line checks manual, 2025 edition"]
    editor.remove_button.click()
    assert editor.state == SAVED and store.evidence_frame(empty.id).empty
    assert "No evidence recorded yet" in ed.evidence.value
    audit = audit_of(store, empty, f"{ed.indicator.id}#")
    assert list(audit["field"]) == ["added", "source", "removed"] and set(audit["who"]) == {"Ana Ferreira"}
    ed.agreed.value = "2"
    assert ed.state == SAVED, ed.message
    ed.toggle_evidence()
    assert editor.widget not in ed.widget.children


def test_evidence_being_typed_survives_a_refresh_of_the_page(store, empty):
    """A save elsewhere on the page (or someone else's change read in) re-reads every indicator; the
    fields of a record being typed, new or chosen, are kept until it is added, saved or abandoned."""
    form = form_for(store, empty)
    first, second = form.open(form.pillar.subareas[0].id)[:2]
    editor = first.toggle_evidence()
    editor.type.value, editor.source.value, editor.date.value = "sop", "Draft SOP, half typed", "2025-02-01"
    second.agreed.value = "3"  # saved, and the page re-reads and re-scores
    assert second.state == SAVED, second.message
    assert (editor.type.value, editor.source.value, editor.date.value) == ("sop", "Draft SOP, half typed", "2025-02-01")
    assert editor.record.value == "new" and editor.save_button.description == "Add record"
    editor.save_button.click()
    assert editor.state == SAVED and editor.source.value == "", editor.message
    [rec] = store.evidence_frame(empty.id).to_dict("records")
    assert rec["source"] == "Draft SOP, half typed"
    editor.record.value = str(rec["evidence_id"])
    editor.reference.value = "SOP-3, typed"
    store.add_evidence(empty.id, first.indicator.id, type="interview", source="Someone else's record",
                       date="2025-03-01", by="Kwame Mensah")
    form.refresh()  # their record is listed; the one being edited keeps what was typed
    assert editor.record.value == str(rec["evidence_id"]) and editor.reference.value == "SOP-3, typed"
    assert len(editor.record.options) == 3
    store.update_evidence(int(rec["evidence_id"]), by="Kwame Mensah", reference="SOP-3 (K)")
    form.refresh()  # their change to the record being edited is read in; the typing is kept ...
    assert editor.reference.value == "SOP-3, typed"
    editor.save_button.click()  # ... and saving it is refused: checked against what the typing started from
    assert editor.state == FAILED and "SOP-3, typed" in editor.message, editor.message
    assert editor.reference.value == "SOP-3 (K)", "theirs is shown after the refusal"
    assert store.evidence_frame(empty.id).set_index("evidence_id").loc[rec["evidence_id"], "reference"] == "SOP-3 (K)"
    editor.record.value = "new"  # abandoning the edit: the fields follow the choice again
    assert editor.reference.value == "" and editor.source.value == ""
    editor.record.value = str(rec["evidence_id"])
    assert editor.source.value == "Draft SOP, half typed" and editor.reference.value == "SOP-3 (K)"


def test_a_stale_evidence_edit_is_refused_with_their_values_shown_and_yours_kept_in_the_message(store, empty):
    ana, max_ = first_editor(form_for(store, empty)), first_editor(form_for(store, empty, name="Max Weber"))
    mine = ana.toggle_evidence()
    mine.type.value, mine.source.value = "sop", "Checks manual"
    mine.save_button.click()
    [rec] = store.evidence_frame(empty.id).to_dict("records")
    theirs = max_.toggle_evidence()
    for editor in (mine, theirs):
        editor.set_records([rec])
        editor.record.value = str(rec["evidence_id"])
    mine.reference.value = "SOP-1"  # a different field: both saves are kept
    mine.save_button.click()
    theirs.supplied_by.value = "Border Police"
    theirs.save_button.click()
    assert mine.state == SAVED and theirs.state == SAVED, (mine.message, theirs.message)
    row = store.evidence_frame(empty.id).to_dict("records")[0]
    assert (row["reference"], row["supplied_by"]) == ("SOP-1", "Border Police")
    mine.source.value = "Checks manual (Ana)"
    mine.save_button.click()
    theirs.source.value = "Checks manual (Max)"  # from a view loaded before Ana's change
    theirs.save_button.click()
    assert theirs.state == FAILED and "someone else changed this evidence record" in theirs.message
    assert "What you typed:" in theirs.message and "Checks manual (Max)" in theirs.message
    assert store.evidence_frame(empty.id)["source"].tolist() == ["Checks manual (Ana)"]
    assert theirs.source.value == "Checks manual (Ana)", "the stored value is shown after the refusal"
    theirs.source.value = "Checks manual (Max)"  # now based on what is stored: saved
    theirs.save_button.click()
    assert theirs.state == SAVED and store.evidence_frame(empty.id)["source"].tolist() == ["Checks manual (Max)"]


@pytest.mark.parametrize("fields, expected", [
    ({"type": "law", "source": "", "date": "2024-01-01"}, "source: is required"),
    ({"type": "law", "source": "Law", "date": (dt.date.today() + dt.timedelta(days=3)).isoformat()},
     "is in the future"),
    ({"type": "law", "source": "Law", "date": "31/12/2024"}, "is not a date; use YYYY-MM-DD"),
    ({"type": "", "source": "Law"}, "type: is required"),
    ({"type": "law", "source": "x" * 501}, "the limit is 500"),
    ({"type": "law", "source": "Law", "supplied_by": "y" * (MAX_SHORT + 1)}, "supplied by:"),
])
def test_bad_evidence_gives_a_message_and_writes_nothing(store, empty, fields, expected):
    ed = first_editor(form_for(store, empty))
    editor = ed.toggle_evidence()
    for key, value in fields.items():
        getattr(editor, key).value = value
    editor.save_button.click()
    assert editor.state == FAILED and editor.message.startswith("not saved:") and expected in editor.message, \
        editor.message
    assert store.evidence_frame(empty.id).empty and audit_of(store, empty, ed.indicator.id).empty


def test_forged_evidence_choices_are_refused(store, empty):
    ed = first_editor(form_for(store, empty))
    editor = ed.toggle_evidence()
    editor.type.value, editor.source.value = "law", "Law"
    editor.save_button.click()
    other = store.create_assessment("XBO", ROUND, country_name="Borduria", by="setup")
    foreign = store.add_evidence(other.id, ed.indicator.id, by="setup", type="law", source="Not yours")
    editor.record._trait_values["value"] = str(foreign)  # a record of another assessment
    editor.remove_button.click()
    assert editor.state == FAILED and "is not one of the choices offered" in editor.message
    editor.record.value = "new"
    editor.type._trait_values["value"] = "bribe"
    editor.source.value = "Envelope"
    editor.save_button.click()
    assert editor.state == FAILED and "'bribe' is not an evidence type" in editor.message
    assert len(store.evidence_frame(other.id)) == 1 and len(store.evidence_frame(empty.id)) == 1
    editor.remove_button.click()  # "new record" chosen: nothing to remove
    assert editor.state == FAILED and "choose a record first" in editor.message


# -- bad input ---------------------------------------------------------------------------------
def test_save_without_name_writes_nothing(store, empty):
    ed = first_editor(form_for(store, empty, name="   "))
    ed.agreed.value = "2"
    assert ed.state == FAILED and ed.message.startswith("not saved:") and "Your name" in ed.message
    assert store.get_rating(empty.id, ed.indicator.id)["version"] == 0
    assert store.audit_frame(empty.id)["entity"].eq("rating").sum() == 0


@pytest.mark.parametrize("field, value, expected", [
    ("notes", "x" * (MAX_NOTES + 1), "limit is"),
    ("notes", "bad\x00byte", "NUL"),
    ("user", "n" * 500, "limit is"),
])
def test_bad_values_give_a_message_and_write_nothing(store, empty, field, value, expected):
    form = form_for(store, empty)
    ed = first_editor(form)
    (form.user if field == "user" else ed.notes).value = value
    ed.agreed.value = "4"
    assert ed.state == FAILED and ed.message.startswith("not saved:") and expected in ed.message
    assert "Traceback" not in ed.status.value
    assert store.get_rating(empty.id, ed.indicator.id)["version"] == 0


def test_values_forged_past_the_widget_are_refused(store, empty):
    """A browser can set synced traits directly; the value is checked again in Python."""
    ed = first_editor(form_for(store, empty, name=""))
    ed.national.value = "2"  # not saved (no name), so still to be saved
    ed.national._trait_values["value"] = "9"  # bypass the widget's own validation
    ed._user = lambda: "Ana Ferreira"
    ed.agreed.value = "3"
    assert ed.state == FAILED and "'9' is not a level" in ed.message
    assert store.get_rating(empty.id, ed.indicator.id)["version"] == 0


# -- two people, one indicator -----------------------------------------------------------------
def test_conflict_shows_the_other_persons_value_and_overwrites_only_on_request(store, empty):
    ana = first_editor(form_for(store, empty, name="Ana Ferreira"))
    kwame = first_editor(form_for(store, empty, name="Kwame Mensah"))
    kwame.notes.value = "Kwame's finding"
    kwame.agreed.value = "2"
    assert kwame.state == SAVED
    ana.agreed.value = "5"
    assert ana.state == CONFLICT and ana.message.startswith("not saved:")
    assert "Kwame Mensah" in ana.message and "agreed 2" in ana.message and "Kwame's finding" in ana.message
    stored = store.get_rating(empty.id, ana.indicator.id)
    assert (stored["agreed"], stored["updated_by"]) == ("2", "Kwame Mensah")
    ana.national.value = "3"  # further edits are refused too: no silent overwrite
    assert ana.state == CONFLICT and store.get_rating(empty.id, ana.indicator.id)["national"] is None
    keep_theirs, mine = ana._conflict_box.children
    assert (keep_theirs.description, mine.description) == ("Use their values", "Replace theirs with mine")
    mine.click()  # deliberate overwrite, checked against Kwame's version
    assert ana.state == SAVED and ana._conflict_box is None, ana.message
    assert store.get_rating(empty.id, ana.indicator.id)["agreed"] == "5"
    kwame.agreed.value = "1"  # now Kwame's copy is the stale one
    assert kwame.state == CONFLICT and "Ana Ferreira" in kwame.message
    kwame._conflict_box.children[0].click()  # take Ana's values
    assert (kwame.agreed.value, kwame.national.value, kwame.state) == ("5", "3", SAVED)
    assert store.get_rating(empty.id, ana.indicator.id)["agreed"] == "5", "taking theirs saves nothing"
    kwame.agreed.value = "4"
    assert kwame.state == SAVED and store.get_rating(empty.id, ana.indicator.id)["agreed"] == "4"
    audit = audit_of(store, empty, ana.indicator.id)
    assert store.get_rating(empty.id, ana.indicator.id)["notes"] == "Kwame's finding", "only Ana's changes replaced"
    changes = [tuple(None if v != v else v for v in row)
               for row in zip(audit["field"], audit["old"], audit["new"], audit["who"])]
    assert sorted(changes[-3:-1]) == [("agreed", "2", "5", "Ana Ferreira"), ("national", None, "3", "Ana Ferreira")]
    assert changes[-1] == ("agreed", "5", "4", "Kwame Mensah")


def test_a_clean_editor_takes_newer_values_when_the_page_refreshes(store, empty):
    ana_form = form_for(store, empty, name="Ana Ferreira")
    ana = first_editor(ana_form)
    other = ana_form.pillar.subareas[0].indicators[1].id
    store.save_rating(empty.id, ana.indicator.id, by="Kwame Mensah", agreed="3", expected_version=0)
    ana_form.editors[other].agreed.value = "2"  # Ana saves another indicator: the page re-reads
    assert (ana.agreed.value, ana.version, ana.state) == ("3", 1, "clean")
    ana.agreed.value = "4"
    assert ana.state == SAVED and store.get_rating(empty.id, ana.indicator.id)["version"] == 2


def test_on_saved_is_called_only_after_a_save(store, empty):
    calls = []
    form = form_for(store, empty, on_saved=calls.append)
    ed = first_editor(form)
    ed.agreed.value = ""  # unchanged from the stored (nothing)
    assert calls == []
    form.user.value = ""
    ed.agreed.value = "2"  # no name
    assert calls == []
    form.user.value = "Ana Ferreira"
    ed.agreed.value = "3"
    assert calls == [ed.indicator.id]


# -- flags ---------------------------------------------------------------------------------------
def test_flags_summary_links_to_the_indicators(demo_store):
    a = demo_store.get_assessment("XAT")
    loop = FakeLoop()
    form = form_for(demo_store, a, "OPS", loop=loop)
    scores = form.snapshot.scores
    flags = scores.flags[scores.flags["pillar_id"] == "OPS"]
    assert len(flags) > 0, "the demo data has flags on purpose"
    assert f"{len(flags)} indicator" in form.flags_html.value
    buttons = form.flag_buttons.children
    assert [b.description.split(" ")[0] for b in buttons] == list(flags["indicator_id"])
    target = flags.iloc[-1]
    sent = []
    buttons[-1].click()
    ed = form.editors[target["indicator_id"]]
    ed.national.send = sent.append  # the focus message goes to the browser after the panel is drawn
    assert loop.run() == 1 and sent == [{"do": "focus"}]
    index = [sa.id for sa in form.pillar.subareas].index(target["subarea_id"])
    assert index in form.opened and ed.widget in form.panels[index].children


def test_flags_follow_the_ratings(store, empty):
    form = form_for(store, empty)
    assert form.flag_buttons.children == () and "No flags" in form.flags_html.value
    ed = first_editor(form)
    ed.national.value, ed.external.value = "1", "4"
    [button] = form.flag_buttons.children
    assert button.description.startswith(f"{ed.indicator.id} ") and "national 1 vs external 4" in button.description
    ed.external.value = "2"
    assert form.flag_buttons.children == ()


# -- stored values --------------------------------------------------------------------------------
def test_demo_values_are_loaded_into_the_widgets(demo_store):
    a = demo_store.get_assessment("XAT")
    form = form_for(demo_store, a, "REG")
    evidence = demo_store.evidence_frame(a.id)
    for sa in form.pillar.subareas:
        for ed in form.open(sa.id):
            stored = demo_store.get_rating(a.id, ed.indicator.id)
            assert ed.agreed.value == (stored["agreed"] or "")
            assert ed.national.value == (stored["national"] or "")
            assert ed.notes.value == stored["notes"]
            assert ed.version == stored["version"]
            n = int((evidence["indicator_id"] == ed.indicator.id).sum())
            assert f"Evidence ({n} record" in ed.evidence.value


def test_final_assessment_is_read_only(store, empty):
    from sqlalchemy import update

    from workbook.store.models import Assessment
    with store.engine.begin() as conn:
        conn.execute(update(Assessment).where(Assessment.id == empty.id).values(status="final"))
    ed = first_editor(form_for(store, empty))
    ed.agreed.value = "2"
    assert ed.state == FAILED and "final and read-only" in ed.message


def test_unknown_subarea_and_indicator(store, empty):
    form = form_for(store, empty)
    with pytest.raises(NotFound, match="unknown sub-area 'ZZZ.1'"):
        form.open("ZZZ.1")
    with pytest.raises(NotFound, match="not in pillar ADM"):
        form.go_to(next(i for i in store.framework.indicators if not i.startswith("ADM")))


def test_agreed_ratings_in_one_query(demo_store):
    frame = demo_store.agreed_ratings()
    assert list(frame.columns) == ["assessment_id", "indicator_id", "agreed"]
    a = demo_store.get_assessment("XAT")
    mine = frame[frame["assessment_id"] == a.id].set_index("indicator_id")["agreed"]
    ratings = demo_store.ratings_frame(a.id).set_index("indicator_id")["agreed"]
    assert mine.sort_index().equals(ratings[ratings.index.isin(mine.index)].sort_index())

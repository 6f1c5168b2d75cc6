"""The data-entry widgets, driven as a browser would (set values, click Save), without a kernel."""
from __future__ import annotations

import pytest
from ipywidgets.widgets import widget as widget_module

from workbook.forms import (DIRTY, FAILED, SAVED, IndicatorEditor, PillarForm, differ, indicator_html,
                            rating_options)
from workbook.errors import NotFound
from workbook.inputs import MAX_NOTES

ROUND = "baseline 2026"


@pytest.fixture
def empty(store):
    """A fresh assessment with no ratings."""
    return store.create_assessment("XAT", ROUND, country_name="Atlantis", by="test setup")


def form_for(store, assessment, pillar_id="ADM", name="Ana Ferreira", **kw) -> PillarForm:
    form = PillarForm(store, assessment, store.framework.pillar(pillar_id), **kw)
    form.user.value = name
    return form


def first_editor(form: PillarForm) -> IndicatorEditor:
    return form.open(form.pillar.subareas[0].id)[0]


def test_rating_options_cover_levels_and_codes(store):
    values = [v for _, v in rating_options(store.framework, long=False)]
    assert values == ["", "1", "2", "3", "4", "5", "NA", "NE", "IE"]
    labels = [label for label, _ in rating_options(store.framework, long=True)]
    assert labels[0] == "not rated" and labels[3].startswith("3 ") and labels[-1].startswith("IE ")


def test_panels_are_built_when_opened(store, empty):
    form = form_for(store, empty)
    pillar = form.pillar
    assert form.editors == {}
    assert all(panel.children == () for panel in form.panels)
    assert [t.split(" · ")[0] for t in form.accordion.titles] == [f"{sa.id} {sa.name}" for sa in pillar.subareas]
    form.accordion.selected_index = 1  # what a click on the second title does
    assert set(form.editors) == {i.id for i in pillar.subareas[1].indicators}
    assert len(form.panels[1].children) == 1 + len(pillar.subareas[1].indicators)
    assert form.panels[0].children == ()


def test_page_starts_with_few_widgets(store, empty):
    """Load time: an unopened form is a handful of widget models, not one set per indicator."""
    before = len(widget_module._instances)
    form_for(store, empty, "OPS")
    created = len(widget_module._instances) - before
    n_subareas = len(store.framework.pillar("OPS").subareas)
    assert created <= 3 * n_subareas + 15, created


def test_save_writes_every_field(store, empty):
    form = form_for(store, empty)
    ed = first_editor(form)
    ed.agreed.value = "3"
    ed.national.value = "4"
    ed.external.value = "IE"
    ed.notes.value = "  Seen the decree.  "
    assert ed.state == DIRTY
    ed.save_button.click()
    assert ed.state == SAVED, ed.message
    assert ed.message.startswith("saved") and "Ana Ferreira" in ed.message
    stored = store.get_rating(empty.id, ed.indicator.id)
    assert [stored[k] for k in ("agreed", "national", "external", "notes")] == ["3", "4", "IE", "Seen the decree."]
    assert stored["updated_by"] == "Ana Ferreira" and stored["version"] == ed.version == 1
    audit = store.audit_frame(empty.id)
    fields = set(audit.loc[audit["entity_key"] == ed.indicator.id, "field"])
    assert fields == {"agreed", "national", "external", "notes"}


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
    assert "differ by more than one level" not in ed.info.value
    ed.external.value = "4"
    assert "differ by more than one level" in ed.info.value
    assert differ("1", "5") and not differ("2", "IE") and not differ(None, "3")


def test_indicator_html_escapes_text(store):
    ind = next(iter(store.framework.indicators.values()))
    evil = ind.model_copy(update={"name": "<script>alert(1)</script>"})
    assert "<script>" not in indicator_html(evil, "1")


def test_save_without_name_writes_nothing(store, empty):
    ed = first_editor(form_for(store, empty, name="   "))
    ed.agreed.value = "2"
    ed.save_button.click()
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
    ed.agreed.value = "4"
    (form.user if field == "user" else ed.notes).value = value
    ed.save_button.click()
    assert ed.state == FAILED and ed.message.startswith("not saved:") and expected in ed.message
    assert "Traceback" not in ed.status.value
    assert store.get_rating(empty.id, ed.indicator.id)["version"] == 0


def test_values_forged_past_the_widget_are_refused(store, empty):
    """A browser can set synced traits directly; the value is checked again in Python."""
    ed = first_editor(form_for(store, empty))
    ed.agreed.value = "3"
    ed.agreed._trait_values["value"] = "9"  # bypass the widget's own validation
    ed.save_button.click()
    assert ed.state == FAILED and "'9' is not a level" in ed.message
    assert store.get_rating(empty.id, ed.indicator.id)["version"] == 0


def test_conflict_shows_the_other_persons_value(store, empty):
    ana = first_editor(form_for(store, empty, name="Ana Ferreira"))
    kwame = first_editor(form_for(store, empty, name="Kwame Mensah"))
    kwame.agreed.value, kwame.notes.value = "2", "Kwame's finding"
    kwame.save_button.click()
    assert kwame.state == SAVED
    ana.agreed.value = "5"
    ana.save_button.click()
    assert ana.state == FAILED and ana.message.startswith("not saved:")
    assert "Kwame Mensah" in ana.message and "agreed 2" in ana.message and "Kwame's finding" in ana.message
    stored = store.get_rating(empty.id, ana.indicator.id)
    assert (stored["agreed"], stored["updated_by"]) == ("2", "Kwame Mensah")
    # Having seen their values, a second Save is a deliberate overwrite.
    ana.save_button.click()
    assert ana.state == SAVED, ana.message
    assert store.get_rating(empty.id, ana.indicator.id)["agreed"] == "5"
    # ... and now Kwame's copy is the stale one.
    kwame.agreed.value = "1"
    kwame.save_button.click()
    assert kwame.state == FAILED and "Ana Ferreira" in kwame.message


def test_on_saved_is_called_only_after_a_save(store, empty):
    calls = []
    form = form_for(store, empty, on_saved=calls.append)
    ed = first_editor(form)
    ed.save_button.click()  # nothing changed
    assert ed.state == SAVED and ed.message == "no changes to save" and calls == []
    ed.agreed.value = "2"
    form.user.value = ""
    ed.save_button.click()  # no name
    assert calls == []
    form.user.value = "Ana Ferreira"
    ed.save_button.click()
    assert calls == [ed.indicator.id]


def test_demo_values_are_loaded_into_the_widgets(demo_store):
    a = demo_store.get_assessment("XAT")
    form = form_for(demo_store, a, "REG")
    for sa in form.pillar.subareas:
        for ed in form.open(sa.id):
            stored = demo_store.get_rating(a.id, ed.indicator.id)
            assert ed.agreed.value == (stored["agreed"] or "")
            assert ed.national.value == (stored["national"] or "")
            assert ed.notes.value == stored["notes"]
            assert ed.version == stored["version"]


def test_final_assessment_is_read_only(store, empty):
    from sqlalchemy import update

    from workbook.models import Assessment
    with store.engine.begin() as conn:
        conn.execute(update(Assessment).where(Assessment.id == empty.id).values(status="final"))
    ed = first_editor(form_for(store, empty))
    ed.agreed.value = "2"
    ed.save_button.click()
    assert ed.state == FAILED and "final and read-only" in ed.message


def test_unknown_subarea(store, empty):
    form = form_for(store, empty)
    with pytest.raises(NotFound, match="unknown sub-area 'ZZZ.1'"):
        form.open("ZZZ.1")

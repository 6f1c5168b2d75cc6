"""The site-visit form of the mission page, driven as a browser would (set values, click), without
a kernel: a visit with its checklist and a photo saved together, the photo's GPS removed; a
refused attachment, a day outside the mission or a forged choice saves nothing and says where."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from support.mission import PDF, jpeg, mission_assessment
from workbook.errors import InvalidInput
from workbook.mission import attachments as files
from workbook.pages.forms import FAILED, SAVED
from workbook.pages.forms.visit import VisitForm, uploaded
from workbook.store.models import Attachment, SiteVisit

DAY = dt.date(2026, 3, 4)


def sent(name: str, content: bytes) -> dict:
    """A file as the browser's upload widget sends it."""
    return {"name": name, "type": "", "size": len(content), "content": memoryview(content),
            "last_modified": dt.datetime(2026, 3, 4, tzinfo=dt.UTC)}


def count(store, model) -> int:
    with store._sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


def filled(mission, a, **kw) -> VisitForm:
    saved = []
    form = VisitForm(mission, a.id, editor="Ana Costa", on_saved=saved.append, **kw)
    form.saved = saved
    form.post.value = "XAT-AIR-1"
    form.day.value = DAY
    form.why.value = "Largest airport"
    form.team["Ana Costa"].value = True
    first, second = form._shown[:2]
    form.answers[first].value, form.answers[second].value = "yes", "no"
    form.notes[second].value = "no roster on display"
    form.key.value = "Booths staffed at night\n\nQueue of 40 minutes"
    return form


def test_a_visit_with_a_photo_is_saved_together(store, tmp_path):
    mission, a = mission_assessment(store, tmp_path)
    form = filled(mission, a)
    assert len(form._shown) >= 2 and form.checklist_box.children, "the checklist of an air post is shown"
    form.upload.value = (sent("booths.jpg", jpeg(gps=True)),)
    form.caption.value = "Booths at night"
    form.save_button.click()
    assert form.state == SAVED and "1 attachment" in form.message, form.message
    [visit] = mission.visits_frame(a.id).to_dict("records")
    assert (visit["post"], visit["day"], visit["observed"], visit["met"]) == ("XAT-AIR-1", DAY, 2, 1)
    assert visit["key_observations"] == ["Booths staffed at night", "Queue of 40 minutes"]
    [att] = mission.attachments_frame(a.id).to_dict("records")
    assert att["caption"] == "Booths at night" and form.saved == [visit["visit_id"]]
    _, content = mission.attachment_bytes(att["attachment_id"])
    assert not files.has_location(content), "the GPS position was removed"
    assert form.upload.value == ()


def test_a_refused_attachment_saves_no_visit(store, tmp_path):
    mission, a = mission_assessment(store, tmp_path)
    form = filled(mission, a)
    form.upload.value = (sent("photo.jpg", b"MZ\x90\x00 not a photo"), sent("notes.pdf", PDF))
    form.save_button.click()
    assert form.state == FAILED and "attachment[0] photo.jpg" in form.message, form.message
    assert count(store, SiteVisit) == 0 and count(store, Attachment) == 0


def test_a_day_outside_the_mission_and_forged_choices_are_located(store, tmp_path):
    mission, a = mission_assessment(store, tmp_path)
    form = filled(mission, a)
    form.day.value = dt.date(2026, 4, 1)
    form.answers[form._shown[0]]._trait_values["value"] = "maybe"  # a browser can send any value
    form.save_button.click()
    assert form.state == FAILED and "visit.day" in form.message and f"visit.{form._shown[0]}" in form.message, \
        form.message
    form.day.value, form.answers[form._shown[0]].value, form.name.value = DAY, "yes", ""
    form.save_button.click()
    assert form.state == FAILED and count(store, SiteVisit) == 0


def test_what_the_upload_widget_sends_is_checked():
    assert uploaded([{"name": "a.pdf", "content": memoryview(PDF)}]) == [("a.pdf", PDF)]
    with pytest.raises(InvalidInput) as exc:
        uploaded([{"name": "a.pdf"}])
    assert exc.value.problems[0].location == "attachment[0]"

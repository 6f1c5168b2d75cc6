"""The site-visit form of the mission page, made for a tablet: the post, the day, why this post,
who went, the checklist of that kind of post (met, not met, not applicable, with a note), the key
observations and photos or documents, saved together or not at all.

The widgets only carry what the user chose; everything is checked in Python by the mission's
rules (:class:`~workbook.mission.MissionStore`): the post must be in the register, the day within
the mission, each checklist answer one of the choices offered, each attachment recognised by its
content, under the size limit, with its GPS position removed unless kept on purpose. The visit and
its attachments are written in one transaction: a refused attachment leaves no visit behind.
"""
from __future__ import annotations

import datetime as dt
import html

import ipywidgets as widgets

from ...errors import InvalidInput, Problem, Problems, WorkbookError, localized
from ...i18n import translator
from ...mission import MissionStore
from ...mission import attachments as files
from .common import FAILED, SAVED, choice_in, parse_editor, status_html

ANSWERS = ("", "yes", "no", "na")
#: What a file input offers (the content decides; this only narrows the tablet's picker).
ACCEPT = ".jpg,.jpeg,.png,.pdf,.docx,.xlsx,image/jpeg,image/png,application/pdf"
FULL = widgets.Layout(width="100%")


def uploaded(value) -> list[tuple[str, bytes]]:
    """``(filename, bytes)`` of each file of a FileUpload's value (ipywidgets 8: a tuple of dicts
    with ``name`` and ``content``); anything else a browser could send is refused."""
    out = []
    for n, item in enumerate(value or ()):
        try:
            name, content = item["name"], item["content"]
            out.append((str(name), bytes(content)))
        except (KeyError, TypeError, ValueError):
            raise InvalidInput(Problem(f"attachment[{n}]", "is not a file the page sent"), what="attachment") from None
    return out


class VisitForm:
    """One visit being recorded on the mission page (see the module).

    ``state`` and ``message`` say what the last save did; ``on_saved(visit_id)`` runs after a save.
    """

    def __init__(self, mission: MissionStore, assessment_id: int, *, editor: str = "", lang: str = "en",
                 on_saved=None):
        _ = translator(lang).gettext
        self._, self.lang = _, lang
        self.mission, self.assessment_id, self.on_saved = mission, assessment_id, on_saved
        self.state, self.message = "", ""
        posts = mission.posts_frame(assessment_id)
        self.post_codes = list(posts["code"])
        team = mission.team(assessment_id)
        self.name = widgets.Text(value=editor, description=_("Your name"), layout=FULL,
                                 style={"description_width": "8em"})
        self.post = widgets.Dropdown(options=[(_("choose a post"), "")] + [
            (f"{c} · {n} ({k})", c) for c, n, k in zip(posts["code"], posts["name"], posts["kind"])],
            value="", description=_("Post"), layout=FULL, style={"description_width": "8em"})
        self.day = widgets.DatePicker(description=_("Day"), style={"description_width": "8em"})
        self.why = widgets.Text(description=_("Why this post"), layout=FULL, style={"description_width": "8em"})
        self.team = {n: widgets.Checkbox(value=False, description=n, indent=False) for n in team}
        self.checklist_box = widgets.VBox([], layout=FULL)
        self._shown: list[str] = []  # the criteria of the checklist shown
        self.answers: dict[str, widgets.ToggleButtons] = {}
        self.notes: dict[str, widgets.Text] = {}
        self.key = widgets.Textarea(description=_("Key observations"), placeholder=_("one per line"), layout=FULL,
                                    rows=3, style={"description_width": "8em"})
        self.upload = widgets.FileUpload(accept=ACCEPT, multiple=True, description=_("Photos or documents"),
                                         layout=widgets.Layout(width="auto"))
        self.caption = widgets.Text(description=_("Caption"), layout=FULL, style={"description_width": "8em"})
        self.keep_location = widgets.Checkbox(value=False, indent=False,
                                              description=_("Keep the photos' location (GPS)"))
        self.save_button = widgets.Button(description=_("Save the visit"), button_style="primary",
                                          layout=widgets.Layout(min_height="44px", width="auto"))
        self.status = widgets.HTML()
        self.post.observe(self._on_post, names="value")
        self.save_button.on_click(self.save)
        # gettext calls stay outside the f-strings: Babel does not extract them from inside one
        who_went, title = _("Who went"), _("Record a site visit")
        team_row = widgets.HBox([widgets.HTML(f"<span>{html.escape(who_went)}</span>"), *self.team.values()],
                                layout=widgets.Layout(flex_flow="row wrap"))
        self.widget = widgets.VBox([
            widgets.HTML(f"<h2>{html.escape(title)}</h2>"), self.name, self.post, self.day,
            self.why, team_row,
            self.checklist_box, self.key, widgets.HBox([self.upload]), self.caption, self.keep_location,
            self.save_button, self.status], layout=FULL)
        self.widget.add_class("mbm-visit-form")

    def _on_post(self, _change=None) -> None:
        """Show the checklist of the chosen post's kind (answers already given to a criterion kept)."""
        code = self.post.value
        rows = []
        self._shown = []
        if code in self.post_codes:
            checklist = self._("Checklist")
            rows.append(widgets.HTML(f"<h3>{html.escape(checklist)}</h3>"))
            for c in self.mission.checklist(self.assessment_id, code):
                self._shown.append(c.id)
                if c.id not in self.answers:
                    self.answers[c.id] = widgets.ToggleButtons(
                        options=[(self._("not observed"), ""), (self._("met"), "yes"), (self._("not met"), "no"),
                                 (self._("n/a"), "na")], value="", style={"button_width": "auto"})
                    self.notes[c.id] = widgets.Text(placeholder=self._("note"), layout=FULL)
                label = widgets.HTML(f"<p><strong>{html.escape(c.id)}</strong> {html.escape(str(c.text))}</p>")
                rows.append(widgets.VBox([label, self.answers[c.id], self.notes[c.id]],
                                         layout=widgets.Layout(border_bottom="1px solid #ddd", padding="4px 0")))
        self.checklist_box.children = rows

    def _say(self, state: str, text: str) -> None:
        self.state, self.message = state, text
        self.status.value = status_html(state, text)

    def fields(self, problems: Problems) -> dict:
        """What the form says, every value checked against what the page offered."""
        post = problems.take(choice_in, self.post.value, ["", *self.post_codes], "visit.post") or None
        day = self.day.value
        if day is not None and not isinstance(day, dt.date):
            problems.add("visit.day", "is not a date")
            day = None
        team = [n for n, box in self.team.items() if box.value is True]
        observations = []
        for cid in self._shown:
            answer = problems.take(choice_in, self.answers[cid].value, ANSWERS, f"visit.{cid}")
            if answer:
                observations.append({"criterion": cid, "result": answer, "note": self.notes[cid].value})
        key = [line.strip() for line in str(self.key.value or "").splitlines() if line.strip()]
        return {"post": post, "day": day, "why": self.why.value, "team": team, "observations": observations,
                "key_observations": key}

    def save(self, _button=None) -> int | None:
        """Record the visit and its attachments in one transaction; the visit id, or None with the
        reason on the status line (nothing saved)."""
        problems = Problems()
        who = problems.take(parse_editor, self.name.value)
        fields = self.fields(problems)
        try:
            sent = uploaded(self.upload.value)
        except InvalidInput as exc:
            problems.extend(exc.problems)
            sent = []
        for n, (name, content) in enumerate(sent):  # checked before anything is written
            problems.take(files.check_attachment, content, name, keep_location=bool(self.keep_location.value is True),
                          where=f"attachment[{n}] {name}")
        try:
            with self.mission.one_transaction() as tx:
                try:  # the mission's own rules, so every problem is said at once
                    visit_id = tx.record_visit(self.assessment_id, by=who or "", **fields)
                except InvalidInput as exc:
                    problems.extend(p for p in exc.problems if not (who is None and p.location == "by"))
                problems.raise_if_any(what="site visit")
                for name, content in sent:
                    tx.add_attachment(self.assessment_id, content, name, by=who, visit=visit_id,
                                      caption=self.caption.value, keep_location=self.keep_location.value is True)
        except InvalidInput as exc:
            self._say(FAILED, self._("not saved: ") + localized(exc, self.lang))
            return None
        except WorkbookError as exc:
            self._say(FAILED, self._("not saved: ") + localized(exc, self.lang))
            return None
        n = len(sent)
        self._say(SAVED, self._("saved: visit to {post} on {day}").format(post=fields["post"], day=fields["day"])
                  + (self._(" with {n} attachment(s)").format(n=n) if n else ""))
        self.upload.value = ()
        if self.on_saved:
            self.on_saved(visit_id)
        return visit_id

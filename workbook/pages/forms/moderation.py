"""The consensus session (moderation) of an assessment, framework 2.0: when the team met, who
took part, and for each indicator discussed the agreed value it left with and why.

Each decision is recorded on its own ("Record this decision"): the store saves the agreed value
with it (an agreed level that differs from the criteria keeps the note as its reason) and keeps
the value before and after; the record of every session is listed below the form.
"""
from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable

import ipywidgets as widgets
import pandas as pd

from ...errors import InvalidInput, Problem, WorkbookError
from ...framework import Framework, Pillar
from ...present.html import table
from ...store import Store
from .common import (FAILED, NOT_RATED, SAVED, Look, choice_in, parse_editor, rating_options, saved_or_said,
                     set_by_code, status_html, words)

NONE_CHOSEN = ""


def moderation_html(frame: pd.DataFrame, caption: str, lang: str | None = None) -> str:
    """The moderation record as a table (or a sentence when nothing is recorded), in ``lang``."""
    _ = words(lang)
    if frame.empty:
        none = html.escape(_("No consensus session recorded yet."))
        return f'<p class="mbm-moderation-none" style="margin:0.2em 0">{none}</p>'
    rows = []
    unrated = _("not rated")
    for r in frame.to_dict("records"):
        day = r["held_on"].isoformat() if hasattr(r["held_on"], "isoformat") else str(r["held_on"] or "–")
        change = f"{r['before'] or unrated} → {r['after'] or unrated}"
        rows.append([r["indicator_id"], day, r["participants"] or "–", change, r["note"] or "–",
                     r["recorded_by"] or "–"])
    return table(caption, [_("Indicator"), _("Held on"), _("Participants"), _("Agreed (before → after)"), _("Note"),
                           _("Recorded by")], rows, cls="mbm-table mbm-moderation")


class ModerationSection:
    """Date, participants, and one decision at a time: indicator, agreed value, note.

    Parameters
    ----------
    store : Store
    assessment_id : int
    framework : Framework
        The assessment's framework version.
    pillar : Pillar
        The indicators offered are this pillar's.
    agreed_of : callable
        Returns the stored agreed value of an indicator (to start from when it is chosen).
    user : callable
        Returns the name typed in "Your name".
    on_saved : callable
        Called with the indicator id after a decision was recorded.
    look : Look
    lang : str, optional
        The page's language for labels, buttons and status lines (English when none).
    """

    def __init__(self, store: Store, assessment_id: int, framework: Framework, pillar: Pillar, *,
                 agreed_of: Callable[[str], str | None], user: Callable[[], str],
                 on_saved: Callable[[str], None], look: Look, lang: str | None = None):
        self.lang = lang
        _ = self._ = words(lang)
        self.store, self.assessment_id, self.framework, self.pillar = store, assessment_id, framework, pillar
        self._agreed_of, self._user, self._on_saved = agreed_of, user, on_saved
        self.state, self.message = "", ""
        self._quiet = False
        self.held_on = widgets.Text(value=dt.date.today().isoformat(), description=_("Held on"),
                                    placeholder="YYYY-MM-DD", style=look.label, layout=look.select)
        self.participants = widgets.Text(description=_("Participants"), placeholder=_("names, separated by commas"),
                                         style=look.label, layout=look.full)
        self.indicator = widgets.Dropdown(
            description=_("Indicator"), value=NONE_CHOSEN, style=look.label, layout=look.full,
            options=[(_("choose an indicator discussed"), NONE_CHOSEN)]
            + [(f"{i.id} {i.name}", i.id) for sa in pillar.subareas for i in sa.indicators])
        self.agreed = widgets.Dropdown(description=_("Agreed"), options=rating_options(framework, long=True, lang=lang),
                                       value=NOT_RATED, style=look.label, layout=look.select)
        self.note = widgets.Textarea(description=_("Note"), placeholder=_("What the team agreed and why (required)"),
                                     style=look.label, layout=look.notes)
        self.record_button = look.button_widget(_("Record this decision"),
                                                _("Record the agreed value and note of the indicator chosen"))
        self.status = look.html_widget(status_html("", "", "mbm-moderation-status"))
        self.record = look.html_widget()
        help_text = _("After the team's consensus session, record each indicator discussed: the agreed value it left "
                      "with and why. The agreed value is saved with it; a level set against the criteria keeps the "
                      "note as its reason.")
        help_ = look.html_widget(f'<p class="mbm-help" style="margin:0.2em 0">{html.escape(help_text, False)}</p>')
        self.widget = widgets.VBox([help_, self.held_on, self.participants, self.indicator, self.agreed, self.note,
                                    widgets.HBox([self.record_button, self.status], layout=look.row), self.record],
                                   layout=look.box)
        self.widget.add_class("mbm-moderation")
        self.indicator.observe(self._on_indicator, "value")
        self.record_button.on_click(self.save)
        self.refresh()

    @property
    def _choices(self) -> set[str]:
        return {v for _, v in self.indicator.options}

    def _on_indicator(self, _change) -> None:
        """Start from the stored agreed value of the indicator chosen."""
        if self._quiet:
            return
        value = self.indicator.value
        if isinstance(value, str) and value in self._choices and value:
            agreed = self._agreed_of(value) or NOT_RATED
            self.agreed.value = agreed if agreed in {v for _, v in self.agreed.options} else NOT_RATED

    def refresh(self) -> None:
        """List the record as stored now."""
        try:
            frame = self.store.moderation_frame(self.assessment_id)
        except WorkbookError as exc:
            said = self._("The record could not be read: %(error)s") % {"error": exc}
            self.record.value = f'<p class="mbm-moderation-none">{html.escape(said)}</p>'
            return
        self.record.value = moderation_html(frame, self._("Consensus sessions recorded for this assessment"),
                                            self.lang)

    def _say(self, state: str, text: str) -> None:
        self.state, self.message = state, text
        self.status.value = status_html(state, text, "mbm-moderation-status")

    def save(self, _button=None) -> bool:
        """Record the decision shown. Never raises for a user error."""
        problems = []
        try:
            who = parse_editor(self._user(), self.lang)
        except InvalidInput as exc:
            problems += exc.problems
        ind_id = agreed = None
        try:
            ind_id = choice_in(self.indicator.value, self._choices, "Indicator") or None
            if ind_id is None:
                problems.append(Problem("Indicator", self._("choose the indicator discussed")))
        except InvalidInput as exc:
            problems += exc.problems
        try:
            agreed = choice_in(self.agreed.value, {v for _, v in self.agreed.options}, "Agreed") or None
            if agreed is None:
                problems.append(Problem("Agreed", self._("choose the value the team agreed")))
        except InvalidInput as exc:
            problems += exc.problems
        if problems:
            self._say(FAILED, self._("not recorded: %(why)s") % {"why": "; ".join(str(p) for p in problems)})
            return False
        ok, _done = saved_or_said(  # the store checks the date (not in the future), the participants and the note
            lambda: self.store.record_moderation(
                self.assessment_id, held_on=self.held_on.value, participants=self.participants.value,
                changes=[{"indicator_id": ind_id, "agreed": agreed, "note": self.note.value}], by=who),
            say=self._say, failed=self._("not recorded"), lang=self.lang)
        if not ok:
            return False
        with set_by_code(self, "_quiet"):
            self.indicator.value = NONE_CHOSEN
            self.agreed.value = NOT_RATED
            self.note.value = ""
        self._say(SAVED, self._("recorded by %(who)s: %(indicator)s agreed %(agreed)s") % {
            "who": who, "indicator": ind_id, "agreed": agreed})
        self.refresh()
        try:
            self._on_saved(ind_id)
        except Exception as exc:  # the record stands; say that the page is behind, never a traceback
            self._say(SAVED, self._("%(said)s; the page was not updated (%(error)s): reload the page") % {
                "said": self.message, "error": exc})
        return True

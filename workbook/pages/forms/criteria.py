"""The criteria of one indicator (framework 2.0): yes / no / n.a. per criterion, level by level.

The level follows from the ticked criteria (gated: a level counts only when its capacity criteria
and all below are met or not applicable); normative criteria are shown apart and never gate.
Criteria that do not exist for the country's kinds of crossing point are not shown (the scoring
leaves them out). An answer is saved when it is chosen, a note a second after typing stops, each
with the version the editor last saw: an answer someone else changed meanwhile refuses the save,
and the editor shows their values with the same two choices as a rating conflict.
"""
from __future__ import annotations

import html
from collections.abc import Callable, Mapping

import ipywidgets as widgets

from ...errors import Conflict, InvalidInput, Problem, WorkbookError, localized
from ...framework import Framework, Indicator
from ...i18n.formats import format_list
from ...i18n.messages import N_, translator
from ...inputs import MAX_LONG, parse_answer, parse_text
from ...present.levels import strength_name
from ...scoring import CriteriaResult, criteria_level
from ...store import Store
from .common import (CLEAN, CONFLICT, FAILED, NOTES_DELAY, SAVED, SAVING, WARN_STYLE, Autosave, Look, choice_in,
                     conflict_buttons, parse_editor, problems_text, running_loop, saved_or_said, set_by_code,
                     status_html, words)

NOT_ANSWERED = ""
ANSWER_OPTIONS = (("–", NOT_ANSWERED), ("yes", "yes"), ("no", "no"), ("n.a.", "na"))
ANSWER_TOOLTIPS = (N_("not answered"), N_("met"), N_("not met"), N_("not applicable"))
ANSWER_VALUES = frozenset(v for _, v in ANSWER_OPTIONS)
ANSWER_WORDS = {NOT_ANSWERED: "not answered", "yes": "met", "no": "not met", "na": "not applicable"}
NORMATIVE_TITLE = N_("Normative alignment (a political choice: reported beside the level, does not gate it)")


def answer_options(lang: str | None = None) -> list[tuple[str, str]]:
    """The answer buttons' labels in ``lang``; the values sent stay "yes", "no", "na"."""
    t = translator(lang or "en")
    shown = {"yes": t.pgettext("answer", "yes"), "no": t.pgettext("answer", "no"), "na": t.gettext("n.a.")}
    return [(shown.get(value, label), value) for label, value in ANSWER_OPTIONS]


def kinds_names(framework: Framework, kinds, lang: str | None = None) -> str:
    names = {k.id: k.name.lower() for k in framework.crossing_kinds}
    if lang in (None, "en"):
        return " or ".join(names.get(k, k) for k in kinds)
    return format_list([names.get(k, k) for k in kinds], lang, style="or")


def applicable(indicator: Indicator, kinds: frozenset[str] | None) -> list:
    """The indicator's criteria that exist for a country with these kinds of crossing point."""
    return [c for c in indicator.criteria if c.applies(kinds)]


def open_criteria(indicator: Indicator, answers: Mapping[str, str], kinds, level: int) -> list[str]:
    """The capacity criteria of ``level`` not answered yet."""
    lv = indicator.levels[level - 1]
    return [c.id for c in lv.criteria if not c.normative and c.applies(kinds) and not answers.get(c.id)]


def criteria_words(indicator: Indicator, answers: Mapping[str, str], kinds,
                   result: CriteriaResult | None = None, lang: str | None = None) -> str:
    """The level the criteria give, with the first unmet criterion named, in words (in ``lang``):
    ``Criteria give level 2: OPS.2.3.3a not met``."""
    _ = words(lang)
    result = result or criteria_level(indicator, answers, kinds)
    n = sum(1 for c in applicable(indicator, kinds) if not c.normative)
    if result.level is None:
        return _("Criteria: none answered yet (0 of %(n)s)") % {"n": n}
    values = {"level": result.level}
    if result.blocked_by:
        return _("Criteria give level %(level)s: %(ids)s not met") % {**values, "ids": ", ".join(result.blocked_by)}
    if result.open_from is not None:
        waiting = open_criteria(indicator, answers, kinds, result.open_from)
        shown = ", ".join(waiting[:3])
        if len(waiting) > 3:
            shown = _("%(ids)s and %(n)s more") % {"ids": shown, "n": len(waiting) - 3}
        return _("Criteria give level %(level)s so far: level %(open)s not fully answered (%(ids)s open)") % {
            **values, "open": result.open_from, "ids": shown}
    if result.level == 5:
        return _("Criteria give level %(level)s: every criterion met") % values
    return _("Criteria give level %(level)s") % values


def level_status(indicator: Indicator, level: int, answers: Mapping[str, str], kinds,
                 lang: str | None = None) -> str:
    """One level's capacity criteria in words: met, not met (which), or still open."""
    _ = words(lang)
    crits = [c for c in indicator.levels[level - 1].criteria if not c.normative and c.applies(kinds)]
    unmet = [c.id for c in crits if answers.get(c.id) == "no"]
    waiting = [c.id for c in crits if not answers.get(c.id)]
    if unmet:
        return _("not met: %(ids)s") % {"ids": ", ".join(unmet)}
    if waiting:
        return _("%(n)s of %(total)s not answered") % {"n": len(waiting), "total": len(crits)}
    return _("met (every criterion met or not applicable)")


class CriteriaEditor:
    """The criteria of one indicator, saving themselves.

    Parameters
    ----------
    store : Store
    assessment_id : int
    framework : Framework
        The assessment's framework version.
    indicator : Indicator
    stored : dict
        The stored answers, ``{criterion_id: {answer, note, version, updated_by, ...}}``.
    kinds : frozenset of str or None
        The country's kinds of crossing point (None: not recorded, every criterion shown).
    user : callable
        Returns the name typed in "Your name".
    on_saved : callable
        Called with ``{indicator_id: level}`` after answers were stored.
    on_change : callable, optional
        Called after any answer changed on screen (the indicator redraws what the criteria give).
    before_save : callable, optional
        Called before a save (the indicator saves its pending notes first).
    look : Look
    loop : optional
        Event loop for the notes timer.
    lang : str, optional
        The page's language for labels, buttons and status lines (English when none).
    """

    def __init__(self, store: Store, assessment_id: int, framework: Framework, indicator: Indicator,
                 stored: Mapping[str, dict], *, kinds: frozenset[str] | None, user: Callable[[], str],
                 on_saved: Callable[[dict], None], on_change: Callable[[], None] | None = None,
                 before_save: Callable[[], None] | None = None, look: Look, loop=None, lang: str | None = None):
        self.lang = lang
        _ = self._ = words(lang)
        self.store, self.assessment_id, self.framework, self.indicator = store, assessment_id, framework, indicator
        self.look, self.kinds = look, kinds
        self._user, self._on_saved, self._on_change, self._before_save = user, on_saved, on_change, before_save
        self.stored: dict[str, dict] = {cid: dict(a) for cid, a in stored.items()}
        self.state, self.message = CLEAN, ""
        self.theirs: dict[str, dict] = {}
        self._dirty: set[str] = set()  # criteria whose answer or note changed here since the last save
        self._loading = False
        self._conflict_box: widgets.HBox | None = None
        self.toggles: dict[str, widgets.ToggleButtons] = {}
        self.notes: dict[str, widgets.Text] = {}
        self.headings: dict[int | str, widgets.HTML] = {}
        self.grids: dict[int | str, widgets.GridBox] = {}
        typing = running_loop() is not None or loop is not None
        names = {lv.level: lv.name for lv in framework.scale.levels}
        help_text = _("Answer each criterion: <strong>yes</strong> (met), <strong>no</strong> (not met) or "
                      "<strong>n.a.</strong> (not applicable); <strong>–</strong> clears an answer. A level counts "
                      "when its criteria and all below are met or not applicable. Each answer is saved when chosen.")
        children = [look.html_widget(f'<p class="mbm-help" style="margin:0.2em 0">{help_text}</p>')]
        options, tooltips = answer_options(lang), [_(t) for t in ANSWER_TOOLTIPS]
        self._groups: dict[int | str, list] = {
            lv.level: [c for c in lv.criteria if not c.normative] for lv in indicator.levels[1:]}
        self._groups["normative"] = [c for c in indicator.criteria if c.normative]
        self._titles: dict[int | str, str] = {}
        for key, crits in list(self._groups.items()):
            if not crits:
                del self._groups[key]
                continue
            rows = []
            for c in crits:
                answer = self.stored.get(c.id, {}).get("answer") or NOT_ANSWERED
                t = widgets.ToggleButtons(options=options, tooltips=tooltips,
                                          value=answer if answer in ANSWER_VALUES else NOT_ANSWERED,
                                          description=self._label(c), style=look.answers, layout=look.auto)
                t.add_class("mbm-criterion")
                n = widgets.Text(value=self.stored.get(c.id, {}).get("note") or "",
                                 description=_("Note %(criterion)s") % {"criterion": c.id.rsplit(".", 1)[-1]},
                                 placeholder=_("optional"),
                                 continuous_update=typing, style=look.note_label, layout=look.auto)
                self.toggles[c.id], self.notes[c.id] = t, n
                rows += [t, n]
            self._titles[key] = (_("Level %(level)s %(name)s") % {"level": key, "name": names.get(key, "")}
                                 if key != "normative" else _(NORMATIVE_TITLE))
            self.headings[key] = look.html_widget()
            self.headings[key].add_class("mbm-criteria-level")
            self.grids[key] = widgets.GridBox(rows, layout=look.grid)
            self.grids[key].add_class("mbm-criteria-grid")
            children += [self.headings[key], self.grids[key]]
        self.not_shown = look.html_widget()
        self.status = look.html_widget(status_html(CLEAN, "", "mbm-criteria-status"))
        children += [self.not_shown, self.status]
        self.widget = widgets.VBox(children, layout=look.box)
        self.widget.add_class("mbm-criteria")
        self._autosave = Autosave(self.save, NOTES_DELAY, loop=loop)
        for cid, t in self.toggles.items():
            t.observe(lambda _c, cid=cid: self._on_answer(cid), "value")
            self.notes[cid].observe(lambda _c, cid=cid: self._on_note(cid), "value")
        self.set_kinds(kinds)

    def _label(self, c) -> str:
        kinds = {k.id: k.name.lower() for k in self.framework.crossing_kinds} if self.lang not in (None, "en") else {}
        values = {"id": c.id, "text": c.text, "shown_by": strength_name(c.shown_by, self.lang),
                  "at": ", ".join(kinds.get(k, k) for k in c.observe_at)}
        if c.observe_at and len(c.observe_at) < 5:
            return self._("%(id)s %(text)s (shown by: %(shown_by)s; at %(at)s)") % values
        return self._("%(id)s %(text)s (shown by: %(shown_by)s)") % values

    # -- display ------------------------------------------------------------------------------
    @property
    def pending(self) -> bool:
        """Something typed here is not stored yet (waiting, refused, or in conflict)."""
        return bool(self._dirty) or self._autosave.pending or self.state == CONFLICT

    def answers(self) -> dict[str, str]:
        """The answers on screen, as the scoring reads them (a forged value counts as unanswered)."""
        out = {}
        for cid, t in self.toggles.items():
            v = t.value
            if isinstance(v, str) and v in ANSWER_VALUES and v:
                out[cid] = v
        return out

    def set_kinds(self, kinds: frozenset[str] | None) -> None:
        """Show only the criteria that exist for these kinds of crossing point."""
        self.kinds = kinds
        hidden = []
        for cid, t in self.toggles.items():
            c = self.framework.criterion(cid)
            layout = self.look.auto if c.applies(kinds) else self.look.hidden
            if not c.applies(kinds):
                hidden.append(c)
            for w in (t, self.notes[cid]):
                if w.layout is not layout:
                    w.layout = layout
        for key, grid in self.grids.items():
            shown = any(c.applies(kinds) for c in self._groups[key])
            for w, layout in ((grid, self.look.grid), (self.headings[key], self.look.box)):
                layout = layout if shown else self.look.hidden
                if w.layout is not layout:
                    w.layout = layout
        if hidden:
            where = kinds_names(self.framework, sorted({k for c in hidden for k in c.applies_to}), self.lang)
            ids = ", ".join(c.id for c in hidden)
            text = translator(self.lang or "en").ngettext(
                "Not shown: %(n)s criterion for a %(kinds)s, which the country's crossing-point profile does not "
                "list (%(ids)s); they count as not applicable.",
                "Not shown: %(n)s criteria for a %(kinds)s, which the country's crossing-point profile does not "
                "list (%(ids)s); they count as not applicable.", len(hidden)) % {
                "n": len(hidden), "kinds": where, "ids": ids}
            self.not_shown.value = f'<p class="mbm-criteria-hidden" style="margin:0.2em 0">{html.escape(text)}</p>'
        else:
            self.not_shown.value = ""
        self.render()

    def render(self) -> None:
        """The level headings with their status in words."""
        answers = self.answers()
        for key, heading in self.headings.items():
            if key == "normative":
                crits = [c for c in self._groups[key] if c.applies(self.kinds)]
                met = sum(1 for c in crits if answers.get(c.id) == "yes")
                judged = sum(1 for c in crits if answers.get(c.id) in ("yes", "no"))
                status = (self._("%(met)s of %(judged)s answered met") % {"met": met, "judged": judged} if judged
                          else self._("none answered"))
                unmet = False
            else:
                status = level_status(self.indicator, key, answers, self.kinds, self.lang)
                unmet = any(answers.get(c.id) == "no" for c in self._groups[key] if c.applies(self.kinds))
            style = WARN_STYLE if unmet else ""
            heading.value = (f'<h5 style="margin:0.5em 0 0.1em">{html.escape(self._titles[key])}: '
                             f'<span style="font-weight:normal;{style}">{html.escape(status)}</span></h5>')

    def _set_status(self, state: str, text: str) -> None:
        self.state, self.message = state, text
        self.status.value = status_html(state, text, "mbm-criteria-status")

    def show(self, stored: Mapping[str, dict], kinds: frozenset[str] | None) -> None:
        """Answers read in after any save on the page (or someone else's): a criterion with
        nothing unsaved here takes the stored answer; one being changed keeps what was typed
        (its save then meets the newer version as a conflict)."""
        fresh = {cid: dict(a) for cid, a in stored.items()}
        if self.state != CONFLICT:
            for cid in self.toggles:
                if cid in self._dirty:
                    continue
                old, new = self.stored.get(cid, {}), fresh.get(cid, {})
                if (old.get("version"), old.get("answer"), old.get("note")) != \
                        (new.get("version"), new.get("answer"), new.get("note")):
                    self._load_one(cid, new)
            self.stored = {cid: a for cid, a in fresh.items() if cid not in self._dirty} | \
                {cid: a for cid, a in self.stored.items() if cid in self._dirty}
        if kinds != self.kinds:
            self.set_kinds(kinds)
        else:
            self.render()

    def _load_one(self, cid: str, stored: dict) -> None:
        with set_by_code(self):
            answer = stored.get("answer") or NOT_ANSWERED
            self.toggles[cid].value = answer if answer in ANSWER_VALUES else NOT_ANSWERED
            self.notes[cid].value = stored.get("note") or ""

    # -- changes ------------------------------------------------------------------------------
    def _on_answer(self, cid: str) -> None:
        if self._loading:
            return
        self._dirty.add(cid)
        self.render()
        if self._on_change is not None:
            self._on_change()
        self._autosave.cancel()  # the save below carries pending notes too
        self.save()

    def _on_note(self, cid: str) -> None:
        if self._loading:
            return
        self._dirty.add(cid)
        self._set_status(SAVING, self._("saving…"))
        self._autosave.touch()

    def values(self, cids) -> tuple[dict, dict]:
        """Answers and notes of ``cids`` as the store takes them, validated (raises
        :class:`InvalidInput` listing every problem). A note goes with an answer."""
        problems: list[Problem] = []
        answers, notes = {}, {}
        for cid in sorted(cids):
            try:
                answers[cid] = parse_answer(choice_in(self.toggles[cid].value, ANSWER_VALUES, cid), cid)
            except InvalidInput as exc:
                problems += exc.problems
                continue
            try:
                note = parse_text(self.notes[cid].value, f"{cid} note", max_len=MAX_LONG)
            except InvalidInput as exc:
                problems += exc.problems
                continue
            if answers[cid] is None:  # cleared: its note goes with it; a new note waits for an answer
                if note and not self.stored.get(cid, {}).get("answer"):
                    problems.append(Problem(f"{cid} note", "answer the criterion first: a note goes with an answer"))
                continue
            if note != (self.stored.get(cid, {}).get("note") or ""):
                notes[cid] = note
        if problems:
            raise InvalidInput(problems, what=f"criteria of {self.indicator.id}")
        return answers, notes

    def save(self, _button=None, *, expected: Mapping[str, int] | None = None) -> bool:
        """Validate and save the criteria changed here; the status line says "saved" or
        "not saved: <why>". Never raises for a user error."""
        _ = self._
        if not self._dirty:
            if self.state != CONFLICT:
                self._set_status(SAVED, _("no changes to save"))
            return True
        if self._before_save is not None:
            self._before_save()
        try:
            who = parse_editor(self._user(), self.lang)
            answers, notes = self.values(self._dirty)
        except InvalidInput as exc:
            self._set_status(FAILED, _("not saved: %(why)s") % {"why": problems_text(exc, self.lang)})
            return False
        versions = expected if expected is not None else {
            cid: int(self.stored.get(cid, {}).get("version") or 0) for cid in answers}
        ok, touched = saved_or_said(
            lambda: self.store.save_criteria(self.assessment_id, answers, by=who, notes=notes,
                                             expected={cid: versions.get(cid, 0) for cid in answers}),
            say=self._set_status, on_conflict=self._conflict, failed=_("not saved"), lang=self.lang)
        if not ok:
            return False
        self._dirty.clear()
        self._hide_conflict()
        fresh = self._read()
        moved = [cid for cid in answers if (fresh.get(cid, {}).get("answer")) != answers[cid]]
        self.stored = fresh
        for cid in self.toggles:
            self._load_one(cid, fresh.get(cid, {}))
        self.render()
        level = touched.get(self.indicator.id)
        values = {"who": who, "level": level, "ids": ", ".join(moved)}
        text = (_("criteria saved by %(who)s: they give level %(level)s") if level is not None
                else _("criteria saved by %(who)s")) % values
        if moved:  # someone saved in the instant after this save: theirs is shown
            text += _("; %(ids)s changed again since, now shown as stored") % values
        self._set_status(SAVED, text)
        try:
            self._on_saved(touched)
        except Exception as exc:  # the save stands; say that the page is behind, never a traceback
            self._set_status(SAVED, _("%(said)s; the page was not updated (%(error)s): reload the page") % {
                "said": text, "error": exc})
        return True

    def _read(self) -> dict[str, dict]:
        """The stored answers of this indicator (after a save or a conflict)."""
        frame = self.store.criteria_frame(self.assessment_id)
        frame = frame[frame["indicator_id"] == self.indicator.id]
        return {r["criterion_id"]: {"answer": r["answer"], "note": r["note"] or "", "version": int(r["version"]),
                                    "updated_by": r["updated_by"]} for r in frame.to_dict("records")}

    # -- conflicts ----------------------------------------------------------------------------
    def _conflict(self, exc: Conflict) -> None:
        try:
            self.theirs = self._read()
        except WorkbookError as err:
            self._set_status(FAILED, self._("not saved: %(why)s; their values could not be read (%(error)s)") % {
                "why": exc, "error": err})
            return
        self._set_status(CONFLICT, self._("not saved: %(why)s") % {"why": localized(exc, self.lang)})
        if self._conflict_box is None:
            what = self._("the criteria of %(indicator)s") % {"indicator": self.indicator.id}
            self._conflict_box = conflict_buttons(self.look, what, self.use_theirs, self.keep_mine, self.lang)
            self.widget.children = self.widget.children + (self._conflict_box,)

    def _hide_conflict(self) -> None:
        if self._conflict_box is not None:
            self.widget.children = tuple(c for c in self.widget.children if c is not self._conflict_box)
            self._conflict_box = None

    def use_theirs(self) -> None:
        """Show the stored answers (after a conflict): what was changed here is dropped."""
        if self._conflict_box is None:
            return
        self._dirty.clear()
        self.stored = dict(self.theirs)
        for cid in self.toggles:
            self._load_one(cid, self.theirs.get(cid, {}))
        self._hide_conflict()
        self.theirs = {}
        self.render()
        self._set_status(SAVED, self._("showing the answers now stored"))
        if self._on_change is not None:
            self._on_change()

    def keep_mine(self) -> bool:
        """Save these answers over theirs, checked against the versions they saved (so a third
        change in between is refused again)."""
        if self._conflict_box is None:
            return False
        versions = {cid: int(a.get("version") or 0) for cid, a in self.theirs.items()}
        return self.save(expected={cid: versions.get(cid, 0) for cid in self._dirty})

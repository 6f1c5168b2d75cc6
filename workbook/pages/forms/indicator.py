"""The editor of one indicator: descriptors, ratings, derived confidence and caps, notes, evidence.

Changes are saved as they happen: a rating at once, notes after a second of quiet typing
(:data:`~workbook.forms.common.NOTES_DELAY`), so a kernel that dies loses at most what is
being typed. Each save sends the version the editor last saw; when someone else saved in
between, nothing is written and the status line shows their values, with two buttons: keep
theirs, or replace them with mine (a deliberate overwrite, checked against their version).

Framework 2.0 adds the criteria (:mod:`.criteria`, built when "Tick the criteria" is first
pressed): the level they give is shown next to the agreed rating with the first unmet criterion
named, the agreed level follows them, and an agreed level set against them needs a written
reason (a field that appears when the agreed level differs; the store refuses without it).
"""
from __future__ import annotations

import html
from collections.abc import Callable

import ipywidgets as widgets

from ...errors import Conflict, InvalidInput, WorkbookError, localized
from ...framework import Framework, Indicator
from ...i18n.messages import N_, translator
from ...inputs import MAX_LONG, MAX_NOTES, parse_rating, parse_text
from ...present.levels import confidence_text, scoring_note
from ...scoring import CriteriaResult, criteria_level
from ...store import Store
from .common import (CLEAN, CONFLICT, FAILED, NOTES_DELAY, SAVED, SAVING, WARN_STYLE, Autosave, Look, as_choice,
                     conflict_buttons, differ, parse_editor, problems_text, rating_options, rating_tooltips,
                     running_loop, saved_or_said, set_by_code, status_html)
from .criteria import CriteriaEditor, applicable, criteria_words, kinds_names
from .evidence import EvidenceEditor, evidence_list_html

SELECTED_STYLE = "background:#fff4cc;border-left:4px solid #8a6100;font-weight:600"
CODE_NAMES = {"NA": N_("not applicable"), "NE": N_("not evaluated"), "IE": N_("insufficient evidence")}
#: The framework's lenses (``Indicator.lens``, stored as these ids), as shown.
LENS_WORDS = {"legal": N_("legal"), "institutional": N_("institutional"), "process": N_("process"),
              "systems": N_("systems"), "oversight": N_("oversight")}


def words(lang: str | None):
    """The form's ``gettext`` in ``lang`` (English when none)."""
    return translator(lang or "en").gettext


def anchor(indicator_id: str) -> str:
    """The HTML id of an indicator's block (ids with dots make awkward CSS selectors)."""
    return "mbm-ind-" + indicator_id.replace(".", "-")


def indicator_html(indicator: Indicator, agreed: str | None, lang: str | None = None) -> str:
    """The indicator's question and its five level descriptors, the agreed one highlighted.

    The highlight is not only a colour: the selected item says "(selected)" and carries
    ``aria-current``, so it is visible to screen readers and in greyscale print.
    """
    e, _ = html.escape, words(lang)
    items = []
    selected = _("(selected)")
    for lv in indicator.levels:
        chosen = agreed == str(lv.level)
        attrs = f' aria-current="true" class="mbm-level mbm-selected" style="{SELECTED_STYLE}"' if chosen \
            else ' class="mbm-level"'
        mark = f" <em>{e(selected)}</em>" if chosen else ""
        items.append(f"<li{attrs}><strong>{lv.level}</strong> {e(lv.descriptor)}{mark}</li>")
    code_note = ""
    if agreed in CODE_NAMES:
        said = _("Agreed: %(code)s") % {"code": agreed}
        why = _("(%(name)s; a code, not a level)") % {"name": _(CODE_NAMES[agreed])}
        code_note = f'<p class="mbm-code"><strong>{e(said)}</strong> {e(why)}</p>'
    lens = _("(lens: %(lens)s)") % {"lens": _(LENS_WORDS[indicator.lens]) if indicator.lens in LENS_WORDS
                                    else indicator.lens}
    levels_of = _("Levels of %(indicator)s") % {"indicator": indicator.id}
    return (f'<div class="mbm-indicator-info" id="{anchor(indicator.id)}">'
            f'<h4 style="margin:0.4em 0 0.2em">{e(indicator.id)} {e(indicator.name)}</h4>'
            f'<p style="margin:0 0 0.3em">{e(indicator.question)} '
            f'<span class="mbm-lens">{e(lens)}</span></p>'
            f'<ol class="mbm-levels" style="margin:0 0 0.3em;padding-left:1.6em;list-style:none" '
            f'aria-label="{e(levels_of)}">' + "".join(items) + "</ol>" + code_note + "</div>")


def rules_for(framework: Framework, agreed: str | None) -> list[str]:
    """The evidence rules a level must meet (all rules at or below it)."""
    try:
        level = int(agreed)
    except (TypeError, ValueError):
        return []
    return [r.text for r in sorted(framework.evidence_rules, key=lambda r: r.level) if r.level <= level]


def overridden(agreed: str | None, result: CriteriaResult | None) -> bool:
    """An agreed level that differs from the level the criteria give (codes never count)."""
    return (result is not None and result.level is not None and isinstance(agreed, str) and agreed.isdigit()
            and int(agreed) != result.level)


def warning(text: str, cls: str) -> str:
    return f'<span class="{cls}" style="{WARN_STYLE}">⚠ {html.escape(text)}</span>'


def criteria_lines(framework: Framework, indicator: Indicator, agreed: str | None, answers: dict[str, str],
                   kinds: frozenset[str] | None, reason: str = "", lang: str | None = None) -> list[str]:
    """What the criteria say, in words, for the lines next to the agreed rating: the level they give
    with the first unmet criterion named, an override and its reason, a level gated by a lower
    one, normative alignment."""
    _ = words(lang)
    if not indicator.applies(kinds):
        text = _("Does not apply: the country has no %(kinds)s (crossing-point profile); counted as not "
                 "applicable") % {"kinds": kinds_names(framework, indicator.applies_to, lang)}
        return [f'<span class="mbm-criteria-summary">{html.escape(text)}</span>']
    result = criteria_level(indicator, answers, kinds)
    parts = [f'<span class="mbm-criteria-summary"><strong>'
             f"{html.escape(criteria_words(indicator, answers, kinds, result, lang))}</strong></span>"]
    if overridden(agreed, result):
        values = {"agreed": agreed, "level": result.level, "reason": reason}
        if reason:
            parts.append(warning(_("Override: agreed level %(agreed)s is set against the criteria (level "
                                   "%(level)s); reason: %(reason)s") % values, "mbm-override"))
        else:
            parts.append(warning(_("Agreed level %(agreed)s differs from the criteria (level %(level)s): write "
                                   "the reason in “Reason”, or tick the criteria the level rests on") % values,
                                 "mbm-override mbm-override-missing"))
    if result.gated_by:
        parts.append(warning(_("Gated: %(criterion)s; the level stays at %(level)s") % {
            "criterion": result.gated_by, "level": result.level}, "mbm-gated"))
    if result.normative_total:
        text = _("Normative alignment: %(met)s of %(total)s met (reported beside the level; does not gate it)") % {
            "met": result.normative_met, "total": result.normative_total}
        parts.append(f'<span class="mbm-normative">{html.escape(text)}</span>')
    return parts


def derived_html(framework: Framework, agreed: str | None, national: str | None, external: str | None,
                 scored: dict, criteria: list[str] | None = None, lang: str | None = None) -> str:
    """What the model derives, next to the rating: what the criteria give (``criteria``, from
    :func:`criteria_lines`), confidence, the evidence cap in words, flags.

    ``scored`` is the indicator's row of the scores (it reflects the stored values).
    """
    e, _ = html.escape, words(lang)
    parts = list(criteria or [])
    conf = scored.get("confidence")
    if isinstance(conf, str):
        said = _("Confidence:")
        parts.append(f'<span class="mbm-confidence mbm-confidence-{e(conf)}">{e(said)} '
                     f"<strong>{e(confidence_text(conf, conf, lang))}</strong></span>")
    if scored.get("capped"):
        text = _("Capped: %(reason)s (rated %(agreed)s, scored as %(level)s)") % {
            "reason": scoring_note(str(scored.get("cap_reason")), lang), "agreed": agreed,
            "level": int(scored["level"])}
        parts.append(f'<span class="mbm-cap" style="{WARN_STYLE}">⚠ {e(text)}</span>')
    if agreed == "IE":
        parts.append(warning(_("Insufficient evidence: counted as level 1; verify first (kept out of the top "
                               "priorities until verified)"), "mbm-ie"))
    if differ(national, external):
        text = _("National (%(national)s) and external (%(external)s) ratings differ by more than one level") % {
            "national": national, "external": external}
        parts.append(f'<span class="mbm-flag" style="color:#b71c1c">⚠ {e(text)}</span>')
    return '<div class="mbm-derived" style="line-height:1.5">' + "<br>".join(parts) + "</div>"


def rules_html(framework: Framework, agreed: str | None, lang: str | None = None) -> str:
    _ = words(lang)
    rules = rules_for(framework, agreed)
    if not rules:
        text = _("Level 1 and 2 need no particular evidence.") if agreed in ("1", "2") else ""
        return f'<p class="mbm-rule" style="margin:0.2em 0">{html.escape(text)}</p>' if text else ""
    title = _("Evidence rule for level %(level)s:") % {"level": agreed}
    return (f'<p class="mbm-rule" style="margin:0.2em 0"><strong>{html.escape(title)}</strong> '
            + "; ".join(html.escape(r) for r in rules) + ".</p>")


class IndicatorEditor:
    """The widgets of one indicator, saving themselves.

    Parameters
    ----------
    store : Store
    assessment_id : int
    indicator : Indicator
    stored : dict
        The stored values (``Store.get_rating`` shape); ``version`` is what a save expects.
    user : callable
        Returns the name typed in "Your name" (checked at every save).
    on_saved : callable, optional
        Called with the indicator id after a rating, criteria or evidence change was stored.
    scored : dict, optional
        The indicator's row of the scores (confidence, cap).
    records : list of dict, optional
        Its evidence records.
    look : Look, optional
        Shared layouts and styles.
    loop : optional
        Event loop for the notes timer (tests pass a fake one).
    framework : Framework, optional
        The assessment's framework version (default: read from the store).
    answers : dict, optional
        Its stored criteria answers (``Snapshot.answers`` shape), framework 2.0.
    kinds : frozenset of str, optional
        The country's kinds of crossing point (None: not recorded).
    lang : str, optional
        The page's language: labels, buttons and status lines (English when none; what is
        stored and sent never changes with it).
    """

    def __init__(self, store: Store, assessment_id: int, indicator: Indicator, stored: dict, *,
                 user: Callable[[], str], on_saved: Callable[[str], None] | None = None,
                 scored: dict | None = None, records: list[dict] | None = None, look: Look | None = None,
                 loop=None, framework: Framework | None = None, answers: dict[str, dict] | None = None,
                 kinds: frozenset[str] | None = None, lang: str | None = None):
        self.lang = lang
        _ = self._ = words(lang)
        fw = self.framework = framework or store.framework_of(assessment_id)
        look = look or Look()
        self.store, self.assessment_id, self.indicator, self.look = store, assessment_id, indicator, look
        self.version: int = int(stored.get("version") or 0)
        self._user, self._on_saved, self._loop = user, on_saved, loop
        self._loading = False
        self._dirty: set[str] = set()  # fields changed here since the last save or load
        self.state, self.message = CLEAN, ""
        self.theirs: dict = {}
        self.scored = scored or {}
        self.records = list(records or [])
        self.answers: dict[str, dict] = dict(answers or {})
        self.kinds = kinds
        self.evidence_editor: EvidenceEditor | None = None
        self.criteria_editor: CriteriaEditor | None = None
        self._conflict_box: widgets.HBox | None = None
        ind = indicator.id
        typing = running_loop() is not None or loop is not None
        self.info = look.html_widget()
        self.agreed = widgets.ToggleButtons(
            options=rating_options(fw, long=False, lang=lang), tooltips=rating_tooltips(fw, lang),
            value=as_choice(stored.get("agreed")), description=_("Agreed"), style=look.toggles, layout=look.auto)
        self.derived = look.html_widget()
        long = rating_options(fw, long=True, lang=lang)
        self.national = widgets.Dropdown(options=long, value=as_choice(stored.get("national")),
                                         description=_("National"), style=look.label, layout=look.select)
        self.external = widgets.Dropdown(options=long, value=as_choice(stored.get("external")),
                                         description=_("External"), style=look.label, layout=look.select)
        self.notes = widgets.Textarea(value=stored.get("notes") or "", description=_("Notes"),
                                      placeholder=_("What the team found; sources in the evidence list"),
                                      continuous_update=typing, style=look.label, layout=look.notes)
        self.evidence = look.html_widget()
        self.evidence_button = look.button_widget(
            _("Add or edit evidence"), _("Add, edit or remove evidence of %(indicator)s") % {"indicator": ind})
        self.status = look.html_widget(status_html(CLEAN, ""))
        children = [self.info, widgets.HBox([self.agreed, self.derived], layout=look.row)]
        self.override_reason: widgets.Textarea | None = None
        self.criteria_button: widgets.Button | None = None
        if fw.has_criteria:
            self.override_reason = widgets.Textarea(
                value=stored.get("override_reason") or "", description=_("Reason"),
                placeholder=_("Why the agreed level differs from the level the criteria give (required)"),
                continuous_update=typing, style=look.label, layout=look.hidden)
            self.criteria_button = look.button_widget(
                self._criteria_label(False), _("Answer the criteria of %(indicator)s") % {"indicator": ind})
            self.criteria_button.on_click(self.toggle_criteria)
            children += [self.override_reason, self.criteria_button]
        children += [widgets.HBox([self.national, self.external], layout=look.row), self.notes,
                     self.evidence, self.evidence_button, self.status]
        self.widget = widgets.VBox(children, layout=look.editor)
        self.widget.add_class("mbm-indicator")
        self._autosave_notes = Autosave(self.save, NOTES_DELAY, loop=loop)
        self._render()
        for key in ("agreed", "national", "external"):
            getattr(self, key).observe(lambda change, key=key: self._on_rating_change(key), "value")
        self.notes.observe(lambda _c: self._on_text_change("notes"), "value")
        if self.override_reason is not None:
            self.override_reason.observe(lambda _c: self._on_text_change("override_reason"), "value")
        self.evidence_button.on_click(self.toggle_evidence)

    # -- display ------------------------------------------------------------------------------
    @property
    def unsaved(self) -> bool:
        """Something changed here is not stored (waiting, refused, or in conflict), in the rating
        or in the criteria."""
        return (bool(self._dirty) or self._autosave_notes.pending or self.state == CONFLICT
                or (self.criteria_editor is not None and self.criteria_editor.pending))

    def current_answers(self) -> dict[str, str]:
        """The criteria answers as shown (typed ones when the criteria are open), for what they give."""
        if self.criteria_editor is not None:
            return self.criteria_editor.answers()
        return {cid: a["answer"] for cid, a in self.answers.items() if isinstance(a.get("answer"), str)}

    def criteria_result(self) -> CriteriaResult | None:
        if not self.framework.has_criteria:
            return None
        return criteria_level(self.indicator, self.current_answers(), self.kinds)

    def _criteria_label(self, opened: bool) -> str:
        if opened:
            return self._("Close the criteria")
        n = len(applicable(self.indicator, self.kinds))
        return self._("Tick the criteria (%(n)s)") % {"n": n}

    def _render(self) -> None:
        fw = self.framework
        agreed, national, external = (self.agreed.value or None, self.national.value or None,
                                      self.external.value or None)
        agreed = agreed if isinstance(agreed, str) else None
        self.info.value = indicator_html(self.indicator, agreed, self.lang)
        lines = None
        if fw.has_criteria:
            reason = self.override_reason.value if isinstance(self.override_reason.value, str) else ""
            lines = criteria_lines(fw, self.indicator, agreed, self.current_answers(), self.kinds, reason.strip(),
                                   self.lang)
            applies = self.indicator.applies(self.kinds)
            wanted = self.look.notes if applies and (overridden(agreed, self.criteria_result()) or reason.strip()) \
                else self.look.hidden
            if self.override_reason.layout is not wanted:
                self.override_reason.layout = wanted
            button = self.look.auto if applies else self.look.hidden
            if self.criteria_button.layout is not button:
                self.criteria_button.layout = button
            label = self._criteria_label(self.criteria_editor is not None
                                         and self.criteria_editor.widget in self.widget.children)
            if self.criteria_button.description != label:
                self.criteria_button.description = label
        self.derived.value = derived_html(fw, agreed, national, external, self.scored, lines, self.lang)
        n = len(self.records)
        t = translator(self.lang or "en")
        label = t.gettext("Evidence of %(indicator)s") % {"indicator": self.indicator.id}
        count = t.ngettext("Evidence (%(n)s record)", "Evidence (%(n)s records)", n) % {"n": n}
        self.evidence.value = (f'<div class="mbm-evidence-list" aria-label="{html.escape(label)}">'
                               f'<strong>{html.escape(count)}</strong>' + rules_html(fw, agreed, self.lang)
                               + evidence_list_html(fw, self.records, self.lang) + "</div>")

    def _set_status(self, state: str, text: str) -> None:
        self.state, self.message = state, text
        self.status.value = status_html(state, text)

    def show(self, stored: dict, scored: dict, records: list[dict], answers: dict[str, dict] | None = None,
             kinds: frozenset[str] | None = None) -> None:
        """New data after any save on the page, or changes by others read in: derived values and
        evidence always; the stored values too when someone saved a newer version and nothing
        changed here is unsaved (waiting, or refused: no name, a bad value). Unsaved values stay;
        their save then meets the newer version as a conflict, with both shown."""
        self.scored, self.records = scored, list(records)
        if answers is not None:
            self.answers, self.kinds = dict(answers), kinds
            if self.criteria_editor is not None:
                self.criteria_editor.show(self.answers, kinds)
        self._take(stored)
        self._render()
        if self.evidence_editor is not None:
            self.evidence_editor.set_records(self.records)

    def _take(self, stored: dict) -> None:
        """Load a newer stored version when nothing changed here is unsaved."""
        if (int(stored.get("version") or 0) > self.version and self.state != CONFLICT
                and not self._autosave_notes.pending and not self._dirty):
            self._load(stored)

    def _load(self, stored: dict) -> None:
        """Put stored values in the widgets without saving them again."""
        with set_by_code(self):
            self.agreed.value = as_choice(stored.get("agreed"))
            self.national.value = as_choice(stored.get("national"))
            self.external.value = as_choice(stored.get("external"))
            self.notes.value = stored.get("notes") or ""
            if self.override_reason is not None:
                self.override_reason.value = stored.get("override_reason") or ""
            self.version = int(stored.get("version") or 0)
            self._dirty.clear()

    # -- changes ------------------------------------------------------------------------------
    def _on_rating_change(self, key: str) -> None:
        if self._loading:
            return
        self._dirty.add(key)
        self._render()
        self._autosave_notes.cancel()  # the save below carries the notes too
        self.save()
        if (key == "agreed" and self.state == FAILED and self.override_reason is not None
                and self.override_reason.layout is not self.look.hidden):
            self.override_reason.focus()  # the reason is what the save needs

    def _on_text_change(self, key: str) -> None:
        if self._loading:
            return
        self._dirty.add(key)
        if key == "override_reason":
            self._render()
        self._set_status(SAVING, self._("saving…"))
        self._autosave_notes.touch()

    def values(self, fields=("agreed", "national", "external", "notes", "override_reason")) -> dict:
        """The widget values of ``fields``, validated (raises :class:`InvalidInput` listing every problem)."""
        ind = self.indicator.id
        problems, clean = [], {}
        for key in ("agreed", "national", "external"):
            if key in fields:
                try:
                    clean[key] = parse_rating(getattr(self, key).value, f"{ind} {key}")
                except InvalidInput as exc:
                    problems += exc.problems
        for key, limit, name in (("notes", MAX_NOTES, "notes"), ("override_reason", MAX_LONG, "reason")):
            widget = self.notes if key == "notes" else self.override_reason
            if key in fields and widget is not None:
                try:
                    clean[key] = parse_text(widget.value, f"{ind} {name}", max_len=limit)
                except InvalidInput as exc:
                    problems += exc.problems
        if problems:
            raise InvalidInput(problems, what=f"rating {ind}")
        return clean

    def save(self, _button=None, *, expected_version: int | None = None) -> bool:
        """Validate and save the fields changed here; the status line says "saved", or "not saved:
        <why>". Only changed fields are sent, so replacing someone's values after a conflict
        replaces what this person changed, not their notes too. Never raises for a user error."""
        _ = self._
        if not self._dirty:
            self._set_status(SAVED if self.state != CONFLICT else self.state,
                             _("no changes to save") if self.state != CONFLICT else self.message)
            return True
        try:
            who = parse_editor(self._user(), self.lang)
            values = self.values(self._dirty)
        except InvalidInput as exc:
            self._set_status(FAILED, _("not saved: %(why)s") % {"why": problems_text(exc, self.lang)})
            return False
        expected = self.version if expected_version is None else expected_version
        ok, saved = saved_or_said(
            lambda: self.store.save_rating(self.assessment_id, self.indicator.id, by=who,
                                           expected_version=expected, **values),
            say=self._set_status, on_conflict=self._conflict, failed=_("not saved"), lang=self.lang)
        if not ok:
            return False
        self._hide_conflict()
        self._dirty.clear()
        if self.override_reason is not None and saved.get("override_reason", "") != self.override_reason.value:
            with set_by_code(self):  # the store clears a reason once the level agrees with the criteria
                self.override_reason.value = saved.get("override_reason") or ""
            self._render()
        if int(saved["version"]) == self.version:
            self._set_status(SAVED, _("no changes to save"))
            return True
        self.version = int(saved["version"])
        when = saved["updated_at"].strftime("%H:%M:%S UTC") if saved.get("updated_at") else ""
        text = _("saved %(when)s by %(who)s (version %(version)s)") % {
            "when": when, "who": saved.get("updated_by") or who, "version": self.version}
        self._set_status(SAVED, text)
        self._notify(text)
        return True

    def _notify(self, text: str | None = None) -> None:
        if self._on_saved is None:
            return
        try:
            self._on_saved(self.indicator.id)
        except Exception as exc:  # the save stands; say that the page is behind, never a traceback
            self._set_status(self.state, self._("%(said)s; the scores on this page were not updated (%(error)s): "
                                                "reload the page") % {"said": text or self.message, "error": exc})

    # -- conflicts ----------------------------------------------------------------------------
    def _conflict(self, exc: Conflict) -> None:
        self.theirs = dict(exc.current or {})
        _ = self._
        theirs = ""
        if self.theirs.get("notes"):
            theirs = "\n" + _("Their notes: %(notes)s") % {"notes": self.theirs["notes"][:300]}
        if self.theirs.get("override_reason"):
            theirs += "\n" + _("Their reason: %(reason)s") % {"reason": self.theirs["override_reason"][:300]}
        self._set_status(CONFLICT, _("not saved: %(why)s") % {"why": localized(exc, self.lang)} + theirs)
        if self._conflict_box is None:
            self._conflict_box = conflict_buttons(self.look, self.indicator.id, self.use_theirs, self.keep_mine,
                                                  self.lang)
            self.widget.children = self.widget.children + (self._conflict_box,)

    def _hide_conflict(self) -> None:
        if self._conflict_box is not None:
            self.widget.children = tuple(c for c in self.widget.children if c is not self._conflict_box)
            self._conflict_box = None
        self.theirs = {}

    def use_theirs(self) -> None:
        """Take the stored values (after a conflict) and stop the conflict."""
        if not self.theirs:
            return
        who = self.theirs.get("updated_by") or self._("someone else")
        self._load(self.theirs)
        self._hide_conflict()
        self._render()
        self._set_status(SAVED, self._("showing the values saved by %(who)s (version %(version)s)") % {
            "who": who, "version": self.version})

    def keep_mine(self) -> bool:
        """Save these values over the other person's: checked against the version they saved,
        so a third change in between is still refused."""
        if not self.theirs:
            return False
        return self.save(expected_version=int(self.theirs.get("version") or 0))

    # -- criteria -----------------------------------------------------------------------------
    def toggle_criteria(self, _button=None) -> CriteriaEditor | None:
        """Show or hide the criteria (built on first use); nothing for framework 1.0."""
        if self.criteria_button is None:
            return None
        if self.criteria_editor is None:
            self.criteria_editor = CriteriaEditor(
                self.store, self.assessment_id, self.framework, self.indicator, self.answers, kinds=self.kinds,
                user=self._user, on_saved=self._criteria_saved, on_change=self._render,
                before_save=self._autosave_notes.flush, look=self.look, loop=self._loop, lang=self.lang)
        self._show_after(self.criteria_button, self.criteria_editor.widget)
        self._render()
        return self.criteria_editor

    def _criteria_saved(self, touched: dict) -> None:
        """After answers were stored: the agreed level may have followed them."""
        self.answers = dict(self.criteria_editor.stored)
        try:
            self._take(self.store.get_rating(self.assessment_id, self.indicator.id))
        except WorkbookError:
            pass  # the page re-reads after the notification below
        self._render()
        self._notify()

    def _show_after(self, button: widgets.Button, panel: widgets.Widget) -> bool:
        """Show ``panel`` under ``button``, or hide it when shown; True when now shown."""
        children = list(self.widget.children)
        if panel in children:
            self.widget.children = tuple(c for c in children if c is not panel)
            return False
        children.insert(children.index(button) + 1, panel)
        self.widget.children = tuple(children)
        return True

    # -- evidence -----------------------------------------------------------------------------
    def toggle_evidence(self, _button=None) -> EvidenceEditor:
        """Show or hide the evidence editor (built on first use)."""
        if self.evidence_editor is None:
            self.evidence_editor = EvidenceEditor(self.store, self.assessment_id, self.indicator.id, self.records,
                                                  user=self._user, on_change=self._notify, look=self.look,
                                                  framework=self.framework, lang=self.lang)
        shown = self._show_after(self.evidence_button, self.evidence_editor.widget)
        self.evidence_button.description = self._("Close the evidence editor") if shown else self._(
            "Add or edit evidence")
        return self.evidence_editor

"""The editor of one indicator: descriptors, ratings, derived confidence and caps, notes, evidence.

Changes are saved as they happen: a rating at once, notes after a second of quiet typing
(:data:`~workbook.forms.common.NOTES_DELAY`), so a kernel that dies loses at most what is
being typed. Each save sends the version the editor last saw; when someone else saved in
between, nothing is written and the status line shows their values, with two buttons: keep
theirs, or replace them with mine (a deliberate overwrite, checked against their version).
"""
from __future__ import annotations

import html
from collections.abc import Callable

import ipywidgets as widgets

from ...errors import Conflict, InvalidInput, WorkbookError
from ...framework import Framework, Indicator
from ...inputs import MAX_NOTES, parse_rating, parse_text
from ...store import Store
from .common import (CLEAN, CONFLICT, FAILED, NOTES_DELAY, SAVED, SAVING, Autosave, Look, as_choice, differ,
                     parse_editor, rating_options, rating_tooltips, running_loop, status_html)
from .evidence import EvidenceEditor, evidence_list_html

SELECTED_STYLE = "background:#fff4cc;border-left:4px solid #8a6100;font-weight:600"
CODE_NAMES = {"NA": "not applicable", "NE": "not evaluated", "IE": "insufficient evidence"}


def anchor(indicator_id: str) -> str:
    """The HTML id of an indicator's block (ids with dots make awkward CSS selectors)."""
    return "mbm-ind-" + indicator_id.replace(".", "-")


def indicator_html(indicator: Indicator, agreed: str | None) -> str:
    """The indicator's question and its five level descriptors, the agreed one highlighted.

    The highlight is not only a colour: the selected item says "(selected)" and carries
    ``aria-current``, so it is visible to screen readers and in greyscale print.
    """
    e = html.escape
    items = []
    for lv in indicator.levels:
        chosen = agreed == str(lv.level)
        attrs = f' aria-current="true" class="mbm-level mbm-selected" style="{SELECTED_STYLE}"' if chosen \
            else ' class="mbm-level"'
        mark = " <em>(selected)</em>" if chosen else ""
        items.append(f"<li{attrs}><strong>{lv.level}</strong> {e(lv.descriptor)}{mark}</li>")
    code_note = ""
    if agreed in CODE_NAMES:
        code_note = (f'<p class="mbm-code"><strong>Agreed: {e(agreed)}</strong> ({CODE_NAMES[agreed]}; '
                     "a code, not a level)</p>")
    return (f'<div class="mbm-indicator-info" id="{anchor(indicator.id)}">'
            f'<h4 style="margin:0.4em 0 0.2em">{e(indicator.id)} {e(indicator.name)}</h4>'
            f'<p style="margin:0 0 0.3em">{e(indicator.question)} '
            f'<span class="mbm-lens">(lens: {e(indicator.lens)})</span></p>'
            f'<ol class="mbm-levels" style="margin:0 0 0.3em;padding-left:1.6em;list-style:none" '
            f'aria-label="Levels of {e(indicator.id)}">' + "".join(items) + "</ol>" + code_note + "</div>")


def rules_for(framework: Framework, agreed: str | None) -> list[str]:
    """The evidence rules a level must meet (all rules at or below it)."""
    try:
        level = int(agreed)
    except (TypeError, ValueError):
        return []
    return [r.text for r in sorted(framework.evidence_rules, key=lambda r: r.level) if r.level <= level]


def derived_html(framework: Framework, agreed: str | None, national: str | None, external: str | None,
                 scored: dict) -> str:
    """What the model derives, next to the rating: confidence, the evidence cap in words, flags.

    ``scored`` is the indicator's row of the scores (it reflects the stored values).
    """
    e = html.escape
    parts = []
    conf = scored.get("confidence")
    if isinstance(conf, str):
        parts.append(f'<span class="mbm-confidence mbm-confidence-{e(conf)}">Confidence: <strong>{e(conf)}</strong>'
                     "</span>")
    if scored.get("capped"):
        parts.append(f'<span class="mbm-cap" style="color:#8a4b00">⚠ Capped: {e(str(scored.get("cap_reason")))}'
                     f' (rated {e(str(agreed))}, scored as {int(scored["level"])})</span>')
    if agreed == "IE":
        parts.append('<span class="mbm-ie" style="color:#8a4b00">⚠ Insufficient evidence: counted as level 1</span>')
    if differ(national, external):
        parts.append(f'<span class="mbm-flag" style="color:#b71c1c">⚠ National ({e(str(national))}) and external '
                     f"({e(str(external))}) ratings differ by more than one level</span>")
    return '<div class="mbm-derived" style="line-height:1.5">' + "<br>".join(parts) + "</div>"


def rules_html(framework: Framework, agreed: str | None) -> str:
    rules = rules_for(framework, agreed)
    if not rules:
        text = "Level 1 and 2 need no particular evidence." if agreed in ("1", "2") else ""
        return f'<p class="mbm-rule" style="margin:0.2em 0">{text}</p>' if text else ""
    return ('<p class="mbm-rule" style="margin:0.2em 0"><strong>Evidence rule for level '
            f'{html.escape(str(agreed))}:</strong> ' + "; ".join(html.escape(r) for r in rules) + ".</p>")


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
        Called with the indicator id after a rating or evidence change was stored.
    scored : dict, optional
        The indicator's row of the scores (confidence, cap).
    records : list of dict, optional
        Its evidence records.
    look : Look, optional
        Shared layouts and styles.
    loop : optional
        Event loop for the notes timer (tests pass a fake one).
    """

    def __init__(self, store: Store, assessment_id: int, indicator: Indicator, stored: dict, *,
                 user: Callable[[], str], on_saved: Callable[[str], None] | None = None,
                 scored: dict | None = None, records: list[dict] | None = None, look: Look | None = None,
                 loop=None):
        fw = store.framework
        look = look or Look()
        self.store, self.assessment_id, self.indicator, self.look = store, assessment_id, indicator, look
        self.version: int = int(stored.get("version") or 0)
        self._user, self._on_saved = user, on_saved
        self._loading = False
        self._dirty: set[str] = set()  # fields changed here since the last save or load
        self.state, self.message = CLEAN, ""
        self.theirs: dict = {}
        self.scored = scored or {}
        self.records = list(records or [])
        self.evidence_editor: EvidenceEditor | None = None
        self._conflict_box: widgets.HBox | None = None
        ind = indicator.id
        self.info = look.html_widget()
        self.agreed = widgets.ToggleButtons(
            options=rating_options(fw, long=False), tooltips=rating_tooltips(fw),
            value=as_choice(stored.get("agreed")), description="Agreed", style=look.toggles, layout=look.auto)
        self.derived = look.html_widget()
        self.national = widgets.Dropdown(options=rating_options(fw, long=True), value=as_choice(stored.get("national")),
                                         description="National", style=look.label, layout=look.select)
        self.external = widgets.Dropdown(options=rating_options(fw, long=True), value=as_choice(stored.get("external")),
                                         description="External", style=look.label, layout=look.select)
        self.notes = widgets.Textarea(value=stored.get("notes") or "", description="Notes",
                                      placeholder="What the team found; sources in the evidence list",
                                      continuous_update=running_loop() is not None or loop is not None,
                                      style=look.label, layout=look.notes)
        self.evidence = look.html_widget()
        self.evidence_button = look.button_widget("Add or edit evidence", f"Add, edit or remove evidence of {ind}")
        self.status = look.html_widget(status_html(CLEAN, ""))
        self.widget = widgets.VBox(
            [self.info, widgets.HBox([self.agreed, self.derived], layout=look.row),
             widgets.HBox([self.national, self.external], layout=look.row), self.notes,
             self.evidence, self.evidence_button, self.status], layout=look.editor)
        self.widget.add_class("mbm-indicator")
        self._autosave_notes = Autosave(self.save, NOTES_DELAY, loop=loop)
        self._render()
        for key in ("agreed", "national", "external"):
            getattr(self, key).observe(lambda change, key=key: self._on_rating_change(key), "value")
        self.notes.observe(self._on_notes_change, "value")
        self.evidence_button.on_click(self.toggle_evidence)

    # -- display ------------------------------------------------------------------------------
    def _render(self) -> None:
        fw = self.store.framework
        agreed, national, external = (self.agreed.value or None, self.national.value or None,
                                      self.external.value or None)
        self.info.value = indicator_html(self.indicator, agreed if isinstance(agreed, str) else None)
        self.derived.value = derived_html(fw, agreed, national, external, self.scored)
        n = len(self.records)
        self.evidence.value = (f'<div class="mbm-evidence-list" '
                               f'aria-label="Evidence of {html.escape(self.indicator.id)}">'
                               f'<strong>Evidence ({n} record{"s" if n != 1 else ""})</strong>'
                               + rules_html(fw, agreed) + evidence_list_html(fw, self.records) + "</div>")

    def _set_status(self, state: str, text: str) -> None:
        self.state, self.message = state, text
        self.status.value = status_html(state, text)

    def show(self, stored: dict, scored: dict, records: list[dict]) -> None:
        """New data after any save on the page, or changes by others read in: derived values and
        evidence always; the stored values too when someone saved a newer version and nothing
        changed here is unsaved (waiting, or refused: no name, a bad value). Unsaved values stay;
        their save then meets the newer version as a conflict, with both shown."""
        self.scored, self.records = scored, list(records)
        if (int(stored.get("version") or 0) > self.version and self.state != CONFLICT
                and not self._autosave_notes.pending and not self._dirty):
            self._load(stored)
        self._render()
        if self.evidence_editor is not None:
            self.evidence_editor.set_records(self.records)

    def _load(self, stored: dict) -> None:
        """Put stored values in the widgets without saving them again."""
        self._loading = True
        try:
            self.agreed.value = as_choice(stored.get("agreed"))
            self.national.value = as_choice(stored.get("national"))
            self.external.value = as_choice(stored.get("external"))
            self.notes.value = stored.get("notes") or ""
            self.version = int(stored.get("version") or 0)
            self._dirty.clear()
        finally:
            self._loading = False

    # -- changes ------------------------------------------------------------------------------
    def _on_rating_change(self, key: str) -> None:
        if self._loading:
            return
        self._dirty.add(key)
        self._render()
        self._autosave_notes.cancel()  # the save below carries the notes too
        self.save()

    def _on_notes_change(self, _change) -> None:
        if self._loading:
            return
        self._dirty.add("notes")
        self._set_status(SAVING, "saving…")
        self._autosave_notes.touch()

    def values(self, fields=("agreed", "national", "external", "notes")) -> dict:
        """The widget values of ``fields``, validated (raises :class:`InvalidInput` listing every problem)."""
        ind = self.indicator.id
        problems, clean = [], {}
        for key in ("agreed", "national", "external"):
            if key in fields:
                try:
                    clean[key] = parse_rating(getattr(self, key).value, f"{ind} {key}")
                except InvalidInput as exc:
                    problems += exc.problems
        if "notes" in fields:
            try:
                clean["notes"] = parse_text(self.notes.value, f"{ind} notes", max_len=MAX_NOTES)
            except InvalidInput as exc:
                problems += exc.problems
        if problems:
            raise InvalidInput(problems, what=f"rating {ind}")
        return clean

    def save(self, _button=None, *, expected_version: int | None = None) -> bool:
        """Validate and save the fields changed here; the status line says "saved", or "not saved:
        <why>". Only changed fields are sent, so replacing someone's values after a conflict
        replaces what this person changed, not their notes too. Never raises for a user error."""
        if not self._dirty:
            self._set_status(SAVED if self.state != CONFLICT else self.state,
                             "no changes to save" if self.state != CONFLICT else self.message)
            return True
        try:
            who = parse_editor(self._user())
            values = self.values(self._dirty)
        except InvalidInput as exc:
            self._set_status(FAILED, "not saved: " + "; ".join(str(p) for p in exc.problems))
            return False
        expected = self.version if expected_version is None else expected_version
        try:
            saved = self.store.save_rating(self.assessment_id, self.indicator.id, by=who,
                                           expected_version=expected, **values)
        except Conflict as exc:
            self._conflict(exc)
            return False
        except InvalidInput as exc:
            self._set_status(FAILED, "not saved: " + "; ".join(str(p) for p in exc.problems))
            return False
        except WorkbookError as exc:  # NotFound (e.g. assessment deleted), ...
            self._set_status(FAILED, f"not saved: {exc}")
            return False
        self._hide_conflict()
        self._dirty.clear()
        if int(saved["version"]) == self.version:
            self._set_status(SAVED, "no changes to save")
            return True
        self.version = int(saved["version"])
        when = saved["updated_at"].strftime("%H:%M:%S UTC") if saved.get("updated_at") else ""
        text = f"saved {when} by {saved.get('updated_by') or who} (version {self.version})"
        self._set_status(SAVED, text)
        self._notify(text)
        return True

    def _notify(self, text: str | None = None) -> None:
        if self._on_saved is None:
            return
        try:
            self._on_saved(self.indicator.id)
        except Exception as exc:  # the save stands; say that the page is behind, never a traceback
            self._set_status(self.state, f"{text or self.message}; the scores on this page were not updated "
                                         f"({exc}): reload the page")

    # -- conflicts ----------------------------------------------------------------------------
    def _conflict(self, exc: Conflict) -> None:
        self.theirs = dict(exc.current or {})
        theirs = ""
        if self.theirs.get("notes"):
            theirs = f"\nTheir notes: {self.theirs['notes'][:300]}"
        self._set_status(CONFLICT, f"not saved: {exc}{theirs}")
        if self._conflict_box is None:
            keep = self.look.button_widget("Use their values", f"Show the values now stored for {self.indicator.id}")
            mine = self.look.button_widget("Replace theirs with mine",
                                           f"Save your values over theirs for {self.indicator.id}")
            keep.on_click(lambda _b: self.use_theirs())
            mine.on_click(lambda _b: self.keep_mine())
            self._conflict_box = widgets.HBox([keep, mine], layout=self.look.row)
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
        who = self.theirs.get("updated_by") or "someone else"
        self._load(self.theirs)
        self._hide_conflict()
        self._render()
        self._set_status(SAVED, f"showing the values saved by {who} (version {self.version})")

    def keep_mine(self) -> bool:
        """Save these values over the other person's: checked against the version they saved,
        so a third change in between is still refused."""
        if not self.theirs:
            return False
        return self.save(expected_version=int(self.theirs.get("version") or 0))

    # -- evidence -----------------------------------------------------------------------------
    def toggle_evidence(self, _button=None) -> EvidenceEditor:
        """Show or hide the evidence editor (built on first use)."""
        if self.evidence_editor is None:
            self.evidence_editor = EvidenceEditor(self.store, self.assessment_id, self.indicator.id, self.records,
                                                  user=self._user, on_change=self._notify, look=self.look)
            children = list(self.widget.children)
            children.insert(children.index(self.evidence_button) + 1, self.evidence_editor.widget)
            self.widget.children = tuple(children)
            self.evidence_button.description = "Close the evidence editor"
        elif self.evidence_editor.widget in self.widget.children:
            self.widget.children = tuple(c for c in self.widget.children if c is not self.evidence_editor.widget)
            self.evidence_button.description = "Add or edit evidence"
        else:
            children = list(self.widget.children)
            children.insert(children.index(self.evidence_button) + 1, self.evidence_editor.widget)
            self.widget.children = tuple(children)
            self.evidence_button.description = "Close the evidence editor"
        return self.evidence_editor

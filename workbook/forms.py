"""Data-entry widgets for one pillar of one assessment (ipywidgets).

The widgets only collect values and show results: every value read from a widget is checked
in Python (a browser can set any synced trait, even on a disabled widget) and written through
:class:`~workbook.store.Store`, which validates again, writes in one transaction and refuses
stale writes (optimistic locking on the rating's ``version``). Nothing here computes a score.

The logic runs without a kernel, so it is tested in plain pytest: set ``.value``, call
``Button.click()``, assert on the store and on :attr:`IndicatorEditor.message`.

Load time: a sub-area's indicator widgets are built only when its panel is first opened, so a
page starts with a few dozen widget models instead of several hundred.
"""
from __future__ import annotations

import html
from typing import Callable

import ipywidgets as widgets

from .errors import Conflict, InvalidInput, NotFound, WorkbookError
from .framework import Framework, Indicator, Pillar, SubArea
from .inputs import MAX_NOTES, MAX_SHORT, parse_rating, parse_text
from .store import AssessmentInfo, Store

NOT_RATED = ""
NAME_MISSING = "enter your name in “Your name” at the top of the form first"
SELECTED_STYLE = "background:#fff4cc;border-left:4px solid #b8860b;font-weight:600"
DISAGREEMENT_GAP = 1

# Status states an editor can be in (``IndicatorEditor.state``).
CLEAN, DIRTY, SAVED, FAILED = "clean", "dirty", "saved", "failed"


def rating_options(framework: Framework, *, long: bool) -> list[tuple[str, str]]:
    """Choices for a rating selector: not rated, levels 1-5, then the NA/NE/IE codes.

    ``long`` labels carry the level name ("3 Established"); short ones fit toggle buttons.
    """
    opts = [("not rated" if long else "–", NOT_RATED)]
    opts += [(f"{lv.level} {lv.name}" if long else str(lv.level), str(lv.level)) for lv in framework.scale.levels]
    opts += [(f"{c.code} {c.name}" if long else c.code, c.code) for c in framework.scale.codes]
    return opts


def rating_tooltips(framework: Framework) -> list[str]:
    return (["not rated"] + [f"{lv.level} {lv.name}" for lv in framework.scale.levels]
            + [f"{c.code}: {c.name}" for c in framework.scale.codes])


def _as_choice(value) -> str:
    """A stored rating as a selector value ('' when unrated)."""
    return NOT_RATED if value is None else str(value)


def differ(national, external) -> bool:
    """National and external levels differ by more than one level (codes never count)."""
    try:
        return abs(int(national) - int(external)) > DISAGREEMENT_GAP
    except (TypeError, ValueError):
        return False


def indicator_html(indicator: Indicator, agreed: str | None, national: str | None = None,
                   external: str | None = None) -> str:
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
    if agreed in ("NA", "NE", "IE"):
        code_note = f'<p class="mbm-code"><strong>Agreed: {e(agreed)}</strong> (a code, not a level)</p>'
    flag = ""
    if differ(national, external):
        flag = (f'<p class="mbm-flag" role="note">⚠ National ({e(str(national))}) and external '
                f'({e(str(external))}) ratings differ by more than one level.</p>')
    return (f'<div class="mbm-indicator-info">'
            f'<h4 style="margin:0.4em 0 0.2em">{e(indicator.id)} {e(indicator.name)}</h4>'
            f'<p style="margin:0 0 0.3em">{e(indicator.question)} '
            f'<span class="mbm-lens">(lens: {e(indicator.lens)})</span></p>'
            f'<ol class="mbm-levels" style="margin:0 0 0.3em;padding-left:1.6em;list-style:none">'
            + "".join(items) + "</ol>" + code_note + flag + "</div>")


def _status_html(state: str, text: str) -> str:
    colour = {SAVED: "#1b5e20", FAILED: "#b71c1c", DIRTY: "#6d4c00"}.get(state, "#444")
    return (f'<span role="status" aria-live="polite" class="mbm-status mbm-status-{state}" '
            f'style="color:{colour};white-space:pre-wrap">{html.escape(text)}</span>')


class IndicatorEditor:
    """The widgets of one indicator: descriptors, agreed/national/external ratings, notes, Save.

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
        Called with the indicator id after a successful save (to refresh scores and charts).
    """

    def __init__(self, store: Store, assessment_id: int, indicator: Indicator, stored: dict, *,
                 user: Callable[[], str], on_saved: Callable[[str], None] | None = None):
        fw = store.framework
        self.store, self.assessment_id, self.indicator = store, assessment_id, indicator
        self.version: int = int(stored.get("version") or 0)
        self._user, self._on_saved = user, on_saved
        self.state, self.message = CLEAN, ""
        label = {"description_width": "5.5em"}
        self.info = widgets.HTML()
        self.agreed = widgets.ToggleButtons(
            options=rating_options(fw, long=False), tooltips=rating_tooltips(fw),
            value=_as_choice(stored.get("agreed")), description="Agreed",
            style={**label, "button_width": "3.2em"})
        self.national = widgets.Dropdown(options=rating_options(fw, long=True),
                                         value=_as_choice(stored.get("national")), description="National",
                                         style=label, layout=widgets.Layout(width="19em"))
        self.external = widgets.Dropdown(options=rating_options(fw, long=True),
                                         value=_as_choice(stored.get("external")), description="External",
                                         style=label, layout=widgets.Layout(width="19em"))
        self.notes = widgets.Textarea(value=stored.get("notes") or "", description="Notes",
                                      placeholder="What the team found; sources in the evidence list",
                                      continuous_update=False, style=label,
                                      layout=widgets.Layout(width="95%", height="4.5em"))
        self.save_button = widgets.Button(description="Save", button_style="primary",
                                          tooltip=f"Save {indicator.id}")
        self.status = widgets.HTML(_status_html(CLEAN, ""))
        self.widget = widgets.VBox(
            [self.info, self.agreed, widgets.HBox([self.national, self.external]), self.notes,
             widgets.HBox([self.save_button, self.status])],
            layout=widgets.Layout(border_bottom="1px solid #ddd", padding="0 0 0.6em 0", margin="0 0 0.4em 0"))
        self._render_info()
        for w in (self.agreed, self.national, self.external):
            w.observe(self._on_rating_change, "value")
        self.notes.observe(self._on_change, "value")
        self.save_button.on_click(self.save)

    # -- display ------------------------------------------------------------------------------
    def _render_info(self) -> None:
        self.info.value = indicator_html(self.indicator, self.agreed.value or None, self.national.value or None,
                                         self.external.value or None)

    def _set_status(self, state: str, text: str) -> None:
        self.state, self.message = state, text
        self.status.value = _status_html(state, text)

    def _on_rating_change(self, _change) -> None:
        self._render_info()
        self._on_change(_change)

    def _on_change(self, _change) -> None:
        self._set_status(DIRTY, "changed, not saved yet")

    # -- saving -------------------------------------------------------------------------------
    def values(self) -> dict:
        """The widget values, validated (raises :class:`InvalidInput` listing every problem)."""
        ind = self.indicator.id
        problems, clean = [], {}
        for key, w in (("agreed", self.agreed), ("national", self.national), ("external", self.external)):
            try:
                clean[key] = parse_rating(w.value, f"{ind} {key}")
            except InvalidInput as exc:
                problems += exc.problems
        try:
            clean["notes"] = parse_text(self.notes.value, f"{ind} notes", max_len=MAX_NOTES)
        except InvalidInput as exc:
            problems += exc.problems
        if problems:
            raise InvalidInput(problems, what=f"rating {ind}")
        return clean

    def save(self, _button=None) -> bool:
        """Validate and save; the status line says "saved" or "not saved: <why>". Never raises
        for a user error."""
        try:
            who = parse_text(self._user(), "Your name", max_len=MAX_SHORT, required=True)
        except InvalidInput as exc:
            why = NAME_MISSING if exc.problems[0].message == "is required" else "; ".join(map(str, exc.problems))
            self._set_status(FAILED, f"not saved: {why}")
            return False
        try:
            saved = self.store.save_rating(self.assessment_id, self.indicator.id, by=who,
                                           expected_version=self.version, **self.values())
        except Conflict as exc:
            current = exc.current or {}
            if current.get("version") is not None:
                # The user has now seen the other person's values: a second Save is a deliberate
                # overwrite, checked against this version.
                self.version = int(current["version"])
            theirs = ""
            if current.get("notes"):
                theirs = f"\nTheir notes: {current['notes'][:300]}"
            self._set_status(FAILED, f"not saved: {exc}{theirs}\nSave again to replace their values with yours.")
            return False
        except InvalidInput as exc:
            self._set_status(FAILED, "not saved: " + "; ".join(str(p) for p in exc.problems))
            return False
        except WorkbookError as exc:  # NotFound (e.g. assessment deleted), final assessment, ...
            self._set_status(FAILED, f"not saved: {exc}")
            return False
        if int(saved["version"]) == self.version:
            self._set_status(SAVED, "no changes to save")
            return True
        self.version = int(saved["version"])
        when = saved["updated_at"].strftime("%H:%M UTC") if saved.get("updated_at") else ""
        text = f"saved {when} by {saved.get('updated_by') or who} (version {self.version})"
        self._set_status(SAVED, text)
        if self._on_saved is not None:
            try:
                self._on_saved(self.indicator.id)
            except Exception as exc:  # the save stands; say that the page is behind, never a traceback
                self._set_status(SAVED, f"{text}; the scores on this page were not updated ({exc}): reload")
        return True


class PillarForm:
    """One accordion panel per sub-area of a pillar; indicator editors are built on first open.

    Parameters
    ----------
    store : Store
    assessment : AssessmentInfo
    pillar : Pillar
    on_saved : callable, optional
        Called with the indicator id after each successful save.
    """

    def __init__(self, store: Store, assessment: AssessmentInfo, pillar: Pillar, *,
                 on_saved: Callable[[str], None] | None = None):
        self.store, self.assessment, self.pillar = store, assessment, pillar
        self._on_saved = on_saved
        self.editors: dict[str, IndicatorEditor] = {}
        self._built: set[int] = set()
        self.user = widgets.Text(description="Your name", placeholder="required before saving",
                                 style={"description_width": "5.5em"}, layout=widgets.Layout(width="24em"))
        self.panels = [widgets.VBox() for _ in pillar.subareas]
        self.accordion = widgets.Accordion(children=self.panels,
                                           titles=tuple(self.title(sa) for sa in pillar.subareas))
        self.accordion.observe(self._on_select, "selected_index")
        intro = widgets.HTML('<p class="mbm-help">Open a sub-area to rate its indicators. Each indicator is '
                             "saved on its own with its Save button.</p>")
        self.widget = widgets.VBox([self.user, intro, self.accordion])

    @staticmethod
    def title(subarea: SubArea, summary: str = "") -> str:
        return f"{subarea.id} {subarea.name}" + (f" · {summary}" if summary else "")

    def set_summaries(self, summaries: dict[str, str]) -> None:
        """Show e.g. "3/4 rated · score 2.5" after each sub-area name."""
        self.accordion.titles = tuple(self.title(sa, summaries.get(sa.id, "")) for sa in self.pillar.subareas)

    def open(self, subarea_id: str) -> list[IndicatorEditor]:
        """Open a sub-area's panel (as a click would) and return its editors."""
        ids = [sa.id for sa in self.pillar.subareas]
        if subarea_id not in ids:
            raise NotFound(f"unknown sub-area {subarea_id!r} in pillar {self.pillar.id}; use one of {', '.join(ids)}")
        index = ids.index(subarea_id)
        self.accordion.selected_index = index
        self._build(index)  # idempotent; also covers re-selecting an already open panel
        return [self.editors[i.id] for i in self.pillar.subareas[index].indicators]

    def _on_select(self, change) -> None:
        index = change["new"]
        if isinstance(index, int) and 0 <= index < len(self.panels):
            self._build(index)

    def _build(self, index: int) -> None:
        if index in self._built:
            return
        sa = self.pillar.subareas[index]
        frame = self.store.ratings_frame(self.assessment.id)
        stored = {row["indicator_id"]: row for row in frame[frame["subarea_id"] == sa.id].to_dict("records")}
        editors = []
        for ind in sa.indicators:
            ed = IndicatorEditor(self.store, self.assessment.id, ind, _clean_row(stored.get(ind.id, {})),
                                 user=lambda: self.user.value, on_saved=self._on_saved)
            self.editors[ind.id] = ed
            editors.append(ed)
        desc = widgets.HTML(f'<p class="mbm-subarea-desc">{html.escape(sa.description)}</p>')
        self.panels[index].children = [desc] + [ed.widget for ed in editors]
        self._built.add(index)


def _clean_row(row: dict) -> dict:
    """pandas gives NaN/None for missing values; editors want None or text."""
    out = {}
    for key in ("national", "external", "agreed", "notes"):
        v = row.get(key)
        out[key] = v if isinstance(v, str) else None
    v = row.get("version")
    out["version"] = int(v) if v is not None and v == v else 0
    return out

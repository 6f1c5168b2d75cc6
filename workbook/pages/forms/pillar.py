"""The form of one pillar: completion bars, the flags summary and one panel per sub-area.

A sub-area's panel is a button (keyboard-operable, unlike the ipywidgets Accordion header)
that shows or hides its indicator editors; the editors are built when the panel is first
opened, so a page starts with a few dozen widget models instead of several hundred.
"""
from __future__ import annotations

import html
from collections.abc import Callable

import ipywidgets as widgets

from ...errors import NotFound
from ...framework import Pillar, SubArea
from ...store import AssessmentInfo, Store
from ...present.levels import level_label
from .common import EDITOR_FIELD_CLASS, Look, running_loop
from .indicator import IndicatorEditor
from .snapshot import Snapshot, load_snapshot

FLAG_KINDS = (("disagreement", "national and external differ by more than one level"),
              ("ie", "insufficient evidence (IE)"),
              ("capped", "level capped by the evidence"),
              ("low", "low confidence"))
FOCUS_DELAY = 0.3  # seconds: the browser must have drawn a newly opened panel before focus moves


def subarea_summary(row) -> str:
    """Short text after a sub-area's name: ``3/4 rated · level 2+`` (its level under its rule)."""
    return (f"{int(row['n_scored'])}/{int(row['n_applicable'])} rated · "
            f"level {level_label(row['level'], bool(row['plus']))}")


def progress_html(pillar_name: str, pillar_row, subareas) -> str:
    """Completion (rated / applicable indicators) of the pillar and of each sub-area, as native
    ``<progress>`` bars with their numbers in words."""
    e = html.escape

    def bar(label: str, done, applicable, cls: str) -> str:
        done, applicable = int(done), int(applicable)
        pct = f"{100 * done / applicable:.0f}%" if applicable else "nothing applicable"
        text = f"{done}/{applicable} ({pct})" if applicable else pct
        return (f'<div class="mbm-progress-row {cls}" style="display:flex;gap:0.6em;align-items:center">'
                f'<span style="min-width:22em">{e(label)}</span>'
                f'<progress max="{max(applicable, 1)}" value="{done}" aria-label="{e(label)}: {text} rated" '
                f'style="width:12em"></progress><span>{text}</span></div>')

    rows = [bar(f"{pillar_name} (pillar)", pillar_row["n_rated"], pillar_row["n_applicable"], "mbm-progress-pillar")]
    rows += [bar(f"{r['subarea_id']} {r['subarea']}", r["n_scored"], r["n_applicable"], "mbm-progress-subarea")
             for _, r in subareas.iterrows()]
    return ('<section class="mbm-progress" aria-label="Completion"><h3 style="margin:0.4em 0">Completion '
            "(rated / applicable indicators)</h3>" + "".join(rows) + "</section>")


def flag_reasons(row) -> list[str]:
    """Why an indicator is flagged, in words (``row`` from ``Scores.flags``)."""
    out = []
    if row["disagreement"]:
        out.append(f"national {row['national']} vs external {row['external']}")
    if row["status"] == "IE":
        out.append("insufficient evidence (IE)")
    if row["capped"]:
        out.append(str(row["cap_reason"]))
    if row["confidence"] == "low":
        out.append("low confidence")
    return out


def flags_summary_html(flags) -> str:
    counts = {"disagreement": int(flags["disagreement"].sum()), "ie": int((flags["status"] == "IE").sum()),
              "capped": int(flags["capped"].sum()), "low": int((flags["confidence"] == "low").sum())}
    if flags.empty:
        return '<h3 style="margin:0.4em 0">Flags</h3><p>No flags: no disagreements, IE, caps or low confidence.</p>'
    parts = [f"{counts[k]} {text}" for k, text in FLAG_KINDS if counts[k]]
    return ('<h3 style="margin:0.4em 0">Flags</h3>'
            f'<p class="mbm-flags-summary">{len(flags)} indicator{"s" if len(flags) != 1 else ""} to look at: '
            + html.escape("; ".join(parts)) + ". Choose one to open it.</p>")


class PillarForm:
    """The data-entry form of one pillar of one assessment.

    Parameters
    ----------
    store : Store
    assessment : AssessmentInfo
    pillar : Pillar
    snapshot : Snapshot, optional
        Ratings, evidence and scores already read (the page has them); read here otherwise.
    on_saved : callable, optional
        Called with the indicator id after each stored change, once :attr:`snapshot` is fresh.
    editor : str
        The name of the person editing, e.g. from the page address (checked at every save).
    loop : optional
        Event loop for timers (tests pass a fake one).
    """

    def __init__(self, store: Store, assessment: AssessmentInfo, pillar: Pillar, *,
                 snapshot: Snapshot | None = None, on_saved: Callable[[str], None] | None = None,
                 editor: str = "", loop=None):
        self.store, self.assessment, self.pillar = store, assessment, pillar
        self.look = look = Look()
        self.snapshot = snapshot or load_snapshot(store, assessment.id)
        self._on_saved, self._loop = on_saved, loop
        self.editors: dict[str, IndicatorEditor] = {}
        self._built: dict[int, list[IndicatorEditor]] = {}
        self.opened: set[int] = set()
        self._flag_key: tuple = ()
        self.user = widgets.Text(value=editor if isinstance(editor, str) else "", description="Your name",
                                 placeholder="required before saving", style=look.label,
                                 layout=widgets.Layout(width="24em"))
        self.user.add_class(EDITOR_FIELD_CLASS)  # our Voila template fills it from the browser session
        intro = look.html_widget('<p class="mbm-help">Open a sub-area to rate its indicators. Every change is saved '
                                 "as you make it (notes a second after you stop typing); the line under each "
                                 "indicator says whether it was saved.</p>")
        self.progress = look.html_widget()
        self.flags_html = look.html_widget()
        self.flag_buttons = widgets.VBox(layout=look.box)
        self.flag_buttons.add_class("mbm-flag-list")
        self.headers = [look.button_widget(self.title(sa), f"Show or hide the indicators of {sa.id}",
                                           layout=look.full) for sa in pillar.subareas]
        self.panels = [widgets.VBox(layout=look.box) for _ in pillar.subareas]
        for i, h in enumerate(self.headers):
            h.add_class("mbm-subarea-toggle")
            h.on_click(lambda _b, i=i: self.toggle(i))
        sections = []
        for h, p in zip(self.headers, self.panels):
            sections += [h, p]
        self.sections = widgets.VBox(sections, layout=look.box)
        self.sections.add_class("mbm-subareas")
        self.widget = widgets.VBox([self.user, intro, self.progress, self.flags_html, self.flag_buttons,
                                    self.sections], layout=look.box)
        self.widget.add_class("mbm-form")
        self.apply()

    # -- sub-area panels -------------------------------------------------------------------------
    def title(self, subarea: SubArea, summary: str = "", opened: bool = False) -> str:
        return f"{'▾' if opened else '▸'} {subarea.id} {subarea.name}" + (f" · {summary}" if summary else "")

    @property
    def titles(self) -> tuple[str, ...]:
        return tuple(h.description for h in self.headers)

    def _index(self, subarea_id: str) -> int:
        ids = [sa.id for sa in self.pillar.subareas]
        if subarea_id not in ids:
            raise NotFound(f"unknown sub-area {subarea_id!r} in pillar {self.pillar.id}; use one of {', '.join(ids)}")
        return ids.index(subarea_id)

    def open(self, subarea_id: str) -> list[IndicatorEditor]:
        """Open a sub-area's panel (as a click would) and return its editors."""
        index = self._index(subarea_id)
        if index not in self.opened:
            self.toggle(index)
        return self._built[index]

    def close(self, subarea_id: str) -> None:
        index = self._index(subarea_id)
        if index in self.opened:
            self.toggle(index)

    def toggle(self, index: int) -> None:
        if not (isinstance(index, int) and 0 <= index < len(self.panels)):
            return
        sa = self.pillar.subareas[index]
        if index in self.opened:
            self.opened.discard(index)
            self.panels[index].children = ()
        else:
            editors = self._build(index)
            self.opened.add(index)
            desc = self.look.html_widget(f'<p class="mbm-subarea-desc">{html.escape(sa.description)}</p>')
            self.panels[index].children = [desc] + [ed.widget for ed in editors]
        self._set_title(index)

    def go_to(self, indicator_id: str) -> IndicatorEditor:
        """Open the indicator's sub-area and move the keyboard focus to it (flags link here)."""
        sa = self.store.framework.subarea_of(indicator_id)
        if sa.id not in {s.id for s in self.pillar.subareas}:
            raise NotFound(f"{indicator_id} is not in pillar {self.pillar.id}")
        self.open(sa.id)
        ed = self.editors[indicator_id]
        loop = self._loop or running_loop()
        if loop is not None:
            loop.call_later(FOCUS_DELAY, ed.national.focus)
        else:
            ed.national.focus()
        return ed

    def _build(self, index: int) -> list[IndicatorEditor]:
        if index in self._built:
            return self._built[index]
        snap = self.snapshot
        editors = []
        for ind in self.pillar.subareas[index].indicators:
            ed = IndicatorEditor(self.store, self.assessment.id, ind, snap.rating(ind.id),
                                 user=lambda: self.user.value, on_saved=self._changed, scored=snap.scored(ind.id),
                                 records=snap.records(ind.id), look=self.look, loop=self._loop)
            self.editors[ind.id] = ed
            editors.append(ed)
        self._built[index] = editors
        return editors

    # -- after every change --------------------------------------------------------------------
    def _changed(self, indicator_id: str) -> None:
        self.refresh()
        if self._on_saved is not None:
            self._on_saved(indicator_id)

    def refresh(self) -> None:
        """Read and score again; update bars, flags, titles and the editors."""
        self.snapshot = load_snapshot(self.store, self.assessment.id)
        self.apply()

    @property
    def subareas(self):
        sub = self.snapshot.scores.subareas
        return sub[sub["pillar_id"] == self.pillar.id]

    def _set_title(self, index: int) -> None:
        sa = self.pillar.subareas[index]
        row = self.subareas.set_index("subarea_id").loc[sa.id]
        self.headers[index].description = self.title(sa, subarea_summary(row), index in self.opened)

    def apply(self) -> None:
        snap = self.snapshot
        pillar_row = snap.scores.pillars.set_index("pillar_id").loc[self.pillar.id]
        sub = self.subareas
        self.progress.value = progress_html(self.pillar.name, pillar_row, sub)
        rows = {r["subarea_id"]: r for _, r in sub.iterrows()}
        for i, sa in enumerate(self.pillar.subareas):
            title = self.title(sa, subarea_summary(rows[sa.id]), i in self.opened)
            if self.headers[i].description != title:
                self.headers[i].description = title
        self._show_flags()
        for ind_id, ed in self.editors.items():
            ed.show(snap.rating(ind_id), snap.scored(ind_id), snap.records(ind_id))

    def _show_flags(self) -> None:
        flags = self.snapshot.scores.flags
        flags = flags[flags["pillar_id"] == self.pillar.id]
        self.flags_html.value = flags_summary_html(flags)
        items = [(r["indicator_id"], "; ".join(flag_reasons(r))) for _, r in flags.iterrows()]
        key = tuple(items)
        if key == self._flag_key:
            return
        self._flag_key = key
        buttons = []
        for ind_id, why in items:
            name = self.store.framework.indicator(ind_id).name
            b = self.look.button_widget(f"{ind_id} {name}: {why}", f"Open {ind_id} ({why})")
            b.add_class("mbm-flag-link")
            b.on_click(lambda _b, i=ind_id: self.go_to(i))
            buttons.append(b)
        old = self.flag_buttons.children
        self.flag_buttons.children = buttons
        for b in old:
            b.close()

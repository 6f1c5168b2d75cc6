"""The form of one pillar: completion bars, the flags summary and one panel per sub-area.

A sub-area's panel is a button (keyboard-operable, unlike the ipywidgets Accordion header)
that shows or hides its indicator editors; the editors are built when the panel is first
opened, so a page starts with a few dozen widget models instead of several hundred.

For an assessment rated against framework 2.0 the form also has the crossing-point profile and
the consensus session (moderation), two sections built when first opened; sub-areas read as
levels ("2+"), with their spread, their warnings in words, and the indicators of other
sub-areas they draw on. Framework 1.0 assessments keep the form they were rated in.
"""
from __future__ import annotations

import html
from collections.abc import Callable

import ipywidgets as widgets
import pandas as pd

from ...errors import NotFound
from ...framework import Framework, Pillar, SubArea
from ...i18n.content import translated_framework
from ...i18n.messages import N_, translator
from ...present.html import format_score
from ...present.levels import rule_name, scoring_note, warning_words
from ...store import AssessmentInfo, Store
from .common import EDITOR_FIELD_CLASS, FORM_STYLE, Look, running_loop, signed_in_editor, words
from .indicator import IndicatorEditor
from .moderation import ModerationSection
from .profile import ProfileEditor
from .snapshot import Snapshot, load_snapshot

FLAG_KINDS = (("disagreement", N_("national and external differ by more than one level")),
              ("ie", N_("insufficient evidence (IE): verify first")),
              ("capped", N_("level capped by the evidence")),
              ("low", N_("low confidence")),
              ("override", N_("agreed level set against the criteria")),
              ("gated", N_("level held down by an unmet lower criterion")))
FOCUS_DELAY = 0.3  # seconds: the browser must have drawn a newly opened panel before focus moves


def _number(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def subarea_summary(row, lang: str | None = None) -> str:
    """Short text after a sub-area's name: ``3/4 rated · level 2+ (indicators 2 to 4)`` and its
    warning in words; framework 1.0's mean rule keeps ``3/4 rated · score 2.5``."""
    _ = words(lang)
    rated = _("%(done)s/%(total)s rated") % {"done": int(row["n_scored"]), "total": int(row["n_applicable"])}
    if row.get("method", "mean") == "mean":
        return rated + " · " + _("score %(score)s") % {"score": format_score(row["score"], 1, lang=lang)}
    label = row.get("label") or ""
    if not label:
        return rated + " · " + _("no level yet")
    low, high = _number(row.get("min_level")), _number(row.get("max_level"))
    if low is not None and high is not None and low != high:
        level = _("level %(label)s (indicators %(low)s to %(high)s)") % {"label": label, "low": int(low),
                                                                          "high": int(high)}
    else:
        level = _("level %(label)s") % {"label": label}
    text = f"{rated} · {level}"
    warning = row.get("warning") or ""
    if warning:
        if lang not in (None, "en"):
            warning = warning_words(warning, lang)
            text += " · ⚠ " + warning
        else:
            text += " · ⚠ " + ("reads " + warning.split(" reads ", 1)[1] if " reads " in warning else warning)
    return text


STATUS_WORDS = {"IE": N_("insufficient evidence (IE), counted as level 1: verify first"),
                "NA": N_("not applicable"), "NE": N_("not evaluated")}


def level_words(scored: dict, lang: str | None = None) -> str:
    """An indicator's level as scored, in words (for the indicators a sub-area refers to)."""
    _ = words(lang)
    status = scored.get("status")
    if status == "rated":
        level = _number(scored.get("level"))
        if level is None:
            return _("not rated yet")
        if scored.get("capped"):
            return _("level %(level)s (capped by the evidence)") % {"level": int(level)}
        return _("level %(level)s") % {"level": int(level)}
    return _(STATUS_WORDS[status]) if status in STATUS_WORDS else _("not rated yet")


def subarea_html(framework: Framework, subarea: SubArea, row, snapshot: Snapshot, link: Callable[[str], str],
                 lang: str | None = None) -> str:
    """What a sub-area's panel says above its indicators: its description, its level under its
    stated rule with the spread, its warning in words, and the indicators it draws on elsewhere
    (``also draws on INF.2.2, rated under Alert lists: level 3``)."""
    e, _ = html.escape, words(lang)
    parts = [f'<p class="mbm-subarea-desc">{e(subarea.description)}</p>']
    if row is not None and row.get("method", "mean") != "mean":
        if row.get("label"):
            low, high = _number(row.get("min_level")), _number(row.get("max_level"))
            spread = (_("its indicators range from level %(low)s to %(high)s") % {"low": int(low), "high": int(high)}
                      if low != high else _("every indicator scored is at level %(level)s") % {"level": int(low)})
            note = "; " + scoring_note(row["note"], lang) if row.get("note") else ""
            level = _("Level %(label)s") % {"label": row["label"]}
            rule = _("under the %(rule)s rule: %(spread)s") % {"rule": rule_name(row["method"], lang),
                                                               "spread": spread}
            parts.append(f'<p class="mbm-subarea-level" style="margin:0.2em 0"><strong>{e(level)}'
                         f"</strong> {e(rule)}{e(note)}.</p>")
        else:
            none = _("No level yet: no indicator scored.")
            parts.append(f'<p class="mbm-subarea-level" style="margin:0.2em 0">{e(none)}</p>')
        if row.get("warning"):
            parts.append(f'<p class="mbm-subarea-warning" role="note" style="margin:0.2em 0;color:#8a4b00">'
                         f"⚠ {e(warning_words(row['warning'], lang))}.</p>")
    if subarea.refers_to:
        items = []
        for ref in subarea.refers_to:
            try:
                target, home = framework.indicator(ref.indicator), framework.subarea_of(ref.indicator)
            except NotFound:
                continue
            target_link = f'<a href="{e(link(ref.indicator))}">{e(target.id)} {e(target.name)}</a>'
            said = e(_("also draws on %(indicator)s, rated under %(subarea)s: %(level)s.")) % {  # HTML values
                "indicator": target_link, "subarea": e(home.name), "level": e(level_words(snapshot.scored(target.id),
                                                                                          lang))}
            items.append(f"<li>{said} "
                         f'<span class="mbm-why">{e(ref.why)}</span></li>')
        if items:
            elsewhere = _("Rated elsewhere, read here:")
            parts.append(f'<div class="mbm-refers"><strong>{e(elsewhere)}</strong>'
                         f'<ul style="margin:0.1em 0 0.3em">{"".join(items)}</ul></div>')
    return "".join(parts)


def progress_html(pillar_name: str, pillar_row, subareas, lang: str | None = None) -> str:
    """Completion (rated / applicable indicators) of the pillar and of each sub-area, as native
    ``<progress>`` bars with their numbers in words."""
    e, _ = html.escape, words(lang)

    def bar(label: str, done, applicable, cls: str) -> str:
        done, applicable = int(done), int(applicable)
        pct = f"{100 * done / applicable:.0f}%" if applicable else _("nothing applicable")
        text = f"{done}/{applicable} ({pct})" if applicable else pct
        said = _("%(label)s: %(text)s rated") % {"label": label, "text": text}
        return (f'<div class="mbm-progress-row {cls}" style="display:flex;gap:0.6em;align-items:center">'
                f'<span style="min-width:22em">{e(label)}</span>'
                f'<progress max="{max(applicable, 1)}" value="{done}" aria-label="{e(said)}" '
                f'style="width:12em"></progress><span>{e(text)}</span></div>')

    pillar = _("%(pillar)s (pillar)") % {"pillar": pillar_name}
    rows = [bar(pillar, pillar_row["n_rated"], pillar_row["n_applicable"], "mbm-progress-pillar")]
    rows += [bar(f"{r['subarea_id']} {r['subarea']}", r["n_scored"], r["n_applicable"], "mbm-progress-subarea")
             for _i, r in subareas.iterrows()]
    title = _("Completion (rated / applicable indicators)")
    completion = _("Completion")
    return (f'<section class="mbm-progress" aria-label="{e(completion)}"><h3 style="margin:0.4em 0">'
            f"{e(title)}</h3>" + "".join(rows) + "</section>")


def _flag(row, key) -> bool:
    value = row.get(key) if hasattr(row, "get") else row[key]
    return bool(value) and not (isinstance(value, float) and value != value)


def flag_reasons(row, lang: str | None = None) -> list[str]:
    """Why an indicator is flagged, in words (``row`` from ``Scores.flags``), in ``lang``."""
    _ = words(lang)
    out = []
    if row["disagreement"]:
        out.append(_("national %(national)s vs external %(external)s") % {"national": row["national"],
                                                                          "external": row["external"]})
    if row["status"] == "IE":
        out.append(_("insufficient evidence (IE): verify first"))
    if row["capped"]:
        out.append(scoring_note(str(row["cap_reason"]), lang))
    if row["confidence"] == "low":
        out.append(_("low confidence"))
    if _flag(row, "override"):
        level = _number(row.get("criteria_level"))
        values = {"agreed": row["agreed"], "level": None if level is None else int(level),
                  "reason": row.get("override_reason")}
        out.append((_("agreed %(agreed)s set against the criteria (level %(level)s); reason: %(reason)s")
                    if level is not None else _("agreed %(agreed)s set against the criteria; reason: %(reason)s"))
                   % values)
    if _flag(row, "gated_by"):
        out.append(_("gated: %(criterion)s") % {"criterion": row["gated_by"]})
    return out


def flag_counts(flags) -> dict[str, int]:
    def count(column) -> int:
        return int(flags[column].astype(bool).sum()) if column in flags else 0
    return {"disagreement": count("disagreement"), "ie": int((flags["status"] == "IE").sum()),
            "capped": count("capped"), "low": int((flags["confidence"] == "low").sum()),
            "override": count("override"), "gated": int((flags["gated_by"] != "").sum()) if "gated_by" in flags else 0}


#: The last sentence of the flags summary (the first view, where the flags are links, leaves it out).
CHOOSE_ONE = N_("Choose one to open it.")


def flags_summary_html(flags, warnings: list[str] = (), lang: str | None = None, *, choose: bool = True) -> str:
    """The flags in words: how many indicators of each kind, and the sub-areas whose level hides a
    weak indicator. ``choose``: end with "Choose one to open it." (the form's flags are buttons)."""
    t = translator(lang or "en")
    e, _ = html.escape, t.gettext
    warned = ""
    if warnings:
        warned = ('<ul class="mbm-warnings" style="margin:0.2em 0">'
                  + "".join(f'<li style="color:#8a4b00">⚠ {e(warning_words(w, lang))}</li>' for w in warnings)
                  + "</ul>")
    heading, none = _("Flags"), _("No flags: no disagreements, IE, caps or low confidence.")
    heading = f'<h3 style="margin:0.4em 0">{e(heading)}</h3>'
    if flags.empty:
        return heading + f'<p>{e(none)}</p>' + warned
    counts = flag_counts(flags)
    parts = [f"{counts[k]} {_(text)}" for k, text in FLAG_KINDS if counts[k]]
    look = t.ngettext("%(n)s indicator to look at:", "%(n)s indicators to look at:", len(flags)) % {"n": len(flags)}
    end = " " + _(CHOOSE_ONE) if choose else " "
    return (heading + warned + f'<p class="mbm-flags-summary">{e(look)} ' + e("; ".join(parts)) + "." + e(end)
            + "</p>")


class PillarForm:
    """The data-entry form of one pillar of one assessment.

    Parameters
    ----------
    store : Store
    assessment : AssessmentInfo
    pillar : Pillar
        The pillar (by id: the assessment's own framework version gives its sub-areas).
    snapshot : Snapshot, optional
        Ratings, evidence and scores already read (the page has them); read here otherwise.
    on_saved : callable, optional
        Called with the indicator id after each stored change, once :attr:`snapshot` is fresh.
    editor : str
        The name of the person editing, e.g. from the page address (checked at every save).
    loop : optional
        Event loop for timers (tests pass a fake one).
    lang : str, optional
        The page's language: the framework's text, labels, buttons, help and status lines (English
        when none); values stored and sent are the same in every language.
    """

    def __init__(self, store: Store, assessment: AssessmentInfo, pillar: Pillar, *,
                 snapshot: Snapshot | None = None, on_saved: Callable[[str], None] | None = None,
                 editor: str = "", loop=None, lang: str | None = None):
        self.store, self.assessment = store, assessment
        self.lang = lang
        _ = self._ = words(lang)
        self.look = look = Look()
        self.snapshot = snapshot if snapshot is not None and snapshot.framework is not None \
            else load_snapshot(store, assessment.id)
        self.framework: Framework = (self.snapshot.framework if lang in (None, "en")
                                     else translated_framework(self.snapshot.framework, lang))
        self.pillar = self.framework.pillar(pillar.id)  # the assessment's version of the pillar
        self._on_saved, self._loop = on_saved, loop
        self.editors: dict[str, IndicatorEditor] = {}
        self._built: dict[int, list[IndicatorEditor]] = {}
        self._about: dict[int, widgets.HTML] = {}
        self.opened: set[int] = set()
        self._flag_key: tuple = ()
        self.profile_editor: ProfileEditor | None = None
        self.moderation: ModerationSection | None = None
        self.user = widgets.Text(value=editor if isinstance(editor, str) else "", description=_("Your name"),
                                 placeholder=_("required before saving"), style=look.label,
                                 layout=widgets.Layout(width="24em"))
        self.user.add_class(EDITOR_FIELD_CLASS)  # our Voila template fills it from the browser session
        signed_in_editor(self.user, store, lang)
        help_text = _("Open a sub-area to rate its indicators. Every change is saved as you make it (notes a second "
                      "after you stop typing); the line under each indicator says whether it was saved.")
        intro = look.html_widget(FORM_STYLE + f'<p class="mbm-help">{html.escape(help_text)}</p>')
        self.progress = look.html_widget()
        self.flags_html = look.html_widget()
        self.flag_buttons = widgets.VBox(layout=look.box)
        self.flag_buttons.add_class("mbm-flag-list")
        self.headers = [look.button_widget(self.title(sa), _("Show or hide the indicators of %(subarea)s") % {
                                           "subarea": sa.id},
                                           layout=look.full) for sa in self.pillar.subareas]
        self.panels = [widgets.VBox(layout=look.box) for _ in self.pillar.subareas]
        for i, h in enumerate(self.headers):
            h.add_class("mbm-subarea-toggle")
            h.on_click(lambda _b, i=i: self.toggle(i))
        sections = []
        for h, p in zip(self.headers, self.panels):
            sections += [h, p]
        self.sections = widgets.VBox(sections, layout=look.box)
        self.sections.add_class("mbm-subareas")
        extra = []
        self.profile_button = self.moderation_button = None
        if self.framework.has_criteria:
            self.profile_button = look.button_widget(self._profile_title(),
                                                     _("Show or hide the crossing-point profile"), layout=look.full)
            self.profile_panel = widgets.VBox(layout=look.box)
            self.moderation_button = look.button_widget(self._moderation_title(),
                                                        _("Show or hide the consensus session record"),
                                                        layout=look.full)
            self.moderation_panel = widgets.VBox(layout=look.box)
            for b in (self.profile_button, self.moderation_button):
                b.add_class("mbm-section-toggle")
            self.profile_button.on_click(self.toggle_profile)
            self.moderation_button.on_click(self.toggle_moderation)
            extra = [self.profile_button, self.profile_panel]
        children = [self.user, intro, *extra, self.progress, self.flags_html, self.flag_buttons, self.sections]
        if self.moderation_button is not None:
            children += [self.moderation_button, self.moderation_panel]
        self.widget = widgets.VBox(children, layout=look.box)
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
        if index in self.opened:
            self.opened.discard(index)
            self.panels[index].children = ()
        else:
            editors = self._build(index)
            self.opened.add(index)
            self.panels[index].children = [self._about[index]] + [ed.widget for ed in editors]
        self._set_title(index)

    def go_to(self, indicator_id: str) -> IndicatorEditor:
        """Open the indicator's sub-area and move the keyboard focus to it (flags link here)."""
        try:
            sa = self.framework.subarea_of(indicator_id)
        except (NotFound, KeyError, TypeError):
            raise NotFound(f"{indicator_id} is not in pillar {self.pillar.id}") from None
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
                                 records=snap.records(ind.id), look=self.look, loop=self._loop,
                                 framework=self.framework, answers=snap.answers(ind.id), kinds=snap.kinds,
                                 lang=self.lang)
            self.editors[ind.id] = ed
            editors.append(ed)
        self._about[index] = self.look.html_widget(self._about_html(index))
        self._built[index] = editors
        return editors

    def _link(self, indicator_id: str) -> str:
        from ..address import notebook_for, page_link  # pages/address imports this package
        pillar = self.framework.pillar_of(indicator_id)
        return page_link(notebook_for(pillar), self.assessment.country_code, self.assessment.round,
                         indicator=indicator_id)

    def _about_html(self, index: int) -> str:
        sa = self.pillar.subareas[index]
        rows = self.subareas.set_index("subarea_id")
        row = rows.loc[sa.id].to_dict() if sa.id in rows.index else None
        return subarea_html(self.framework, sa, row, self.snapshot, self._link, self.lang)

    # -- framework 2.0 sections --------------------------------------------------------------------
    def _profile_title(self, opened: bool = False) -> str:
        what = self.snapshot.profile.describe(self.framework, self.lang)
        title = self._("Crossing points of the country: %(kinds)s") % {"kinds": what}
        return f"{'▾' if opened else '▸'} {title}"

    def _moderation_title(self, opened: bool = False) -> str:
        title = self._("Consensus session (moderation): record the team's agreed values")
        return f"{'▾' if opened else '▸'} {title}"

    def toggle_profile(self, _button=None) -> ProfileEditor | None:
        """Show or hide the crossing-point profile editor (built on first use)."""
        if self.profile_button is None:
            return None
        if self.profile_editor is None:
            self.profile_editor = ProfileEditor(self.store, self.assessment.id, self.framework, self.snapshot.profile,
                                                user=lambda: self.user.value, on_saved=lambda: self._changed(""),
                                                look=self.look, lang=self.lang)
        opened = not self.profile_panel.children
        self.profile_panel.children = [self.profile_editor.widget] if opened else []
        self.profile_button.description = self._profile_title(opened)
        return self.profile_editor

    def toggle_moderation(self, _button=None) -> ModerationSection | None:
        """Show or hide the consensus session section (built on first use)."""
        if self.moderation_button is None:
            return None
        if self.moderation is None:
            self.moderation = ModerationSection(
                self.store, self.assessment.id, self.framework, self.pillar,
                agreed_of=lambda ind: self.snapshot.rating(ind)["agreed"], user=lambda: self.user.value,
                on_saved=self._changed, look=self.look, lang=self.lang)
        opened = not self.moderation_panel.children
        self.moderation_panel.children = [self.moderation.widget] if opened else []
        self.moderation_button.description = self._moderation_title(opened)
        return self.moderation

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

    def _named(self, sub):
        """The sub-areas with their names in the form's language (the scores carry the English)."""
        if self.lang in (None, "en"):
            return sub
        names = self.framework.subareas
        return sub.assign(subarea=[names[i].name if i in names else name
                                   for i, name in zip(sub["subarea_id"], sub["subarea"])])

    def _set_title(self, index: int) -> None:
        sa = self.pillar.subareas[index]
        row = self.subareas.set_index("subarea_id").loc[sa.id]
        self.headers[index].description = self.title(sa, subarea_summary(row, self.lang), index in self.opened)

    def apply(self) -> None:
        snap = self.snapshot
        pillar_row = snap.scores.pillars.set_index("pillar_id").loc[self.pillar.id]
        sub = self.subareas
        self.progress.value = progress_html(self.pillar.name, pillar_row, self._named(sub), self.lang)
        rows = {r["subarea_id"]: r for _i, r in sub.iterrows()}
        for i, sa in enumerate(self.pillar.subareas):
            title = self.title(sa, subarea_summary(rows[sa.id], self.lang), i in self.opened)
            if self.headers[i].description != title:
                self.headers[i].description = title
            if i in self._about:
                about = self._about_html(i)
                if self._about[i].value != about:
                    self._about[i].value = about
        self._show_flags()
        for ind_id, ed in self.editors.items():
            ed.show(snap.rating(ind_id), snap.scored(ind_id), snap.records(ind_id), snap.answers(ind_id), snap.kinds)
        if self.profile_button is not None:
            title = self._profile_title(bool(self.profile_panel.children))
            if self.profile_button.description != title:
                self.profile_button.description = title
            if self.profile_editor is not None:
                self.profile_editor.show(snap.profile)
        if self.moderation is not None:
            self.moderation.refresh()

    def _show_flags(self) -> None:
        flags = self.snapshot.scores.flags
        flags = flags[flags["pillar_id"] == self.pillar.id]
        warnings = [w for w in self.subareas["warning"] if w] if "warning" in self.subareas else []
        self.flags_html.value = flags_summary_html(flags, warnings, self.lang)
        items = [(r["indicator_id"], "; ".join(flag_reasons(r, self.lang))) for _i, r in flags.iterrows()]
        key = tuple(items)
        if key == self._flag_key:
            return
        self._flag_key = key
        buttons = []
        for ind_id, why in items:
            name = self.framework.indicator(ind_id).name
            b = self.look.button_widget(f"{ind_id} {name}: {why}",
                                        self._("Open %(indicator)s (%(why)s)") % {"indicator": ind_id, "why": why})
            b.add_class("mbm-flag-link")
            b.on_click(lambda _b, i=ind_id: self.go_to(i))
            buttons.append(b)
        old = self.flag_buttons.children
        self.flag_buttons.children = buttons
        for b in old:
            b.close()

"""The tabs of the road-map page (:mod:`.page`): each a :class:`Section` whose widgets are built
when it is first opened. Every value read from a widget goes to the road-map store, which checks
it; a section shows the store's problems as a list under its button, never a traceback."""
from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING

import ipywidgets as widgets
import pandas as pd

from ...errors import Conflict, InvalidInput, Problem, WorkbookError
from ...i18n.messages import N_
from ...present.html import e, format_cell, frame_table, message_html, missing
from ...present.levels import roadmap_word
from ...roadmap.fields import COST_BANDS, FUNDING_STATUSES, HORIZONS, RECOMMENDATION_STATUSES
from ...roadmap.library import ACTION_TYPES
from ...i18n.messages import translator
from ...i18n.countries import country_name
from ...i18n.grammar import elide
from ...store import AssessmentInfo
from ..forms import NAME_MISSING
from .render import (EXPOSURE_NAMES, donor_map_html, exposure_name, followup_html, gantt_html, initiatives_html,
                     packages_html, problem_text, recommendations_html, roadmap_html, schedule_problems_html,
                     shown_words, targets_html)

if TYPE_CHECKING:
    from .page import RoadmapPage

DEFAULT_TOP = 5
MAX_SHOWN_SUGGESTIONS = 60
#: What a failed save, acceptance or removal says ("not saved: ..."), marked for the catalogues.
NOT_DONE = {"saved": N_("not saved: %(why)s"), "accepted": N_("not accepted: %(why)s"),
            "removed": N_("not removed: %(why)s")}
#: Where a target comes from (``RoadmapStore.set_target``'s ``*_term_source``), marked for the catalogues.
SOURCE_WORDS = {"edited": N_("edited"), "default": N_("default")}


def h2(text: str) -> str:
    return f"<h2>{e(text)}</h2>"


def h3(text: str) -> str:
    return f"<h3>{e(text)}</h3>"


def help_html(text: str) -> str:
    return f'<p class="mbm-help">{e(text)}</p>'


class Section:
    """One tab: its widgets are built on first open; after a save elsewhere it is redrawn on open."""

    title = ""

    def __init__(self, page: RoadmapPage):
        self.page = page
        self.box = widgets.VBox()
        self.built = False
        self.stale = False
        self.status = None

    def open(self) -> None:
        if not self.built:
            children = self.build()
            self.built = True
            self.refresh()  # before showing: the tab appears filled in, never half drawn
            self.box.children = children
        elif self.stale:
            self.refresh()
        self.stale = False

    def build(self) -> list:
        raise NotImplementedError

    def refresh(self) -> None:
        """Redraw from the database."""

    @property
    def message(self) -> str:
        """The text of the status line (for tests, and for reading the page without a browser)."""
        return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", self.status.value)).split())

    def say(self, ok: bool, text: str, problems: list[str] = (), *, status: widgets.HTML | None = None) -> None:
        (status or self.status).value = message_html(ok, text, problems)

    def attempt(self, verb: str, action, *, status: widgets.HTML | None = None) -> object | None:
        """Run ``action(who)``; on any user error show "not <verb>: ..." (:data:`NOT_DONE`, in the
        page's language) and return None."""
        t, lang = translator(self.page.lang), self.page.lang

        def failed(why) -> str:
            return t.gettext(NOT_DONE[verb]) % {"why": why}
        try:
            who = self.page.who()
        except InvalidInput as exc:
            why = t.gettext(NAME_MISSING) if exc.problems[0].message == "is required" else str(exc.problems[0])
            self.say(False, failed(why), status=status)
            return None
        try:
            return action(who)
        except InvalidInput as exc:
            n = len(exc.problems)
            self.say(False, failed(t.ngettext("%(n)d problem", "%(n)d problems", n) % {"n": n}),
                     [problem_text(p, lang) for p in exc.problems], status=status)
        except Conflict as exc:
            self.conflict(exc)
            self.say(False, failed(exc), status=status)
        except WorkbookError as exc:
            self.say(False, failed(exc), status=status)
        return None

    def conflict(self, exc: Conflict) -> None:
        """Adopt the stored version, so that a second save deliberately replaces it."""

    # -- record pickers (recommendations, initiatives): ``self.pick`` and ``self.load(id)`` ----------
    _quiet = False

    def _on_pick(self, change) -> None:
        if not self._quiet:
            self.load(change["new"])

    def reset_picker(self, options: list) -> None:
        """New options for the picker, keeping the record shown when it still exists; loads it once."""
        current = self.pick.value
        self._quiet = True
        try:
            self.pick.options = options
            value = current if current in {v for _, v in options} else options[0][1]
            self.pick.value = value
        finally:
            self._quiet = False
        self.load(value)


class TargetsSection(Section):
    title = N_("Targets")

    def build(self) -> list:
        _ = self.page._
        label, wide = {"description_width": "9em"}, widgets.Layout(width="36em")
        self.exposure = widgets.Dropdown(options=[(f"{k} {exposure_name(k, self.page.lang)}", k)
                                                  for k in EXPOSURE_NAMES], value=2,
                                         description=_("Exposure"), style=label, layout=widgets.Layout(width="20em"))
        self.exposure_reason = widgets.Textarea(description=_("Reason"), style=label, layout=wide,
                                                placeholder=_("e.g. traffic volume at the crossing points; threat "
                                                              "picture (risk analysis)"))
        self.exposure_button = widgets.Button(description=_("Save exposure"), button_style="primary")
        self.exposure_status = widgets.HTML()
        self.exposure_note = widgets.HTML()
        self.table = widgets.HTML()
        fw = self.page.framework
        self.subarea = widgets.Dropdown(options=[(f"{s.id} {s.name}", s.id) for p in fw.pillars for s in p.subareas],
                                        description=_("Sub-area"), style=label, layout=wide)
        self.short = widgets.Dropdown(description=_("Short-term"), style=label, layout=widgets.Layout(width="20em"))
        self.long = widgets.Dropdown(description=_("Long-term"), style=label, layout=widgets.Layout(width="20em"))
        self.reason = widgets.Text(description=_("Reason"), placeholder=_("required when a target is edited"),
                                   style=label, layout=wide)
        self.target_button = widgets.Button(description=_("Save targets"), button_style="primary")
        self.status = widgets.HTML()
        self._target_version = 0
        self.exposure_button.on_click(self.save_exposure)
        self.target_button.on_click(self.save_target)
        self.subarea.observe(lambda _c: self._load_target(), "value")
        help_ = _("Priority = long-term gap x criticality weight x exposure. Exposure (1 low, 2 medium, 3 high) is "
                  "set once per assessment. A target left on its default follows the score; an edited target needs "
                  "a reason and cannot be below the current level.")
        return [widgets.HTML(h2(_("Exposure and targets")) + h3(_("Exposure"))), self.exposure_note, self.exposure,
                self.exposure_reason,
                widgets.HBox([self.exposure_button, self.exposure_status]), widgets.HTML(help_html(help_)), self.table,
                widgets.HTML(h3(_("Edit the targets of a sub-area"))), self.subarea,
                widgets.HBox([self.short, self.long]), self.reason, widgets.HBox([self.target_button, self.status])]

    def refresh(self) -> None:
        page = self.page
        x = page.rm.get_exposure(page.assessment.id)
        self._exposure_version = x["version"]
        self.exposure.value = x["level"]
        self.exposure_reason.value = x["reason"] if x["is_set"] else ""
        _ = page._
        self.exposure_note.value = e(
            _("Exposure %(level)s (%(name)s), set by %(by)s: %(reason)s") % {
                "level": x["level"], "name": exposure_name(x["level"], page.lang), "by": x["updated_by"],
                "reason": x["reason"]}
            if x["is_set"] else _("Exposure not set yet: 2 (medium) is used until the team sets it."))
        self.targets = page.rm.targets(page.assessment.id)
        self.table.value = targets_html(self.targets, page.targets_caption(), page.lang)
        self._load_target()

    def _load_target(self) -> None:
        row = self.targets[self.targets["subarea_id"] == self.subarea.value]
        if not len(row):
            return
        r = row.iloc[0]
        for which, w in (("short", self.short), ("long", self.long)):
            default = r[f"{which}_term_default"]
            shown = self.page._("default (%(level)s)") % {"level": format_cell(default)}
            w.options = [(shown, "")] + [(str(lv), str(lv)) for lv in range(1, 6)]
            w.value = str(int(r[f"{which}_term_target"])) if r[f"{which}_term_source"] == "edited" else ""
        reasons = [r["short_term_reason"], r["long_term_reason"]]
        self.reason.value = next((x for x in reasons if x), "")
        self._target_version = int(r["target_version"])

    def save_exposure(self, _button=None) -> bool:
        page = self.page
        done = self.attempt("saved", lambda who: page.rm.set_exposure(
            page.assessment.id, self.exposure.value, reason=self.exposure_reason.value, by=who,
            expected_version=self._exposure_version), status=self.exposure_status)
        if done is None:
            return False
        page.changed(self)
        self.say(True, page._("saved: exposure %(level)s (%(name)s)") % {
            "level": done["level"], "name": exposure_name(done["level"], page.lang)}, status=self.exposure_status)
        return True

    @property
    def exposure_message(self) -> str:
        return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", self.exposure_status.value)).split())

    def save_target(self, _button=None) -> bool:
        page = self.page
        sid = self.subarea.value
        done = self.attempt("saved", lambda who: page.rm.set_target(
            page.assessment.id, sid, by=who, reason=self.reason.value, short_term=self.short.value or None,
            long_term=self.long.value or None, expected_version=self._target_version))
        if done is None:
            return False
        page.changed(self)
        source = {k: page._(SOURCE_WORDS.get(done[f"{k}_term_source"], done[f"{k}_term_source"]))
                  for k in ("short", "long")}
        self.say(True, page._("saved: %(subarea)s short-term %(short)s (%(short_source)s), long-term %(long)s "
                              "(%(long_source)s); priority %(priority)s") % {
            "subarea": sid, "short": done["short_term_target"], "short_source": source["short"],
            "long": done["long_term_target"], "long_source": source["long"],
            "priority": format_cell(done["priority"])})
        return True

    def conflict(self, exc: Conflict) -> None:
        current = exc.current or {}
        if "version" in current:
            if "level" in current:
                self._exposure_version = int(current["version"])
            else:
                self._target_version = int(current["version"])


class SuggestionsSection(Section):
    title = N_("Suggestions")

    def build(self) -> list:
        _ = self.page._
        label = {"description_width": "9em"}
        fw = self.page.framework
        self.horizon = widgets.ToggleButtons(options=[(_("to the long-term target"), "long"),
                                                      (_("short-term only"), "short")], value="long",
                                             description=_("Horizon"), style=label)
        self.pillar = widgets.Dropdown(options=[(_("all pillars"), "")] + [(f"{p.id} {p.name}", p.id)
                                                                            for p in fw.pillars],
                                       value="", description=_("Pillar"), style=label)
        self.top = widgets.IntText(value=DEFAULT_TOP, description=_("Top sub-areas"), style=label,
                                   layout=widgets.Layout(width="16em"), tooltip=_("0: every sub-area with a gap"))
        self.show_button = widgets.Button(description=_("Show suggestions"))
        self.table = widgets.HTML()
        self.choice = widgets.SelectMultiple(options=[], description=_("Accept"), rows=10, style=label,
                                             layout=widgets.Layout(width="95%"))
        self.accept_button = widgets.Button(description=_("Accept selected"), button_style="primary")
        self.status = widgets.HTML()
        self.suggestions = pd.DataFrame()
        self.shown = pd.DataFrame()
        self.show_button.on_click(self.show)
        self.accept_button.on_click(self.accept)
        help_ = _("Suggestions come from the gaps and the action library, most urgent sub-area first. Accepting one "
                  "adds it to the recommendations with its prerequisites that are not in the list yet; edit them "
                  "afterwards in the Recommendations tab.")
        return [widgets.HTML(h2(_("Suggested actions")) + help_html(help_)), self.horizon,
                widgets.HBox([self.pillar, self.top, self.show_button]),
                self.table, self.choice, widgets.HBox([self.accept_button, self.status])]

    def filters(self) -> tuple[str, str, int | None]:
        """The filter values, checked (a browser can set any synced value)."""
        fw = self.page.store.framework
        problems = []
        horizon, pillar, top = self.horizon.value, self.pillar.value, self.top.value
        if horizon not in HORIZONS:
            problems.append(Problem("Horizon", f"{horizon!r} is not one of {', '.join(HORIZONS)}"))
        if pillar not in [""] + [p.id for p in fw.pillars]:
            problems.append(Problem("Pillar", f"{pillar!r} is not a pillar"))
        if isinstance(top, bool) or not isinstance(top, int) or not 0 <= top <= len(fw.subareas):
            problems.append(Problem("Top sub-areas", f"{top!r} is not a number from 0 (all) to {len(fw.subareas)}"))
        if problems:
            raise InvalidInput(problems, what="filters")
        return horizon, pillar, (top or None)

    def refresh(self) -> None:
        self.show()

    def show(self, _button=None) -> bool:
        page = self.page
        try:
            horizon, pillar, top = self.filters()
            self.suggestions = page.rm.suggest(page.assessment.id, horizon=horizon, top=top)
        except WorkbookError as exc:
            problems = [str(p) for p in exc.problems] if isinstance(exc, InvalidInput) else [str(exc)]
            self.say(False, page._("cannot show suggestions"), problems)
            return False
        fw = page.store.framework
        shown = self.suggestions
        if pillar:
            shown = shown[[fw.pillar_of(s).id == pillar for s in shown["subarea_id"]]]
        recs = page.rm.recommendations_frame(page.assessment.id)
        accepted = {s: i for s, i in zip(recs["source_action_id"], recs["id"]) if isinstance(s, str)}
        shown = shown.assign(in_list=[f"#{accepted[k]}" if k in accepted else "" for k in shown["key"]])
        self.shown = shown
        t = translator(page.lang)
        caption = (t.ngettext("%(n)d suggestion", "%(n)d suggestions", len(shown)) % {"n": len(shown)}
                   + (t.gettext(" (the first %(n)d shown)") % {"n": MAX_SHOWN_SUGGESTIONS}
                      if len(shown) > MAX_SHOWN_SUGGESTIONS else ""))
        _ = t.gettext
        columns = [("key", _("Action")), ("subarea_id", _("Sub-area")), ("target_level", _("Step to")),
                   ("action_type", _("Type")), ("horizon", _("Horizon")), ("cost_band", _("Cost")),
                   ("priority", _("Priority")), ("title", _("Title")), ("prerequisites", _("Needs")),
                   ("in_list", _("In the list"))]
        self.table.value = frame_table(shown_words(shown.head(MAX_SHOWN_SUGGESTIONS), page.lang), columns, caption,
                                       cls="mbm-suggestions",
                                       row_header="key", empty=_("no gap to close with these filters."))
        self.choice.options = [(f"{r['key']} · {r['title'][:90]}", r["key"]) for r in shown.to_dict("records")
                               if not r["in_list"]]
        return True

    def accept(self, _button=None) -> bool:
        page = self.page
        keys = list(self.choice.value)
        if not keys:
            self.say(False, page._("nothing accepted: select one or more suggestions first"))
            return False
        result = self.attempt("accepted", lambda who: page.rm.accept_suggestions(
            page.assessment.id, keys, by=who, suggestions=self.suggestions))
        if result is None:
            return False
        added, already = result["added"], result["already"]
        extra = [k for k in added if k not in keys]
        t = translator(page.lang)
        text = t.ngettext("accepted %(n)d recommendation", "accepted %(n)d recommendations", len(added)) % {
            "n": len(added)}
        if added:
            text += f" (#{min(added.values())}-#{max(added.values())})"
        if extra:
            text += t.ngettext(", including %(n)d prerequisite (%(keys)s)",
                               ", including %(n)d prerequisites (%(keys)s)", len(extra)) % {
                "n": len(extra), "keys": ", ".join(extra)}
        if already:
            text += t.gettext("; already in the list: %(keys)s") % {"keys": ", ".join(
                t.gettext("%(key)s as #%(id)s") % {"key": k, "id": i} for k, i in already.items())}
        page.changed(self)
        self.say(True, text)
        return True


class RecommendationsSection(Section):
    title = N_("Recommendations")
    NEW = 0

    def build(self) -> list:
        _ = self.page._
        label, wide, half = {"description_width": "11em"}, widgets.Layout(width="42em"), widgets.Layout(width="22em")
        fw = self.page.framework
        self.table = widgets.HTML()
        self.pick = widgets.Dropdown(description=_("Recommendation"), style=label, layout=wide)
        self.subarea = widgets.Dropdown(options=[(_("choose a sub-area"), "")] + [(f"{s.id} {s.name}", s.id)
                                                                              for p in fw.pillars for s in p.subareas],
                                        description=_("Sub-area"), style=label, layout=wide)
        self.indicator = widgets.Dropdown(options=[(_("whole sub-area"), "")], description=_("Indicator"), style=label,
                                          layout=wide)
        self.target_level = widgets.Dropdown(options=[(_("choose"), "")] + [(str(i), str(i)) for i in range(1, 6)],
                                             description=_("Target level"), style=label, layout=half)
        self.action_type = widgets.Dropdown(options=[(roadmap_word(t, self.page.lang), t) for t in ACTION_TYPES],
                                            description=_("Action type"), style=label, layout=half)
        self.title_ = widgets.Text(description=_("Title"), style=label, layout=wide)
        self.description = widgets.Textarea(description=_("Description"), style=label, layout=wide)
        self.lead_agency = widgets.Text(description=_("Lead agency"), style=label, layout=wide)
        self.partners = widgets.Text(description=_("Partners"), placeholder=_("separated by ;"), style=label,
                                     layout=wide)
        self.cost_band = widgets.Dropdown(options=[("–", "")] + [(b, b) for b in COST_BANDS],
                                          description=_("Cost band"),
                                          style=label, layout=half)
        self.amount = widgets.Text(description=_("Amount"), placeholder=_("e.g. 250,000"), style=label, layout=half)
        self.currency = widgets.Text(description=_("Currency"), placeholder=_("ISO 4217, e.g. EUR"), style=label,
                                     layout=half)
        self.funding_status = widgets.Dropdown(options=[(roadmap_word(f, self.page.lang), f) for f in FUNDING_STATUSES],
                                               value="gap", description=_("Funding"),
                                               style=label, layout=half)
        self.horizon = widgets.Dropdown(options=[(_("short (up to 18 months)"), "short"),
                                                 (_("long (2-5 years)"), "long")],
                                        value="short", description=_("Horizon"), style=label, layout=half)
        self.prerequisites = widgets.SelectMultiple(options=[], description=_("Prerequisites"), rows=5, style=label,
                                                    layout=wide)
        self.completion_indicator = widgets.Text(description=_("Completion indicator"), style=label, layout=wide,
                                                 placeholder=_("how the team will know it is done"))
        self.deadline = widgets.Text(description=_("Deadline"), placeholder=_("YYYY-MM-DD"), style=label, layout=half)
        self.status_ = widgets.Dropdown(options=[(roadmap_word(s, self.page.lang), s) for s in RECOMMENDATION_STATUSES],
                                        value="open",
                                        description=_("Status"), style=label, layout=half)
        self.save_button = widgets.Button(description=_("Save recommendation"), button_style="primary",
                                          layout=widgets.Layout(width="auto"))
        self.new_button = widgets.Button(description=_("New"))
        self.remove_button = widgets.Button(description=_("Remove"), button_style="danger",
                                            tooltip=_("delete; to stop a recommendation set its status to dropped"))
        self.status = widgets.HTML()
        self.fields = {"subarea_id": self.subarea, "indicator_id": self.indicator, "target_level": self.target_level,
                       "action_type": self.action_type, "title": self.title_, "description": self.description,
                       "lead_agency": self.lead_agency, "partners": self.partners, "cost_band": self.cost_band,
                       "amount": self.amount, "currency": self.currency, "funding_status": self.funding_status,
                       "horizon": self.horizon, "prerequisites": self.prerequisites,
                       "completion_indicator": self.completion_indicator, "deadline": self.deadline,
                       "status": self.status_}
        self.version: int | None = None
        self.loaded: dict = {}
        self.recs = pd.DataFrame()
        self.subarea.observe(lambda c: self._indicator_options(c["new"]), "value")
        self.pick.observe(self._on_pick, "value")
        self.save_button.on_click(self.save)
        self.new_button.on_click(lambda _b: self.pick.__setattr__("value", self.NEW))
        self.remove_button.on_click(self.remove)
        return [self.table, widgets.HTML(h3(_("Add or edit a recommendation"))), self.pick, self.subarea,
                self.indicator, widgets.HBox([self.target_level, self.action_type]), self.title_, self.description,
                self.lead_agency, self.partners, widgets.HBox([self.cost_band, self.funding_status]),
                widgets.HBox([self.amount, self.currency]), widgets.HBox([self.horizon, self.deadline]),
                self.prerequisites, self.completion_indicator, self.status_,
                widgets.HBox([self.save_button, self.new_button, self.remove_button]), self.status]

    def _indicator_options(self, subarea_id) -> None:
        fw = self.page.framework
        sa = fw.subareas.get(subarea_id) if isinstance(subarea_id, str) else None
        shown = [(f"{i.id} {i.name}", i.id) for i in sa.indicators] if sa else []
        self.indicator.options = [(self.page._("whole sub-area"), "")] + shown

    def refresh(self) -> None:
        page = self.page
        self.recs = page.rm.recommendations_frame(page.assessment.id)
        caption = page._("Recommendations, %(assessment)s") % {"assessment": page.caption}
        self.table.value = recommendations_html(self.recs, caption, page.lang)
        options = [(page._("new recommendation"), self.NEW)] + [(f"#{r['id']} {r['title'][:80]}", int(r["id"]))
                                                        for r in self.recs.to_dict("records")]
        self.reset_picker(options)

    def _prerequisite_options(self, rec_id: int) -> None:
        self.prerequisites.options = [(f"#{r['id']} {r['title'][:80]}", int(r["id"]))
                                      for r in self.recs.to_dict("records") if int(r["id"]) != rec_id]

    def load(self, rec_id) -> None:
        """Fill the form with a stored recommendation (or empty it for a new one)."""
        ids = {int(i) for i in self.recs["id"]} if len(self.recs) else set()
        if rec_id not in ids:
            rec_id = self.NEW
        self._prerequisite_options(rec_id)
        if rec_id == self.NEW:
            r = {"action_type": ACTION_TYPES[0], "funding_status": "gap", "horizon": "short", "status": "open"}
            self.version = None
        else:
            r = self.page.rm.get_recommendation(rec_id)
            self.version = r["version"]
        self.subarea.value = r.get("subarea_id") or ""
        self._indicator_options(self.subarea.value)
        self.indicator.value = r.get("indicator_id") or ""
        self.target_level.value = str(r["target_level"]) if r.get("target_level") else ""
        self.action_type.value = r.get("action_type") or ACTION_TYPES[0]
        self.title_.value = r.get("title") or ""
        self.description.value = r.get("description") or ""
        self.lead_agency.value = r.get("lead_agency") or ""
        self.partners.value = "; ".join(r.get("partners") or [])
        self.cost_band.value = r.get("cost_band") or ""
        self.amount.value = "" if missing(r.get("amount")) else f"{r['amount']:.2f}".removesuffix(".00")
        self.currency.value = r.get("currency") or ""
        self.funding_status.value = r.get("funding_status") or "gap"
        self.horizon.value = r.get("horizon") or "short"
        self.prerequisites.value = tuple(p for p in r.get("prerequisites") or [] if p in ids)
        self.completion_indicator.value = r.get("completion_indicator") or ""
        self.deadline.value = r["deadline"].isoformat() if r.get("deadline") else ""
        self.status_.value = r.get("status") or "open"
        self.loaded = self.values()

    def values(self) -> dict:
        """The widget values as they are; the store checks each of them."""
        return {k: (list(w.value) if k == "prerequisites" else w.value) for k, w in self.fields.items()}

    def _selected(self) -> int:
        """The recommendation being edited: NEW, or one of THIS assessment's (never another's)."""
        value = self.pick.value
        ids = {int(i) for i in self.recs["id"]} if len(self.recs) else set()
        if value == self.NEW:
            return self.NEW
        if isinstance(value, int) and not isinstance(value, bool) and value in ids:
            return value
        raise InvalidInput(Problem("Recommendation", f"{value!r} is not a recommendation of this assessment"),
                           what="recommendation")

    def save(self, _button=None) -> bool:
        page = self.page
        values = self.values()

        def write(who):
            rec_id = self._selected()
            if rec_id == self.NEW:
                return page.rm.get_recommendation(page.rm.add_recommendation(page.assessment.id, values, by=who))
            changes = {k: v for k, v in values.items() if v != self.loaded.get(k)}
            if not changes:
                return {}
            return page.rm.update_recommendation(rec_id, changes, by=who, expected_version=self.version)

        saved = self.attempt("saved", write)
        if saved is None:
            return False
        if not saved:
            self.say(True, page._("no changes to save"))
            return True
        page.changed(self)
        self.pick.value = int(saved["id"])
        self.say(True, page._("saved #%(id)s %(title)s (version %(version)s, by %(by)s)") % {
            "id": saved["id"], "title": saved["title"], "version": saved["version"], "by": saved["updated_by"]})
        return True

    def remove(self, _button=None) -> bool:
        page = self.page

        def drop(who):
            rec_id = self._selected()
            if rec_id == self.NEW:
                raise InvalidInput(Problem("Recommendation", "choose a stored recommendation to remove"))
            page.rm.remove_recommendation(rec_id, by=who)
            return rec_id

        gone = self.attempt("removed", drop)
        if gone is None:
            return False
        page.changed(self)
        self.say(True, page._("removed #%(id)s") % {"id": gone})
        return True

    def conflict(self, exc: Conflict) -> None:
        if (exc.current or {}).get("version") is not None:
            self.version = int(exc.current["version"])


class RoadmapSection(Section):
    title = N_("Road map")

    def build(self) -> list:
        _ = self.page._
        self.chart, self.problems, self.table = widgets.HTML(), widgets.HTML(), widgets.HTML()
        return [self.problems, self.chart, self.table]

    def refresh(self) -> None:
        page = self.page
        road = page.rm.roadmap(page.assessment.id)
        self.road = road
        chart = page._("Road map, %(assessment)s (plan start %(start)s)") % {"assessment": page.caption,
                                                                              "start": road.plan_start}
        self.chart.value = gantt_html(road.table, chart)
        self.problems.value = schedule_problems_html(road.problems, page.lang)
        self.table.value = roadmap_html(road, page.roadmap_caption(), page.lang)


class PackagesSection(Section):
    """The investment packages: committed (cost, gaps closed, funding) and the backlog (read-only:
    the team commits and funds them with ``workbook roadmap XAT commit|funding``)."""

    title = N_("Packages")

    def build(self) -> list:
        _ = self.page._
        self.status, self.table = widgets.HTML(), widgets.HTML()
        return [self.status, self.table]

    def refresh(self) -> None:
        from ...roadmap.funding import FundingStore
        page = self.page
        try:
            self.road = FundingStore(page.store).road_map(page.assessment.id, lang=page.lang)
        except InvalidInput as exc:  # e.g. a count missing: say what to enter
            self.road = None
            self.table.value = ""
            n = len(exc.problems)
            self.say(False, translator(page.lang).ngettext(
                "the packages cannot be costed: %(n)d problem", "the packages cannot be costed: %(n)d problems", n)
                % {"n": n}, [problem_text(p, page.lang) for p in exc.problems])
            return
        self.status.value = ""
        caption = page._("Investment packages, %(assessment)s") % {"assessment": page.caption}
        self.table.value = packages_html(self.road, caption, page.lang)


class DonorsSection(Section):
    title = N_("Initiatives")
    NEW = 0

    def build(self) -> list:
        _ = self.page._
        label, wide, half = {"description_width": "8em"}, widgets.Layout(width="40em"), widgets.Layout(width="20em")
        fw = self.page.framework
        self.registry, self.flags = widgets.HTML(), widgets.HTML()
        self.pick = widgets.Dropdown(description=_("Initiative"), style=label, layout=wide)
        self.donor = widgets.Text(description=_("Donor"), style=label, layout=wide)
        self.implementer = widgets.Text(description=_("Implementer"), style=label, layout=wide)
        self.title_ = widgets.Text(description=_("Title"), style=label, layout=wide)
        self.budget = widgets.Text(description=_("Budget"), placeholder=_("e.g. 1,200,000"), style=label, layout=half)
        self.currency = widgets.Text(description=_("Currency"), placeholder=_("ISO 4217, e.g. EUR"), style=label,
                                     layout=half)
        self.start = widgets.Text(description=_("Start"), placeholder=_("YYYY-MM-DD"), style=label, layout=half)
        self.end = widgets.Text(description=_("End"), placeholder=_("YYYY-MM-DD"), style=label, layout=half)
        self.subareas = widgets.SelectMultiple(options=[(f"{s.id} {s.name}", s.id) for p in fw.pillars
                                                        for s in p.subareas],
                                               description=_("Sub-areas"), rows=6, style=label, layout=wide)
        self.indicators = widgets.Text(description=_("Indicators"),
                                       placeholder=_("ids separated by commas, e.g. INF.6.1"),
                                       style=label, layout=wide)
        self.notes = widgets.Textarea(description=_("Notes"), style=label, layout=wide)
        self.save_button = widgets.Button(description=_("Save initiative"), button_style="primary",
                                          layout=widgets.Layout(width="auto"))
        self.new_button = widgets.Button(description=_("New"))
        self.status = widgets.HTML()
        self.fields = {"donor": self.donor, "implementer": self.implementer, "title": self.title_,
                       "budget": self.budget, "currency": self.currency, "start_date": self.start,
                       "end_date": self.end, "subareas": self.subareas, "indicators": self.indicators,
                       "notes": self.notes}
        self.version: int | None = None
        self.inits = pd.DataFrame()
        self.pick.observe(self._on_pick, "value")
        self.save_button.on_click(self.save)
        self.new_button.on_click(lambda _b: self.pick.__setattr__("value", self.NEW))
        help_ = _("The registry belongs to the country (all rounds). The donor map flags recommendations an "
                  "initiative already covers, initiatives of different donors that overlap, and priority gaps that "
                  "nobody funds.")
        return [widgets.HTML(h2(_("Initiatives and donor map")) + help_html(help_)), self.registry,
                widgets.HTML(h3(_("Add or edit an initiative"))), self.pick,
                self.donor, self.implementer, self.title_, widgets.HBox([self.budget, self.currency]),
                widgets.HBox([self.start, self.end]), self.subareas, self.indicators, self.notes,
                widgets.HBox([self.save_button, self.new_button]), self.status,
                widgets.HTML(h3(_("Donor map"))), self.flags]

    def refresh(self) -> None:
        page = self.page
        self.inits = page.rm.initiatives_frame(page.assessment.country_code)
        name = country_name(page.assessment.country_code, page.lang, given=page.assessment.country_name)
        caption = elide(page._("Initiatives in %(country)s") % {"country": name}, page.lang, name)
        self.registry.value = initiatives_html(self.inits, caption, page.lang)
        self.flags.value = donor_map_html(page.rm.donor_map(page.assessment.id), page.lang)
        options = [(page._("new initiative"), self.NEW)] + [(f"I{r['id']} {r['donor']}: {r['title'][:70]}",
                                                             int(r["id"]))
                                                    for r in self.inits.to_dict("records")]
        self.reset_picker(options)

    def load(self, ini_id) -> None:
        ids = {int(i) for i in self.inits["id"]} if len(self.inits) else set()
        if ini_id not in ids:
            ini_id = self.NEW
        r = {} if ini_id == self.NEW else self.page.rm.get_initiative(ini_id)
        self.version = r.get("version")
        for key in ("donor", "implementer", "title", "currency", "notes"):
            self.fields[key].value = r.get(key) or ""
        self.budget.value = "" if missing(r.get("budget")) else f"{r['budget']:.2f}".removesuffix(".00")
        self.start.value = r["start_date"].isoformat() if r.get("start_date") else ""
        self.end.value = r["end_date"].isoformat() if r.get("end_date") else ""
        self.subareas.value = tuple(r.get("subareas") or [])
        self.indicators.value = ", ".join(r.get("indicators") or [])

    def _selected(self) -> int:
        value = self.pick.value
        ids = {int(i) for i in self.inits["id"]} if len(self.inits) else set()
        if value == self.NEW:
            return self.NEW
        if isinstance(value, int) and not isinstance(value, bool) and value in ids:
            return value
        raise InvalidInput(Problem("Initiative", f"{value!r} is not an initiative of this country"),
                           what="initiative")

    def save(self, _button=None) -> bool:
        page = self.page
        values = {k: (list(w.value) if k == "subareas" else w.value) for k, w in self.fields.items()}

        def write(who):
            ini_id = self._selected()
            if ini_id == self.NEW:
                return page.rm.get_initiative(page.rm.add_initiative(page.assessment.id, values, by=who))
            return page.rm.update_initiative(ini_id, values, by=who, expected_version=self.version)

        saved = self.attempt("saved", write)
        if saved is None:
            return False
        page.changed(self)
        self.pick.value = int(saved["id"])
        self.say(True, page._("saved I%(id)s %(donor)s: %(title)s (version %(version)s)") % {
            "id": saved["id"], "donor": saved["donor"], "title": saved["title"], "version": saved["version"]})
        return True

    def conflict(self, exc: Conflict) -> None:
        if (exc.current or {}).get("version") is not None:
            self.version = int(exc.current["version"])


class FollowUpSection(Section):
    title = N_("Follow-up")

    def __init__(self, page: RoadmapPage, others: list[AssessmentInfo]):
        super().__init__(page)
        self.others = others

    def build(self) -> list:
        _ = self.page._
        self.other = widgets.Dropdown(options=[(a.round, a.round) for a in self.others], value=self.others[0].round,
                                      description=_("Compare with"), style={"description_width": "8em"})
        self.view, self.status = widgets.HTML(), widgets.HTML()
        self.other.observe(lambda _c: self.refresh(), "value")
        return [self.other, self.status, self.view]

    def rounds(self) -> tuple[str, str]:
        """(baseline, follow-up): the earlier of the two rounds is the baseline."""
        chosen = next((a for a in self.others if a.round == self.other.value), None)
        if chosen is None:
            raise InvalidInput(Problem("Compare with", f"{self.other.value!r} is not a round of this country"))
        me = self.page.assessment
        pair = sorted([me, chosen], key=lambda a: (a.created_at, a.id))
        return pair[0].round, pair[1].round

    def refresh(self) -> None:
        page = self.page
        try:
            base, later = self.rounds()
            fu = page.rm.follow_up(page.assessment.country_code, base, later)
        except WorkbookError as exc:
            problems = [str(p) for p in exc.problems] if isinstance(exc, InvalidInput) else [str(exc)]
            self.say(False, page._("cannot compare"), problems)
            self.view.value = ""
            return
        self.status.value = ""
        self.view.value = followup_html(fu, page.assessment.country_code, page.lang)

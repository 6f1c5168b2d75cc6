"""The road-map page: where the team turns gaps into a funded road map (Voila and JupyterLab).

The notebook ``notebooks/roadmap.ipynb`` is a parameters cell and three calls::

    page = open_roadmap(country, round, db_url, interactive=interactive)
    page.header(); page.workspace(); page.summary()

Where country and round come from, the header, the editor's name ("Your name", checked at every
save) and the messages follow :mod:`workbook.app` and :mod:`workbook.forms`. The workspace is a
set of tabs, each built when first opened (the first at once):

* **Targets**: the country's exposure (1-3) with a reason; per sub-area the
  short- and long-term targets (editable with a reason), the gaps and the priority;
* **Suggestions**: from the gaps and the action library, filtered by horizon, pillar and
  the top N sub-areas, accepted into the recommendations (with their prerequisites);
* **Recommendations**: the list and a form with every field of a recommendation;
* **Road map**: the Gantt chart, the sequenced table by horizon and the schedule problems;
* **Initiatives**: the registry (add, edit) and the duplication flags;
* **Follow-up**: only when the country has another round: the dumbbell chart and the deltas.

Every value read from a widget goes through :class:`~workbook.roadmap.RoadmapStore`, which
checks it in Python, reports every problem at once and writes nothing on bad input; the page
shows those problems as a list under the button, never a traceback. After a save the other
tabs are marked stale and redrawn when next opened. Nothing here computes a target, a priority
or a schedule: the page renders the frames of :mod:`workbook.roadmap`.
"""
from __future__ import annotations

import base64
import datetime as dt
import html
import math
import re
from collections.abc import Mapping

import ipywidgets as widgets
import pandas as pd
from IPython.display import HTML, display

from . import charts
from .roadmap.library import ACTION_TYPES
from .app import (HOME_NOTEBOOK, TABLE_CSS, check_country, notebook_for, page_link, problem_html,
                  resolve_parameters)
from .errors import Conflict, InvalidInput, NotFound, Problem, WorkbookError
from .forms import EDITOR_FIELD_CLASS, NAME_MISSING
from .inputs import MAX_SHORT, parse_round, parse_text
from .roadmap import RoadmapStore
from .roadmap.fields import COST_BANDS, FUNDING_STATUSES, HORIZONS, RECOMMENDATION_STATUSES
from .roadmap.sequence import HORIZON_NAMES
from .store import AssessmentInfo, Store

ROADMAP_NOTEBOOK = "roadmap.ipynb"
EXPOSURE_NAMES = {1: "low", 2: "medium", 3: "high"}
DEFAULT_TOP = 5
MAX_SHOWN_SUGGESTIONS = 60

#: Widget labels for the fields the store names in its problems.
LABELS = {"subarea_id": "Sub-area", "indicator_id": "Indicator", "target_level": "Target level",
          "action_type": "Action type", "title": "Title", "description": "Description", "lead_agency": "Lead agency",
          "partners": "Partners", "cost_band": "Cost band", "amount": "Amount", "currency": "Currency",
          "funding_status": "Funding", "horizon": "Horizon", "prerequisites": "Prerequisites",
          "completion_indicator": "Completion indicator", "deadline": "Deadline", "status": "Status",
          "source_action_id": "Source action", "donor": "Donor", "implementer": "Implementer", "budget": "Budget",
          "start_date": "Start", "end_date": "End", "subareas": "Sub-areas", "indicators": "Indicators",
          "notes": "Notes", "reason": "Reason", "exposure": "Exposure", "short_term": "Short-term target",
          "long_term": "Long-term target", "by": "Your name", "keys": "Suggestion"}
_LOCATION = re.compile(r"(?:(?:recommendations\[\d+\]|initiatives\[\d+\]|#\d+|I\d+|[A-Z]{3}\.\d+)\.)?(\w+)(?:\[\d+\])?")


# -- pure renderers (HTML strings; tested without a kernel) -----------------------------------
def problem_text(p: Problem) -> str:
    """A store problem in the words of the form: ``Currency: 'ZZZ' is not an ISO 4217 ...``."""
    m = _LOCATION.fullmatch(p.location)
    field = m.group(1) if m else p.location
    label = LABELS.get(field, p.location)
    return f"{label}: {p.message}" if label else p.message


def message_html(ok: bool, text: str, problems: list[str] = ()) -> str:
    """A status line (``role=status``): green when done, red with the list of problems when not."""
    colour = "#1b5e20" if ok else "#b71c1c"
    items = "".join(f"<li>{html.escape(p)}</li>" for p in problems)
    listing = f'<ul style="margin:0.2em 0">{items}</ul>' if items else ""
    state = "ok" if ok else "failed"
    return (f'<div role="status" aria-live="polite" class="mbm-status mbm-status-{state}" style="color:{colour}">'
            f"{html.escape(text)}{listing}</div>")


def _blank(v) -> bool:
    try:
        return v is None or v is pd.NaT or v is pd.NA or (isinstance(v, float) and math.isnan(v))
    except TypeError:
        return False


def fmt_cell(v) -> str:
    """One table cell as text: dates as ISO, lists joined, numbers kept short, blanks as a dash."""
    if isinstance(v, (list, tuple)):
        return ", ".join(f"#{x}" if isinstance(x, int) else str(x) for x in v) or "–"
    if _blank(v):
        return "–"
    if isinstance(v, (dt.datetime, pd.Timestamp)):
        return v.strftime("%Y-%m-%d")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, float):
        return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.1f}".rstrip("0").rstrip(".") if v % 1 else f"{v:.0f}"
    return str(v)


def table_html(frame: pd.DataFrame, columns: list[tuple[str, str]], caption: str, *, css_class: str = "",
               empty: str = "Nothing to show.", row_header: str | None = None) -> str:
    """An accessible table of ``columns`` (``(column, heading)``) of ``frame``; ``empty`` when no rows."""
    e = html.escape
    if frame is None or len(frame) == 0:
        return f'<p class="mbm-empty {e(css_class)}"><strong>{e(caption)}:</strong> {e(empty)}</p>'
    head = "".join(f'<th scope="col">{e(h)}</th>' for _, h in columns)
    body = []
    for r in frame.to_dict("records"):
        cells = []
        for col, _ in columns:
            v = r.get(col)
            num = isinstance(v, (int, float)) and not isinstance(v, bool) and not _blank(v)
            text = e(fmt_cell(v))
            if col == row_header:
                cells.append(f'<th scope="row">{text}</th>')
            else:
                cells.append(f'<td class="num">{text}</td>' if num else f"<td>{text}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    return (TABLE_CSS + f'<table class="mbm-table {e(css_class)}"><caption>{e(caption)}</caption>'
            f'<thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>')


def figure_html(svg: str, alt: str, caption: str, css_class: str) -> str:
    """An SVG chart as an inline image whose alt text states the values."""
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return (f'<figure class="mbm-chart {css_class}" style="margin:0.5em 0">'
            f'<img src="data:image/svg+xml;base64,{data}" alt="{html.escape(alt)}" style="max-width:100%;height:auto">'
            f'<figcaption style="font-size:0.9em;color:#444">{html.escape(caption)}</figcaption></figure>')


def describe_gantt(table: pd.DataFrame) -> str:
    """Alt text of the Gantt chart: every bar with its dates."""
    if len(table) == 0:
        return "Road map: no recommendations yet."
    bars = "; ".join(f"{o}. {t} ({h}, {fmt_cell(s)} to {fmt_cell(e)})" for o, t, h, s, e in
                     zip(table["order"], table["title"], table["horizon"], table["start"], table["end"]))
    return f"Timeline of {len(table)} recommendations in road-map order: {bars}."


def describe_dumbbell(changes: pd.DataFrame) -> str:
    """Alt text of the follow-up chart: baseline and follow-up score per sub-area."""
    parts = [f"{lab}: {fmt_cell(b)} to {fmt_cell(f)}" for lab, b, f in
             zip(changes["subarea"], changes["baseline"], changes["followup"])]
    return "Baseline and follow-up score per sub-area. " + "; ".join(parts) + "."


def gantt_html(table: pd.DataFrame, caption: str) -> str:
    fig = charts.plot_roadmap_gantt(table, title=caption)
    return figure_html(charts.figure_svg(fig), describe_gantt(table), caption, "mbm-gantt")


def targets_html(t: pd.DataFrame, caption: str) -> str:
    """Targets, gaps and priority per sub-area; an edited target shows its default and reason."""
    def target(r, which):
        v = r[f"{which}_term_target"]
        if _blank(v):
            return "–"
        if r[f"{which}_term_source"] == "edited":
            return f"{int(v)} (edited; default {fmt_cell(r[f'{which}_term_default'])}: {r[f'{which}_term_reason']})"
        return f"{int(v)}"
    rows = t.assign(name=[f"{s} {n}" for s, n in zip(t["subarea_id"], t["subarea"])],
                    short=[target(r, "short") for r in t.to_dict("records")],
                    long=[target(r, "long") for r in t.to_dict("records")])
    return table_html(rows, [("name", "Sub-area"), ("score", "Score"), ("current_level", "Level"),
                             ("criticality", "Criticality"), ("short", "Short-term target"),
                             ("long", "Long-term target"), ("gap_short", "Gap (short)"), ("gap_long", "Gap (long)"),
                             ("priority", "Priority"), ("rank", "Rank")], caption, css_class="mbm-targets",
                      row_header="name")


REC_COLUMNS = [("ref", "#"), ("subarea_id", "Sub-area"), ("indicator_id", "Indicator"), ("title", "Title"),
               ("action_type", "Type"), ("target_level", "Target"), ("lead_agency", "Lead agency"),
               ("cost", "Cost"), ("funding_status", "Funding"), ("horizon", "Horizon"), ("deadline", "Deadline"),
               ("prerequisites", "Needs"), ("status", "Status")]


def _cost(r: dict) -> str:
    if not _blank(r.get("amount")):
        return f"{r['amount']:,.0f} {r.get('currency') or ''}".strip()
    return r.get("cost_band") or "–"


def recommendations_html(recs: pd.DataFrame, caption: str) -> str:
    rows = recs.assign(ref=[f"#{i}" for i in recs["id"]], cost=[_cost(r) for r in recs.to_dict("records")]) \
        if len(recs) else recs
    return table_html(rows, REC_COLUMNS, caption, css_class="mbm-recommendations", row_header="ref",
                      empty="no recommendations yet: accept suggestions or add one below.")


def roadmap_html(road, caption: str) -> str:
    """The sequenced road map: one table per horizon, prerequisites first."""
    cols = [("order", "Step"), ("ref", "#"), ("title", "Title"), ("subarea_id", "Sub-area"), ("start", "Start"),
            ("end", "End"), ("after", "After"), ("funding_status", "Funding"), ("status", "Status")]
    parts = []
    for h in HORIZONS:
        g = road.group(h)
        g = g.assign(ref=[f"#{i}" for i in g["id"]]) if len(g) else g
        parts.append(table_html(g, cols, f"{caption}: {HORIZON_NAMES[h]}", css_class=f"mbm-roadmap mbm-{h}",
                                empty="no recommendations in this horizon."))
    return "".join(parts)


def schedule_problems_html(problems: pd.DataFrame) -> str:
    if len(problems) == 0:
        return '<p class="mbm-schedule-ok">Schedule check: no recommendation is scheduled before its prerequisite.</p>'
    items = "".join(f"<li>#{int(r['recommendation_id'])} {html.escape(str(r['title']))}: "
                    f"{html.escape(str(r['problem']))}</li>" for r in problems.to_dict("records"))
    return (f'<div class="mbm-schedule-problems" role="note"><p><strong>Schedule check: {len(problems)} '
            f"problem{'s' if len(problems) != 1 else ''}</strong></p><ul>{items}</ul></div>")


def initiatives_html(inits: pd.DataFrame, caption: str) -> str:
    rows = inits
    if len(inits):
        rows = inits.assign(ref=[f"I{i}" for i in inits["id"]],
                            money=[f"{b:,.0f} {c or ''}".strip() if not _blank(b) else "–"
                                   for b, c in zip(inits["budget"], inits["currency"])],
                            scope_text=[", ".join(i or s for s, i in sc) for sc in inits["scope"]])
    return table_html(rows, [("ref", "#"), ("donor", "Donor"), ("implementer", "Implementer"), ("title", "Title"),
                             ("money", "Budget"), ("start_date", "Start"), ("end_date", "End"),
                             ("scope_text", "Addresses")], caption, css_class="mbm-initiatives", row_header="ref",
                      empty="no initiatives recorded for this country yet.")


def donor_map_html(dm) -> str:
    """The duplication check: covered recommendations, overlapping initiatives, gaps nobody funds."""
    covered = table_html(dm.covered.assign(ref=[f"#{i}" for i in dm.covered["recommendation_id"]],
                                           ini=[f"I{i}" for i in dm.covered["initiative_id"]]),
                         [("ref", "#"), ("title", "Recommendation"), ("subarea_id", "Sub-area"),
                          ("ini", "Initiative"), ("initiative", "Title"), ("donor", "Donor"), ("match", "Match"),
                          ("overlap_start", "From"), ("overlap_end", "To")],
                         "Already covered by an initiative", css_class="mbm-covered",
                         empty="no recommendation is covered by a recorded initiative.")
    overlaps = table_html(dm.overlaps, [("title_a", "Initiative"), ("donor_a", "Donor"), ("title_b", "Overlaps with"),
                                        ("donor_b", "Donor"), ("subareas", "Sub-areas"), ("overlap_start", "From"),
                                        ("overlap_end", "To")],
                          "Initiatives of different donors that overlap", css_class="mbm-overlaps",
                          empty="no overlapping initiatives.")
    unfunded = table_html(dm.unfunded, [("subarea_id", "Sub-area"), ("subarea", "Name"), ("priority", "Priority"),
                                        ("gap_long", "Gap (long)"), ("n_recommendations", "Recommendations"),
                                        ("note", "Note")],
                          "Gaps nobody funds (no initiative during the plan, no committed funding)",
                          css_class="mbm-unfunded", empty="every priority sub-area has an initiative or funding.")
    return covered + overlaps + unfunded


# -- the page ------------------------------------------------------------------------------
class _Section:
    """One tab: its widgets are built on first open; after a save elsewhere it is redrawn on open."""

    title = ""

    def __init__(self, page: "RoadmapPage"):
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
        """Run ``action(who)``; on any user error show "not <verb>: ..." and return None."""
        try:
            who = self.page.who()
        except InvalidInput as exc:
            why = NAME_MISSING if exc.problems[0].message == "is required" else str(exc.problems[0])
            self.say(False, f"not {verb}: {why}", status=status)
            return None
        try:
            return action(who)
        except InvalidInput as exc:
            n = len(exc.problems)
            self.say(False, f"not {verb}: {n} problem{'s' if n != 1 else ''}", [problem_text(p) for p in exc.problems],
                     status=status)
        except Conflict as exc:
            self.conflict(exc)
            self.say(False, f"not {verb}: {exc}", status=status)
        except WorkbookError as exc:
            self.say(False, f"not {verb}: {exc}", status=status)
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


class TargetsSection(_Section):
    title = "Targets"

    def build(self) -> list:
        label, wide = {"description_width": "9em"}, widgets.Layout(width="36em")
        self.exposure = widgets.Dropdown(options=[(f"{k} {v}", k) for k, v in EXPOSURE_NAMES.items()], value=2,
                                         description="Exposure", style=label, layout=widgets.Layout(width="20em"))
        self.exposure_reason = widgets.Textarea(description="Reason", style=label, layout=wide,
                                                placeholder="e.g. traffic volume at the crossing points; threat "
                                                            "picture (risk analysis)")
        self.exposure_button = widgets.Button(description="Save exposure", button_style="primary")
        self.exposure_status = widgets.HTML()
        self.exposure_note = widgets.HTML()
        self.table = widgets.HTML()
        fw = self.page.store.framework
        self.subarea = widgets.Dropdown(options=[(f"{s.id} {s.name}", s.id) for p in fw.pillars for s in p.subareas],
                                        description="Sub-area", style=label, layout=wide)
        self.short = widgets.Dropdown(description="Short-term", style=label, layout=widgets.Layout(width="20em"))
        self.long = widgets.Dropdown(description="Long-term", style=label, layout=widgets.Layout(width="20em"))
        self.reason = widgets.Text(description="Reason", placeholder="required when a target is edited",
                                   style=label, layout=wide)
        self.target_button = widgets.Button(description="Save targets", button_style="primary")
        self.status = widgets.HTML()
        self._target_version = 0
        self.exposure_button.on_click(self.save_exposure)
        self.target_button.on_click(self.save_target)
        self.subarea.observe(lambda _c: self._load_target(), "value")
        help_ = ('<p class="mbm-help">Priority = long-term gap x criticality weight x exposure. Exposure (1 low, '
                 "2 medium, 3 high) is set once per assessment. A target left on its default follows the score; "
                 "an edited target needs a reason and cannot be below the current level.</p>")
        return [widgets.HTML("<h2>Exposure and targets</h2><h3>Exposure</h3>"), self.exposure_note, self.exposure,
                self.exposure_reason,
                widgets.HBox([self.exposure_button, self.exposure_status]), widgets.HTML(help_), self.table,
                widgets.HTML("<h3>Edit the targets of a sub-area</h3>"), self.subarea,
                widgets.HBox([self.short, self.long]), self.reason, widgets.HBox([self.target_button, self.status])]

    def refresh(self) -> None:
        page = self.page
        e = page.rm.get_exposure(page.assessment.id)
        self._exposure_version = e["version"]
        self.exposure.value = e["level"]
        self.exposure_reason.value = e["reason"] if e["is_set"] else ""
        self.exposure_note.value = html.escape(
            f"Exposure {e['level']} ({EXPOSURE_NAMES[e['level']]}), set by {e['updated_by']}: {e['reason']}"
            if e["is_set"] else "Exposure not set yet: 2 (medium) is used until the team sets it.")
        self.targets = page.rm.targets(page.assessment.id)
        self.table.value = targets_html(self.targets, f"Targets, gaps and priority, {page.caption}")
        self._load_target()

    def _load_target(self) -> None:
        row = self.targets[self.targets["subarea_id"] == self.subarea.value]
        if not len(row):
            return
        r = row.iloc[0]
        for which, w in (("short", self.short), ("long", self.long)):
            default = r[f"{which}_term_default"]
            w.options = [(f"default ({fmt_cell(default)})", "")] + [(str(lv), str(lv)) for lv in range(1, 6)]
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
        self.say(True, f"saved: exposure {done['level']} ({EXPOSURE_NAMES[done['level']]})",
                 status=self.exposure_status)
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
        self.say(True, f"saved: {sid} short-term {done['short_term_target']} ({done['short_term_source']}), "
                       f"long-term {done['long_term_target']} ({done['long_term_source']}); priority "
                       f"{fmt_cell(done['priority'])}")
        return True

    def conflict(self, exc: Conflict) -> None:
        current = exc.current or {}
        if "version" in current:
            if "level" in current:
                self._exposure_version = int(current["version"])
            else:
                self._target_version = int(current["version"])


class SuggestionsSection(_Section):
    title = "Suggestions"

    def build(self) -> list:
        label = {"description_width": "9em"}
        fw = self.page.store.framework
        self.horizon = widgets.ToggleButtons(options=[("to the long-term target", "long"),
                                                      ("short-term only", "short")], value="long",
                                             description="Horizon", style=label)
        self.pillar = widgets.Dropdown(options=[("all pillars", "")] + [(f"{p.id} {p.name}", p.id) for p in fw.pillars],
                                       value="", description="Pillar", style=label)
        self.top = widgets.IntText(value=DEFAULT_TOP, description="Top sub-areas", style=label,
                                   layout=widgets.Layout(width="16em"), tooltip="0: every sub-area with a gap")
        self.show_button = widgets.Button(description="Show suggestions")
        self.table = widgets.HTML()
        self.choice = widgets.SelectMultiple(options=[], description="Accept", rows=10, style=label,
                                             layout=widgets.Layout(width="95%"))
        self.accept_button = widgets.Button(description="Accept selected", button_style="primary")
        self.status = widgets.HTML()
        self.suggestions = pd.DataFrame()
        self.shown = pd.DataFrame()
        self.show_button.on_click(self.show)
        self.accept_button.on_click(self.accept)
        help_ = ('<p class="mbm-help">Suggestions come from the gaps and the action library, most urgent sub-area '
                 "first. Accepting one adds it to the recommendations with its prerequisites that are not in the "
                 "list yet; edit them afterwards in the Recommendations tab.</p>")
        return [widgets.HTML("<h2>Suggested actions</h2>" + help_), self.horizon,
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
            self.say(False, "cannot show suggestions", problems)
            return False
        fw = page.store.framework
        shown = self.suggestions
        if pillar:
            shown = shown[[fw.pillar_of(s).id == pillar for s in shown["subarea_id"]]]
        recs = page.rm.recommendations_frame(page.assessment.id)
        accepted = {s: i for s, i in zip(recs["source_action_id"], recs["id"]) if isinstance(s, str)}
        shown = shown.assign(in_list=[f"#{accepted[k]}" if k in accepted else "" for k in shown["key"]])
        self.shown = shown
        caption = (f"{len(shown)} suggestion{'s' if len(shown) != 1 else ''}"
                   + (f" (the first {MAX_SHOWN_SUGGESTIONS} shown)" if len(shown) > MAX_SHOWN_SUGGESTIONS else ""))
        self.table.value = table_html(
            shown.head(MAX_SHOWN_SUGGESTIONS),
            [("key", "Action"), ("subarea_id", "Sub-area"), ("target_level", "Step to"), ("action_type", "Type"),
             ("horizon", "Horizon"), ("cost_band", "Cost"), ("priority", "Priority"), ("title", "Title"),
             ("prerequisites", "Needs"), ("in_list", "In the list")], caption, css_class="mbm-suggestions",
            row_header="key", empty="no gap to close with these filters.")
        self.choice.options = [(f"{r['key']} · {r['title'][:90]}", r["key"]) for r in shown.to_dict("records")
                               if not r["in_list"]]
        return True

    def accept(self, _button=None) -> bool:
        page = self.page
        keys = list(self.choice.value)
        if not keys:
            self.say(False, "nothing accepted: select one or more suggestions first")
            return False
        result = self.attempt("accepted", lambda who: page.rm.accept_suggestions(
            page.assessment.id, keys, by=who, suggestions=self.suggestions))
        if result is None:
            return False
        added, already = result["added"], result["already"]
        extra = [k for k in added if k not in keys]
        text = f"accepted {len(added)} recommendation{'s' if len(added) != 1 else ''}"
        if added:
            text += f" (#{min(added.values())}-#{max(added.values())})"
        if extra:
            text += f", including {len(extra)} prerequisite{'s' if len(extra) != 1 else ''} ({', '.join(extra)})"
        if already:
            text += "; already in the list: " + ", ".join(f"{k} as #{i}" for k, i in already.items())
        page.changed(self)
        self.say(True, text)
        return True


class RecommendationsSection(_Section):
    title = "Recommendations"
    NEW = 0

    def build(self) -> list:
        label, wide, half = {"description_width": "11em"}, widgets.Layout(width="42em"), widgets.Layout(width="22em")
        fw = self.page.store.framework
        self.table = widgets.HTML()
        self.pick = widgets.Dropdown(description="Recommendation", style=label, layout=wide)
        self.subarea = widgets.Dropdown(options=[("choose a sub-area", "")] + [(f"{s.id} {s.name}", s.id)
                                                                              for p in fw.pillars for s in p.subareas],
                                        description="Sub-area", style=label, layout=wide)
        self.indicator = widgets.Dropdown(options=[("whole sub-area", "")], description="Indicator", style=label,
                                          layout=wide)
        self.target_level = widgets.Dropdown(options=[("choose", "")] + [(str(i), str(i)) for i in range(1, 6)],
                                             description="Target level", style=label, layout=half)
        self.action_type = widgets.Dropdown(options=[(t.replace("_", " "), t) for t in ACTION_TYPES],
                                            description="Action type", style=label, layout=half)
        self.title_ = widgets.Text(description="Title", style=label, layout=wide)
        self.description = widgets.Textarea(description="Description", style=label, layout=wide)
        self.lead_agency = widgets.Text(description="Lead agency", style=label, layout=wide)
        self.partners = widgets.Text(description="Partners", placeholder="separated by ;", style=label, layout=wide)
        self.cost_band = widgets.Dropdown(options=[("–", "")] + [(b, b) for b in COST_BANDS], description="Cost band",
                                          style=label, layout=half)
        self.amount = widgets.Text(description="Amount", placeholder="e.g. 250,000", style=label, layout=half)
        self.currency = widgets.Text(description="Currency", placeholder="ISO 4217, e.g. EUR", style=label,
                                     layout=half)
        self.funding_status = widgets.Dropdown(options=list(FUNDING_STATUSES), value="gap", description="Funding",
                                               style=label, layout=half)
        self.horizon = widgets.Dropdown(options=[("short (up to 18 months)", "short"), ("long (2-5 years)", "long")],
                                        value="short", description="Horizon", style=label, layout=half)
        self.prerequisites = widgets.SelectMultiple(options=[], description="Prerequisites", rows=5, style=label,
                                                    layout=wide)
        self.completion_indicator = widgets.Text(description="Completion indicator", style=label, layout=wide,
                                                 placeholder="how the team will know it is done")
        self.deadline = widgets.Text(description="Deadline", placeholder="YYYY-MM-DD", style=label, layout=half)
        self.status_ = widgets.Dropdown(options=[(s.replace("_", " "), s) for s in RECOMMENDATION_STATUSES], value="open",
                                        description="Status", style=label, layout=half)
        self.save_button = widgets.Button(description="Save recommendation", button_style="primary",
                                          layout=widgets.Layout(width="auto"))
        self.new_button = widgets.Button(description="New")
        self.remove_button = widgets.Button(description="Remove", button_style="danger",
                                            tooltip="delete; to stop a recommendation set its status to dropped")
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
        return [self.table, widgets.HTML("<h3>Add or edit a recommendation</h3>"), self.pick, self.subarea,
                self.indicator, widgets.HBox([self.target_level, self.action_type]), self.title_, self.description,
                self.lead_agency, self.partners, widgets.HBox([self.cost_band, self.funding_status]),
                widgets.HBox([self.amount, self.currency]), widgets.HBox([self.horizon, self.deadline]),
                self.prerequisites, self.completion_indicator, self.status_,
                widgets.HBox([self.save_button, self.new_button, self.remove_button]), self.status]

    def _indicator_options(self, subarea_id) -> None:
        fw = self.page.store.framework
        sa = fw.subareas.get(subarea_id) if isinstance(subarea_id, str) else None
        self.indicator.options = [("whole sub-area", "")] + ([(f"{i.id} {i.name}", i.id) for i in sa.indicators]
                                                              if sa else [])

    def refresh(self) -> None:
        page = self.page
        self.recs = page.rm.recommendations_frame(page.assessment.id)
        self.table.value = recommendations_html(self.recs, f"Recommendations, {page.caption}")
        options = [("new recommendation", self.NEW)] + [(f"#{r['id']} {r['title'][:80]}", int(r["id"]))
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
        self.amount.value = "" if _blank(r.get("amount")) else f"{r['amount']:.2f}".removesuffix(".00")
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
            self.say(True, "no changes to save")
            return True
        page.changed(self)
        self.pick.value = int(saved["id"])
        self.say(True, f"saved #{saved['id']} {saved['title']} (version {saved['version']}, by {saved['updated_by']})")
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
        self.say(True, f"removed #{gone}")
        return True

    def conflict(self, exc: Conflict) -> None:
        if (exc.current or {}).get("version") is not None:
            self.version = int(exc.current["version"])


class RoadmapSection(_Section):
    title = "Road map"

    def build(self) -> list:
        self.chart, self.problems, self.table = widgets.HTML(), widgets.HTML(), widgets.HTML()
        return [self.problems, self.chart, self.table]

    def refresh(self) -> None:
        page = self.page
        road = page.rm.roadmap(page.assessment.id)
        self.road = road
        self.chart.value = gantt_html(road.table, f"Road map, {page.caption} (plan start {road.plan_start})")
        self.problems.value = schedule_problems_html(road.problems)
        self.table.value = roadmap_html(road, f"Road map, {page.caption}")


class DonorsSection(_Section):
    title = "Initiatives"
    NEW = 0

    def build(self) -> list:
        label, wide, half = {"description_width": "8em"}, widgets.Layout(width="40em"), widgets.Layout(width="20em")
        fw = self.page.store.framework
        self.registry, self.flags = widgets.HTML(), widgets.HTML()
        self.pick = widgets.Dropdown(description="Initiative", style=label, layout=wide)
        self.donor = widgets.Text(description="Donor", style=label, layout=wide)
        self.implementer = widgets.Text(description="Implementer", style=label, layout=wide)
        self.title_ = widgets.Text(description="Title", style=label, layout=wide)
        self.budget = widgets.Text(description="Budget", placeholder="e.g. 1,200,000", style=label, layout=half)
        self.currency = widgets.Text(description="Currency", placeholder="ISO 4217, e.g. EUR", style=label,
                                     layout=half)
        self.start = widgets.Text(description="Start", placeholder="YYYY-MM-DD", style=label, layout=half)
        self.end = widgets.Text(description="End", placeholder="YYYY-MM-DD", style=label, layout=half)
        self.subareas = widgets.SelectMultiple(options=[(f"{s.id} {s.name}", s.id) for p in fw.pillars
                                                        for s in p.subareas],
                                               description="Sub-areas", rows=6, style=label, layout=wide)
        self.indicators = widgets.Text(description="Indicators", placeholder="ids separated by commas, e.g. INF.6.1",
                                       style=label, layout=wide)
        self.notes = widgets.Textarea(description="Notes", style=label, layout=wide)
        self.save_button = widgets.Button(description="Save initiative", button_style="primary",
                                          layout=widgets.Layout(width="auto"))
        self.new_button = widgets.Button(description="New")
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
        help_ = ('<p class="mbm-help">The registry belongs to the country (all rounds). The donor map flags '
                 "recommendations an initiative already covers, initiatives of different donors that overlap, "
                 "and priority gaps that nobody funds.</p>")
        return [widgets.HTML("<h2>Initiatives and donor map</h2>" + help_), self.registry,
                widgets.HTML("<h3>Add or edit an initiative</h3>"), self.pick,
                self.donor, self.implementer, self.title_, widgets.HBox([self.budget, self.currency]),
                widgets.HBox([self.start, self.end]), self.subareas, self.indicators, self.notes,
                widgets.HBox([self.save_button, self.new_button]), self.status,
                widgets.HTML("<h3>Donor map</h3>"), self.flags]

    def refresh(self) -> None:
        page = self.page
        self.inits = page.rm.initiatives_frame(page.assessment.country_code)
        self.registry.value = initiatives_html(self.inits, f"Initiatives in {page.assessment.country_name}")
        self.flags.value = donor_map_html(page.rm.donor_map(page.assessment.id))
        options = [("new initiative", self.NEW)] + [(f"I{r['id']} {r['donor']}: {r['title'][:70]}", int(r["id"]))
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
        self.budget.value = "" if _blank(r.get("budget")) else f"{r['budget']:.2f}".removesuffix(".00")
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
        self.say(True, f"saved I{saved['id']} {saved['donor']}: {saved['title']} (version {saved['version']})")
        return True

    def conflict(self, exc: Conflict) -> None:
        if (exc.current or {}).get("version") is not None:
            self.version = int(exc.current["version"])


class FollowUpSection(_Section):
    title = "Follow-up"

    def __init__(self, page: "RoadmapPage", others: list[AssessmentInfo]):
        super().__init__(page)
        self.others = others

    def build(self) -> list:
        self.other = widgets.Dropdown(options=[(a.round, a.round) for a in self.others], value=self.others[0].round,
                                      description="Compare with", style={"description_width": "8em"})
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
            self.say(False, "cannot compare", problems)
            self.view.value = ""
            return
        self.status.value = ""
        self.view.value = followup_html(fu, page.assessment.country_code)


def followup_html(fu, country: str) -> str:
    """The follow-up view: notes, dumbbell chart, pillar and sub-area deltas, targeted changes, status."""
    caption = f"{country}: {fu.followup} against {fu.baseline}"
    sub = fu.comparison.subareas
    notes = "".join(f'<p class="mbm-note" role="note">{html.escape(n)}</p>' for n in fu.notes)
    chart = figure_html(charts.figure_svg(charts.plot_followup_dumbbell(sub, title=f"Change since {fu.baseline}")),
                        describe_dumbbell(sub), caption, "mbm-dumbbell")
    cols = [("baseline", fu.baseline), ("followup", fu.followup), ("change", "Change"), ("direction", "Direction")]
    pillars = table_html(fu.comparison.pillars, [("pillar", "Pillar")] + cols, f"Pillars, {caption}",
                         css_class="mbm-followup-pillars", row_header="pillar")
    subareas = table_html(sub.assign(name=[f"{s} {n}" for s, n in zip(sub["subarea_id"], sub["subarea"])]),
                          [("name", "Sub-area")] + cols, f"Sub-areas, {caption}", css_class="mbm-followup-subareas",
                          row_header="name")
    targeted = table_html(fu.targeted, [("indicator_id", "Indicator"), ("baseline", fu.baseline),
                                        ("followup", fu.followup), ("change", "Change"), ("initiative", "Initiative"),
                                        ("donor", "Donor"), ("match", "Match")],
                          "Changed indicators and the initiatives that addressed them", css_class="mbm-targeted",
                          empty="no indicator changed.")
    status = table_html(fu.status.reset_index(), [("status", "Status"), ("short", "Short term"), ("long", "Long term"),
                                                  ("total", "Total")],
                        f"Recommendations of {fu.baseline} by status", css_class="mbm-followup-status",
                        row_header="status")
    return notes + chart + pillars + subareas + targeted + status


class RoadmapPage:
    """The road map of one assessment. Build it with :func:`open_roadmap`."""

    def __init__(self, store: Store | None, assessment: AssessmentInfo | None, *, interactive: bool = True,
                 problem: str = ""):
        self.store, self.assessment, self.interactive, self.problem = store, assessment, interactive, problem
        self.rm = RoadmapStore(store) if store is not None else None
        self.sections: list[_Section] = []
        self.user = self.tabs = self._header = None
        if assessment is None or not interactive:
            return
        others = [a for a in store.list_assessments()
                  if a.country_code == assessment.country_code and a.id != assessment.id]
        self.targets = TargetsSection(self)
        self.suggestions = SuggestionsSection(self)
        self.recommendations = RecommendationsSection(self)
        self.roadmap = RoadmapSection(self)
        self.donors = DonorsSection(self)
        self.sections = [self.targets, self.suggestions, self.recommendations, self.roadmap, self.donors]
        self.followup = None
        if others:
            self.followup = FollowUpSection(self, sorted(others, key=lambda a: (a.created_at, a.id), reverse=True))
            self.sections.append(self.followup)
        self.user = widgets.Text(description="Your name", placeholder="required before saving",
                                 style={"description_width": "5.5em"}, layout=widgets.Layout(width="24em"))
        self.user.add_class(EDITOR_FIELD_CLASS)  # filled from the browser session by our Voila template
        self._header = widgets.HTML(self._header_html())
        self.tabs = widgets.Tab(children=[s.box for s in self.sections], titles=[s.title for s in self.sections])
        self.tabs.observe(self._on_tab, "selected_index")
        self.tabs.selected_index = 0
        self.sections[0].open()
        self.widget = widgets.VBox([self.user, self.tabs])

    @property
    def ok(self) -> bool:
        return self.assessment is not None

    @property
    def caption(self) -> str:
        return f"{self.assessment.country_code} {self.assessment.label}"

    # -- what the notebook cells call ----------------------------------------------------------
    def header(self) -> None:
        """Country, round and links to the pillar pages (or the problem message)."""
        if self.interactive:
            display(HTML(self.problem) if not self.ok else self._header)

    def workspace(self) -> None:
        """The tabs where the team works (nothing in batch runs or when the assessment is unknown)."""
        if self.interactive and self.ok:
            display(self.widget)

    def summary(self) -> None:
        """For batch runs: the road map, its chart and the donor flags as HTML (the workspace shows
        them in interactive use)."""
        if self.interactive or not self.ok:
            return
        aid = self.assessment.id
        road = self.rm.roadmap(aid)
        display(HTML(targets_html(self.rm.targets(aid), f"Targets, gaps and priority, {self.caption}")))
        display(HTML(schedule_problems_html(road.problems) + roadmap_html(road, f"Road map, {self.caption}")))
        svg = charts.figure_svg(charts.plot_roadmap_gantt(road.table, title=f"Road map, {self.caption}"))
        alt = describe_gantt(road.table)
        display({"image/svg+xml": svg, "text/plain": alt}, metadata={"image/svg+xml": {"alt": alt}}, raw=True)
        display(HTML(donor_map_html(self.rm.donor_map(aid))))

    # -- for the sections ----------------------------------------------------------------------
    def who(self) -> str:
        """The editor's name from "Your name" (required, checked at every save)."""
        return parse_text(self.user.value, "Your name", max_len=MAX_SHORT, required=True)

    def open(self, title: str) -> _Section:
        """Open a tab by its title (as a click would) and return its section."""
        titles = [s.title for s in self.sections]
        if title not in titles:
            raise NotFound(f"no tab {title!r}; the tabs are {', '.join(titles)}")
        self.tabs.selected_index = titles.index(title)
        self.sections[titles.index(title)].open()
        return self.sections[titles.index(title)]

    def _on_tab(self, change) -> None:
        index = change["new"]
        if isinstance(index, int) and 0 <= index < len(self.sections):
            self.sections[index].open()

    def changed(self, source: _Section) -> None:
        """After a save: redraw the section that saved and the header; the others when next opened."""
        for s in self.sections:
            if s.built:
                s.stale = True
        source.refresh()
        source.stale = False
        self._header.value = self._header_html()

    def _header_html(self) -> str:
        e, a = html.escape, self.assessment
        nav = [f'<a href="{HOME_NOTEBOOK}">All assessments</a>']
        nav += [f'<a href="{e(page_link(notebook_for(p), a.country_code, a.round))}">{e(p.name)}</a>'
                for p in self.store.framework.pillars]
        nav.append('<strong aria-current="page">Road map</strong>')
        recs = self.rm.recommendations_frame(a.id)
        exposure = self.rm.get_exposure(a.id)
        counts = recs["horizon"].value_counts() if len(recs) else {}
        summary = (f"{len(recs)} recommendation{'s' if len(recs) != 1 else ''} "
                   f"({counts.get('short', 0)} short-term, {counts.get('long', 0)} long-term)")
        expo = (f"exposure {exposure['level']} ({EXPOSURE_NAMES[exposure['level']]})" if exposure["is_set"]
                else "exposure not set (medium used)")
        return (f'<nav aria-label="Pages of this assessment" class="mbm-nav">{" · ".join(nav)}</nav>'
                f'<p class="mbm-assessment"><strong>{e(a.country_code)} {e(a.label)}</strong> · framework '
                f"{e(a.framework_id)} {e(a.framework_version)} · status {e(a.status)}<br>"
                f"Road map: {e(summary)} · {e(expo)}</p>")


def open_roadmap(country: str, round: str, db_url: str = "", interactive: bool = True, *,
                 environ: Mapping[str, str] | None = None) -> RoadmapPage:
    """Open the road-map page of one assessment.

    Parameters
    ----------
    country, round : str
        The notebook's parameters; in Voila the page address overrides them. An empty round
        means the latest round.
    db_url : str
        Empty: ``WORKBOOK_DB_URL`` or the embedded SQLite file.
    interactive : bool
        False in batch runs: no header, no workspace, no widgets; :meth:`RoadmapPage.summary`
        shows the road map as HTML; problems raise.
    environ : mapping, optional
        Where to look for the Voila request (default ``os.environ``; for tests).
    """
    store = None
    try:
        country, round = resolve_parameters(country, round, environ)
        store = Store(db_url or None)
        code = check_country(country)
        rnd = parse_round(round) if isinstance(round, str) and round.strip() else None
        assessment = store.get_assessment(code, rnd)
    except WorkbookError as exc:
        if not interactive:
            raise
        title = "Assessment not found" if isinstance(exc, NotFound) else "Cannot open this page"
        message = "; ".join(str(p) for p in exc.problems) if isinstance(exc, InvalidInput) else str(exc)
        links = ([(page_link(ROADMAP_NOTEBOOK, a.country_code, a.round), f"{a.country_code} {a.label}")
                  for a in store.list_assessments()] if store is not None else [])
        return RoadmapPage(store, None, interactive=True, problem=problem_html(title, message, links=links))
    return RoadmapPage(store, assessment, interactive=interactive)

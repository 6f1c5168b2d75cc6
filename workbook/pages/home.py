"""The home page: your name, every assessment with its status, completion, pillar profile and
last change and links to all its pages, a link to the framework browser, and a form to create an
assessment. The notebook ``notebooks/home.ipynb`` calls :func:`open_home`.

In Voila the list is also written into the page as its first view (:mod:`.first_view`), so it is
readable before the widgets are drawn.
"""
from __future__ import annotations

from collections.abc import Mapping

import ipywidgets as widgets
import pandas as pd
from IPython.display import HTML, display
from markupsafe import Markup

from ..countries import is_user_assigned, search_countries
from ..errors import InvalidInput, Problems, WorkbookError
from ..framework import Pillar
from .. import config
from ..i18n.content import translated_framework
from ..i18n.messages import N_, translator
from ..inputs import MAX_LONG, parse_text
from ..present.charts import profile_columns
from ..present.html import TABLE_CSS, e, format_completion, format_status, svg_img, table
from ..present.palette import FAILED, OK
from ..store import AssessmentInfo, Store
from .address import (COUNTRY_RE, FRAMEWORK_NOTEBOOK, MISSION_NOTEBOOK, RESULTS_NOTEBOOK, ROADMAP_NOTEBOOK,
                      check_editor, check_lang, notebook_for, open_store, page_link, problem_html, request_parameters)
from .first_view import show_first_view
from .forms import EDITOR_FIELD_CLASS, parse_editor, signed_in_editor
from .forms.snapshot import load_snapshot

#: What the page says, in one place, marked for the catalogues (translated where shown, :func:`words`).
TEXT = {
    "caption": N_("Assessments"),
    "columns": [N_("Country"), N_("Round"), N_("Status"), N_("Completion"), N_("Pillar profile"),
                N_("Last change"), N_("Pages")],
    "empty": N_("No assessments yet. Create one below."),
    "framework": N_("Browse the framework: pillars, sub-areas, indicators and their levels"),
    "roadmap": N_("Road map"),
    "mission": N_("Field mission"),
    "results": N_("Reports, files and review"),
    "profile": N_("Pillar profile of {name}"),
}


def words(lang: str | None):
    """The page's ``gettext`` in ``lang`` (English when none)."""
    return translator(lang or "en").gettext
HOME_CSS = """<style>
.mbm-assessments td, .mbm-assessments th { vertical-align: middle; }
.mbm-assessments .mbm-pages a { white-space: nowrap; }
.mbm-assessments img { display: block; }
</style>"""


def pages_html(a: AssessmentInfo, pillars: list[Pillar], lang: str | None = None) -> str:
    """Links to every page of one assessment: its pillars, the road map, reports/files/review."""
    _ = words(lang)
    where = f"{a.country_code} {a.round}"
    links = [(page_link(notebook_for(p), a.country_code, a.round), p.name) for p in pillars]
    links += [(page_link(ROADMAP_NOTEBOOK, a.country_code, a.round), _(TEXT["roadmap"])),
              (page_link(MISSION_NOTEBOOK, a.country_code, a.round), _(TEXT["mission"])),
              (page_link(RESULTS_NOTEBOOK, a.country_code, a.round), _(TEXT["results"]))]
    return " · ".join(f'<a href="{e(href)}" aria-label="{e(text)}, {e(where)}">{e(text)}</a>' for href, text in links)


def profile_html(name: str, pillar_scores: pd.DataFrame | None, lang: str | None = None) -> str:
    """The pillar profile as a small chart with its values in the alt text (a dash when unscored)."""
    if pillar_scores is None or pillar_scores.empty:
        return "–"
    chart = profile_columns(list(pillar_scores["pillar"]), [float(v) for v in pillar_scores["score"]],
                            words(lang)(TEXT["profile"]).format(name=name))
    return svg_img(chart.svg, chart.alt)


def assessments_html(rows: list[dict], pillars: list[Pillar], *, caption: str = TEXT["caption"],
                     lang: str | None = None) -> str:
    """The list of assessments: status, completion, pillar profile, last change and links to
    every page of each.

    Links carry no name: the browser session does (see ``session_name`` in the Voila template),
    so a link copied and sent to a colleague never makes their changes appear as yours."""
    _ = words(lang)
    if not rows:
        return f'<p class="mbm-empty">{e(_(TEXT["empty"]))}</p>'
    body = []
    for r in rows:
        a: AssessmentInfo = r["info"]
        name = f"{a.country_code} {a.country_name}" + (" " + _("(fictional)") if a.fictional else "")
        body.append([name, a.round, format_status(a.status, lang=lang),
                     format_completion(r["n_rated"], r["n_applicable"], lang=lang),
                     Markup(profile_html(f"{name}, {a.round}", r.get("pillars"), lang)),
                     f"{a.updated_at:%Y-%m-%d %H:%M} UTC",
                     Markup(f'<span class="mbm-pages">{pages_html(a, pillars, lang)}</span>')])
    return HOME_CSS + TABLE_CSS + table(_(caption), [_(c) for c in TEXT["columns"]], body, numeric=(3,),
                                        cls="mbm-table mbm-assessments")


def links_html(lang: str | None = None) -> str:
    browse = words(lang)(TEXT["framework"])
    return f'<p class="mbm-home-links"><a href="{e(FRAMEWORK_NOTEBOOK)}">{e(browse)}</a></p>'


def completion_counts(framework, agreed: pd.DataFrame) -> dict[int, tuple[int, int]]:
    """Rated and applicable indicators per assessment, from ``(assessment_id, indicator_id,
    agreed)`` rows, by the scoring rules: NA is not applicable; levels and IE are rated."""
    rated_codes = {str(lv) for lv in range(1, 6)} | {"IE"}
    known = set(framework.indicators)
    out: dict[int, tuple[int, int]] = {}
    df = agreed[agreed["indicator_id"].isin(known)]
    for aid, group in df.groupby("assessment_id"):
        values = group["agreed"]
        out[int(aid)] = (int(values.isin(rated_codes).sum()), len(known) - int((values == "NA").sum()))
    return out


def assessment_rows(store: Store, *, profiles: bool = True) -> list[dict]:
    """Every assessment with its overall completion (rated / applicable indicators, in two
    queries) and, with ``profiles``, its pillar scores (``pillars``: a frame of ``pillar``,
    ``score``; scored snapshots are shared between the app's pages, see ``forms.snapshot``)."""
    counts = completion_counts(store.framework, store.agreed_ratings())
    n = len(store.framework.indicators)
    rows = []
    for a in store.list_assessments():
        pillars = load_snapshot(store, a.id).scores.pillars if profiles else None
        rows.append({"info": a, "n_rated": counts.get(a.id, (0, n))[0], "n_applicable": counts.get(a.id, (0, n))[1],
                     "pillars": pillars})
    return rows


def parse_team(text) -> list[dict]:
    """Team members from "name; organisation; role" lines (role: international or national).

    Raises :class:`InvalidInput` listing every bad line; the store checks each field again.
    """
    value = parse_text(text, "Team", max_len=MAX_LONG * 8)
    members, problems = [], Problems()
    for n, line in enumerate(value.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split(";")]
        if len(parts) != 3:
            problems.add(f"Team line {n}", "write: name; organisation; international or national")
            continue
        members.append({"name": parts[0], "organisation": parts[1], "role": parts[2]})
    problems.raise_if_any(what="team")
    return members


class HomePage:
    """Your name, all assessments with links to their pillar pages, and a form to create one."""

    def __init__(self, store: Store, editor: str = "", note: str = "", rows: list[dict] | None = None,
                 lang: str | None = None):
        self.store, self.lang = store, lang
        _ = self._ = words(lang)
        label = {"description_width": "8em"}
        wide = widgets.Layout(width="32em")
        self.user = widgets.Text(value=editor, description=_("Your name"),
                                 placeholder=_("given once per browser session"), style=label, layout=wide)
        self.user.add_class(EDITOR_FIELD_CLASS)  # remembered for the browser session by our Voila template
        signed_in_editor(self.user, store, lang)
        self.user_note = widgets.HTML(f'<p class="mbm-note" role="status">{e(note)}</p>' if note else "")
        self.table = widgets.HTML()
        self.search = widgets.Text(description=_("Find country"), placeholder=_("name or code, e.g. Kenya or KEN"),
                                   style=label, layout=wide)
        self.country = widgets.Dropdown(description=_("Country"), options=[], style=label, layout=wide)
        self.fictional_name = widgets.Text(description=_("Fictional name"),
                                           placeholder=_("only for user-assigned codes such as XAA"),
                                           style=label, layout=wide)
        self.round = widgets.Text(description=_("Round"), placeholder=_("e.g. baseline 2026"), style=label,
                                  layout=wide)
        self.team = widgets.Textarea(description=_("Team"), placeholder=_("one per line: name; organisation; "
                                                                          "international or national"), style=label,
                                     layout=widgets.Layout(width="48em", height="6em"))
        self.create_button = widgets.Button(description=_("Create assessment"), tooltip=_("Create the assessment"))
        self.status = widgets.HTML()
        self.search.observe(self._on_search, "value")
        self.create_button.on_click(self.create)
        new = _("New assessment")
        self.widget = widgets.VBox([
            self.user, self.user_note, widgets.HTML(links_html(lang)), self.table,
            widgets.HTML(f"<h2>{e(new)}</h2>"),
            self.search, self.country, self.fictional_name, self.round, self.team,
            widgets.HBox([self.create_button, self.status])])
        self.widget.add_class("mbm-home")
        self.refresh(rows)

    def refresh(self, rows: list[dict] | None = None) -> None:
        self.table.value = self.list_html(rows)

    def list_html(self, rows: list[dict] | None = None) -> str:
        rows = assessment_rows(self.store) if rows is None else rows
        pillars = translated_framework(self.store.framework, self.lang).pillars if self.lang not in (None, "en") \
            else self.store.framework.pillars
        return assessments_html(rows, list(pillars), lang=self.lang)

    def _say(self, ok: bool, text_html: str) -> None:
        colour = OK if ok else FAILED
        self.status.value = f'<span role="status" aria-live="polite" style="color:{colour}">{text_html}</span>'

    def _on_search(self, change) -> None:
        try:
            text = parse_text(change["new"], "Find country", max_len=60)
        except InvalidInput as exc:
            self.country.options = []
            self._say(False, e(str(exc.problems[0])))
            return
        options = [(f"{c.code} {c.name}", c.code) for c in search_countries(text, limit=15)]
        code = text.upper()
        if COUNTRY_RE.fullmatch(code) and is_user_assigned(code):
            options.insert(0, (self._("%(code)s (user-assigned code: fictional country)") % {"code": code}, code))
        self.country.options = options
        self.country.value = options[0][1] if options else None

    def create(self, _button=None) -> AssessmentInfo | None:
        """Create the assessment from the form; the status line says what happened."""
        code = self.country.value
        if not isinstance(code, str) or code not in {v for _, v in self.country.options}:
            self._say(False, e(self._("not created: find the country and choose it from the matches first")))
            return None
        try:
            who = parse_editor(self.user.value, self.lang)
            team = parse_team(self.team.value)
            info = self.store.create_assessment(code, self.round.value, country_name=self.fictional_name.value or None,
                                                team=team, by=who)
        except InvalidInput as exc:
            why = "; ".join(str(p) for p in exc.problems).replace(" of the page", "")
            self._say(False, e(self._("not created: %(why)s") % {"why": why}))
            return None
        except WorkbookError as exc:
            self._say(False, e(self._("not created: %(why)s") % {"why": exc}))
            return None
        said = self._("created %(country)s %(round)s: open") % {"country": info.country_code, "round": info.label}
        pillars = translated_framework(self.store.framework, self.lang).pillars if self.lang not in (None, "en") \
            else self.store.framework.pillars
        self._say(True, e(said) + " " + pages_html(info, list(pillars), self.lang))
        self.refresh()
        return info


def open_home(db_url: str = "", *, environ: Mapping[str, str] | None = None, lang: str = "") -> HomePage | None:
    """Show the home page: your name, the assessments and the create-assessment form (in Voila,
    the list first as the page's first view), in the page's language (``lang=`` in the address,
    else ``lang``, else the setting)."""
    page_lang = config.language(lang or None)
    try:
        served = True
        try:
            asked = request_parameters(environ)
            served, address_note = asked is not None, ""
            page_lang = check_lang((asked or {}).get("lang"), lang)
        except InvalidInput as exc:  # a bad address is no reason to hide the list: say it was not used
            asked, address_note = {}, words(page_lang)("the page address was not used (%(why)s)") % {
                "why": exc.problems[0].message}
        editor, note = check_editor((asked or {}).get("editor"))
        store = open_store(db_url)
        rows = assessment_rows(store)
        page = HomePage(store, editor=editor, note=note or address_note, rows=rows, lang=page_lang)
    except WorkbookError as exc:
        display(HTML(problem_html(words(page_lang)("The workbook cannot open its database"), str(exc), home=False)))
        return None
    if served:
        show_first_view(links_html(page_lang) + page.table.value, label=words(page_lang)(TEXT["caption"]),
                        until=(".mbm-home",))
    display(page.widget)
    return page

"""Helpers shared by the report tests (country report, PDF, brief, comparison, accessibility, batch):
reading report HTML, and the rich demo database with a road map, initiatives and a follow-up round."""
from __future__ import annotations

import datetime as dt
import functools
import html
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from support.databases import clear_roadmap
from workbook.present.charts import subarea_chart
from workbook.present.levels import subarea_table_html
from workbook.i18n.countries import assessment_label
from workbook.i18n.messages import translator
from workbook.report import load_report_data
from workbook.roadmap import RoadmapStore
from workbook.store import Store


# -- reading the HTML ----------------------------------------------------------------------
URL_ATTRS = {"src", "href", "data", "srcset", "poster", "action", "formaction", "background", "xlink:href",
             "manifest", "cite", "longdesc"}
CSS_URL = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"]?)\s*(?:https?:)?//""", re.I)


@dataclass
class Element:
    tag: str
    attrs: dict
    text: str = ""
    children: list = field(default_factory=list)


class ReportPage(HTMLParser):
    """The parts of a report the tests look at: headings, tables, images, loads, text."""

    VOID = {"meta", "img", "br", "hr", "link", "input", "source", "area", "col", "base", "wbr", "embed"}

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self.headings: list[tuple[int, str]] = []
        self.tables: list[list[list[tuple[str, str]]]] = []  # table -> rows -> (cell tag, text)
        self.styles: list[str] = []
        self._stack: list[Element] = []
        self._row: list | None = None
        self._cell: list | None = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        el = Element(tag, {k: (v or "") for k, v in attrs})
        self.elements.append(el)
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self._row = []
            self.tables[-1].append(self._row)
        elif tag in ("th", "td") and self._row is not None:
            self._cell = [tag, ""]
            self._row.append(self._cell)
        if tag not in self.VOID:
            self._stack.append(el)

    def handle_endtag(self, tag):
        while self._stack:
            el = self._stack.pop()
            if re.fullmatch(r"h[1-6]", el.tag):
                self.headings.append((int(el.tag[1]), " ".join(el.text.split())))
            if el.tag == "style":
                self.styles.append(el.text)
            if el.tag == tag:
                break
        if tag in ("th", "td"):
            self._cell = None

    def handle_data(self, data):
        for el in self._stack:
            el.text += data
        if self._cell is not None:
            self._cell[1] += data

    def find(self, tag: str) -> list[Element]:
        return [e for e in self.elements if e.tag == tag]

    def table_with_caption(self, start: str) -> list[list[tuple[str, str]]]:
        captions = [" ".join(c.text.split()) for c in self.find("caption")]
        for caption, table in zip(captions, self.tables):
            if caption.startswith(start):
                return [[(t, " ".join(x.split())) for t, x in row] for row in table]
        raise AssertionError(f"no table captioned {start!r}; captions: {captions}")


def plain_text(html_text: str) -> str:
    """The text of a piece of report HTML as a reader sees it: styles and scripts dropped, each tag a
    space, entities decoded, whitespace squashed."""
    shown = re.sub(r"<(style|script)\b.*?</\1>", " ", html_text, flags=re.S | re.I)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", shown)).split())


def between(html_text: str, start_id: str, end_id: str | None = None) -> str:
    """The HTML from the element with id ``start_id`` to the one with ``end_id`` (or the end)."""
    start = html_text.index(f'id="{start_id}"')
    return html_text[start:html_text.index(f'id="{end_id}"', start) if end_id else None]


def remote_loads(html_text: str) -> list[str]:
    """Every resource the page would fetch from the network (attributes, CSS urls, imports)."""
    page = ReportPage(html_text)
    found = []
    for el in page.elements:
        for name, value in el.attrs.items():
            v = value.strip().lower()
            if name in URL_ATTRS and (v.startswith(("http:", "https:", "//")) or "://" in v.split(",")[0]):
                found.append(f"<{el.tag} {name}={value[:80]}>")
            if name == "style" and CSS_URL.search(value):
                found.append(f"<{el.tag} style={value[:80]}>")
    found += [f"<style> {m.group(0)}" for css in page.styles for m in CSS_URL.finditer(css)]
    return found


def check_heading_order(headings: list[tuple[int, str]]) -> None:
    assert headings and headings[0][0] == 1, headings[:3]
    assert sum(1 for level, _ in headings if level == 1) == 1, "exactly one h1"
    for (prev, _), (level, text) in zip(headings, headings[1:]):
        assert level <= prev + 1, f"heading {text!r} jumps from h{prev} to h{level}"


# -- inputs: a demo database with a road map, initiatives and a follow-up round ------------------
SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'
FOLLOW_UP = "follow-up 2027"
INITIATIVES = [
    {"donor": "EU", "implementer": "IOM", "title": "Border information systems phase 1", "budget": 2_000_000,
     "currency": "EUR", "start_date": dt.date(2026, 1, 1), "end_date": dt.date(2028, 12, 31),
     "subareas": ["INF.1", "INF.2"]},
    {"donor": "Japan", "implementer": "UNODC", "title": "Alert list clean-up", "budget": 300_000,
     "currency": "USD", "start_date": dt.date(2026, 6, 1), "end_date": dt.date(2027, 6, 30),
     "subareas": ["INF.2"]},
]


def add_follow_up(store: Store, code: str, round_name: str = FOLLOW_UP, up_pillar: str = "INF") -> None:
    """A later round: the baseline's ratings, one level up in one pillar."""
    base = store.get_assessment(code, "baseline 2026")
    later = store.create_assessment(code, round_name, country_name=base.country_name, by="test", team=[
        {"name": n, "organisation": o, "role": r} for n, o, r in base.team])
    ev = store.evidence_frame(base.id)
    rows = []
    for r in store.ratings_frame(base.id).itertuples():
        if r.agreed is None:
            continue
        agreed = r.agreed
        if agreed.isdigit() and r.pillar_id == up_pillar:
            agreed = str(min(5, int(agreed) + 1))
        evidence = [{"type": x.type, "source": x.source, "date": x.date, "reference": x.reference,
                     "supplied_by": x.supplied_by} for x in ev[ev["indicator_id"] == r.indicator_id].itertuples()]
        rows.append({"indicator_id": r.indicator_id, "agreed": agreed, "notes": r.notes, "evidence": evidence,
                     **{k: v for k, v in (("national", r.national), ("external", r.external)) if isinstance(v, str)}})
    store.save_many(later.id, rows, by="test")


@functools.cache
def rich_database(template: str, folder: str) -> str:
    # built once per session (the ``rich_url`` fixture in conftest.py)
    path = Path(folder) / "workbook.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(template, path)
    url = f"sqlite:///{path}"
    store = Store(url)
    rm = RoadmapStore(store)
    for code in ("XAT", "XBO"):  # the demo commits road maps: XAT's is built here, XBO's is left empty
        clear_roadmap(store, code, "baseline 2026")
    xat = store.get_assessment("XAT", "baseline 2026")
    rm.add_recommendations(xat.id, rm.suggest(xat.id, horizon="short", top=2).to_dict("records"), by="test")
    rm.add_initiatives(xat.id, INITIATIVES, by="test")
    add_follow_up(store, "XAT")
    later = store.get_assessment("XAT", FOLLOW_UP)
    rm.add_recommendations(later.id, rm.suggest(later.id, horizon="short", top=2).to_dict("records"), by="test")
    return url


# -- a framework 2.0 story built with the store API, for the report's 2.0 chapters --------------
@dataclass(frozen=True)
class Story:
    """What :func:`tell_story` recorded, and where each rule of the report shows."""

    assessment_id: int
    criteria: str = "INF.3.1"         # criteria give 2: met, not met, NA and unanswered at level 3
    gated: str = "REG.1.1"            # level 4's criteria met, one of level 3's not: practice ahead of paper
    override: str = "INF.5.1"         # criteria give 2, agreed 3 with a reason
    ie: str = "INF.2.1"               # insufficient evidence: verify first
    normative: str = "REG.6.1"        # 5 of its 8 normative criteria met
    no_sea: str = "OPS.7.4"           # sea only: not applicable to a landlocked country
    moderated: str = "OPS.2.3"        # moved from 2 to 1 in the consensus session
    held_on: dt.date = field(default_factory=lambda: dt.date.today() - dt.timedelta(days=3))
    reason: str = "The security policy was signed during the mission; the asset register follows it."
    why_moderated: str = "No screening or referral was seen at any post visited; the draft is not in use."
    participants: tuple[str, ...] = ("Maria Okafor", "Ana Ferreira", "Idris Benali")


def _evidence(kind: str, indicator_id: str) -> list[dict]:
    return [{"type": kind, "source": f"{kind} for {indicator_id}", "date": dt.date.today() - dt.timedelta(days=30),
             "reference": f"{indicator_id}/1", "supplied_by": "assessment team"}]


def _capacity(framework, indicator_id: str, level: int) -> list[str]:
    return [c.id for c in framework.indicator(indicator_id).levels[level - 1].criteria if not c.normative]


def tell_story(store: Store, code: str = "XAT") -> Story:
    """A landlocked country rated against framework 2.0: OPS.2 with three indicators at 4 and
    protection screening at 1 (agreed in a consensus session), ADM.4 at 4/2/4 (median with a
    floor reads 3 with a warning), and one indicator for each criteria rule (see :class:`Story`)."""
    fw = store.framework
    a = store.create_assessment(code, "baseline 2026", country_name="Atlantis", by="Maria Okafor", team=[
        {"name": n, "organisation": "Assessment team", "role": "international"} for n in Story.participants])
    story = Story(a.id)
    observed = {i: "4" for i in ("OPS.2.1", "OPS.2.2", "OPS.2.4", "ADM.4.1", "ADM.4.3")}
    rows = [{"indicator_id": i, "agreed": lv, "notes": f"Seen at the airport and the main land crossing ({i}).",
             "evidence": _evidence("observation", i)} for i, lv in observed.items()]
    rows += [{"indicator_id": i, "agreed": "2", "notes": "A draft exists; not applied.",
              "evidence": _evidence("interview", i)} for i in ("OPS.2.3", "ADM.4.2", "OPS.6.3")]
    rows += [{"indicator_id": story.ie, "agreed": "IE", "notes": "The rules for alerts were not shown to the team."},
             {"indicator_id": story.normative, "agreed": "3", "notes": "Treaty register kept by the ministry.",
              "evidence": _evidence("law", story.normative)},
             {"indicator_id": story.override, "agreed": "3", "notes": "Security policy adopted.",
              "evidence": _evidence("sop", story.override)}]
    store.save_many(a.id, rows, by="Maria Okafor")
    store.set_crossing_profile(a.id, kinds=["air", "land"], landlocked=True, by="Maria Okafor")
    c = functools.partial(_capacity, fw)
    answers = {x: "yes" for x in c(story.criteria, 2)}
    three = c(story.criteria, 3)
    answers |= {three[0]: "yes", three[1]: "no", three[2]: "na"}
    answers |= {x: "yes" for x in c(story.gated, 2) + c(story.gated, 3)[1:] + c(story.gated, 4)}
    answers[c(story.gated, 3)[0]] = "no"
    answers |= {x: "yes" for x in c(story.override, 2)} | {c(story.override, 3)[0]: "no"}
    normative = [x.id for x in fw.indicator(story.normative).criteria if x.normative]
    answers |= {x: "yes" if k < 5 else "no" for k, x in enumerate(normative)}
    store.save_criteria(a.id, answers, by="Ana Ferreira")
    store.save_rating(a.id, story.override, by="Maria Okafor", agreed="3", override_reason=story.reason)
    store.record_moderation(a.id, held_on=story.held_on, participants=list(story.participants),
                            changes=[{"indicator_id": story.moderated, "agreed": "1", "note": story.why_moderated}],
                            by="Maria Okafor")
    return story


@functools.cache
def load_data(url: str, code: str, round_name: str | None):
    return load_report_data(code, round_name, store=Store(url))


def executed_notebook(data, pillar_id: str) -> nbformat.NotebookNode:
    """A pillar notebook as papermill leaves it: parameters, no-report and report cells, the
    report cells holding what ``PillarPage.scores_table()`` and ``.chart()`` display: the kit's
    sub-area table (``present.levels``) and the report chart (``present.charts.subarea_chart``)."""
    fw_pillar = data.framework.pillar(pillar_id)
    sub = data.scores.subareas[data.scores.subareas["pillar_id"] == pillar_id]
    row = data.scores.pillars.set_index("pillar_id").loc[pillar_id]
    caption = translator(data.lang).gettext("%(pillar)s: sub-area scores, %(country)s %(round)s") % {
        "pillar": fw_pillar.name, "country": data.info.country_code, "round": assessment_label(data.info, data.lang)}
    chart = subarea_chart(sub, fw_pillar.name, data.lang)
    nb = new_notebook()
    nb.cells = [
        new_markdown_cell(f"# Notebook title {pillar_id}"),
        new_code_cell('country = "XAT"', metadata={"tags": ["parameters"]}),
        new_code_cell('country = "XAT"\nround = ""\ninteractive = False', metadata={"tags": ["injected-parameters"]},
                      outputs=[new_output("stream", name="stdout", text="PARAMS-OUTPUT\n")]),
        new_code_cell("from workbook.pages import open_pillar\npage.header()", metadata={"tags": ["no-report"]},
                      outputs=[new_output("display_data", data={"text/html": "<p>INTERACTIVE-OUTPUT</p>"})]),
        new_code_cell("page.form()", metadata={"tags": ["no-report"]},
                      outputs=[new_output("display_data", data={
                          "application/vnd.jupyter.widget-view+json": {"model_id": "abc", "version_major": 2,
                                                                       "version_minor": 0},
                          "text/plain": "VBox(children=(WIDGET-PLACEHOLDER,))"})]),
        new_code_cell("page.scores_table()", metadata={"tags": ["report"]},
                      outputs=[new_output("display_data",
                                          data={"text/html": subarea_table_html(sub, row, caption, data.lang)}),
                               new_output("stream", name="stderr", text="STDERR-NOISE\n"),
                               new_output("display_data", data={
                                   "application/vnd.jupyter.widget-view+json": {"model_id": "def"},
                                   "text/plain": "HTML(value='WIDGET-IN-REPORT')"})]),
        new_code_cell("page.chart()", metadata={"tags": ["report"]},
                      outputs=[new_output("display_data", data={"image/svg+xml": chart.svg, "text/plain": chart.alt},
                                          metadata={"image/svg+xml": {"alt": chart.alt}})]),
        new_code_cell("print('untagged')", outputs=[new_output("stream", name="stdout", text="UNTAGGED\n")]),
    ]
    return nb


def notebooks_for(data) -> dict:
    return {p.id: executed_notebook(data, p.id) for p in data.framework.pillars}


# -- reading PDFs -----------------------------------------------------------------------------
def pdf_pages_text(path) -> list[str]:
    """The text of each page (form feeds separate pages in pdftotext's output)."""
    if shutil.which("pdftotext"):
        out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True)
        return out.stdout.split("\f")[:-1] if out.stdout.endswith("\f") else out.stdout.split("\f")
    pypdf = pytest.importorskip("pypdf", reason="neither pdftotext (poppler-utils) nor pypdf is installed")
    return [p.extract_text() or "" for p in pypdf.PdfReader(str(path)).pages]


def pdf_page_count(path) -> int:
    if shutil.which("pdfinfo"):
        out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
        return int(re.search(r"^Pages:\s+(\d+)", out, re.M).group(1))
    pypdf = pytest.importorskip("pypdf", reason="neither pdfinfo (poppler-utils) nor pypdf is installed")
    return len(pypdf.PdfReader(str(path)).pages)


# -- restricted content (findings, notes and evidence left out of what donors read) ------------
@dataclass(frozen=True)
class Secrets:
    """What :func:`restricted_database` marked restricted in XAT's follow-up, and its text."""

    url: str
    finding: str = "ADM.1.1"          # the whole finding restricted: levels, note, evidence
    note: str = "ADM.1.2"             # only its note restricted
    evidence: str = "ADM.1.3"         # one evidence record of two restricted
    texts: tuple[str, ...] = ("Seaport officers take bribes (Kestrel file)", "Kestrel informant names: A.B., C.D.",
                              "Radar blind spot at kilometre 42 (Kestrel)", "Kestrel interview, port officer")


def restricted_database(rich_url: str, folder: Path) -> Secrets:
    """A copy of the rich database whose XAT follow-up has a restricted finding (with its evidence),
    a restricted note and a restricted evidence record, each with text found nowhere else."""
    path = folder / "restricted.db"
    with sqlite3.connect(rich_url.removeprefix("sqlite:///")) as src, sqlite3.connect(path) as dst:
        src.backup(dst)  # the write-ahead log included
    secrets = Secrets(f"sqlite:///{path}")
    store = Store(secrets.url)
    a = store.get_assessment("XAT", FOLLOW_UP)
    bribe, names, radar, interview = secrets.texts
    store.save_rating(a.id, secrets.finding, agreed="1", notes=bribe, by="test")
    store.add_evidence(a.id, secrets.finding, type="interview", source=interview, by="test")
    store.save_rating(a.id, secrets.note, notes=names, by="test")
    store.add_evidence(a.id, secrets.evidence, type="law", source="Border law, published", by="test")
    hidden = store.add_evidence(a.id, secrets.evidence, type="observation", source=radar, by="test")
    store.set_restricted(a.id, indicator_id=secrets.finding, by="test")
    store.set_restricted(a.id, indicator_id=secrets.note, what="notes", by="test")
    store.set_restricted(a.id, evidence_id=hidden, what="evidence", by="test")
    return secrets

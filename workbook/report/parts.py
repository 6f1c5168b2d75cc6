"""What every report document is built from: cells of HTML, chapter headings, the numbering of
figures and tables, and the document's metadata (read by the template and the PDF printer).

A report is a notebook of outputs only: each chapter is an ``html_cell`` holding the markup
that a function ``chapter(data, numbering) -> str`` wrote with the kit of
:mod:`workbook.present`.
"""
from __future__ import annotations

from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_output

from ..i18n.messages import N_, translator
from ..present.html import e
from .data import ReportData


#: Chapter titles in English (marked for the catalogues); :func:`chapter_title` gives them in the report's language.
CHAPTER_TITLES = {"summary": N_("Executive summary"), "contributions": N_("Contribution areas"),
                  "mission": N_("Crossing points visited"), "roadmap": N_("Road map"), "donors": N_("Donor map"),
                  "logframe": N_("Results framework (logframe)"),
                  "annex-method": N_("Annex A. Methodology and moderation"),
                  "annex-ratings": N_("Annex B. Ratings, criteria and evidence"),
                  "annex-team": N_("Annex C. The assessment team"),
                  "annex-crosswalk": N_("Annex D. Crosswalk to SDG 10.7 and GCM objectives 7 and 11")}


def chapter_title(data: ReportData, chapter_id: str) -> str:
    """A chapter's title in the report's language (a pillar chapter's is the pillar's name)."""
    t = translator(data.lang)
    if chapter_id.startswith("pillar-"):
        return data.framework.pillar(chapter_id.removeprefix("pillar-")).name
    if chapter_id == "follow-up":
        return t.gettext("Follow-up since %(round)s") % {"round": data.follow_up.baseline}
    return t.gettext(CHAPTER_TITLES[chapter_id])


class Numbering:
    """Figures and tables numbered in document order ("Figure 3.", "Table 7."), in ``lang``."""

    def __init__(self, lang: str | None = None):
        self.figures: list[str] = []
        self.tables: list[str] = []
        self._t = translator(lang or "en")

    def figure(self, caption: str) -> str:
        self.figures.append(caption)
        return self._t.gettext("Figure %(n)s. %(caption)s") % {"n": len(self.figures), "caption": caption}

    def table(self, caption: str) -> str:
        self.tables.append(caption)
        return self._t.gettext("Table %(n)s. %(caption)s") % {"n": len(self.tables), "caption": caption}


def html_cell(markup: str, tag: str) -> NotebookNode:
    out = new_output("display_data", data={"text/html": markup})
    return new_code_cell(source="", outputs=[out], metadata={"tags": [tag]})


def para(text: str) -> str:
    """A paragraph of plain text, escaped."""
    return f"<p>{e(text)}</p>"


def heading3(anchor: str, title: str) -> str:
    """A section heading with its anchor."""
    return f'<h3 id="{e(anchor)}">{e(title)}</h3>'


def lead(title: str) -> str:
    """A paragraph's bold lead-in ("Warning:")."""
    return f"<strong>{e(title)}</strong>"


#: The longest chapter title the printed page's running header shows in full (a longer one is cut
#: at a word and ends with "…"), so that it and the report's running title stay on one line each.
RUNNING_CHAPTER = 45


def running_chapter(title: str, limit: int = RUNNING_CHAPTER) -> str:
    """``title`` as the page header shows it: whole, or cut at the last word that fits, with "…"."""
    title = " ".join(title.split())
    if len(title) <= limit:
        return title
    cut = title[:limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:.·-–—(")
    return cut + "…"


def chapter_heading(chapter_id: str, title: str, intro: str = "") -> str:
    return (f'<h2 id="{e(chapter_id)}" class="mbm-chapter" data-running="{e(running_chapter(title))}">{e(title)}</h2>'
            + (f"<p>{e(intro)}</p>" if intro else ""))


def report_metadata(data: ReportData, kind: str) -> dict:
    return {"kind": kind, "running": data.running_title, "status": data.info.status,
            "country": data.info.country_code, "round": data.info.round,
            "lang": data.lang, "dir": data.direction}  # the template writes <html lang dir> from these

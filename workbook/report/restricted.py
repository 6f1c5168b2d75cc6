"""Restricted content in reports (findings, notes and evidence a team marked restricted,
``workbook restrict``).

* The **country report** shows everything its reader may read; when that includes restricted
  content it says so in a banner on the cover, and its printed pages carry the mark in their
  footer (the print stylesheet takes the banner's mark into the page margins: CSS
  ``string-set`` in WeasyPrint, emulated for Chromium in :mod:`workbook.report.chromium`).
* The **donor brief** and the **comparison report** are built from data read as donors see it
  (``load_report_data(..., for_donors=True)``): the restricted content is left out, and a sentence
  says how many items were left out (never what). Data that holds restricted content is refused.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from ..errors import WorkbookError
from ..i18n.messages import translator
from ..present.html import e
from .data import ReportData


class RestrictedContent(WorkbookError):
    """A document for donors was given data that holds restricted content; nothing was written."""


def require_donor_data(documents: Iterable[ReportData], what: str) -> None:
    """Refuse data read in full that holds restricted content for a document donors read."""
    held = [f"{d.info.country_code} {d.info.round}" for d in documents if d.holds_restricted]
    if held:
        raise RestrictedContent(f"the {what} is for donors, but the data of {', '.join(held)} holds restricted "
                                "findings, notes or evidence: read it with load_report_data(..., for_donors=True); "
                                "nothing was written")


def _counted(counts: Mapping[str, int], lang: str) -> str:
    t = translator(lang)
    words = {"findings": t.ngettext("%(n)d restricted finding", "%(n)d restricted findings", counts.get("findings", 0)),
             "notes": t.ngettext("%(n)d restricted note", "%(n)d restricted notes", counts.get("notes", 0)),
             "evidence": t.ngettext("%(n)d restricted evidence record", "%(n)d restricted evidence records",
                                    counts.get("evidence", 0))}
    return ", ".join(words[k] % {"n": counts[k]} for k in words if counts.get(k))


def left_out_html(documents: Iterable[ReportData], lang: str) -> str:
    """A sentence saying how many restricted items were left out ("" when none was)."""
    total: dict[str, int] = {}
    for d in documents:
        for k, n in d.left_out.items():
            total[k] = total.get(k, 0) + n
    if not total:
        return ""
    t = translator(lang)
    text = t.gettext("Left out as restricted: %(items)s. Levels are computed without the restricted findings; "
                     "the assessment team holds the full report.") % {"items": _counted(total, lang)}
    return f'<p class="mbm-left-out" role="note">{e(text)}</p>'


def restricted_banner_html(data: ReportData) -> str:
    """The cover's banner of a report that holds restricted content ("" otherwise); its mark is
    printed in the footer of every page."""
    if not data.holds_restricted:
        return ""
    t = translator(data.lang)
    text = t.gettext("This report contains %(items)s. Share it only with people cleared to read them; the donor "
                     "brief, the comparison report and packages for donors leave them out.") % {
        "items": _counted(data.restricted, data.lang)}
    mark = t.gettext("Restricted")  # outside the f-string: Babel does not extract from inside one
    return (f'<p class="mbm-restricted" role="note"><strong class="mbm-restricted-mark">{e(mark)}'
            f"</strong> {e(text)}</p>")

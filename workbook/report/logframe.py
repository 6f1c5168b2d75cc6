"""The chapter "Results framework (logframe)": the committed road map as a donor's logframe.

Impact (SDG target 10.7 and the GCM objectives the packages serve), outcomes (one per sub-area the
packages raise: its indicators from the level today to the level reached), outputs (one per
committed package), each with its indicators, means of verification, and assumptions and risks,
as :func:`workbook.roadmap.logframe.build_logframe` builds them (the same rows as the Excel sheet
of ``workbook roadmap XAT logframe``). In a report only when the team committed a road map.
"""
from __future__ import annotations

from ..i18n.messages import N_, translator
from ..present.html import e, table
from .data import ReportData
from .parts import Numbering, chapter_heading, chapter_title

CHAPTER = "logframe"  # its title: parts.CHAPTER_TITLES, in the report's language
LEVELS = {"impact": N_("Impact"), "outcome": N_("Outcome"), "output": N_("Output")}


def logframe_html(data: ReportData, n: Numbering) -> str:
    """The chapter (empty when no road map is committed)."""
    _ = translator(data.lang).gettext
    head = chapter_heading(CHAPTER, chapter_title(data, CHAPTER))
    if data.funding is None:
        if not data.funding_problem:
            return ""
        return head + "<p>" + e(_("The committed road map cannot be costed yet, so it has no logframe: %(problem)s") % {
            "problem": data.funding_problem.splitlines()[0]}) + "</p><ul>" + "".join(
            f"<li>{e(x.strip().removeprefix('- '))}</li>" for x in data.funding_problem.splitlines()[1:]) + "</ul>"
    frame = data.funding.logframe
    counts = frame["level"].value_counts()
    intro = _("The results the committed road map is built to reach, from the impact down to the outputs the "
              "packages deliver: %(outcomes)d outcomes (the sub-areas the packages raise) and %(outputs)d outputs "
              "(one per committed package). The indicators of an outcome are the framework's own, from the level "
              "today to the level the packages bring them to; they are verified by the criteria of that level, "
              "in the follow-up assessment.") % {"outcomes": int(counts.get("outcome", 0)),
                                                 "outputs": int(counts.get("output", 0))}
    rows = [[f"{_(LEVELS[r.level])} {r.ref}", r.result, r.indicators, verification(r.verification), r.assumptions]
            for r in frame.itertuples()]
    body = table(n.table(_("Logframe of the committed road map")),
                 [_("Level"), _("Result"), _("Indicators"), _("Means of verification"), _("Assumptions and risks")],
                 rows, cls="mbm-wide", widths=(10, 21, 24, 27, 18))
    return head + f"<p>{e(intro)}</p>" + body


def verification(text: str) -> str:
    """The means of verification of a row, its criteria one after the other: ``a; b``."""
    return "; ".join(x.strip().rstrip(".") for x in text.split(" | "))

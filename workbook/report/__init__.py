"""Reports: the country report, the two-page donor brief and the comparison report.

Each is composed as a notebook of outputs and rendered with our nbconvert template
(``templates/nbconvert/templates/mbm_report``) to HTML; the PDF is printed from that same HTML
with headless Chromium where it is installed, else WeasyPrint (no LaTeX, nothing downloaded; see
``workbook.report.render``). In short::

    from workbook import report
    data = report.load_report_data("XAT")                      # read and scored once
    report.build_report(data, {"ADM": "out/administration.ipynb", ...}, "report.html", pdf="report.pdf")
    donors = report.load_report_data("XAT", for_donors=True)  # restricted content left out
    report.build_brief(donors, "brief.html", pdf="brief.pdf")
    report.build_comparison([report.load_report_data(c, roadmap=False, for_donors=True) for c in ("XAT", "XBO")],
                            "comparison.html", pdf="comparison.pdf")

The HTML loads nothing from the network: no scripts, no CDN links; charts are SVG images
embedded as data with alt text stating their values. See ``docs/reports.md``.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from nbformat import NotebookNode

from .brief import compose_brief
from .comparison import compose_comparison
from .country import REPORT_TAG, ReportError, compose_report
from .data import ReportData, load_report_data
from .render import TEMPLATE_NAME, atomic_write, render_html, render_pdf, template_dir, write_pdf

__all__ = ["REPORT_TAG", "ReportData", "ReportError", "TEMPLATE_NAME", "atomic_write", "build_brief",
           "build_comparison", "build_report", "compose_brief", "compose_comparison", "compose_report",
           "load_report_data", "render_html", "render_pdf", "template_dir", "write_pdf"]


def _write(nb: NotebookNode, path: str | Path | None, pdf: str | Path | None, pdf_engine: str | None) -> str:
    text = render_html(nb)
    if path is not None:
        atomic_write(path, text)
    if pdf is not None:
        write_pdf(text, pdf, pdf_engine)
    return text


def build_report(data: ReportData, pillar_notebooks: Mapping[str, NotebookNode | str | Path],
                 path: str | Path | None, *, pdf: str | Path | None = None, pdf_engine: str | None = None) -> str:
    """Compose and render the country report: HTML to ``path`` and/or PDF to ``pdf``.

    Returns the HTML. Each file is written atomically (a temporary sibling, then a rename).
    ``pdf_engine``: ``chromium``, ``weasyprint`` or ``auto`` (default: ``WORKBOOK_PDF_ENGINE``).
    """
    return _write(compose_report(data, pillar_notebooks), path, pdf, pdf_engine)


def build_brief(data: ReportData, path: str | Path | None, *, pdf: str | Path | None = None,
                pdf_engine: str | None = None) -> str:
    """The two-page donor brief of one country (HTML and/or PDF)."""
    return _write(compose_brief(data), path, pdf, pdf_engine)


def build_comparison(assessments: Sequence[ReportData], path: str | Path | None, *,
                     pdf: str | Path | None = None, pdf_engine: str | None = None) -> str:
    """The comparison report across countries and rounds (HTML and/or PDF)."""
    return _write(compose_comparison(assessments), path, pdf, pdf_engine)

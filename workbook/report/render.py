"""Rendering: a composed notebook -> HTML with our nbconvert template -> PDF.

One template (``templates/nbconvert/templates/mbm_report``) serves the country report, the
donor brief and the comparison report; the PDF is printed from the very HTML that is written
(its print stylesheet gives page numbers, the running header, the table of contents' page
numbers and page breaks). The nbconvert exporter and its Jinja environment are built once per
process.

Two PDF engines print the same HTML, and neither may fetch anything but ``data:`` URLs:

* ``chromium``: headless Chromium through Playwright, one page kept open per process
  (``workbook.report.chromium``); about ten times faster, so the default where it is installed;
* ``weasyprint``: pure Python and Pango, no browser needed; the fallback.

``WORKBOOK_PDF_ENGINE`` (``auto``, ``chromium`` or ``weasyprint``) or the ``engine`` argument
chooses; ``auto`` takes Chromium when it is installed.
"""
from __future__ import annotations

import functools
import os
import uuid
from pathlib import Path

from nbformat import NotebookNode

from .. import config
from ..errors import WorkbookError

TEMPLATE_NAME = "mbm_report"
PDF_ENGINES = config.PDF_ENGINES


class RenderError(WorkbookError):
    """The PDF could not be printed, e.g. the HTML asked for a resource from outside."""


def template_dir() -> Path:
    """The folder holding the ``mbm_report`` template (``templates/`` is a JUPYTER_PATH root)."""
    return config.templates_dir() / "nbconvert" / "templates"


@functools.lru_cache(maxsize=4)
def _exporter(templates: str):
    # built once per process: loading the exporter and its Jinja environment is the slow part
    from nbconvert import HTMLExporter
    from traitlets.config import Config
    c = Config()
    c.HTMLExporter.template_name = TEMPLATE_NAME
    c.HTMLExporter.extra_template_basedirs = [templates]
    c.HTMLExporter.exclude_input = True
    c.HTMLExporter.exclude_input_prompt = True
    c.HTMLExporter.exclude_output_prompt = True
    c.CSSHTMLHeaderPreprocessor.enabled = False  # code highlighting CSS: the report has no code
    return HTMLExporter(config=c)


def render_html(nb: NotebookNode) -> str:
    """Render a composed notebook with the ``mbm_report`` template."""
    body, _ = _exporter(str(template_dir())).from_notebook_node(
        nb, resources={"metadata": {"name": nb.metadata.get("title", "MBM report")}})
    return body


def _fetcher():
    """WeasyPrint may fetch ``data:`` URLs only (the HTML is self-contained by design); anything
    else stops the rendering instead of going to the network or the disk."""
    from weasyprint.urls import URLFetcher
    return URLFetcher(allowed_protocols=("data",), fail_on_errors=True)


def render_pdf(html_text: str):
    """Lay the HTML out for print (a WeasyPrint ``Document``: ``.pages``, ``.write_pdf()``)."""
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError
    try:
        return HTML(string=html_text, url_fetcher=_fetcher()).render()
    except FatalURLFetchingError as exc:  # a BaseException: WeasyPrint's own handlers must not swallow it
        raise RenderError(f"{exc} refused: reports load nothing from the network or the disk") from None


def requested_engine(requested: str | None = None) -> str:
    """The engine asked for: ``requested``, else ``WORKBOOK_PDF_ENGINE``, else ``auto`` (checked,
    not resolved: ``auto`` stays ``auto``)."""
    name = (requested or os.environ.get("WORKBOOK_PDF_ENGINE") or "auto").strip().lower()
    if name not in PDF_ENGINES:
        raise RenderError(f"unknown PDF engine {name!r}: use one of {', '.join(PDF_ENGINES)}")
    return name


def pdf_engine(requested: str | None = None) -> str:
    """The engine that will print: :func:`requested_engine`, with ``auto`` resolved (Chromium when
    it is installed, else WeasyPrint)."""
    from . import chromium
    name = requested_engine(requested)
    if name == "auto":
        return "chromium" if chromium.available() else "weasyprint"
    return name


def print_pdf(html_text: str, engine: str | None = None) -> tuple[bytes, int]:
    """Print the HTML; returns the PDF and its number of pages."""
    if pdf_engine(engine) == "chromium":
        from . import chromium
        return chromium.print_pdf(html_text)
    doc = render_pdf(html_text)
    return doc.write_pdf(), len(doc.pages)


def write_pdf(html_text: str, path: str | Path, engine: str | None = None) -> int:
    """Print the HTML to a PDF file (written whole or not at all); returns the number of pages."""
    pdf, pages = print_pdf(html_text, engine)
    atomic_write(path, pdf)
    return pages


def atomic_write(path: str | Path, content: str | bytes) -> Path:
    """Write a file whole or not at all: a temporary sibling, then a rename."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp")
    try:
        if isinstance(content, str):
            tmp.write_text(content, encoding="utf-8")
        else:
            tmp.write_bytes(content)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path

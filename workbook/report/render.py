"""Rendering: a composed notebook -> HTML with our nbconvert template -> PDF with WeasyPrint.

One template (``templates/nbconvert/templates/mbm_report``) serves the country report, the
donor brief and the comparison report; the PDF is printed from the very HTML that is written
(its print stylesheet gives page numbers, the running header, the table of contents' page
numbers and page breaks). Both run in-process: the nbconvert exporter and its Jinja environment
are built once per process. WeasyPrint may fetch nothing: only ``data:`` URLs are served to it.
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


def write_pdf(html_text: str, path: str | Path) -> int:
    """Print the HTML to a PDF file; returns the number of pages."""
    doc = render_pdf(html_text)
    atomic_write(path, doc.write_pdf())
    return len(doc.pages)


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

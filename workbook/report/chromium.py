"""Printing reports to PDF with headless Chromium (Debian's ``chromium``) through Playwright.

Why: laying out a 40-page report takes WeasyPrint about 4 CPU-seconds; a Chromium page that is
kept open prints the same HTML in about 0.4 s. In a batch of 195 countries that is most of the
difference between a quarter of an hour and a few minutes (``benchmarks/batch.py``).

One browser and one page are started per process, on first use, in a thread of their own, and
reused for every document; they are closed at exit. The page may load nothing: every request that is not a
``data:`` URL is refused and reported as a :class:`RenderError`, so a report that asks for a
remote resource fails instead of printing without it.

The print stylesheet is shared with WeasyPrint. Chromium lays out ``@page`` margin boxes (page
numbers, "Page N of M") but not two of WeasyPrint's paged-media features, which are emulated:

* ``string-set`` (the running header): the first ``.mbm-running`` text becomes the literal
  content of the top-left margin box, and the restricted mark (``.mbm-restricted-mark``, in a
  report that holds restricted content) that of both bottom corners of every page;
* ``target-counter`` (the contents' page numbers): the document is printed once with an outline
  (bookmarks from the headings), the page of each heading the contents link to is read from that
  outline, written into the contents, and the document printed again (a third time only if the
  numbers moved, which they do not in practice).
"""
from __future__ import annotations

import atexit
import concurrent.futures
import hashlib
import io
import os
import re
import shutil
import threading

from ..errors import WorkbookError

CHROMIUM_ARGS = ("--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-quic", "--no-first-run", "--disable-extensions")
TIMEOUT_MS = 120_000
MAX_PASSES = 3
LAYOUTS_KEPT = 32  # documents whose contents' pages a printer remembers

_PREPARE = r"""
() => {
  const oneLine = s => s.replace(/\s+/g, " ").trim();
  const cssString = s => '"' + s.replace(/\\/g, "\\\\").replace(/"/g, '\\"') + '"';
  const style = document.createElement("style");
  style.id = "mbm-chromium-print";
  const run = document.querySelector(".mbm-running");
  let css = ".mbm-toc a.mbm-toc-filled { display: flex; align-items: baseline; }"
          + " .mbm-toc-dots { flex: 1 1 auto; border-bottom: 1px dotted #4a5763; margin: 0 .35em; min-width: 2em; }"
          + " .mbm-toc-page { flex: none; font-variant-numeric: tabular-nums; }";
  if (run) css += " @page { @top-left { content: " + cssString(oneLine(run.textContent)) + "; } }";
  const mark = document.querySelector(".mbm-restricted-mark");
  if (mark) {
    const m = cssString(oneLine(mark.textContent));
    css += " @page { @bottom-left { content: " + m + "; } @bottom-right { content: " + m + "; } }";
  }
  style.textContent = css;
  document.head.appendChild(style);
  return Array.from(document.querySelectorAll("a.mbm-toc-link")).map(a => {
    const target = document.getElementById(decodeURIComponent((a.getAttribute("href") || "").replace(/^#/, "")));
    return target ? oneLine(target.textContent) : null;
  });
}
"""

_FILL_CONTENTS = r"""
pages => {
  document.querySelectorAll("a.mbm-toc-link").forEach((a, i) => {
    if (pages[i] == null) return;
    let num = a.querySelector(".mbm-toc-page");
    if (!num) {
      const title = document.createElement("span");
      title.className = "mbm-toc-title";
      while (a.firstChild) title.appendChild(a.firstChild);
      const dots = document.createElement("span");
      dots.className = "mbm-toc-dots";
      dots.setAttribute("aria-hidden", "true");
      num = document.createElement("span");
      num.className = "mbm-toc-page";
      a.append(title, dots, num);
      a.classList.add("mbm-toc-filled");
    }
    num.textContent = String(pages[i]);
  });
}
"""


class ChromiumUnavailable(WorkbookError):
    """Chromium or Playwright is not installed (WeasyPrint prints the PDF instead)."""


def executable() -> str | None:
    """The Chromium to use: ``WORKBOOK_CHROMIUM``, else ``chromium`` on the PATH, else Debian's path."""
    configured = os.environ.get("WORKBOOK_CHROMIUM")
    if configured:
        return configured if os.path.exists(configured) else None
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    return "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None


def available() -> bool:
    """Chromium is installed and Playwright importable."""
    if executable() is None:
        return False
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return True


def _outline_pages(pdf: bytes) -> tuple[list[tuple[str, int]], int]:
    """The PDF's bookmarks in document order as (title, 1-based page), and its page count."""
    from pypdf import PdfReader
    reader = PdfReader(io.BytesIO(pdf))
    entries: list[tuple[str, int]] = []

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                page = reader.get_destination_page_number(item)
                entries.append((" ".join(str(item.title or "").split()), page + 1))
    walk(reader.outline)
    return entries, len(reader.pages)


def contents_pages(targets: list[str | None], outline: list[tuple[str, int]]) -> list[int | None]:
    """The page of each contents target: its heading's first bookmark after the previous match
    (chapter titles may repeat as sub-headings, so matching goes forward through the outline).
    Titles are compared without their spaces: Chromium's bookmark of a heading that wraps joins its
    lines with no space ("les objectifs" becomes "lesobjectifs")."""
    def bare(text: str) -> str:
        return "".join(text.split())

    bookmarks = [bare(t) for t, _ in outline]
    pages: list[int | None] = []
    start = 0
    for title in targets:
        found = None
        if title:
            for k in range(start, len(outline)):
                if bookmarks[k] == bare(title):
                    found, start = outline[k][1], k + 1
                    break
        pages.append(found)
    return pages


class ChromiumPrinter:
    """A headless Chromium page kept open for printing one document after another."""

    def __init__(self, path: str | None = None):
        self.path = path or executable()
        if not self.path:
            raise ChromiumUnavailable("Chromium not found: install Debian's chromium or set WORKBOOK_CHROMIUM")
        self._pw = self._browser = self._page = None
        self._refused: list[str] = []
        self._layouts: dict[tuple, list[int | None]] = {}  # contents titles -> their pages, last used last

    def _start(self):
        try:
            from playwright.sync_api import sync_playwright
        except ImportError as exc:
            raise ChromiumUnavailable("Playwright is not installed (pip install playwright)") from exc
        self._pw = sync_playwright().start()
        try:
            self._browser = self._pw.chromium.launch(executable_path=self.path, args=list(CHROMIUM_ARGS),
                                                     timeout=TIMEOUT_MS)
            context = self._browser.new_context(java_script_enabled=True, offline=True)
            self._page = context.new_page()
            self._page.set_default_timeout(TIMEOUT_MS)
            self._page.route(re.compile(r"^(?!data:)"), lambda route: route.abort("blockedbyclient"))
            self._page.on("requestfailed", lambda request: self._refused.append(request.url))
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        for thing, method in ((self._browser, "close"), (self._pw, "stop")):
            if thing is not None:
                try:
                    getattr(thing, method)()
                except Exception:  # noqa: BLE001 - closing a browser that already died
                    pass
        self._pw = self._browser = self._page = None

    def _pdf(self, outline: bool) -> bytes:
        # tagged: the outline (bookmarks) is built from the tag tree, and tags help screen readers
        return self._page.pdf(prefer_css_page_size=True, print_background=True, outline=outline, tagged=True)

    def print(self, html_text: str) -> tuple[bytes, int]:
        """Print self-contained HTML; returns the PDF and its page count."""
        from .render import RenderError
        if self._page is None:
            self._start()
        self._refused.clear()
        self._page.set_content(html_text, wait_until="load")
        if self._refused:
            raise RenderError(f"Error fetching {self._refused[0]} refused: reports load nothing from the network "
                              "or the disk")
        targets = self._page.evaluate(_PREPARE)
        if not any(targets):
            pdf = self._pdf(outline=True)
            return pdf, _outline_pages(pdf)[1]
        # The contents' page numbers need the document laid out first. A document whose contents
        # this printer has seen before starts from the pages found then: when they still hold, one
        # print instead of two (a report printed again after a change to a rating's notes).
        key = tuple(targets)
        pages = self._layouts.pop(key, None)
        passes = MAX_PASSES
        if pages is None:
            pdf = self._pdf(outline=True)
            outline, count = _outline_pages(pdf)
            pages, passes = contents_pages(targets, outline), MAX_PASSES - 1
        for _ in range(passes):
            self._page.evaluate(_FILL_CONTENTS, pages)
            pdf = self._pdf(outline=True)
            outline, count = _outline_pages(pdf)
            now = contents_pages(targets, outline)
            if now == pages:
                break
            pages = now
        self._layouts[key] = pages
        while len(self._layouts) > LAYOUTS_KEPT:
            self._layouts.pop(next(iter(self._layouts)))
        return pdf, count


# Playwright's sync API runs its own asyncio loop in the thread that starts it, which must not
# be the thread that drives Jupyter kernels (papermill, jupyter_core's run_sync keep a loop of
# their own there). So each process prints from one thread of its own, which owns the browser.
_lock = threading.Lock()
_thread: concurrent.futures.ThreadPoolExecutor | None = None
_printer: ChromiumPrinter | None = None
#: The last documents printed (a digest of the HTML -> PDF and page count), read and written in
#: the printer's thread only.
_printed: dict[str, tuple[bytes, int]] = {}
PRINTED_KEPT = 3


def _executor() -> concurrent.futures.ThreadPoolExecutor:
    global _thread
    with _lock:
        if _thread is None:
            _thread = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="mbm-chromium")
        return _thread


def _print_in_thread(html_text: str) -> tuple[bytes, int]:
    global _printer
    from .render import RenderError
    if _printer is None:
        _printer = ChromiumPrinter()
    try:
        return _printer.print(html_text)
    except (RenderError, ChromiumUnavailable):
        raise
    except Exception:  # noqa: BLE001 - a crashed or hung browser: start a fresh one, try once more
        _printer.close()
        return _printer.print(html_text)


def print_pdf(html_text: str) -> tuple[bytes, int]:
    """Print with this process's Chromium page (started on first use, restarted once if it died).
    The same HTML printed a moment ago (or being printed ahead, :func:`print_ahead`) is not
    printed again."""
    return _executor().submit(_print_kept, html_text).result()


def print_ahead(html_text: str) -> concurrent.futures.Future:
    """Print in the background and keep the result, for a :func:`print_pdf` of the same HTML to
    come (which waits for this one when it is still printing)."""
    return _executor().submit(_print_kept, html_text)


def _print_kept(html_text: str) -> tuple[bytes, int]:
    key = hashlib.sha256(html_text.encode("utf-8")).hexdigest()
    hit = _printed.pop(key, None)
    if hit is None:
        hit = _print_in_thread(html_text)
    _printed[key] = hit
    while len(_printed) > PRINTED_KEPT:
        _printed.pop(next(iter(_printed)))
    return hit


def prewarm() -> concurrent.futures.Future:
    """Start this process's printer now (Chromium and Playwright's driver), in its own thread;
    the future is done when a page has been printed."""
    return _executor().submit(_print_in_thread, "<!DOCTYPE html><html><body><p>warm</p></body></html>")


def _close_in_thread() -> None:
    global _printer
    _printed.clear()
    if _printer is not None:
        _printer.close()
        _printer = None


def close_all(timeout: float = 30) -> None:
    """Close the browser (also done at exit)."""
    global _thread
    with _lock:
        thread, _thread = _thread, None
    if thread is None:
        return
    try:
        thread.submit(_close_in_thread).result(timeout=timeout)
    except Exception:  # noqa: BLE001 - exiting anyway; the browser dies with its parent
        pass
    thread.shutdown(wait=False)


atexit.register(close_all)

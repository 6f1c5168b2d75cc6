"""Printing ahead: after making a report's web page, the builder prints its PDF once nothing else
has been asked for ``WORKBOOK_PRINT_AHEAD`` seconds, and a PDF asked for later (or meanwhile) is
that print, not a second one."""
from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import pytest

from workbook.batch import run as batch_run
from workbook.batch import service
from workbook.batch.jobs import CountryResult
from workbook.report import chromium


@pytest.fixture
def prints(monkeypatch):
    """The printer's work, faked: each call is recorded and takes a moment."""
    done = []

    def fake(html):
        time.sleep(0.2)
        done.append(html)
        return (f"%PDF {html}".encode(), 1)
    monkeypatch.setattr(chromium, "_print_in_thread", fake)
    monkeypatch.setattr(chromium, "_printed", {})
    return done


def test_a_pdf_asked_for_while_it_is_printed_ahead_waits_for_that_print(prints):
    ahead = chromium.print_ahead("<p>one</p>")
    assert chromium.print_pdf("<p>one</p>") == (b"%PDF <p>one</p>", 1)
    assert ahead.result() == (b"%PDF <p>one</p>", 1) and prints == ["<p>one</p>"]
    assert chromium.print_pdf("<p>two</p>")[0] == b"%PDF <p>two</p>" and prints == ["<p>one</p>", "<p>two</p>"]


def test_only_the_last_few_prints_are_kept(prints):
    for k in range(chromium.PRINTED_KEPT + 1):
        chromium.print_pdf(f"<p>{k}</p>")
    chromium.print_pdf("<p>0</p>")  # the oldest was let go: printed again
    assert prints.count("<p>0</p>") == 2 and len(chromium._printed) == chromium.PRINTED_KEPT


class Harness:
    """A Builder running in a thread, with builds faked: each request 'makes' the report's web
    page (or its PDF) in a folder."""

    def __init__(self, monkeypatch, tmp_path, delay: float):
        self.folder = tmp_path / "XAT" / "baseline-2026"
        self.folder.mkdir(parents=True)
        self.ahead: list[str] = []
        monkeypatch.setenv("WORKBOOK_PRINT_AHEAD", str(delay))
        monkeypatch.setattr(chromium, "print_ahead", lambda html: self.ahead.append(html) or _done())
        monkeypatch.setattr(service, "_job", lambda request: SimpleNamespace(
            formats=tuple(request["formats"]), report=True, brief=False, pdf_engine="chromium"))

        def build(job, on_step=None):
            for fmt in job.formats:
                (self.folder / f"report.{fmt}").write_text(f"<html>{fmt} {time.monotonic()}</html>")
            return CountryResult("XAT", "baseline 2026", "ok", 0.1, str(self.folder))
        monkeypatch.setattr(batch_run, "run_country", build)
        self.builder = service.Builder()
        threading.Thread(target=self.builder.run, daemon=True).start()

    def ask(self, *formats: str) -> None:
        self.builder.submit({"formats": list(formats)}, lambda msg: None).wait(10)


def _done():
    from concurrent.futures import Future
    f = Future()
    f.set_result((b"%PDF", 1))
    return f


def test_the_builder_prints_a_web_report_ahead_once_it_is_quiet(monkeypatch, tmp_path):
    h = Harness(monkeypatch, tmp_path, delay=0.3)
    h.ask("html")
    time.sleep(0.1)
    assert h.ahead == []  # not at once: the person may ask for something else
    deadline = time.monotonic() + 5
    while not h.ahead and time.monotonic() < deadline:
        time.sleep(0.05)
    assert h.ahead == [(h.folder / "report.html").read_text()]


def test_a_request_in_the_quiet_time_calls_the_print_off(monkeypatch, tmp_path):
    h = Harness(monkeypatch, tmp_path, delay=0.5)
    h.ask("html")
    h.ask("html", "pdf")  # the PDF was asked for at once: printed with the request, not ahead
    time.sleep(1.0)
    assert h.ahead == []


@pytest.mark.parametrize("setting", ["0", "-1", "soon"])
def test_print_ahead_off_or_misconfigured_prints_nothing_ahead(monkeypatch, tmp_path, setting):
    h = Harness(monkeypatch, tmp_path, delay=0.2)
    monkeypatch.setenv("WORKBOOK_PRINT_AHEAD", setting)
    h.ask("html")
    time.sleep(0.6)
    assert h.ahead == []
    h.ask("html")  # the builder lives on

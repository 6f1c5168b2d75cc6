"""The report builder's warm-up draws the profile chart from a sample frame shaped like the
scoring's pillar frame (levels, "+" labels, spread): a sample without levels made every warm-up fail."""
from __future__ import annotations

import matplotlib

from workbook.batch import service
from workbook.present import charts


def test_the_warm_up_sample_draws_a_profile():
    matplotlib.use("Agg")
    svg = charts.figure_svg(charts.plot_profile(service._profile_sample()))
    assert svg.lstrip().startswith(("<?xml", "<svg")) and "</svg>" in svg


def test_the_in_process_warm_up_runs_through(monkeypatch, caplog):
    """Every part of the side thread's warm-up works (a failure there is only logged, and the
    first report would quietly pay for it again)."""
    monkeypatch.setenv("WORKBOOK_PDF_ENGINE", "weasyprint")  # Chromium's part: tests/system/test_builder.py
    with caplog.at_level("INFO", logger="workbook.builder"):
        service.Builder._warm_in_process()
    assert not [r for r in caplog.records if "warm-up failed" in r.getMessage()]


def test_a_failing_warm_up_part_is_logged_not_raised(monkeypatch, caplog):
    from workbook.roadmap import library

    def broken(*a, **k):
        raise OSError("disk gone")
    monkeypatch.setenv("WORKBOOK_PDF_ENGINE", "weasyprint")
    monkeypatch.setattr(library, "load_actions", broken)
    with caplog.at_level("INFO", logger="workbook.builder"):
        service.Builder._warm_in_process()
    assert any("warm-up failed in part" in r.getMessage() for r in caplog.records)

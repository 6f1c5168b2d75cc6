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

"""The framework browser page (``notebooks/framework.ipynb``): pillars, sub-areas, indicators
and their level descriptors, as the assessors rate them, in the HTML of the framework export."""
from __future__ import annotations

from pathlib import Path

import ipywidgets as widgets

from ..framework import Framework, load_framework
from ..framework.export import subarea_html
from ..present.html import e

# The export's table rules, scoped to the browser so they cannot restyle the rest of the app.
WIDGET_CSS = """
.mbm-framework table { border-collapse: collapse; width: 100%; margin: .4rem 0 1rem; }
.mbm-framework caption { text-align: left; font-weight: 600; }
.mbm-framework th, .mbm-framework td { border: 1px solid #c9d0d8; padding: .3rem .5rem; text-align: left;
                                       vertical-align: top; }
.mbm-framework thead th { background: #eef2f6; }
.mbm-framework td.evidence { width: 32%; }
.mbm-framework dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
.mbm-framework dl.facts dt { font-weight: 600; }
.mbm-framework dl.facts dd { margin: 0; }
.mbm-framework article.indicator { border-left: 4px solid #eef2f6; padding-left: .8rem; margin-bottom: 1rem; }
"""


def browse_framework(pillar: str = "", framework: Framework | str | Path | None = None):
    """An ipywidgets view of the framework: a pillar dropdown over an accordion of its sub-areas.

    Parameters
    ----------
    pillar : str
        Pillar id or name to open first (``""``: the first pillar).
    framework : Framework, path or None
        A loaded framework, or a framework YAML file (``None`` or ``""``: the shipped one).

    Returns
    -------
    ipywidgets.VBox
        Header, pillar dropdown, pillar description and an accordion with one panel per
        sub-area (description, criticality, aggregation and each indicator's descriptors, as HTML).
        Display it (the last expression of a notebook cell) to show it.
    """
    fw = framework if isinstance(framework, Framework) else load_framework(framework or None)
    first = fw.pillar(pillar) if pillar else fw.pillars[0]
    header = widgets.HTML(f"<style>{WIDGET_CSS}</style><h1>{e(fw.title)}</h1>"
                          f"<p>Version <strong>{e(fw.version)}</strong> &middot; "
                          f"{len(fw.indicators)} indicators. Levels are gated: a level counts only when "
                          "everything of the levels below is in place.</p>")
    choose = widgets.Dropdown(options=[(f"{p.id} {p.name}", p.id) for p in fw.pillars], value=first.id,
                              description="Pillar")
    about = widgets.HTML()
    panels = widgets.Accordion()

    def show(pillar_id: str) -> None:
        p = fw.pillar(pillar_id)
        about.value = f"<p>{e(p.description)}</p>"
        panels.selected_index = None
        # links=False: the page anchors of the HTML export do not exist inside a widget
        panels.children = tuple(widgets.HTML(subarea_html(fw, s, 4, links=False)) for s in p.subareas)
        panels.titles = tuple(f"{s.id} {s.name}" for s in p.subareas)

    choose.observe(lambda change: show(change["new"]), names="value")
    show(first.id)
    view = widgets.VBox([header, choose, about, panels])
    view.add_class("mbm-framework")
    return view

"""A page's first view: HTML that the server writes into the page as it renders it.

Voila sends every output to its front end as data, which its JavaScript draws once it has loaded
(about a second on a busy machine, seconds in a burst of visitors). An output shown with
:func:`show_first_view` is written into the page as HTML instead (our Voila template,
``data_priority`` in ``templates/voila/templates/mbm/index.html.j2``), so the header, completion,
flags and chart are readable at once, and without JavaScript. The widgets take over once they are
drawn: the template removes the first view when every selector in ``until`` matches an element
outside it.

Only in Voila: in JupyterLab the output would repeat what the widgets show (the pages pass
``served=False`` there), and batch runs show no widgets at all.
"""
from __future__ import annotations

from collections.abc import Sequence

from IPython.display import HTML, display

from ..present.html import e

#: The output metadata key the Voila template looks for.
FIRST_VIEW = "mbm-first-view"


def first_view_html(body: str, *, label: str, until: Sequence[str] = ()) -> str:
    """The first view's markup: a labelled section, removed once every ``until`` selector is drawn
    (kept for good when ``until`` is empty)."""
    attrs = f' data-mbm-until="{e("|".join(until))}"' if until else ""
    return f'<section class="mbm-first-view" aria-label="{e(label)}"{attrs}>{body}</section>'


def show_first_view(body: str, *, label: str, until: Sequence[str] = ()) -> None:
    """Display ``body`` (trusted HTML made by the page) as the page's first view."""
    display(HTML(first_view_html(body, label=label, until=until)), metadata={FIRST_VIEW: True})

"""The HTML kit of the pages and the reports: escaping, formatting, tables, figures, lists and
status lines, one of each.

Everything here returns markup strings with every value escaped. Tables always have a caption,
column header cells (``<th scope="col">``) and, where a row has a natural name, a row header;
figures are ``<img>`` elements whose alt text states the values the chart shows (the
:class:`~workbook.present.charts.Chart` carries it). Pages add :data:`TABLE_CSS` (JupyterLab
has no stylesheet of ours); reports take their look from the report template.
"""
from __future__ import annotations

import base64
import datetime as dt
import html
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import pandas as pd
from markupsafe import Markup

from ..i18n.formats import format_date as i18n_format_date
from ..i18n.formats import format_number, format_percent
from ..i18n.messages import N_, translator
from .palette import FAILED, MUTED, OK

if TYPE_CHECKING:
    from .charts import Chart

TABLE_CSS = """<style>
.mbm-table{border-collapse:collapse;margin:0.5em 0 1em;font-size:0.95em}
.mbm-table caption{text-align:left;font-weight:600;padding:0.3em 0}
.mbm-table th,.mbm-table td{border:1px solid #c8c8c8;padding:0.25em 0.6em;text-align:left;vertical-align:top}
.mbm-table thead th{background:#eef2f7}
.mbm-table td.num{text-align:right;font-variant-numeric:tabular-nums}
</style>"""
DASH = "–"


def e(text) -> str:
    """Escape a value for HTML (``Markup`` passes through; ``None`` is empty)."""
    if isinstance(text, Markup):
        return str(text)
    return html.escape("" if text is None else str(text))


# -- values -----------------------------------------------------------------------------------
def missing(x) -> bool:
    """None, NaN, NaT or pandas' NA."""
    if x is None:
        return True
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def format_score(x, digits: int = 2, *, lang: str | None = None) -> str:
    """A score: ``digits`` decimals (two in reports, one on pages), or "not scored". With ``lang``,
    written the way that language writes numbers (``2,50`` in French) and its words."""
    if lang is None:
        return "not scored" if missing(x) else f"{float(x):.{digits}f}"
    if missing(x):
        return translator(lang).gettext("not scored")
    return format_number(float(x), lang, digits)


def format_level(row, digits: int = 1) -> str:
    """A scored row's level as people read it: its ``label`` when the scoring gives one (framework
    2: a level with a "+" marker), else its ``score`` (:func:`format_score`)."""
    label = row.get("label") if hasattr(row, "get") else None
    if isinstance(label, str) and label.strip():
        return label
    return format_score(row["score"], digits)


#: Review statuses as people read them (the stored values are draft, in_review, validated, final).
STATUS_LABELS = {"draft": N_("Draft"), "in_review": N_("In review"), "validated": N_("Validated"),
                 "final": N_("Final")}
#: The same in running text ("draft: results may still change").
STATUS_WORDS = {"draft": N_("draft"), "in_review": N_("in review"), "validated": N_("validated"),
                "final": N_("final")}


def format_status(status: str, *, lang: str | None = None, words: bool = False) -> str:
    """A review status as people read it (``Draft``; ``words``: ``draft``), in ``lang``."""
    labels = STATUS_WORDS if words else STATUS_LABELS
    if status not in labels:
        return str(status).replace("_", " ") if words else str(status)
    return translator(lang or "en").gettext(labels[status])


def format_share(x, *, lang: str | None = None) -> str:
    if lang is None:
        return "n/a" if missing(x) else f"{round(float(x) * 100):d}%"
    return translator(lang).pgettext("no value", "n/a") if missing(x) else format_percent(float(x), lang)


def format_completion(n_done, n_applicable, *, lang: str | None = None) -> str:
    """``3/4 (75%)``, or "nothing applicable"."""
    if not n_applicable:
        return "nothing applicable" if lang is None else translator(lang).gettext("nothing applicable")
    if lang is None:
        return f"{int(n_done)}/{int(n_applicable)} ({100 * n_done / n_applicable:.0f}%)"
    return (f"{format_number(int(n_done), lang)}/{format_number(int(n_applicable), lang)} "
            f"({format_percent(n_done / n_applicable, lang)})")


def format_date(x, *, lang: str | None = None) -> str:
    """A date: ISO (``2026-03-05``), or with ``lang`` the language's long form (``5 mars 2026``)."""
    if missing(x) or x is None or x == "":
        return DASH
    if lang is not None and hasattr(x, "year"):
        return i18n_format_date(x, lang)
    return x.isoformat()[:10] if hasattr(x, "isoformat") else str(x)[:10]


def text_or_dash(x) -> str:
    return DASH if missing(x) or x is None or (isinstance(x, str) and not x.strip()) else str(x)


def format_cell(v) -> str:
    """One table cell as text: dates as ISO, lists joined (ids as ``#id``), numbers kept short,
    blanks as a dash."""
    if isinstance(v, (list, tuple)):
        return ", ".join(f"#{x}" if isinstance(x, int) else str(x) for x in v) or DASH
    if missing(v):
        return DASH
    if isinstance(v, (dt.datetime, pd.Timestamp)):
        return v.strftime("%Y-%m-%d")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, float):
        return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.1f}".rstrip("0").rstrip(".") if v % 1 else f"{v:.0f}"
    return str(v)


def is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and not missing(v)


# -- tables -----------------------------------------------------------------------------------
def table(caption: str, columns: Sequence[str], rows: Iterable[Sequence], *, numeric: Iterable[int] | str = (),
          row_header: int | None = 0, cls: str = "", attrs: Sequence[dict] | None = None,
          widths: Sequence[int] | None = None, foot: Sequence[Sequence] = ()) -> str:
    """A table with a caption and header cells.

    ``rows`` hold plain values (escaped here) or ``Markup``. The cell in column ``row_header``
    (default the first; None for none) is a row header (``<th scope="row">``). ``numeric``
    lists the column indices aligned right, or is ``"cells"``: every cell holding a number.
    ``attrs`` gives each body row its attributes; ``foot`` rows go in a ``<tfoot>``.
    ``widths`` (percentages, one per column) fix the layout: long tables print much faster when
    the columns need not be measured first.
    """
    by_cell = numeric == "cells"
    num = set() if by_cell else set(numeric)
    right = ' class="num"'

    def tr(row, extra: str = "") -> str:
        cells = []
        for i, value in enumerate(row):
            klass = right if (is_number(value) if by_cell else i in num) else ""
            text = e(format_cell(value)) if by_cell and not isinstance(value, Markup) else e(value)
            if i == row_header:
                cells.append(f'<th scope="row"{klass}>{text}</th>')
            else:
                cells.append(f"<td{klass}>{text}</td>")
        return f"<tr{extra}>{''.join(cells)}</tr>"

    head = "".join(f'<th scope="col"{right if i in num else ""}>{e(c)}</th>' for i, c in enumerate(columns))
    body = []
    for r, row in enumerate(rows):
        extra = ""
        if attrs and r < len(attrs):
            extra = "".join(f' {k}="{e(v)}"' for k, v in attrs[r].items())
        body.append(tr(row, extra))
    tfoot = f"<tfoot>{''.join(tr(row) for row in foot)}</tfoot>" if foot else ""
    cols = ""
    if widths:
        cls = f"{cls} mbm-fixed".strip()
        cols = "<colgroup>" + "".join(f'<col style="width:{int(w)}%">' for w in widths) + "</colgroup>"
    klass = f' class="{e(cls)}"' if cls else ""
    return (f"<table{klass}><caption>{e(caption)}</caption>{cols}<thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody>{tfoot}</table>")


def frame_table(frame: pd.DataFrame | None, columns: list[tuple[str, str]], caption: str, *, cls: str = "",
                empty: str = "Nothing to show.", row_header: str | None = None) -> str:
    """A page's table of ``columns`` (``(column, heading)``) of ``frame``, with :data:`TABLE_CSS`;
    ``empty`` in a paragraph when there are no rows. ``row_header`` names the column of row headers."""
    if frame is None or len(frame) == 0:
        return f'<p class="mbm-empty {e(cls)}"><strong>{e(caption)}:</strong> {e(empty)}</p>'
    keys = [c for c, _ in columns]
    rows = [[r.get(c) for c in keys] for r in frame.to_dict("records")]
    return TABLE_CSS + table(caption, [h for _, h in columns], rows, numeric="cells",
                             row_header=keys.index(row_header) if row_header in keys else None,
                             cls=f"mbm-table {cls}".strip())


# -- figures, lists, messages -------------------------------------------------------------------
def svg_img(svg: str, alt: str, style: str = "") -> str:
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return f'<img src="data:image/svg+xml;base64,{data}" alt="{e(alt)}"' + (f' style="{style}"' if style else "") + ">"


def figure(chart: Chart, caption: str, *, cls: str = "", page: bool = False) -> str:
    """A chart as an SVG image (vector in the PDF) with its alt text and a caption. ``page``: styled
    inline, for the app's pages (JupyterLab has no stylesheet of ours)."""
    klass = f"mbm-chart {cls}".strip()
    if not page:
        return (f'<figure class="{e(klass)}">{svg_img(chart.svg, chart.alt)}'
                f"<figcaption>{e(caption)}</figcaption></figure>")
    return (f'<figure class="{e(klass)}" style="margin:0.5em 0">'
            f'{svg_img(chart.svg, chart.alt, "max-width:100%;height:auto")}'
            f'<figcaption style="font-size:0.9em;color:{MUTED}">{e(caption)}</figcaption></figure>')


def items(values: Iterable, empty: str = "None.") -> str:
    lis = "".join(f"<li>{e(v)}</li>" for v in values)
    return f"<ul>{lis}</ul>" if lis else f"<p>{e(empty)}</p>"


def message_html(ok: bool, text: str, problems: Iterable[str] = ()) -> str:
    """A status line (``role=status``): green when done, red with the list of problems when not."""
    colour = OK if ok else FAILED
    lis = "".join(f"<li>{e(p)}</li>" for p in problems)
    listing = f'<ul style="margin:0.2em 0">{lis}</ul>' if lis else ""
    state = "ok" if ok else "failed"
    return (f'<div role="status" aria-live="polite" class="mbm-status mbm-status-{state}" style="color:{colour}">'
            f"{e(text)}{listing}</div>")

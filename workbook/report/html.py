"""Small HTML builders shared by the country report, the donor brief and the comparison report.

Everything here returns markup strings with every value escaped. Tables always have a caption,
column header cells (``<th scope="col">``) and, where a row has a natural name, a row header;
figures are ``<img>`` elements whose alt text states the values the chart shows.
"""
from __future__ import annotations

import base64
import html
from collections.abc import Iterable, Sequence

import pandas as pd
from markupsafe import Markup


def e(text) -> str:
    """Escape a value for HTML (``Markup`` passes through; ``None`` is empty)."""
    if isinstance(text, Markup):
        return str(text)
    return html.escape("" if text is None else str(text))


def missing(x) -> bool:
    """None, NaN, NaT or pandas' NA."""
    if x is None:
        return True
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def format_score(x, digits: int = 2) -> str:
    """Scores in tables: two decimals, or "not scored"."""
    return "not scored" if missing(x) else f"{float(x):.{digits}f}"


def format_share(x) -> str:
    return "n/a" if missing(x) else f"{round(float(x) * 100):d}%"


def format_date(x) -> str:
    if missing(x) or x is None or x == "":
        return "–"
    return x.isoformat()[:10] if hasattr(x, "isoformat") else str(x)[:10]


def text_or_dash(x) -> str:
    return "–" if missing(x) or x is None or (isinstance(x, str) and not x.strip()) else str(x)


class Numbering:
    """Figures and tables numbered in document order ("Figure 3.", "Table 7.")."""

    def __init__(self):
        self.figures: list[str] = []
        self.tables: list[str] = []

    def figure(self, caption: str) -> str:
        self.figures.append(caption)
        return f"Figure {len(self.figures)}. {caption}"

    def table(self, caption: str) -> str:
        self.tables.append(caption)
        return f"Table {len(self.tables)}. {caption}"


def table(caption: str, columns: Sequence[str], rows: Iterable[Sequence], *, numeric: Iterable[int] = (),
          row_header: bool = True, cls: str = "", attrs: Sequence[dict] | None = None,
          widths: Sequence[int] | None = None) -> str:
    """A table with a caption and header cells.

    ``rows`` hold plain values (escaped here) or ``Markup``; the first cell of each row is a
    row header (``<th scope="row">``) unless ``row_header`` is False. ``numeric`` lists the
    column indices aligned right. ``widths`` (percentages, one per column) fix the layout:
    long tables print much faster when the columns need not be measured first.
    """
    num = set(numeric)
    right = ' class="num"'
    head = "".join(f'<th scope="col"{right if i in num else ""}>{e(c)}</th>' for i, c in enumerate(columns))
    body = []
    for r, row in enumerate(rows):
        cells = []
        for i, value in enumerate(row):
            klass = ' class="num"' if i in num else ""
            if i == 0 and row_header:
                cells.append(f'<th scope="row"{klass}>{e(value)}</th>')
            else:
                cells.append(f"<td{klass}>{e(value)}</td>")
        extra = ""
        if attrs and r < len(attrs):
            extra = "".join(f' {k}="{e(v)}"' for k, v in attrs[r].items())
        body.append(f"<tr{extra}>{''.join(cells)}</tr>")
    cols = ""
    if widths:
        cls = f"{cls} mbm-fixed".strip()
        cols = "<colgroup>" + "".join(f'<col style="width:{int(w)}%">' for w in widths) + "</colgroup>"
    klass = f' class="{e(cls)}"' if cls else ""
    return (f"<table{klass}><caption>{e(caption)}</caption>{cols}<thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>")


def svg_img(svg: str, alt: str) -> str:
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return f'<img src="data:image/svg+xml;base64,{data}" alt="{e(alt)}">'


def figure(svg: str, alt: str, caption: str) -> str:
    """A numbered chart: an SVG image (vector in the PDF) with alt text and a caption."""
    return f'<figure class="mbm-chart">{svg_img(svg, alt)}<figcaption>{e(caption)}</figcaption></figure>'


def items(values: Iterable, empty: str = "None.") -> str:
    lis = "".join(f"<li>{e(v)}</li>" for v in values)
    return f"<ul>{lis}</ul>" if lis else f"<p>{e(empty)}</p>"

"""Charts of levels and of the road map. Each chart function returns a :class:`Chart`: the SVG
and the alt text that states what it shows, written once, next to the chart.

Levels are whole (``2``, ``2+``): a bar reaches the level and a line across it marks the spread,
from the lowest to the highest part (the indicators of a sub-area, the sub-areas of a pillar),
so a strong average never hides a weak part. No chart prints a mean.

:func:`level_bars` draws the pages' bar chart as a small SVG without matplotlib (well under a
millisecond). The others draw with matplotlib, imported on first use; their ``plot_*`` helpers
return a closed Figure and leave global matplotlib state as they found it.
"""
from __future__ import annotations

import io
import math
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..i18n.messages import N_, translator
from .fonts import css_family, font_rc, has_rtl
from .html import e, format_date, format_score, missing
from .levels import level_label, spread_text, spread_words
from .palette import GRID, HORIZON_COLOURS, LEVEL_COLOURS, NO_SCORE, SPREAD, STATUS_HATCH, level_colour

if TYPE_CHECKING:
    from matplotlib.figure import Figure

LEVEL_AXIS = N_("Level (1 absent or ad hoc - 5 sustained)")


@dataclass(frozen=True)
class Chart:
    """An SVG chart and its alt text. Displayed in a notebook, it is an ``image/svg+xml`` output
    whose metadata carries the alt text (the report template writes it into ``<img alt>``)."""

    svg: str
    alt: str

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"image/svg+xml": self.svg, "text/plain": self.alt}, {"image/svg+xml": {"alt": self.alt}}


def describe_levels(labels, scores) -> str:
    """Alt text of a bar chart of levels: every bar with its value."""
    parts = [f"{lab}: {'not scored' if math.isnan(float(s)) else f'{float(s):.1f}'}" for lab, s in zip(labels, scores)]
    return "Bar chart of levels from 1 to 5. " + "; ".join(parts) + "."


def describe_profile(labels, levels, plus=None, lows=None, highs=None, parts: str = "indicators",
                     lang: str | None = None) -> str:
    """Alt text of a chart of whole levels with their spread: every bar with its level ("2+") and
    the lowest and highest of its ``parts``."""
    n = len(list(labels))
    plus = [False] * n if plus is None else list(plus)
    lows = [float("nan")] * n if lows is None else list(lows)
    highs = [float("nan")] * n if highs is None else list(highs)
    if lang not in (None, "en"):
        _ = translator(lang).gettext
        what = _("indicators") if parts == "indicators" else _("sub-areas")
        items = [_("%(label)s: not scored") % {"label": lab} if missing(lv) else
                 _("%(label)s: level %(level)s, %(parts)s %(spread)s") % {
                     "label": lab, "level": level_label(lv, bool(p)), "parts": what,
                     "spread": spread_words(lo, hi, lang)}
                 for lab, lv, p, lo, hi in zip(labels, levels, plus, lows, highs)]
        head = (_("Bar chart of whole levels from 1 to 5; a line across each bar marks the spread from its lowest "
                  "to its highest indicator.") if parts == "indicators" else
                _("Bar chart of whole levels from 1 to 5; a line across each bar marks the spread from its lowest "
                  "to its highest sub-area."))
        return head + " " + _("; ").join(items) + "."
    items = [f"{lab}: not scored" if missing(lv) else
             f"{lab}: level {level_label(lv, bool(p))}, {parts} {spread_words(lo, hi)}"
             for lab, lv, p, lo, hi in zip(labels, levels, plus, lows, highs)]
    return (f"Bar chart of whole levels from 1 to 5; a line across each bar marks the spread from its lowest to "
            f"its highest {parts[:-1] if parts.endswith('s') else parts}. " + "; ".join(items) + ".")


def level_columns(frame) -> tuple[list[float], list[bool], list[float], list[float]]:
    """Levels, "+" markers, lowest and highest part of a ``score_subareas`` or ``score_pillars``
    frame (a pillar's "+" is in its label)."""
    levels = [float(x) for x in frame["level"]]
    if "plus" in frame:
        plus = [bool(x) for x in frame["plus"]]
    else:
        plus = [str(x).endswith("+") for x in frame["label"]]
    return levels, plus, [float(x) for x in frame["min_level"]], [float(x) for x in frame["max_level"]]


def _bar_text(level, plus, low, high) -> str:
    if missing(level):
        return "not scored"
    spread = "" if missing(low) or missing(high) or low == high else f" ({spread_text(low, high)})"
    return level_label(level, plus) + spread


def figure_svg(fig: Figure) -> str:
    """A Figure as an SVG element (no XML prologue, text kept as text, no timestamp: stable output).

    matplotlib's "constrained_layout not applied" warning (a very small chart, e.g. a heatmap of
    one assessment) is not passed on: the chart is drawn all the same, and the warning would only
    reach the console of whoever runs the batch or the server."""
    import matplotlib
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "mbm-workbook"}), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="constrained_layout not applied", category=UserWarning)
        fig.savefig(buf, format="svg", metadata={"Date": None})
    svg = buf.getvalue()
    return svg[svg.index("<svg"):]


def _short(text: str, n: int = 48) -> str:
    text = str(text)
    return text if len(text) <= n else text[: n - 1] + "\u2026"


# -- bars of levels ---------------------------------------------------------------------------
def level_bars(labels: list[str], scores: list[float], title: str, *, plus: list[bool] | None = None,
               lows: list[float] | None = None, highs: list[float] | None = None) -> Chart:
    """Horizontal bars of levels 1-5 as a small SVG, drawn like :func:`subarea_chart` (same
    colours and axis) without matplotlib: the pages redraw it after every save.

    With ``plus``, ``lows`` and ``highs`` (whole levels, "+" markers and the spread of the parts)
    each bar is labelled ``2+ (1–4)`` and a line across it marks the spread; without them the
    values are written as given. Labels in a right-to-left script (Arabic) give the mirror image:
    labels on the right, bars growing left.
    """
    profile = plus is not None or lows is not None
    n = len(labels)
    plus = list(plus) if plus is not None else [False] * n
    lows = list(lows) if lows is not None else [float("nan")] * n
    highs = list(highs) if highs is not None else [float("nan")] * n
    row, top, left, plot, right = 26, 34, 300, 380, 90 if profile else 60
    rtl = has_rtl(title, *labels)
    height = top + row * n + 40
    width = left + plot + right
    mirror = (lambda v: width - v) if rtl else (lambda v: v)  # noqa: E731 - x as drawn
    x = lambda v: mirror(left + plot * v / 5.4)  # noqa: E731 - the axis runs 0 to 5.4, as in the matplotlib chart
    start, end_anchor = "start", "end"  # logical: with direction="rtl" on the SVG, "start" is the right end
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="{css_family(title, *labels)}" font-size="12"'
           + (' direction="rtl"' if rtl else "") + ">",
           f'<text x="{mirror(8)}" y="20" font-size="13" text-anchor="{start}">{e(title)}</text>']
    for level in range(1, 6):
        out.append(f'<line x1="{x(level):.1f}" y1="{top - 4}" x2="{x(level):.1f}" y2="{top + row * n}" '
                   f'stroke="{GRID}" stroke-width="0.8"/>')
        out.append(f'<text x="{x(level):.1f}" y="{top + row * n + 16}" text-anchor="middle">{level}</text>')
    for i, (label, score, p, lo, hi) in enumerate(zip(labels, scores, plus, lows, highs)):
        y = top + i * row
        mid = y + row / 2
        shown = label if len(label) <= 44 else label[:43] + "…"
        out.append(f'<text x="{mirror(left - 8)}" y="{mid + 4:.1f}" text-anchor="{end_anchor}">{e(shown)}</text>')
        absent = missing(score)
        end = score
        if not absent:
            x0, x1 = sorted((mirror(left), x(score)))
            out.append(f'<rect x="{x0:.1f}" y="{y + 4}" width="{x1 - x0:.1f}" height="{row - 8}" '
                       f'fill="{level_colour(score)}"/>')
            if not (missing(lo) or missing(hi)) and lo < hi:
                end = max(score, hi)
                out.append(f'<line x1="{x(lo):.1f}" y1="{mid:.1f}" x2="{x(hi):.1f}" y2="{mid:.1f}" '
                           f'stroke="{SPREAD}" stroke-width="1.6"/>')
                out += [f'<line x1="{x(v):.1f}" y1="{mid - 6:.1f}" x2="{x(v):.1f}" y2="{mid + 6:.1f}" '
                        f'stroke="{SPREAD}" stroke-width="1.6"/>' for v in (lo, hi)]
        text = (_bar_text(score, p, lo, hi) if profile else "not scored" if absent else f"{score:.1f}")
        at = (mirror(left) if absent else x(end)) + (-4 if rtl else 4)
        out.append(f'<text x="{at:.1f}" y="{mid + 4:.1f}" font-size="11" text-anchor="{start}">{e(text)}</text>')
    out.append(f'<line x1="{mirror(left)}" y1="{top - 4}" x2="{mirror(left)}" y2="{top + row * n}" stroke="#444"/>')
    out.append(f'<text x="{mirror(left + plot / 2)}" y="{height - 6}" text-anchor="middle">{LEVEL_AXIS}</text></svg>')
    alt = describe_profile(labels, scores, plus, lows, highs) if profile else describe_levels(labels, scores)
    return Chart("".join(out), alt)


def profile_columns(labels: list[str], scores: list[float], title: str) -> Chart:
    """A pillar profile small enough for a table cell: one column per pillar on the 1-5 scale,
    coloured by level, its value beneath (a column without a score is an outline). No matplotlib."""
    col, gap, top, plot = 22, 6, 4, 30
    width = len(labels) * (col + gap) + gap
    height = top + plot + 14
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans, Arial, sans-serif" font-size="9">',
           f"<title>{e(title)}</title>",
           f'<line x1="0" y1="{top + plot}" x2="{width}" y2="{top + plot}" stroke="#444" stroke-width="0.8"/>']
    for i, score in enumerate(scores):
        x = gap + i * (col + gap)
        missing = score is None or math.isnan(score)
        if missing:
            out.append(f'<rect x="{x + 0.5}" y="{top + 0.5}" width="{col - 1}" height="{plot - 1}" fill="none" '
                       f'stroke="{NO_SCORE}" stroke-dasharray="2 2"/>')
        else:
            h = plot * min(max(score, 0), 5) / 5
            out.append(f'<rect x="{x}" y="{top + plot - h:.1f}" width="{col}" height="{h:.1f}" '
                       f'fill="{level_colour(score)}"/>')
        out.append(f'<text x="{x + col / 2}" y="{height - 2}" text-anchor="middle">'
                   f'{"–" if missing else f"{score:.1f}"}</text>')
    out.append("</svg>")
    return Chart("".join(out), f"{title}. " + describe_levels(labels, scores))


def _bars(labels: list[str], scores: list[float], title: str, *, width: float = 7.5,
          plus: list[bool] | None = None, lows: list[float] | None = None,
          highs: list[float] | None = None, lang: str | None = None) -> Figure:
    """Horizontal bars (their axis named in ``lang``); with ``plus``/``lows``/``highs`` whole levels
    labelled ``2+ (1–4)`` with a line across each bar for the spread."""
    import matplotlib
    from matplotlib.figure import Figure
    profile = plus is not None or lows is not None
    n = len(labels)
    plus = list(plus) if plus is not None else [False] * n
    lows = list(lows) if lows is not None else [float("nan")] * n
    highs = list(highs) if highs is not None else [float("nan")] * n
    rtl = has_rtl(title, *labels)  # Arabic: the mirror image, labels on the right, bars growing left
    with matplotlib.rc_context({"font.size": 9, "svg.fonttype": "none", **font_rc(title, *labels)}):
        fig = Figure(figsize=(width, 0.42 * n + 1.1), layout="constrained")
        ax = fig.subplots()
        y = list(range(n))[::-1]
        values = [0 if missing(s) else s for s in scores]
        ax.barh(y, values, color=[level_colour(s) for s in scores], height=0.6)
        for yi, s, p, lo, hi in zip(y, scores, plus, lows, highs):
            end = 0 if missing(s) else s
            if not (missing(s) or missing(lo) or missing(hi)) and lo < hi:
                ax.plot([lo, hi], [yi, yi], color=SPREAD, linewidth=1.4, marker="|", markersize=9,
                        markeredgewidth=1.4, zorder=3)
                end = max(s, hi)
            text = _bar_text(s, p, lo, hi) if profile else "not scored" if missing(s) else f"{s:.1f}"
            ax.text(end + 0.08, yi, text, va="center", fontsize=8, ha="right" if rtl else "left")
        ax.set_yticks(y, labels)
        ax.set_xlim(0, 6.0 if profile else 5.4)
        ax.set_xticks([1, 2, 3, 4, 5])
        ax.set_xlabel(translator(lang or "en").gettext(LEVEL_AXIS))
        ax.grid(axis="x", color=GRID, linewidth=0.6)
        ax.set_axisbelow(True)
        ax.spines[["top", "left" if rtl else "right"]].set_visible(False)
        if rtl:
            ax.invert_xaxis()
            ax.yaxis.tick_right()
        ax.set_title(title, loc="right" if rtl else "left", fontsize=10)
    return fig


def plot_subarea_scores(subareas, pillar_name: str, lang: str | None = None) -> Figure:
    """Horizontal bars: one per sub-area of a pillar (``subareas`` from ``score_subareas``), at its
    level, with the spread of its indicators."""
    levels, plus, lows, highs = level_columns(subareas)
    title = translator(lang or "en").gettext("%(pillar)s: sub-area levels") % {"pillar": pillar_name}
    return _bars(list(subareas["subarea"]), levels, title, plus=plus, lows=lows, highs=highs, lang=lang)


def plot_profile(pillars, title: str = "Capacity profile by pillar", lang: str | None = None) -> Figure:
    """Horizontal bars: one per pillar (``pillars`` from ``score_pillars``) at the lower median of
    its sub-area levels, with their spread. A profile, not a rank."""
    levels, plus, lows, highs = level_columns(pillars)
    return _bars(list(pillars["pillar"]), levels, title, plus=plus, lows=lows, highs=highs, lang=lang)


# -- road map and follow-up (frames from workbook.roadmap) --------------------------------
def plot_roadmap_gantt(table, title: str = "Road map") -> Figure:
    """Timeline bars, one per recommendation in road-map order (``Roadmap.table``).

    Bars run from ``start`` to ``end``, coloured by horizon and hatched by status; a
    recommendation's prerequisites are above it, so the chart reads top to bottom.
    """
    import matplotlib
    import matplotlib.dates as mdates
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    n = max(len(table), 1)
    with matplotlib.rc_context({"font.size": 8, "svg.fonttype": "none", "hatch.color": "white",
                                **font_rc(title, *table.get("title", []))}):
        fig = Figure(figsize=(9, 0.32 * n + 1.4), layout="constrained")
        ax = fig.subplots()
        if len(table) == 0:
            ax.text(0.5, 0.5, "No recommendations yet", ha="center", va="center", transform=ax.transAxes)
            ax.set_axis_off()
            ax.set_title(title, loc="left", fontsize=10)
            return fig
        y = list(range(len(table)))[::-1]
        starts = mdates.date2num(list(table["start"]))
        ends = mdates.date2num(list(table["end"]))
        for yi, s, e, horizon, status in zip(y, starts, ends, table["horizon"], table["status"]):
            ax.barh(yi, max(e - s, 10), left=s, height=0.6, color=HORIZON_COLOURS.get(horizon, NO_SCORE),
                    hatch=STATUS_HATCH.get(status, ""), edgecolor="white", linewidth=0.4)
        labels = [f"{o}. {_short(t)}" for o, t in zip(table["order"], table["title"])]
        ax.set_yticks(y, labels)
        ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 7)))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
        ax.grid(axis="x", color=GRID, linewidth=0.6)
        ax.set_axisbelow(True)
        ax.spines[["top", "right"]].set_visible(False)
        handles = [Patch(color=c, label=lab) for lab, c in (("short term", HORIZON_COLOURS["short"]),
                                                            ("long term", HORIZON_COLOURS["long"]))]
        handles += [Patch(facecolor="#888888", hatch=h, edgecolor="white", label=s.replace("_", " "))
                    for s, h in STATUS_HATCH.items() if h and s in set(table["status"])]
        ax.legend(handles=handles, loc="lower right", fontsize=7, frameon=False)
        ax.set_title(title, loc="left", fontsize=10)
    return fig


def plot_followup_dumbbell(changes, title: str = "Change since the baseline",
                           label_column: str = "subarea", lang: str | None = None) -> Figure:
    """Dumbbells: baseline and follow-up level per row (``Comparison.subareas`` or ``.pillars``).

    A grey dot is the baseline, a coloured dot the follow-up (blue up, red down); rows scored
    in only one round show that round's dot alone.
    """
    import matplotlib
    from matplotlib.figure import Figure
    labels = list(changes[label_column])
    n = max(len(labels), 1)
    with matplotlib.rc_context({"font.size": 9, "svg.fonttype": "none", **font_rc(title, *labels)}):
        fig = Figure(figsize=(7.5, 0.36 * n + 1.2), layout="constrained")
        ax = fig.subplots()
        y = list(range(len(labels)))[::-1]
        for yi, b, f in zip(y, changes["baseline"], changes["followup"]):
            b, f = float(b), float(f)
            colour = "#2166ac" if f > b else "#b2182b" if f < b else "#555555"
            if not (math.isnan(b) or math.isnan(f)):
                ax.plot([b, f], [yi, yi], color="#bbbbbb", linewidth=2, zorder=1)
            if not math.isnan(b):
                ax.scatter([b], [yi], color="#999999", s=28, zorder=2)
            if not math.isnan(f):
                ax.scatter([f], [yi], color=colour, s=36, zorder=3)
        ax.set_yticks(y, [_short(lab, 40) for lab in labels])
        ax.set_xlim(0.8, 5.2)
        ax.set_xticks([1, 2, 3, 4, 5])
        ax.set_xlabel(translator(lang or "en").gettext("Level (grey: baseline; blue: improved; red: declined)"))
        ax.grid(axis="x", color=GRID, linewidth=0.6)
        ax.set_axisbelow(True)
        ax.spines[["top", "right"]].set_visible(False)
        ax.set_title(title, loc="left", fontsize=10)
    return fig


# -- comparison across countries and rounds (workbook.report.comparison) ---------------------
def _grid(values, rows: list[str], cols: list[str], *, vmin: float, vmax: float, text, dark, title: str,
          col_width: float, label_width: float) -> Figure:
    """A rows x columns grid coloured on the level palette from ``vmin`` to ``vmax`` (NaN grey),
    ``text(i, j)`` in each cell, white where ``dark(v)``."""
    import matplotlib
    import numpy as np
    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure
    with matplotlib.rc_context({"font.size": 7, "svg.fonttype": "none", **font_rc(title, *rows, *cols)}):
        fig = Figure(figsize=(label_width + col_width * max(len(cols), 1), 0.9 + 0.22 * max(len(rows), 1)),
                     layout="constrained")
        ax = fig.subplots()
        cmap = ListedColormap([LEVEL_COLOURS[k] for k in range(1, 6)]).with_extremes(bad=NO_SCORE)
        ax.imshow(np.ma.masked_invalid(values), cmap=cmap, vmin=vmin, vmax=vmax, aspect="auto")
        for i in range(len(rows)):
            for j in range(len(cols)):
                v = values[i, j]
                ax.text(j, i, text(i, j), ha="center", va="center", fontsize=6,
                        color="white" if not math.isnan(v) and dark(v) else "#1f2933")
        ax.set_xticks(range(len(cols)), [_short(c, 24) for c in cols], rotation=60, ha="right")
        ax.set_yticks(range(len(rows)), [_short(r, 44) for r in rows])
        ax.tick_params(length=0)
        for side in ("top", "right", "bottom", "left"):
            ax.spines[side].set_visible(False)
        ax.set_title(title, loc="left", fontsize=9)
    return fig


def _cell_texts(matrix, labels) -> list[list[str]]:
    values = matrix.to_numpy(dtype=float)
    if labels is not None:
        given = labels.reindex(index=matrix.index, columns=matrix.columns).to_numpy(dtype=object)
    out = []
    for i in range(values.shape[0]):
        row = []
        for j in range(values.shape[1]):
            v = values[i, j]
            if math.isnan(v):
                row.append("–")
            elif labels is not None and isinstance(given[i, j], str) and given[i, j]:
                row.append(given[i, j])
            else:
                row.append(f"{v:g}" if float(v).is_integer() else f"{v:.1f}")
        out.append(row)
    return out


def _profile_values(pillars) -> tuple[list[float], list[bool], list[float], list[float]]:
    if "level" in pillars and "min_level" in pillars:
        return level_columns(pillars)
    scores = [float(x) for x in pillars["score"]]
    nan = [float("nan")] * len(scores)
    return scores, [False] * len(scores), nan, nan


def plot_heatmap(matrix, title: str = "Sub-area levels by country and round", labels=None) -> Figure:
    """A sub-area x assessment grid coloured by level, each cell with its value.

    ``matrix``: a DataFrame, one row per sub-area (index: labels), one column per assessment
    (columns: labels), values the sub-area levels (NaN: not scored). ``labels``: a DataFrame of
    the same shape with the text of each cell (``2+``); default the value itself. Columns keep
    the order given (alphabetical, not ranked).
    """
    texts = _cell_texts(matrix, labels)
    return _grid(matrix.to_numpy(dtype=float), list(matrix.index), list(matrix.columns), vmin=0.5, vmax=5.5,
                 title=title, text=lambda i, j: texts[i][j], dark=lambda v: round(v) in (1, 5), col_width=0.42,
                 label_width=2.6)


def plot_checklist(share, counts, title: str = "Checklist items met, by post visited") -> Figure:
    """A sub-area x post grid coloured by the share of observed checklist items met (red: none,
    blue: all; grey: nothing observed there), each cell with ``met/observed``.

    ``share`` and ``counts``: DataFrames with the same index (sub-area labels) and columns (post
    codes); ``share`` 0-1 or NaN, ``counts`` the text of each cell.
    """
    return _grid(share.to_numpy(dtype=float), list(share.index), list(share.columns), vmin=0, vmax=1, title=title,
                 text=lambda i, j: counts.iat[i, j] or "–", dark=lambda v: v < 0.2 or v > 0.8, col_width=0.55,
                 label_width=2.8)


def plot_profiles(profiles, title: str = "Pillar profiles side by side", ncols: int = 4) -> Figure:
    """Small multiples: one bar chart of the pillar levels per assessment, on the same scale, a
    line across each bar for the spread of its sub-area levels.

    ``profiles``: a sequence of ``(label, pillars)`` with ``pillars`` from ``score_pillars``.
    Panels keep the order given (alphabetical), so the chart reads as profiles, not a ranking.
    """
    import matplotlib
    from matplotlib.figure import Figure
    n = max(len(profiles), 1)
    ncols = max(1, min(ncols, n))
    nrows = math.ceil(n / ncols)
    texts = [title] + [str(x) for label, pillars in profiles for x in (label, *pillars["pillar"])]
    with matplotlib.rc_context({"font.size": 7, "svg.fonttype": "none", **font_rc(*texts)}):
        fig = Figure(figsize=(2.0 * ncols + 0.4, 1.35 * nrows + 0.5), layout="constrained")
        axes = fig.subplots(nrows, ncols, squeeze=False, sharex=True, sharey=True)
        for k, ax in enumerate(axes.flat):
            if k >= len(profiles):
                ax.set_axis_off()
                continue
            label, pillars = profiles[k]
            names = list(pillars["pillar"])
            levels, _plus, lows, highs = _profile_values(pillars)
            y = list(range(len(names)))[::-1]
            ax.barh(y, [0 if math.isnan(s) else s for s in levels], color=[level_colour(s) for s in levels],
                    height=0.65)
            for yi, lv, lo, hi in zip(y, levels, lows, highs):
                if not (missing(lv) or missing(lo) or missing(hi)) and lo < hi:
                    ax.plot([lo, hi], [yi, yi], color=SPREAD, linewidth=1, marker="|", markersize=5, zorder=3)
            ax.set_yticks(y, [_short(nm, 14) for nm in names])
            ax.set_xlim(0, 5)
            ax.set_xticks([1, 3, 5])
            ax.grid(axis="x", color=GRID, linewidth=0.5)
            ax.set_axisbelow(True)
            ax.spines[["top", "right"]].set_visible(False)
            ax.set_title(_short(label, 30), loc="left", fontsize=7)
        fig.suptitle(title, x=0.01, ha="left", fontsize=9)
    return fig


# -- the charts, with their alt text ------------------------------------------------------------
def subarea_chart(subareas, pillar_name: str, lang: str | None = None) -> Chart:
    """The sub-areas of a pillar (``subareas`` from ``score_subareas``) at their levels, with the
    spread of their indicators, for reports."""
    levels, plus, lows, highs = level_columns(subareas)
    return Chart(figure_svg(plot_subarea_scores(subareas, pillar_name, lang)),
                 translator(lang or "en").gettext("%(pillar)s: sub-area levels.") % {"pillar": pillar_name} + " "
                 + describe_profile(list(subareas["subarea"]), levels, plus, lows, highs, "indicators", lang))


def profile_chart(pillars, title: str = N_("Capacity profile by pillar"), lang: str | None = None) -> Chart:
    """The pillars of an assessment (``pillars`` from ``score_pillars``): a profile, not a rank;
    ``lang``: the language of its title and alt text (default English)."""
    _ = translator(lang or "en").gettext
    levels, plus, lows, highs = level_columns(pillars)
    return Chart(figure_svg(plot_profile(pillars, _(title), lang)),
                 _("Capacity profile by pillar.") + " " + describe_profile(list(pillars["pillar"]), levels, plus,
                                                                          lows, highs, "sub-areas", lang))


def gantt_chart(table, title: str = N_("Road map"), lang: str | None = None) -> Chart:
    """The road map's timeline (``Roadmap.table``): every bar with its dates in the alt text."""
    if lang not in (None, "en"):
        t = translator(lang)
        bars = t.gettext("; ").join(f"{r.order}. {r.title}: " + t.gettext("%(start)s to %(end)s") % {
            "start": format_date(r.start), "end": format_date(r.end)} for r in table.itertuples())
        alt = t.ngettext("Gantt chart of the road map, %(n)s recommendation in road-map order.",
                         "Gantt chart of the road map, %(n)s recommendations in road-map order.",
                         len(table)) % {"n": len(table)} + (f" {bars}." if bars else "")
        return Chart(figure_svg(plot_roadmap_gantt(table, t.gettext(title))), alt)
    if len(table) == 0:
        alt = "Gantt chart of the road map: no recommendations yet."
    else:
        bars = "; ".join(f"{r.order}. {r.title}: {format_date(r.start)} to {format_date(r.end)}, {r.group}, "
                         f"{str(r.status).replace('_', ' ')}" for r in table.itertuples())
        alt = f"Gantt chart of the road map, {len(table)} recommendations in road-map order. {bars}."
    return Chart(figure_svg(plot_roadmap_gantt(table, title)), alt)


def _digits(values) -> int:
    """Digits to print: none when every value is a whole level (no false precision), else one."""
    finite = [float(v) for v in values if not missing(v)]
    return 0 if finite and all(v.is_integer() for v in finite) else 1


def dumbbell_chart(changes, title: str = N_("Change since the baseline"), label_column: str = "subarea",
                   lang: str | None = None) -> Chart:
    """Baseline and follow-up per row (``Comparison.subareas`` or ``.pillars``); whole levels are
    written whole in the alt text."""
    t = translator(lang or "en")
    digits = _digits(list(changes["baseline"]) + list(changes["followup"]))
    code = None if lang in (None, "en") else lang
    parts = [f"{lab}: " + t.pgettext("levels", "%(start)s to %(end)s") % {
                 "start": format_score(b, digits, lang=code), "end": format_score(f, digits, lang=code)}
             for lab, b, f in zip(changes[label_column], changes["baseline"], changes["followup"])]
    return Chart(figure_svg(plot_followup_dumbbell(changes, t.gettext(title), label_column, lang)),
                 t.gettext("Dumbbell chart of levels, baseline to follow-up.") + " " + t.gettext("; ").join(parts)
                 + ".")


def heatmap_chart(matrix, title: str = N_("Sub-area levels by country and round"), labels=None,
                  lang: str | None = None) -> Chart:
    """Sub-area x assessment levels (see :func:`plot_heatmap`); the alt text lists every cell, in
    ``lang`` (the title is translated when it is a marked message)."""
    t = translator(lang or "en")
    texts = _cell_texts(matrix, labels)
    not_scored = level_label(float("nan"), lang=lang)
    alt = t.gettext("Heat map of sub-area levels.") + " " + " ".join(
        f"{c}: " + t.gettext("; ").join(f"{r.split(' ', 1)[0]} {not_scored if x == '–' else x}"
                                        for r, x in zip(matrix.index, (row[j] for row in texts))) + "."
        for j, c in enumerate(matrix.columns))
    return Chart(figure_svg(plot_heatmap(matrix, t.gettext(title), labels)), alt)


def checklist_chart(share, counts, title: str = N_("Checklist items met, by post visited"),
                    lang: str | None = None) -> Chart:
    """The posts x checklist heat map of a mission (see :func:`plot_checklist`); the title and the
    alt text (every cell) in ``lang``."""
    t = translator(lang or "en")
    alt = t.gettext("Heat map of checklist items met at each post visited, by sub-area.") + " " + " ".join(
        f"{c}: " + t.gettext("; ").join(t.gettext("%(subarea)s %(met)s met") % {
            "subarea": r.split(" ", 1)[0], "met": counts.at[r, c]} for r in share.index if counts.at[r, c])
        + "." for c in share.columns)
    return Chart(figure_svg(plot_checklist(share, counts, t.gettext(title))), alt)


def _degrees(value: float, positive: str, negative: str, lang: str | None = None) -> str:
    """``12.50° N``; the compass letter and the decimal sign in ``lang`` (``12,50° O`` in French)."""
    t = translator(lang or "en")
    code = None if lang in (None, "en") else lang
    letters = {"N": t.pgettext("compass", "N"), "S": t.pgettext("compass", "S"), "E": t.pgettext("compass", "E"),
               "W": t.pgettext("compass", "W")}
    return f"{format_score(abs(value), 2, lang=code)}° {letters[positive if value >= 0 else negative]}"


def plot_posts_map(posts, title: str = "Crossing points of the register", lang: str | None = None) -> Figure:
    """The posts with coordinates on an equirectangular projection true to scale at their mean
    latitude: visited posts filled and labelled, the others hollow, a graticule in degrees and a
    scale bar in kilometres. Drawn from the register alone (no basemap, no tiles: nothing is
    fetched). ``posts``: rows with ``code``, ``lat``, ``lon``, ``visited`` (bool). The legend and
    the axes in ``lang``; ``title`` as given."""
    import matplotlib
    from matplotlib.figure import Figure
    lats, lons = [float(v) for v in posts["lat"]], [float(v) for v in posts["lon"]]
    mid = math.cos(math.radians(sum(lats) / len(lats)))
    span = max(max(lats) - min(lats), (max(lons) - min(lons)) * mid, 0.2)
    pad = span * 0.15
    with matplotlib.rc_context({"font.size": 7, "svg.fonttype": "none", **font_rc(title, *posts["code"])}):
        fig = Figure(figsize=(6.2, 4.4), layout="constrained")
        ax = fig.subplots()
        ax.set_aspect(1 / mid)
        t = translator(lang or "en")
        for visited, face, label in ((False, "white", t.gettext("not visited")),
                                     (True, LEVEL_COLOURS[5], t.gettext("visited"))):
            chosen = posts[posts["visited"] == visited]
            ax.scatter([float(v) for v in chosen["lon"]], [float(v) for v in chosen["lat"]], s=36, marker="o",
                       facecolors=face, edgecolors=LEVEL_COLOURS[5], linewidths=1.2, zorder=3,
                       label=f"{label} ({len(chosen)})")
        for r in posts.itertuples():
            ax.annotate(_short(r.code, 20), (float(r.lon), float(r.lat)), xytext=(4, 4), textcoords="offset points",
                        fontsize=6.5, fontweight="bold" if r.visited else "normal", color=SPREAD, zorder=4)
        cy, cx = (max(lats) + min(lats)) / 2, (max(lons) + min(lons)) / 2
        ax.set_ylim(cy - span / 2 - pad, cy + span / 2 + pad)
        ax.set_xlim(cx - (span / 2 + pad) / mid, cx + (span / 2 + pad) / mid)
        ax.grid(color=GRID, linewidth=0.5)
        ax.xaxis.set_major_formatter(lambda v, _: _degrees(v, "E", "W", lang))
        ax.yaxis.set_major_formatter(lambda v, _: _degrees(v, "N", "S", lang))
        ax.tick_params(labelsize=6)
        km = _scale_km(span * 111.32 / 3)
        x0, y0 = ax.get_xlim()[0] + pad * 0.3 / mid, ax.get_ylim()[0] + pad * 0.3
        ax.plot([x0, x0 + km / (111.32 * mid)], [y0, y0], color=SPREAD, linewidth=2, zorder=4)
        digits = 0 if km >= 1 else -math.floor(math.log10(km))
        ax.text(x0, y0 + pad * 0.12, f"{format_score(km, digits, lang=None if lang in (None, 'en') else lang)} km",
                fontsize=6, color=SPREAD, zorder=4)
        ax.legend(loc="upper right", fontsize=6, frameon=True)
        ax.set_title(title, loc="left", fontsize=9)
    return fig


def _scale_km(rough: float) -> float:
    """A round length near ``rough`` kilometres for the scale bar (1, 2, 5 x a power of ten)."""
    power = 10 ** math.floor(math.log10(max(rough, 0.01)))
    return next(k * power for k in (5, 2, 1) if k * power <= rough) if rough >= power else power


def posts_map_chart(posts, title: str = N_("Crossing points of the register"), lang: str | None = None) -> Chart:
    """The map of the posts with coordinates (see :func:`plot_posts_map`); the alt text lists
    every post with its position and whether it was visited, in ``lang``."""
    t = translator(lang or "en")
    alt = t.gettext("Map of %(posts)s crossing points by their coordinates, %(visited)s visited.") % {
        "posts": len(posts), "visited": int(posts["visited"].sum())}
    for r in posts.itertuples():
        name = f"{r.code} ({r.name})" if getattr(r, "name", "") else r.code
        alt += " " + t.gettext("%(post)s: %(lat)s, %(lon)s, %(visited)s.") % {
            "post": name, "lat": _degrees(float(r.lat), "N", "S", lang), "lon": _degrees(float(r.lon), "E", "W", lang),
            "visited": t.gettext("visited") if r.visited else t.gettext("not visited")}
    return Chart(figure_svg(plot_posts_map(posts, t.gettext(title), lang)), alt)


def profiles_chart(profiles, title: str = N_("Pillar profiles side by side"), lang: str | None = None) -> Chart:
    """Small multiples of pillar profiles (see :func:`plot_profiles`); the alt text gives each
    pillar's level and the spread of its sub-areas, in ``lang``."""
    t = translator(lang or "en")
    code = None if lang in (None, "en") else lang
    parts = []
    for label, pil in profiles:
        levels, plus, lows, highs = _profile_values(pil)
        parts.append(f"{label}: " + t.gettext("; ").join(
            f"{p}: {level_label(lv, pl, lang=lang) if 'level' in pil else format_score(lv, 1, lang=code)}"
            + ("" if missing(lo) else " " + t.gettext("(sub-areas %(spread)s)") % {"spread": spread_words(lo, hi,
                                                                                                       lang)})
            for p, lv, pl, lo, hi in zip(pil["pillar"], levels, plus, lows, highs)) + ".")
    return Chart(figure_svg(plot_profiles(profiles, t.gettext(title))),
                 t.gettext("Pillar profiles.") + " " + " ".join(parts))

"""Charts of scores (matplotlib). Functions take scoring frames, return a closed Figure and
leave global matplotlib state as they found it."""
from __future__ import annotations

import io
import math

import matplotlib
from matplotlib.figure import Figure

# One colour per level, shared by the app and the reports (colour-blind safe, light to dark).
LEVEL_COLOURS = {1: "#b2182b", 2: "#ef8a62", 3: "#e0c96a", 4: "#67a9cf", 5: "#2166ac"}
NO_SCORE = "#bdbdbd"


def level_colour(score: float) -> str:
    if score is None or (isinstance(score, float) and math.isnan(score)):
        return NO_SCORE
    return LEVEL_COLOURS[min(5, max(1, int(round(score))))]


def _bars(labels: list[str], scores: list[float], title: str, *, width: float = 7.5) -> Figure:
    with matplotlib.rc_context({"font.size": 9, "svg.fonttype": "none"}):
        fig = Figure(figsize=(width, 0.42 * len(labels) + 1.1), layout="constrained")
        ax = fig.subplots()
        y = list(range(len(labels)))[::-1]
        values = [0 if (s is None or math.isnan(s)) else s for s in scores]
        ax.barh(y, values, color=[level_colour(s) for s in scores], height=0.6)
        for yi, s in zip(y, scores):
            text = "not scored" if (s is None or math.isnan(s)) else f"{s:.1f}"
            ax.text((0 if text == "not scored" else s) + 0.05, yi, text, va="center", fontsize=8)
        ax.set_yticks(y, labels)
        ax.set_xlim(0, 5.4)
        ax.set_xticks([1, 2, 3, 4, 5])
        ax.set_xlabel("Level (1 absent or ad hoc - 5 sustained)")
        ax.grid(axis="x", color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)
        ax.spines[["top", "right"]].set_visible(False)
        ax.set_title(title, loc="left", fontsize=10)
    return fig


def plot_subarea_scores(subareas, pillar_name: str) -> Figure:
    """Horizontal bars: one per sub-area of a pillar (``subareas`` from ``score_subareas``)."""
    return _bars(list(subareas["subarea"]), [float(x) for x in subareas["score"]],
                 f"{pillar_name}: sub-area scores")


def plot_profile(pillars, title: str = "Capacity profile by pillar") -> Figure:
    """Horizontal bars: one per pillar (``pillars`` from ``score_pillars``). A profile, not a rank."""
    return _bars(list(pillars["pillar"]), [float(x) for x in pillars["score"]], title)


def figure_svg(fig: Figure) -> str:
    """A Figure as an SVG element (no XML prologue, text kept as text, no timestamp: stable output)."""
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "mbm-workbook"}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    svg = buf.getvalue()
    return svg[svg.index("<svg"):]


def describe_scores(labels, scores) -> str:
    """Alt text stating the values a chart shows."""
    parts = [f"{lab}: {'not scored' if math.isnan(float(s)) else f'{float(s):.1f}'}" for lab, s in zip(labels, scores)]
    return "Bar chart of levels from 1 to 5. " + "; ".join(parts) + "."


# -- road map and follow-up (frames from workbook.roadmap) --------------------------------
HORIZON_COLOURS = {"short": "#2166ac", "long": "#67a9cf"}
STATUS_HATCH = {"open": "", "in_progress": "//", "done": "xx", "dropped": ".."}


def _short(text: str, n: int = 48) -> str:
    text = str(text)
    return text if len(text) <= n else text[: n - 1] + "\u2026"


def plot_roadmap_gantt(table, title: str = "Road map") -> Figure:
    """Timeline bars, one per recommendation in road-map order (``Roadmap.table``).

    Bars run from ``start`` to ``end``, coloured by horizon and hatched by status; a
    recommendation's prerequisites are above it, so the chart reads top to bottom.
    """
    import matplotlib.dates as mdates
    from matplotlib.patches import Patch

    n = max(len(table), 1)
    with matplotlib.rc_context({"font.size": 8, "svg.fonttype": "none", "hatch.color": "white"}):
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
        ax.grid(axis="x", color="#dddddd", linewidth=0.6)
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
                           label_column: str = "subarea") -> Figure:
    """Dumbbells: baseline and follow-up level per row (``Comparison.subareas`` or ``.pillars``).

    A grey dot is the baseline, a coloured dot the follow-up (blue up, red down); rows scored
    in only one round show that round's dot alone.
    """
    labels = list(changes[label_column])
    n = max(len(labels), 1)
    with matplotlib.rc_context({"font.size": 9, "svg.fonttype": "none"}):
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
        ax.set_xlabel("Level (grey: baseline; blue: improved; red: declined)")
        ax.grid(axis="x", color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)
        ax.spines[["top", "right"]].set_visible(False)
        ax.set_title(title, loc="left", fontsize=10)
    return fig


# -- comparison across countries and rounds (workbook.report.comparison) ---------------------
def plot_heatmap(matrix, title: str = "Sub-area scores by country and round") -> Figure:
    """A sub-area x assessment grid coloured by level, each cell with its value.

    ``matrix``: a DataFrame, one row per sub-area (index: labels), one column per assessment
    (columns: labels), values the sub-area scores (NaN: not scored). Columns keep the order
    given (alphabetical, not ranked).
    """
    import numpy as np
    from matplotlib.colors import ListedColormap
    rows, cols = list(matrix.index), list(matrix.columns)
    values = matrix.to_numpy(dtype=float)
    with matplotlib.rc_context({"font.size": 7, "svg.fonttype": "none"}):
        fig = Figure(figsize=(2.6 + 0.42 * max(len(cols), 1), 0.9 + 0.22 * max(len(rows), 1)), layout="constrained")
        ax = fig.subplots()
        cmap = ListedColormap([LEVEL_COLOURS[k] for k in range(1, 6)]).with_extremes(bad=NO_SCORE)
        ax.imshow(np.ma.masked_invalid(values), cmap=cmap, vmin=0.5, vmax=5.5, aspect="auto")
        for i in range(len(rows)):
            for j in range(len(cols)):
                v = values[i, j]
                text = "–" if math.isnan(v) else f"{v:.1f}"
                dark = not math.isnan(v) and (round(v) in (1, 5))
                ax.text(j, i, text, ha="center", va="center", fontsize=6, color="white" if dark else "#1f2933")
        ax.set_xticks(range(len(cols)), [_short(c, 24) for c in cols], rotation=60, ha="right")
        ax.set_yticks(range(len(rows)), [_short(r, 44) for r in rows])
        ax.tick_params(length=0)
        for side in ("top", "right", "bottom", "left"):
            ax.spines[side].set_visible(False)
        ax.set_title(title, loc="left", fontsize=9)
    return fig


def plot_profiles(profiles, title: str = "Pillar profiles side by side", ncols: int = 4) -> Figure:
    """Small multiples: one bar chart of the pillar scores per assessment, on the same scale.

    ``profiles``: a sequence of ``(label, pillars)`` with ``pillars`` from ``score_pillars``.
    Panels keep the order given (alphabetical), so the chart reads as profiles, not a ranking.
    """
    n = max(len(profiles), 1)
    ncols = max(1, min(ncols, n))
    nrows = math.ceil(n / ncols)
    with matplotlib.rc_context({"font.size": 7, "svg.fonttype": "none"}):
        fig = Figure(figsize=(2.0 * ncols + 0.4, 1.35 * nrows + 0.5), layout="constrained")
        axes = fig.subplots(nrows, ncols, squeeze=False, sharex=True, sharey=True)
        for k, ax in enumerate(axes.flat):
            if k >= len(profiles):
                ax.set_axis_off()
                continue
            label, pillars = profiles[k]
            names = list(pillars["pillar"])
            scores = [float(x) for x in pillars["score"]]
            y = list(range(len(names)))[::-1]
            ax.barh(y, [0 if math.isnan(s) else s for s in scores], color=[level_colour(s) for s in scores],
                    height=0.65)
            ax.set_yticks(y, [_short(nm, 14) for nm in names])
            ax.set_xlim(0, 5)
            ax.set_xticks([1, 3, 5])
            ax.grid(axis="x", color="#dddddd", linewidth=0.5)
            ax.set_axisbelow(True)
            ax.spines[["top", "right"]].set_visible(False)
            ax.set_title(_short(label, 30), loc="left", fontsize=7)
        fig.suptitle(title, x=0.01, ha="left", fontsize=9)
    return fig

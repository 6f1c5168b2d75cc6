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

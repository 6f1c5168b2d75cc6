"""Charts of scores (matplotlib). Functions take scoring frames, return a closed Figure and
leave global matplotlib state as they found it."""
from __future__ import annotations

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


def describe_scores(labels, scores) -> str:
    """Alt text stating the values a chart shows."""
    parts = [f"{lab}: {'not scored' if math.isnan(float(s)) else f'{float(s):.1f}'}" for lab, s in zip(labels, scores)]
    return "Bar chart of levels from 1 to 5. " + "; ".join(parts) + "."

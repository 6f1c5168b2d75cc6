"""The colours of the pages, the reports and the charts, defined once (no matplotlib here).

Levels run light red to dark blue, colour-blind safe; a chart never relies on colour alone
(values are written beside the bars, and the alt text states them).
"""
from __future__ import annotations

import math

#: One colour per level 1-5.
LEVEL_COLOURS = {1: "#b2182b", 2: "#ef8a62", 3: "#e0c96a", 4: "#67a9cf", 5: "#2166ac"}
#: A sub-area or pillar without a score.
NO_SCORE = "#bdbdbd"
#: Road-map bars by horizon; statuses by hatching (the Gantt chart).
HORIZON_COLOURS = {"short": "#2166ac", "long": "#67a9cf"}
STATUS_HATCH = {"open": "", "in_progress": "//", "done": "xx", "dropped": ".."}
#: Status lines: done, refused, working.
OK, FAILED, WORKING = "#1b5e20", "#b71c1c", "#6d4c00"
#: Grid lines and secondary text.
GRID, MUTED = "#dddddd", "#444"
#: The line that marks the spread of a level's parts (lowest to highest) across its bar.
SPREAD = "#1f2933"


def level_colour(score) -> str:
    """The colour of a score (rounded to its level), or :data:`NO_SCORE`."""
    if score is None or (isinstance(score, float) and math.isnan(score)):
        return NO_SCORE
    return LEVEL_COLOURS[min(5, max(1, int(round(score))))]

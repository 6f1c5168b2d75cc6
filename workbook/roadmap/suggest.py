"""Suggested recommendations: from the gaps and the action library, for the team to edit.

For each scored indicator below its sub-area's target, the library's actions of every step
between the indicator's current level and the target, plus their prerequisites (direct or
indirect) that the country has not already reached. A suggestion is short-term when its step is
within the short-term target and the action itself is short-term; a prerequisite of a short-term
suggestion is pulled into the short term too.
"""
from __future__ import annotations

import pandas as pd

from ..actions import ActionLibrary
from ..framework import Framework
from .targets import indicator_levels

SUGGESTION_COLUMNS = ["key", "subarea_id", "indicator_id", "target_level", "action_type", "title", "description",
                      "cost_band", "funding_status", "horizon", "status", "source_action_id", "prerequisites",
                      "priority", "reason"]


def suggest_recommendations(framework: Framework, library: ActionLibrary, indicators: pd.DataFrame,
                            targets: pd.DataFrame, *, horizon: str = "long", top: int | None = None) -> pd.DataFrame:
    """Suggested recommendations, most urgent sub-area first.

    Parameters
    ----------
    framework, library
        The framework and the action library (:func:`workbook.actions.load_actions`).
    indicators : DataFrame
        ``Scores.indicators`` of the assessment (the capped level is the current level).
    targets : DataFrame
        :func:`~workbook.roadmap.targets.compute_targets` output.
    horizon : {"long", "short"}
        Suggest up to the long-term target (default) or only up to the short-term one.
    top : int, optional
        Only the ``top`` sub-areas with the highest priority (default: every sub-area with a gap).

    Returns
    -------
    DataFrame
        One row per suggestion (:data:`SUGGESTION_COLUMNS`). ``key`` is the source action id and
        ``prerequisites`` lists keys, so the frame's records can be saved as they are with
        ``RoadmapStore.add_recommendations``. Unscored indicators (NA, NE, unrated) get none.
    """
    levels = indicator_levels(indicators)
    chosen: dict[str, dict] = {}
    order = targets.sort_values(["priority", "subarea_id"], ascending=[False, True], na_position="last")
    if top is not None:
        order = order.head(top)
    for t in order.to_dict("records"):
        if pd.isna(t["score"]):
            continue
        short, long = int(t["short_term_target"]), int(t["long_term_target"])
        goal = long if horizon == "long" else short
        sa = framework.subareas[t["subarea_id"]]
        for ind in sa.indicators:
            if ind.id not in levels:
                continue
            current = levels[ind.id]
            for step in range(current + 1, goal + 1):
                for action in library.actions_for(ind.id, step):
                    short_term = step <= short and action.horizon == "short"
                    reason = (f"{ind.id} is at level {current}; step {step - 1}->{step} towards the "
                              f"{'short' if step <= short else 'long'}-term target {short if step <= short else long}"
                              f" of {sa.id}")
                    _add(chosen, framework, library, action, "short" if short_term else "long", t["priority"],
                         reason)
    # prerequisites the country has not reached yet, each placed no later than what needs it
    queue = list(chosen)
    while queue:
        key = queue.pop(0)
        for pre in library.action(key).prerequisites:
            p = library.action(pre)
            if levels.get(p.indicator, 0) >= p.to_level:
                continue  # already in place
            dependent = chosen[key]
            if pre not in chosen:
                _add(chosen, framework, library, p, dependent["horizon"], dependent["priority"],
                     f"prerequisite of {key} ({dependent['title']})")
                queue.append(pre)
            elif dependent["horizon"] == "short" and chosen[pre]["horizon"] == "long":
                chosen[pre]["horizon"] = "short"
                queue.append(pre)
    for row in chosen.values():
        row["prerequisites"] = [p for p in library.action(row["key"]).prerequisites if p in chosen]
    return pd.DataFrame(list(chosen.values()), columns=SUGGESTION_COLUMNS)


def _add(chosen: dict, framework: Framework, library: ActionLibrary, action, horizon: str, prio, reason: str):
    if action.id in chosen:
        return
    chosen[action.id] = {
        "key": action.id, "subarea_id": framework.subarea_of(action.indicator).id, "indicator_id": action.indicator,
        "target_level": action.to_level, "action_type": action.type, "title": action.title,
        "description": action.description, "cost_band": action.cost_band, "funding_status": "gap",
        "horizon": horizon, "status": "open", "source_action_id": action.id, "prerequisites": [],
        "priority": prio, "reason": reason}

"""Suggested recommendations: from the gaps and the action library, for the team to edit.

For each scored indicator below its sub-area's target, the library's actions of every step
between the indicator's current level and the target, plus their prerequisites (direct or
indirect) that the country has not already reached. A suggestion is short-term when its step is
within the short-term target and the action itself is short-term; a prerequisite of a short-term
suggestion is pulled into the short term too.

With framework 2.0: an investment written once under its home indicator also serves the other
indicators it closes (``also_closes``), so it is suggested once, whichever indicator needs it; an
action whose criteria the team has already ticked as met is not suggested; and an indicator rated
``IE`` (insufficient evidence) gets its suggestions marked *verify first* and kept out of the top
priorities, so a road map does not propose building what may already exist.
"""
from __future__ import annotations

import pandas as pd

from .library import ActionLibrary
from ..errors import InvalidInput, Problem
from ..framework import Framework
from .targets import indicator_levels

SUGGESTION_COLUMNS = ["key", "subarea_id", "indicator_id", "target_level", "action_type", "title", "description",
                      "cost_band", "funding_status", "horizon", "status", "source_action_id", "prerequisites",
                      "priority", "reason", "verify_first", "package"]


def suggest_recommendations(framework: Framework, library: ActionLibrary, indicators: pd.DataFrame,
                            targets: pd.DataFrame, *, horizon: str = "long", top: int | None = None,
                            answers: dict[str, str] | None = None) -> pd.DataFrame:
    """Suggested recommendations, most urgent sub-area first.

    Parameters
    ----------
    framework, library
        The framework and the action library (:func:`workbook.roadmap.library.load_actions`).
    indicators : DataFrame
        ``Scores.indicators`` of the assessment (the capped level is the current level).
    targets : DataFrame
        :func:`~workbook.roadmap.targets.compute_targets` output.
    horizon : {"long", "short"}
        Suggest up to the long-term target (default) or only up to the short-term one.
    top : int, optional
        Only the ``top`` sub-areas with the highest priority (default: every sub-area with a gap).
    answers : dict, optional
        The team's criteria answers (``{criterion_id: "yes" | "no" | "na"}``): an action whose
        criteria are all met already is left out.

    Returns
    -------
    DataFrame
        One row per suggestion (:data:`SUGGESTION_COLUMNS`). ``key`` is the source action id and
        ``prerequisites`` lists keys, so the frame's records can be saved as they are with
        ``RoadmapStore.add_recommendations``. Unscored indicators (NA, NE, unrated) get none.
    """
    levels = indicator_levels(indicators)
    verify = set(indicators.loc[indicators["status"] == "IE", "indicator_id"]) if "status" in indicators else set()
    answers = answers or {}
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
                for action in library.closing(ind.id, step):
                    if action.criteria and all(answers.get(c) in ("yes", "na") for c in action.criteria):
                        continue  # what it would make true is already in place
                    short_term = step <= short and action.horizon == "short"
                    reason = (f"{ind.id} is at level {current}; step {step - 1}->{step} towards the "
                              f"{'short' if step <= short else 'long'}-term target {short if step <= short else long}"
                              f" of {sa.id}")
                    if ind.id in verify:
                        reason = (f"verify first: {ind.id} was rated IE (insufficient evidence), so its level is "
                                  f"not known; {reason}")
                    _add(chosen, framework, library, action, "short" if short_term else "long",
                         float("nan") if ind.id in verify else t["priority"], reason, verify_first=ind.id in verify,
                         need=(ind.id, step))
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


def _add(chosen: dict, framework: Framework, library: ActionLibrary, action, horizon: str, prio, reason: str,
         *, verify_first: bool = False, need: tuple[str, int] | None = None):
    """Add a suggestion once. ``need`` is the indicator and level it is suggested for (an
    investment homed elsewhere serves the indicator that needs it); default the action's own."""
    if action.id in chosen:
        if chosen[action.id]["verify_first"] and not verify_first:  # a verified need outranks an unverified one
            chosen[action.id].update(verify_first=False, priority=prio, reason=reason)
        return
    indicator, level = need or (action.indicator, action.to_level)
    chosen[action.id] = {
        "key": action.id, "subarea_id": framework.subarea_of(indicator).id, "indicator_id": indicator,
        "target_level": level, "action_type": action.type, "title": action.title,
        "description": action.description, "cost_band": action.cost_band, "funding_status": "gap",
        "horizon": horizon, "status": "open", "source_action_id": action.id, "prerequisites": [],
        "priority": prio, "reason": reason, "verify_first": verify_first, "package": action.package}


def plan_acceptance(suggestions: pd.DataFrame, keys, existing: pd.DataFrame) -> tuple[list[dict], dict[str, int]]:
    """The rows to save when the team accepts the suggestions ``keys``.

    A suggestion needs its prerequisites, so those not yet in the recommendations list come
    along (from the same suggestion frame); those already accepted are named by their
    recommendation id. Keys already accepted are not added twice.

    Parameters
    ----------
    suggestions : DataFrame
        :func:`suggest_recommendations` output, unfiltered (a prerequisite may lie in another
        pillar or sub-area than what needs it).
    keys : iterable of str
        Action ids (the ``key`` column) the team accepts.
    existing : DataFrame
        The assessment's recommendations (``id, source_action_id``).

    Returns
    -------
    (rows, already)
        ``rows`` to pass to ``RoadmapStore.add_recommendations`` in suggestion order;
        ``already`` maps accepted keys that are in the list already to their recommendation id.

    Raises
    ------
    InvalidInput
        Naming every key that is not among the suggestions.
    """
    by_key = {r["key"]: r for r in suggestions.to_dict("records")}
    accepted: dict[str, int] = {}
    if len(existing):
        for rid, src in zip(existing["id"], existing["source_action_id"]):
            if isinstance(src, str) and src and src not in accepted:
                accepted[src] = int(rid)
    keys = list(keys)
    problems = [Problem(f"keys[{n}]", f"{k!r} is not among the suggestions") for n, k in enumerate(keys)
                if not isinstance(k, str) or k not in by_key]
    if problems:
        raise InvalidInput(problems, what="accept suggestions")
    wanted: set[str] = set()
    stack = [k for k in keys if k not in accepted]
    while stack:
        k = stack.pop()
        if k in wanted:
            continue
        wanted.add(k)
        stack += [p for p in by_key[k]["prerequisites"] if p in by_key and p not in accepted]
    rows = []
    for key, row in by_key.items():
        if key not in wanted:
            continue
        row = dict(row)
        row["prerequisites"] = [accepted.get(p, p) for p in row["prerequisites"] if p in wanted or p in accepted]
        rows.append(row)
    return rows, {k: accepted[k] for k in keys if k in accepted}

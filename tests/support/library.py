"""A complete action library for tests: the hand-written core (tests/data/actions_core.yaml) plus
one placeholder action for every step it leaves open."""
from __future__ import annotations

from pathlib import Path

import yaml

from workbook.framework import load_framework
from workbook.roadmap.library import STEPS, load_actions

from . import DATA

CORE = DATA / "actions_core.yaml"


def complete_library_data(framework) -> dict:
    """The hand-written core plus one placeholder action for every step it leaves open."""
    data = yaml.safe_load(CORE.read_text(encoding="utf-8"))
    covered = {(a["indicator"], a["to_level"]) for a in data["actions"]}
    for ind in framework.indicators:
        for step in STEPS:
            if (ind, step) not in covered:
                data["actions"].append({"id": f"{ind}-s{step}-a", "indicator": ind, "to_level": step,
                                        "type": "sop", "title": f"Placeholder {ind} to {step}",
                                        "description": "Placeholder.", "cost_band": "low",
                                        "horizon": "short" if step <= 3 else "long"})
    return data


def complete_library(tmp_path: Path, framework=None):
    """Write the complete test library under ``tmp_path`` and load it through :func:`load_actions`."""
    fw = framework or load_framework()
    path = tmp_path / "actions.yaml"
    path.write_text(yaml.safe_dump(complete_library_data(fw), sort_keys=False), encoding="utf-8")
    return load_actions(path, fw)

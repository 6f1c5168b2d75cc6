"""Framework 2.0 helpers for the exchange tests: the criteria of an indicator, answers that meet
its levels, and an assessment that stays on framework 1.0.0."""
from __future__ import annotations

from workbook.framework import load_framework
from workbook.store import AssessmentInfo, Store

FW = load_framework()
IND = "OPS.2.3"  # screening and referral: criteria at every level, some observed at crossing points


def capacity(level: int, ind: str = IND) -> list[str]:
    """The capacity (not normative) criteria of one level of an indicator."""
    return [c.id for c in FW.indicator(ind).levels[level - 1].criteria if not c.normative]


def met_up_to(level: int, ind: str = IND) -> dict[str, str]:
    """Answers that meet every capacity criterion of levels 2 to ``level``."""
    return {cid: "yes" for n in range(2, level + 1) for cid in capacity(n, ind)}


def empty_round(store: Store) -> AssessmentInfo:
    """A new round of XAT on the current framework with nothing recorded (the demo's baseline
    answers every criterion and records the crossing-point profile): for tests that start from nothing."""
    return store.create_assessment("XAT", "follow-up 2027", country_name="Atlantis", by="tester")


def framework_1_assessment(store: Store) -> AssessmentInfo:
    """XBO's 2019 round, rated against framework 1.0.0 (no criteria), with OPS.1.1 (an id of 1.0:
    merged into REG.2.1 in 2.0) rated."""
    old = Store(store.engine.url.render_as_string(hide_password=False), framework=load_framework(version="1.0.0"))
    info = old.create_assessment("XBO", "baseline 2019", country_name="Borduria", by="tester")
    old.save_rating(info.id, "OPS.1.1", by="tester", national="2", notes="rated on 1.0")
    assert store.framework_of(info.id).version == "1.0.0"
    return info

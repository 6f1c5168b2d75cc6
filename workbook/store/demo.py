"""Demo data: three fictional countries with user-assigned codes, clearly marked fictional.

The ratings are generated from a fixed seed and a per-pillar profile, so every run loads the
same data, and loading twice changes nothing.
"""
from __future__ import annotations

import datetime as dt
import random

from ..errors import NotFound
from .assessments import Store

DEMO_ROUND = "baseline 2026"
DEMO_USER = "demo loader"

# code, name, mean level per pillar, team
DEMO_COUNTRIES = [
    ("XAT", "Atlantis", {"ADM": 3.4, "OPS": 3.0, "REG": 3.8, "INF": 2.4},
     [("Maria Okafor", "International assessment team", "international"),
      ("Tomas Lindqvist", "International assessment team", "international"),
      ("Ana Ferreira", "Atlantis Border Police", "national"),
      ("Idris Benali", "Atlantis Ministry of Interior", "national")]),
    ("XBO", "Borduria", {"ADM": 2.2, "OPS": 2.6, "REG": 2.0, "INF": 1.8},
     [("Kwame Mensah", "International assessment team", "international"),
      ("Lena Horvat", "Borduria State Border Service", "national"),
      ("Piotr Zielinski", "Borduria Migration Directorate", "national")]),
    ("XSY", "Syldavia", {"ADM": 3.9, "OPS": 3.6, "REG": 3.3, "INF": 4.1},
     [("Sofia Marin", "International assessment team", "international"),
      ("Yusuf Demir", "International assessment team", "international"),
      ("Otto Kaminski", "Syldavian Border Guard", "national")]),
]

EVIDENCE_BY_LEVEL = {
    1: [("interview", "Interview with shift supervisors")],
    2: [("interview", "Workshop with the national team"), ("self_assessment", "National self-assessment answer")],
    3: [("law", "Law on State Border, consolidated text"), ("sop", "First-line checks manual"),
        ("organigram", "Ministry organigram and mandate decree")],
    4: [("observation", "Observation at the main airport and a land crossing"),
        ("statistics", "Annual statistics of the border service")],
    5: [("trend_data", "Five-year series of border-service performance data"),
        ("audit", "Report of the national audit office")],
}

NOTES = {
    1: "Nothing formal in place; practice depends on individual officers.",
    2: "Draft documents or a pilot exist but are not applied nationwide.",
    3: "Formally adopted and documented; application across crossing points not yet verified.",
    4: "Seen working at the crossing points visited; results are measured.",
    5: "Reviewed on a regular cycle with independent checks and multi-year data.",
}


def _rating_plan(store: Store, code: str, means: dict[str, float], today: dt.date):
    rng = random.Random(f"mbm-demo-{code}")
    fw = store.framework
    for ind_id in fw.indicators:
        pillar = fw.pillar_of(ind_id).id
        roll = rng.random()
        if roll < 0.03:
            yield ind_id, {"agreed": "NA", "notes": "Does not apply: no crossing point of this kind."}, []
            continue
        if roll < 0.06:
            yield ind_id, {"agreed": "NE", "notes": "Not visited in this round."}, []
            continue
        level = min(5, max(1, round(rng.gauss(means[pillar], 0.8))))
        national = min(5, max(1, level + rng.choice([0, 0, 1, 1, 2])))  # self-ratings tend to be higher
        external = min(5, max(1, level + rng.choice([0, 0, 0, -1])))
        agreed = "IE" if roll > 0.97 else str(level)
        evidence_level = level if rng.random() > 0.1 else max(1, level - 1)  # some caps, on purpose
        evidence = []
        for lv in range(1, evidence_level + 1):
            etype, source = rng.choice(EVIDENCE_BY_LEVEL[lv])
            evidence.append({"type": etype, "source": source,
                             "date": today - dt.timedelta(days=rng.randint(30, 700)),
                             "reference": f"{ind_id}/{lv}",
                             "supplied_by": "national team" if lv < 3 else "assessment team"})
        yield ind_id, {"national": str(national), "external": str(external), "agreed": agreed,
                       "notes": NOTES[level]}, evidence


def load_demo(store: Store, *, today: dt.date | None = None, progress=None) -> list[str]:
    """Load the demo countries that are not there yet (each in one transaction); return their codes."""
    today = today or dt.date.today()
    loaded = []
    for code, name, means, team in DEMO_COUNTRIES:
        try:
            info = store.get_assessment(code, DEMO_ROUND)
            if store.ratings_frame(info.id)["version"].gt(0).any():
                continue
        except NotFound:
            info = store.create_assessment(code, DEMO_ROUND, country_name=name, by=DEMO_USER,
                                           team=[{"name": n, "organisation": o, "role": r} for n, o, r in team])
        rows = [{"indicator_id": ind_id, **values, "evidence": evidence}
                for ind_id, values, evidence in _rating_plan(store, code, means, today)]
        store.save_many(info.id, rows, by=DEMO_USER)
        if progress:
            progress(code, len(rows))
        loaded.append(code)
    return loaded

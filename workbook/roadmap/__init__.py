"""From gaps to a funded road map: targets, recommendations, initiatives and follow-up.

The pure parts take frames and return frames or small dataclasses, so the road-map page, the
report chapters and the donor brief render the same objects::

    from workbook.roadmap import RoadmapStore
    rm = RoadmapStore(store)                       # beside workbook.store.Store, same database
    rm.targets(a.id)                               # targets, gaps, priority per sub-area
    ids = rm.add_recommendations(a.id, rm.suggest(a.id).to_dict("records"), by="me")
    rm.roadmap(a.id).table                         # prerequisites first, short then long term
    rm.donor_map(a.id).unfunded                    # the duplication check
    rm.follow_up("XAT", "baseline 2026")           # a later round against its baseline

See ``docs/roadmap.md``.
"""
from __future__ import annotations

from .donors import DonorMap, covered_recommendations, map_donors, overlapping_initiatives, unfunded_gaps
from .followup import Comparison, FollowUp, compare_scores, status_counts, status_on, targeted_changes
from .fields import INITIATIVE_FIELDS, RECOMMENDATION_FIELDS
from .store import RoadmapStore
from .sequence import Roadmap, build_roadmap, check_schedule, order_by_priority, sequence_recommendations
from .suggest import suggest_recommendations
from .targets import compute_targets, current_level, priority

__all__ = ["Comparison", "DonorMap", "FollowUp", "INITIATIVE_FIELDS", "RECOMMENDATION_FIELDS", "Roadmap",
           "RoadmapStore", "build_roadmap", "check_schedule", "compare_scores", "compute_targets",
           "covered_recommendations", "current_level", "map_donors", "order_by_priority", "overlapping_initiatives",
           "priority",
           "sequence_recommendations", "status_counts", "status_on", "suggest_recommendations", "targeted_changes",
           "unfunded_gaps"]

"""The framework, the first step of the data flow: versioned YAML data checked by typed models
(:mod:`.model`), and its readable renderings for experts who review it without Python
(:mod:`.export`: HTML, Excel, Markdown).

Everything else reads the framework through :func:`load_framework`; nothing here touches the
database, the pages or the reports.
"""
from __future__ import annotations

from .model import (CODES, CRITERION_ID, CROSSING_KINDS, DEFAULT_FRAMEWORK, Aggregation, ChangelogEntry,
                    ContributionArea, Criterion, Criticality, CrossingKindInfo, CrosswalkRef, EvidenceRule,
                    EvidenceType, Framework, Indicator, Lens, LevelDescriptor, Mapping, Pillar, Reference, Referral,
                    Scale, ScaleCode, ScaleLevel, SubArea, describe_path, load_framework, parse_framework,
                    shipped_versions, yaml_lines)

__all__ = ["CODES", "CRITERION_ID", "CROSSING_KINDS", "DEFAULT_FRAMEWORK", "Aggregation", "ChangelogEntry",
           "ContributionArea", "Criterion", "Criticality", "CrossingKindInfo", "CrosswalkRef", "EvidenceRule",
           "EvidenceType", "Framework", "Indicator", "Lens", "LevelDescriptor", "Mapping", "Pillar", "Reference",
           "Referral", "Scale", "ScaleCode", "ScaleLevel", "SubArea", "describe_path", "load_framework",
           "parse_framework", "shipped_versions", "yaml_lines"]

"""The framework, the first step of the data flow: versioned YAML data checked by typed models
(:mod:`.model`), and its readable renderings for experts who review it without Python
(:mod:`.export`: HTML, Excel, Markdown).

Everything else reads the framework through :func:`load_framework`; nothing here touches the
database, the pages or the reports.
"""
from __future__ import annotations

from .model import (CODES, DEFAULT_FRAMEWORK, Aggregation, ChangelogEntry, Criticality, CrosswalkRef, EvidenceRule,
                    EvidenceType, Framework, Indicator, Lens, LevelDescriptor, Mapping, Pillar, Reference, Scale,
                    ScaleCode, ScaleLevel, SubArea, describe_path, load_framework, parse_framework, yaml_lines)

__all__ = ["CODES", "DEFAULT_FRAMEWORK", "Aggregation", "ChangelogEntry", "Criticality", "CrosswalkRef", "EvidenceRule",
           "EvidenceType", "Framework", "Indicator", "Lens", "LevelDescriptor", "Mapping", "Pillar", "Reference",
           "Scale", "ScaleCode", "ScaleLevel", "SubArea", "describe_path", "load_framework", "parse_framework",
           "yaml_lines"]

"""The data-entry widgets: one :class:`PillarForm` per pillar page, one
:class:`IndicatorEditor` per indicator, one :class:`EvidenceEditor` per opened evidence list.

Widgets only show values and pass what the user typed to the store: every value is checked
in Python (a browser can set any synced trait, even on a disabled widget), scores come from
:mod:`workbook.scoring`, and the store writes, locks and audits. The logic runs without a
kernel, so it is tested in plain pytest: set ``.value``, call ``Button.click()``, assert on the
store and on the editors' ``state`` and ``message``.
"""
from __future__ import annotations

from .common import (CLEAN, CONFLICT, EDITOR_FIELD_CLASS, FAILED, NAME_MISSING, NOT_RATED, SAVED, SAVING,
                     Autosave, Look, differ, parse_editor, rating_options, signed_in_editor)
from .evidence import EvidenceEditor, evidence_list_html
from .indicator import IndicatorEditor, derived_html, indicator_html, rules_for
from .pillar import PillarForm, flag_reasons, progress_html, subarea_summary
from .snapshot import Snapshot, load_snapshot

__all__ = ["CLEAN", "CONFLICT", "EDITOR_FIELD_CLASS", "FAILED", "NAME_MISSING", "NOT_RATED", "SAVED", "SAVING",
           "Autosave", "EvidenceEditor", "IndicatorEditor", "Look", "PillarForm", "Snapshot", "derived_html", "differ",
           "evidence_list_html", "flag_reasons", "indicator_html", "load_snapshot", "parse_editor",
           "progress_html", "rating_options", "rules_for", "signed_in_editor", "subarea_summary"]

"""The field mission: the plan, the crossing-point register, site visits with their checklist,
interviews and attachments (:class:`MissionStore`); the record rules in :mod:`.fields`, coverage
in :mod:`.coverage`, attachment checks in :mod:`.attachments`, names in free text in :mod:`.names`.
"""
from __future__ import annotations

from .coverage import Coverage, coverage
from .store import MissionStore

__all__ = ["Coverage", "MissionStore", "coverage"]

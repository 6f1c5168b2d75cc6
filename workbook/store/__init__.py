"""The store: every read and write of the database goes through a store.

* :mod:`~workbook.store.base`: :class:`StoreBase`, what every store shares (sessions, the
  assessment lookup, the writable check, the retry on a briefly unreachable database);
* :mod:`~workbook.store.assessments`: :class:`Store`, the assessments with their ratings,
  evidence, review workflow and audit log;
* :mod:`~workbook.store.models`: the tables; :mod:`~workbook.store.db`: engines and schema
  migrations (``migrations/``, Alembic); :mod:`~workbook.store.backup`: backup and restore;
  the fictional demo countries are loaded by :mod:`workbook.demo` (through the stores).

The road map keeps its own store beside this one, on the same database:
:class:`workbook.roadmap.RoadmapStore`.
"""
from __future__ import annotations

from .assessments import REVIEW_STATUSES, AssessmentInfo, Store
from .base import RETRY_DELAYS, StoreBase

__all__ = ["REVIEW_STATUSES", "RETRY_DELAYS", "AssessmentInfo", "Store", "StoreBase"]

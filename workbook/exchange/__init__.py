"""Working in the field: the Excel workbook, the XLSForm for KoboToolbox/ODK and the JSON
assessment package, out and back in (``workbook export`` / ``workbook import``).

Every import reports all problems of a file at once, writes nothing unless the whole file is
valid (one transaction), and never overwrites silently a rating changed in the database since
the file was exported. See docs/field-exchange.md.
"""
from __future__ import annotations

from .files import FORMATS, ImportResult, export_file, import_file, plan_file
from .plan import ImportPlan, apply_plan

__all__ = ["FORMATS", "ImportPlan", "ImportResult", "apply_plan", "export_file", "import_file", "plan_file"]

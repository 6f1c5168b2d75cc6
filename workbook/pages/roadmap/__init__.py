"""The road-map page (``notebooks/roadmap.ipynb``): :mod:`.page` (the page and its header),
:mod:`.sections` (its tabs) and :mod:`.render` (what they show, as HTML)."""
from __future__ import annotations

from .page import RoadmapPage, open_roadmap

__all__ = ["RoadmapPage", "open_roadmap"]

"""The results page (``notebooks/results.ipynb``): review and sign-off, reports, files for field
work and bringing a filled file back. :mod:`.page` (the page), :mod:`.render` (what it shows, as
HTML), :mod:`.text` (every word it shows)."""
from __future__ import annotations

from .page import ResultsPage, open_results

__all__ = ["ResultsPage", "open_results"]

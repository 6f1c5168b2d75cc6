"""Where things live. Every setting is declared once here, with the environment variable that
overrides it.

``WORKBOOK_DB_URL``
    Any SQLAlchemy URL, e.g. ``postgresql+psycopg://mbm@dbhost/mbm``. Default: a SQLite file
    ``workbook.db`` in ``WORKBOOK_HOME``.
``WORKBOOK_HOME``
    Folder for the embedded database. Default: ``$XDG_DATA_HOME/mbm-workbook`` or
    ``~/.local/share/mbm-workbook``.
``WORKBOOK_OUTPUTS``
    Folder for generated notebooks and reports. Default: ``outputs`` in the current folder.
"""
from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Pillar id -> its notebook in the notebooks folder (ids are stable; pillar names may be reworded).
PILLAR_NOTEBOOKS = {
    "ADM": "administration.ipynb",
    "OPS": "operations.ipynb",
    "REG": "regulatory_framework.ipynb",
    "INF": "information_management.ipynb",
}


def home_dir() -> Path:
    if os.environ.get("WORKBOOK_HOME"):
        return Path(os.environ["WORKBOOK_HOME"]).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "mbm-workbook"


def db_url(explicit: str | None = None) -> str:
    """The database URL: the explicit one, else ``WORKBOOK_DB_URL``, else the SQLite default."""
    if explicit:
        return explicit
    if os.environ.get("WORKBOOK_DB_URL"):
        return os.environ["WORKBOOK_DB_URL"]
    return f"sqlite:///{home_dir() / 'workbook.db'}"


def notebooks_dir() -> Path:
    return Path(os.environ.get("WORKBOOK_NOTEBOOKS", PROJECT_ROOT / "notebooks"))


def templates_dir() -> Path:
    return Path(os.environ.get("WORKBOOK_TEMPLATES", PROJECT_ROOT / "templates"))


def outputs_dir() -> Path:
    return Path(os.environ.get("WORKBOOK_OUTPUTS", "outputs")).resolve()

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
``WORKBOOK_PDF_ENGINE``
    What prints the PDF reports: ``auto`` (default: Chromium when installed, else WeasyPrint),
    ``chromium`` or ``weasyprint`` (:data:`PDF_ENGINES`; see ``workbook.report.render``).
``WORKBOOK_CHROMIUM``
    The Chromium that prints the PDFs. Default: ``chromium`` on the PATH, else Debian's path.
``WORKBOOK_NOTEBOOKS``, ``WORKBOOK_TEMPLATES``
    The notebooks folder the app and the batch run, and our Voila and nbconvert templates.
    Default: ``notebooks/`` and ``templates/`` of the source tree.
``WORKBOOK_LANG``
    The language of pages, reports and exports when none is asked for (``lang=`` in a page
    address, ``--lang`` on ``workbook batch`` and ``workbook export``): ``en`` (default), ``fr``,
    ``es`` or ``ar`` (:func:`language`; see :mod:`workbook.i18n`).
``WORKBOOK_ATTACHMENTS``
    Folder for the bytes of the field mission's attachments (photos and documents), stored by
    their SHA-256 (the hash, size and type are in the database). Default: ``attachments`` in
    ``WORKBOOK_HOME``. Every installation that shares a database must share this folder;
    ``workbook backup`` copies it beside the database backup.
``WORKBOOK_ATTACHMENT_MAX_MB``
    The largest attachment accepted, in megabytes (default :data:`ATTACHMENT_MAX_MB`).
``WORKBOOK_TOKEN``, ``WORKBOOK_PASSWORD_HASH``
    The app's access token or hashed password (``workbook serve``; files with
    ``--token-file``/``--password-hash-file`` are preferred; see ``workbook.serve``).
``WORKBOOK_RUNTIME``
    Set by ``workbook serve`` for its kernels, never by hand: a private folder (mode 0700) of the
    running server, removed when it stops. Pages share scored snapshots there, hand files to the
    server for download, and reach the report builder's socket. Unset outside the app.
``WORKBOOK_BUILDER_IDLE``
    Seconds the app's report builder stays up after its last report (default
    :data:`BUILDER_IDLE_SECONDS`, ten minutes): it starts on the first report asked for and
    stops after this long without one, giving its memory back (see ``workbook.batch.service``).
``WORKBOOK_PRINT_AHEAD``
    Seconds the report builder waits, after making a report's web page, before it prints its PDF
    unasked while nothing else is asked for (default :data:`PRINT_AHEAD_SECONDS`; 0: never), so
    that the PDF, when asked for, is ready. Only with Chromium printing.

Where a round's outputs go is one rule, :func:`round_dir`: batch reports, exports and the
road-map export of a round all land in ``<outputs>/<ISO3>/<round folder>/``.
"""
from __future__ import annotations

import hashlib
import os
import unicodedata
from collections.abc import Callable
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PDF_ENGINES = ("auto", "chromium", "weasyprint")

# Pillar id -> its notebook in the notebooks folder (ids are stable; pillar names may be reworded).
PILLAR_NOTEBOOKS = {
    "ADM": "administration.ipynb",
    "OPS": "operations.ipynb",
    "REG": "regulatory_framework.ipynb",
    "INF": "information_management.ipynb",
}


def default_user(fallback: str = "command line") -> str:
    """Who is at the keyboard, for the audit log when no name is given: the login name, else
    ``fallback`` (some containers have none)."""
    import getpass
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        return fallback


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


def language(explicit: str | None = None) -> str:
    """The language in force: ``explicit`` when given, else ``WORKBOOK_LANG``, else ``en``
    (checked: an unknown code raises :class:`~workbook.errors.InvalidInput` naming where it came from)."""
    from .i18n.languages import SOURCE_LANG, parse_lang
    if explicit:
        return parse_lang(explicit)
    setting = os.environ.get("WORKBOOK_LANG", "").strip()
    return parse_lang(setting, field="WORKBOOK_LANG") if setting else SOURCE_LANG


def notebooks_dir() -> Path:
    return Path(os.environ.get("WORKBOOK_NOTEBOOKS", PROJECT_ROOT / "notebooks"))


def templates_dir() -> Path:
    return Path(os.environ.get("WORKBOOK_TEMPLATES", PROJECT_ROOT / "templates"))


def outputs_dir() -> Path:
    return Path(os.environ.get("WORKBOOK_OUTPUTS", "outputs")).resolve()


RUNTIME_ENV = "WORKBOOK_RUNTIME"


def runtime_dir() -> Path | None:
    """The running server's private folder (see ``WORKBOOK_RUNTIME``), or None outside the app."""
    value = os.environ.get(RUNTIME_ENV)
    return Path(value) if value else None


#: How long the report builder waits for the next report before it stops, in seconds.
BUILDER_IDLE_SECONDS = 600


def _number_setting(name: str, default: float, ok: Callable[[float], bool], wanted: str) -> float:
    """The number in environment variable ``name`` (``default`` when unset or blank), or a
    :class:`~workbook.errors.WorkbookError` naming the variable and ``wanted`` when it is not one
    or ``ok`` refuses it."""
    raw = os.environ.get(name, "")
    try:
        value = float(raw) if raw.strip() else default
    except ValueError:
        value = None
    if value is None or not ok(value):
        from .errors import WorkbookError
        raise WorkbookError(f"{name}={raw!r} is not {wanted}")
    return value


def builder_idle_seconds() -> float:
    """Seconds the report builder stays up without a report (``WORKBOOK_BUILDER_IDLE``)."""
    return _number_setting("WORKBOOK_BUILDER_IDLE", BUILDER_IDLE_SECONDS, lambda v: 0 < v <= 7 * 24 * 3600,
                           f"a number of seconds between 1 and a week (e.g. {BUILDER_IDLE_SECONDS})")


#: How long the report builder waits, idle, before it prints a web report's PDF unasked.
PRINT_AHEAD_SECONDS = 2.0


def print_ahead_seconds() -> float:
    """Seconds of quiet before the builder prints a PDF ahead, 0 for never (``WORKBOOK_PRINT_AHEAD``)."""
    return _number_setting("WORKBOOK_PRINT_AHEAD", PRINT_AHEAD_SECONDS, lambda v: 0 <= v <= 3600,
                           f"a number of seconds between 0 (never) and 3600 (e.g. {PRINT_AHEAD_SECONDS:g})")


#: The largest attachment accepted by default, in megabytes (a phone photo is 2-8 MB).
ATTACHMENT_MAX_MB = 15


def attachments_dir() -> Path:
    """Where the bytes of attachments are kept (``WORKBOOK_ATTACHMENTS``, else ``WORKBOOK_HOME/attachments``)."""
    if os.environ.get("WORKBOOK_ATTACHMENTS"):
        return Path(os.environ["WORKBOOK_ATTACHMENTS"]).expanduser()
    return home_dir() / "attachments"


def attachment_max_bytes() -> int:
    """The largest attachment accepted, in bytes (``WORKBOOK_ATTACHMENT_MAX_MB``)."""
    mb = _number_setting("WORKBOOK_ATTACHMENT_MAX_MB", ATTACHMENT_MAX_MB, lambda v: 0 < v < 10_000,
                         "a size in megabytes (e.g. 15)")
    return int(mb * 1024 * 1024)


# -- where a round's outputs go ----------------------------------------------------------------
#: Longest readable part of a round's folder name, in characters (with the hash: 51 at most, well
#: under every file system's limit of 255 bytes for a name, even in a four-byte script).
ROUND_SLUG_CHARS = 40
ROUND_HASH_CHARS = 10
#: Names Windows refuses for a file or folder, whatever follows a dot.
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


def _slug(text: str) -> str:
    """Letters, digits and combining marks of any script, case-folded and NFKC-normalised; every
    other run of characters (spaces, punctuation, symbols, controls) becomes one ``-``."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    out: list[str] = []
    for ch in folded:
        kind = unicodedata.category(ch)[0]
        if kind in "LN" or (kind == "M" and out and out[-1] != "-"):
            out.append(ch)
        elif out and out[-1] != "-":
            out.append("-")
    slug = unicodedata.normalize("NFC", "".join(out).strip("-"))
    if len(slug) > ROUND_SLUG_CHARS:
        slug = slug[:ROUND_SLUG_CHARS].rstrip("-")
        while slug and unicodedata.category(slug[-1])[0] == "M":  # never end on a mark cut from its letter
            slug = slug[:-1]
    return slug


def round_folder(round: str) -> str:
    """The folder name of a round's outputs: readable, and never the same for two different rounds.

    The name is the round case-folded, with each run of characters that are not letters or digits
    (of any script) made a ``-``: ``"baseline 2026"`` gives ``baseline-2026``, ``"تقييم 2027"``
    gives ``تقييم-2027``. When that loses something (capitals, punctuation, another normal form,
    a cut), a hash of the exact name follows after ``_``, which no readable part contains:
    ``"Follow-up 2028"`` gives ``follow-up-2028_<10 hex digits>``. So two different rounds of a
    country never share a folder, even on file systems that ignore case (Windows, macOS) or
    Unicode normal forms (macOS); the name holds no character that Windows or macOS refuse, no
    reserved device name (``con``, ``lpt1``...) and stays far below length limits.
    """
    slug = _slug(round)
    lossless = (slug and round == slug.replace("-", " ") and slug.upper().casefold() == slug
                and slug not in _RESERVED)
    if lossless:
        return slug
    digest = hashlib.sha256(round.encode("utf-8")).hexdigest()[:ROUND_HASH_CHARS]
    return f"{slug or 'round'}_{digest}"


def round_dir(country: str, round: str, root: str | Path | None = None, *, lang: str | None = None) -> Path:
    """``<root>/<ISO3>/<round folder>``: where batch reports, exports and the road-map export of one
    round go (``root``: default :func:`outputs_dir`). Outputs in another language than English go
    beside them, in ``<round folder>.<lang>`` (e.g. ``baseline-2026.fr``): a round folder never holds
    a dot (:func:`round_folder`), so the two never meet, and a French batch never replaces the
    English reports."""
    folder = round_folder(round)
    if lang:
        from .i18n.languages import SOURCE_LANG, parse_lang
        code = parse_lang(lang)
        folder += "" if code == SOURCE_LANG else f".{code}"
    return (Path(root) if root is not None else outputs_dir()) / country / folder

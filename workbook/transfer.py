"""Files between the app and the person's browser: downloads handed to the server, uploads checked.

**Downloads.** A page's kernel cannot answer HTTP requests, and the server serves no file it was
not told about (``docs/deployment.md``). A page hands a finished file over with
:func:`offer_download`: the file is checked (its size, and its type by its content, not its name),
copied into the running server's private folder (``WORKBOOK_RUNTIME``) under a random
token with a ticket (the name to save it under, its type, the assessment, an expiry), and the page
links to ``/mbm/download/<token>/<name>``. The server's handler (``workbook.serve``) serves a
ticket's file only when the ticket is well formed and unexpired and :func:`may_download` allows
it, checking the file again, always as an attachment. :func:`may_download` is the one place where
a per-assessment permission check goes (the server knows who is logged in).

**Uploads.** :func:`check_upload` takes what a browser sent through a file widget (any value: a
browser can set a widget's value to anything) and returns the file's name and bytes, or raises
:class:`~workbook.errors.InvalidInput` listing every problem: one file, a known kind, at most
:data:`MAX_UPLOAD` bytes, content that is what its name says.

Nothing here imports widgets or the server: the pages and ``workbook.serve`` both use it.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import time
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from . import config
from .errors import InvalidInput, Problem, Problems

MiB = 1024 * 1024
#: Largest file offered for download (a 40-page report PDF is about 1 MiB).
MAX_DOWNLOAD = 64 * MiB
#: Largest upload: a filled workbook, a submissions export or a package (the demo's largest, the
#: package, is 0.2 MiB). The server's websocket message limit is set above it (``ServeSettings``).
MAX_UPLOAD = 8 * MiB
#: How long a download link works, in seconds.
DOWNLOAD_SECONDS = 3600
DOWNLOAD_FOLDER = "downloads"
TICKET = "ticket.json"
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{43}")
#: Download types by file suffix: (content type, check of the content).
ZIP_MAGIC, PDF_MAGIC = b"PK\x03\x04", b"%PDF-"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".pdf": "application/pdf",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".json": "application/json",
    ".csv": "text/csv; charset=utf-8",
}
#: What an upload may be: the suffixes the importers read (``workbook.exchange.files``).
UPLOAD_SUFFIXES = (".xlsx", ".csv", ".json")
SAFE_NAME = re.compile(r"[^\w.\- ()]+", re.UNICODE)


class TransferError(InvalidInput):
    """A file that may not be downloaded or uploaded, with every reason."""


def safe_name(name: str, *, limit: int = 120) -> str:
    """A file name that is safe in a path and a Content-Disposition header: no folders, no
    control or quote characters, not empty, at most ``limit`` characters (the suffix is kept)."""
    base = Path(str(name).replace("\\", "/")).name
    stem, suffix = os.path.splitext(base)
    stem = SAFE_NAME.sub("-", stem).strip(" .-") or "file"
    suffix = SAFE_NAME.sub("", suffix)[:10]
    return stem[: max(1, limit - len(suffix))] + suffix


def _content_problem(head: bytes, suffix: str) -> str:
    """Why the first bytes of a file are not what its suffix says ("" when they are)."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if suffix == ".pdf" and not head.startswith(PDF_MAGIC):
        return "it is not a PDF file"
    if suffix == ".xlsx" and not head.startswith(ZIP_MAGIC):
        return "it is not an Excel workbook (.xlsx)"
    if suffix == ".json" and not text.startswith((b"{", b"[")):
        return "it is not a JSON file"
    if suffix in (".html", ".csv", ".json"):
        if b"\x00" in head:
            return "it is not a text file"
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 4:  # a character cut at the end of the sample is fine
                return "it is not UTF-8 text"
    if suffix == ".html" and not text[:15].lower().startswith((b"<!doctype html", b"<html")):
        return "it is not an HTML document"
    return ""


# -- downloads ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Ticket:
    """What the server needs to serve one download."""

    token: str
    name: str
    content_type: str
    assessment_id: int | None
    expires: float
    path: Path

    @property
    def url(self) -> str:
        """Relative to a page under ``/voila/render/``."""
        from urllib.parse import quote
        return f"../../mbm/download/{self.token}/{quote(self.name)}"


def _downloads(root: Path | None = None) -> Path | None:
    root = root or config.runtime_dir()
    return None if root is None else root / DOWNLOAD_FOLDER


def check_download(path: str | Path) -> tuple[str, int]:
    """The content type of a file to download and its size; raises when it may not be served."""
    p = Path(path)
    suffix = p.suffix.lower()
    problems = Problems()
    try:
        size = p.stat().st_size
        with p.open("rb") as f:
            head = f.read(4096)
    except OSError as exc:
        raise TransferError(Problem(p.name, f"cannot read the file ({exc.strerror})"), what="download") from None
    if suffix not in CONTENT_TYPES:
        problems.add(p.name, f"{suffix or 'no suffix'} is not a kind of file the app hands out")
    elif why := _content_problem(head, suffix):
        problems.add(p.name, why)
    if size == 0:
        problems.add(p.name, "the file is empty")
    if size > MAX_DOWNLOAD:
        problems.add(p.name, f"the file is larger than {MAX_DOWNLOAD // MiB} MiB")
    problems.raise_if_any(what="download")
    return CONTENT_TYPES[suffix], size


def offer_download(path: str | Path, *, name: str | None = None, assessment_id: int | None = None,
                   root: Path | None = None, seconds: int = DOWNLOAD_SECONDS) -> Ticket | None:
    """Hand a finished file to the running server for download; None outside the app.

    The file is checked (:func:`check_download`), then copied into the server's private folder,
    so that a later build or export replacing or rewriting it does not change what the link gives.
    """
    folder = _downloads(root)
    if folder is None:
        return None
    content_type, _ = check_download(path)
    sweep_downloads(folder)
    token = secrets.token_urlsafe(32)
    shown = safe_name(name or Path(path).name)
    target = folder / token
    target.mkdir(mode=0o700, parents=True)
    shutil.copyfile(path, target / shown)
    ticket = Ticket(token, shown, content_type, assessment_id, time.time() + seconds, target / shown)
    (target / TICKET).write_text(json.dumps({"name": shown, "content_type": content_type,
                                             "assessment_id": assessment_id, "expires": ticket.expires}),
                                 encoding="utf-8")
    return ticket


def read_ticket(token: str, root: Path | None = None, *, now: float | None = None) -> Ticket | None:
    """The ticket of a download token, or None when there is none, it expired or it is not ours."""
    folder = _downloads(root)
    if folder is None or not isinstance(token, str) or not TOKEN_RE.fullmatch(token):
        return None
    target = folder / token
    try:
        data = json.loads((target / TICKET).read_text(encoding="utf-8"))
        name, content_type, expires = data["name"], data["content_type"], float(data["expires"])
        aid = data.get("assessment_id")
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if (expires < (time.time() if now is None else now) or name != safe_name(name)
            or content_type not in CONTENT_TYPES.values()):
        return None
    path = target / name
    if path.is_symlink() or not path.is_file() or path.resolve().parent != target.resolve():
        return None
    return Ticket(token, name, content_type, aid if isinstance(aid, int) else None, expires, path)


def may_download(user, ticket: Ticket) -> bool:
    """Whether ``user`` (the server's logged-in user) may download ``ticket``'s file.

    Everyone who may open the app may today: the app has one login. This is where a check of
    the user's rights on ``ticket.assessment_id`` goes when accounts come.
    """
    return True


def sweep_downloads(folder: Path | None = None) -> int:
    """Remove expired downloads; return how many."""
    folder = folder or _downloads()
    if folder is None or not folder.is_dir():
        return 0
    gone = 0
    for target in folder.iterdir():
        if not TOKEN_RE.fullmatch(target.name):
            continue
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
            expires = float(json.loads((target / TICKET).read_text(encoding="utf-8"))["expires"])
            if expires < time.time():
                shutil.rmtree(target, ignore_errors=True)
                gone += 1
    return gone


# -- uploads --------------------------------------------------------------------------------------
def check_upload(value, *, suffixes: tuple[str, ...] = UPLOAD_SUFFIXES, limit: int = MAX_UPLOAD) -> tuple[str, bytes]:
    """The one file a browser sent through a file widget, as ``(safe name, bytes)``.

    ``value`` is the widget's value as it arrived: ipywidgets 8 gives a tuple of mappings with
    ``name`` and ``content``; anything else is refused. The size is the size of the content, not
    what the browser claims; the content must be what the name's suffix says.
    """
    problems = Problems()
    files = list(value) if isinstance(value, (tuple, list)) else None
    if not files:
        raise TransferError(Problem("file", "choose one file"), what="upload")
    if len(files) > 1:
        raise TransferError(Problem("file", f"choose one file, not {len(files)}"), what="upload")
    item = files[0]
    if not isinstance(item, Mapping) or not isinstance(item.get("name"), str):
        raise TransferError(Problem("file", "the browser sent something that is not a file"), what="upload")
    content = item.get("content")
    if isinstance(content, memoryview):
        content = content.tobytes()
    if not isinstance(content, (bytes, bytearray)):
        raise TransferError(Problem("file", "the browser sent a file without content"), what="upload")
    name = safe_name(item["name"])
    suffix = Path(name).suffix.lower()
    if suffix not in suffixes:
        problems.add(name, f"choose a {', '.join(suffixes[:-1])} or {suffixes[-1]} file, not "
                           f"{suffix or 'a file without a suffix'}")
    if len(content) == 0:
        problems.add(name, "the file is empty")
    elif len(content) > limit:
        problems.add(name, f"the file has {len(content) / MiB:.1f} MiB; the limit is {limit // MiB} MiB")
    elif suffix in suffixes and (why := _content_problem(bytes(content[:4096]), suffix)):
        problems.add(name, f"{why}, although its name ends in {suffix}")
    elif suffix == ".xlsx" and not _is_zip(bytes(content)):
        problems.add(name, "it is not an Excel workbook (.xlsx): the file is damaged or of another kind")
    problems.raise_if_any(what="upload")
    return name, bytes(content)


def _is_zip(content: bytes) -> bool:
    import io
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as z:
            return "[Content_Types].xml" in z.namelist()
    except (zipfile.BadZipFile, ValueError):
        return False

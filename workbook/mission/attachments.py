"""Attachments of the field mission: what is accepted, location metadata, and where the bytes live.

* **Type by content.** A file is accepted when its first bytes say it is a JPEG or PNG photo, a
  PDF, or a Word (``.docx``) or Excel (``.xlsx``) document, and its name's extension agrees;
  anything else (programs, web pages, SVG, archives, old ``.doc``) is refused, whatever it is
  called (:data:`TYPES`, :func:`sniff`).
* **Size** at most :func:`workbook.config.attachment_max_bytes` (``WORKBOOK_ATTACHMENT_MAX_MB``).
* **Location.** A photo's GPS position (the EXIF ``GPSInfo`` block, and XMP packets that carry
  ``GPS`` fields) is removed without re-encoding the picture, unless the team keeps it on purpose
  (:func:`strip_location`).
* **Storage.** The bytes are a file named by their SHA-256 under the attachments folder
  (:func:`workbook.config.attachments_dir`), in a sub-folder of its first two hex digits; the
  database keeps the hash, size, type and links. The same bytes are kept once.
"""
from __future__ import annotations

import hashlib
import io
import os
import re
import struct
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from .. import config
from ..errors import InvalidInput, NotFound, Problem, WorkbookError

#: media type -> (short name, extensions accepted)
TYPES = {
    "image/jpeg": ("JPEG photo", (".jpg", ".jpeg")),
    "image/png": ("PNG image", (".png",)),
    "application/pdf": ("PDF document", (".pdf",)),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ("Word document", (".docx",)),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ("Excel workbook", (".xlsx",)),
}
PHOTO_TYPES = ("image/jpeg", "image/png")
ACCEPTED = "JPEG or PNG photos, PDF, Word (.docx) or Excel (.xlsx) documents"
#: What some refused files are, to say so in the message.
_KNOWN_REFUSED = ((b"MZ", "a Windows program"), (b"\x7fELF", "a program"), (b"#!", "a script"),
                  (b"GIF8", "a GIF image"), (b"\xd0\xcf\x11\xe0", "an old Office document (.doc/.xls)"),
                  (b"Rar!", "a RAR archive"), (b"7z\xbc\xaf", "a 7-Zip archive"), (b"\x1f\x8b", "a gzip archive"),
                  (b"RIFF", "a RIFF file (WebP, WAV or AVI)"))
GPS_IFD = 0x8825
SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Checked:
    """An accepted attachment: the bytes to store (location removed unless kept) and what they are."""

    content: bytes
    media_type: str
    filename: str
    sha256: str
    location_removed: bool

    @property
    def size(self) -> int:
        return len(self.content)


def sniff(content: bytes) -> str | None:
    """The media type the first bytes show, among :data:`TYPES` (None: not an accepted type)."""
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content[:1024].lstrip().startswith(b"%PDF-"):
        return "application/pdf"
    if content.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as z:
                names = set(z.namelist())
        except (zipfile.BadZipFile, ValueError):
            return None
        if "[Content_Types].xml" in names and "word/document.xml" in names:
            return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
            return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return None


def _what(content: bytes) -> str:
    head = content[:16]
    for magic, name in _KNOWN_REFUSED:
        if head.startswith(magic):
            return name
    text = content[:512].lstrip().lower()
    if text.startswith((b"<!doctype html", b"<html", b"<svg", b"<?xml")):
        return "a web page or SVG/XML file"
    if content.startswith(b"PK\x03\x04"):
        return "a ZIP archive"
    return "a file of an unknown type"


def clean_filename(filename, where: str = "filename") -> str:
    """The file's name without folders, at most 200 characters; required."""
    if not isinstance(filename, str) or not filename.strip():
        raise InvalidInput(Problem(where, "is required (the file's name, e.g. booth-layout.jpg)"))
    name = re.split(r"[\\/]", filename.strip())[-1]
    name = "".join(ch for ch in name if ch.isprintable())
    if not name or name in (".", ".."):
        raise InvalidInput(Problem(where, f"{filename!r} is not a file name"))
    return name[-200:]


def check_attachment(content, filename, *, keep_location: bool = False, where: str = "attachment",
                     max_bytes: int | None = None) -> Checked:
    """Check an upload by its content (type, size) and remove its location unless kept; raise
    :class:`InvalidInput` with every problem."""
    problems = []
    try:
        name = clean_filename(filename, f"{where}.filename")
    except InvalidInput as exc:
        problems += exc.problems
        name = ""
    if isinstance(content, bytearray | memoryview):
        content = bytes(content)
    if not isinstance(content, bytes):
        raise InvalidInput(problems + [Problem(f"{where}.content", "expected the file's bytes")], what=where)
    limit = max_bytes if max_bytes is not None else config.attachment_max_bytes()
    if not content:
        problems.append(Problem(f"{where}.content", "the file is empty"))
    elif len(content) > limit:
        problems.append(Problem(f"{where}.size", f"{_mb(len(content))} is over the limit of {_mb(limit)} "
                                                 "(WORKBOOK_ATTACHMENT_MAX_MB): send a smaller photo or a shorter "
                                                 "document"))
    media = sniff(content) if content and len(content) <= limit else None
    if content and len(content) <= limit and media is None:
        problems.append(Problem(f"{where}.content", f"{name or 'the file'} is {_what(content)}, not an accepted "
                                                    f"type: attach {ACCEPTED}"))
    if media and name:
        ext = os.path.splitext(name)[1].lower()
        label, exts = TYPES[media]
        if ext not in exts:
            problems.append(Problem(f"{where}.filename", f"{name!r} is named {ext or 'without an extension'}, "
                                                         f"but its content is a {label}: name it {exts[0]}"))
    if problems:
        raise InvalidInput(problems, what=where)
    removed = False
    if media in PHOTO_TYPES and not keep_location:
        try:
            content, removed = strip_location(content, media)
        except (ValueError, struct.error, zlib.error, SyntaxError) as exc:
            raise InvalidInput(Problem(f"{where}.content", f"{name} is a damaged {TYPES[media][0]} ({exc})"),
                               what=where) from None
    return Checked(content, media, name, hashlib.sha256(content).hexdigest(), removed)


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB"


# -- location metadata ---------------------------------------------------------------------------
def strip_location(content: bytes, media_type: str) -> tuple[bytes, bool]:
    """The photo without GPS position (EXIF GPSInfo, XMP packets with GPS fields), the picture data
    untouched; and whether anything was removed."""
    if media_type == "image/jpeg":
        return _strip_jpeg(content)
    if media_type == "image/png":
        return _strip_png(content)
    return content, False


def _exif_without_gps(payload: bytes) -> bytes | None:
    """The EXIF payload (``Exif\\0\\0`` + TIFF) without its GPS block; None when it had none."""
    from PIL import Image
    exif = Image.Exif()
    exif.load(payload)
    if GPS_IFD not in exif:
        return None
    del exif[GPS_IFD]
    return exif.tobytes()


def _strip_jpeg(content: bytes) -> tuple[bytes, bool]:
    out, pos, removed = [content[:2]], 2, False
    while pos + 4 <= len(content):
        if content[pos] != 0xFF:
            raise ValueError("a JPEG segment does not start where expected")
        marker = content[pos + 1]
        if marker == 0xDA or 0xD0 <= marker <= 0xD9:  # start of scan: the picture itself follows
            break
        length = struct.unpack(">H", content[pos + 2:pos + 4])[0]
        segment = content[pos:pos + 2 + length]
        payload = segment[4:]
        if marker == 0xE1 and payload.startswith(b"Exif\x00\x00"):
            new = _exif_without_gps(payload)
            if new is not None:
                new = new if new.startswith(b"Exif\x00\x00") else b"Exif\x00\x00" + new
                segment = b"\xff\xe1" + struct.pack(">H", len(new) + 2) + new
                removed = True
        elif marker == 0xE1 and payload.startswith(b"http://ns.adobe.com/xap/1.0/") and b"GPS" in payload:
            segment, removed = b"", True
        out.append(segment)
        pos += 2 + length
    out.append(content[pos:])
    return b"".join(out), removed


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _strip_png(content: bytes) -> tuple[bytes, bool]:
    out, pos, removed = [content[:8]], 8, False
    while pos + 8 <= len(content):
        length = struct.unpack(">I", content[pos:pos + 4])[0]
        kind = content[pos + 4:pos + 8]
        data = content[pos + 8:pos + 8 + length]
        chunk = content[pos:pos + 12 + length]
        if kind == b"eXIf":
            new = _exif_without_gps(data)
            if new is not None:
                chunk, removed = _png_chunk(kind, new[6:] if new.startswith(b"Exif\x00\x00") else new), True
        elif kind in (b"iTXt", b"tEXt", b"zTXt") and data.startswith(b"XML:com.adobe.xmp"):
            text = zlib.decompress(data.split(b"\x00", 3)[-1][1:]) if kind == b"zTXt" else data
            if b"GPS" in text:
                chunk, removed = b"", True
        out.append(chunk)
        pos += 12 + length
        if kind == b"IEND":
            break
    return b"".join(out), removed


def has_location(content: bytes) -> bool:
    """Does the photo carry a GPS position (EXIF or XMP)?"""
    media = sniff(content)
    if media not in PHOTO_TYPES:
        return False
    stripped, removed = strip_location(content, media)
    return removed


# -- the folder ------------------------------------------------------------------------------------
def path_of(sha256: str, root: Path | None = None) -> Path:
    if not SHA256.fullmatch(sha256 or ""):
        raise NotFound(f"{sha256!r} is not the SHA-256 of an attachment")
    return (root or config.attachments_dir()) / sha256[:2] / sha256


def save_bytes(content: bytes, root: Path | None = None) -> str:
    """Keep ``content`` in the attachments folder (once per content); return its SHA-256."""
    sha = hashlib.sha256(content).hexdigest()
    target = path_of(sha, root)
    if target.is_file() and target.stat().st_size == len(content):
        return sha
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{sha[:8]}.", dir=target.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
        os.replace(tmp, target)
    except OSError as exc:
        raise WorkbookError(f"cannot write the attachment to {target.parent} ({exc.strerror}); check "
                            "WORKBOOK_ATTACHMENTS") from None
    return sha


def read_bytes(sha256: str, root: Path | None = None) -> bytes:
    """The bytes of an attachment, checked against their hash."""
    target = path_of(sha256, root)
    try:
        content = target.read_bytes()
    except FileNotFoundError:
        raise NotFound(f"the file of attachment {sha256[:12]}... is missing from {target.parent.parent} "
                       "(WORKBOOK_ATTACHMENTS): restore it from a backup") from None
    if hashlib.sha256(content).hexdigest() != sha256:
        raise WorkbookError(f"the file of attachment {sha256[:12]}... in {target.parent} is damaged (its hash "
                            "differs): restore it from a backup")
    return content


def delete_bytes(sha256: str, root: Path | None = None) -> None:
    path_of(sha256, root).unlink(missing_ok=True)

"""Exported files encrypted with a passphrase, for travel (``workbook export --encrypt``).

An encrypted file is the exported file (a package or an Excel workbook) sealed with AES-256-GCM
(:mod:`cryptography`), under a key derived from the passphrase with scrypt (a fresh random salt
and nonce for every file). Layout::

    MBM-SEALED-1\\n               magic line
    {"kdf": "scrypt", ...}\\n      header: scrypt parameters, salt, nonce, the inner file's name
    <ciphertext and 16-byte tag>

The header is authenticated with the content (GCM associated data): a wrong passphrase, a
changed header, a changed or cut byte anywhere all fail the same check, and nothing is read
from the file before it passes. :func:`open_sealed` decrypts into a temporary folder that is
removed afterwards; the importer then reads the inner file as usual (all or nothing).
"""
from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from ..errors import InvalidInput, Problem

MAGIC = b"MBM-SEALED-1\n"
SUFFIX = ".sealed"
MIN_PASSPHRASE = 12
#: scrypt cost for new files (64 MiB, about a quarter of a second), and the most a file may ask for.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 16, 8, 1
MAX_N, MAX_R, MAX_P = 2 ** 20, 16, 4
MAX_HEADER = 2000
MAX_MEMORY = 2 ** 28  # bytes of scrypt memory a file may ask for
REFUSED = ("the passphrase is wrong, or the file was changed or damaged after it was encrypted; "
           "nothing was imported")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _key(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))


def check_passphrase(passphrase) -> None:
    if not isinstance(passphrase, str) or len(passphrase) < MIN_PASSPHRASE:
        raise InvalidInput(Problem("passphrase", f"a passphrase has {MIN_PASSPHRASE} characters at least "
                                                 "(several words are easiest to pass on by phone)"), what="encryption")


def is_sealed(path: Path) -> bool:
    with Path(path).open("rb") as f:
        return f.read(len(MAGIC)) == MAGIC


def seal(plain: Path, sealed: Path, passphrase: str) -> Path:
    """Encrypt ``plain`` into ``sealed`` (written whole or not at all)."""
    check_passphrase(passphrase)
    salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
    header = json.dumps({"kdf": "scrypt", "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P, "salt": _b64(salt),
                         "nonce": _b64(nonce), "cipher": "AES-256-GCM", "name": Path(plain).name},
                        separators=(",", ":")).encode("utf-8") + b"\n"
    body = AESGCM(_key(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)).encrypt(
        nonce, Path(plain).read_bytes(), MAGIC + header)
    sealed = Path(sealed)
    sealed.parent.mkdir(parents=True, exist_ok=True)
    part = sealed.with_name(sealed.name + ".part")
    part.write_bytes(MAGIC + header + body)
    part.replace(sealed)
    return sealed


def _header(data: bytes, name: str) -> tuple[dict, bytes, bytes]:
    """The checked header, the authenticated prefix and the ciphertext."""
    end = data.find(b"\n", len(MAGIC), len(MAGIC) + MAX_HEADER)
    bad = InvalidInput(Problem(name, f"this encrypted file is damaged (its header cannot be read); {REFUSED}"),
                       what="import")
    if not data.startswith(MAGIC) or end < 0:
        raise bad
    try:
        h = json.loads(data[len(MAGIC):end])
        salt, nonce = base64.b64decode(h["salt"], validate=True), base64.b64decode(h["nonce"], validate=True)
        n, r, p, inner = h["n"], h["r"], h["p"], h["name"]
    except (ValueError, KeyError, TypeError):
        raise bad from None
    ok = (h.get("kdf") == "scrypt" and all(isinstance(v, int) for v in (n, r, p))
          and 2 <= n <= MAX_N and n & (n - 1) == 0 and 1 <= r <= MAX_R and 1 <= p <= MAX_P
          and 128 * n * r <= MAX_MEMORY and len(salt) == 16 and len(nonce) == 12
          and isinstance(inner, str) and inner == Path(inner).name and inner not in ("", ".", ".."))
    if not ok:
        raise bad
    return {"n": n, "r": r, "p": p, "salt": salt, "nonce": nonce, "name": inner}, data[:end + 1], data[end + 1:]


@contextlib.contextmanager
def open_sealed(path: Path, passphrase: str) -> Iterator[Path]:
    """The decrypted inner file, in a private temporary folder removed on exit; raises
    :class:`InvalidInput` for a wrong passphrase or a changed file (nothing is written then)."""
    path = Path(path)
    if not isinstance(passphrase, str) or not passphrase:
        raise InvalidInput(Problem(path.name, "this file is encrypted: give its passphrase"), what="import")
    data = path.read_bytes()
    h, prefix, body = _header(data, path.name)
    try:
        plain = AESGCM(_key(passphrase, h["salt"], h["n"], h["r"], h["p"])).decrypt(h["nonce"], body, prefix)
    except InvalidTag:
        raise InvalidInput(Problem(path.name, REFUSED), what="import") from None
    with tempfile.TemporaryDirectory(prefix="mbm-sealed-") as tmp:
        inner = Path(tmp) / h["name"]
        fd = os.open(inner, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(plain)
        yield inner

"""Files between the app and the browser (``workbook.transfer``): what may be handed over for
download, and what an upload must be before anything reads it."""
from __future__ import annotations

import io
import json
import time
import zipfile

import pytest

from workbook import config, transfer
from workbook.errors import InvalidInput

HTML = b"<!DOCTYPE html><html><body><p>report</p></body></html>"


def xlsx_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
    return buf.getvalue()


@pytest.mark.parametrize("name, safe", [
    ("report.pdf", "report.pdf"), ("../../etc/passwd", "passwd"), ("C:\\Users\\x\\a b.xlsx", "a b.xlsx"),
    ('evil"; name=x.pdf', "evil- name-x.pdf"), ("\x00\n.json", "file.json"), ("", "file"),
    ("é" * 300 + ".csv", "é" * 116 + ".csv"), ("تقييم 2027.xlsx", "تقييم 2027.xlsx"),
])
def test_safe_names_have_no_folders_quotes_or_controls(name, safe):
    assert transfer.safe_name(name) == safe


# -- downloads ------------------------------------------------------------------------------------
def test_a_file_is_handed_over_behind_a_random_link_and_read_back(runtime, tmp_path):
    report = tmp_path / "report.html"
    report.write_bytes(HTML)
    ticket = transfer.offer_download(report, name="XAT-baseline-2026-report.html", assessment_id=7)
    assert ticket.url == f"../../mbm/download/{ticket.token}/XAT-baseline-2026-report.html"
    assert transfer.TOKEN_RE.fullmatch(ticket.token)
    report.write_text("rewritten by a later build")  # the handed-over file is a copy
    back = transfer.read_ticket(ticket.token)
    assert back.path.read_bytes() == HTML
    assert (back.name, back.content_type, back.assessment_id) == (ticket.name, "text/html; charset=utf-8", 7)
    assert back.path.parent.stat().st_mode & 0o077 == 0
    assert transfer.may_download(None, back)


def test_outside_the_app_nothing_is_handed_over(tmp_path, monkeypatch):
    monkeypatch.delenv(config.RUNTIME_ENV, raising=False)
    report = tmp_path / "report.pdf"
    report.write_bytes(b"%PDF-1.7\n...")
    assert transfer.offer_download(report) is None


@pytest.mark.parametrize("name, content, why", [
    ("report.pdf", b"<html>not a pdf</html>", "not a PDF"),
    ("book.xlsx", b"%PDF-1.7", "not an Excel workbook"),
    ("report.html", b"#!/bin/sh\nrm -rf /", "not an HTML document"),
    ("package.json", b"\x00\x01", "not a JSON file"),
    ("notes.txt", b"hello", "not a kind of file"),
    ("report.html", b"", "empty"),
])
def test_a_file_that_is_not_what_its_name_says_is_not_handed_over(runtime, tmp_path, name, content, why):
    f = tmp_path / name
    f.write_bytes(content)
    with pytest.raises(InvalidInput, match=why):
        transfer.offer_download(f)
    assert not (runtime / transfer.DOWNLOAD_FOLDER).exists() or not any((runtime / "downloads").iterdir())


def test_a_link_works_only_while_its_ticket_is_valid(runtime, tmp_path):
    f = tmp_path / "a.pdf"
    f.write_bytes(b"%PDF-1.7\n")
    ticket = transfer.offer_download(f, seconds=60)
    assert transfer.read_ticket(ticket.token) is not None
    assert transfer.read_ticket(ticket.token, now=time.time() + 61) is None  # expired
    for token in ("", "../" * 15, ticket.token[:-1], ticket.token + "x", ticket.token.replace(ticket.token[0], "/")):
        assert transfer.read_ticket(token) is None
    # a ticket edited to point elsewhere is refused
    data = json.loads((runtime / "downloads" / ticket.token / transfer.TICKET).read_text())
    (runtime / "downloads" / ticket.token / transfer.TICKET).write_text(json.dumps({**data, "name": "../../x.pdf"}))
    assert transfer.read_ticket(ticket.token) is None
    # a symlink in place of the file is refused
    (runtime / "downloads" / ticket.token / transfer.TICKET).write_text(json.dumps(data))
    target = runtime / "downloads" / ticket.token / "a.pdf"
    target.unlink()
    target.symlink_to(f)
    assert transfer.read_ticket(ticket.token) is None


def test_expired_downloads_are_swept(runtime, tmp_path):
    f = tmp_path / "a.pdf"
    f.write_bytes(b"%PDF-1.7\n")
    old = transfer.offer_download(f, seconds=-1)
    new = transfer.offer_download(f)
    assert not (runtime / "downloads" / old.token).exists() and (runtime / "downloads" / new.token).exists()


# -- uploads --------------------------------------------------------------------------------------
def one(name: str, content) -> tuple:
    return ({"name": name, "type": "", "size": 123456789, "content": content, "last_modified": 0},)


def test_an_upload_gives_its_safe_name_and_bytes():
    data = xlsx_bytes()
    assert transfer.check_upload(one("../XAT filled.xlsx", memoryview(data))) == ("XAT filled.xlsx", data)
    assert transfer.check_upload(one("subs.csv", b"indicator,agreed\nADM.1.1,3\n"))[0] == "subs.csv"
    assert transfer.check_upload(one("p.json", b'\xef\xbb\xbf  {"format": 1}'))[0] == "p.json"


@pytest.mark.parametrize("value, why", [
    ((), "choose one file"),
    (None, "choose one file"),
    ("report.xlsx", "choose one file"),
    (one("a.xlsx", b"x") + one("b.xlsx", b"y"), "not 2"),
    (({"name": 3, "content": b"x"},), "not a file"),
    (({"name": "a.csv", "content": "text"},), "without content"),
    (one("a.exe", b"MZ"), "not .exe"),
    (one("a", b"x"), "without a suffix"),
    (one("a.csv", b""), "empty"),
    (one("a.xlsx", b"%PDF-1.7"), "not an Excel workbook"),
    (one("a.xlsx", b"PK\x03\x04broken zip"), "damaged"),
    (one("a.json", b"<html>"), "not a JSON file"),
    (one("a.csv", b"a,b\n\x00\x01"), "not a text file"),
    (one("a.csv", b"\xff\xfe\xfa latin-1 or worse" * 10), "not UTF-8"),
])
def test_an_upload_that_is_not_one_known_file_is_refused_before_anything_reads_it(value, why):
    with pytest.raises(InvalidInput, match=why):
        transfer.check_upload(value)


def test_an_upload_over_the_limit_is_refused_by_its_real_size():
    with pytest.raises(InvalidInput, match="limit is 1 MiB"):
        transfer.check_upload(one("a.csv", b"x" * (transfer.MiB + 1)), limit=transfer.MiB)

"""Encrypted exports for travel: AES-256-GCM under a scrypt key from a passphrase; a wrong
passphrase, a changed byte, a changed header or a cut file are refused with a clear message and
nothing is imported; the plaintext never lands next to the encrypted file."""
import json

import pytest
from openpyxl import load_workbook

from workbook.cli import main
from workbook.errors import InvalidInput
from workbook.exchange import sealed, xlsx
from workbook.exchange.files import export_file, import_file
from workbook.store import Store, db

PASSPHRASE = "four words for travel"


@pytest.fixture
def xat(store):
    a = store.create_assessment("XAT", "baseline 2026", country_name="Atlantis", by="admin")
    store.save_rating(a.id, "ADM.1.1", agreed="2", notes="Radar blind spot at km 42", by="admin")
    store.set_restricted(a.id, indicator_id="ADM.1.1", what="notes", by="admin")
    return a


@pytest.fixture
def other(tmp_path):
    url = f"sqlite:///{tmp_path / 'other.db'}"
    db.upgrade(url)
    return Store(url)


@pytest.fixture
def package(store, xat, tmp_path):
    return export_file(store, xat, "json", tmp_path / "out" / "XAT.json.sealed", passphrase=PASSPHRASE)


def test_the_encrypted_package_reveals_nothing_and_imports_with_its_passphrase(package, other):
    data = package.read_bytes()
    assert data.startswith(sealed.MAGIC) and b"Radar" not in data and b"Atlantis" not in data
    assert [p.name for p in package.parent.iterdir()] == ["XAT.json.sealed"]  # no plaintext left behind
    header = json.loads(data[len(sealed.MAGIC):data.index(b"\n", len(sealed.MAGIC))])
    assert header["cipher"] == "AES-256-GCM" and header["kdf"] == "scrypt" and header["name"] == "XAT.json"
    result = import_file(other, package, by="admin", passphrase=PASSPHRASE)
    assert result.created
    a = other.get_assessment("XAT")
    assert other.get_rating(a.id, "ADM.1.1")["notes"] == "Radar blind spot at km 42"
    assert other.restricted_counts(a.id)["notes"] == 1


def _tampered(path, tmp_path, change):
    data = bytearray(path.read_bytes())
    change(data)
    out = tmp_path / "tampered.json.sealed"
    out.write_bytes(bytes(data))
    return out


def _flip_last(data):
    data[-1] ^= 1


def _flip_body(data):
    data[len(data) // 2 + 40] ^= 0x80


def _rename_inner(data):
    i = data.index(b'"name":"XAT.json"')
    data[i:i + 17] = b'"name":"XAT.jsob"'


def _cut(data):
    del data[-200:]


@pytest.mark.parametrize("change", [_flip_last, _flip_body, _rename_inner, _cut])
def test_a_changed_file_is_refused_and_nothing_is_imported(package, other, tmp_path, change):
    bad = _tampered(package, tmp_path, change)
    with pytest.raises(InvalidInput, match="the passphrase is wrong, or the file was changed or damaged"):
        import_file(other, bad, by="admin", passphrase=PASSPHRASE)
    assert other.list_assessments() == []


def test_a_wrong_or_missing_passphrase_is_refused(package, other):
    with pytest.raises(InvalidInput, match="nothing was imported"):
        import_file(other, package, by="admin", passphrase="four words for travel!")
    with pytest.raises(InvalidInput, match="this file is encrypted: give its passphrase"):
        import_file(other, package, by="admin")
    assert other.list_assessments() == []


@pytest.mark.parametrize("header", [
    b'{"kdf":"scrypt","n":1073741824,"r":8,"p":1,"salt":"AAAAAAAAAAAAAAAAAAAAAA==","nonce":"AAAAAAAAAAAAAAAA",'
    b'"name":"x.json"}',  # asks for more memory than allowed
    b'{"kdf":"scrypt","n":65536,"r":8,"p":1,"salt":"AAAAAAAAAAAAAAAAAAAAAA==","nonce":"AAAAAAAAAAAAAAAA",'
    b'"name":"../x.json"}',  # a path, not a name
    b"not json", b"",
])
def test_a_damaged_header_is_refused_before_any_work(other, tmp_path, header):
    bad = tmp_path / "bad.sealed"
    bad.write_bytes(sealed.MAGIC + header + b"\n" + b"\0" * 64)
    with pytest.raises(InvalidInput, match="this encrypted file is damaged"):
        import_file(other, bad, by="admin", passphrase=PASSPHRASE)


def test_a_short_passphrase_writes_nothing(store, xat, tmp_path):
    with pytest.raises(InvalidInput, match="a passphrase has 12 characters at least"):
        export_file(store, xat, "json", tmp_path / "x.sealed", passphrase="short")
    assert not (tmp_path / "x.sealed").exists()


def _fill_sealed(path, indicator_id: str, agreed: str, notes: str) -> None:
    """Edit the encrypted workbook as an assessor would: decrypt, fill the indicator's row, seal again."""
    with sealed.open_sealed(path, PASSPHRASE) as inner:
        assert inner.name == "XAT.xlsx" and xlsx.is_workbook_export(xlsx.open_xlsx(inner))
        wb = load_workbook(inner)
        ws = next(wb[name] for name in wb.sheetnames
                  if any(c.value == indicator_id for c in wb[name]["A"]))
        row = next(c.row for c in ws["A"] if c.value == indicator_id)
        ws[f"F{row}"], ws[f"H{row}"] = agreed, notes
        wb.save(inner)
        sealed.seal(inner, path, PASSPHRASE)
        folder = inner.parent
    assert not folder.exists()  # the decrypted copy is removed


def test_an_encrypted_excel_workbook_imports_with_its_passphrase(store, xat, tmp_path):
    path = export_file(store, xat, "xlsx", tmp_path / "XAT.xlsx.sealed", passphrase=PASSPHRASE)
    assert path.read_bytes().startswith(sealed.MAGIC) and b"Atlantis" not in path.read_bytes()
    _fill_sealed(path, "OPS.1.2", "3", "Seen at the port.")
    before = len(store.audit_frame(xat.id))
    with pytest.raises(InvalidInput, match="the passphrase is wrong"):
        import_file(store, path, by="admin", passphrase="not the passphrase at all")
    with pytest.raises(InvalidInput, match="this file is encrypted: give its passphrase"):
        import_file(store, path, by="admin")
    assert store.get_rating(xat.id, "OPS.1.2")["agreed"] is None and len(store.audit_frame(xat.id)) == before
    result = import_file(store, path, by="admin", passphrase=PASSPHRASE)
    assert result.changed == 1
    got = store.get_rating(xat.id, "OPS.1.2")
    assert (got["agreed"], got["notes"]) == ("3", "Seen at the port.")
    assert store.get_rating(xat.id, "ADM.1.1")["notes"] == "Radar blind spot at km 42"  # untouched


def test_cli_encrypt_and_import(store, xat, other, tmp_path, capsys, monkeypatch):
    secret = tmp_path / "passphrase.txt"
    secret.write_text(PASSPHRASE + "\n")
    out = tmp_path / "XAT.json.sealed"
    assert main(["export", "XAT", "--format", "json", "--encrypt", "--passphrase-file", str(secret),
                 "-o", str(out)]) == 0
    assert out.read_bytes().startswith(sealed.MAGIC)
    monkeypatch.setenv("WORKBOOK_DB_URL", other.engine.url.render_as_string(hide_password=False))
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("not the passphrase at all\n")
    assert main(["import", str(out), "--passphrase-file", str(wrong), "--by", "admin"]) == 2
    assert "the passphrase is wrong" in capsys.readouterr().err
    assert main(["import", str(out), "--passphrase-file", str(secret), "--by", "admin"]) == 0
    assert [a.country_code for a in other.list_assessments()] == ["XAT"]

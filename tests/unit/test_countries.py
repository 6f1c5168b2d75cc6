import pytest

from workbook.countries import resolve_country, search_countries
from workbook.errors import InvalidInput


def test_real_codes():
    assert resolve_country("ken").name == "Kenya"
    assert resolve_country(" TUN ").code == "TUN"
    assert not resolve_country("TUN").fictional


def test_user_assigned_codes_need_a_name():
    c = resolve_country("XSY", "Syldavia")
    assert c.fictional and c.name == "Syldavia"
    for code in ("AAB", "QMZ", "ZZX"):
        assert resolve_country(code, "Training").fictional


def test_unknown_code_suggests():
    with pytest.raises(InvalidInput, match="KEY is not an ISO 3166-1 alpha-3 code"):
        resolve_country("KEY")


def test_search_by_name_and_code():
    assert [c.code for c in search_countries("kenya")] == ["KEN"]
    assert search_countries("MDA")[0].code == "MDA"
    assert {"NER", "NGA"} <= {c.code for c in search_countries("ige")}
    assert search_countries("") == []

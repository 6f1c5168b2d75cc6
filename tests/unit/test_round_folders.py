"""One output-folder rule: batch reports, exports and the road-map export of a round share
``<outputs>/<ISO3>/<round folder>/``, readable, and never shared by two different rounds. (A real
batch run of such a round is in tests/system/test_batch.py.)"""
from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbook import config
from workbook.batch import plan_jobs
from workbook.cli import main as cli_main
from workbook.exchange.files import default_output, export_file
from workbook.store.models import Assessment
from workbook.store import Store

ROUNDS = ["Follow-up 2028", "Évaluation 2027", "تقييم 2027"]
WINDOWS_REFUSED = set('<>:"/\\|?*')
RESERVED = re.compile(r"(con|prn|aux|nul|com\d|lpt\d)(\..*)?", re.I)


def portable(name: str) -> bool:
    """A folder name that Linux, macOS and Windows all accept as it is."""
    return (bool(name) and not set(name) & WINDOWS_REFUSED and all(ord(c) >= 32 for c in name)
            and name[-1] not in ". " and name[0] != "." and len(name.encode("utf-8")) <= 255
            and not RESERVED.fullmatch(name))


def same_on_disk(name: str) -> str:
    """What a case-insensitive, normalisation-insensitive file system (Windows, macOS) compares."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFD", name).casefold())


@pytest.mark.parametrize("round_name, folder", [("baseline 2026", "baseline-2026"), ("تقييم 2027", "تقييم-2027"),
                                                ("évaluation 2027", "évaluation-2027"), ("round 1", "round-1")])
def test_a_round_written_as_its_folder_keeps_its_name(round_name, folder):
    assert config.round_folder(round_name) == folder


@pytest.mark.parametrize("round_name, readable", [("Follow-up 2028", "follow-up-2028"),
                                                  ("Évaluation 2027", "évaluation-2027"),
                                                  ("Follow-up (2027/1)", "follow-up-2027-1"), ("...", "round"),
                                                  ("CON", "con"), ("con", "con"), ("ﬁnal", "final")])
def test_a_lossy_folder_name_carries_a_hash_of_the_exact_name(round_name, readable):
    folder = config.round_folder(round_name)
    assert re.fullmatch(re.escape(readable) + r"_[0-9a-f]{10}", folder)
    assert config.round_folder(round_name) == folder, "the same round always gets the same folder"


def test_rounds_that_look_alike_never_share_a_folder(tmp_path):
    e_nfc, e_nfd = "évaluation 2027", unicodedata.normalize("NFD", "évaluation 2027")
    names = ["Round 1", "round 1", "round-1", "Round/1", "ROUND 1", "round  1", "round_1", "round 1.", " round 1",
             "Round\\1", "round:1", e_nfc, e_nfd, "Évaluation 2027", "final", "ﬁnal", "i 1", "ı 1", "İ 1",
             "straße", "strasse", "con", "CON", "nul.txt", "x" * 60, "x" * 61, "x" * 40 + "-y", "tab\t1", "",
             "تقييم 2027", "تقييم ٢٠٢٧", "تقييم 2027 ", "\u200ftaqyim"]
    folders = [config.round_folder(n) for n in names]
    assert len({same_on_disk(f) for f in folders}) == len(names), "two rounds would share a folder"
    assert all(portable(f) for f in folders), [f for f in folders if not portable(f)]
    for f in folders:
        (tmp_path / f).mkdir()
    assert len(list(tmp_path.iterdir())) == len(names)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80), st.text(max_size=80))
def test_any_two_round_names_get_portable_folders_of_their_own(a, b):
    fa, fb = config.round_folder(a), config.round_folder(b)
    assert portable(fa) and portable(fb)
    assert (same_on_disk(fa) == same_on_disk(fb)) == (a == b)


# -- batch, exports and the road-map export use the same folder ----------------------------------
def add_round(store: Store, round_name: str) -> None:
    """An assessment of XAT in a round named as given, written as a restored backup or another
    installation could hold it (written directly, as stored, whatever the form accepts)."""
    with store._sessions.begin() as s:
        s.add(Assessment(country_code="XAT", country_name="Atlantis", fictional=True, round=round_name,
                         framework_id=store.framework.id, framework_version=store.framework.version, status="draft"))


@pytest.mark.parametrize("round_name", ROUNDS)
def test_batch_exports_and_road_map_export_write_a_round_to_one_folder(demo_url, tmp_path, monkeypatch, capsys,
                                                                        round_name):
    out = tmp_path / "outputs"
    monkeypatch.setenv("WORKBOOK_OUTPUTS", str(out))
    store = Store(demo_url)
    add_round(store, round_name)
    info = store.get_assessment("XAT", round_name)
    expected = out / "XAT" / config.round_folder(round_name)

    [job] = plan_jobs(["XAT"], round=round_name, output_dir=out, formats=("html",))
    assert job.final_dir == expected
    for fmt in ("xlsx", "xlsform", "json"):
        assert default_output(info, fmt).parent == expected
        assert export_file(store, info, fmt).parent == expected
    assert cli_main(["roadmap", "XAT", "--round", round_name, "export", "--what", "recommendations"]) == 0
    written = sorted(p.name for p in expected.iterdir())
    folder = expected.name
    assert written == sorted([f"XAT-{folder}.xlsx", f"XAT-{folder}-xlsform.xlsx", f"XAT-{folder}.json",
                              f"XAT-{folder}-recommendations.csv"])
    assert [p.name for p in (out / "XAT").iterdir()] == [folder]

"""Bilingual files for a mixed team: the XLSForm with ``label::French (fr)`` columns for each
language, the Excel workbook with each framework text in both languages."""
from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import load_workbook
from pyxform.xls2xform import convert

from workbook.cli import main
from workbook.errors import InvalidInput
from workbook.exchange import export_file
from workbook.exchange.xlsform import build_xlsform
from workbook.exchange.xlsx import PILLAR_COLUMNS, export_xlsx
from workbook.i18n import translated_framework

NOW = dt.datetime(2026, 12, 1, 9, 0)
FR, EN = "label::French (fr)", "label::English (en)"


@pytest.fixture
def xat(demo_store):
    return demo_store.get_assessment("XAT")


def test_a_multilingual_form_has_a_text_column_per_language_and_the_same_fields(demo_store, xat):
    fr_only = build_xlsform(demo_store, xat, now=NOW, lang="fr")
    both = build_xlsform(demo_store, xat, now=NOW, lang="fr", also=["en", "fr"])
    for sheet in ("survey", "choices"):
        assert [{k: v for k, v in r.items() if "::" not in k} for r in both[sheet]] == \
               [{k: v for k, v in r.items() if k not in ("label", "hint", "constraint_message")}
                for r in fr_only[sheet]], "names, types and values do not change with the languages"
        assert not any(k in r for r in both[sheet] for k in ("label", "hint"))
    assert both["settings"][0]["default_language"] == "French (fr)"
    fr_fw, en_fw = translated_framework(demo_store.framework, "fr"), demo_store.framework
    q = next(r for r in both["survey"] if r.get("name") == "ADM_1_1")
    assert q[FR] == f"ADM.1.1 {fr_fw.indicator('ADM.1.1').name}: {fr_fw.indicator('ADM.1.1').question}"
    assert q[EN] == f"ADM.1.1 {en_fw.indicator('ADM.1.1').name}: {en_fw.indicator('ADM.1.1').question}"
    assert q["hint::French (fr)"] == fr_fw.indicator("ADM.1.1").guidance != q["hint::English (en)"]
    name = next(r for r in both["survey"] if r.get("name") == "assessor")
    assert (name[FR], name[EN]) == ("Votre nom", "Your name"), "the form's own questions are translated too"
    date = next(r for r in both["survey"] if r.get("name") == "ev_date")
    assert date["constraint_message::French (fr)"] == "La date ne peut pas être dans le futur."
    rater = [(c["name"], c[FR]) for c in both["choices"] if c["list_name"] == "raters"]
    assert rater[0] == ("national", "Auto-évaluation nationale")


def test_pyxform_reads_the_languages_of_the_form_and_their_text(demo_store, xat, tmp_path):
    path = export_file(demo_store, xat, "xlsform", tmp_path / "form.xlsx", lang="fr", also=["en", "ar"])
    headers = [c.value for c in load_workbook(path)["survey"][1]]
    assert {FR, EN, "label::Arabic (ar)", "hint::French (fr)"} <= set(headers)
    warnings: list[str] = []
    xform = convert(xlsform=str(path), warnings=warnings).xform
    assert warnings == []
    for lang in ("French (fr)", "English (en)", "Arabic (ar)"):
        assert f'<translation lang="{lang}"' in xform
    assert '<translation lang="French (fr)" default="true()">' in xform
    ar = translated_framework(demo_store.framework, "ar").indicator("ADM.1.1")
    assert ar.guidance in xform and "Votre nom" in xform and "Your name" in xform


def test_a_bilingual_workbook_shows_both_texts_and_reads_back_like_a_monolingual_one(demo_store, xat, tmp_path):
    one = load_workbook(export_xlsx(demo_store, xat, tmp_path / "fr.xlsx", now=NOW, lang="fr"))
    two = load_workbook(export_xlsx(demo_store, xat, tmp_path / "fr-en.xlsx", now=NOW, lang="fr", also=["en"]))
    assert one.sheetnames == two.sheetnames, "sheet names in the first language"
    fr_fw, en_fw = translated_framework(demo_store.framework, "fr"), demo_store.framework
    sheet = two.sheetnames[1]
    keys = [k for k, *_ in PILLAR_COLUMNS]
    row = {k: c.value for k, c in zip(keys, two[sheet][2])}
    fr_ind, en_ind = fr_fw.indicator(row["indicator_id"]), en_fw.indicator(row["indicator_id"])
    assert row["question"] == f"{fr_ind.question}\n\n{en_ind.question}"
    assert row["level_3"] == f"{fr_ind.levels[2].descriptor}\n\n{en_ind.levels[2].descriptor}"
    text_keys = {"subarea", "indicator", "question", "guidance", *(f"level_{n}" for n in range(1, 6))}
    for name in two.sheetnames:
        for r1, r2 in zip(one[name].iter_rows(values_only=True), two[name].iter_rows(values_only=True), strict=True):
            if name in one.sheetnames[1:-3]:  # pillar sheets: everything but the framework text is the same
                r1, r2 = ([v for k, v in zip(keys, r) if k not in text_keys] for r in (r1, r2))
            assert r1 == r2, f"sheet {name} differs beyond the framework text"


def test_more_languages_are_checked_and_refused_for_a_package(demo_store, xat, tmp_path):
    with pytest.raises(InvalidInput, match="'de' is not a language"):
        export_file(demo_store, xat, "xlsform", tmp_path / "f.xlsx", also=["de"])
    with pytest.raises(InvalidInput, match="xlsx and xlsform only"):
        export_file(demo_store, xat, "json", tmp_path / "p.json", also=["fr"])


def test_export_also_on_the_command_line(demo_url, tmp_path, capsys):
    path = tmp_path / "form.xlsx"
    assert main(["--db-url", demo_url, "export", "XAT", "--format", "xlsform", "--lang", "es", "--also", "fr",
                 "--output", str(path)]) == 0
    headers = [c.value for c in load_workbook(path)["survey"][1]]
    assert "label::Spanish (es)" in headers and FR in headers

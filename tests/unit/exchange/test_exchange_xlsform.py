"""The XLSForm for KoboToolbox / ODK Collect, and the import of its submissions exports.

Submissions files are written here as those tools write them: KoboToolbox CSV (semicolons,
``group/subgroup/question`` headers, ``_id``/``_uuid``/``_submission_time`` columns), KoboToolbox
XLSX (the repeat group in its own sheet) and ODK Central CSV (commas, ``group-question``)."""
from __future__ import annotations

import csv
import datetime as dt

import pytest
from openpyxl import Workbook, load_workbook
from pyxform.xls2xform import convert

from workbook.store import db
from workbook.errors import InvalidInput
from workbook.exchange import export_file, import_file
from workbook.exchange.xlsform import build_xlsform
from workbook.store import Store

TODAY = dt.date.today()
KOBO_META = ["start", "end", "_id", "_uuid", "_submission_time", "_index"]


@pytest.fixture
def xat(demo_store):
    return demo_store.get_assessment("XAT")


@pytest.fixture
def form(demo_store, xat):
    return build_xlsform(demo_store, xat)


def headers(form: dict, sep: str = "/") -> list[str]:
    """Column headers of a submissions export: every question with its group path."""
    path, out = [], []
    for q in form["survey"]:
        t = q["type"]
        if t == "begin_group":
            path.append(q["name"])
        elif t == "end_group":
            path.pop()
        elif t == "begin_repeat":
            break
        else:
            out.append(sep.join(path + [q["name"]]))
    return out


def calculated(form: dict) -> dict:
    return {q["name"]: q["calculation"].strip("'") for q in form["survey"] if q["type"] == "calculate"}


def submission(form: dict, answers: dict, sep: str = "/", index: int = 1) -> dict:
    """One row as the tool exports it: calculate fields filled, unanswered questions empty."""
    row = {h: "" for h in headers(form, sep)}
    for h in row:
        name = h.split(sep)[-1]
        if name in calculated(form):
            row[h] = calculated(form)[name]
        if name in answers:
            row[h] = answers[name]
    return row | {"start": "2026-11-20T09:00:00", "end": "2026-11-20T10:00:00", "_id": 1000 + index,
                  "_uuid": f"uuid-{index}", "_submission_time": "2026-11-20T10:01:00", "_index": index}


def write_csv(path, rows: list[dict], delimiter=";"):
    with path.open("w", newline="", encoding="utf-8-sig") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]), delimiter=delimiter)
        w.writeheader()
        w.writerows(rows)
    return path


def write_kobo_xlsx(path, rows: list[dict], evidence: list[dict] = ()):
    wb = Workbook()
    ws = wb.active
    ws.title = "MBM form"
    ws.append(list(rows[0]))
    for r in rows:
        ws.append(list(r.values()))
    if evidence:
        ev = wb.create_sheet("evidence")
        cols = ["evidence/ev_indicator", "evidence/ev_type", "evidence/ev_source", "evidence/ev_date",
                "evidence/ev_reference", "evidence/ev_supplied_by", "_index", "_parent_index",
                "_parent_table_name"]
        ev.append(cols)
        for i, e in enumerate(evidence, start=1):
            ev.append([e.get(c.split("/")[-1]) for c in cols[:6]] + [i, 1, "MBM form"])
    wb.save(path)
    return path


def test_form_converts_with_pyxform(demo_store, xat, tmp_path):
    path = export_file(demo_store, xat, "xlsform", tmp_path / "form.xlsx")
    warnings: list[str] = []
    result = convert(xlsform=str(path), warnings=warnings)
    assert warnings == []
    xform = result.xform
    fw = demo_store.framework
    ind = fw.indicator("OPS.1.1")
    # the indicator's own descriptors are its choices, its guidance the hint
    assert ind.levels[2].descriptor in xform and ind.guidance in xform
    assert 'id="mbm_XAT_baseline_2026"' in xform
    for name in ("wb_country", "wb_round", "wb_framework_version", "wb_versions", "rater", "ev_date"):
        assert f"<{name}/>" in xform or f"<{name}>" in xform
    assert ". &lt;= today()" in xform  # evidence dates may not be in the future
    wb = load_workbook(path)
    choices = [r for r in wb["choices"].iter_rows(min_row=2, values_only=True) if r[0] == "lv_OPS_1_1"]
    assert [c[1] for c in choices] == ["1", "2", "3", "4", "5", "NA", "NE", "IE"]


@pytest.mark.parametrize("sep,delimiter,suffix", [("/", ";", "kobo.csv"), ("-", ",", "odk-central.csv"),
                                                  ("/", None, "kobo.xlsx")])
def test_submissions_round_trip(demo_store, xat, form, tmp_path, sep, delimiter, suffix):
    rows = [submission(form, {"assessor": "Ana Ferreira", "rater": "national", "OPS_1_1": "5",
                              "OPS_1_1_notes": "Checked at the port.", "ADM_1_1": "NA"}, sep),
            submission(form, {"assessor": "Maria Okafor", "rater": "external", "OPS_1_1": "2"}, sep, index=2)]
    path = tmp_path / suffix
    if delimiter:
        write_csv(path, rows, delimiter)
    else:
        write_kobo_xlsx(path, rows, evidence=[{"ev_indicator": "OPS.1.1", "ev_type": "observation",
                                               "ev_source": "Visit to the main port", "ev_date": "2026-11-19",
                                               "ev_supplied_by": "Ana Ferreira"}])
    result = import_file(demo_store, path)
    got = demo_store.get_rating(xat.id, "OPS.1.1")
    assert (got["national"], got["external"], got["notes"]) == ("5", "2", "Checked at the port.")
    assert demo_store.get_rating(xat.id, "ADM.1.1")["national"] == "NA"
    assert got["updated_by"] == "Ana Ferreira, Maria Okafor"  # the assessors, when --by is not given
    if not delimiter:
        ev = demo_store.evidence_frame(xat.id)
        assert "Visit to the main port" in set(ev[ev.indicator_id == "OPS.1.1"].source)
    assert result.changed == 2


def test_labels_instead_of_values_are_read(demo_store, xat, form, tmp_path):
    path = write_csv(tmp_path / "labels.csv", [submission(form, {"rater": "agreed",
                                                                 "OPS_1_2": "4 Performing: The arrangement ..."})])
    import_file(demo_store, path, by="tester")
    assert demo_store.get_rating(xat.id, "OPS.1.2")["agreed"] == "4"


def test_bad_submissions_are_located_and_nothing_written(demo_store, xat, form, tmp_path):
    rows = [submission(form, {"rater": "national", "OPS_1_1": "three", "OPS_1_2": "4"}),
            submission(form, {"rater": "judge", "OPS_1_3": "2"}, index=2),
            submission(form, {"rater": "national", "OPS_1_2": "3"}, index=3)]
    path = tmp_path / "bad.xlsx"
    write_kobo_xlsx(path, rows, evidence=[{"ev_indicator": "OPS.1.1", "ev_type": "law", "ev_source": "Law",
                                           "ev_date": (TODAY + dt.timedelta(days=2)).isoformat()}])
    before = demo_store.ratings_frame(xat.id).to_dict("records")
    with pytest.raises(InvalidInput) as err:
        import_file(demo_store, path, by="tester")
    text = str(err.value)
    col = {h.split("/")[-1]: i for i, h in enumerate(rows[0])}
    letter = {k: chr(ord("A") + v) if v < 26 else None for k, v in col.items()}
    assert "'three' is not a level; use 1-5, NA, NE or IE" in text
    assert "'judge' is not a rater" in text and f"MBM form!{letter['rater']}3" in text
    assert "OPS.1.2 national: this submission says '3', the one at" in text
    assert "evidence!D2: " in text and "is in the future" in text
    assert len(err.value.problems) == 4
    assert demo_store.ratings_frame(xat.id).to_dict("records") == before


def test_file_that_does_not_say_its_assessment(demo_store, xat, tmp_path):
    demo_store.save_rating(xat.id, "OPS.2.1", by="Colleague", agreed="3", national=None)
    path = write_csv(tmp_path / "plain.csv", [{"rater": "agreed", "OPS_2_1": "NE"},
                                              {"rater": "national", "OPS_2_1": "2"}], delimiter=",")
    with pytest.raises(InvalidInput, match="does not say which country it is for: give --country"):
        import_file(demo_store, path, by="tester")
    result = import_file(demo_store, path, by="tester", country="xat", round="baseline 2026")
    assert "does not say its framework version" in result.report
    # with nothing to tell when the file was made, a stored value is never replaced silently
    stored = demo_store.get_rating(xat.id, "OPS.2.1")
    assert (stored["agreed"], stored["national"], result.skipped_conflicts) == ("3", "2", 1)


def test_options_must_agree_with_the_file(demo_store, form, tmp_path):
    path = write_csv(tmp_path / "s.csv", [submission(form, {"rater": "agreed", "OPS_2_1": "NE"})])
    with pytest.raises(InvalidInput, match="the file is for country 'XAT', but --country 'XBO' was given"):
        import_file(demo_store, path, by="tester", country="XBO")


def test_conflict_with_a_change_since_the_form_was_made(demo_store, xat, form, tmp_path):
    current = demo_store.get_rating(xat.id, "OPS.1.1")["agreed"]
    demo_store.save_rating(xat.id, "OPS.1.1", by="Colleague", agreed="1" if current != "1" else "2")
    path = write_csv(tmp_path / "s.csv", [submission(form, {"rater": "agreed", "OPS_1_1": "5", "OPS_1_2": "5"})])
    result = import_file(demo_store, path, by="tester")
    assert [c.indicator_id for c in result.plan.conflicts] == ["OPS.1.1"]
    assert demo_store.get_rating(xat.id, "OPS.1.1")["agreed"] != "5"
    assert demo_store.get_rating(xat.id, "OPS.1.2")["agreed"] == "5"
    import_file(demo_store, path, by="tester", overwrite=True)
    assert demo_store.get_rating(xat.id, "OPS.1.1")["agreed"] == "5"


def test_submissions_for_an_unknown_assessment(form, tmp_path):
    url = f"sqlite:///{tmp_path / 'other.db'}"
    db.upgrade(url)
    path = write_csv(tmp_path / "s.csv", [submission(form, {"rater": "agreed", "OPS_1_1": "5"})])
    with pytest.raises(InvalidInput, match="no assessment for country 'XAT'"):
        import_file(Store(url), path, by="tester")

"""The XLSForm for KoboToolbox / ODK Collect, and the import of its submissions exports.

Submissions files are written here as those tools write them: KoboToolbox CSV (semicolons,
``group/subgroup/question`` headers, ``_id``/``_uuid``/``_submission_time`` columns), KoboToolbox
XLSX (the repeat group in its own sheet) and ODK Central CSV (commas, ``group-question``).
Framework 2.0 forms carry the crossing-point profile, override reasons and the criteria; a 1.0
assessment's form has none of them. Indicator ids follow 2.0 (OPS.1.1 was merged into REG.2.1)."""
from __future__ import annotations

import csv
import datetime as dt

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from pyxform.xls2xform import convert

from support.exchange import IND, capacity, empty_round, framework_1_assessment
from workbook.store import db
from workbook.errors import InvalidInput
from workbook.exchange import export_file, import_file
from workbook.exchange.xlsform import build_xlsform
from workbook.store import Store

TODAY = dt.date.today()


def met_up_to(level: int, ind: str = IND) -> dict[str, str]:
    """Criteria answers as form fields: ``{"OPS_2_3_2a": "yes", ...}``."""
    return {cid.replace(".", "_"): "yes" for n in range(2, level + 1) for cid in capacity(n, ind)}
KOBO_META = ["start", "end", "_id", "_uuid", "_submission_time", "_index"]


@pytest.fixture
def xat(demo_store):
    return demo_store.get_assessment("XAT")


@pytest.fixture
def form(demo_store, xat):
    return build_xlsform(demo_store, xat)


@pytest.fixture
def blank(demo_store):
    return empty_round(demo_store)


@pytest.fixture
def blank_form(demo_store, blank):
    return build_xlsform(demo_store, blank)


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
    calc = calculated(form)
    for h in row:
        name = h.split(sep)[-1]
        if name in calc:
            row[h] = calc[name]
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
    ind = fw.indicator("OPS.1.2")
    # the indicator's own descriptors are its choices, its guidance the hint
    assert ind.levels[2].descriptor in xform and ind.guidance in xform
    assert 'id="mbm_XAT_baseline_2026"' in xform
    for name in ("wb_country", "wb_round", "wb_framework_version", "wb_versions", "rater", "ev_date"):
        assert f"<{name}/>" in xform or f"<{name}>" in xform
    assert ". &lt;= today()" in xform  # evidence dates may not be in the future
    wb = load_workbook(path)
    choices = [r for r in wb["choices"].iter_rows(min_row=2, values_only=True) if r[0] == "lv_OPS_1_2"]
    assert [c[1] for c in choices] == ["1", "2", "3", "4", "5", "NA", "NE", "IE"]


@pytest.mark.parametrize("sep,delimiter,suffix", [("/", ";", "kobo.csv"), ("-", ",", "odk-central.csv"),
                                                  ("/", None, "kobo.xlsx")])
def test_submissions_round_trip(demo_store, xat, form, tmp_path, sep, delimiter, suffix):
    rows = [submission(form, {"assessor": "Ana Ferreira", "rater": "national", "OPS_1_5": "5",
                              "OPS_1_5_notes": "Checked at the port.", "ADM_1_1": "NA"}, sep),
            submission(form, {"assessor": "Maria Okafor", "rater": "external", "OPS_1_5": "2"}, sep, index=2)]
    path = tmp_path / suffix
    if delimiter:
        write_csv(path, rows, delimiter)
    else:
        write_kobo_xlsx(path, rows, evidence=[{"ev_indicator": "OPS.1.5", "ev_type": "observation",
                                               "ev_source": "Visit to the main port", "ev_date": "2026-11-19",
                                               "ev_supplied_by": "Ana Ferreira"}])
    result = import_file(demo_store, path)
    got = demo_store.get_rating(xat.id, "OPS.1.5")
    assert (got["national"], got["external"], got["notes"]) == ("5", "2", "Checked at the port.")
    assert demo_store.get_rating(xat.id, "ADM.1.1")["national"] == "NA"
    assert got["updated_by"] == "Ana Ferreira, Maria Okafor"  # the assessors, when --by is not given
    if not delimiter:
        ev = demo_store.evidence_frame(xat.id)
        assert "Visit to the main port" in set(ev[ev.indicator_id == "OPS.1.5"].source)
    assert result.changed == 2


def test_labels_instead_of_values_are_read(demo_store, xat, form, tmp_path):
    path = write_csv(tmp_path / "labels.csv", [submission(form, {
        "rater": "agreed", "OPS_1_2": "4 Performing: The arrangement ...",
        "OPS_1_2_override": "Above its criteria: the team's reason."})])
    import_file(demo_store, path, by="tester")
    assert demo_store.get_rating(xat.id, "OPS.1.2")["agreed"] == "4"


def test_bad_submissions_are_located_and_nothing_written(demo_store, xat, form, tmp_path):
    rows = [submission(form, {"rater": "national", "OPS_1_5": "three", "OPS_1_2": "4"}),
            submission(form, {"rater": "judge", "OPS_1_3": "2"}, index=2),
            submission(form, {"rater": "national", "OPS_1_2": "3"}, index=3)]
    path = tmp_path / "bad.xlsx"
    write_kobo_xlsx(path, rows, evidence=[{"ev_indicator": "OPS.1.5", "ev_type": "law", "ev_source": "Law",
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
    demo_store.save_rating(xat.id, "OPS.2.1", by="Colleague", agreed="3", national=None,
                           override_reason="A colleague's reading of the posts.")
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
    current = demo_store.get_rating(xat.id, "OPS.1.5")["agreed"]
    demo_store.save_rating(xat.id, "OPS.1.5", by="Colleague", agreed="1" if current != "1" else "2",
                           override_reason="A colleague's reading of the posts.")
    path = write_csv(tmp_path / "s.csv", [submission(form, {"rater": "agreed", "OPS_1_5": "5", "OPS_1_2": "5",
                                                            "OPS_1_2_override": "Above its criteria: the reason."})])
    result = import_file(demo_store, path, by="tester")
    assert [c.indicator_id for c in result.plan.conflicts] == ["OPS.1.5"]
    assert demo_store.get_rating(xat.id, "OPS.1.5")["agreed"] != "5"
    assert demo_store.get_rating(xat.id, "OPS.1.2")["agreed"] == "5"
    import_file(demo_store, path, by="tester", overwrite=True)
    assert demo_store.get_rating(xat.id, "OPS.1.5")["agreed"] == "5"


def test_submissions_for_an_unknown_assessment(form, tmp_path):
    url = f"sqlite:///{tmp_path / 'other.db'}"
    db.upgrade(url)
    path = write_csv(tmp_path / "s.csv", [submission(form, {"rater": "agreed", "OPS_1_5": "5"})])
    with pytest.raises(InvalidInput, match="no assessment for country 'XAT'"):
        import_file(Store(url), path, by="tester")


# -- framework 2.0: criteria, crossing points, override reasons -----------------------------------
def test_criteria_questions_follow_the_crossing_points(demo_store, blank, tmp_path):
    demo_store.set_crossing_profile(blank.id, kinds=["air", "land"], landlocked=True, by="Colleague")
    demo_store.save_criteria(blank.id, {"OPS.2.3.2a": "yes"}, by="Colleague")
    form = build_xlsform(demo_store, blank)
    survey = {q["name"]: q for q in form["survey"] if "name" in q}
    # the profile, preset to the stored one
    assert survey["crossing_kinds"]["type"] == "select_multiple crossing_kinds"
    assert survey["crossing_kinds"]["default"] == "air land" and survey["landlocked"]["default"] == "yes"
    assert "island" in survey and "default" not in survey["island"]
    # the criteria: a group per indicator and level, yes/no/na, hidden where the kind is missing
    assert survey["OPS_2_3_criteria"]["type"] == "begin_group" and survey["OPS_2_3_L3"]["type"] == "begin_group"
    q = survey["ADM_1_1_3c"]  # only for seaports and river or lake ports
    assert q["type"] == "select_one answers" and q["label"].startswith("ADM.1.1.3c ")
    assert q["relevant"] == ("count-selected(${crossing_kinds}) = 0 or selected(${crossing_kinds}, 'sea') or "
                             "selected(${crossing_kinds}, 'river_lake')")
    assert "relevant" not in survey["OPS_2_3_3a"]  # applies everywhere
    assert survey["OPS_7_4_criteria"]["relevant"].endswith("selected(${crossing_kinds}, 'sea')")  # rescue at sea
    assert survey["OPS_2_3_override"]["relevant"] == "${rater} = 'agreed'"
    assert calculated(form)["wb_criteria"] == "OPS.2.3.2a:1"
    assert [(c["name"], c["label"]) for c in form["choices"] if c["list_name"] == "answers"] == [
        ("yes", "Yes (met)"), ("no", "No (not met)"), ("na", "Not applicable")]
    # valid for pyxform, and the relevance reaches the XForm
    path = export_file(demo_store, blank, "xlsform", tmp_path / "form.xlsx")
    warnings: list[str] = []
    xform = convert(xlsform=str(path), warnings=warnings).xform
    assert warnings == []
    assert "<ADM_1_1_3c/>" in xform and "selected( /data/crossing_points/crossing_kinds , 'river_lake')" in xform
    assert "<crossing_kinds>air land</crossing_kinds>" in xform


@pytest.mark.parametrize("sep,delimiter,suffix", [("/", ";", "kobo.csv"), ("-", ",", "odk-central.csv"),
                                                  ("/", None, "kobo.xlsx")])
def test_criteria_round_trip(demo_store, blank, blank_form, tmp_path, sep, delimiter, suffix):
    """Form -> answers -> import -> the same answers, the profile, the levels that follow and an override."""
    given = met_up_to(3) | {capacity(4)[0].replace(".", "_"): "no"} | met_up_to(2, "OPS.2.1")
    rows = [submission(blank_form, {"assessor": "Ana Ferreira", "rater": "national", "crossing_kinds": "air land",
                              "landlocked": "yes", **given}, sep),
            submission(blank_form, {"assessor": "Maria Okafor", "rater": "agreed", "crossing_kinds": "air land",
                              "landlocked": "yes", "OPS_2_1": "3",
                              "OPS_2_1_override": "Procedure adopted, not yet on file.",
                              "OPS_2_3_2a": "Yes (met)"}, sep, index=2)]  # a label is read too
    path = tmp_path / suffix
    if delimiter:
        write_csv(path, rows, delimiter)
    else:
        write_kobo_xlsx(path, rows)
    dry = import_file(demo_store, path, dry_run=True)
    assert "crossing-point profile: not recorded (every criterion applies) -> air, land (landlocked)" in dry.report
    assert f"{IND}: the criteria give level 3" in dry.report
    result = import_file(demo_store, path)
    saved = demo_store.criteria_frame(blank.id).set_index("criterion_id")["answer"].to_dict()
    assert saved == {k.replace("_", "."): v for k, v in given.items()}
    assert demo_store.crossing_profile(blank.id).kinds == frozenset({"air", "land"})
    assert demo_store.get_rating(blank.id, IND)["agreed"] == "3"
    kept = demo_store.get_rating(blank.id, "OPS.2.1")
    assert (kept["agreed"], kept["override_reason"]) == ("3", "Procedure adopted, not yet on file.")
    assert kept["updated_by"] == "Ana Ferreira, Maria Okafor" and result.answers == len(given)
    assert import_file(demo_store, path, dry_run=True).plan.empty  # the same file again changes nothing


def test_bad_criteria_submissions_are_located_and_nothing_written(demo_store, xat, form, tmp_path):
    rows = [submission(form, {"rater": "national", "OPS_2_3_2a": "maybe", "OPS_2_3_2b": "yes",
                              "crossing_kinds": "air tunnel"}),
            submission(form, {"rater": "external", "OPS_2_3_2b": "no", "crossing_kinds": "sea",
                              "landlocked": "yes"}, index=2),
            submission(form, {"rater": "agreed", "OPS_2_1": "4"}, index=3)]
    for row, value in zip(rows, ("", "", "yes")):  # a question that is not in the form (an edited form)
        row["OPS/OPS_2/OPS_2_3_criteria/OPS_2_3_9z"] = value
    path = write_csv(tmp_path / "bad.csv", rows)

    def stored():
        return (demo_store.ratings_frame(xat.id).to_dict("records"),
                demo_store.criteria_frame(xat.id).to_dict("records"), demo_store.crossing_profile(xat.id))
    before = stored()
    with pytest.raises(InvalidInput) as err:
        import_file(demo_store, path, by="tester")
    text = str(err.value)
    col = {h.split("/")[-1]: i for i, h in enumerate(rows[0])}

    def cell(name, r):
        return f"bad!{get_column_letter(col[name] + 1)}{r}"
    assert f"{cell('OPS_2_3_2a', 2)}: 'maybe' is not an answer; use yes, no or na" in text
    assert f"{cell('OPS_2_3_2b', 3)}: OPS.2.3.2b answer: this submission says 'no', the one at" in text
    assert f"{cell('crossing_kinds', 2)}: 'tunnel' is not a kind of crossing point" in text
    assert f"{cell('crossing_kinds', 3)}: a landlocked country has no seaport" in text
    assert f"{cell('OPS_2_3_9z', 1)}: unknown criterion 'OPS.2.3.9z'" in text
    assert len(err.value.problems) == 5, text
    assert stored() == before


def test_submissions_that_disagree_on_the_profile(demo_store, xat, form, tmp_path):
    rows = [submission(form, {"rater": "national", "crossing_kinds": "air land"}),
            submission(form, {"rater": "external", "crossing_kinds": "air"}, index=2)]
    with pytest.raises(InvalidInput, match="this submission gives the crossing points as air, the one at"):
        import_file(demo_store, write_csv(tmp_path / "s.csv", rows), by="tester")


def test_override_without_reason_is_located(demo_store, xat, tmp_path):
    demo_store.save_criteria(xat.id, {cid.replace("_", "."): v for cid, v in met_up_to(2).items()}, by="Colleague")
    form = build_xlsform(demo_store, xat)
    path = write_csv(tmp_path / "s.csv", [submission(form, {"rater": "agreed", "OPS_2_3": "4"})])
    before = demo_store.ratings_frame(xat.id).to_dict("records")
    with pytest.raises(InvalidInput, match=r"s!\w+2: OPS.2.3: the criteria give level 2, the agreed level would be 4"):
        import_file(demo_store, path, by="tester")
    assert demo_store.ratings_frame(xat.id).to_dict("records") == before


def test_answer_changed_since_the_form_was_made_is_a_conflict(demo_store, blank, blank_form, tmp_path):
    demo_store.save_criteria(blank.id, {"OPS.2.3.2a": "no"}, by="Colleague")  # after the form was made
    path = write_csv(tmp_path / "s.csv", [submission(blank_form, {"rater": "national", "OPS_2_3_2a": "yes",
                                                            "OPS_2_3_2b": "yes"})])
    result = import_file(demo_store, path, by="tester")
    assert [c.criterion_id for c in result.plan.answer_conflicts] == ["OPS.2.3.2a"] and result.skipped_conflicts == 1
    assert demo_store.criteria_frame(blank.id).set_index("criterion_id")["answer"].to_dict() == {
        "OPS.2.3.2a": "no", "OPS.2.3.2b": "yes"}
    import_file(demo_store, path, by="tester", overwrite=True)
    assert demo_store.criteria_frame(blank.id).set_index("criterion_id")["answer"].to_dict() == {
        "OPS.2.3.2a": "yes", "OPS.2.3.2b": "yes"}


def test_framework_1_assessment_form(demo_store, tmp_path):
    info = framework_1_assessment(demo_store)
    form = build_xlsform(demo_store, info)
    names = {q.get("name") for q in form["survey"]}
    assert "OPS_1_1" in names and not names & {"crossing_kinds", "wb_criteria", "OPS_1_1_override"}
    assert not any(q["type"] == "select_one answers" for q in form["survey"])
    path = export_file(demo_store, info, "xlsform", tmp_path / "form.xlsx")
    warnings: list[str] = []
    convert(xlsform=str(path), warnings=warnings)
    assert warnings == []
    rows = [submission(form, {"rater": "external", "OPS_1_1": "3", "OPS_1_1_notes": "still on 1.0"})]
    import_file(demo_store, write_csv(tmp_path / "s.csv", rows), by="tester")
    got = demo_store.get_rating(info.id, "OPS.1.1")
    assert (got["national"], got["external"], got["notes"]) == ("2", "3", "still on 1.0")

"""The mission's XLSForms (site visit, interview): checked by pyxform, choices from the register,
the team and the criteria; a filled submission imported back with located errors, all or none."""
from __future__ import annotations

import csv

import pytest
from pyxform.xls2xform import convert

from support.mission import mission_assessment
from workbook.errors import InvalidInput
from workbook.exchange.mission_forms import export_mission_form, import_mission_submissions, question


@pytest.fixture
def m(store, tmp_path):
    mission, a = mission_assessment(store, tmp_path)
    return mission, store.get_assessment("XAT", "baseline 2026")


def submissions(path, rows: list[dict], sep: str = "/"):
    """A KoboToolbox-style CSV export: group paths in the headers."""
    headers = list(dict.fromkeys(k for r in rows for k in r))
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow([h.replace("|", sep) for h in headers])
        for r in rows:
            w.writerow([r.get(h, "") for h in headers])
    return path


def visit_row(**over) -> dict:
    row = {"wb_form": "mbm_site_visit", "wb_country": "XAT", "wb_round": "baseline 2026", "post": "XAT-AIR-1",
           "day": "2026-03-04", "why": "Largest airport", "team": "ana_costa max_weber",
           f"checklist_air|{question('ADM.1.1.4a', 'air')}": "yes",
           f"checklist_air|{question('ADM.1.2.4a', 'air')}": "no",
           "key_observations": "Second line closes at night\nNo interpreter on site"}
    return row | over


def xform(mission, info, form, tmp_path) -> str:
    """The form converted by pyxform, which must warn of nothing."""
    warnings: list[str] = []
    result = convert(xlsform=str(export_mission_form(mission, info, form, tmp_path / f"{form}.xlsx")),
                     warnings=warnings).xform
    assert warnings == []
    return result


def test_visit_form_converts_with_pyxform(m, tmp_path):
    xform_ = xform(*m, "visit", tmp_path)
    assert "XAT-AIR-1" in xform_ and "Capital International Airport" in xform_ and "Ana Costa" in xform_
    assert f"<{question('ADM.1.1.4a', 'air')}/>" in xform_
    assert "date('2026-03-02')" in xform_  # the day within the mission
    assert "post  = 'XAT-SEA-1'" in xform_ or "post = 'XAT-SEA-1'" in xform_  # the sea checklist's relevance


def test_interview_form_never_asks_for_a_name(m, tmp_path):
    xform_ = xform(*m, "interview", tmp_path)
    assert "<role/>" in xform_ and "<consent/>" in xform_ and "<summary/>" in xform_
    assert "<name/>" not in xform_


def test_visit_submissions_imported(m, tmp_path, store):
    mission, info = m
    path = submissions(tmp_path / "visits.csv", [visit_row(), visit_row(post="XAT-LND-1", day="2026-03-05",
                                                                        team="ana_costa", why="Busiest road")])
    done = import_mission_submissions(mission, path, by="Ana Costa")
    assert (done["form"], done["saved"]) == ("visit", 2)
    visits = mission.visits_frame(info.id).set_index("post")
    assert visits.loc["XAT-AIR-1", ["observed", "met"]].tolist() == [2, 1]
    assert visits.loc["XAT-AIR-1", "team"] == ["Ana Costa", "Max Weber"]
    assert visits.loc["XAT-AIR-1", "key_observations"] == ["Second line closes at night", "No interpreter on site"]
    ev = store.evidence_frame(info.id)
    assert set(ev.loc[ev["type"] == "observation", "indicator_id"]) == {"ADM.1.1", "ADM.1.2"}


def test_bad_visit_submissions_are_located_and_nothing_is_saved(m, tmp_path):
    mission, info = m
    path = submissions(tmp_path / "visits.csv", [
        visit_row(),
        visit_row(post="XAT-GONE", day="2026-04-01", team="ana_costa stranger"),
        visit_row(**{f"checklist_air|{question('ADM.1.2.4a', 'air')}": "perhaps"}, day="2026-03-06",
                  key_observations="Mr Okafor said the scanner is broken"),
    ])
    with pytest.raises(InvalidInput) as exc:
        import_mission_submissions(mission, path, by="Ana Costa")
    assert sorted(p.location for p in exc.value.problems) == [
        "visits!D3 (post)", "visits!E3 (day)", "visits!G3 (team)", f"visits!I4 ({question('ADM.1.2.4a', 'air')})",
        "visits!J4 (key_observations)"]
    assert "'stranger' is not a member of the assessment team" in str(exc.value)
    assert "('Mr Okafor')" in str(exc.value)
    assert mission.visits_frame(info.id).empty


def test_interview_submissions_imported_and_refused(m, tmp_path):
    mission, info = m
    row = {"wb_form": "mbm_interview", "wb_country": "XAT", "wb_round": "baseline 2026", "role": "shift supervisor",
           "agency": "Border Police", "sex": "female", "day": "2026-03-04", "post": "XAT-AIR-1", "consent": "yes",
           "anonymity": "yes", "summary": "Explained the night roster."}
    bad = row | {"summary": "Inspector Haddad explained the roster.", "sex": "unknown"}
    with pytest.raises(InvalidInput) as exc:
        import_mission_submissions(mission, submissions(tmp_path / "interviews.csv", [row, bad]), by="Max Weber")
    assert sorted(p.location for p in exc.value.problems) == ["interviews!F3 (sex)", "interviews!K3 (summary)"]
    assert mission.interviews_frame(info.id, viewer="Max Weber").empty
    done = import_mission_submissions(mission, submissions(tmp_path / "interviews.csv", [row]), by="Max Weber")
    assert done["saved"] == 1
    log = mission.interviews_frame(info.id, viewer="Ana Costa")
    assert log.loc[0, ["role", "post", "consent"]].tolist() == ["shift supervisor", "XAT-AIR-1", True]


def test_a_file_that_is_not_a_mission_form(m, tmp_path):
    mission, _ = m
    path = submissions(tmp_path / "other.csv", [{"rater": "agreed", "ADM_1_1": "3"}])
    with pytest.raises(InvalidInput, match="not an export of a mission form"):
        import_mission_submissions(mission, path, by="Ana Costa")

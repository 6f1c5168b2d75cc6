"""`workbook mission`: plan, register import/export, checklist, visit, coverage, interviews and
attach through the main command (errors print one located message, exit status 2)."""
from __future__ import annotations

import pytest

from support.mission import TEAM, jpeg
from workbook.cli import main
from workbook.mission import MissionStore
from workbook.mission import attachments as files

PLAN = """objectives: [Assess the crossing points]
scope: Main posts
starts: 2026-03-02
ends: 2026-03-13
roles: [{name: Max Weber, duty: team lead}]
"""
REGISTER = ("code,name,kind,traffic,traffic_source,traffic_year\n"
            "XAT-AIR-1,Capital Airport,air,740000,Annual report,2025\n"
            "XAT-LND-1,North Bridge,land,200000,Annual report,2025\n"
            "XAT-SEA-1,Old Harbour,sea,60000,Port authority,2024\n")
VISIT = """post: XAT-AIR-1
day: 2026-03-04
why: Largest airport
team: [Ana Costa]
observations:
  - {criterion: ADM.1.1.4a, result: yes}
  - {criterion: ADM.1.2.4a, result: no, note: no roster on display}
"""


@pytest.fixture
def xat(store, tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBOOK_ATTACHMENTS", str(tmp_path / "attachments"))
    monkeypatch.setenv("WORKBOOK_OUTPUTS", str(tmp_path / "outputs"))
    return store.create_assessment("XAT", "baseline 2026", country_name="Atlantis", team=TEAM, by="tester")


def mission(*argv):
    return main(["mission", "XAT", "--by", "Ana Costa", *argv])


def test_a_mission_from_the_command_line(store, xat, tmp_path, capsys):
    (tmp_path / "plan.yaml").write_text(PLAN)
    (tmp_path / "register.csv").write_text(REGISTER)
    (tmp_path / "visit.yaml").write_text(VISIT)
    assert mission("plan", str(tmp_path / "plan.yaml")) == 0
    assert mission("register", "import", str(tmp_path / "register.csv"), "--dry-run") == 0
    assert "would add 3 post(s)" in capsys.readouterr().out
    assert mission("register", "import", str(tmp_path / "register.csv")) == 0
    assert mission("checklist", "XAT-AIR-1") == 0
    assert "ADM.1.1.4a" in capsys.readouterr().out
    assert mission("visit", str(tmp_path / "visit.yaml")) == 0
    assert "2 checklist item(s) observed, 1 met" in capsys.readouterr().out
    assert mission("coverage") == 0
    out = capsys.readouterr().out
    assert "visited posts handle 74 % of recorded crossings" in out and "no sea post visited" in out
    assert mission("show") == 0
    assert "Capital Airport" in capsys.readouterr().out
    vid = int(MissionStore(store).visits_frame(xat.id)["visit_id"].iloc[0])
    (tmp_path / "booths.jpg").write_bytes(jpeg(gps=True))
    assert mission("attach", str(tmp_path / "booths.jpg"), "--visit", str(vid), "--caption", "Booths") == 0
    stored = [p for p in (tmp_path / "attachments").rglob("*") if p.is_file()]
    assert len(stored) == 1 and not files.has_location(stored[0].read_bytes())
    assert mission("register", "export") == 0
    assert list((tmp_path / "outputs").rglob("*-register.xlsx"))


def test_errors_are_one_located_message(store, xat, tmp_path, capsys):
    (tmp_path / "visit.yaml").write_text("post: [unclosed\n")
    assert mission("visit", str(tmp_path / "visit.yaml")) == 2
    assert "visit.yaml:2" in capsys.readouterr().err
    (tmp_path / "visit.yaml").write_text(VISIT)
    assert mission("visit", str(tmp_path / "visit.yaml")) == 2
    assert "visit.post: 'XAT-AIR-1' is not a post of the register" in capsys.readouterr().err
    assert main(["mission", "XAT", "interviews", "--viewer", "outsider"]) == 2
    assert "visible to the assessment team only" in capsys.readouterr().err
    assert main(["mission", "XAT", "interviews", "--viewer", "Max Weber"]) == 0


def test_field_forms_from_the_command_line(store, xat, tmp_path, capsys):
    (tmp_path / "register.csv").write_text(REGISTER)
    assert mission("register", "import", str(tmp_path / "register.csv")) == 0
    assert mission("form", "visit") == 0 and mission("form", "interview") == 0
    assert len(list((tmp_path / "outputs").rglob("*-xlsform.xlsx"))) == 2
    (tmp_path / "subs.csv").write_text("wb_form,wb_country,wb_round,post,day,why,team\n"
                                       "mbm_site_visit,XAT,baseline 2026,XAT-SEA-1,2026-03-04,Only seaport,ana_costa\n")
    assert mission("import", str(tmp_path / "subs.csv")) == 0
    assert "1 visit(s) saved to XAT baseline 2026" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:
        mission("form", "census")
    assert exc.value.code == 2 and "invalid choice: 'census'" in capsys.readouterr().err

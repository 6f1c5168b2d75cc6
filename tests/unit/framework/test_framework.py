"""The shipped framework: structure, content checks, and error reporting on broken files."""
from __future__ import annotations

import re

import pytest
import yaml

from support import DATA
from workbook.cli import main
from workbook.errors import FrameworkError
from workbook.framework import DEFAULT_FRAMEWORK, load_framework, parse_framework

SEED_PILLARS = {
    "Administration": ["Organizational structure", "Interagency and cross-border cooperation mechanisms",
                       "Human resource management", "Performance standards", "Training programme",
                       "Values and conducts"],
    "Operations": ["Entry and residence", "Passenger processing", "Prosecutions", "Detention and removal",
                   "Counter corruption measures", "Humanitarian considerations", "Humanitarian border management",
                   "Gender mainstreaming", "Identity Management System"],
    "Regulatory framework": ["National strategies", "Legislation", "Institutional strategies",
                             "Institutional regulations on policies and procedures", "International cooperation",
                             "Adherence to international conventions"],
    "Information management": ["Border Management Information System (BMIS)", "Alert lists",
                               "Travel documents system", "Visa system", "System integrity",
                               "Advance Passenger Information (API) and Passenger Name Record (PNR)",
                               "Intelligence"],
}
IDS_FILE = DATA / "framework_ids.txt"


@pytest.fixture(scope="module")
def fw():
    return load_framework()


@pytest.fixture(scope="module")
def raw():
    return yaml.safe_load(DEFAULT_FRAMEWORK.read_text())


def test_seed_pillars_and_subareas_exact(fw):
    assert {p.name: [s.name for s in p.subareas] for p in fw.pillars} == SEED_PILLARS
    assert sum(len(p.subareas) for p in fw.pillars) == 28


def test_every_indicator_is_complete(fw):
    for ind in fw.indicators.values():
        assert [lv.level for lv in ind.levels] == [1, 2, 3, 4, 5], ind.id
        assert len(ind.guidance.split()) >= 40, f"{ind.id}: guidance too thin"
        assert ind.question.rstrip().endswith("?"), f"{ind.id}: question should be a question"
        for lv in ind.levels:
            assert len(lv.descriptor.split()) >= 15, f"{ind.id} level {lv.level}: descriptor too thin"
            assert lv.evidence, f"{ind.id} level {lv.level}: no evidence examples"
        assert ind.crosswalk, f"{ind.id}: no crosswalk"


def test_subareas_have_two_to_four_indicators_covering_lenses(fw):
    for sa in fw.subareas.values():
        assert 2 <= len(sa.indicators) <= 4, sa.id
        assert len({i.lens for i in sa.indicators}) >= 2, f"{sa.id}: indicators all look through one lens"


def _shingles(text: str, n: int = 3) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


def test_no_near_duplicate_descriptors(fw):
    """Templated repeats ('X is absent' / 'X is established' with a noun swapped) fail here."""
    items = [(f"{i.id} L{lv.level}", _shingles(lv.descriptor)) for i in fw.indicators.values() for lv in i.levels]
    worst = []
    for a in range(len(items)):
        for b in range(a + 1, len(items)):
            sa, sb = items[a][1], items[b][1]
            if sa and sb:
                jac = len(sa & sb) / len(sa | sb)
                if jac > 0.35:
                    worst.append((round(jac, 2), items[a][0], items[b][0]))
    assert not worst, f"near-duplicate descriptors: {sorted(worst, reverse=True)[:10]}"


def test_near_duplicate_check_can_fail():
    a = _shingles("There is no written procedure for referral of victims at the border crossing point.")
    b = _shingles("There is no written procedure for referral of children at the border crossing point.")
    assert len(a & b) / len(a | b) > 0.35


def test_gender_and_protection_in_every_pillar(fw):
    words = re.compile(r"\b(gender|women|girls|child|children|trafficking|asylum|refugee|stateless|disabilit\w*|"
                       r"vulnerab\w*|protection)\b", re.I)
    for p in fw.pillars:
        hits = [i.id for sa in p.subareas for i in sa.indicators
                if words.search(i.guidance + " ".join(lv.descriptor for lv in i.levels))]
        assert len(hits) >= 3, f"{p.name}: gender/protection appears in only {hits}"


def test_ids_are_stable(fw):
    """Ids never disappear: a removed or renamed id must be mapped in the changelog."""
    shipped = set(IDS_FILE.read_text().split())
    mapped = {m.from_ for entry in fw.changelog for m in entry.mappings}
    gone = shipped - set(fw.indicators) - mapped
    assert not gone, f"indicator ids removed without a changelog mapping: {sorted(gone)}"


def test_crosswalk_links_sdg_and_gcm(fw):
    refs = {c.ref for i in fw.indicators.values() for c in i.crosswalk}
    assert {"SDG-10.7", "GCM-7", "GCM-11"} <= refs
    used_instruments = {r for r in refs if fw.reference(r).kind in ("treaty", "standard", "resolution")}
    assert len(used_instruments) >= 10


def test_criticality_classes_used(fw):
    classes = {sa.criticality for sa in fw.subareas.values()}
    assert "critical" in classes and "standard" in classes
    # 2.0: every class caps targets at 4 (level 5 only from 4); critical sub-areas use the weakest link
    assert fw.criticality_of("OPS.2").long_term_target == 4
    assert fw.criticality_of("OPS.2").aggregation == "weakest_link"
    assert all(sa.aggregation == "weakest_link" for sa in fw.subareas.values() if sa.criticality == "critical")


# -- broken files ---------------------------------------------------------------------------
def _broken(raw: dict) -> str:
    bad = yaml.safe_load(yaml.safe_dump(raw))
    ind = bad["pillars"][1]["subareas"][2]["indicators"][0]
    ind["lens"] = "vibes"                              # not a lens
    ind["levels"] = ind["levels"][:4]                  # four levels
    ind["crosswalk"][0]["ref"] = "GCM-99"              # unknown reference
    bad["pillars"][0]["subareas"][0]["colour"] = "red"  # unknown key
    bad["pillars"][3]["subareas"][1]["indicators"][1]["id"] = bad["pillars"][3]["subareas"][1]["indicators"][0]["id"]
    return yaml.safe_dump(bad, sort_keys=False)


def test_broken_file_reports_every_problem_with_location(raw):
    with pytest.raises(FrameworkError) as err:
        parse_framework(_broken(raw), source="broken.yaml")
    text = str(err.value)
    ops3 = raw["pillars"][1]["subareas"][2]["indicators"][0]["id"]
    assert f"({ops3}).lens" in text and "vibes" in text
    assert f"({ops3}).levels" in text
    assert "GCM-99" in text
    assert "colour" in text and "Extra inputs are not permitted" in text
    assert "duplicate id" in text
    assert len(err.value.problems) >= 5
    assert all(re.search(r"\(line \d+\)", str(p)) for p in err.value.problems)


def test_not_yaml_and_not_mapping():
    with pytest.raises(FrameworkError, match=r"line 2, column \d+: not valid YAML"):
        parse_framework("id: x\n  bad: [unclosed\n")
    with pytest.raises(FrameworkError, match="must hold a mapping"):
        parse_framework("- just\n- a list\n")


def test_missing_file(tmp_path):
    with pytest.raises(FrameworkError, match="cannot read the framework file"):
        load_framework(tmp_path / "nope.yaml")


def test_cli_check_good_and_broken(tmp_path, raw, capsys):
    assert main(["framework", "check"]) == 0
    out = capsys.readouterr().out
    fw = load_framework()
    assert f"{len(fw.indicators)} indicators" in out and "28 sub-areas" in out
    bad = tmp_path / "bad.yaml"
    bad.write_text(_broken(raw))
    assert main(["framework", "check", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.yaml" in err and "GCM-99" in err and "Traceback" not in err

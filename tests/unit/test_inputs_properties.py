"""Property tests over the input paths: any value ends in a clean result or a located error,
never a traceback and never a partial write."""
from __future__ import annotations

import copy
import functools
import datetime as dt

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from support.mutations import mutate
from workbook.store import db
from workbook.cli import main
from workbook.countries import resolve_country
from workbook.errors import FrameworkError, InvalidInput
from workbook.framework import CODES, DEFAULT_FRAMEWORK, parse_framework
from workbook.inputs import parse_date, parse_rating, parse_round, parse_text
from workbook.store import Store

ANY = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=80),
                st.binary(max_size=10), st.lists(st.integers(), max_size=3),
                st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
                st.sampled_from(["1", "5", " 3 ", "na", "IE", "6", "0", "-1", "3.0", "NA\x00", "\u0663"]))
RATED = {None, "1", "2", "3", "4", "5", *CODES}
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FAST
@given(ANY)
def test_parse_rating_total(value):
    try:
        assert parse_rating(value, "x") in RATED
    except InvalidInput as exc:
        assert exc.problems[0].location == "x"


@FAST
@given(ANY)
def test_parse_text_round_and_date_total(value):
    for fn in (lambda v: parse_text(v, "f", max_len=20), parse_round, parse_date):
        try:
            out = fn(value)
            if isinstance(out, dt.date):
                assert out <= dt.date.today()
        except InvalidInput as exc:
            assert exc.problems and str(exc.problems[0])


@FAST
@given(st.one_of(st.text(max_size=6), st.none(), st.integers()), st.one_of(st.none(), st.text(max_size=10)))
def test_resolve_country_total(code, name):
    try:
        c = resolve_country(code, name)
        assert len(c.code) == 3 and c.name
    except InvalidInput as exc:
        assert exc.problems[0].location == "country"


@pytest.fixture(scope="module")
def prop_store(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('prop') / 'p.db'}"
    db.upgrade(url)
    store = Store(url)
    a = store.create_assessment("XPR", "property round", country_name="Propertia", by="hypothesis")
    return store, a.id


FIELDS = st.fixed_dictionaries({}, optional={"national": ANY, "external": ANY, "agreed": ANY, "notes": ANY,
                                             "colour": ANY})


@FAST
@given(FIELDS, st.sampled_from(["ADM.1.1", "INF.2.1", "NOPE", "", "adm.1.1"]), ANY)
def test_save_rating_never_half_writes(prop_store, changes, indicator, by):
    store, aid = prop_store
    before = (store.ratings_frame(aid).to_dict("records"), len(store.audit_frame(aid)))
    try:
        saved = store.save_rating(aid, indicator, by=by, **changes)
        assert {saved["national"], saved["external"], saved["agreed"]} <= RATED
    except InvalidInput as exc:
        assert all(p.location for p in exc.problems)
        assert (store.ratings_frame(aid).to_dict("records"), len(store.audit_frame(aid))) == before


@FAST
@given(st.fixed_dictionaries({}, optional={"type": ANY, "source": ANY, "date": ANY, "reference": ANY,
                                           "supplied_by": ANY, "extra": ANY}))
def test_add_evidence_never_half_writes(prop_store, fields):
    store, aid = prop_store
    before = len(store.evidence_frame(aid))
    try:
        store.add_evidence(aid, "OPS.1.2", by="hypothesis", **fields)
        assert len(store.evidence_frame(aid)) == before + 1
    except InvalidInput:
        assert len(store.evidence_frame(aid)) == before


@functools.cache
def framework_data():
    """The shipped header with one small pillar per id: quick to dump and parse many times."""
    data = yaml.load(DEFAULT_FRAMEWORK.read_text(), Loader=yaml.CSafeLoader)
    for p in data["pillars"]:
        p["subareas"] = p["subareas"][:1]
        p["subareas"][0]["indicators"] = p["subareas"][0]["indicators"][:2]
    data["references"] = data["references"][:12] + [r for r in data["references"] if r["id"] not in
                                                    {x["id"] for x in data["references"][:12]}]
    return data


MUTATION = st.tuples(st.integers(0, 10**6), st.sampled_from(["delete", "replace"]), ANY)


@settings(max_examples=120, deadline=None)
@given(st.lists(MUTATION, min_size=1, max_size=3))
def test_mutated_framework_gives_located_errors(mutations):
    doc = copy.deepcopy(framework_data())
    mutate(doc, mutations)
    try:
        text = yaml.safe_dump(doc)
    except yaml.YAMLError:
        return  # not every Python value has a YAML form; those cannot reach the loader
    try:
        parse_framework(text, source="mutated")
    except FrameworkError as exc:
        assert exc.problems and all(p.location for p in exc.problems)


WORDS = ["framework", "check", "db", "upgrade", "demo", "backup", "restore", "--output", "--replace", "--quiet",
         "/nonexistent/file.yaml", "--db-url", "sqlite:////nonexistent/dir/x.db", "not-a-url", "", "-x", "--help"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(WORDS), max_size=5))
def test_cli_never_tracebacks(tmp_path, monkeypatch, capsys, argv):
    monkeypatch.setenv("WORKBOOK_DB_URL", f"sqlite:///{tmp_path / 'cli-prop.db'}")
    monkeypatch.chdir(tmp_path)
    argv = [a.replace("--output", f"--output={tmp_path}/out.backup") if a == "--output" else a for a in argv]
    try:
        code = main(argv)
    except SystemExit as exc:      # argparse: usage errors exit 2, --help exits 0
        code = exc.code
    assert code in (0, 1, 2)
    assert "Traceback" not in capsys.readouterr().err

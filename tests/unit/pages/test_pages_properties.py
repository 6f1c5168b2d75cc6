"""Property tests over the pages' inputs: the Voila page address and the widget messages a
browser can send. A browser can set any synced trait of any widget (even a disabled one) to
any JSON value and click any button; whatever it sends ends in a valid page or a message on
the page, never a traceback, and nothing invalid or partial is written.

Widgets are driven through ``Widget._handle_msg``, the very entry point of a browser message
(``update`` with a state, ``custom`` click events). An exception that ipywidgets or traitlets
raise before any workbook code runs (a value of the wrong type, an index out of range) is the
widget library refusing the message: allowed, as long as nothing was written. An exception
that passes through workbook code, or one swallowed by a button's callback dispatcher, fails.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import string
import sys
import traceback
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from ipywidgets import widgets
from ipywidgets.widgets import widget as widget_module
from sqlalchemy import inspect, text

from support.mutations import mutate

import workbook
import workbook.pages.home as home_page
import workbook.pages.pillar as pillar_page
import workbook.pages.roadmap.page as rp
from workbook.errors import InvalidInput
from workbook.exchange import export_file, import_file
from workbook.pages.forms import parse_editor
from workbook.framework import CODES
from workbook.inputs import MAX_NOTES, parse_rating, parse_round

WORKBOOK_DIR = str(Path(workbook.__file__).parent)
VOILA = {"VOILA_PREHEAT": "False", "VOILA_REQUEST_URL": "http://127.0.0.1:8866/voila/render/x.ipynb"}
RATED = {None, "1", "2", "3", "4", "5", *CODES}
PAGES = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
WIDGETS = settings(max_examples=16, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# -- values ----------------------------------------------------------------------------------
NASTY = st.sampled_from(["", " ", "XAT", "xbo", " XSY ", "XZZ", "XA", "XATX", "ЖЖЖ", "X\x00T", "baseline 2026",
                         "baseline%202026", "Baseline 2026", "../../etc", "Ana Ferreira", "Ana\x00", "ADM.1.1",
                         "adm.1.1 ", "OPS.1.1", "ADM.9.9", "1", "3", "IE", "na", "law", "2024-02-30", "2020-01-01",
                         "2999-01-01", "x" * 200, "x" * 10_001, "\u202e\u0663", "<script>alert(1)</script>",
                         "'; DROP TABLE ratings; --", "%00", "%ZZ", "&", "=", "IPY_MODEL_nope", "\ud7ff" * 3,
                         "Ana; IOM; national", "Ana; IOM; boss\nBob"])
TEXT = st.one_of(NASTY, st.text(max_size=30), st.text(alphabet=string.printable, max_size=12))
JSON = st.recursive(st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | TEXT,
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
                    max_leaves=6)


def db_fingerprint(store) -> str:
    """A hash of every row of every table: equal before and after means nothing was written."""
    h = hashlib.sha256()
    with store.engine.connect() as conn:
        for table in sorted(inspect(conn).get_table_names()):
            rows = conn.execute(text(f'SELECT * FROM "{table}"')).all()
            h.update(table.encode())
            for r in sorted(repr(tuple(r)) for r in rows):
                h.update(r.encode())
    return h.hexdigest()


def ours(exc: BaseException) -> bool:
    """Did the exception pass through workbook code (a bug), or come from the widget library alone?"""
    return any(f.filename.startswith(WORKBOOK_DIR) for f in traceback.extract_tb(exc.__traceback__))


class CallbackErrors(list):
    """Stands in for IPython where ipywidgets reports an exception raised while it handled a
    browser message (``_handle_msg`` and click callbacks run under ``ip.showtraceback()``)."""

    def showtraceback(self, *a, **k):
        self.append(sys.exc_info()[1])

    def check(self) -> None:
        """Re-raise the first exception that passed through workbook code; the others are the
        widget library refusing a value before any workbook code ran."""
        found = [e for e in self if ours(e)]
        self.clear()
        if found:
            raise found[0]


@pytest.fixture
def callback_errors(monkeypatch) -> CallbackErrors:
    errors = CallbackErrors()
    monkeypatch.setattr(widget_module, "get_ipython", lambda: errors)
    return errors


@pytest.fixture
def quiet(monkeypatch):
    """The page functions display into nothing."""
    for page_module in (home_page, pillar_page, rp):
        monkeypatch.setattr(page_module, "display", lambda *a, **k: None)


def send_state(w: widgets.Widget, trait: str, value) -> None:
    w._handle_msg({"content": {"data": {"method": "update", "state": {trait: value}, "buffer_paths": []}},
                   "buffers": []})


def click(w: widgets.Widget) -> None:
    w._handle_msg({"content": {"data": {"method": "custom", "content": {"event": "click"}}}, "buffers": []})


def leaves(root: widgets.Widget) -> list[widgets.Widget]:
    """Every widget on the page that a browser shows, depth first (boxes, tabs and their children)."""
    out, todo = [], [root]
    while todo:
        w = todo.pop(0)
        if isinstance(w, widgets.Box):
            todo = list(w.children) + todo
        else:
            out.append(w)
    return out


#: What a browser may send: any synced trait (the interesting ones more often) with any JSON value,
#: or the value of a valid choice, or a click on any button.
TRAITS = st.one_of(st.sampled_from(["value", "value", "value", "index", "index", "label", "disabled",
                                    "description", "_options_labels", "layout", "style", "selected_index",
                                    "continuous_update", "tooltip", "placeholder", "tabbable"]),
                   st.text(max_size=8))
STEP = st.one_of(
    st.tuples(st.just("set"), st.integers(0, 10**6), TRAITS, JSON),
    st.tuples(st.just("set"), st.integers(0, 10**6), st.just("index"), st.integers(0, 12)),
    st.tuples(st.just("set"), st.integers(0, 10**6), st.just("value"), NASTY),
    st.tuples(st.just("click"), st.integers(0, 10**6), st.none(), st.none()),
)


def play(root: widgets.Widget, step, focus: list[widgets.Widget] = ()) -> widgets.Widget:
    """Send one message. A step picks from ``focus`` (the widgets that write) when its number is
    even, else from every widget on the page."""
    kind, pick, trait, value = step
    everything = leaves(root)
    pool = list(focus) if focus and pick % 2 == 0 else everything
    if kind == "click":
        pool = [w for w in pool if isinstance(w, widgets.Button)] or \
            [w for w in everything if isinstance(w, widgets.Button)]
        click(pool[pick // 2 % len(pool)])
    else:
        send_state(pool[pick // 2 % len(pool)], trait, value)
    return pool[pick // 2 % len(pool)]


# -- the page address ------------------------------------------------------------------------
QUERY_KEY = st.sampled_from(["country", "round", "editor", "indicator", "country", "round", "db_url", "unknown",
                             "", "Country", "country[]"])
QUERY = st.one_of(
    st.lists(st.tuples(QUERY_KEY, TEXT), max_size=12).map(lambda pairs: urlencode(pairs, quote_via=quote)),
    st.lists(st.tuples(QUERY_KEY, TEXT), max_size=4).map(lambda pairs: "&".join(f"{k}={v}" for k, v in pairs)),
    st.text(max_size=60),
)
NOTEBOOK_PARAMS = st.tuples(st.sampled_from(["XAT", "XBO", "", "XZZ", "xsy"]),
                            st.sampled_from(["", "baseline 2026", "no such round", "bad\x00round"]))


def _env(query: str, preheat: bool) -> dict:
    return {**VOILA, "QUERY_STRING": query} if not preheat else {"VOILA_PREHEAT": "True"}


@PAGES
@given(query=QUERY, pillar=st.sampled_from(["ADM", "OPS", "REG", "INF"]), params=NOTEBOOK_PARAMS)
def test_any_address_opens_a_pillar_page_or_says_why(demo_store, quiet, callback_errors, query, pillar, params):
    before = db_fingerprint(demo_store)
    page = pillar_page.open_pillar(pillar, *params, "", environ=_env(query, False))
    if page.ok:
        assert page.assessment.country_code in {"XAT", "XBO", "XSY"}
        assert page.editor == "" or page.editor == parse_editor(page.editor)
        page.header()
        page.form()  # opens and focuses the indicator the address names
        page.scores_table()
        page.chart()
        if page.indicator:
            assert page.indicator in page.form_widget.editors
    else:
        assert 'role="alert"' in page.problem and "<h2>" in page.problem
        assert "Traceback" not in page.problem
        page.header(), page.form(), page.scores_table(), page.chart()
    callback_errors.check()
    assert db_fingerprint(demo_store) == before


@PAGES
@given(query=QUERY, params=NOTEBOOK_PARAMS)
def test_any_address_opens_the_roadmap_page_or_says_why(demo_store, quiet, callback_errors, query, params):
    before = db_fingerprint(demo_store)
    page = rp.open_roadmap(*params, "", environ=_env(query, False))
    if page.ok:
        page.header(), page.workspace(), page.summary()
    else:
        assert 'role="alert"' in page.problem and "Traceback" not in page.problem
        page.header(), page.workspace(), page.summary()
    callback_errors.check()
    assert db_fingerprint(demo_store) == before


@PAGES
@given(query=QUERY)
def test_any_address_opens_the_home_page(demo_store, quiet, callback_errors, query):
    before = db_fingerprint(demo_store)
    page = home_page.open_home("", environ=_env(query, False))
    assert page is not None
    assert page.user.value == "" or page.user.value == parse_editor(page.user.value)
    assert db_fingerprint(demo_store) == before


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=QUERY)
def test_preheated_kernel_takes_any_address(demo_store, quiet, monkeypatch, query):
    import voila.utils
    monkeypatch.setattr(voila.utils, "get_query_string", lambda url=None: query)
    before = db_fingerprint(demo_store)
    page = pillar_page.open_pillar("OPS", "XAT", "", "", environ={"VOILA_PREHEAT": "True"})
    assert page.ok or 'role="alert"' in page.problem
    assert db_fingerprint(demo_store) == before


# -- the pillar form ---------------------------------------------------------------------------
def stored_is_valid(store, assessment_id: int) -> None:
    fw = store.framework_of(assessment_id)  # the assessment's own framework version
    ratings = store.ratings_frame(assessment_id)
    for r in ratings.to_dict("records"):
        assert r["indicator_id"] in fw.indicators
        for key in ("national", "external", "agreed"):
            v = r[key]
            assert (None if not isinstance(v, str) else v) in RATED, (key, v)
        notes = r["notes"] if isinstance(r["notes"], str) else ""
        assert "\x00" not in notes and len(notes) <= MAX_NOTES and notes == notes.strip()
        assert r["updated_by"] == parse_editor(r["updated_by"])
    types = {t.id for t in fw.evidence_types}
    for e in store.evidence_frame(assessment_id).to_dict("records"):
        assert e["type"] in types and isinstance(e["source"], str) and e["source"].strip()
        assert "\x00" not in e["source"]


def plain(v):
    """A stored rating as text or None (pandas gives NaN for a missing one)."""
    return v if isinstance(v, str) else None


def ratings_of(store, assessment_id: int) -> dict:
    return {r["indicator_id"]: r for r in store.ratings_frame(assessment_id).to_dict("records")}


NAMES = st.sampled_from(["", "Ana Ferreira", "Ana Ferreira", " Maria Okafor "])


@WIDGETS
@given(steps=st.lists(STEP, min_size=1, max_size=10), opened=st.integers(0, 5), evidence=st.booleans(), name=NAMES)
def test_browser_messages_on_the_pillar_form(demo_store, quiet, callback_errors, steps, opened, evidence, name):
    xat = demo_store.get_assessment("XAT")
    page = pillar_page.open_pillar("OPS", "XAT", "", "", environ={})
    form = page.form_widget
    form.user.value = name
    sa = form.pillar.subareas[opened % len(form.pillar.subareas)]
    editors = form.open(sa.id)
    ed = editors[0]
    focus = [form.user, ed.agreed, ed.national, ed.external, ed.notes, ed.evidence_button, form.headers[0]]
    if evidence:
        ev = ed.toggle_evidence()
        focus += [ev.record, ev.type, ev.source, ev.date, ev.reference, ev.supplied_by, ev.save_button,
                  ev.remove_button]
    before_db = db_fingerprint(demo_store)
    for step in steps:
        before = ratings_of(demo_store, xat.id)
        user = form.user.value
        play(form.widget, step, focus)
        callback_errors.check()
        after_db = db_fingerprint(demo_store)
        if after_db != before_db:
            event("pillar form: a message wrote")
            # a write happened: only with a valid name, and only the values the widgets hold, checked
            who = parse_editor(user if step[0] == "click" else form.user.value)
            after = ratings_of(demo_store, xat.id)
            for ind_id, row in after.items():
                if before.get(ind_id, {}).get("version") != row["version"]:
                    assert row["updated_by"] == who
                    shown = form.editors.get(ind_id)
                    if shown is not None and shown.state != "conflict":
                        for key in ("national", "external", "agreed"):
                            assert plain(row[key]) == parse_rating(getattr(shown, key).value), key
        before_db = after_db
        for one in form.editors.values():
            assert one.state in {"clean", "saving", "saved", "failed", "conflict"}
            if one.state == "failed":
                assert one.message.startswith("not saved")
            if one.evidence_editor is not None and one.evidence_editor.state == "failed":
                assert one.evidence_editor.message.startswith(("not saved", "not removed"))
    stored_is_valid(demo_store, xat.id)
    page.refresh()  # the page still reads and scores what is stored


# -- the home page ---------------------------------------------------------------------------
@settings(WIDGETS, max_examples=15)
@given(steps=st.lists(STEP, min_size=1, max_size=8), name=NAMES, prefill=st.none() | st.integers(0, 10**9))
def test_browser_messages_on_the_home_page(demo_store, quiet, callback_errors, steps, name, prefill):
    page = home_page.open_home("", environ={})
    page.user.value = name
    if prefill is not None:  # a filled-in form (a new round each time), so that messages often create
        page.search.value, page.round.value = "Kenya", f"round {prefill}"
    focus = [page.user, page.search, page.country, page.fictional_name, page.round, page.team, page.create_button]
    before_db = db_fingerprint(demo_store)
    for step in steps:
        before = {(a.country_code, a.round) for a in demo_store.list_assessments()}
        fields = (page.user.value, page.round.value, page.country.value)
        play(page.widget, step, focus)
        callback_errors.check()
        after_db = db_fingerprint(demo_store)
        new = [a for a in demo_store.list_assessments() if (a.country_code, a.round) not in before]
        assert len(new) <= 1
        if new:
            event("home page: an assessment was created")
            a = new[0]
            who, rnd, code = fields
            assert step[0] == "click"
            assert a.country_code == code and a.round == parse_round(rnd)
            assert parse_editor(who)
            assert "created" in page.status.value
        else:
            assert after_db == before_db, "something was written without creating an assessment"
        before_db = after_db


# -- the road-map page -------------------------------------------------------------------------
@settings(WIDGETS, max_examples=12)
@given(steps=st.lists(STEP, min_size=1, max_size=8), tab=st.integers(0, 5), name=NAMES)
def test_browser_messages_on_the_roadmap_page(demo_store, quiet, callback_errors, steps, tab, name):
    page = rp.open_roadmap("XAT", "", "", environ={})
    page.user.value = name
    section = page.open(page.sections[tab % len(page.sections)].title)
    focus = [page.user] + leaves(section.box)
    before_db = db_fingerprint(demo_store)
    for step in steps:
        user = page.user.value
        play(page.widget, step, focus)
        callback_errors.check()
        after_db = db_fingerprint(demo_store)
        if after_db != before_db:
            event("road-map page: a message wrote")
            assert step[0] == "click", "only a button writes"
            assert parse_editor(user)
        before_db = after_db
        for s in page.sections:
            if s.built and s.status is not None:
                assert "Traceback" not in s.status.value


# -- focused regressions ---------------------------------------------------------------------------
def test_invalid_values_the_library_accepts_are_refused_by_the_form(demo_store, quiet, callback_errors):
    xat = demo_store.get_assessment("XAT")
    form = pillar_page.open_pillar("OPS", "XAT", "", "", environ={}).form_widget
    ed = form.open(form.pillar.subareas[0].id)[0]
    before = db_fingerprint(demo_store)
    send_state(form.user, "value", "Ana\x00")
    send_state(ed.agreed, "index", 3 if ed.agreed.index != 3 else 2)  # a change, whatever the demo holds
    assert ed.state == "failed" and db_fingerprint(demo_store) == before
    send_state(form.user, "value", "Ana Ferreira")
    send_state(ed.notes, "value", "x" * (MAX_NOTES + 1))
    assert ed.state == "failed" and "limit" in ed.message and db_fingerprint(demo_store) == before
    with pytest.raises(InvalidInput):
        parse_editor("Ana\x00")
    callback_errors.check()
    stored_is_valid(demo_store, xat.id)


def test_home_page_with_too_many_address_parameters_still_opens(demo_store, quiet):
    page = home_page.open_home("", environ={**VOILA, "QUERY_STRING": "&".join(["country="] * 11)})
    assert page is not None and "XAT" in page.table.value
    assert "the page address was not used" in page.user_note.value and "too many parameters" in page.user_note.value


def test_the_harness_sees_a_traceback_from_workbook_code(demo_store, quiet, callback_errors, monkeypatch):
    """The check above is only worth something if an exception in a callback of ours is caught."""
    form = pillar_page.open_pillar("OPS", "XAT", "", "", environ={}).form_widget
    ed = form.open(form.pillar.subareas[0].id)[0]
    monkeypatch.setattr(type(form), "toggle", lambda self, index: 1 / 0)
    click(form.headers[1])
    send_state(ed.notes, "value", 12)  # refused by traitlets alone: not ours
    assert len(callback_errors) == 2
    with pytest.raises(ZeroDivisionError):
        callback_errors.check()


# -- import files: an exported file with some cells or fields changed ------------------------------
# tests/test_exchange_*.py check chosen bad cells; these change any cell or field to any value.
# The readers do not depend on the database, and the writes are the store's, tested on both:
# these run on SQLite only, to keep the file quick.
IMPORTS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
SQLITE_ONLY = pytest.mark.parametrize("demo_store", ["sqlite"], indirect=True)
CELL = st.one_of(st.none(), st.integers(-10, 10), st.integers(), st.floats(allow_nan=True), TEXT,
                 st.dates(min_value=dt.date(1800, 1, 1), max_value=dt.date(2200, 1, 1)),
                 st.sampled_from(["1", "5", " 3 ", "IE", "na", "NE", "6", "law", "OPS.1.1", "ADM.1.1", "XAT",
                                  "baseline 2026", "=1+1", "=HYPERLINK(\"x\")"]))


def import_ends_well(store, path, info) -> str:
    """Import ``path``: either it is valid and what is stored is valid, or a located error and
    nothing written. Returns what happened (for the statistics)."""
    before = db_fingerprint(store)
    try:
        import_file(store, path, by="Importer")
    except InvalidInput as exc:
        assert exc.problems and all(p.location for p in exc.problems), exc
        assert "Traceback" not in str(exc)
        assert db_fingerprint(store) == before
        return "located error"
    for a in store.list_assessments():
        stored_is_valid(store, a.id)
    return "imported"


@pytest.fixture
def xat_info(demo_store):
    return demo_store.get_assessment("XAT")


@SQLITE_ONLY
@settings(IMPORTS, max_examples=8)
@given(changes=st.lists(st.tuples(st.integers(0, 10**6), st.integers(1, 120), st.integers(1, 12), CELL),
                        min_size=1, max_size=4))
def test_any_cell_of_an_exported_xlsx(demo_store, xat_info, tmp_path, changes):
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import IllegalCharacterError
    exported = tmp_path / "XAT.xlsx"
    if not exported.exists():
        export_file(demo_store, xat_info, "xlsx", exported)
    wb = load_workbook(exported)
    changed = tmp_path / "changed.xlsx"
    try:
        for sheet, row, col, value in changes:
            ws = wb[wb.sheetnames[sheet % len(wb.sheetnames)]]
            ws.cell(row=min(row, ws.max_row + 1), column=col, value=value)
        wb.save(changed)
    except (ValueError, TypeError, IllegalCharacterError):
        return  # openpyxl cannot write that value (e.g. a control character): no such file exists
    event(import_ends_well(demo_store, changed, xat_info))


@SQLITE_ONLY
@IMPORTS
@given(mutations=st.lists(st.tuples(st.integers(0, 10**6), st.sampled_from(["delete", "replace", "replace"]),
                                    st.one_of(JSON, TEXT, st.integers(-10, 10))),
                          min_size=1, max_size=3))
def test_any_field_of_an_exported_package(demo_store, xat_info, tmp_path, mutations):
    exported = tmp_path / "XAT.json"
    if not exported.exists():
        export_file(demo_store, xat_info, "json", exported)
    doc = json.loads(exported.read_text(encoding="utf-8"))
    mutate(doc, mutations, per_list=4, delete_list_items=True)
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(doc), encoding="utf-8")
    event(import_ends_well(demo_store, changed, xat_info))


def _submission_headers(form: dict) -> list[str]:
    path, out = [], []
    for q in form["survey"]:
        if q["type"] == "begin_group":
            path.append(q["name"])
        elif q["type"] == "end_group":
            path.pop()
        elif q["type"] == "begin_repeat":
            break
        else:
            out.append("/".join(path + [q["name"]]))
    return out


@SQLITE_ONLY
@IMPORTS
@given(answers=st.lists(st.tuples(st.integers(0, 10**6), st.one_of(TEXT, st.sampled_from(
    ["1", "3", "5", "IE", "NA", "national", "external", "agreed", "Ana Ferreira", "XAT", "baseline 2026"]))),
    min_size=1, max_size=8), rows=st.integers(1, 3))
def test_any_answer_in_a_submissions_csv(demo_store, xat_info, tmp_path, answers, rows):
    from workbook.exchange.xlsform import build_xlsform
    form = build_xlsform(demo_store, xat_info)
    calc = {q["name"]: q["calculation"].strip("'") for q in form["survey"] if q["type"] == "calculate"}
    heads = _submission_headers(form)
    base = {h: calc.get(h.split("/")[-1], "") for h in heads}
    base |= {"assessor": "Ana Ferreira", "rater": "national"}
    table = [dict(base, _id=str(1000 + i), _uuid=f"uuid-{i}", _index=str(i)) for i in range(rows)]
    for n, (pick, value) in enumerate(answers):
        table[n % rows][heads[pick % len(heads)]] = value
    path = tmp_path / "submissions.csv"
    with path.open("w", newline="", encoding="utf-8-sig") as f:
        w = csv.DictWriter(f, fieldnames=list(table[0]), delimiter=";")
        w.writeheader()
        w.writerows(table)
    event(import_ends_well(demo_store, path, xat_info))

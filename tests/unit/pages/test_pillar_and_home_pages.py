"""The functions the notebooks call, the served command line and the Voila template."""
from __future__ import annotations

from urllib.parse import quote

import base64
import json
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from ipywidgets.widgets import widget as widget_module

import workbook.pages.first_view as first_view
import workbook.pages.home as home_page
import workbook.pages.pillar as pillar_page
import workbook.pages.roadmap.page as roadmap_page
from workbook import config, serve
from workbook.errors import InvalidInput, NotFound
from workbook.pages import address
from workbook.pages.forms import CONFLICT, FAILED, SAVED
from workbook.present.charts import Chart, describe_profile, level_bars, level_columns
from workbook.present.levels import level_label

ROUND = "baseline 2026"
VOILA = {"VOILA_PREHEAT": "False", "VOILA_REQUEST_URL": "http://127.0.0.1:8866/voila/render/x.ipynb"}
TEMPLATE_DIR = config.templates_dir() / "voila" / "templates" / "mbm"


class Shown(list):
    """What the page functions displayed, in order; ``kwargs`` holds each call's keywords."""

    def __init__(self):
        super().__init__()
        self.kwargs: list[dict] = []

    def __call__(self, *objs, **kw):
        self.extend(objs)
        self.kwargs.append(kw)


@pytest.fixture
def shown(monkeypatch) -> Shown:
    out = Shown()
    for page_module in (home_page, pillar_page, roadmap_page, first_view):
        monkeypatch.setattr(page_module, "display", out)
    return out


def voila(query: str) -> dict:
    return {**VOILA, "QUERY_STRING": query}


def html_of(obj) -> str:
    """The HTML of a displayed object (an IPython HTML object or an ipywidgets.HTML)."""
    return obj.data if hasattr(obj, "data") else obj.value


class Elements(HTMLParser):
    """Collects start tags with their attributes, and text per element name."""

    def __init__(self, text: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def all(self, tag: str) -> list[dict]:
        return [a for t, a in self.tags if t == tag]


# -- where country and round come from ----------------------------------------------------------
def test_outside_voila_there_is_no_request():
    assert address.request_parameters({}) is None
    assert address.request_parameters({"QUERY_STRING": "country=XBO"}) is None  # not a Voila kernel


def test_voila_query_string_is_read():
    assert address.request_parameters(voila("country=XBO&round=baseline%202026&db_url=sqlite:///evil")) == \
        {"country": "XBO", "round": ROUND}
    assert address.request_parameters(voila("")) == {}


def test_preheated_kernel_waits_for_the_request(monkeypatch):
    import voila.utils
    monkeypatch.setattr(voila.utils, "get_query_string", lambda url=None: "country=XSY")
    assert address.request_parameters({"VOILA_PREHEAT": "True"}) == {"country": "XSY"}


def test_too_many_query_fields_is_an_error():
    with pytest.raises(InvalidInput, match="too many parameters"):
        address.request_parameters(voila("&".join(f"k{i}=v" for i in range(50))))


@pytest.mark.parametrize("environ, expected", [
    ({}, ("XAT", "")),  # JupyterLab or papermill: the notebook's values
    (voila(""), ("XAT", "")),  # Voila without a query: the notebook's defaults
    (voila("country=XBO"), ("XBO", "")),
    (voila("country=XBO&round=midterm%202028"), ("XBO", "midterm 2028")),
    (voila("round=midterm%202028"), ("XAT", "midterm 2028")),
])
def test_query_string_wins_in_voila(environ, expected):
    assert address.resolve_parameters("XAT", "", environ) == expected


def test_open_pillar_uses_the_address_in_voila(demo_store, shown):
    page = pillar_page.open_pillar("ADM", "XAT", "", "", environ=voila("country=XBO&round=baseline%202026"))
    assert page.ok and page.assessment.country_code == "XBO"
    page = pillar_page.open_pillar("ADM", "XSY", "", "", environ={})
    assert page.assessment.country_code == "XSY"


@pytest.mark.parametrize("query, title, says", [
    ("country=XZZ", "Assessment not found", "no assessment for country 'XZZ'"),
    ("country=XAT&round=final%201999", "Assessment not found", "no assessment for round 'final 1999'"),
    ("country=%3Cscript%3Ealert(1)%3C/script%3E", "Cannot open this page", "is not a three-letter country code"),
    ("country=XAT&round=%3Cb%3E", "Cannot open this page", "is not a round name"),
])
def test_unknown_or_bad_address_gives_a_message_with_links(demo_store, shown, query, title, says):
    page = pillar_page.open_pillar("OPS", "XAT", "", "", environ=voila(query))
    assert not page.ok
    page.header()
    page.form()
    page.scores_table()
    page.chart()
    assert len(shown) == 1, "only the message is shown"
    text = html_of(shown[0])
    assert f"<h2>{title}</h2>" in text and 'role="alert"' in text
    assert says.replace("'", "&#x27;") in text
    assert "<script>" not in text and "<b>" not in text and "Traceback" not in text
    hrefs = [a["href"] for a in Elements(text).all("a")]
    for a in demo_store.list_assessments():  # every round (XSY has two)
        assert f"operations.ipynb?country={a.country_code}&round={quote(a.round)}" in hrefs
    assert "home.ipynb" in hrefs


def test_batch_run_raises_on_unknown_country(demo_store):
    with pytest.raises(NotFound, match="XZZ"):
        pillar_page.open_pillar("OPS", "XZZ", "", "", interactive=False, environ={})


def test_batch_run_shows_only_table_and_chart_and_builds_no_widgets(demo_store, shown):
    before = len(widget_module._instances)
    page = pillar_page.open_pillar("REG", "XAT", ROUND, "", interactive=False, environ={})
    page.header()
    page.form()
    page.scores_table()
    page.chart()
    assert len(widget_module._instances) == before
    table, chart = shown
    assert "<table" in html_of(table)
    subareas = page.subareas
    alt = describe_profile(list(subareas["subarea"]), *level_columns(subareas))
    assert isinstance(chart, Chart)
    data, metadata = chart._repr_mimebundle_()
    assert set(data) == {"image/svg+xml", "text/plain"} and "<svg" in data["image/svg+xml"]
    assert data["text/plain"] == f"{page.pillar.name}: sub-area levels. {alt}"
    assert metadata == {"image/svg+xml": {"alt": data["text/plain"]}}


# -- what a pillar page shows ---------------------------------------------------------------------
def test_scores_table_is_accessible_and_states_the_scores(demo_store, shown):
    page = pillar_page.open_pillar("OPS", "XAT", ROUND, "", environ={})
    page.scores_table()
    text = html_of(shown[0])
    doc = Elements(text)
    assert "<caption>Operations: sub-area scores, XAT Atlantis (fictional), baseline 2026</caption>" in text
    assert [a.get("scope") for a in doc.all("th")].count("col") == 8
    subareas = page.subareas
    assert [a.get("scope") for a in doc.all("th")].count("row") == len(subareas) + 1  # + the pillar row
    for _, row in subareas.iterrows():
        cells = re.search(rf'<th scope="row">{re.escape(row["subarea_id"])} [^<]*</th><td class="num">([^<]*)</td>',
                          text)
        assert cells, row["subarea_id"]
        assert cells.group(1) == level_label(row["level"], row["plus"]), "the level under its rule, no mean"
    cells = re.findall(r"<t[dh][^>]*>([^<]*)</t[dh]>", text)
    assert "OPS.2" in set(subareas["subarea_id"]) and not [c for c in cells if re.search(r"\d\.\d", c)], \
        "no 3.2-style score"


def test_chart_is_an_svg_image_with_the_values_in_its_alt_text(demo_store, shown):
    page = pillar_page.open_pillar("INF", "XSY", "follow-up 2026", "", environ={})  # XSY's latest round
    page.chart()
    text = html_of(shown[0])
    img = Elements(text).all("img")[0]
    subareas = page.subareas
    assert img["alt"] == describe_profile(list(subareas["subarea"]), *level_columns(subareas))
    prefix = "data:image/svg+xml;base64,"
    assert img["src"].startswith(prefix)
    svg = base64.b64decode(img["src"][len(prefix):]).decode()
    assert "<svg" in svg and subareas["subarea"].iloc[0].split()[0] in svg


def test_header_links_the_other_pillars_of_the_same_assessment(demo_store, shown):
    page = pillar_page.open_pillar("ADM", "XBO", ROUND, "", environ={})
    page.header()
    hrefs = [a["href"] for a in Elements(html_of(shown[0])).all("a")]
    others = [address.notebook_for(p) for p in demo_store.framework.pillars if p.id != "ADM"]
    others += [address.ROADMAP_NOTEBOOK, address.MISSION_NOTEBOOK, address.RESULTS_NOTEBOOK]
    assert hrefs == ["home.ipynb"] + [address.page_link(nb, "XBO", ROUND) for nb in others]
    assert 'aria-current="page">Administration<' in html_of(shown[0])


def test_in_voila_the_header_cell_first_writes_a_first_view_into_the_page(demo_store, shown):
    """Header, completion, flags (links that open the indicator), sub-areas, table and chart, as
    HTML the template writes into the page (readable before and without JavaScript); not in
    JupyterLab, where the widgets show it all."""
    page = pillar_page.open_pillar("OPS", "XAT", ROUND, "", environ=voila(f"country=XAT&round={ROUND}"))
    page.header()
    first, header = shown
    assert shown.kwargs[0] == {"metadata": {first_view.FIRST_VIEW: True}} and header is page._header
    view = html_of(first)
    until = Elements(view).all("section")[0]["data-mbm-until"].split("|")
    assert until == list(pillar_page.FIRST_VIEW_UNTIL) and ".mbm-form" in until
    for part in ('class="mbm-assessment"', 'class="mbm-progress"', "Flags", 'class="mbm-subarea-list"',
                 'table class="mbm-table mbm-scores"', 'figure class="mbm-chart"'):
        assert part in view, part
    flags = page.scores.flags
    first_flag = flags[flags["pillar_id"] == "OPS"].iloc[0]["indicator_id"]
    assert address.page_link("operations.ipynb", "XAT", ROUND, indicator=first_flag).replace("&", "&amp;") in view
    shown.clear()
    page = pillar_page.open_pillar("OPS", "XAT", ROUND, "", environ={})  # JupyterLab
    page.header()
    assert shown == [page._header]


def test_a_save_updates_table_chart_header_and_titles(store, shown):
    store.create_assessment("XAT", ROUND, country_name="Atlantis", by="setup")
    page = pillar_page.open_pillar("ADM", "XAT", ROUND, "", environ={})
    page.header()
    page.form()
    page.scores_table()
    page.chart()
    header, form, table, chart = shown
    sa = page.pillar.subareas[0]
    row = re.search(rf'<th scope="row">{re.escape(sa.id)} [^<]*</th><td class="num">([^<]*)</td>', table.value)
    assert row.group(1) == "not scored" and "0/" in header.value
    before_chart = chart.value
    ed = page.form_widget.open(sa.id)[0]
    page.form_widget.user.value = "Ana Ferreira"
    ed.agreed.value = "2"  # level 2 needs no evidence: no cap; saved at once
    assert ed.state == SAVED, ed.message
    row = re.search(rf'<th scope="row">{re.escape(sa.id)} [^<]*</th><td class="num">([^<]*)</td>', table.value)
    assert row.group(1) == "2"
    assert chart.value != before_chart and f"{sa.name}: level 2, indicators all at 2" in chart.value
    assert f"1/{len(sa.indicators)} rated · level 2" in page.form_widget.titles[0]
    assert "1/" in header.value


def test_each_pillar_has_its_notebook():
    from workbook.framework import load_framework
    for pillar in load_framework().pillars:
        path = config.notebooks_dir() / address.notebook_for(pillar)
        assert path.exists(), path
        source = "".join("".join(c["source"]) for c in json.loads(path.read_text())["cells"])
        assert f'open_pillar("{pillar.id}"' in source


def test_links_encode_the_round():
    assert address.page_link("operations.ipynb", "XAT", "baseline 2026") == \
        "operations.ipynb?country=XAT&round=baseline%202026"
    assert address.page_link("x.ipynb", "XAT", "a&b=c") == "x.ipynb?country=XAT&round=a%26b%3Dc"


def test_the_address_gives_the_editor_and_an_indicator_and_links_carry_no_name(demo_store, shown):
    q = "country=XBO&round=baseline%202026&editor=Ana%20Ferreira&indicator=ADM.2.1"
    assert address.request_parameters(voila(q))["editor"] == "Ana Ferreira"
    page = pillar_page.open_pillar("ADM", "XAT", "", "", environ=voila(q))
    page.header()
    page.form()
    form = page.form_widget
    assert form.user.value == "Ana Ferreira"
    hrefs = [a["href"] for a in Elements(html_of(shown[0])).all("a")]
    assert hrefs[0] == "home.ipynb"
    assert address.page_link("operations.ipynb", "XBO", ROUND) in hrefs
    assert "ADM.2.1" in form.editors and 1 in form.opened, "the indicator's sub-area is open"
    form.user.value = "Kwame Mensah"  # the browser session keeps names; a copied link never carries one
    assert "editor=" not in page._header.value


def test_every_name_field_is_one_the_template_keeps_for_the_browser_session(demo_store, shown):
    """The Voila template's session script finds the "Your name" fields by this class."""
    from workbook.pages.forms import EDITOR_FIELD_CLASS
    page = pillar_page.open_pillar("ADM", "XAT", ROUND, "", environ=voila(""))
    page.form()
    home = home_page.open_home("", environ=voila(""))
    roadmap = roadmap_page.open_roadmap("XAT", "", "", environ=voila(""))
    for field in (page.form_widget.user, home.user, roadmap.user):
        assert EDITOR_FIELD_CLASS in field._dom_classes and field.description == "Your name"
    script = (config.templates_dir() / "voila" / "templates" / "mbm" / "mbm.macro.html.j2").read_text()
    assert f'".{EDITOR_FIELD_CLASS} input"' in script and f'closest(".{EDITOR_FIELD_CLASS}")' in script


@pytest.mark.parametrize("query, says", [
    ("editor=" + "x" * 200, "was not used"),
    ("editor=%00", "was not used"),
])
def test_a_bad_editor_name_in_the_address_is_not_used(demo_store, shown, query, says):
    page = pillar_page.open_pillar("ADM", "XAT", ROUND, "", environ=voila(query))
    assert page.ok and page.editor == "" and says in page.note
    page.header()
    assert says in html_of(shown[0])


def test_an_unknown_indicator_in_the_address_is_a_message(demo_store, shown):
    page = pillar_page.open_pillar("ADM", "XAT", ROUND, "", environ=voila("indicator=OPS.1.1"))
    assert not page.ok
    page.header()
    assert "is not an indicator of Administration" in html_of(shown[0])


def test_the_page_chart_needs_no_matplotlib(demo_url):
    svg = level_bars(["A <b>", "B"], [2.4, float("nan")], "T & U").svg
    assert 'fill="#ef8a62"' in svg and "not scored" in svg and "A &lt;b&gt;" in svg and "T &amp; U" in svg
    import subprocess
    code = ("import sys, workbook.pages.pillar as pillar_page\n"
            "pillar_page.display = lambda *a, **k: None\n"
            "page = pillar_page.open_pillar('ADM', 'XAT', '', '', environ={})\n"
            "page.header(); page.form(); page.scores_table(); page.chart()\n"
            "page.form_widget.open(page.pillar.subareas[0].id)\n"
            "print('matplotlib' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert out.stdout.strip() == "False", out.stderr[-2000:]


# -- home page ------------------------------------------------------------------------------------
def test_home_lists_assessments_with_status_profile_and_a_link_to_every_page(demo_store, shown):
    home = home_page.open_home("")
    assert shown == [home.widget]
    text = home.table.value
    hrefs = [a["href"] for a in Elements(text).all("a")]
    pillars = demo_store.framework.pillars
    pages = [address.notebook_for(p) for p in pillars] + [address.ROADMAP_NOTEBOOK, address.MISSION_NOTEBOOK,
                                                          address.RESULTS_NOTEBOOK]
    for a in demo_store.list_assessments():
        for nb in pages:
            assert address.page_link(nb, a.country_code, a.round) in hrefs
        assert f"{a.updated_at:%Y-%m-%d %H:%M} UTC" in text
    assert len(hrefs) == len(pages) * len(demo_store.list_assessments())
    assert re.search(r"XAT Atlantis \(fictional\)</th><td>baseline 2026</td><td>In review</td><td class=\"num\">"
                     r"\d+/\d+ \(\d+%\)", text)
    # the pillar profile: a small chart whose alt text states each pillar's score
    imgs = Elements(text).all("img")
    assert len(imgs) == len(demo_store.list_assessments())  # one per assessment
    scores = home_page.load_snapshot(demo_store, demo_store.get_assessment("XAT").id).scores.pillars
    for p in scores.itertuples():
        assert f"{p.pillar}: {p.score:.1f}" in imgs[0]["alt"]
    links = html_of(home.widget.children[2])
    assert 'href="framework.ipynb"' in links
    # nothing a person did not ask for: no object repr, no file path
    visible = re.sub(r"<[^>]+>", " ", text.split("</style>")[-1])
    assert "<workbook." not in text and "object at 0x" not in text
    assert not re.search(r"\.ipynb|\.db\b|/(tmp|work|home|usr)/|outputs/", visible), visible


def test_in_voila_the_home_page_writes_its_list_into_the_page_first(demo_store, shown):
    home = home_page.open_home("", environ=voila(""))
    first, widget = shown
    assert widget is home.widget and shown.kwargs[0] == {"metadata": {first_view.FIRST_VIEW: True}}
    assert home.table.value in html_of(first) and 'data-mbm-until=".mbm-home"' in html_of(first)


def test_home_creates_an_assessment(store, shown):
    home = home_page.open_home("")
    assert "No assessments yet" in home.table.value
    home.search.value = "kenya"
    assert ("KEN Kenya", "KEN") in home.country.options and home.country.value == "KEN"
    home.round.value = "baseline 2027"
    home.create_button.click()
    assert "not created" in home.status.value and "Your name" in home.status.value
    assert store.list_assessments() == []
    home.user.value = "Maria Okafor"
    home.create_button.click()
    assert "created KEN" in home.status.value, home.status.value
    [info] = store.list_assessments()
    assert (info.country_code, info.round, info.fictional) == ("KEN", "baseline 2027", False)
    assert "kenya.ipynb" not in home.table.value and "operations.ipynb?country=KEN&amp;round=baseline%202027" \
        in home.table.value
    home.create_button.click()  # the same again
    assert "not created" in home.status.value and "already has an assessment" in home.status.value
    assert len(store.list_assessments()) == 1


def test_home_creates_a_fictional_country_only_with_a_name(store, shown):
    home = home_page.open_home("")
    home.search.value = "xqa"
    assert home.country.value == "XQA"
    home.round.value, home.user.value = "training", "Trainer"
    home.create_button.click()
    assert "not created" in home.status.value and "give the fictional country a name" in home.status.value
    home.fictional_name.value = "Freedonia"
    home.create_button.click()
    assert "created XQA Freedonia (fictional)" in home.status.value


def test_home_refuses_a_country_not_chosen_from_the_matches(store, shown):
    home = home_page.open_home("")
    home.round.value, home.user.value = "baseline 2027", "Maria"
    home.create_button.click()
    assert "choose it from the matches" in home.status.value
    home.search.value = "<script>" * 20
    assert home.country.options == () and "limit" in home.status.value
    assert store.list_assessments() == []


def test_home_takes_the_name_from_the_address_and_records_the_team(store, shown):
    home = home_page.open_home("", environ=voila("editor=Maria%20Okafor"))
    assert home.user.value == "Maria Okafor"
    home.search.value = "KEN"
    home.round.value = "baseline 2027"
    home.team.value = "Maria Okafor; International team; international\nJoseph Kamau; Kenya Police; nationl"
    home.create_button.click()
    assert "not created" in home.status.value and "team[1].role" in home.status.value
    assert store.list_assessments() == []
    home.team.value = "Maria Okafor; International team"
    home.create_button.click()
    assert "Team line 1" in home.status.value
    home.team.value = "Maria Okafor; International team; international\n\nJoseph Kamau; Kenya Police; national"
    home.create_button.click()
    assert "created KEN" in home.status.value and "editor=" not in home.status.value
    [info] = store.list_assessments()
    assert info.team == (("Maria Okafor", "International team", "international"),
                         ("Joseph Kamau", "Kenya Police", "national"))
    assert "operations.ipynb?country=KEN&amp;round=baseline%202027\"" in home.table.value
    assert "editor=" not in home.table.value


def test_home_completion_counts_as_scoring_does(demo_store):
    from workbook.scoring import score_assessment
    rows = home_page.assessment_rows(demo_store)
    assert len(rows) == len(demo_store.list_assessments()) == 4  # XSY has two rounds
    for r in rows:
        scores = score_assessment(demo_store.framework, demo_store.ratings_frame(r["info"].id))
        assert (r["n_rated"], r["n_applicable"]) == (int(scores.pillars["n_rated"].sum()),
                                                     int(scores.pillars["n_applicable"].sum()))


def test_home_on_a_database_without_schema_says_so(blank_url, shown):
    assert home_page.open_home("") is None
    assert "workbook db upgrade" in html_of(shown[0]) and 'role="alert"' in html_of(shown[0])


# -- serving --------------------------------------------------------------------------------------
def test_voila_command_locks_the_app_down():
    cmd = serve.voila_command("127.0.0.1", 9999)
    assert cmd[:2] == [sys.executable, "-m"] and cmd[2] in ("voila", "workbook.serve")  # Voila or our subclass
    assert cmd[3] == str(config.notebooks_dir())
    for flag in ("--template=mbm", "--VoilaConfiguration.allow_template_override=NO",
                 "--VoilaConfiguration.allow_theme_override=NO", "--Voila.port=9999", "--Voila.ip=127.0.0.1",
                 "--Voila.port_retries=0", "--no-browser", "--VoilaConfiguration.file_denylist=.*"):
        assert flag in cmd
    assert any(a.startswith("--MappingKernelManager.cull_idle_timeout=") for a in cmd)
    assert any(a.startswith("--MappingKernelManager.cull_interval=") for a in cmd)
    assert any(a.startswith("--VoilaExecutor.timeout=") for a in cmd)
    assert not any("sqlite" in a or "postgres" in a for a in cmd)


def test_voila_env_carries_the_database_and_our_templates():
    env = serve.voila_env("postgresql+psycopg://u:secret@db/mbm", base={"JUPYTER_PATH": "/a", "PATH": "/bin"})
    assert env["WORKBOOK_DB_URL"] == "postgresql+psycopg://u:secret@db/mbm"
    assert env["JUPYTER_PATH"].split(":") == [str(config.templates_dir()), "/a"]
    assert env["PATH"] == "/bin"
    assert env["WORKBOOK_OUTPUTS"] == str(Path.cwd() / "outputs")  # not the kernels' notebooks folder
    env = serve.voila_env("sqlite:////tmp/x.db", base={"WORKBOOK_OUTPUTS": "reports/out"})
    assert env["WORKBOOK_OUTPUTS"] == str(Path.cwd() / "reports" / "out")
    assert serve.url_for("127.0.0.1", 8866) == "http://127.0.0.1:8866/voila/render/home.ipynb"


def test_template_extends_lab_and_loads_nothing_from_other_hosts():
    conf = json.loads((TEMPLATE_DIR / "conf.json").read_text())
    assert conf["base_template"] == "lab"
    index = (TEMPLATE_DIR / "index.html.j2").read_text()
    assert "{%- extends 'voila/templates/lab/index.html.j2' -%}" in index
    for path in TEMPLATE_DIR.rglob("*"):
        if path.is_file():
            assert not re.search(r"(src|href)=\"(https?:)?//", path.read_text()), path


class FakeLoop:
    """``call_later`` recorded, run by hand."""

    def __init__(self):
        self.calls = []

    def call_later(self, delay, fn):
        handle = type("Handle", (), {"cancelled": False, "cancel": lambda h: setattr(h, "cancelled", True)})()
        self.calls.append((delay, fn, handle))
        return handle

    def run_due(self):
        due, self.calls = [c for c in self.calls if not c[2].cancelled], []
        for _delay, fn, _handle in due:
            fn()


def test_an_open_page_reads_in_what_others_save_and_keeps_what_is_unsaved(demo_store, shown):
    q = voila("country=XBO&round=baseline%202026")
    mine = pillar_page.open_pillar("ADM", "XAT", "", "", environ=q)  # no name given yet on my page
    theirs = pillar_page.open_pillar("ADM", "XAT", "", "",
                                     environ=voila("country=XBO&round=baseline%202026&editor=Kwame"))
    mine.form()
    theirs.form()
    sa = mine.pillar.subareas[0]
    first, second = mine.form_widget.open(sa.id)[:2]
    their_first, their_second = theirs.form_widget.open(sa.id)[:2]
    assert mine.check_for_changes() is False, "nothing saved since the page was read"
    new_level = "4" if first.agreed.value != "4" else "1"
    their_first.agreed.value = new_level  # against the criteria: framework 2.0 saves it with its reason
    assert their_first.state == FAILED and "write the reason" in their_first.message, their_first.message
    their_first.override_reason.value = "Seen working at the posts visited"
    assert their_first.state == SAVED, their_first.message
    assert mine.check_for_changes() is True
    assert first.agreed.value == new_level and first.version == their_first.version
    # a sub-area's level moves only when the weakest link (or the median) does: the chart is redrawn
    # from the scores read in, whatever they say
    assert mine.snapshot.rating(first.indicator.id)["agreed"] == new_level
    assert mine._chart.value == mine._chart_html(), "the chart follows their rating"
    assert mine.check_for_changes() is False
    second.notes.value = "my notes, typed before giving my name"
    assert second.state == FAILED and "name" in second.message, second.message
    their_second.national.value = "5" if second.national.value != "5" else "4"
    assert their_second.state == SAVED, their_second.message
    assert mine.check_for_changes() is True
    assert second.notes.value == "my notes, typed before giving my name", "unsaved typing is never replaced"
    mine.form_widget.user.value = "Ana Ferreira"
    second.notes.value += "."
    assert second.state == CONFLICT and their_second.national.value in second.message, second.message


def test_the_page_checks_for_changes_on_the_kernel_loop_until_stopped(demo_store, shown):
    page = pillar_page.open_pillar("ADM", "XBO", ROUND, "", environ=voila("country=XBO"))
    assert page._watch is None, "no running loop here: no timer"
    loop = FakeLoop()
    assert page.watch(every=15, loop=loop) is True
    [(delay, _fn, _h)] = loop.calls
    assert delay == 15
    checked = []
    page.check_for_changes = lambda: checked.append(1) or False
    loop.run_due()
    loop.run_due()
    assert checked == [1, 1] and len(loop.calls) == 1, "each check schedules the next"
    page.check_for_changes = lambda: 1 / 0  # a failing refresh is said on the page; watching goes on
    loop.run_due()
    assert "Changes by others could not be shown" in page._header.value and len(loop.calls) == 1
    page.stop_watching()
    assert loop.calls[0][2].cancelled
    loop.run_due()
    assert loop.calls == []
    assert page.watch(every=0, loop=loop) is False, "0: no watching"


def test_a_page_opened_again_in_the_same_kernel_replaces_the_old_ones_watching(demo_store, shown):
    """In JupyterLab a cell run again makes a new page: the old one stops checking."""
    loop = FakeLoop()
    old = pillar_page.open_pillar("ADM", "XBO", ROUND, "", environ=voila("country=XBO"))
    other = pillar_page.open_pillar("OPS", "XBO", ROUND, "", environ=voila("country=XBO"))
    assert old.watch(loop=loop) and other.watch(loop=loop)
    new = pillar_page.open_pillar("ADM", "XBO", ROUND, "", environ=voila("country=XBO"))
    assert new.watch(loop=loop)
    assert old._watch is None and other._watch is not None and new._watch is not None
    assert [h.cancelled for _d, _f, h in loop.calls] == [True, False, False]
    new.stop_watching()
    other.stop_watching()
    assert pillar_page.WATCHING == {}

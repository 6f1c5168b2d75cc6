"""Right to left (page and report attributes, mirrored charts, Arabic shaped in the Arabic font),
the language on page addresses, and round names in any script from the store to the output folder."""
from __future__ import annotations

import io
import re
import unicodedata

import jinja2
import pytest
from nbformat.v4 import new_markdown_cell, new_notebook

from support import ROOT
from workbook import config
from workbook.errors import InvalidInput
from workbook.exchange.files import default_output, export_file
from workbook.inputs import parse_round
from workbook.pages.address import check_lang, open_assessment, page_link, request_parameters
from workbook.present import fonts
from workbook.present.charts import figure_svg, level_bars, plot_subarea_scores
from workbook.report.render import render_html
from workbook.store import Store

WORD = "الحدود"  # "the borders": joining letters, so shaped glyphs differ from isolated ones


# -- pages ---------------------------------------------------------------------------------------------
def test_lang_is_an_address_key_checked_like_the_others(monkeypatch):
    monkeypatch.delenv("WORKBOOK_LANG", raising=False)
    env = {"VOILA_REQUEST_URL": "x", "QUERY_STRING": "country=XAT&lang=ar&db_url=sqlite:////etc/x"}
    assert request_parameters(env) == {"country": "XAT", "lang": "ar"}
    assert check_lang("ar") == "ar" and check_lang("") == "en" and check_lang(None, "fr") == "fr"
    with pytest.raises(InvalidInput) as exc:
        check_lang("<script>")
    assert exc.value.what == "page address" and exc.value.problems[0].location == "lang"
    assert page_link("operations.ipynb", "XAT", "تقييم 2027", lang="ar") == \
        "operations.ipynb?country=XAT&round=%D8%AA%D9%82%D9%8A%D9%8A%D9%85%202027&lang=ar"


def test_a_page_opens_in_the_language_of_its_address_or_says_what_is_wrong(demo_url, monkeypatch):
    monkeypatch.delenv("WORKBOOK_LANG", raising=False)
    ok = open_assessment("XAT", "", demo_url, interactive=True, notebook=lambda: "home.ipynb",
                         environ={"VOILA_REQUEST_URL": "x", "QUERY_STRING": "country=XAT&lang=fr"})
    assert ok.ok and ok.lang == "fr"
    default = open_assessment("XAT", "", demo_url, interactive=True, notebook=lambda: "home.ipynb", lang="es",
                              environ={})
    assert default.lang == "es"
    bad = open_assessment("XAT", "", demo_url, interactive=True, notebook=lambda: "home.ipynb",
                          environ={"VOILA_REQUEST_URL": "x", "QUERY_STRING": "country=XAT&lang=xx"})
    assert not bad.ok and "is not a language of the workbook" in bad.problem


def voila_head(default: str = "en") -> str:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(ROOT / "templates/voila/templates/mbm"))
    return env.from_string("{% import 'mbm.macro.html.j2' as mbm %}{{ mbm.session_lang(d) }}{{ mbm.css() }}"
                           ).render(d=default)


def test_the_voila_template_sets_lang_and_dir_and_keeps_the_language_for_the_session():
    head = voila_head("fr")
    assert 'var DEFAULT = DIRS.hasOwnProperty("fr") ? "fr" : "en";' in head
    assert 'ar: "rtl"' in head and "root.dir = DIRS[lang]" in head and "root.lang = lang" in head
    assert 'KEY = "mbm-workbook.lang"' in head and "sessionStorage.setItem(KEY" in head
    assert "window.location.replace" in head  # an address without lang= reopens with the session's
    assert 'html[dir="rtl"]' in head and "margin-inline-start" in head
    index = (ROOT / "templates/voila/templates/mbm/index.html.j2").read_text(encoding="utf-8")
    assert "mbm.session_lang(resources.get('mbm_lang', 'en'))" in index
    head_block = index.index("block html_head_css")
    assert head_block < index.index("session_lang") < index.index("{{ super() }}", head_block), \
        "first in the head, before anything is drawn"


# -- reports -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("lang, direction", [("ar", "rtl"), ("fr", "ltr"), ("en", "ltr")])
def test_a_report_says_its_language_and_direction(lang, direction):
    nb = new_notebook(cells=[new_markdown_cell("نص")])
    nb.metadata["mbm"] = {"kind": "report", "lang": lang, "dir": direction}
    html = render_html(nb)
    assert re.search(rf'<html (?=[^>]*lang="{lang}")(?=[^>]*dir="{direction}")[^>]*>', html)


def test_the_report_stylesheet_mirrors_with_logical_properties():
    css = (ROOT / "templates/nbconvert/templates/mbm_report/static/mbm_report.css").read_text(encoding="utf-8")
    assert "padding-left" not in css and "text-align: left" not in css and "text-align: right" not in css
    assert "text-align: start" in css and "text-align: end" in css and "padding-inline-start" in css
    assert '[dir="rtl"] body.mbm-report { page: rtl; }' in css and "Noto Sans Arabic UI" in css


# -- charts ----------------------------------------------------------------------------------------------
def glyph_ids(svg: str) -> list[str]:
    return re.findall(r'<use xlink:href="#([^"]+)"', svg)


def path_svg(text: str) -> str:
    import matplotlib
    from matplotlib.figure import Figure
    with matplotlib.rc_context({"svg.fonttype": "path", **fonts.font_rc(text)}):
        fig = Figure(figsize=(3, 1))
        fig.text(0.1, 0.5, text, fontsize=20)
        buf = io.StringIO()
        fig.savefig(buf, format="svg")
    return buf.getvalue()


def test_arabic_chart_text_is_shaped_in_the_arabic_font():
    """Matplotlib 3.11 shapes with libraqm: the joined word uses contextual glyphs (initial, medial,
    final forms), not the isolated forms a text without shaping would show."""
    face = fonts.arabic_font()
    if face is None:
        pytest.skip("no Arabic font installed (make fonts installs Debian's fonts-noto-ui-core)")
    assert face == "Noto Sans Arabic UI"
    joined = glyph_ids(path_svg(WORD))
    isolated = [g for ch in WORD for g in glyph_ids(path_svg(ch))]
    font = face.replace(" ", "")
    assert joined and all(g.startswith(font) for g in joined), joined
    assert len(joined) == len(WORD)
    assert set(joined) != set(isolated) and len(set(joined) - set(isolated)) >= 3, (joined, isolated)


def test_charts_with_arabic_labels_name_the_arabic_font_and_are_mirrored():
    import pandas as pd
    nan = float("nan")
    sub = pd.DataFrame({"subarea": ["إدارة الحدود", "التأشيرات"], "level": [2.0, nan], "plus": [True, False],
                        "min_level": [2.0, nan], "max_level": [4.0, nan]})
    fig = plot_subarea_scores(sub, "العمليات")
    ax = fig.axes[0]
    assert ax.xaxis_inverted() and ax.yaxis.get_ticks_position() == "right"
    svg = figure_svg(fig)
    if fonts.arabic_font():
        assert "font-family: 'Noto Sans Arabic UI', 'DejaVu Sans'" in svg
    assert "إدارة الحدود" in svg  # text kept as text: the browser or PDF printer shapes it again
    english = figure_svg(plot_subarea_scores(sub.assign(subarea=["Borders", "Visas"]), "Operations"))
    assert "Arabic" not in english
    page = level_bars(list(sub["subarea"]), list(sub["level"]), "العمليات").svg
    assert 'direction="rtl"' in page and "Noto Sans Arabic UI" in page
    assert 'direction="rtl"' not in level_bars(["Borders"], [2.0], "Operations").svg


# -- round names in any script ------------------------------------------------------------------------
ROUNDS = ["تقييم 2027", "évaluation de référence 2026", "第二轮 2027", "Оценка (2026)"]


@pytest.mark.parametrize("name", ROUNDS)
def test_round_names_in_any_script_are_accepted_once_normalised(name):
    assert parse_round(name) == unicodedata.normalize("NFC", name)
    assert parse_round(unicodedata.normalize("NFD", name)) == parse_round(name)


@pytest.mark.parametrize("name", ["-2026", "round;1", "tab\there", "a\u200bb", "\u0301e", "x" * 61, "💥 2026"])
def test_other_characters_and_long_names_are_refused(name):
    with pytest.raises(InvalidInput):
        parse_round(name)


def test_a_unicode_round_goes_from_the_store_to_its_folder_and_its_files(demo_url, tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBOOK_OUTPUTS", str(tmp_path))
    store = Store(demo_url)
    typed = unicodedata.normalize("NFD", "évaluation 2027")
    info = store.create_assessment("XAT", typed, country_name="Atlantis", by="test")
    assert info.round == "évaluation 2027"
    assert store.get_assessment("XAT", typed).id == info.id == store.get_assessment("XAT", "évaluation 2027").id
    arabic = store.create_assessment("XAT", "تقييم 2027", country_name="Atlantis", by="test")
    folder = tmp_path / "XAT" / "تقييم-2027"
    assert config.round_dir("XAT", arabic.round) == folder
    assert export_file(store, arabic, "xlsx").parent == folder
    assert export_file(store, arabic, "xlsx", lang="ar").parent == tmp_path / "XAT" / "تقييم-2027.ar"
    assert default_output(arabic, "json", "ar").parent == folder, "a package is the same in every language"
    assert sorted(p.name for p in (tmp_path / "XAT").iterdir()) == ["تقييم-2027", "تقييم-2027.ar"]


def test_the_notebooks_take_a_unicode_round_and_a_language(tmp_path):
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    from workbook.batch.jobs import check_parameters, notebook_parameters
    path = config.notebooks_dir() / "operations.ipynb"
    params = notebook_parameters("XAT", "تقييم 2027", "ar")
    check_parameters(path, params)
    nb = parameterize_notebook(load_notebook_node(str(path)), params)
    injected = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    namespace: dict = {}
    exec(injected.source, namespace)  # noqa: S102 - the cell papermill wrote: plain assignments
    assert namespace["round"] == "تقييم 2027" and namespace["lang"] == "ar"
    assert "lang" not in notebook_parameters("XAT", "r", "en"), "English batches run notebooks without lang"

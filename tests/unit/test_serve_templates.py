"""The server compiles its page templates once, not once per page (``serve._SharedBytecode``)."""
from __future__ import annotations

import jinja2
import pytest

from workbook import serve


@pytest.fixture
def fresh_exporter_class(monkeypatch):
    """Voila's exporter with its original environment factory back after the test."""
    from voila.exporter import VoilaExporter
    monkeypatch.setattr(VoilaExporter, "_create_environment", VoilaExporter._create_environment)
    monkeypatch.setattr(VoilaExporter, "_mbm_bytecode", None, raising=False)
    return VoilaExporter


def compiles(monkeypatch) -> list[str]:
    seen: list[str] = []
    compile_ = jinja2.Environment.compile

    def counting(self, source, name=None, filename=None, raw=False, defer_init=False):
        seen.append(name)
        return compile_(self, source, name, filename, raw, defer_init)
    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    return seen


def test_the_second_exporter_compiles_nothing_and_renders_the_same(fresh_exporter_class, monkeypatch, tmp_path):
    (tmp_path / "page.html.j2").write_text("{% for x in xs %}<b>{{ x }}</b>{% endfor %}", encoding="utf-8")
    serve._SharedBytecode().install()
    serve._SharedBytecode().install()  # a second install keeps the first cache
    seen = compiles(monkeypatch)

    def render():
        environment = fresh_exporter_class(template_paths=[str(tmp_path)])._create_environment()
        return environment.get_template("page.html.j2").render(xs=[1, 2])
    assert render() == "<b>1</b><b>2</b>" and seen == ["page.html.j2"]
    assert render() == "<b>1</b><b>2</b>" and seen == ["page.html.j2"], "compiled again for a new exporter"
    (tmp_path / "page.html.j2").write_text("<i>{{ xs | length }}</i>", encoding="utf-8")
    assert render() == "<i>2</i>" and seen == ["page.html.j2"] * 2, "a changed template is compiled again"


def test_without_it_each_exporter_compiles_again(fresh_exporter_class, monkeypatch, tmp_path):
    """The measure the cache answers: Voila's own exporters share nothing."""
    (tmp_path / "page.html.j2").write_text("<b>{{ 1 }}</b>", encoding="utf-8")
    seen = compiles(monkeypatch)
    for _ in range(2):
        fresh_exporter_class(template_paths=[str(tmp_path)])._create_environment().get_template("page.html.j2")
    assert seen == ["page.html.j2"] * 2

"""workbook.deferred: jsonschema's IRI grammar is built when an ``iri`` format is first checked,
not when nbformat is imported, and the check answers as it did."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytest.importorskip("rfc3987_syntax")

PROBE = """
import json, sys
import workbook, nbformat
built_on_import = "lark" in sys.modules
import jsonschema
v = jsonschema.Draft7Validator({"format": "iri"}, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
answers = [v.is_valid(x) for x in ("http://example.org/caf\\u00e9", "ht tp://bad", "relative/path", 7)]
ref = jsonschema.Draft7Validator({"format": "iri-reference"}, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
answers += [ref.is_valid(x) for x in ("relative/path", "a b")]
from rfc3987_syntax import parse
from rfc3987_syntax.syntax_helpers import is_valid_syntax  # a submodule, imported by name
print(json.dumps({"built_on_import": built_on_import, "answers": answers, "lark": "lark" in sys.modules,
                  "parse": type(parse("iri", "http://example.org/")).__name__,
                  "submodule": is_valid_syntax("iri", "http://example.org/")}))
"""


def probe(**env) -> dict:
    out = subprocess.run([sys.executable, "-c", PROBE], env={**os.environ, **env}, capture_output=True, text=True,
                         check=True, timeout=120)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_grammar_waits_for_the_first_iri_check_and_answers_as_before():
    deferred, eager = probe(), probe(WORKBOOK_EAGER_IMPORTS="1")
    assert not deferred["built_on_import"], "importing workbook then nbformat built the IRI grammar"
    assert eager["built_on_import"]  # the control: without the deferral it is built on import
    assert deferred["answers"] == eager["answers"] == [True, False, False, True, True, False]
    assert deferred["lark"] and deferred["parse"] == eager["parse"] == "Tree"
    assert deferred["submodule"] is eager["submodule"] is True


def test_a_submodule_imported_first_loads_normally():
    code = ("import workbook, sys\n"
            "from rfc3987_syntax.syntax_helpers import is_valid_syntax\n"
            "import rfc3987_syntax\n"
            "print(is_valid_syntax('iri', 'http://example.org/'), rfc3987_syntax.is_valid_syntax('iri', 'x y'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.split() == ["True", "False"]


def test_nothing_is_deferred_once_the_module_or_jsonschema_is_loaded(monkeypatch):
    from workbook import deferred
    monkeypatch.setitem(sys.modules, deferred.NAME, sys.modules.get(deferred.NAME) or object())
    assert deferred.defer_iri_grammar() is False

"""Every notebook in notebooks/ is an artefact under test: its parameters cell as papermill reads
it, no committed outputs, and a papermill run against the demo database."""
from __future__ import annotations

import ast
import json

import nbformat
import papermill as pm
import pytest

from workbook import config
from workbook.batch import PILLAR_NOTEBOOKS

pytestmark = pytest.mark.notebook

NOTEBOOKS = sorted(config.notebooks_dir().glob("*.ipynb"))
PILLAR_PARAMETERS = {"country", "round", "db_url", "interactive", "lang"}


def _parameters_cell(nb) -> nbformat.NotebookNode:
    cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1, "exactly one cell tagged 'parameters'"
    return cells[0]


def _assigned(source: str) -> dict[str, object]:
    """Names the parameters cell assigns, with their literal defaults (Python's own reading)."""
    values = {}
    for node in ast.parse(source).body:
        assert isinstance(node, (ast.Assign, ast.AnnAssign)), f"only assignments: {ast.unparse(node)}"
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for t in targets:
            assert isinstance(t, ast.Name), ast.unparse(t)
            values[t.id] = ast.literal_eval(node.value)  # literal defaults only
    return values


def test_the_pillar_notebooks_exist():
    names = {p.name for p in NOTEBOOKS}
    assert set(PILLAR_NOTEBOOKS.values()) <= names, sorted(names)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_parameters_as_papermill_reads_them(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata.get("kernelspec", {}).get("name"), "papermill needs metadata.kernelspec"
    assert nb.metadata.get("language_info", {}).get("name") == "python", "papermill needs metadata.language_info"
    declared = _assigned(_parameters_cell(nb).source)
    inspected = pm.inspect_notebook(str(path))
    # papermill skips lines it cannot parse (e.g. a second '=' in a comment) with a mere warning:
    # a parameter it does not see would then be injected unchecked
    assert set(inspected) == set(declared), (f"papermill reads {sorted(inspected)} but the cell assigns "
                                             f"{sorted(declared)}")
    if path.name in PILLAR_NOTEBOOKS.values():
        assert set(declared) == PILLAR_PARAMETERS
        assert declared["db_url"] == "", "no database URL (or secret) as a default"
        assert declared["interactive"] is True
        assert declared["lang"] == "", "no language as a default: the page address's, else WORKBOOK_LANG"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, f"cell {i} has outputs"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_executes_against_the_demo_database(path, demo_url, tmp_path):
    out = tmp_path / path.name
    declared = set(pm.inspect_notebook(str(path)))
    params = {}
    if path.name in PILLAR_NOTEBOOKS.values():
        params = {"country": "XBO", "round": "", "interactive": False}
    assert set(params) <= declared
    pm.execute_notebook(str(path.resolve()), str(out), parameters=params, progress_bar=False)
    nb = nbformat.read(out, as_version=4)
    assert nb.metadata.papermill.parameters == params
    text = out.read_text(encoding="utf-8")
    assert demo_url not in text and str(tmp_path / "workbook.db") not in text, "the database URL leaked"
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    if path.name in PILLAR_NOTEBOOKS.values():
        tags = [(c.metadata.get("tags", []), c.outputs) for c in nb.cells if c.cell_type == "code"]
        report = [outs for t, outs in tags if "report" in t]
        page_only = [outs for t, outs in tags if "no-report" in t]
        assert len(report) >= 2 and all(report), "every report cell shows something"
        assert page_only and not any(page_only), "interactive=False: header and form display nothing"
        shown = json.dumps([o.get("data", {}) for outs in report for o in outs])
        assert "Borduria" in shown or "XBO" in shown
        assert "application/vnd.jupyter.widget-view+json" not in shown

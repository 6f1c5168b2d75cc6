"""The layers of the package, checked on its source (an AST walk, nothing imported):

* the core (framework, store, scoring, and the inputs, errors, config, countries and i18n they use)
  imports no widgets, notebook machinery, charts or later steps of the data flow;
* the road-map logic imports no widgets, notebook machinery or pages; the presentation kit no
  widgets or notebook machinery;
* no page imports another page (pages share ``pages/address.py`` and ``pages/forms/``);
* no module uses another package's private (``_``) names.

Each rule has a control below: a small tree that breaks it, which the check must report.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from support import ROOT

PACKAGE = ROOT / "workbook"
CORE = ("workbook.framework", "workbook.store", "workbook.scoring", "workbook.inputs", "workbook.errors",
        "workbook.names", "workbook.config", "workbook.countries", "workbook.i18n", "workbook.yamlfile")
UI = ("ipywidgets", "IPython", "voila", "nbconvert", "nbformat", "papermill", "matplotlib")
LATER_STEPS = ("workbook.roadmap", "workbook.mission", "workbook.present", "workbook.pages", "workbook.report",
               "workbook.exchange", "workbook.batch", "workbook.cli", "workbook.serve")
RULES = [  # (modules the rule is about, what they may not import)
    (CORE, UI + LATER_STEPS),
    (("workbook.roadmap", "workbook.mission"), UI + ("workbook.present", "workbook.pages", "workbook.report",
                                                     "workbook.cli", "workbook.batch", "workbook.serve")),
    (("workbook.present",), ("ipywidgets", "IPython", "voila", "nbconvert", "papermill", "workbook.pages",
                             "workbook.report", "workbook.cli", "workbook.batch")),
]
PAGES = ("workbook.pages.home", "workbook.pages.pillar", "workbook.pages.framework", "workbook.pages.roadmap",
         "workbook.pages.results", "workbook.pages.mission")


def modules(root: Path, package: str) -> dict[str, Path]:
    """Dotted module name -> file, for every .py under ``root`` (the folder of ``package``)."""
    out = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        name = ".".join((package, *parts))
        out[name.removesuffix(".__init__")] = path
    return out


def imports(name: str, path: Path) -> list[tuple[str, list[str], int]]:
    """(absolute module, names imported from it, line) for every import in the file, relative ones
    resolved against ``name`` (anywhere in the file: inside functions too)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(a.name, [], node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[:len(package.split(".")) - (node.level - 1)] if node.level else []
            module = ".".join([*base, node.module] if node.module else base)
            out.append((module, [a.name for a in node.names], node.lineno))
    return out


def within(module: str, prefixes) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def package_of(module: str, path: Path) -> str:
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


def layer_problems(root: Path = PACKAGE, package: str = "workbook") -> list[str]:
    found = []
    mods = modules(root, package)
    for name, path in mods.items():
        where = f"{path.relative_to(root.parent)}"
        for module, names, line in imports(name, path):
            targets = [module] + [f"{module}.{n}" for n in names]
            for about, forbidden in RULES:
                if within(name, about) and any(within(t, forbidden) and not within(t, about) for t in targets):
                    found.append(f"{where}:{line}: {name} imports {module}")
            page = next((p for p in PAGES if within(name, (p,))), None)
            other = next((p for p in PAGES if p != page and any(within(t, (p,)) for t in targets)), None)
            if page and other:
                found.append(f"{where}:{line}: page {page} imports page {other}")
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            if private and module.startswith(package + ".") and package_of(module, mods.get(module, Path("x.py"))) \
                    != package_of(name, path):
                found.append(f"{where}:{line}: {name} uses private {', '.join(private)} of {module}")
    return found


def test_the_layers_hold():
    assert layer_problems() == []


# -- controls: trees that break each rule ---------------------------------------------------------
def tree(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "workbook"
    for rel, text in {"__init__.py": "", **files}.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        for parent in path.relative_to(root).parents:
            (root / parent / "__init__.py").touch()
        path.write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize("files, expected", [
    ({"store/assessments.py": "def f():\n    import ipywidgets\n"}, "workbook.store.assessments imports ipywidgets"),
    ({"scoring.py": "from .present.charts import Chart\n"}, "workbook.scoring imports workbook.present.charts"),
    ({"framework/model.py": "from ..pages import open_home\n"}, "workbook.framework.model imports workbook.pages"),
    ({"store/base.py": "import matplotlib.pyplot\n"}, "imports matplotlib.pyplot"),
    ({"roadmap/store.py": "from nbconvert import HTMLExporter\n"}, "workbook.roadmap.store imports nbconvert"),
    ({"present/html.py": "import ipywidgets as w\n"}, "workbook.present.html imports ipywidgets"),
    ({"pages/home.py": "from .pillar import PillarPage\n", "pages/pillar.py": ""},
     "page workbook.pages.home imports page workbook.pages.pillar"),
    ({"pages/roadmap/sections.py": "from ..home import HomePage\n", "pages/home.py": ""},
     "page workbook.pages.roadmap imports page workbook.pages.home"),
    ({"exchange/package.py": "from ..roadmap.store import _Context\n", "roadmap/store.py": ""},
     "workbook.exchange.package uses private _Context of workbook.roadmap.store"),
])
def test_a_broken_layer_is_reported(tmp_path, files, expected):
    found = layer_problems(tree(tmp_path, files))
    assert any(expected in f for f in found), found


def test_what_the_layers_allow_is_not_reported(tmp_path):
    root = tree(tmp_path, {"pages/pillar.py": "from .address import page_link\nfrom .forms import PillarForm\n",
                           "pages/address.py": "", "pages/forms/__init__.py": "",
                           "pages/roadmap/page.py": "from .sections import Section\nfrom ..address import x\n",
                           "pages/roadmap/sections.py": "", "roadmap/followup.py": "from .donors import _overlap\n",
                           "roadmap/donors.py": "", "store/base.py": "from __future__ import annotations\n"})
    assert layer_problems(root) == []

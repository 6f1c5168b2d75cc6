"""pyproject.toml and environment.yml must pin the same packages at the same versions."""
import re
import tomllib

import yaml

from support import ROOT



def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pyproject_pins() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        specs += extra
    pins = {}
    for spec in specs:
        m = re.fullmatch(r"([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?==([^;\s]+)", spec.strip())
        assert m, f"pyproject.toml: {spec!r} is not pinned with =="
        pins[_norm(m[1])] = m[2]
    return pins


def _conda_pins() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pins = {}
    for dep in env["dependencies"]:
        if isinstance(dep, str) and "=" in dep and not dep.startswith("python="):
            name, version = dep.split("=", 1)
            pins[_norm(name)] = version
    return pins


def test_environment_yml_matches_pyproject():
    py, conda = _pyproject_pins(), _conda_pins()
    assert py, "no pins read from pyproject.toml"
    missing = sorted(set(py) - set(conda))
    extra = sorted(set(conda) - set(py))
    differ = {k: (py[k], conda[k]) for k in set(py) & set(conda) if py[k] != conda[k]}
    assert not missing, f"in pyproject.toml but not environment.yml: {missing}"
    assert not extra, f"in environment.yml but not pyproject.toml: {extra}"
    assert not differ, f"versions differ (pyproject, environment.yml): {differ}"


def test_framework_data_is_packaged():
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "data/*.yaml" in cfg["tool"]["setuptools"]["package-data"]["workbook"]


def test_the_given_names_list_is_packaged():
    """The mission's name check reads data/given_names.txt: the wheel must carry it."""
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "data/*.txt" in cfg["tool"]["setuptools"]["package-data"]["workbook"]
    assert (ROOT / "workbook" / "data" / "given_names.txt").is_file()

"""ruff, as configured in pyproject.toml, on the package, the tests and the benchmarks: a lint
failure fails the suite (``make test`` and CI)."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support import ROOT


def ruff() -> str:
    """The ruff beside this Python (the test extra pins it; `make test` installs it)."""
    found = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if found is None:
        pytest.fail("ruff is not installed: pip install -e '.[test]'")
    return found


def test_the_code_passes_ruff():
    out = subprocess.run([ruff(), "check", "--no-cache", "workbook", "tests", "benchmarks"], cwd=ROOT,
                         capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]


def test_ruff_is_the_pinned_version():
    version = subprocess.run([ruff(), "--version"], capture_output=True, text=True, check=True).stdout.split()[-1]
    pinned = next(line for line in (ROOT / "pyproject.toml").read_text().splitlines() if '"ruff==' in line)
    assert f"ruff=={version}" in pinned, (version, pinned)

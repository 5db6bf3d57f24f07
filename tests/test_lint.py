"""ruff over the package, tests, tools, benchmarks and the notebooks' code."""

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_check_is_clean(executable):
    ruff = executable("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed: pip install -r requirements.txt")
    result = subprocess.run([ruff, "check", "."], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr

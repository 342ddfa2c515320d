"""The tree passes ruff with the project's configuration (pyproject.toml: pyflakes, pycodestyle, import order,
bugbear; line length 120)."""
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def test_ruff_finds_nothing():
    try:
        import ruff  # noqa: F401  (only to know whether it is installed)
    except ImportError:
        pytest.skip("ruff is not installed (pip install -e .[test])")
    res = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "concise", "."],
                         capture_output=True, text=True, cwd=REPO)
    assert res.returncode == 0, f"ruff check found problems:\n{res.stdout[-6000:]}{res.stderr[-2000:]}"

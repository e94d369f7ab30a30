"""The package type-checks with mypy (skipped when mypy is not installed)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def test_mypy_accepts_package() -> None:
    pytest.importorskip("mypy", reason="mypy is not installed; pip install -e '.[test]'")
    result = subprocess.run([sys.executable, "-m", "mypy"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr

"""The code's own checks run with the suite, so CI (which runs the README's test command)
runs them too: ruff, mypy --strict and import-linter's contracts (test_architecture)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


def test_ruff_is_clean() -> None:
    res = _run("ruff", "check", "--no-cache", "src", "tests", "benchmarks", "tasks.py")
    assert res.returncode == 0, res.stdout + res.stderr


def test_mypy_strict_is_clean(tmp_path: Path) -> None:
    res = _run("mypy", "--strict", "--cache-dir", str(tmp_path / "mypy"))
    assert res.returncode == 0, res.stdout + res.stderr

"""The code's own checks run with the suite, so CI (which runs the README's test command)
runs them too: ruff, mypy --strict and import-linter's contracts (test_architecture)."""

from __future__ import annotations

import ast
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


def _sizes() -> list[str]:
    """Modules over 300 lines, classes over 150, functions over 60 without a reason
    ("Long on purpose: …") in their docstring."""
    out = []
    for path in sorted((ROOT / "src" / "triagebook").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        rel = path.relative_to(ROOT).as_posix()
        if text.count("\n") > 300:
            out.append(f"{rel}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text)):
            if not isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            size = (node.end_lineno or node.lineno) - node.lineno + 1
            limit = 150 if isinstance(node, ast.ClassDef) else 60
            why = "Long on purpose:" in (ast.get_docstring(node) or "")
            if size > limit and not why:
                out.append(f"{rel}:{node.lineno}: {node.name} is {size} lines")
    return out


def test_no_module_class_or_function_over_its_size() -> None:
    assert _sizes() == []

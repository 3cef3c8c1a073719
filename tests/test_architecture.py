"""The package's boundaries: every module imports on its own, the core stays free of
Invoke, MkDocs and rich, and the public API is what `triagebook.__all__` says."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import triagebook

PKG = Path(triagebook.__file__).resolve().parent
MODULES = sorted(
    ".".join(("triagebook", *p.relative_to(PKG).with_suffix("").parts)).removesuffix(
        ".__init__")
    for p in PKG.rglob("*.py"))
ADAPTERS = ("triagebook.tasks", "triagebook.site.plugin")
FRAMEWORKS = ("invoke", "mkdocs", "rich")


@pytest.mark.parametrize("module", MODULES)
def test_module_imports_alone(module: str) -> None:
    """A fresh interpreter per module finds import cycles that a warm one hides."""
    res = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True,
                         text=True, timeout=60)
    assert res.returncode == 0, res.stderr


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("module", [m for m in MODULES if not m.startswith(ADAPTERS)])
def test_core_knows_no_framework(module: str) -> None:
    rel = module.removeprefix("triagebook").lstrip(".").replace(".", "/")
    path = PKG / (rel + ".py") if (PKG / (rel + ".py")).is_file() else PKG / rel / "__init__.py"
    assert _imports(path).isdisjoint(FRAMEWORKS), f"{module} imports a framework"


def test_public_api_is_declared_once() -> None:
    assert sorted(triagebook.__all__) == sorted(["__version__", *triagebook._API])


def test_public_api_resolves() -> None:
    missing = [name for name in triagebook.__all__ if not hasattr(triagebook, name)]
    assert missing == []


def test_importing_the_package_loads_no_framework() -> None:
    code = ("import sys, triagebook; "
            "print(','.join(m for m in ('invoke','mkdocs','rich','jinja2') if m in sys.modules))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60)
    assert res.stdout.strip() == ""

"""The package's boundaries: every module imports on its own, the core stays free of
Invoke, MkDocs and rich, and the public API is what `triagebook.__all__` says."""

from __future__ import annotations

import ast
import re
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


def test_every_module_imports() -> None:
    """One fresh interpreter imports them all (cycles are the graph test's business)."""
    code = "import importlib, sys\nfor m in sys.argv[1:]: importlib.import_module(m)"
    res = subprocess.run([sys.executable, "-c", code, *MODULES], capture_output=True,
                         text=True, timeout=120)
    assert res.returncode == 0, res.stderr


def _graph():  # type: ignore[no-untyped-def]
    import grimp

    return grimp.build_graph("triagebook", exclude_type_checking_imports=True)


def test_no_import_cycle_anywhere() -> None:
    """No strongly connected component of modules, lazy imports included: every
    dependency has one direction (the runner's session and actions included)."""
    graph = _graph()
    adj = {m: {i for i in graph.find_modules_directly_imported_by(m) if i in graph.modules}
           for m in graph.modules}
    assert _cycles(adj) == []


def _cycles(adj: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components of more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(adj[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while (w := stack.pop()) != v:
                on.discard(w)
                comp.append(w)
            on.discard(v)
            if comp:
                found.append(sorted([v, *comp]))

    for m in sorted(adj):
        if m not in index:
            visit(m)
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def _contract() -> dict[str, object]:
    import tomllib

    root = PKG.parents[1]
    cfg = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = cfg["tool"]["importlinter"]["contracts"]
    return next(c for c in contracts if c["id"] == "layers")


def _layers() -> list[list[str]]:
    return [[p.strip() for p in str(layer).split("|")] for layer in _contract()["layers"]]


def test_import_contracts_are_kept() -> None:
    """import-linter's contracts in pyproject.toml, as CI's `lint-imports` runs them."""
    from importlinter.cli import lint_imports

    assert lint_imports(config_filename=str(PKG.parents[1] / "pyproject.toml"),
                        no_cache=True, no_logo=True) == 0


def test_every_package_sits_in_a_layer() -> None:
    placed = {name for layer in _layers() for name in layer}
    top = {m for m in MODULES if m.count(".") == 1}
    assert sorted(top - placed) == []


def layers_block() -> str:
    """The layers as architecture.md shows them, drawn from the contract."""
    lines = ["```text"]
    for n, layer in enumerate(_layers(), 1):
        names = "  |  ".join(p.removeprefix("triagebook.") for p in layer)
        lines.append(f"{n:>2}. {names}")
    lines.append("```")
    return "\n".join(lines)


def test_architecture_page_draws_the_contract() -> None:
    page = (PKG.parents[1] / "docs" / "guide" / "architecture.md").read_text(encoding="utf-8")
    begin, end = "<!-- layers:begin -->\n", "\n<!-- layers:end -->"
    shown = page[page.index(begin) + len(begin):page.index(end)]
    assert shown == layers_block(), "paste this block between the markers:\n" + layers_block()


def test_architecture_page_names_every_package() -> None:
    page = (PKG.parents[1] / "docs" / "guide" / "architecture.md").read_text(encoding="utf-8")
    top = sorted(m.removeprefix("triagebook.") for m in MODULES if m.count(".") == 1)
    assert [name for name in top if f"`{name}/`" not in page] == []


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


def _adapter_files() -> list[Path]:
    return [*sorted((PKG / "tasks").glob("*.py")), PKG / "site" / "plugin.py"]


def test_every_public_name_is_used_by_an_adapter_through_the_package() -> None:
    """The adapters are the API's first users: each public name is imported by one of
    them from `triagebook`, and none imports a public name from its inner module."""
    through_package: set[str] = set()
    behind: list[str] = []
    inner = {(m.partition(":")[0], m.partition(":")[2] or name): name
             for name, m in triagebook._API.items()}
    for path in _adapter_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or not node.module:
                continue
            for alias in node.names:
                if node.module == "triagebook":
                    through_package.add(alias.name)
                elif (node.module, alias.name) in inner:
                    behind.append(f"{path.name}:{node.lineno} {node.module}.{alias.name}")
    assert behind == []
    assert sorted(set(triagebook._API) - through_package) == []


def test_core_errors_name_parameters_not_flags() -> None:
    """Core errors carry the parameter as data (BadArgument); only adapters say `--flag`.
    (A hint at the end of a message — "rerun with --force" — names the documented
    command line and stays; the subject of an error never does.)"""
    flagged = []
    for path in sorted(PKG.rglob("*.py")):
        rel = path.relative_to(PKG).as_posix()
        if rel.startswith(("tasks/", "site/")):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id.endswith("Error") and node.args):
                first = node.args[0]
                text = first.value if isinstance(first, ast.Constant) else (
                    "".join(v.value for v in first.values if isinstance(v, ast.Constant))
                    if isinstance(first, ast.JoinedStr) else "")
                if isinstance(text, str) and re.match(r"\s*--[a-z]", text):
                    flagged.append(f"{rel}:{node.lineno}")
    assert flagged == []


def test_a_bad_argument_is_worded_by_who_shows_it() -> None:
    from triagebook.base.errors import BadArgument

    exc = BadArgument("context_file", "ctx.yaml", "not UTF-8 text (byte 3)")
    assert str(exc) == "context_file ctx.yaml: not UTF-8 text (byte 3)"
    assert exc.worded("--context-file") == "--context-file ctx.yaml: not UTF-8 text (byte 3)"


def test_public_api_resolves() -> None:
    missing = [name for name in triagebook.__all__ if not hasattr(triagebook, name)]
    assert missing == []


def test_importing_the_package_loads_no_framework() -> None:
    code = ("import sys, triagebook; "
            "print(','.join(m for m in ('invoke','mkdocs','rich','jinja2') if m in sys.modules))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60)
    assert res.stdout.strip() == ""

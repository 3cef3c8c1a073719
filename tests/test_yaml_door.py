"""One YAML door (issue 19 item 9): every YAML the project reads — runbooks,
post-mortems, context files, configuration — goes through the bounded loader, so an
alias bomb or a deep nesting is one line naming the file, never a traceback or gigabytes."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import pytest

from triagebook.base.errors import ProblemsError, UsageError
from triagebook.config import default_config, load_config
from triagebook.postmortem.check import check as check_postmortems
from triagebook.runbook.parse import parse_text
from triagebook.runner.context import read_context_file
from triagebook.site.sources import read_postmortems

SRC = Path(__file__).resolve().parents[1] / "src" / "triagebook"
BOMB = "".join(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}" if i else "x"] * 9) + "]\n"
               for i in range(9))
DEEP = "deep: " + "[" * 5000 + "]" * 5000 + "\n"
HOSTILE = pytest.mark.parametrize("yaml_text", [BOMB, DEEP], ids=["alias-bomb", "deep"])


def test_no_module_reads_yaml_around_the_door() -> None:
    """Only base/yamlsrc.py calls PyYAML's readers."""
    readers = {"load", "safe_load", "load_all", "safe_load_all", "full_load", "unsafe_load"}
    around = []
    for path in sorted(SRC.rglob("*.py")):
        if path.name == "yamlsrc.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Attribute) and node.attr in readers
                    and isinstance(node.value, ast.Name) and node.value.id == "yaml"):
                around.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert around == []


@HOSTILE
def test_runbook_front_matter(yaml_text: str) -> None:
    parsed = parse_text(f"---\n{yaml_text}---\n\n## Steps\n\n### A\n\nx\n", "runbooks/x.md", "x")
    assert parsed.runbook is None
    assert [p.code for p in parsed.problems] == ["yaml-limit"]


@HOSTILE
def test_postmortem_front_matter_in_check_and_site(tmp_path: Path, yaml_text: str) -> None:
    cfg = default_config(tmp_path)
    cfg.postmortems_dir.mkdir()
    (cfg.postmortems_dir / "INC-1.md").write_text(f"---\n{yaml_text}---\n# body\n")
    (cfg.postmortems_dir / "INC-2.md").write_text("---\nseverity: SEV3\n---\n# fine\n")
    gaps = [str(g) for g in check_postmortems(cfg, date(2026, 12, 4), 10)]
    assert gaps == ["postmortems/INC-1.md: front-matter is not valid YAML, or nests or "
                    "expands past the limits; fix it (the other post-mortems are checked)"]
    docs = read_postmortems(cfg.postmortems_dir)
    assert [(d.id, d.meta) for d in docs] == [("INC-1", {}), ("INC-2", {"severity": "SEV3"})]
    assert docs[0].body == "# body\n"


@HOSTILE
def test_context_file(tmp_path: Path, yaml_text: str) -> None:
    path = tmp_path / "ctx.yaml"
    path.write_text(yaml_text)
    with pytest.raises(UsageError) as caught:
        read_context_file(str(path))
    assert "\n" not in str(caught.value)
    assert str(path) in str(caught.value)


@HOSTILE
def test_configuration(tmp_path: Path, yaml_text: str) -> None:
    indented = "".join(f"  {line}\n" for line in yaml_text.splitlines())
    (tmp_path / "invoke.yaml").write_text(f"triagebook:\n{indented}")
    with pytest.raises(ProblemsError) as caught:
        load_config(tmp_path, strict=True)
    assert [p.code for p in caught.value.problems] == ["yaml-limit"]
    assert caught.value.problems[0].path == "invoke.yaml"
    assert [p.code for p in load_config(tmp_path).problems] == ["yaml-limit"]  # warned

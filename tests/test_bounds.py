"""Bounded work on any input: templates, YAML, patterns, special files, numeric flags.

Each repro of issue 12.6 becomes a clear error naming the file, fast, with the other
runbooks still served.
"""

from __future__ import annotations

import os
import shutil
import time
import tracemalloc
from pathlib import Path

import pytest
from conftest import FIXTURES, assert_no_traceback, inv

from triagebook.base.yamlsrc import YamlSyntaxError, load
from triagebook.runbook.templates import RenderFailure, render

BOUNDS = FIXTURES / "bounds"

HOSTILE = {
    "ten nested loops": "{% for a in [0,1,2,3,4,5,6,7,8,9] %}" * 10 + "." + "{% endfor %}" * 10,
    "percent width": "{{ '%0300000000d' % 1 }}",
    "format filter width": "{{ '%0300000000d'|format(1) }}",
    "center": "{{ 'x'|center(1000000000) }}",
    "indent": "{{ 'a\nb'|indent(1000000000) }}",
    "join": "{{ v|join('-' * 9000) }}",
    "replace": "{{ w|replace('a', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa') }}",
    "wordwrap": "{{ w|wordwrap(1, wrapstring='x' * 9000) }}",
    "ljust": "{{ 'a'.ljust(1000000000) }}",
    "str.format width": "{{ '{:>999999999}'.format(1) }}",
    "int to_bytes": "{{ (1).to_bytes(1000000000, 'big') }}",
    "batch padding": "{{ v|batch(1000000000, 0)|list }}",
    "exponential macro": ("{% macro f(n) %}{% if n %}{{ f(n-1) }}{{ f(n-1) }}{% endif %}"
                          "{% endmacro %}{{ f(60) }}"),
    "doubling with ~": "{% set x = w %}" + "{% set x = x ~ x %}" * 30 + "{{ x|length }}",
    "doubling a list": "{% set x = v %}" + "{% set x = [x, x] %}" * 30 + "{{ x }}",
    "loops over a value": "{% for a in w %}{% for b in w %}{% for c in w %}{% endfor %}"
                          "{% endfor %}{% endfor %}",
}
VALUES = {"v": ["a"] * 500, "w": "a" * 3000}


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_template_is_refused_fast_and_small(text):
    tracemalloc.start()
    t0 = time.monotonic()
    try:
        with pytest.raises(RenderFailure) as info:
            render(text, VALUES)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.monotonic() - t0 < 5
    assert peak < 32 * 1024 * 1024, f"{peak // 2**20} MB allocated before refusing"
    assert "refused" in info.value.message


def test_ordinary_templates_still_render():
    text = ("{% for s in v[:3] %}- {{ s|upper|center(5) }}\n{% endfor %}"
            "{{ '%-6s|' % 'id' }}{{ w[:3]|replace('a', 'b') }} {{ v[:2]|join(', ') }}")
    assert render(text, VALUES) == "-   A  \n-   A  \n-   A  \nid    |bbb a, a"


@pytest.fixture
def books(project: Path) -> Path:
    shutil.copy(FIXTURES / "lint" / "good.md", project / "runbooks" / "good.md")
    return project


@pytest.mark.parametrize("name,line", [("nested-loops", 14), ("percent-width", 14),
                                       ("center-width", 14)])
def test_lint_reports_a_costly_template_and_serves_the_rest(books, name, line):
    shutil.copy(BOUNDS / f"{name}.md", books / "runbooks" / f"{name}.md")
    t0 = time.monotonic()
    res = inv(books, "runbook.lint")
    assert time.monotonic() - t0 < 30
    assert res.returncode == 1
    assert f"runbooks/{name}.md:{line}: template-budget: step 1 'One': this template would " \
           f"cost too much to render" in res.stdout
    assert "lint: 2 runbook files, 1 error" in res.stdout
    assert inv(books, "runbook.show", "good").returncode == 0


def test_a_loop_bomb_fed_by_a_value_is_refused_at_run_time(books):
    shutil.copy(BOUNDS / "loops-on-a-value.md", books / "runbooks" / "loops.md")
    t0 = time.monotonic()
    res = inv(books, "runbook.run", "loops", "--incident", "INC-L", "--context",
              "window=" + "x" * 200, input="run\nq\n")
    assert time.monotonic() - t0 < 30
    assert res.returncode == 0, res.stderr
    assert_no_traceback(res)
    assert ("note: this step is shown as written, its placeholders unfilled: refused, over "
            "the template budget: more than 100000 loop iterations and calls "
            "(runbooks/loops.md:16)") in res.stdout
    assert "cannot run: refused, over the template budget" in res.stdout


# ---- YAML ------------------------------------------------------------------------------

def test_alias_bomb_is_refused_at_once_naming_the_file(books):
    shutil.copy(BOUNDS / "alias-bomb.md", books / "runbooks" / "bomb.md")
    t0 = time.monotonic()
    res = inv(books, "runbook.lint")
    assert time.monotonic() - t0 < 30
    assert ("runbooks/bomb.md:2: yaml-limit: front-matter is refused: aliases (*name) expand "
            "it to more than 10000 values; write the values out instead") in res.stdout
    assert "lint: 2 runbook files, 1 error" in res.stdout


@pytest.mark.parametrize("depth", [5000, 50_000])
@pytest.mark.parametrize("shape", ["flow", "block"])
def test_deep_nesting_is_refused_before_composing(books, depth, shape):
    if shape == "flow":
        fm = "title: " + "[" * depth + "]" * depth + "\n"
    else:  # compact nested sequences: one level per "- "
        fm = "title:\n" + "- " * depth + "x\n"
    (books / "runbooks" / "deep.md").write_text(f"---\n{fm}---\n# D\n")
    res = inv(books, "runbook.lint")
    assert res.returncode == 1, res.stderr  # not -11: no segfault
    assert_no_traceback(res)
    assert "runbooks/deep.md:" in res.stdout
    assert ": yaml-limit: front-matter is refused: nested more than 64 levels deep" in res.stdout


def test_ordinary_anchors_and_depth_still_load():
    doc = load("base: &b {x: 1}\nmore: {<<: *b, y: 2}\nctx:\n  a:\n    b:\n      c: [1, [2, [3]]]\n")
    assert doc.data == {"base": {"x": 1}, "more": {"x": 1, "y": 2},
                        "ctx": {"a": {"b": {"c": [1, [2, [3]]]}}}}
    with pytest.raises(YamlSyntaxError):
        load("x: [" * 70 + "]" * 70)


# ---- patterns ----------------------------------------------------------------------------

def test_catastrophic_pattern_does_not_hang_lint(books):
    for name in ("slow-pattern", "nested-pattern"):
        shutil.copy(BOUNDS / f"{name}.md", books / "runbooks" / f"{name}.md")
    t0 = time.monotonic()
    res = inv(books, "runbook.lint")
    assert time.monotonic() - t0 < 30
    assert ("runbooks/slow-pattern.md:10: slow-pattern: context.code.pattern: '^(a|a)*$' took "
            "more than 0.1 s on the example") in res.stdout
    assert "runbooks/nested-pattern.md:11: example-mismatch" in res.stdout


def test_a_value_that_makes_a_pattern_backtrack_is_one_line(books):
    text = (BOUNDS / "slow-pattern.md").read_text().replace(
        "    example: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!\n", "")
    (books / "runbooks" / "slow.md").write_text(text)
    res = inv(books, "runbook.run", "slow", "--incident", "INC-P", "--context",
              "code=" + "a" * 40 + "!", input="q\n")
    assert res.returncode == 1
    assert res.stderr.strip() == ("runbooks/slow.md: context.code.pattern '^(a|a)*$' takes more "
                                  "than 0.1 s on this value (it backtracks exponentially); fix "
                                  "the pattern (inv runbook.lint)")


# ---- special files -------------------------------------------------------------------------

def test_runbooks_folder_that_is_a_symlink_loop(project):
    (project / "runbooks").rmdir()
    os.symlink("runbooks", project / "runbooks")
    res = inv(project, "runbook.lint", timeout=20)
    assert res.returncode == 1
    assert res.stderr.strip() == ("runbooks folder runbooks: cannot open it: Too many levels "
                                  "of symbolic links")


@pytest.mark.parametrize("kind", ["dev-zero", "fifo", "loop"])
def test_a_runbook_that_is_not_a_file_is_one_problem(books, kind):
    path = books / "runbooks" / "x.md"
    if kind == "dev-zero":
        os.symlink("/dev/zero", path)
        why = "not a regular file (a device)"
    elif kind == "fifo":
        os.mkfifo(path)
        why = "not a regular file (a FIFO)"
    else:
        os.symlink("x.md", path)
        why = "Too many levels of symbolic links"
    res = inv(books, "runbook.lint", timeout=20)
    assert f"runbooks/x.md: unreadable: cannot read the file: {why}" in res.stdout
    assert "lint: 2 runbook files, 1 error" in res.stdout
    assert inv(books, "runbook.show", "good", timeout=20).returncode == 0


@pytest.fixture
def demo(project: Path) -> Path:
    shutil.copy(FIXTURES / "runner" / "demo.md", project / "runbooks" / "demo.md")
    return project


@pytest.mark.parametrize("target,why", [
    ("/dev/zero", "cannot read: not a regular file (a device)"),
    ("fifo", "cannot read: not a regular file (a FIFO)"),
    ("missing.yaml", "cannot read: No such file or directory"),
])
def test_context_file_that_is_not_a_file(demo, target, why):
    if target == "fifo":
        os.mkfifo(demo / "fifo")
    res = inv(demo, "runbook.run", "demo", "--context-file", target, input="q\n", timeout=20)
    assert res.returncode == 1
    assert res.stderr.strip() == f"--context-file {target}: {why}"


def test_context_file_errors_never_quote_the_file(demo):
    (demo / "shadow").write_text(
        "root:$6$Zq8mW2vR$hJ9xLp2QvR5tKd7mW3nB8cF1gH4jK6lM0pQ2rS5tU7vW9xY1zA3bC5dE7fG9hJ:"
        "19000:0:99999:7:::\n  daemon: [*:19000:0:99999:7:::\n")
    res = inv(demo, "runbook.run", "demo", "--context-file", "shadow", input="q\n")
    assert res.returncode == 1
    assert res.stderr.strip() == ("--context-file shadow:2: not valid YAML; expected NAME: VALUE "
                                  "lines")


@pytest.mark.skipif(not os.access("/etc/shadow", os.R_OK), reason="/etc/shadow not readable")
def test_etc_shadow_as_context_file_shows_no_content(demo):
    res = inv(demo, "runbook.run", "demo", "--context-file", "/etc/shadow", input="q\n")
    assert res.returncode == 1
    assert len(res.stderr.strip().splitlines()) == 1
    content = Path("/etc/shadow").read_text(errors="replace")
    words = {w for line in content.splitlines() for w in line.split(":") if len(w) >= 4}
    assert not [w for w in words if w in res.stderr + res.stdout]


# ---- numeric flags ---------------------------------------------------------------------------

FLAGS = [
    (("runbook.match", "token", "--limit"), "--limit", "a whole number"),
    (("escalation.watch", "--count", "1", "--interval"), "--interval", "a number"),
    (("postmortem.check", "--max-draft-days"), "--max-draft-days", "a whole number"),
    (("runbook.run", "demo", "--command-timeout"), "--command-timeout", "a number"),
]


@pytest.mark.parametrize("value", ["abc", "nan", "inf", "-1"])
@pytest.mark.parametrize("args,flag,kind", FLAGS, ids=[f[1] for f in FLAGS])
def test_numeric_flags_refuse_what_is_not_a_number(demo, args, flag, kind, value):
    res = inv(demo, *args, value, input="q\n")
    assert res.returncode == 1
    assert_no_traceback(res)
    line = res.stderr.strip()
    assert "\n" not in line and line.startswith(f"{flag}: expected ") and f"'{value}'" in line
    if value == "abc":
        assert line == f"{flag}: expected {kind} but received 'abc'"


def test_command_output_with_markup_is_shown_literally_in_a_terminal():
    import io

    from rich.console import Console

    from triagebook.tasks.ui import RichUI

    ui = RichUI()
    ui.console = Console(file=io.StringIO(), force_terminal=False, width=120)
    ui.output("closing [/] and [bold]styled[/bold] and [REDACTED:api_token]")
    shown = ui.console.file.getvalue()
    assert "closing [/] and [bold]styled[/bold] and [REDACTED:api_token]" in shown

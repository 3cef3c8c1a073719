"""Every lint case of the foundation issue: code and line, one fixture file each."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from conftest import FIXTURES

from triagebook.config import default_config
from triagebook.runbook.catalog import load_catalog
from triagebook.runbook.lint import lint

TODAY = date(2026, 11, 22)

CASES = [
    # fixture, code, line, level
    ("empty-file.md", "empty-file", 1, "error"),
    ("not-utf8.md", "not-utf8", 2, "error"),
    ("unclosed-front-matter.md", "unclosed-front-matter", 1, "error"),
    ("no-front-matter.md", "no-front-matter", 1, "error"),
    ("front-matter-not-mapping.md", "front-matter-not-mapping", 2, "error"),
    ("yaml-syntax.md", "yaml-syntax", 4, "error"),
    ("missing-field.md", "missing-field", 1, "error"),
    ("wrong-type.md", "wrong-type", 7, "error"),
    ("recursive-alias.md", "wrong-type", 7, "error"),  # never a RecursionError
    ("bad-severity.md", "bad-value", 3, "error"),
    ("bad-escalation.md", "bad-value", 7, "error"),
    ("bad-pattern.md", "bad-pattern", 9, "error"),
    ("unknown-related.md", "unknown-related", 7, "error"),
    ("no-steps.md", "no-steps", 8, "error"),
    ("undeclared-placeholder.md", "undeclared-placeholder", 15, "error"),
    ("template-syntax.md", "template-syntax", 17, "error"),
    ("sandbox-forbidden.md", "sandbox-forbidden", 15, "error"),
    ("unknown-field.md", "unknown-field", 7, "error"),
    ("duplicate-key.md", "duplicate-key", 7, "error"),
    ("stale-review.md", "stale-review", 7, "warning"),
    ("unused-context.md", "unused-context", 8, "warning"),
    ("destructive-not-shell.md", "destructive-not-shell", 14, "warning"),
    ("destructive-norun.md", "destructive-norun", 14, "warning"),
    ("unknown-fence-word.md", "unknown-fence-word", 14, "warning"),
    ("secret-in-single-quotes.md", "secret-in-single-quotes", 20, "warning"),
    ("list-step-indent.md", "list-step-indent", 20, "warning"),
]


def run_lint(tmp_path: Path, *names: str) -> list:
    folder = tmp_path / "runbooks"
    folder.mkdir(exist_ok=True)
    for name in ("good.md", *names):
        src = FIXTURES / "lint" / name
        dest = folder / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(src, dest)
    return lint(load_catalog(default_config(tmp_path), use_cache=False), TODAY)


@pytest.mark.parametrize("fixture,code,line,level", CASES, ids=[c[0] for c in CASES])
def test_each_case_reports_code_and_line(tmp_path, fixture, code, line, level):
    problems = run_lint(tmp_path, fixture)
    mine = [p for p in problems if p.path.endswith(fixture)]
    assert {(p.code, p.line, p.level) for p in mine if p.code == code} == {(code, line, level)}, mine
    # The good runbook is never hidden by the bad one.
    assert not [p for p in problems if p.path.endswith("good.md")]


def test_message_names_key_expected_and_received(tmp_path):
    (p,) = [p for p in run_lint(tmp_path, "bad-severity.md") if p.code == "bad-value"]
    assert str(p) == ("runbooks/bad-severity.md:3: bad-value: severity: expected one of "
                      "SEV1, SEV2, SEV3, SEV4 but received 'SEV9'")


def test_unknown_field_suggests_the_right_name(tmp_path):
    (p,) = [p for p in run_lint(tmp_path, "unknown-field.md") if p.code == "unknown-field"]
    assert "did you mean 'severity'" in p.message


def test_misspelt_destructive_is_caught_with_the_right_word(tmp_path):
    (p,) = [p for p in run_lint(tmp_path, "unknown-fence-word.md")
            if p.code == "unknown-fence-word"]
    assert "'destructve' means nothing to the runner" in p.message
    assert "did you mean 'destructive'" in p.message


def test_sandbox_case_names_the_attribute(tmp_path):
    found = [p for p in run_lint(tmp_path, "sandbox-forbidden.md") if p.code == "sandbox-forbidden"]
    assert any("__class__" in p.message for p in found)
    assert any("__subclasses__" in p.message for p in found)


def test_duplicate_ids_across_folders(tmp_path):
    problems = run_lint(tmp_path, "dup1/twin.md", "dup2/twin.md")
    (p,) = [p for p in problems if p.code == "duplicate-id"]
    assert p.path == "runbooks/dup2/twin.md" and p.line == 1
    assert "runbooks/dup1/twin.md" in p.message


def test_class_overlap_is_a_warning_on_both(tmp_path):
    problems = run_lint(tmp_path, "class-overlap-a.md", "class-overlap-b.md")
    found = sorted((p.path, p.line) for p in problems if p.code == "class-overlap")
    assert found == [("runbooks/class-overlap-a.md", 4), ("runbooks/class-overlap-b.md", 4)]
    assert all(p.level == "warning" for p in problems if p.code == "class-overlap")


def test_unreadable_file(tmp_path):
    folder = tmp_path / "runbooks"
    folder.mkdir()
    shutil.copy(FIXTURES / "lint" / "good.md", folder / "good.md")
    (folder / "gone.md").symlink_to(tmp_path / "missing-target.md")
    problems = lint(load_catalog(default_config(tmp_path), use_cache=False), TODAY)
    assert [(p.path, p.code) for p in problems] == [("runbooks/gone.md", "unreadable")]


def test_all_bad_fixtures_together_hide_nothing(tmp_path):
    names = [c[0] for c in CASES]
    problems = run_lint(tmp_path, *names)
    for fixture, code, line, _ in CASES:
        assert any(p.path.endswith(fixture) and p.code == code and p.line == line
                   for p in problems), fixture
    cat = load_catalog(default_config(tmp_path), use_cache=False)
    assert "good" in cat.runbooks


def test_cache_gives_identical_results_and_notices_edits(tmp_path):
    names = [c[0] for c in CASES]
    cold = run_lint(tmp_path, *names)
    cfg = default_config(tmp_path)
    load_catalog(cfg, use_cache=True)
    warm = lint(load_catalog(cfg, use_cache=True), TODAY)
    assert warm == cold
    (tmp_path / "runbooks" / "good.md").write_text("", encoding="utf-8")
    edited = lint(load_catalog(cfg, use_cache=True), TODAY)
    assert any(p.path == "runbooks/good.md" and p.code == "empty-file" for p in edited)


def test_corrupt_cache_is_ignored(tmp_path):
    run_lint(tmp_path)
    cfg = default_config(tmp_path)
    load_catalog(cfg, use_cache=True)
    (cfg.cache_dir / "parse.json").write_text("{not json", encoding="utf-8")
    assert "good" in load_catalog(cfg, use_cache=True).runbooks


def test_credential_shaped_context_that_is_not_secret_is_a_warning(tmp_path):
    problems = run_lint(tmp_path, "credential-not-secret.md")
    found = sorted((p.line, p.message) for p in problems if p.code == "credential-not-secret")
    assert [line for line, _ in found] == [8, 10]
    assert "the name says credential but is not secret: true" in found[0][1]
    assert "its example looks like a credential (url-password)" in found[1][1]
    assert "Adm1n-Pr0d-2026" not in found[1][1]


def test_yaml_merge_keys_and_anchors_are_read_as_yaml_means_them(tmp_path):
    problems = run_lint(tmp_path, "merge-keys.md")
    assert [p for p in problems if p.path.endswith("merge-keys.md")] == []
    cat = load_catalog(default_config(tmp_path), use_cache=False)
    zone = cat.runbooks["merge-keys"].var("zone")
    assert zone is not None and (zone.description, zone.example) == ("which zone", "eu-north-1")


@pytest.mark.parametrize("block, warned", [
    ("curl -H 'Authorization: Bearer {{ api_token }}' x", True),
    ("curl -H \"Authorization: Bearer {{ api_token }}\" x", False),
    ("echo don\\'t {{ api_token }}", False),  # an escaped quote opens nothing
    ("cat <<'EOF'\nkey={{ api_token }}\nEOF", True),  # a quoted here-document
    ("cat <<EOF\nit's {{ api_token }}\nEOF", False),  # expanded; its ' is text
    ("# don't {{ api_token }}\necho ok", False),  # a comment runs nothing
    ("echo \"it's {{ api_token }}\"", False),
    ("echo '{{ namespace }}' {{ api_token }}", False),  # not a secret in the quotes
    ("cat <<< 'x'\necho \"{{ api_token }}\"", False),  # a here-string is no here-document
    ("cat <<< '{{ api_token }}'", True),
    ("echo \"$(echo '{{ api_token }}')\"", True),  # quotes inside "$( … )" are quotes
    ("echo \"`echo '{{ api_token }}'`\"", True),
    ("echo $((1<<2))\necho '{{ api_token }}'", True),  # a shift, not a here-document
    ("cat <<E'OF'\n{{ api_token }}\nEOF", True),  # a partly quoted delimiter
    ("echo $'it\\'s' {{ api_token }}", False),  # $'…' ends where bash ends it
    ("echo '{% raw %}{{ api_token }}{% endraw %}'", False),  # raw: no placeholder
    ("(( x = 1<<2 ))\necho '{{ api_token }}'", True),  # a shift in (( )), no here-doc
    ("echo \"{{ api_token | replace('\"', '') }}\" '{{ api_token }}'", True),
])
def test_a_secret_in_single_quotes_is_warned_where_the_shell_would_not_expand_it(
        tmp_path, block, warned):
    text = (FIXTURES / "lint" / "secret-in-single-quotes.md").read_text()
    head = text[:text.index("```sh\n") + len("```sh\n")]
    body = head.replace("    secret: true\n", "    secret: true\n  namespace: {}\n") \
        + block + "\n```\n"
    (tmp_path / "runbooks").mkdir()
    (tmp_path / "runbooks" / "q.md").write_text(body)
    problems = lint(load_catalog(default_config(tmp_path), use_cache=False), TODAY)
    assert [p.code == "secret-in-single-quotes" for p in problems].count(True) == int(warned)


def test_the_parse_cache_is_keyed_by_all_the_code_that_parses():
    """A cached parse must never outlive the code that made it: every triagebook module
    that parsing loads lies in a package whose code keys the cache (a fresh interpreter
    imports the parser and lists them)."""
    import subprocess
    import sys

    from triagebook.runbook.cache import SHAPERS

    probe = ("import sys, triagebook.runbook.parse as p; "
             "p.parse_text(open(sys.argv[1]).read(), 'x', 'x'); "
             "print('\\n'.join(m for m in sys.modules if m.startswith('triagebook.')))")
    loaded = subprocess.run([sys.executable, "-c", probe, str(FIXTURES / "lint" / "good.md")],
                            capture_output=True, text=True, check=True).stdout.split()
    assert loaded
    assert sorted({m.split(".")[1] for m in loaded} - set(SHAPERS)) == []


def test_the_quote_scan_is_linear():
    """A generated block of thousands of quoted secret placeholders: 16x the lines cost
    about 16x, not 256x (each placeholder was checked against every quoted span)."""
    import time

    from triagebook.runbook.parse import parse_text
    from triagebook.runbook.quoting import secrets_in_single_quotes

    text = (FIXTURES / "lint" / "secret-in-single-quotes.md").read_text()
    head = text[:text.index("```sh\n") + len("```sh\n")]

    def cost(n: int) -> float:
        rb = parse_text(head + "echo 'a' '{{ api_token }}'\n" * n + "```\n", "q.md", "q").runbook
        assert rb is not None
        best = float("inf")
        for _ in range(3):
            t0 = time.process_time()
            found = secrets_in_single_quotes(rb)
            best = min(best, time.process_time() - t0)
        assert len(found) == n
        return best

    assert cost(4000) / max(cost(250), 1e-4) < 64


@pytest.mark.parametrize("steps, line", [
    ("1. **A.** x\n\n    ```sh\n    ls\n    ```\n\n2. **B.** y\n", 0),
    ("1. **A.** x\n   ```sh\n   ls\n   ```\n2. **B.** y\n", 0),  # right under its line
    (" 1. **A.** x\n\n    ```sh\n    ls\n    ```\n\n 2. **B.** y\n", 0),  # marker at 1
    ("10. **A.** x\n\n    ```sh\n    ls\n    ```\n\n11. **B.** y\n", 0),
    ("1. **A.** x\n\n   ```sh\n   ls\n   ```\n\n2. **B.** y\n", 14),
    ("1. **A.** x\n\n    ```sh\n    ls\n   ```\n\n2. **B.** y\n", 16),  # its closing line
    ("1. ```sh\n   ls\n   ```\n2. **B.** y\n", 12),  # a fence on the marker's line
    ("1. **A.** x\n   - one\n   - two\n2. **B.** y\n", 13),  # bullets become steps
    ("1. **A.** x\n\n    para\n\n   para\n\n2. **B.** y\n", 16),
])
def test_list_step_indent_follows_what_the_site_renders(tmp_path, steps, line):
    """Each case checked against Python-Markdown with the site's extensions."""
    head = (FIXTURES / "lint" / "list-step-indent.md").read_text()
    text = head[:head.index("## Steps\n") + len("## Steps\n\n")] + steps
    (tmp_path / "runbooks").mkdir()
    (tmp_path / "runbooks" / "l.md").write_text(text)
    problems = lint(load_catalog(default_config(tmp_path), use_cache=False), TODAY)
    assert [p.line for p in problems if p.code == "list-step-indent"] == ([line] if line else [])

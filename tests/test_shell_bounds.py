"""Command output is bounded per line and per command (issue 26): a 20 MB line is kept as
its head and tail with what was left out said, the whole size recorded, `truncated`
set; a token cut at an edge is dropped whole, never kept half."""

from __future__ import annotations

import os

import pytest

from triagebook.base.redaction import Redactor
from triagebook.runner.shell import LINE_KEEP, run_shell


def run(command: str) -> tuple[object, list[str]]:
    shown: list[str] = []
    res = run_shell(command, "bash", {}, os.getcwd(), 60.0, Redactor({}), shown.append)
    return res, shown


def test_a_20_mb_line_is_kept_bounded_with_its_size():
    res, shown = run("head -c 20000000 /dev/zero | tr '\\0' 'a'; echo; echo after")
    assert res.exit_code == 0
    assert res.truncated is True
    assert len(res.output) < 4 * LINE_KEEP
    assert "[... output truncated: 20000007 bytes in all ...]" in res.output
    assert shown[-1] == "after"


def test_a_long_line_of_words_keeps_its_head_and_tail():
    res, _ = run("python3 -c \"print('start ' + 'word ' * 100000 + 'end')\"")
    line = res.output.splitlines()[0]
    assert line.startswith("start word ")
    assert line.endswith(" word end")
    assert "bytes of this line left out ...]" in line


def test_a_token_cut_at_the_edge_is_dropped_whole():
    secret = "AKIAIOSFODNN7EXAMPLE"
    filler = "x" * (LINE_KEEP - 10)  # the key straddles the head's edge
    res, _ = run(f"python3 -c \"print('{filler} {secret}' + ' w' * 5000)\"")
    assert "AKIA" not in res.output
    assert secret[:6] not in res.output


def test_short_output_is_whole_and_not_truncated():
    res, _ = run("printf 'one\\ntwo\\n'")
    assert res.output == "one\ntwo"
    assert res.truncated is False


@pytest.mark.parametrize("command, output", [
    ("yes | head -n 3\necho ok", "y\ny\ny\nok"),
    ("seq 100000 | grep -q 5\necho after", "after"),
])
def test_a_reader_that_stops_early_is_not_a_failure(command: str, output: str) -> None:
    """Issue 26 item 7: `| head` ends the writer with SIGPIPE (141); the pipeline did
    what it was asked, so a diagnostic block neither fails nor names the line."""
    res = run_shell(command, "sh", {}, ".", 30, Redactor({}), lambda line: None, strict=False)
    assert res.exit_code == 0
    assert res.failed_lines == ()
    assert res.output == output


def test_a_real_failure_beside_sigpipe_still_fails() -> None:
    res = run_shell("yes | head -n 1\nfalse | cat\necho end", "sh", {}, ".", 30,
                    Redactor({}), lambda line: None, strict=False)
    assert res.exit_code == 1
    assert res.failed_lines == (2,)


def test_the_timeout_holds_while_hostile_output_is_redacted() -> None:
    """Issue 26 item 1: a flood of one long line of token prefixes (86 s of redaction
    before) no longer delays the timeout — measured against the same timeout on a quiet
    command, not against a wall-clock ceiling."""
    quiet = run_shell("sleep 30", "sh", {}, ".", 1.0, Redactor({}), lambda line: None)
    # python writes the 20 MB line at once (sed would hold it until the line ends)
    flood = run_shell("python3 -c \"import sys; sys.stdout.write('AKIA' * 5000000)\"; "
                      "sleep 30", "sh", {}, ".", 1.0, Redactor({}), lambda line: None)
    assert quiet.timed_out
    assert flood.timed_out
    assert flood.duration_s < 3 * quiet.duration_s
    assert flood.truncated


def test_a_strict_block_stops_at_a_reader_that_stopped_early_and_says_why() -> None:
    """errexit cannot tell a writer that died of SIGPIPE (`| head` had enough) from a
    failure, and a strict block keeps errexit (a trap in its place would be undone by the
    block's own `trap … ERR` or `set +e`): it stops there, and the outcome says why and
    what to write."""
    from triagebook.incident.events import Command

    res = run_shell("echo one\nyes | head -n 1\necho never", "sh", {}, ".", 30, Redactor({}),
                    lambda line: None, strict=True)
    assert res.output == "one\ny"
    assert res.exit_code == 141
    assert res.failed_line == 2
    said = Command(exit_code=141, failed_line=2, failed_command="yes | head -n 1").outcome()
    assert said == ("exit 141 at line 2: yes | head -n 1 (SIGPIPE: a reader such as "
                    "`| head` stopped early; in a strict block end the line with `|| true`)")


@pytest.mark.parametrize("command, code, line, output", [
    ("echo one\nfalse | cat\necho never", 1, 2, "one"),
    ("echo y\nexit 3\necho never", 3, None, "y"),
    ("f() { false; echo in-f; }\nf\necho never", 1, 1, ""),
    ("( false; echo in-sub )\necho never", 1, 1, ""),
    ("false || echo handled\nif false; then :; fi\nfalse && echo no\necho on\nfalse\necho never",
     1, 5, "handled\non"),
    # the block's own ERR trap, `set +e`, a read-only variable: errexit's own rules
    ("trap 'echo cleanup' ERR\nfalse\necho never", 1, None, "cleanup"),
    ("set +e\nfalse\necho tolerated", 0, None, "tolerated"),
    ("exec 2>/dev/null\nreadonly R=1\nR=2\necho never", 1, None, ""),
])
def test_a_strict_block_still_stops_where_errexit_stops(command: str, code: int,
                                                        line: int | None, output: str) -> None:
    res = run_shell(command, "sh", {}, ".", 30, Redactor({}), lambda line: None, strict=True)
    assert res.output == output
    assert res.exit_code == code
    assert res.failed_line == line

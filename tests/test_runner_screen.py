"""What a responder's terminal shows: data never steers it, commands copy whole.

Real pseudo-terminals (pexpect) at 80 columns, and a real terminal emulator (tmux)
whose screen is read back the way a copy would read it.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pexpect
import pytest
from conftest import FIXTURES

SGR = re.compile(r"\x1b\[[0-9;]*m")  # colours and bold: what rich itself sends
LONG_ID = "INC-20261122-0214-k3fz-with-a-long-suffix-to-pass-80-columns"
LONG_URL = ("https://api.internal.example/v1/servers/srv-0123456789abcdef/allocations"
            "?include=history&limit=50&region=eu-north-1")


@pytest.fixture
def proj(project: Path) -> Path:
    shutil.copy(FIXTURES / "runner" / "tty.md", project / "runbooks" / "tty.md")
    return project


def spawn(root: Path, incident: str, cols: int = 80) -> pexpect.spawn:
    env = {**os.environ, "TERM": "xterm", "COLUMNS": str(cols), "TRIAGEBOOK_OPERATOR": "carol"}
    return pexpect.spawn(sys.executable, ["-m", "invoke", "runbook.run", "tty", "--incident",
                                          incident], cwd=str(root), env=env,
                         dimensions=(50, cols), timeout=20, encoding="utf-8",
                         codec_errors="replace")


def transcript(child: pexpect.spawn) -> str:
    child.expect(pexpect.EOF)
    child.close()
    return child.before


def events(root: Path, iid: str) -> list[dict]:
    path = root / "incidents" / iid / "events.jsonl"
    return [json.loads(x) for x in path.read_text().splitlines() if x.strip()]


def walk_to_step(child: pexpect.spawn, n: int) -> None:
    child.expect("tb> ")
    for _ in range(n - 1):
        child.sendline("next")
        child.expect("tb> ")


def test_hostile_output_is_shown_escaped_and_recorded_escaped(proj):
    child = spawn(proj, "INC-O")
    walk_to_step(child, 2)
    child.sendline("run")
    child.expect(r"\[y/N\] ")
    child.sendline("y")
    child.expect("recorded")
    child.expect("tb> ")
    child.sendline("quit")
    assert "Traceback" not in transcript(child)
    (cmd,) = [e for e in events(proj, "INC-O") if e["type"] == "command"]
    assert cmd["data"]["output"] == r"[/]\x1b]0;pwned\x07\x1b[2J\x1b[5;5Hmoved"
    assert cmd["data"]["exit_code"] == 0  # printed, not crashed: [/] is no markup error


def test_hostile_output_never_reaches_the_terminal_as_control_codes(proj):
    child = spawn(proj, "INC-O2")
    screen: list[str] = []
    child.logfile_read = _Sink(screen)
    walk_to_step(child, 2)
    child.sendline("run")
    child.expect(r"\[y/N\] ")
    child.sendline("y")
    child.expect("tb> ")
    child.sendline("quit")
    transcript(child)
    raw = "".join(screen)
    assert "\x1b]0;pwned" not in raw  # no window-title change
    assert "\x1b[2J" not in raw  # no clear screen
    assert "\x1b[5;5H" not in raw  # no cursor move
    assert r"│ [/]\x1b]0;pwned\x07\x1b[2J\x1b[5;5Hmoved" in SGR.sub("", raw)  # shown, spelled out


class _Sink:
    def __init__(self, into: list[str]) -> None:
        self.into = into

    def write(self, data: str) -> None:
        self.into.append(data)

    def flush(self) -> None:
        pass


def test_markup_in_titles_and_values_is_shown_as_written_and_resume_works(proj):
    for attempt in ("first", "resume"):
        child = spawn(proj, "INC-M", cols=200)
        screen: list[str] = []
        child.logfile_read = _Sink(screen)
        child.expect("tb> ")
        if attempt == "first":
            child.sendline("done")
            child.expect("tb> ")
            child.sendline("back")
            child.expect("tb> ")
        child.sendline("quit")
        transcript(child)
        text = SGR.sub("", "".join(screen))
        assert "Traceback" not in text, attempt
        if attempt == "first":
            assert "step 1/3 [done] · Wait on [bold]plain [/x] label[/bold] · tty" in text
            assert "with tty: Terminal trials [/x]" in text
        else:
            assert "resuming INC-M" in text
            assert "label = plain [/x] label   (from the incident)" in text


def test_at_80_columns_commands_and_the_resume_hint_are_never_broken(proj):
    child = spawn(proj, LONG_ID, cols=80)
    screen: list[str] = []
    child.logfile_read = _Sink(screen)
    walk_to_step(child, 3)
    child.sendline("run")
    child.expect(r"\[y/N\] ")
    child.sendline("n")
    child.expect("tb> ")
    child.sendline("quit")
    transcript(child)
    lines = SGR.sub("", "".join(screen)).split("\r\n")
    command = f"echo '{LONG_URL}'"
    # the step shows the command, 'run' shows it again: each time one whole line
    assert sum(line == command for line in lines) == 2, lines
    assert f"inv runbook.run tty --incident {LONG_ID}" in lines
    header = next(line for line in lines if "step 3/3" in line)
    assert "SEV2" in header and re.search(r"\+\d\d:\d\d:\d\d", header), header
    assert len(header) <= 80


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux not installed (.ci/run installs it)")
def test_in_a_real_80_column_terminal_a_copy_gives_the_whole_command(proj):
    sock = f"tb-{uuid.uuid4().hex[:8]}"
    env = {"PYTHONPATH": os.environ.get("PYTHONPATH", ""), "TRIAGEBOOK_OPERATOR": "carol",
           "PATH": os.environ["PATH"]}
    cmd = (f"cd {shlex.quote(str(proj))} && env {' '.join(f'{k}={shlex.quote(v)}' for k, v in env.items())} "
           f"{shlex.quote(sys.executable)} -m invoke runbook.run tty --incident {LONG_ID}; "
           f"echo EXITED; sleep 60")
    tmux = ["tmux", "-L", sock, "-f", "/dev/null"]
    subprocess.run([*tmux, "new-session", "-d", "-x", "80", "-y", "60", "-s", "t", cmd],
                   check=True)
    try:
        def screen() -> str:
            # -J joins lines the terminal wrapped itself: exactly what a copy would join
            return subprocess.run([*tmux, "capture-pane", "-p", "-J", "-S", "-", "-t", "t"],
                                  capture_output=True, text=True, check=True).stdout

        def wait_for(text: str, count: int = 1) -> str:
            deadline = time.time() + 20
            while time.time() < deadline:
                shown = screen()
                if shown.count(text) >= count:
                    return shown
                time.sleep(0.2)
            raise AssertionError(f"never saw {text!r}:\n{screen()}")

        def keys(text: str) -> None:
            subprocess.run([*tmux, "send-keys", "-t", "t", text, "Enter"], check=True)

        wait_for("tb> ")
        keys("next")
        wait_for("tb> ", 2)
        keys("next")
        wait_for("tb> ", 3)
        keys("run")
        wait_for("[y/N]")
        keys("n")
        wait_for("not run")
        keys("quit")
        shown = wait_for("EXITED")
    finally:
        subprocess.run([*tmux, "kill-server"], check=False)
    rows = [row.rstrip() for row in shown.splitlines()]
    assert rows.count(f"echo '{LONG_URL}'") == 2, shown
    assert f"inv runbook.run tty --incident {LONG_ID}" in rows, shown


def test_at_80_columns_the_header_keeps_incident_severity_and_elapsed_time(proj):
    child = spawn(proj, "INC-20261122-0214-k3fz", cols=80)  # a generated id's length
    screen: list[str] = []
    child.logfile_read = _Sink(screen)
    walk_to_step(child, 3)
    child.sendline("quit")
    transcript(child)
    lines = SGR.sub("", "".join(screen)).split("\r\n")
    header = next(line for line in lines if "step 3/3" in line)
    assert len(header) <= 80, header
    assert re.search(r"· INC-20261122-0214-k3fz · SEV2 · \+\d\d:\d\d:\d\d ─+$", header), header

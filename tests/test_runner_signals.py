"""Ctrl-C, SIGTERM and SIGHUP in a real pseudo-terminal: the command stops, the ledger tells.

Each session runs `inv runbook.run` under pexpect (or a bare pty where the terminal
itself must vanish), as a responder's terminal would run it.
"""

from __future__ import annotations

import json
import os
import pty
import re
import select
import shutil
import signal
import sys
import time
from pathlib import Path

import pexpect
import pytest
from conftest import FIXTURES


@pytest.fixture
def proj(project: Path) -> Path:
    shutil.copy(FIXTURES / "runner" / "tty.md", project / "runbooks" / "tty.md")
    return project


def spawn(root: Path, incident: str, cols: int = 80) -> pexpect.spawn:
    env = {**os.environ, "TERM": "xterm", "COLUMNS": str(cols), "TRIAGEBOOK_OPERATOR": "carol"}
    child = pexpect.spawn(sys.executable, ["-m", "invoke", "runbook.run", "tty", "--incident",
                                           incident], cwd=str(root), env=env,
                          dimensions=(50, cols), timeout=20, encoding="utf-8",
                          codec_errors="replace")
    child.expect("tb> ")
    return child


def finish(child: pexpect.spawn) -> int:
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus if child.exitstatus is not None else 128 + child.signalstatus


def events(root: Path, iid: str) -> list[dict]:
    path = root / "incidents" / iid / "events.jsonl"
    return [json.loads(x) for x in path.read_text().splitlines() if x.strip()]


def start_sleeper(child: pexpect.spawn) -> int:
    """Run step 1's `sleep 30`; returns its process group."""
    child.sendline("run")
    child.expect(r"run it\? \[y/N\] ")
    child.sendline("y")
    child.expect(r"group (\d+)")
    return int(child.match.group(1))


def group_alive(pgid: int) -> bool:
    deadline = time.time() + 5
    while time.time() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        time.sleep(0.1)
    return True


def ended(root: Path, iid: str) -> list[str]:
    return [e["data"]["reason"] for e in events(root, iid) if e["type"] == "session.ended"]


def test_ctrl_c_during_a_command_stops_it_and_returns_to_the_step(proj):
    child = spawn(proj, "INC-C1")
    pgid = start_sleeper(child)
    t0 = time.time()
    child.sendintr()
    child.expect("interrupted by Ctrl-C")
    child.expect("tb> ")
    assert time.time() - t0 < 10  # not the 30 s of sleep
    assert not group_alive(pgid)  # the command's whole process group is gone
    child.sendline("done")
    child.expect("step 2/3")
    child.expect("tb> ")
    child.sendline("quit")
    assert finish(child) == 0
    (cmd,) = [e for e in events(proj, "INC-C1") if e["type"] == "command"]
    assert cmd["data"]["interrupted"] is True
    assert cmd["data"]["interrupted_by"] == "Ctrl-C"
    assert cmd["data"]["output"] == f"group {pgid}"  # the output so far, nothing after
    assert "step.done" in [e["type"] for e in events(proj, "INC-C1")]  # the walk went on
    assert ended(proj, "INC-C1") == ["quit"]


def test_ctrl_c_at_a_prompt_cancels_only_that_prompt(proj):
    child = spawn(proj, "INC-C2")
    child.sendintr()
    child.expect("cancelled; Ctrl-C again to leave")
    child.expect("tb> ")
    child.sendline("run")
    child.expect(r"run it\? \[y/N\] ")
    child.sendintr()  # at the confirmation: nothing runs
    child.expect(r"\(cancelled\)")
    child.expect("tb> ")
    child.sendline("done")
    child.expect("step 2/3")
    child.expect("tb> ")
    child.sendline("quit")
    assert finish(child) == 0
    types = [e["type"] for e in events(proj, "INC-C2")]
    assert "command" not in types
    assert "step.done" in types
    assert ended(proj, "INC-C2") == ["quit"]


def test_a_second_ctrl_c_at_an_empty_prompt_leaves_and_says_how_to_resume(proj):
    child = spawn(proj, "INC-C3")
    child.sendintr()
    child.expect("tb> ")
    child.sendintr()
    child.expect("resume with:")
    child.expect("inv runbook.run tty --incident INC-C3")
    assert finish(child) == 130
    assert ended(proj, "INC-C3") == ["Ctrl-C"]


def test_sigterm_at_the_prompt_ends_the_session_with_its_reason(proj):
    child = spawn(proj, "INC-T1")
    child.kill(signal.SIGTERM)
    child.expect("inv runbook.run tty --incident INC-T1")
    assert finish(child) == 143
    assert ended(proj, "INC-T1") == ["SIGTERM"]


def test_sigterm_during_a_command_records_it_kills_it_and_ends(proj):
    child = spawn(proj, "INC-T2")
    pgid = start_sleeper(child)
    child.kill(signal.SIGTERM)
    child.expect("inv runbook.run tty --incident INC-T2")
    assert finish(child) == 143
    assert not group_alive(pgid)
    (cmd,) = [e for e in events(proj, "INC-T2") if e["type"] == "command"]
    assert cmd["data"]["interrupted_by"] == "SIGTERM"
    assert ended(proj, "INC-T2") == ["SIGTERM"]


def test_sighup_to_the_runner_during_a_command_records_both(proj):
    child = spawn(proj, "INC-H1")
    pgid = start_sleeper(child)
    child.kill(signal.SIGHUP)
    child.expect("inv runbook.run tty --incident INC-H1")
    assert finish(child) == 129
    assert not group_alive(pgid)
    (cmd,) = [e for e in events(proj, "INC-H1") if e["type"] == "command"]
    assert cmd["data"]["interrupted_by"] == "SIGHUP"
    assert ended(proj, "INC-H1") == ["SIGHUP"]


def _read_until(fd: int, pattern: bytes, buf: bytearray, timeout: float = 20) -> re.Match[bytes]:
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = re.search(pattern, bytes(buf))
        if found:
            return found
        if select.select([fd], [], [], 0.2)[0]:
            buf += os.read(fd, 65536)
    raise AssertionError(f"never saw {pattern!r} in {bytes(buf)[-1500:]!r}")


def test_closing_the_terminal_mid_command_records_it_and_kills_it(proj):
    pid, fd = pty.fork()
    if pid == 0:  # the runner, with the pty as its controlling terminal
        os.chdir(proj)
        os.environ.update({"TERM": "xterm", "COLUMNS": "80", "TRIAGEBOOK_OPERATOR": "carol"})
        os.execv(sys.executable, [sys.executable, "-m", "invoke", "runbook.run", "tty",
                                  "--incident", "INC-H2"])
    buf = bytearray()
    try:
        _read_until(fd, rb"tb> ", buf)
        os.write(fd, b"run\r")
        _read_until(fd, rb"\[y/N\] ", buf)
        os.write(fd, b"y\r")
        pgid = int(_read_until(fd, rb"group (\d+)", buf).group(1))
    finally:
        os.close(fd)  # the terminal window is closed: the kernel hangs up the session
    deadline = time.time() + 20
    while (done := os.waitpid(pid, os.WNOHANG))[0] == 0 and time.time() < deadline:
        time.sleep(0.1)
    if done[0] == 0:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        raise AssertionError("the runner outlived its terminal")
    assert not group_alive(pgid)
    (cmd,) = [e for e in events(proj, "INC-H2") if e["type"] == "command"]
    assert cmd["data"]["interrupted_by"] == "SIGHUP"
    assert ended(proj, "INC-H2") == ["SIGHUP"]


def test_ctrl_c_while_an_escalation_is_delivered_waits_for_its_outcome(proj):
    import http.server
    import threading

    arrived = threading.Event()

    class SlowHook(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            arrived.set()
            time.sleep(2)  # the responder presses Ctrl-C in here
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), SlowHook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    (proj / "invoke.yaml").write_text(
        "triagebook:\n  escalation:\n    channels:\n"
        "      page: {kind: webhook, url_env: TB_SLOW_HOOK, shape: slack}\n",
        encoding="utf-8")
    os.environ["TB_SLOW_HOOK"] = f"http://127.0.0.1:{server.server_address[1]}/hook"
    try:
        child = spawn(proj, "INC-E1")
        child.sendline("escalate RED api down")
        assert arrived.wait(20)
        child.sendintr()
        child.expect("routing: send")  # the escalation finished…
        child.expect("cancelled")  # …and only then did the Ctrl-C act, on the next prompt
        child.expect("tb> ")
        child.sendline("quit")
        assert finish(child) == 0
    finally:
        server.shutdown()
        del os.environ["TB_SLOW_HOOK"]
    delivered = [e["data"]["channel"] for e in events(proj, "INC-E1")
                 if e["type"] == "escalation.delivered"]
    assert "page" in delivered
    assert ended(proj, "INC-E1") == ["quit"]


FLOOD = """---
title: Flood
severity: SEV2
failure_class: [flood_trial]
route: demo-team
trigger: A command floods its output with token prefixes
---
# Flood

## Steps

### Flood

```sh
echo "group $$"; python3 -c "import sys; sys.stdout.write('AKIA' * 5000000)"; sleep 30
```
"""


def test_ctrl_c_is_honoured_while_a_flood_of_token_prefixes_is_redacted(project):
    """Issue 26 item 1: one 20 MB line of `AKIA` prefixes used to keep the runner in
    redaction for 70 s after Ctrl-C. Interrupted while the flood streams, the runner is
    back at the prompt in seconds, not after the sleep (30 s) or the old redaction."""
    (project / "runbooks" / "flood.md").write_text(FLOOD)
    env = {**os.environ, "TERM": "xterm", "COLUMNS": "80", "TRIAGEBOOK_OPERATOR": "carol"}
    child = pexpect.spawn(sys.executable, ["-m", "invoke", "runbook.run", "flood",
                                           "--incident", "INC-F1"], cwd=str(project),
                          env=env, dimensions=(50, 80), timeout=20, encoding="utf-8",
                          codec_errors="replace")
    child.expect("tb> ")
    pgid = start_sleeper(child)
    time.sleep(0.5)  # the flood is streaming (it takes seconds to write 20 MB)
    t0 = time.time()
    child.sendintr()
    child.expect("interrupted by Ctrl-C")
    child.expect("tb> ")
    assert time.time() - t0 < 10  # not the 30 s of sleep, nor the old 70 s of redaction
    assert not group_alive(pgid)
    child.sendline("quit")
    assert finish(child) == 0
    (cmd,) = [e for e in events(project, "INC-F1") if e["type"] == "command"]
    assert cmd["data"]["interrupted_by"] == "Ctrl-C"
    assert "AKIAAKIA" not in json.dumps(cmd)  # what was kept of the flood is redacted

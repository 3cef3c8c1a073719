"""The interactive path: a real pseudo-terminal, as an on-call engineer sees it."""

from __future__ import annotations

import json
import os
import pty
import select
import shutil
import sys
import time
from pathlib import Path

from conftest import FIXTURES

SECRET = "tty-secret-4b3c2d1e0f"


def read_until(fd: int, text: str, buf: list[str], timeout: float = 15) -> str:
    deadline = time.time() + timeout
    while time.time() < deadline:
        seen = "".join(buf)
        if text in seen:
            return seen
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                buf.append(os.read(fd, 65536).decode("utf-8", "replace"))
            except OSError:
                break
    raise AssertionError(f"never saw {text!r} in:\n{''.join(buf)[-2000:]}")


def test_terminal_session_asks_reasks_and_hides_the_secret(project: Path):
    shutil.copy(FIXTURES / "runner" / "demo.md", project / "runbooks" / "demo.md")
    pid, fd = pty.fork()
    if pid == 0:  # the child: a session whose controlling terminal is the pty
        os.chdir(project)
        os.environ.update({"TRIAGEBOOK_OPERATOR": "carol", "TERM": "xterm", "COLUMNS": "120"})
        os.execv(sys.executable, [sys.executable, "-m", "invoke", "runbook.run", "demo",
                                  "--incident", "INC-TTY"])
    buf: list[str] = []
    try:
        read_until(fd, "server_id: server id (e.g. srv-abc123) [required]", buf)
        read_until(fd, "server_id: ", buf)
        os.write(fd, b"not-a-server\r")
        read_until(fd, "expected a value matching", buf)
        os.write(fd, b"srv-tty1\r")
        read_until(fd, "(hidden): ", buf)
        os.write(fd, SECRET.encode() + b"\r")
        read_until(fd, "window", buf)
        os.write(fd, b"\r")  # optional: Enter skips
        read_until(fd, "Inspect srv-tty1", buf)
        read_until(fd, "tb> ", buf)
        os.write(fd, b"run\r")
        read_until(fd, "run it? [y/N]", buf)
        os.write(fd, b"y\r")
        read_until(fd, "recorded", buf)
        os.write(fd, b"done\r")
        read_until(fd, "Look back 30m", buf)
        os.write(fd, b"quit\r")
        read_until(fd, "resume with", buf)
    finally:
        deadline = time.time() + 10
        while (done := os.waitpid(pid, os.WNOHANG))[0] == 0 and time.time() < deadline:
            time.sleep(0.1)
        if done[0] == 0:
            os.kill(pid, 9)
            done = os.waitpid(pid, 0)
        status = done[1]
        os.close(fd)
    transcript = "".join(buf)
    assert os.waitstatus_to_exitcode(status) == 0
    assert SECRET not in transcript  # not echoed while typed, not in any output
    assert "leak: [REDACTED:api_token]" in transcript
    evs = [json.loads(x) for x in
           (project / "incidents" / "INC-TTY" / "events.jsonl").read_text().splitlines()]
    assert evs[1]["data"]["context"] == {"server_id": "srv-tty1"}
    assert "step.done" in [e["type"] for e in evs]
    for p in project.rglob("*"):
        if p.is_file():
            assert SECRET not in p.read_text(errors="replace"), p

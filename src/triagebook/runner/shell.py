"""Running one shell block: streamed, redacted, bounded, with a timeout."""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from triagebook.incident.redaction import Redactor

KEEP = 8 * 1024  # characters of output kept at each end for the ledger


@dataclass(frozen=True, slots=True)
class Result:
    exit_code: int | None
    duration_s: float
    output: str
    timed_out: bool
    truncated: bool


def run_shell(command: str, lang: str, env: Mapping[str, str], cwd: str, timeout: float,
              redactor: Redactor, echo: Callable[[str], None]) -> Result:
    shell = "/bin/bash" if lang == "bash" and os.path.exists("/bin/bash") else "/bin/sh"
    start = time.monotonic()
    proc = subprocess.Popen([shell, "-c", command], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=cwd,
                            env={**os.environ, **env}, start_new_session=True)
    assert proc.stdout is not None
    head: list[str] = []
    tail: list[str] = []
    size_head = size_tail = 0
    truncated = timed_out = False
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    pending = b""
    clean = redactor.lines()  # line by line, knowing when a private key spans several
    while True:
        left = timeout - (time.monotonic() - start)
        if left <= 0:
            timed_out = True
            os.killpg(proc.pid, signal.SIGKILL)
            break
        if not sel.select(timeout=min(left, 0.5)):
            if proc.poll() is not None:
                break
            continue
        chunk = os.read(proc.stdout.fileno(), 65536)
        if not chunk:
            break
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for raw in lines:
            line = clean(raw.decode("utf-8", "replace"))
            echo(line)
            if size_head < KEEP:
                head.append(line)
                size_head += len(line) + 1
            else:
                tail.append(line)
                size_tail += len(line) + 1
                while size_tail > KEEP and tail:
                    size_tail -= len(tail.pop(0)) + 1
                    truncated = True
    if pending:
        line = clean(pending.decode("utf-8", "replace"))
        echo(line)
        tail.append(line)
    try:
        code = proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        code = proc.wait()
    sel.close()
    proc.stdout.close()
    body = "\n".join(head + (["[... output truncated ...]"] if truncated else []) + tail)
    return Result(None if timed_out else code, round(time.monotonic() - start, 3), body,
                  timed_out, truncated)

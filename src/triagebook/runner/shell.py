"""Running one shell block: streamed, neutralised, redacted, bounded, stoppable.

A `sh`, `bash` or `shell` block runs as one script.  A diagnostic block runs every line
under `bash -o pipefail -o errtrace`: a failing line does not hide the ones after it,
and the block ends with the status of its first failure.  A strict block (`strict` or
`destructive`) runs under `bash -o errexit -o pipefail -o errtrace`: the first failing
line — or failing stage of a pipeline — ends it.  An ERR trap reports each failing line
on a pipe of its own (never mixed into the output).  Without bash, `/bin/sh` runs it
(`-e` when strict) and the line is not known.

The block runs in its own process group and session, with stdin closed, in the project
folder, with the runner's environment plus the secrets' `TRIAGEBOOK_SECRET_*` variables.
Ctrl-C (KeyboardInterrupt from `Signals.live`), SIGTERM/SIGHUP (`Leave`) and the timeout
stop the whole group: SIGINT (or SIGTERM), then SIGKILL after a grace period; the output
so far is kept and the result says what stopped it.
"""

from __future__ import annotations

import os
import selectors
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from triagebook.base.redaction import Redactor
from triagebook.runner.output import KEEP as KEEP
from triagebook.runner.output import LINE_KEEP as LINE_KEEP
from triagebook.runner.output import Output
from triagebook.runner.signals import Leave, Signals

GRACE = 2.0  # seconds a stopped command gets before the next, harder signal
BASH_OPTIONS = ("-o", "errexit", "-o", "pipefail", "-o", "errtrace")
EVERY_LINE_OPTIONS = ("-o", "pipefail", "-o", "errtrace")  # a diagnostic block: no errexit


@dataclass(frozen=True, slots=True)
class Result:
    exit_code: int | None
    duration_s: float
    output: str
    timed_out: bool
    truncated: bool
    shell: str = ""
    failed_line: int | None = None  # 1-based line of the block that failed (the first)
    interrupted_by: str = ""  # "Ctrl-C", "SIGTERM", "SIGHUP" when a signal stopped it
    failed_lines: tuple[int, ...] = ()  # every line that failed, in order (every-line mode)


def interpreter(strict: bool = True) -> list[str]:
    """bash stopping at the first failing line (`strict`), or running every line; without
    bash, /bin/sh (-e when strict)."""
    bash = shutil.which("bash") or ("/bin/bash" if os.path.exists("/bin/bash") else None)
    if bash:
        return [bash, *(BASH_OPTIONS if strict else EVERY_LINE_OPTIONS)]
    return ["/bin/sh", "-e"] if strict else ["/bin/sh"]


def describe(argv: list[str]) -> str:
    """`bash -o errexit -o pipefail -o errtrace`: the interpreter as the ledger records it."""
    return " ".join([os.path.basename(argv[0]), *argv[1:]])


def _trap(fd: int) -> str:
    # One line before the block, so the block's line N is the script's line N + 1.  Only
    # the main shell reports ($BASH_SUBSHELL 0): a failure inside $(...) that errexit
    # lets pass is not the line that ended the block.  `tb_first` keeps the first failing
    # status, the exit status of a block that runs every line.  A pipeline whose last
    # stage succeeded and whose others only died of SIGPIPE (141: `yes | head -n 3`, the
    # reader had enough) is reported as such ("p") and is not a failure.
    return ("tb_first=0; tb_err() { [ \"$BASH_SUBSHELL\" = 0 ] || return 0; "
            "local s=$1 ps=($2) p=0 v; if [ ${#ps[@]} -gt 1 ] && "
            "[ \"${ps[${#ps[@]}-1]}\" = 0 ]; then p=1; for v in \"${ps[@]}\"; do "
            "case $v in 0|141) ;; *) p=0;; esac; done; fi; "
            f"if [ $p = 1 ]; then printf \"%s %s p\\n\" \"$s\" \"$3\" >&{fd}; return 0; fi; "
            f"printf \"%s %s\\n\" \"$s\" \"$3\" >&{fd}; "
            "[ \"$tb_first\" != 0 ] || tb_first=$s; } 2>/dev/null; "
            "trap 'tb_err $? \"${PIPESTATUS[*]}\" $LINENO || :' ERR\n")


def run_shell(command: str, lang: str, env: Mapping[str, str], cwd: str, timeout: float,
              redactor: Redactor, echo: Callable[[str], None],
              signals: Signals | None = None, strict: bool = True) -> Result:
    """Run one block in its own process group and stream its output, bounded.

    Long on purpose: spawning, the select loop (output, the failed-line report, the
    timeout, Ctrl-C and SIGTERM, each escalating to SIGKILL after a grace) and the
    cleanup that must never leave the group running or a descriptor open are one
    lifecycle; split up, the cleanup's guarantees would depend on state spread over
    several functions."""
    signals = signals or Signals(install=False)
    argv = interpreter(strict)
    bash = argv[0] != "/bin/sh"
    report_r, report_w = os.pipe() if bash else (-1, -1)
    script = (_trap(report_w) + command) if bash else command
    if bash and not strict:  # every line ran: the block fails with its first failure
        script += '\nexit "$tb_first"\n'

    start = time.monotonic()
    try:
        proc = subprocess.Popen([*argv, "-c", script], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=cwd,
                                env={**os.environ, **env}, start_new_session=True,
                                pass_fds=(report_w,) if bash else ())
    finally:
        if bash:
            os.close(report_w)
    assert proc.stdout is not None
    out = Output(redactor, echo)
    reports = b""
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ, "out")
    if bash:
        os.set_blocking(report_r, False)
        sel.register(report_r, selectors.EVENT_READ, "report")
    stopped_by = ""
    timed_out = False
    stop_at: float | None = None  # when the next, harder signal is due
    stop_signal: int = signal.SIGKILL
    open_streams = 2 if bash else 1
    try:
        while open_streams:
            now = time.monotonic()
            stopping = bool(stopped_by) or timed_out
            if not stopping and now - start >= timeout:
                timed_out = stopping = True
                stop_at, stop_signal = _stop(proc, signal.SIGTERM)
            if stop_at is not None and now >= stop_at:
                _kill(proc, stop_signal)
                stop_at = now + GRACE if stop_signal != signal.SIGKILL else None
                stop_signal = signal.SIGKILL
            wait = 0.2 if stopping else min(0.5, max(0.0, timeout - (now - start)))
            try:
                if stopping:  # signals wait until the command is stopped and recorded
                    ready = sel.select(timeout=wait)
                else:
                    with signals.live():
                        ready = sel.select(timeout=wait)
            except KeyboardInterrupt:
                stopped_by = "Ctrl-C"
                stop_at, stop_signal = _stop(proc, signal.SIGINT)
                continue
            except Leave as exc:
                stopped_by = exc.reason
                stop_at, stop_signal = _stop(proc, signal.SIGTERM)
                continue
            if not ready and proc.poll() is not None:
                break  # finished; a background child may still hold the pipe open
            for key, _ in ready:
                chunk = os.read(key.fd, 65536)
                if key.data == "report":
                    reports += chunk
                else:
                    out.feed(chunk)
                if not chunk:
                    sel.unregister(key.fd)
                    open_streams -= 1
        out.feed(b"", final=True)
        code = _reap(proc)
    finally:
        if proc.poll() is None or stopped_by or timed_out:
            _kill(proc, signal.SIGKILL)  # never leave the group running behind us
            proc.wait()
        sel.close()
        proc.stdout.close()
        if bash:
            reports += _drain(report_r)
            os.close(report_r)
        signals.discard_interrupts()
    stopped = bool(stopped_by) or timed_out
    exit_code = None if timed_out and not stopped_by else code
    failures = () if stopped else _failures(reports)
    if strict:
        first = None if stopped else _failed_line(reports, exit_code)
    else:
        first = failures[0] if failures and exit_code else None
    return Result(exit_code, round(time.monotonic() - start, 3), out.text(), timed_out,
                  out.truncated, describe(argv), first, stopped_by,
                  failures if not strict else ())


def _stop(proc: subprocess.Popen[bytes], first: int) -> tuple[float, int]:
    """Send the first signal to the group; returns when to send the next one, and which."""
    _kill(proc, first)
    return time.monotonic() + GRACE, signal.SIGTERM if first == signal.SIGINT \
        else signal.SIGKILL


def _kill(proc: subprocess.Popen[bytes], sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _reap(proc: subprocess.Popen[bytes]) -> int:
    try:
        code = proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        _kill(proc, signal.SIGKILL)
        code = proc.wait()
    return 128 - code if code < 0 else code  # killed by signal N: 128+N, as a shell says


def _drain(fd: int) -> bytes:
    data = b""
    try:
        while chunk := os.read(fd, 65536):
            data += chunk
    except BlockingIOError:
        pass
    return data


def _reports(reports: bytes) -> list[tuple[int, int, bool]]:
    """(status, script line, SIGPIPE only?) per ERR-trap line, in order."""
    out = []
    for line in reports.decode("ascii", "replace").splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0].isdigit() and parts[1].isdigit():
            out.append((int(parts[0]), int(parts[1]), parts[2:] == ["p"]))
    return out


def _failures(reports: bytes) -> tuple[int, ...]:
    """Every block line that failed, in order, once each (SIGPIPE-only pipelines not)."""
    out: list[int] = []
    for _, lineno, sigpipe in _reports(reports):
        if not sigpipe and lineno > 1 and lineno - 1 not in out:
            out.append(lineno - 1)
    return tuple(out)


def _failed_line(reports: bytes, exit_code: int | None) -> int | None:
    """The block's line the ERR trap reported last, if its status is the exit status."""
    found = _reports(reports)
    if exit_code in (None, 0) or not found:
        return None
    status, lineno, _ = found[-1]
    if status != exit_code:
        return None
    return lineno - 1 if lineno > 1 else None

"""`inv site.serve` as a real process on 127.0.0.1: it stops, it watches, it never hangs."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sitehelp import copy_project


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(url: str, timeout: float = 5) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


def wait_for(check, timeout: float = 60, every: float = 0.2):
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = check()
        except OSError:
            result = None
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout} s")
        time.sleep(every)


def descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat[stat.rindex(")") + 2:].split()[1])
            children.setdefault(ppid, []).append(int(entry))
    out, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.add(child)
            todo.append(child)
    return out


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


@contextmanager
def serving(root: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "invoke", "site.serve", "--dev-addr",
                             f"127.0.0.1:{port}"], cwd=root, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: get(base + "/")[0] == 200, timeout=90)
        yield base, proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_serve_and_everything_it_started(tmp_path, sig):
    root = copy_project(tmp_path)
    with serving(root) as (base, proc):
        children = descendants(proc.pid)
        assert children, "mkdocs runs as a child process"
        proc.send_signal(sig)  # to the inv process only, as a service manager does
        proc.wait(timeout=20)
        wait_for(lambda: not any(alive(c) for c in children), timeout=10)
        port = int(base.rsplit(":", 1)[1])
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=2).close()


def test_a_lint_error_shows_an_error_page_and_the_fix_shows_the_runbook(tmp_path):
    root = copy_project(tmp_path)
    rb = root / "runbooks" / "auth" / "token-failure.md"
    good = rb.read_text(encoding="utf-8")
    with serving(root) as (base, _):
        url = base + "/runbooks/token-failure/"
        rb.write_text(good.replace("severity: SEV3", "severity: SEV9"), encoding="utf-8")
        body = wait_for(lambda: (lambda r: r[0] == 200 and "lint errors" in r[1] and r[1])(
            get(url, timeout=5)), timeout=30)
        assert "severity: expected one of SEV1, SEV2, SEV3, SEV4 but received" in body
        rb.write_text(good.replace("title: CLI authentication failures",
                                   "title: CLI authentication failures (fixed)"),
                      encoding="utf-8")
        wait_for(lambda: "(fixed)" in get(url, timeout=5)[1], timeout=30)


def test_postmortems_folder_is_watched(tmp_path):
    root = copy_project(tmp_path)
    (root / "postmortems").mkdir()
    with serving(root) as (base, _):
        (root / "postmortems" / "INC-LIVE.md").write_text(
            "---\nincident: INC-LIVE\ntitle: Live one\nseverity: SEV2\nstatus: draft\n---\n\n"
            "# Post-mortem: Live one\n", encoding="utf-8")
        wait_for(lambda: get(base + "/postmortems/INC-LIVE/", timeout=5)[0] == 200, timeout=30)
        assert "INC-LIVE" in get(base + "/postmortems/")[1]


def test_postmortems_folder_created_while_serving_is_watched(tmp_path):
    """Issue 19 item 7: postmortems/ did not exist when serving started."""
    root = copy_project(tmp_path)
    shutil.rmtree(root / "postmortems", ignore_errors=True)
    with serving(root) as (base, _):
        (root / "postmortems").mkdir(exist_ok=True)  # serve made it, empty, to watch it
        (root / "postmortems" / "INC-NEW.md").write_text(
            "---\nincident: INC-NEW\ntitle: New one\nseverity: SEV2\nstatus: draft\n---\n\n"
            "# Post-mortem: New one\n", encoding="utf-8")
        wait_for(lambda: get(base + "/postmortems/INC-NEW/", timeout=5)[0] == 200, timeout=30)
        (root / "postmortems" / "INC-NEWER.md").write_text(
            "---\nincident: INC-NEWER\ntitle: Newer\nseverity: SEV2\nstatus: draft\n---\n\n"
            "# Post-mortem: Newer\n", encoding="utf-8")
        wait_for(lambda: get(base + "/postmortems/INC-NEWER/", timeout=5)[0] == 200,
                 timeout=30)


def test_serve_without_mkdocs_yml_uses_the_embedded_default(tmp_path):
    root = copy_project(tmp_path)
    (root / "mkdocs.yml").unlink()
    shutil.rmtree(root / "docs")
    with serving(root) as (base, _):
        assert "tb-panel" in get(base + "/runbooks/jobs-stuck/")[1]

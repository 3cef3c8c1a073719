"""Archives from outside are bounded before anything is held (issue 26): a FIFO, a link to
/dev/zero, a device and an oversized file are one line each; a decompression bomb is
refused with memory under 100 MB (peak RSS of the real `inv` process)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
import zlib
from pathlib import Path

import pytest
from conftest import assert_no_traceback, inv

from triagebook.incident.archive import MAX_FILE, MAX_MEMBERS


def _refused(root: Path, name: str, why: str) -> None:
    res = inv(root, "incident.verify", name)
    assert_no_traceback(res)
    assert res.returncode == 1
    assert why in res.stderr.strip().splitlines()[-1]


def test_a_fifo_is_refused_not_waited_on(project):
    os.mkfifo(project / "b.tar.gz")
    _refused(project, "b.tar.gz", "is not a regular file (a pipe, socket or device)")


def test_a_link_to_dev_zero_is_refused(project):
    (project / "b.tar.gz").symlink_to("/dev/zero")
    _refused(project, "b.tar.gz", "is a symbolic link")


def test_a_file_larger_than_a_bundle_is_refused_unread(project):
    with open(project / "b.tar.gz", "wb") as fh:
        fh.truncate(MAX_FILE + 1)  # sparse: costs no disk
    _refused(project, "b.tar.gz", "refused unread")


def test_too_many_members_are_refused(project):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w:gz") as tar:
        for n in range(MAX_MEMBERS + 1):
            info = tarfile.TarInfo(f"INC-X/f{n}")
            tar.addfile(info, io.BytesIO(b""))
    (project / "b.tar.gz").write_bytes(raw.getvalue())
    _refused(project, "b.tar.gz", f"more than {MAX_MEMBERS} members")


def _gzip_bomb(path: Path, size: int) -> None:
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = b"\0" * (1 << 20)
    with open(path, "wb") as fh:
        for _ in range(size >> 20):
            fh.write(comp.compress(chunk))
        fh.write(comp.flush())


# VmHWM, not ru_maxrss: Linux carries ru_maxrss over fork and exec, so a child of a large
# pytest worker would report the worker's size; VmHWM belongs to the new process image.
MEASURED = """import sys
from invoke import Program
import triagebook.tasks as tasks
try:
    Program(namespace=tasks.namespace(), binary="inv").run(["inv", *sys.argv[1:]])
finally:
    hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM:")][0].split()[1]
    print("peak-kib", hwm, file=sys.stderr)
"""


@pytest.mark.parametrize("task", ["incident.verify", "incident.merge"])
def test_a_decompression_bomb_is_refused_in_bounded_memory(project, task):
    bomb = project / "bomb.tar.gz"
    _gzip_bomb(bomb, 1 << 30)  # 1 GiB of zeros in about 1 MB
    args = [task, "bomb.tar.gz"] if task == "incident.verify" else [
        task, "INC-20261203-0300-abcd", "bomb.tar.gz"]
    res = subprocess.run([sys.executable, "-c", MEASURED, *args], cwd=project,
                         capture_output=True, text=True, timeout=120)
    *said, peak = res.stderr.strip().splitlines()
    assert res.returncode == 1, res.stderr
    assert "Traceback" not in res.stderr
    assert "refused" in said[-1]
    assert int(peak.split()[1]) < 100 * 1024, peak

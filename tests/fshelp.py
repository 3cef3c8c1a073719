"""Small real filesystems for durability tests: a tmpfs of a few pages, full or read-only.

Mounting needs root (CI runs as root on the same kind of machine). Where it is not
possible the test is skipped with the reason — except under CI, where it fails.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

PAGE = 4096  # tmpfs gives a file its space one page at a time


def _cannot(reason: str) -> None:
    if os.environ.get("CI"):
        raise RuntimeError(f"CI is set but {reason}: durability tests need a real tmpfs")
    pytest.skip(reason)


@contextmanager
def tmpfs(path: Path, size: str = "64k", ro: bool = False) -> Iterator[Path]:
    """A tmpfs of `size` mounted on `path` (created), unmounted afterwards."""
    if os.geteuid() != 0:
        _cannot("mounting a tmpfs needs root")
    path.mkdir(parents=True, exist_ok=True)
    opts = f"size={size},mode=0755" + (",ro" if ro else "")
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(path)],
                         capture_output=True, text=True)
    if res.returncode != 0:
        _cannot(f"mount -t tmpfs failed here: {res.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def remount_ro(path: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(path)], check=True, capture_output=True)


def fill(path: Path, leave_pages: int = 0) -> None:
    """Fill the filesystem holding `path`, then free exactly `leave_pages` pages."""
    filler = path / ".filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            try:
                if os.write(fd, b"\0" * 65536) == 0:
                    break
            except OSError:
                break
        size = os.fstat(fd).st_size
        os.ftruncate(fd, max(size - leave_pages * PAGE, 0))
    finally:
        os.close(fd)

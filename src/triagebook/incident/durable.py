"""Writing so that what is reported written is on disk, whole — and nothing else is.

`os.write` may accept fewer bytes than it was given (a filesystem filling up does exactly
that); every write here loops until all bytes are taken, then fsyncs.  When a write
cannot complete (ENOSPC, EROFS, EIO, a write that makes no progress) the partial line is
cut again and the OSError goes up to the caller, which says so — a half line is never
left for the next append to glue onto, and a half snapshot never takes a snapshot's name.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    done = 0
    while done < len(data):
        n = os.write(fd, view[done:])
        if n <= 0:
            raise OSError(errno.EIO, f"short write: {done} of {len(data)} bytes accepted, "
                                     f"then none")
        done += n


def append_line(path: Path, line: bytes) -> os.stat_result:
    """Append one whole line and fsync it (and the folder, for a new file); the file's
    stat after. On failure the file is cut back to what it was, and the error raised."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        start = os.fstat(fd).st_size
        try:
            write_all(fd, line)
            os.fsync(fd)
            if start == 0:
                fsync_dir(path.parent)
        except OSError:
            _cut_back(fd, path, start)
            raise
        return os.fstat(fd)
    finally:
        os.close(fd)


def _cut_back(fd: int, path: Path, size: int) -> None:
    """Best effort: if even this fails, the tail is torn, which readers ignore and the next
    append cuts (it never ends in a newline, so it cannot pass for an event)."""
    with contextlib.suppress(OSError):
        os.ftruncate(fd, size)
        os.fsync(fd)
        if size == 0:  # a ledger this append created: an empty one is not an incident
            path.unlink()


def cut_torn_tail(path: Path) -> None:
    """Drop an incomplete last line (a crash mid-write), so the next line starts clean.

    The file is opened for writing only when there is something to cut: reading works
    on a read-only disk, and only a real write should fail there.
    """
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            if size == 0:
                return
            fh.seek(size - 1)
            if fh.read(1) == b"\n":
                return
            fh.seek(0)
            keep = fh.read().rfind(b"\n") + 1
    except FileNotFoundError:
        return
    with open(path, "rb+") as fh:
        fh.truncate(keep)
        fh.flush()
        os.fsync(fh.fileno())


def write_file(path: Path, data: bytes) -> None:
    """Write a whole file under its name, or leave no file (temporary, fsync, rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        try:
            write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

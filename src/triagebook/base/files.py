"""Reading a file someone named: regular files only, bounded, never blocking.

A runbook folder or a `--context-file` may hold anything: a FIFO (a plain `open` waits
forever for a writer), a symlink to `/dev/zero` (a plain `read` never ends), a symlink
loop, a huge file.  Each is refused with an `OSError` whose `strerror` says why, so
callers report it like any other unreadable file.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

MAX_BYTES = 2 * 1024 * 1024  # a runbook, a context file or invoke.yaml is far smaller

_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a device"),
          (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"))


def read_bytes(path: Path | str, limit: int = MAX_BYTES) -> bytes:
    """The whole file, or OSError: not a regular file, larger than ``limit``, unreadable."""
    # O_NONBLOCK: opening a FIFO returns at once instead of waiting for a writer
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = next((name for test, name in _KINDS if test(mode)), "not a file")
            raise OSError(errno.EINVAL, f"not a regular file ({kind})", str(path))
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise OSError(errno.EFBIG, f"larger than {limit // 1024} KiB", str(path))
        return b"".join(chunks)
    finally:
        os.close(fd)


def folder_error(path: Path) -> str | None:
    """Why ``path`` is not a usable folder (missing, a loop, a file), or None."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "not found"
    except OSError as exc:  # ELOOP: a symlink loop, EACCES, ...
        return exc.strerror or str(exc)
    return None if stat.S_ISDIR(mode) else "not a folder"

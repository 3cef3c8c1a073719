"""tar.gz in and out, in memory: byte-identical when packed twice, never extracted to disk.

`pack` makes the same bytes from the same files: entries sorted, one fixed mtime,
owner 0:0 without names, mode 0644, and a gzip header with no file name and mtime 0.
`unpack` reads every member into memory and refuses what could escape or mislead
(absolute paths, `..`, links, devices), so reading a bundle from a stranger is safe.
"""

from __future__ import annotations

import gzip
import io
import os
import stat
import tarfile
import tempfile
import zlib
from pathlib import Path, PurePosixPath

from triagebook.base.errors import PlaceError
from triagebook.incident.line import MAX_EVENTS

MODE = 0o644
# A bundle is one incident's text. The bounds hold memory under 100 MB and the work under
# a few seconds for any file, a bomb included (tests/test_bomb_corpus.py): the file, what
# it unpacks to, the members and the ledger's events are each capped before anything
# larger is held.  A real incident is far smaller: the runner keeps about 16 KB of each
# command's output, and a long SEV1 records a few thousand events.
MAX_FILE = 8 << 20  # compressed bytes read from disk
MAX_BYTES = 8 << 20  # unpacked bytes
MAX_MEMBERS = 1000  # a bundle holds a handful of files


def bounds_problem(files: dict[str, bytes], events: int) -> str:
    """Why a bundle of ``files`` (its ledger holding ``events``) would be refused by
    the reader, or "" — `incident.bundle` never writes what verify and merge refuse."""
    size = sum(len(d) for d in files.values())
    if size > MAX_BYTES:
        return f"{size >> 20} MiB unpacked, more than a bundle may hold ({MAX_BYTES >> 20} MiB)"
    if len(files) > MAX_MEMBERS:
        return f"{len(files)} files, more than a bundle may hold ({MAX_MEMBERS})"
    if events > MAX_EVENTS:
        return f"{events} events, more than a bundle's ledger may hold ({MAX_EVENTS})"
    return ""


class BadArchive(PlaceError):
    """A file that is not a readable bundle archive, said in one line."""


def pack(files: dict[str, bytes], mtime: int) -> bytes:
    """The tar.gz of ``files`` (archive path → bytes), deterministic."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name in sorted(files):
            data = files[name]
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = mtime
            info.mode = MODE
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            info.type = tarfile.REGTYPE
            tar.addfile(info, io.BytesIO(data))
    out = io.BytesIO()
    # filename="" and mtime=0: the gzip header then holds nothing that varies per run
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0, compresslevel=9) as gz:
        gz.write(raw.getvalue())
    return out.getvalue()


def write_atomic(dest: Path, data: bytes) -> None:
    """Write ``data`` to ``dest`` whole or not at all (temp file, fsync, rename)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _safe_name(shown: str, member: tarfile.TarInfo) -> str:
    name = member.name
    parts = PurePosixPath(name).parts
    if name.startswith("/") or (parts and parts[0].endswith(":")) or ".." in parts:
        raise BadArchive(shown, f"member {name!r} has an absolute path or '..'; refused "
                                f"(a bundle never has one)")
    if member.issym() or member.islnk():
        raise BadArchive(shown, f"member {name!r} is a link; refused (a bundle never has one)")
    if not (member.isfile() or member.isdir()):
        raise BadArchive(shown, f"member {name!r} is a device, pipe or other special file; "
                                f"refused")
    return "/".join(p for p in parts if p != ".")


def _measure(raw: bytes, shown: str) -> None:
    """Decompress once in 1 MiB steps, keeping nothing: more than MAX_BYTES is refused
    with memory for one step (a 1 GiB bomb never costs 1 GiB, nor MAX_BYTES)."""
    d = zlib.decompressobj(wbits=31)
    size, data = 0, raw
    try:
        while data and not d.eof:
            size += len(d.decompress(data, 1 << 20))
            if size > MAX_BYTES:
                raise BadArchive(shown, f"unpacks to more than {MAX_BYTES >> 20} MiB; refused "
                                        f"(not a triagebook bundle)")
            data = d.unconsumed_tail
    except zlib.error:
        return  # the keeping pass says it, in its words


def _gunzip(raw: bytes, shown: str) -> bytes:
    if raw[:2] != b"\x1f\x8b":
        raise BadArchive(shown, "not a bundle: expected a gzip-compressed tar archive "
                                "(.tar.gz, made by inv incident.bundle)")
    _measure(raw, shown)  # a bomb is refused before its bytes are held
    d = zlib.decompressobj(wbits=31)  # 31: gzip header and trailer
    try:
        out = d.decompress(raw, MAX_BYTES + 1)
    except zlib.error as exc:
        raise BadArchive(shown, f"corrupt archive ({exc}); copy the bundle again from its "
                                f"source") from None
    if len(out) > MAX_BYTES:
        raise BadArchive(shown, f"unpacks to more than {MAX_BYTES >> 20} MiB; refused (not a "
                                f"triagebook bundle)")
    if not d.eof:
        raise BadArchive(shown, "truncated archive (the compressed data ends early); copy the "
                                "bundle again from its source")
    if d.unused_data.strip(b"\0"):
        raise BadArchive(shown, "data after the end of the archive; refused (not a "
                                "triagebook bundle)")
    return out


def _read_regular(path: Path, shown: str) -> bytes:
    """The file's bytes when it is a regular file of at most MAX_FILE bytes: a FIFO would
    block, a link could lead to /dev/zero, a device never ends — each is one line."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        raise BadArchive(shown, "no such file") from None
    except OSError as exc:
        raise BadArchive(shown, f"cannot read: {exc.strerror or exc}") from None
    if stat.S_ISDIR(st.st_mode):
        raise BadArchive(shown, "is a folder; expected a .tar.gz bundle")
    if stat.S_ISLNK(st.st_mode):
        raise BadArchive(shown, "is a symbolic link; give the bundle file itself")
    if not stat.S_ISREG(st.st_mode):
        raise BadArchive(shown, "is not a regular file (a pipe, socket or device); expected a "
                                ".tar.gz bundle")
    if st.st_size > MAX_FILE:
        raise BadArchive(shown, f"is {st.st_size >> 20} MiB; a bundle is at most "
                                f"{MAX_FILE >> 20} MiB (refused unread)")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        raise BadArchive(shown, f"cannot read: {exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):  # swapped since the lstat
            raise BadArchive(shown, "is not a regular file; expected a .tar.gz bundle")
        raw = fh.read(MAX_FILE + 1)
    if len(raw) > MAX_FILE:
        raise BadArchive(shown, f"grew past {MAX_FILE >> 20} MiB while read; refused")
    return raw


def unpack(path: Path, shown: str | None = None) -> dict[str, bytes]:
    """Every regular file in the archive at ``path``, read into memory (never to disk)."""
    shown = shown or str(path)
    raw = _read_regular(path, shown)
    tar_bytes = _gunzip(raw, shown)
    files: dict[str, bytes] = {}
    try:
        with tarfile.open(fileobj=io.BytesIO(tar_bytes), mode="r:") as tar:
            for count, member in enumerate(tar, 1):
                if count > MAX_MEMBERS:
                    raise BadArchive(shown, f"holds more than {MAX_MEMBERS} members; refused "
                                            f"(not a triagebook bundle)")
                name = _safe_name(shown, member)
                if member.isdir():
                    continue
                if name in files:
                    raise BadArchive(shown, f"member {name!r} appears twice; refused")
                fh = tar.extractfile(member)
                assert fh is not None  # a regular file always has a body
                data = fh.read()
                if len(data) != member.size:
                    raise tarfile.ReadError("unexpected end of data")
                files[name] = data
    except tarfile.TarError as exc:
        raise BadArchive(shown, f"truncated or corrupt tar archive ({exc}); copy the bundle "
                                f"again from its source") from None
    if not files:
        raise BadArchive(shown, "the archive holds no files; not a bundle")
    return files

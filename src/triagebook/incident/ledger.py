"""The incident ledger: append-only JSON lines, fsynced per event under a lock.

`incidents/ID/events.jsonl` holds one event per line (`seq`, `ts`, `type`, `runbook`,
`step`, `actor`, `data`).  Nothing is ever rewritten: corrections are new events, and
all state is derived by folding them (see `incident.py`).  A runner holds an exclusive
lock for its whole session; a second one is refused with the holder's pid.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import secrets
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from triagebook.errors import TriagebookError, UsageError, suggest
from triagebook.incident.events import Payload, decode
from triagebook.incident.redaction import Redactor
from triagebook.timeutil import Clock, iso, parse_iso, utc_now

ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
EVENTS = "events.jsonl"
LOCK = ".lock"  # held by a runner for its whole session
APPEND_LOCK = ".append.lock"  # held by any writer for one append


def check_id(incident_id: str) -> str:
    if not ID_RE.match(incident_id) or incident_id in (".", ".."):
        raise UsageError(f"incident id {incident_id!r}: expected 1-64 letters, digits, '-' "
                         f"or '_' (no paths), e.g. INC-20261122-0214-k3fz")
    return incident_id


def new_id(now: datetime) -> str:
    alphabet = "abcdefghijkmnpqrstuvwxyz23456789"
    tail = "".join(secrets.choice(alphabet) for _ in range(4))
    return f"INC-{now.astimezone(UTC):%Y%m%d-%H%M}-{tail}"


@dataclass(frozen=True, slots=True)
class Event:
    """One ledger line. `data` is the payload as stored; `payload` is it typed."""

    seq: int
    ts: str
    type: str
    runbook: str | None
    step: int | None
    actor: str
    data: dict[str, Any]
    id: str = ""  # globally unique, so ledgers from several machines merge without loss

    @property
    def time(self) -> datetime:
        return parse_iso(self.ts)

    @property
    def payload(self) -> Payload:
        return decode(self.type, self.data)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "seq": self.seq, "ts": self.ts, "type": self.type,
                "runbook": self.runbook, "step": self.step, "actor": self.actor,
                "data": self.data}


def new_event_id() -> str:
    return uuid.uuid4().hex


class CorruptLedger(TriagebookError):
    def __init__(self, path: Path, line: int, why: str) -> None:
        self.path, self.line, self.why = path, line, why

    def __str__(self) -> str:
        return (f"{self.path}:{self.line}: corrupt-ledger: {self.why}; the ledger is "
                f"append-only, so this line was changed by hand — restore it from backup")


class IncidentBusy(TriagebookError):
    def __init__(self, incident_id: str, holder: str) -> None:
        self.incident_id, self.holder = incident_id, holder

    def __str__(self) -> str:
        return (f"incident {self.incident_id} is open in another runner ({self.holder}); "
                f"finish or quit that session first (its events are safe)")


class NoSuchIncident(TriagebookError):
    def __init__(self, incident_id: str, known: list[str]) -> None:
        self.incident_id, self.known = incident_id, known

    def __str__(self) -> str:
        hint = suggest(self.incident_id, self.known)
        extra = f"; did you mean {' or '.join(hint)}?" if hint else ""
        return f"no incident '{self.incident_id}'{extra} (inv incident.list shows them)"


def read_events(path: Path) -> list[Event]:
    """All complete events; a torn last line (a crash mid-write) is ignored."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return []
    lines = raw.split(b"\n")
    complete = lines[:-1]  # text after the last newline is torn or empty
    events = []
    for n, line in enumerate(complete, 1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            events.append(Event(d["seq"], d["ts"], d["type"], d.get("runbook"), d.get("step"),
                                d.get("actor", ""), d.get("data") or {},
                                # ledgers written before ids existed: stable per line
                                d.get("id") or f"{path.parent.name}:{d['seq']}"))
        except (ValueError, KeyError, TypeError) as exc:
            raise CorruptLedger(path, n, f"not a ledger event ({exc})") from None
    return events


class Ledger:
    """One incident's ledger opened for writing.

    `session=True` (the runner) also holds the session lock until closed, so a second
    runner is refused; other writers (escalation, ack, tick) take only the short
    per-append lock and can write while a runner is open.
    """

    def __init__(self, folder: Path, incident_id: str, actor: str, redactor: Redactor,
                 clock: Clock = utc_now, session: bool = True) -> None:
        self.id = check_id(incident_id)
        self.dir = folder / incident_id
        self.path = self.dir / EVENTS
        self.actor = actor
        self.redactor = redactor
        self.clock = clock
        self.session = session
        self._lock_fd: int | None = None
        self._held: int | None = None  # the append lock, while `locked()` holds it
        self._opened = False
        self._cache: tuple[tuple[int, int], list[Event]] | None = None

    @property
    def exists(self) -> bool:
        return self.path.is_file()

    @property
    def events(self) -> list[Event]:
        """The events on disk now (others may append while a session is open)."""
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return []
        key = (st.st_size, st.st_mtime_ns)
        if self._cache is None or self._cache[0] != key:
            self._cache = (key, read_events(self.path))
        return self._cache[1]

    def open(self) -> Ledger:
        self.dir.mkdir(parents=True, exist_ok=True)
        if self.session:
            fd = os.open(self.dir / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.read(fd, 200).decode("utf-8", "replace").strip() or "unknown pid"
                os.close(fd)
                raise IncidentBusy(self.id, holder) from None
            os.ftruncate(fd, 0)
            os.write(fd, f"pid {os.getpid()} on {socket.gethostname()}".encode())
            self._lock_fd = fd
        self._opened = True
        return self

    def close(self) -> None:
        self._opened = False
        if self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None

    def __enter__(self) -> Ledger:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def append(self, payload: Payload, runbook: str | None = None,
               step: int | None = None) -> Event:
        if not self._opened:
            raise RuntimeError("ledger not open")  # a programming error, not a user one
        held = self._held is not None
        lock = self._held if self._held is not None else self._take_append_lock()
        try:
            first = _cut_torn_tail(self.path)
            events = self.events
            seq = events[-1].seq + 1 if events else 1
            ev = Event(seq, iso(self.clock()), payload.TYPE, runbook, step, self.actor,
                       self.redactor.data(payload.to_data()), new_event_id())
            line = json.dumps(ev.as_dict(), ensure_ascii=False, separators=(",", ":")) + "\n"
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line.encode("utf-8"))
                os.fsync(fd)
                st = os.fstat(fd)
            finally:
                os.close(fd)
            # Still under the lock: the file is exactly what we read plus our line, so the
            # cache grows by one event instead of the whole file being read again.
            self._cache = ((st.st_size, st.st_mtime_ns), [*events, ev])
            if first:
                _fsync_dir(self.dir)
        finally:
            if not held:
                fcntl.flock(lock, fcntl.LOCK_UN)
                os.close(lock)
        return ev

    def _take_append_lock(self) -> int:
        lock = os.open(self.dir / APPEND_LOCK, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(lock, fcntl.LOCK_EX)
        return lock

    @contextmanager
    def locked(self) -> Iterator[Ledger]:
        """Hold the append lock across read, decide and append: no other writer between.

        For check-then-act writers (escalation's cap, tick's claims): `self.events` read
        inside is final until the block ends, and appends inside reuse the held lock.
        """
        if not self._opened:
            raise RuntimeError("ledger not open")
        self._held = self._take_append_lock()
        try:
            yield self
        finally:
            fcntl.flock(self._held, fcntl.LOCK_UN)
            os.close(self._held)
            self._held = None


def _cut_torn_tail(path: Path) -> bool:
    """Drop an incomplete last line (a crash mid-write); True when the file is new.

    Without this the next event would be glued onto the torn one.
    """
    try:
        with open(path, "rb+") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            if size == 0:
                return True
            fh.seek(size - 1)
            if fh.read(1) == b"\n":
                return False
            fh.seek(0)
            data = fh.read()
            fh.truncate(data.rfind(b"\n") + 1)
            fh.flush()
            os.fsync(fh.fileno())
            return False
    except FileNotFoundError:
        return True


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def incident_ids(folder: Path) -> list[str]:
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if (p / EVENTS).is_file())


def load(folder: Path, incident_id: str) -> list[Event]:
    check_id(incident_id)
    path = folder / incident_id / EVENTS
    if not path.is_file():
        raise NoSuchIncident(incident_id, incident_ids(folder))
    return read_events(path)


def iter_all(folder: Path) -> Iterator[tuple[str, list[Event]]]:
    for iid in incident_ids(folder):
        yield iid, read_events(folder / iid / EVENTS)

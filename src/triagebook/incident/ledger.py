"""The incident ledger: append-only JSON lines, fsynced per event under a lock.

`incidents/ID/events.jsonl` holds one event per line (`seq`, `ts`, `type`, `runbook`,
`step`, `actor`, `data`).  Nothing is ever rewritten: corrections are new events, and
all state is derived by folding them (see `state.py`).  A runner holds an exclusive
lock for its whole session; a second one is refused with the holder's pid.

An event is appended whole and fsynced, or not at all and the writer is told
(`LedgerNotWritable`: a full or read-only disk, an I/O error).  Every event is checked
against its declaration before it is written (`InvalidEvent`) and again when read: a
line that is not a valid event is reported as a `Problem` (file, line, field) and
skipped, so one bad line never hides the rest of its incident, nor other incidents.  A
torn last line (a crash mid-write) is not a problem: it is ignored, and cut before the
next append.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from triagebook.base.errors import TriagebookError
from triagebook.base.redaction import Redactor
from triagebook.base.timeutil import Clock, iso, utc_now
from triagebook.incident.durable import append_line, cut_torn_tail, write_all, write_file
from triagebook.incident.events import Payload
from triagebook.incident.line import Event as Event
from triagebook.incident.line import Events as Events
from triagebook.incident.line import new_event_id
from triagebook.incident.reading import EVENTS as EVENTS
from triagebook.incident.reading import ID_RE as ID_RE
from triagebook.incident.reading import NoSuchIncident as NoSuchIncident
from triagebook.incident.reading import UnreadableLedger as UnreadableLedger
from triagebook.incident.reading import check_id as check_id
from triagebook.incident.reading import incident_ids as incident_ids
from triagebook.incident.reading import iter_all as iter_all
from triagebook.incident.reading import load as load
from triagebook.incident.reading import new_id as new_id
from triagebook.incident.reading import read_events as read_events
from triagebook.incident.validate import check

LOCK = ".lock"  # held by a runner for its whole session
APPEND_LOCK = ".append.lock"  # held by any writer for one append


class LedgerNotWritable(TriagebookError):
    """The disk refused an event (full, read-only, I/O error): nothing more is recorded."""

    def __init__(self, incident_id: str, why: str, last_seq: int | None) -> None:
        self.incident_id, self.why, self.last_seq = incident_id, why, last_seq

    def __str__(self) -> str:
        if self.last_seq is None:
            where = "the last recorded event could not be read back"
        elif self.last_seq:
            where = f"the last recorded event is seq {self.last_seq}"
        else:
            where = f"nothing is recorded for {self.incident_id} yet"
        return f"ledger not writable: {self.why}; {where}"


class InvalidEvent(TriagebookError):
    """An event that does not match its declaration in events.py: refused, not written."""

    def __init__(self, incident_id: str, type_: str, field: str, why: str) -> None:
        self.incident_id, self.type, self.field, self.why = incident_id, type_, field, why

    def __str__(self) -> str:
        article = "an" if self.type[:1] in "aeiou" else "a"
        return (f"refusing to record {article} {self.type} event on {self.incident_id}: "
                f"{self.field}: {self.why}")


class IncidentBusy(TriagebookError):
    def __init__(self, incident_id: str, holder: str) -> None:
        self.incident_id, self.holder = incident_id, holder

    def __str__(self) -> str:
        return (f"incident {self.incident_id} is open in another runner ({self.holder}); "
                f"finish or quit that session first (its events are safe)")


def checked(incident_id: str, type_: str, data: dict[str, Any]) -> dict[str, Any]:
    """`data` if it matches its declaration, else `InvalidEvent` (nothing is written)."""
    bad = check(type_, data)
    if bad:
        raise InvalidEvent(incident_id, type_, *bad[0])
    return data


def not_writable(incident_id: str, path: Path, exc: OSError) -> LedgerNotWritable:
    """The error for a refused write, with the last event that is safely recorded."""
    why = exc.strerror or str(exc)
    where = exc.filename or path
    try:
        last: int | None = read_events(path).last_seq
    except OSError:
        last = None
    return LedgerNotWritable(incident_id, f"{why} ({where})", last)


def take_append_lock(folder: Path) -> int:
    """The short lock every writer holds for one append (or a `locked()` block)."""
    fd = os.open(folder / APPEND_LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def release(fd: int) -> None:
    fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)


def take_session_lock(folder: Path, incident_id: str) -> int:
    """The runner's lock on an incident, held for its session; `IncidentBusy` (with the
    holder's pid and host) when another runner has it."""
    fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.read(fd, 200).decode("utf-8", "replace").strip() or "unknown pid"
        os.close(fd)
        raise IncidentBusy(incident_id, holder) from None
    try:
        os.ftruncate(fd, 0)
        write_all(fd, f"pid {os.getpid()} on {socket.gethostname()}".encode())
    except OSError:
        os.close(fd)  # closing drops the lock too
        raise
    return fd


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
        self._cache: tuple[tuple[int, int], Events] | None = None
        # Called after each successful local write with the last event written: the
        # shared store's sync (incident/sync.py).  Local first: it never blocks for long.
        self.on_append: Callable[[Event], None] | None = None

    @property
    def exists(self) -> bool:
        return self.path.is_file()

    @property
    def events(self) -> Events:
        """The events on disk now (others may append while a session is open)."""
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return Events()
        key = (st.st_size, st.st_mtime_ns)
        if self._cache is None or self._cache[0] != key:
            self._cache = (key, read_events(self.path))
        return self._cache[1]

    def open(self) -> Ledger:
        """Ready to append; a session also takes the incident. A disk that cannot take the
        folder or the lock (read-only, full) is refused here, before anything is shown."""
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            if self.session:
                self._lock_fd = take_session_lock(self.dir, self.id)
        except OSError as exc:
            raise not_writable(self.id, self.path, exc) from None
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
        """Record one event, whole and fsynced, and return it — or raise and record nothing:
        `InvalidEvent` when it does not match its declaration, `LedgerNotWritable` when
        the disk refuses it (the partial line is cut again)."""
        return self.append_all([(payload, runbook, step)])[0]

    def append_all(self, items: list[tuple[Payload, str | None, int | None]]) -> list[Event]:
        """Record several events in one write and one fsync: all of them or none."""
        datas = [checked(self.id, p.TYPE, self.redactor.data(p.to_data())) for p, _, _ in items]

        def make(have: Events) -> list[Event]:
            return [Event(have.next_seq + i, iso(self.clock()), payload.TYPE, runbook, step,
                          self.actor, data, new_event_id())
                    for i, ((payload, runbook, step), data) in enumerate(zip(items, datas,
                                                                            strict=True))]

        return self.write_events(make)

    def write_events(self, make: Callable[[Events], list[Event]]) -> list[Event]:
        """Under the append lock: cut a torn tail, `make` the new events from what is on
        disk, append them in one write and one fsync.  The file is then exactly what was
        read plus those lines, so the cache grows by them instead of a full re-read."""
        if not self._opened:
            raise RuntimeError("ledger not open")  # a programming error, not a user one
        held = self._held is not None
        lock = self._held if self._held is not None else self._take_append_lock()
        try:
            try:
                cut_torn_tail(self.path)
                events = self.events
                new = make(events)
                if new:
                    blob = "".join(json.dumps(ev.as_dict(), ensure_ascii=False,
                                              separators=(",", ":")) + "\n" for ev in new)
                    st = append_line(self.path, blob.encode("utf-8"))
                    for ev in new:
                        events = events.plus(ev)
                    self._cache = ((st.st_size, st.st_mtime_ns), events)
            except OSError as exc:
                raise not_writable(self.id, self.path, exc) from None
        finally:
            if not held:
                release(lock)
        if new and self.on_append is not None:
            self.on_append(new[-1])  # the store's sync sends everything queued
        return new

    def write_file(self, relpath: str, data: bytes) -> Path:
        """A file in the incident's folder (a runbook snapshot): whole under its name, or
        absent and `LedgerNotWritable` raised."""
        path = self.dir / relpath
        try:
            write_file(path, data)
        except OSError as exc:
            raise not_writable(self.id, self.path, exc) from None
        return path

    def _take_append_lock(self) -> int:
        try:
            return take_append_lock(self.dir)
        except OSError as exc:
            raise not_writable(self.id, self.path, exc) from None

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
            release(self._held)
            self._held = None

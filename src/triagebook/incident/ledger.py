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
import re
import secrets
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from triagebook.base import jsonio
from triagebook.base.errors import Problem, TriagebookError, UsageError, did_you_mean
from triagebook.base.redaction import Redactor
from triagebook.base.timeutil import Clock, iso, utc_now
from triagebook.incident.durable import append_line, cut_torn_tail, write_all, write_file
from triagebook.incident.events import Payload
from triagebook.incident.line import BadEvent, from_data, new_event_id
from triagebook.incident.line import Event as Event
from triagebook.incident.line import Events as Events
from triagebook.incident.validate import check

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


class NoSuchIncident(TriagebookError):
    def __init__(self, incident_id: str, known: list[str]) -> None:
        self.incident_id, self.known = incident_id, known

    def __str__(self) -> str:
        extra = did_you_mean(self.incident_id, self.known, 3)
        return f"no incident '{self.incident_id}'{extra} (inv incident.list shows them)"


def read_events(path: Path) -> Events:
    """Every valid event; each invalid complete line is a Problem and is skipped.

    Text after the last newline is a torn write (or nothing): ignored, not a problem.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Events()
    iid = path.parent.name
    events: list[Event] = []
    problems: list[Problem] = []
    top = 0
    for n, line in enumerate(raw.split(b"\n")[:-1], 1):
        if not line.strip():
            continue
        top += 1
        try:
            d = jsonio.loads(line)
        except (ValueError, RecursionError) as exc:
            found = [("line", f"not valid JSON ({getattr(exc, 'msg', type(exc).__name__)})")]
        else:
            seq = d.get("seq") if isinstance(d, dict) else None
            if isinstance(seq, int) and not isinstance(seq, bool):
                top = max(top, seq)
            try:
                events.append(from_data(d, iid))
                continue
            except BadEvent as exc:
                found = exc.found
        what = "; ".join(f"{f}: {m}" for f, m in found)
        problems.append(Problem(str(path), n, "bad-event",
                                f"{what}; skipped, the rest of {iid} is shown", "warning"))
    return Events(events, problems, top)


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
                self._lock_fd = self._take_lock()
        except OSError as exc:
            raise self._not_writable(exc) from None
        self._opened = True
        return self

    def _take_lock(self) -> int:
        fd = os.open(self.dir / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 200).decode("utf-8", "replace").strip() or "unknown pid"
            os.close(fd)
            raise IncidentBusy(self.id, holder) from None
        try:
            os.ftruncate(fd, 0)
            write_all(fd, f"pid {os.getpid()} on {socket.gethostname()}".encode())
        except OSError:
            os.close(fd)  # closing drops the lock too
            raise
        return fd

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
        if not self._opened:
            raise RuntimeError("ledger not open")  # a programming error, not a user one
        datas = []
        for payload, _, _ in items:
            data = self.redactor.data(payload.to_data())
            bad = check(payload.TYPE, data)
            if bad:
                raise InvalidEvent(self.id, payload.TYPE, *bad[0])
            datas.append(data)
        held = self._held is not None
        lock = self._held if self._held is not None else self._take_append_lock()
        try:
            try:
                cut_torn_tail(self.path)
                events = self.events
                new: list[Event] = []
                for (payload, runbook, step), data in zip(items, datas, strict=True):
                    seq = (new[-1].seq + 1) if new else events.next_seq
                    new.append(Event(seq, iso(self.clock()), payload.TYPE, runbook, step,
                                     self.actor, data, new_event_id()))
                lines = "".join(json.dumps(ev.as_dict(), ensure_ascii=False,
                                           separators=(",", ":")) + "\n" for ev in new)
                st = append_line(self.path, lines.encode("utf-8"))
            except OSError as exc:
                raise self._not_writable(exc) from None
            # Still under the lock: the file is exactly what we read plus our lines, so the
            # cache grows by those events instead of the whole file being read again.
            for ev in new:
                events = events.plus(ev)
            self._cache = ((st.st_size, st.st_mtime_ns), events)
        finally:
            if not held:
                fcntl.flock(lock, fcntl.LOCK_UN)
                os.close(lock)
        if self.on_append is not None:
            for ev in new:
                self.on_append(ev)
        return new

    def write_file(self, relpath: str, data: bytes) -> Path:
        """A file in the incident's folder (a runbook snapshot): whole under its name, or
        absent and `LedgerNotWritable` raised."""
        path = self.dir / relpath
        try:
            write_file(path, data)
        except OSError as exc:
            raise self._not_writable(exc) from None
        return path

    def _take_append_lock(self) -> int:
        try:
            lock = os.open(self.dir / APPEND_LOCK, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise self._not_writable(exc) from None
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


    def adopt(self, events: list[Event]) -> list[Event]:
        """Append events written elsewhere (`incident.merge`), keeping their id, ts,
        actor and data; seq continues this ledger's.  Ids already here are skipped, so
        adopting twice adds nothing; an event that does not match its declaration is
        refused like one of ours.  Returns the events written."""
        if not self._opened:
            raise RuntimeError("ledger not open")
        held = self._held is not None
        lock = self._held if self._held is not None else self._take_append_lock()
        out: list[Event] = []
        try:
            try:
                cut_torn_tail(self.path)
                have = self.events
                known = {e.id for e in have}
                seq = have.next_seq - 1
                for ev in events:
                    if ev.id in known:
                        continue
                    data = self.redactor.data(ev.data)
                    bad = check(ev.type, data)
                    if bad:
                        raise InvalidEvent(self.id, ev.type, *bad[0])
                    known.add(ev.id)
                    seq += 1
                    out.append(replace(ev, seq=seq, data=data))
                if out:
                    blob = "".join(json.dumps(e.as_dict(), ensure_ascii=False,
                                              separators=(",", ":")) + "\n" for e in out)
                    append_line(self.path, blob.encode("utf-8"))
            except OSError as exc:
                raise self._not_writable(exc) from None
            self._cache = None
        finally:
            if not held:
                fcntl.flock(lock, fcntl.LOCK_UN)
                os.close(lock)
        if out and self.on_append is not None:
            self.on_append(out[-1])
        return out


    def _not_writable(self, exc: OSError) -> LedgerNotWritable:
        why = exc.strerror or str(exc)
        where = exc.filename or self.path
        try:
            last: int | None = read_events(self.path).last_seq
        except OSError:
            last = None
        return LedgerNotWritable(self.id, f"{why} ({where})", last)


def incident_ids(folder: Path) -> list[str]:
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if (p / EVENTS).is_file())


class UnreadableLedger(TriagebookError):
    def __init__(self, path: Path, why: str) -> None:
        self.path, self.why = path, why

    def __str__(self) -> str:
        return f"{self.path}: cannot read the ledger: {self.why}"


def load(folder: Path, incident_id: str) -> Events:
    check_id(incident_id)
    path = folder / incident_id / EVENTS
    if not path.is_file():
        raise NoSuchIncident(incident_id, incident_ids(folder))
    try:
        return read_events(path)
    except OSError as exc:
        raise UnreadableLedger(path, exc.strerror or str(exc)) from None


def iter_all(folder: Path) -> Iterator[tuple[str, Events]]:
    """Every incident's events; a ledger that cannot be read is one Problem, not a stop."""
    for iid in incident_ids(folder):
        path = folder / iid / EVENTS
        try:
            yield iid, read_events(path)
        except OSError as exc:
            yield iid, Events(problems=[Problem(str(path), None, "unreadable-ledger",
                                                exc.strerror or str(exc))])

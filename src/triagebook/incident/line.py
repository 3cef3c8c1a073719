"""One ledger line: the event envelope, and the one door from stored data to an event.

Every reader of events written elsewhere — the ledger file, the team store, a bundle, a
ledger handed in for merging — turns a decoded JSON object into an `Event` through
`from_data`, which checks it against the declarations first (incident/validate.py), so
nothing the writer would refuse is ever taken in by a reader.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from triagebook.base.errors import Problem
from triagebook.base.timeutil import parse_iso
from triagebook.incident.events import Payload, decode
from triagebook.incident.validate import Found, check_line


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
    def when(self) -> datetime:
        """When it happened: the payload's `at` for an entry made later, else `time`."""
        at = self.data.get("at")
        if isinstance(at, str) and at:
            try:
                ts = parse_iso(at)
            except ValueError:
                return self.time
            if ts.tzinfo is not None:
                return ts
        return self.time

    @property
    def payload(self) -> Payload:
        return decode(self.type, self.data)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "seq": self.seq, "ts": self.ts, "type": self.type,
                "runbook": self.runbook, "step": self.step, "actor": self.actor,
                "data": self.data}


def new_event_id() -> str:
    return uuid.uuid4().hex


class Events(list[Event]):
    """A ledger's valid events in order, with a `Problem` for each line that is not one."""

    def __init__(self, events: Iterable[Event] = (), problems: Iterable[Problem] = (),
                 top: int = 0) -> None:
        super().__init__(events)
        self.problems = list(problems)
        self.top = top  # the highest seq on any line, valid or not, or the line count

    @property
    def last_seq(self) -> int:
        return self[-1].seq if self else 0

    @property
    def next_seq(self) -> int:
        """Unique even beside bad lines: above every seq and every line in the file."""
        return max(self.top, max((e.seq for e in self), default=0)) + 1

    def plus(self, ev: Event) -> Events:
        return Events([*self, ev], self.problems, max(self.top, ev.seq))


class BadEvent(ValueError):
    """Not a ledger event: `found` holds (field, what is wrong) pairs."""

    def __init__(self, found: Found) -> None:
        self.found = found
        super().__init__("; ".join(f"{f}: {m}" for f, m in found))


def from_data(d: object, incident: str) -> Event:
    """A decoded ledger line → a checked `Event`; `BadEvent` when it is not one.

    Events written before ids existed are named `<incident>:<seq>`, the same on every
    machine, so they still merge by id."""
    found = check_line(d)
    if found:
        raise BadEvent(found)
    assert isinstance(d, dict)
    return Event(d["seq"], d["ts"], d["type"], d.get("runbook"), d.get("step"),
                 d.get("actor", ""), d.get("data") or {}, d.get("id") or f"{incident}:{d['seq']}")


MAX_EVENTS = 20_000  # events in a ledger handed in (a bundle's, or one to merge)


class BadLedger(ValueError):
    """A ledger handed in that is not one incident's: ``line`` (0: the whole file)."""

    def __init__(self, line: int, why: str) -> None:
        super().__init__(why)
        self.line, self.why = line, why


def parse_ledger(raw: bytes, incident: str) -> list[Event]:
    """A ledger file's bytes → events, each through the door; a torn last line is
    ignored, as the local reader does.  More than MAX_EVENTS lines is refused unread."""
    from triagebook.base import jsonio

    if raw.count(b"\n") > MAX_EVENTS:
        raise BadLedger(0, f"more than {MAX_EVENTS} events: not one incident's ledger; "
                           f"refused unread")
    out = []
    for n, line in enumerate(raw.split(b"\n")[:-1], 1):
        if not line.strip():
            continue
        try:
            out.append(from_data(jsonio.loads(line), incident))
        except (ValueError, KeyError, TypeError) as exc:
            raise BadLedger(n, f"not a ledger event ({exc})") from None
    return out

"""The shared ledger store, as a port: what the core needs from any team store.

A store holds the events of every incident, keyed by the event's globally unique id, so
writing an event twice stores it once and ledgers from several machines merge without
loss.  It also holds claims: which responder walks which runbook of an incident, so the
same runbook is not walked on two machines at once.  `postgres.py` is the adapter; the
core (sync, merged reads, claims, follow) speaks only to this class.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from triagebook.base.errors import TriagebookError
from triagebook.incident.ledger import Event


class StoreUnavailable(TriagebookError):
    """The store cannot be reached or used now; local work goes on and syncs later."""

    def __init__(self, where: str, why: str) -> None:
        self.where, self.why = where, why

    def __str__(self) -> str:
        return f"ledger store {self.where} unreachable: {self.why}"


class StoreSchemaError(TriagebookError):
    """The store is reachable but its schema is missing or from another version."""

    def __init__(self, where: str, why: str) -> None:
        self.where, self.why = where, why

    def __str__(self) -> str:
        return f"ledger store {self.where}: {self.why}"


@dataclass(frozen=True, slots=True)
class ClaimHolder:
    """Who walks one runbook of one incident, and when they were last heard of."""

    incident: str
    runbook: str
    token: str  # random per runner session; only its owner renews or releases a claim
    actor: str
    host: str
    pid: int
    since: datetime | None = None
    heartbeat: datetime | None = None

    def describe(self) -> str:
        return f"{self.actor} (pid {self.pid} on {self.host})"


@dataclass(frozen=True, slots=True)
class StoredIncident:
    """An incident as the store knows it, for listing."""

    id: str
    events: int
    last_ts: datetime


class EventStore(ABC):
    """One team store. Every call may raise StoreUnavailable (bounded by a timeout)."""

    where: str  # shown to people: the URL without credentials

    @abstractmethod
    def migrate(self) -> tuple[int, int]:
        """Create or upgrade the schema; (version before, version after)."""

    @abstractmethod
    def put(self, incident: str, events: Iterable[Event]) -> int:
        """Store events (idempotent on id); how many were new."""

    @abstractmethod
    def events(self, incident: str) -> list[Event]:
        """Every stored event of one incident, ordered by time, then seq, then id."""

    @abstractmethod
    def incidents(self) -> list[StoredIncident]:
        """The incidents the store knows."""

    @abstractmethod
    def listing_events(self) -> dict[str, list[Event]]:
        """Per incident, the events a listing folds (opened, severity, milestones,
        runbooks) — not every step and command."""

    @abstractmethod
    def claim(self, want: ClaimHolder, ttl_s: float, displace: str = "") -> ClaimHolder:
        """Take the runbook's claim, or renew ours; returns the holder after the call
        (``want`` when granted, someone else's live claim when not).  A claim that has
        expired, or whose token is ``displace`` (a runner known dead), is taken over."""

    @abstractmethod
    def release(self, held: ClaimHolder) -> None:
        """Give up our claim (no-op when it is not ours any more)."""

    @abstractmethod
    def wait(self, incident: str, timeout_s: float) -> bool:
        """Block up to ``timeout_s`` for news of the incident (LISTEN/NOTIFY); True if
        something arrived.  The first call subscribes."""

    @abstractmethod
    def close(self) -> None:
        """Drop the connection; a later call reconnects."""

    def put_record(self, rid: str, kind: str, body: str) -> None:
        """Keep one on-call record (an override, a presence mark) for the team; idempotent
        by id.  A store without a place for them keeps nothing."""
        del rid, kind, body

    def records(self, kind: str) -> list[str]:
        """Every on-call record of one kind, oldest first (JSON text, as put)."""
        del kind
        return []

    def set_record(self, rid: str, kind: str, body: str) -> None:
        """Keep one record, replacing what the id held (a claim taken under a team lock)."""
        del rid, kind, body

    def record(self, rid: str) -> str | None:
        """One record by id (JSON text, as first put), or None."""
        del rid
        return None

    def lock_incident(self, incident: str, wait_s: float) -> bool:
        """Take the team-wide lock on one incident's decisions (issue 22), waiting up to
        ``wait_s``; False when it could not be had in time.  A store without one: True."""
        return True

    def unlock_incident(self, incident: str) -> None:
        """Give the lock back (also given back when the connection closes)."""
        del incident  # nothing to give back: lock_incident took nothing

    def holds(self, ids: list[str]) -> int:
        """How many of these event ids the store holds (a store may answer faster)."""
        wanted = set(ids)
        return sum(1 for inc in self.incidents() for e in self.events(inc.id) if e.id in wanted)

    def __enter__(self) -> EventStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


SKEW_S = 60.0  # past this, times recorded on a machine disagree with the team's


def clock_skew(store: EventStore, clock: Callable[[], datetime]) -> float | None:
    """Seconds ``clock`` is ahead of the store's (negative: behind), taken at the middle
    of the round trip; None when the store has no clock to ask."""
    there = getattr(store, "now", None)
    if there is None:
        return None
    before = clock()
    theirs: datetime = there()
    after = clock()
    return (before + (after - before) / 2 - theirs).total_seconds()


def merge_events(*sources: Iterable[Event]) -> list[Event]:
    """Union by event id, ordered by time, then seq, then id.

    The first copy of an id wins (callers pass the local ledger first).  `seq` breaks
    ties inside one millisecond, so one ledger's own events never swap places; between
    ledgers it is only a stable tie-break.
    """
    seen: dict[str, Event] = {}
    for src in sources:
        for ev in src:
            seen.setdefault(ev.id, ev)
    return sorted(seen.values(), key=lambda e: (e.time, e.seq, e.id))

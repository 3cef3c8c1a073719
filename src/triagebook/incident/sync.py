"""Local first, shared after: push each incident's local events to the team store.

The local ledger is always written first (and fsynced); the store gets a copy.  What the
store has confirmed is kept as a cursor beside the ledger (`incidents/ID/.sync`: the
store and the last seq it holds), so the events after it are the outbox: when the store
is unreachable they simply wait, and the next append — or `inv incident.sync` — sends
them.  Sending is idempotent (the store keys events by id), so a cursor that lags (a
crash between insert and cursor write, two writers racing) costs a resend, never a
duplicate.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from triagebook.base.errors import TriagebookError, UsageError
from triagebook.config import Config
from triagebook.incident.events import ClockSkewed
from triagebook.incident.ledger import (
    EVENTS,
    Event,
    Ledger,
    NoSuchIncident,
    incident_ids,
    read_events,
)
from triagebook.incident.store import configured, open_store
from triagebook.incident.store.base import SKEW_S, EventStore, clock_skew

CURSOR = ".sync"
SYNC_LOCK = ".sync.lock"  # one sender per incident folder at a time
RETRY_S = 30.0  # after a slow failure, appends stay local this long before trying again
SLOW_S = 0.25  # a failure quicker than this (connection refused) costs nothing to retry

Notify = Callable[[str], None]


def warn(text: str) -> None:
    """The default way the core tells a person something is degraded: one stderr line."""
    print(f"note: {text}", file=sys.stderr, flush=True)


@dataclass(frozen=True, slots=True)
class Pushed:
    incident: str
    sent: int  # events sent this time
    new: int  # of those, new to the store (the rest it had already)
    refilled: bool = False  # the store had lost events it once confirmed: all sent again

    def said(self) -> str:
        """The line a person reads when the store was found wiped or restored."""
        return (f"{self.incident}: the team store had lost events it once held (wiped, or "
                f"restored from an older dump); every local event sent again — {self.new} "
                f"were missing")


def _read_cursor(folder: Path, where: str) -> int:
    try:
        d = json.loads((folder / CURSOR).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return 0
    if not isinstance(d, dict) or d.get("store") != where or not isinstance(d.get("seq"), int):
        return 0  # another store (or a damaged cursor): send everything, the store dedupes
    return int(d["seq"])


def _write_cursor(folder: Path, where: str, seq: int) -> None:
    tmp = folder / f"{CURSOR}.{os.getpid()}"
    tmp.write_text(json.dumps({"store": where, "seq": seq}) + "\n", encoding="utf-8")
    os.replace(tmp, folder / CURSOR)


def pending(folder: Path, where: str, events: list[Event] | None = None) -> list[Event]:
    """The incident's local events the store `where` has not confirmed."""
    done = _read_cursor(folder, where)
    if events is None:
        events = read_events(folder / EVENTS)
    return [e for e in events if e.seq > done]


def _lost(store: EventStore, folder: Path, local: list[Event]) -> bool:
    """Has the store lost events it confirmed?  The first and the last confirmed are
    looked up (two ids, one query): a wiped store has neither, a store restored from an
    older dump lacks the last."""
    done = _read_cursor(folder, store.where)
    confirmed = [e for e in local if e.seq <= done]
    if not confirmed:
        return False
    ids = sorted({confirmed[0].id, confirmed[-1].id})
    return store.holds(ids) < len(ids)


def push(store: EventStore, folder: Path, incident_id: str,
         events: Callable[[], list[Event]] | None = None, resend: bool = False,
         check: bool = False) -> Pushed:
    """Send one incident's outbox; StoreUnavailable/StoreSchemaError leave it queued.

    `events` reads the local ledger (a writer passes its cached view); `resend` sends
    every local event again (idempotent by id); `check` first asks the store whether it
    still holds what it confirmed, and sends everything again when it does not (a wiped
    or restored store refills itself)."""
    lock = os.open(folder / SYNC_LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)  # bounded: the holder's calls are time-limited
        local = events() if events else read_events(folder / EVENTS)
        refilled = check and not resend and _lost(store, folder, local)
        if resend or refilled:
            _write_cursor(folder, store.where, 0)
        todo = pending(folder, store.where, local)
        if not todo:
            return Pushed(incident_id, 0, 0)
        new = store.put(incident_id, todo)
        _write_cursor(folder, store.where, max(e.seq for e in todo))
        return Pushed(incident_id, len(todo), new, refilled)
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        os.close(lock)


def sync(cfg: Config, incident_id: str = "", resend: bool = False) -> list[Pushed]:
    """`inv incident.sync`: send every queued event (of one incident, or all);
    `resend`: every local event, queued or not (`--all`: the store was wiped or restored
    from an older dump, and nothing here is queued any more)."""
    store = open_store(cfg)
    if store is None:
        raise UsageError("incident.sync: no shared store configured; set ledger.store in "
                         "invoke.yaml (see docs/guide/teams.md)")
    known = incident_ids(cfg.incidents_dir)
    if incident_id and incident_id not in known:
        raise NoSuchIncident(incident_id, known)
    ids = [incident_id] if incident_id else known
    with store:
        try:
            return [push(store, cfg.incidents_dir / iid, iid, resend=resend, check=True)
                    for iid in ids]
        except TriagebookError as exc:
            queued = sum(len(pending(cfg.incidents_dir / iid, store.where)) for iid in ids)
            raise SyncFailed(exc, queued) from None


class SyncFailed(TriagebookError):
    def __init__(self, cause: TriagebookError, queued: int) -> None:
        self.cause, self.queued = cause, queued

    def __str__(self) -> str:
        return (f"{self.cause}; {self.queued} event{'s' * (self.queued != 1)} still queued "
                f"here, safe — run inv incident.sync again when the store is back")


class Syncer:
    """A ledger's `on_append` hook: after each local write, send what is queued.

    Offline, it says so once and keeps everything local.  It tries again on the next
    append — unless the failure was slow (a timeout: the network drops packets), then
    only after RETRY_S, so the responder is not kept waiting at every step.  Back online
    it says so and sends the backlog (so does `inv incident.sync`).
    """

    def __init__(self, store: EventStore, ledger: Ledger, notify: Notify = warn,
                 keep_open: bool = True, clock: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self.ledger = ledger
        self.notify = notify
        self.keep_open = keep_open
        self.clock = clock
        self.offline = ""  # why, while offline
        self.retry_at = 0.0
        self.clock_checked = False
        self.store_checked = False  # the first push of a session asks what the store lost

    def __call__(self, ev: Event) -> None:
        if self.offline and self.clock() < self.retry_at:
            return
        began = self.clock()
        try:
            done = push(self.store, self.ledger.dir, self.ledger.id, lambda: self.ledger.events,
                        check=not self.store_checked)
            self.store_checked = True
        except TriagebookError as exc:
            if not self.offline:
                self.notify(f"{exc}; working locally — events are kept and sent by a later "
                            f"append or inv incident.sync")
            self.offline = str(exc)
            now = self.clock()
            self.retry_at = now + RETRY_S if now - began > SLOW_S else now
            self.store.close()
            return
        if self.offline:
            self.notify(f"ledger store {self.store.where} reachable again: {done.sent} queued "
                        f"event{'s' * (done.sent != 1)} sent")
            self.offline = ""
        if done.refilled:
            self.notify(done.said())
        if not self.clock_checked:
            self.clock_checked = True  # once per session: the append below calls back here
            self._check_clock()
        if not self.keep_open:
            self.store.close()

    def _check_clock(self) -> None:
        """This machine's clock against the store's, once connected: past SKEW_S it is
        recorded (`clock.skewed`, shown in the timeline and the post-mortem) and said —
        unless this responder's ledger already says about the same."""
        try:
            skew = clock_skew(self.store, self.ledger.clock)
        except TriagebookError:
            return
        if skew is None or abs(skew) <= SKEW_S:
            return
        for ev in self.ledger.events:
            if ev.type == ClockSkewed.TYPE and ev.actor == self.ledger.actor:
                if abs(float(ev.data.get("seconds", 0)) - skew) <= SKEW_S:
                    return
        self.notify(f"this machine's clock is {abs(skew):.0f} s "
                    f"{'ahead of' if skew > 0 else 'behind'} the team store's; recorded in "
                    f"the timeline — sync the clock (NTP)")
        self.ledger.append(ClockSkewed(seconds=round(skew, 1)))

    def close(self) -> None:
        self.store.close()


def attach(cfg: Config, ledger: Ledger, notify: Notify = warn,
           keep_open: bool = True) -> Syncer | None:
    """Hook the configured store's sync onto a ledger; None when there is no store.

    A store that cannot be used at all (its URL variable empty) is reported once and the
    ledger stays local."""
    if not configured(cfg):
        return None
    try:
        store = open_store(cfg)
    except TriagebookError as exc:
        notify(f"{exc}; working locally")
        return None
    assert store is not None
    syncer = Syncer(store, ledger, notify, keep_open)
    ledger.on_append = syncer
    return syncer

"""`inv incident.timeline ID --follow`: the team's events as they happen.

The store announces every insert (NOTIFY with the incident id); a follower LISTENs and
re-reads the incident when its id comes by, and in any case every `poll_s`, so events
written on this machine (and a store that went away and came back) show up too.  With
no store it follows the local ledger alone.  Offline it says so once and keeps going.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from triagebook.base.errors import TriagebookError
from triagebook.config import Config
from triagebook.incident import ledger as L
from triagebook.incident.store import configured, open_store
from triagebook.incident.store.base import EventStore, merge_events
from triagebook.incident.sync import Notify, warn

RETRY_S = 5.0  # how often a follower offline tries the store again


class _Source:
    """Local ledger ∪ store, read on demand, the store's outages reported once."""

    def __init__(self, cfg: Config, incident_id: str, notify: Notify) -> None:
        self.path = cfg.incidents_dir / incident_id / L.EVENTS
        self.incident_id = incident_id
        self.notify = notify
        self.store: EventStore | None = None
        self.offline = False
        self.next_try = 0.0
        if configured(cfg):
            try:
                self.store = open_store(cfg)
            except TriagebookError as exc:
                notify(f"{exc}; following this machine's events only")

    def _down(self, exc: TriagebookError) -> None:
        if not self.offline:
            self.notify(f"{exc}; following this machine's events, retrying every "
                        f"{int(RETRY_S)} s")
        self.offline = True
        self.next_try = time.monotonic() + RETRY_S
        if self.store is not None:
            self.store.close()

    def read(self) -> list[L.Event]:
        remote: list[L.Event] = []
        if self.store is not None and time.monotonic() >= self.next_try:
            try:
                self.store.wait(self.incident_id, 0)  # subscribe before reading
                remote = self.store.events(self.incident_id)
                if self.offline:
                    self.notify(f"ledger store {self.store.where} reachable again")
                self.offline = False
            except TriagebookError as exc:
                self._down(exc)
        return merge_events(L.read_events(self.path), remote)

    def wait(self, seconds: float) -> None:
        if self.store is not None and not self.offline:
            try:
                self.store.wait(self.incident_id, seconds)
                return
            except TriagebookError as exc:
                self._down(exc)
        time.sleep(seconds)


def follow(cfg: Config, incident_id: str, poll_s: float = 1.0,
           notify: Notify = warn) -> Iterator[tuple[list[L.Event], list[L.Event]]]:
    """Yields (every event, the ones not yielded before): first all of them, then after
    each wake-up (news from the store, or `poll_s`), possibly with nothing new."""
    L.check_id(incident_id)
    src = _Source(cfg, incident_id, notify)
    try:
        events = src.read()
        if not events and not src.path.is_file():
            raise L.NoSuchIncident(incident_id, L.incident_ids(cfg.incidents_dir))
        seen = {e.id for e in events}
        yield events, events
        while True:
            src.wait(poll_s)
            events = src.read()
            new = [e for e in events if e.id not in seen]
            seen.update(e.id for e in new)
            yield events, new
    finally:
        if src.store is not None:
            src.store.close()

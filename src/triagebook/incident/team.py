"""One incident, several responders: the merged view and a runner's place in the team.

Reads merge the local ledger with the shared store (local ∪ store, by event id, ordered
by time); when the store cannot be read they say so once and show the local events —
never fail for want of the network.  A runner joins the team (`join`): it reads what the
others recorded, claims its runbook, and syncs its own events as it appends them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from triagebook.base.errors import TriagebookError
from triagebook.config import Config
from triagebook.incident import ledger as L
from triagebook.incident.claim import Claim
from triagebook.incident.store import configured, open_store
from triagebook.incident.store.base import EventStore, merge_events
from triagebook.incident.sync import Notify, Syncer, attach, push, warn

DECIDE_WAIT_S = 15.0  # how long a decision waits for a teammate's to finish


@contextmanager
def team_lock(cfg: Config, key: str, wait_s: float, held: str, alone: str,
              notify: Notify = warn) -> Iterator[EventStore | None]:
    """The store, holding the team-wide lock ``key`` (every machine takes the same one),
    or None: no store, or one that cannot be reached or locked within ``wait_s`` — said
    once (``held`` names what was held, ``alone`` what this machine does instead)."""
    store = None
    if configured(cfg):
        try:
            store = open_store(cfg)
            assert store is not None
            if not store.lock_incident(key, wait_s):
                raise TriagebookError(f"{held} was held for {wait_s:g} s")
        except TriagebookError as exc:
            notify(f"{exc}; {alone}")
            if store is not None:
                store.close()
            store = None
    try:
        yield store
    finally:
        if store is not None:
            try:
                store.unlock_incident(key)
            except TriagebookError:
                pass  # the connection's end gives it back
            store.close()


@contextmanager
def shared_decision(cfg: Config, led: L.Ledger,
                    notify: Notify = warn) -> Iterator[Callable[[], list[L.Event]]]:
    """Decide for the whole team (issue 22 item 7): with a store, the incident's lock in
    the store (every machine takes the same one), then the team's events (local ∪ store)
    to decide on — an ack or a page recorded on another machine counts — and, before the
    lock is given back, what was decided here pushed to the store, so the next machine
    to decide sees it.  Call inside ``led.locked()``.  Without a store, or with the store
    unreachable (said once), the local ledger alone decides, as before.  Drills (a
    ledger outside the incidents folder) stay local."""
    if led.dir.parent != cfg.incidents_dir:
        yield lambda: list(led.events)
        return
    with team_lock(cfg, led.id, DECIDE_WAIT_S, f"the team lock on {led.id}",
                   "deciding on this machine's events only", notify) as store:
        if store is None:
            yield lambda: list(led.events)
            return
        team = store

        def team_events() -> list[L.Event]:
            try:
                return merge_events(led.events, team.events(led.id))
            except TriagebookError as exc:  # locked, then lost: this machine decides
                notify(f"{exc}; deciding on this machine's events only")
                return list(led.events)

        yield team_events
        try:
            push(store, led.dir, led.id, lambda: led.events)
        except TriagebookError as exc:  # recorded here: sent by the next sync
            notify(f"{exc}; this decision is queued for the store")


def load_merged(cfg: Config, incident_id: str, notify: Notify = warn) -> L.Events:
    """The incident's events: local ∪ store; NoSuchIncident when neither has it."""
    L.check_id(incident_id)
    path = cfg.incidents_dir / incident_id / L.EVENTS
    local = L.read_events(path)
    remote: list[L.Event] = []
    if configured(cfg):
        try:
            store = open_store(cfg)
            assert store is not None
            with store:
                remote = store.events(incident_id)
        except TriagebookError as exc:
            notify(f"{exc}; showing this machine's events only")
    if not local and not remote and not path.is_file():
        raise L.NoSuchIncident(incident_id, L.incident_ids(cfg.incidents_dir))
    # the local ledger's unreadable lines stay reported beside the merged events
    return L.Events(merge_events(local, remote), local.problems, local.top)


@dataclass
class Known:
    """An incident for `incident.list`: its events (for the fold) and where it lives."""

    id: str
    events: list[L.Event]
    where: str  # local | store | local+store
    last: datetime | None = None  # the last event anywhere (the store sends a summary)


def open_for_team(cfg: Config, led: L.Ledger,
                  known: list[L.Event] | None = None) -> L.Ledger:
    """Open ``led`` for writing; an incident only the team's store knows is fetched
    first — its events (``known``, else read here) adopted into the new local ledger —
    so what is recorded next lands after its opening.  NoSuchIncident when neither this
    machine nor the store has it."""
    from triagebook.incident.merge import adopt

    fetched = None if led.exists else (known if known is not None
                                       else list(load_merged(cfg, led.id)))
    led.open()
    if fetched:
        adopt(led, fetched)
    return led


def known_incidents(cfg: Config, notify: Notify = warn) -> list[Known]:
    """Local incidents, and with a store also the ones only the team has."""
    out = {iid: Known(iid, evs, "local") for iid, evs in L.iter_all(cfg.incidents_dir)}
    if not configured(cfg):
        return list(out.values())
    try:
        store = open_store(cfg)
        assert store is not None
        with store:
            summary = {s.id: s for s in store.incidents()}
            listed = store.listing_events()
    except TriagebookError as exc:
        notify(f"{exc}; listing this machine's incidents only")
        return list(out.values())
    for iid, s in summary.items():
        k = out.get(iid)
        if k is None:
            out[iid] = Known(iid, merge_events(listed.get(iid, [])), "store", s.last_ts)
        else:
            k.events = L.Events(merge_events(k.events, listed.get(iid, [])),
                                getattr(k.events, "problems", ()), getattr(k.events, "top", 0))
            k.where = "local+store"
            k.last = max(s.last_ts, k.events[-1].time) if k.events else s.last_ts
    return list(out.values())


def team_incidents(cfg: Config, notify: Notify = warn) -> Iterator[tuple[str, list[L.Event]]]:
    """What a tick looks at: this machine's incidents, and with a store also the open
    ones only the store holds (their whole record from it) — so `escalation.watch` on any
    one machine serves the whole team, not only the incidents opened on it."""
    from triagebook.incident.state import fold

    local = set()
    for iid, here in L.iter_all(cfg.incidents_dir):
        local.add(iid)
        yield iid, here
    if not configured(cfg):
        return
    try:
        store = open_store(cfg)
        assert store is not None
        with store:
            listed = store.listing_events()
            for iid, listing in sorted(listed.items()):
                if iid not in local and "resolved" not in fold(iid, listing).milestones:
                    yield iid, store.events(iid)
    except TriagebookError as exc:
        notify(f"{exc}; ticking this machine's incidents only")


@dataclass
class Team:
    """A runner's link to the team: others' events, its claim, its sync."""

    shared: list[L.Event] = field(default_factory=list)
    claim: Claim | None = None
    syncer: Syncer | None = None

    def close(self) -> None:
        if self.claim is not None:
            self.claim.release()
        if self.syncer is not None:
            self.syncer.close()


def join(cfg: Config, ledger: L.Ledger, runbook: str, notify: Notify = warn) -> Team:
    """Read the team's events, claim the runbook (RunbookClaimed if another runner walks
    it), and sync this ledger.  Without a store: an empty Team (local only)."""
    team = Team()
    if not configured(cfg):
        return team
    team.syncer = attach(cfg, ledger, notify)
    if team.syncer is None:  # the store cannot be used at all; attach said why
        return team
    try:
        team.shared = team.syncer.store.events(ledger.id)
    except TriagebookError as exc:
        team.syncer.offline = str(exc)
        team.syncer.store.close()
        notify(f"{exc}; working locally — events are kept and sent by a later append or "
               f"inv incident.sync")
    offline = bool(team.syncer.offline)
    if offline:
        team.syncer.retry_at = 0.0  # the first append tries once more, quietly
    claim_store = open_store(cfg)
    assert claim_store is not None
    team.claim = Claim(claim_store, ledger.id, runbook, ledger.actor, notify)
    try:
        team.claim.acquire(offline=offline)
    except TriagebookError:
        team.claim = None
        team.syncer.close()
        raise
    return team

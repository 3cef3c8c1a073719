"""From an alert group to an incident: one incident per group, its runbook, its context,
its severity — recorded durably before anyone is told it was taken.

Which incident a group belongs to is claimed first (alerts/claim.py: on this machine,
and with a team store for the whole team).  A repeat delivery adds `alert.fired` only
for alerts not seen before; `resolved` adds `alert.resolved` and never resolves the
incident (a human decides).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from triagebook.alerts.choose import choose, context_from, severity_from
from triagebook.alerts.claim import incident_for, team_claim
from triagebook.alerts.payload import Alert, Group
from triagebook.base.errors import TriagebookError
from triagebook.base.redaction import Redactor
from triagebook.base.timeutil import Clock, iso, parse_iso, utc_now
from triagebook.config import Config
from triagebook.incident import events as E
from triagebook.incident.ledger import Event, Ledger
from triagebook.incident.snapshot import keep_snapshot
from triagebook.incident.state import IncidentState, fold
from triagebook.incident.store.base import EventStore, merge_events
from triagebook.incident.sync import attach
from triagebook.incident.team import open_for_team
from triagebook.runbook.catalog import Catalog, load_catalog, runbook_files
from triagebook.runbook.model import Runbook


@dataclass
class Outcome:
    incident: str
    opened: bool = False
    fired: list[Alert] = field(default_factory=list)
    resolved: list[Alert] = field(default_factory=list)
    runbook: str = ""
    confidence: str = ""

    @property
    def duplicate(self) -> bool:
        return not self.opened and not self.fired and not self.resolved

    def lines(self, group: Group) -> list[str]:
        """One summary line per alert of the delivery."""
        out = []
        fired = {a.key for a in self.fired}
        resolved = {a.key for a in self.resolved}
        for a in group.alerts:
            name = a.labels.get("alertname", "alert")
            what = ("opened" if self.opened and a.key in fired else
                    "fired again" if a.key in fired else
                    "resolved (the incident stays open)" if a.key in resolved else
                    "already recorded")
            rb = f" on {self.runbook} ({self.confidence})" if self.opened else ""
            out.append(f"{self.incident}: {name} {a.status}: {what}{rb}")
        return out


def _seen(st: IncidentState) -> tuple[set[str], set[str]]:
    fired: set[str] = set()
    resolved: set[str] = set()
    for ev in st.events:
        p = ev.payload
        if isinstance(p, E.AlertFired):
            fired.update(str(a.get("key", "")) for a in p.alerts or ())
        elif isinstance(p, E.AlertResolved):
            resolved.update(str(a.get("key", "")) for a in p.alerts or ())
    return fired, resolved


def _stored(alerts: list[Alert]) -> list[dict[str, object]]:
    return [{**a.as_dict(), "key": a.key} for a in alerts]


def _detected(alerts: list[Alert], now: datetime) -> datetime:
    """The earliest start among the alerts (the incident began then), never the future."""
    times = []
    for a in alerts:
        try:
            times.append(parse_iso(a.starts_at))
        except ValueError:
            continue
    aware = [t for t in times if t.tzinfo is not None and t <= now]
    return min(aware) if aware else now


Item = tuple[E.Payload, str | None, int | None]


def _opening(cfg: Config, led: Ledger, group: Group, firing: list[Alert], rb: Runbook | None,
             now: datetime) -> list[Item]:
    """The events that open the incident (its runbook's snapshot is written first)."""
    first = firing[0] if firing else group.alerts[0]
    labels = {**group.common_labels, **first.labels}
    annotations = {**group.common_annotations, **first.annotations}
    title = (annotations.get("summary") or labels.get("alertname") or "alert")[:200]
    items: list[Item] = [(E.IncidentOpened(
        severity=severity_from(cfg, labels, rb), title=title,
        detected_at=iso(_detected(firing or list(group.alerts), now)),
        timezone=cfg.policy.timezone), None, None)]
    if rb is not None:
        values, dropped = context_from(cfg, rb, labels, annotations)
        items.append((E.RunbookAttached(
            title=rb.title, hash=rb.content_hash, snapshot=cfg.display(keep_snapshot(cfg, rb, led)),
            path=rb.path, steps=[s.title for s in rb.steps], context=values,
            secret_context=sorted(rb.secret_names)), rb.id, None))
        if dropped:
            items.append((E.Note(text="alert values not taken (they do not fit the "
                                      "runbook's context): " + "; ".join(dropped)), None, None))
    return items


class Catalogs:
    """The catalog, parsed again only when a runbook file changed (a server takes many
    alerts; a new group needs the catalog, a repeat does not)."""

    def __init__(self, cfg: Config) -> None:
        self.cfg = cfg
        self.lock = threading.Lock()
        self.key: tuple[tuple[str, int, int], ...] | None = None
        self.cat: Catalog | None = None

    def get(self) -> Catalog:
        files = runbook_files(self.cfg.runbooks_dir)
        key = tuple((str(p), st.st_mtime_ns, st.st_size) for p in files
                    if (st := p.stat()) is not None)
        with self.lock:
            if self.cat is None or key != self.key:
                self.cat, self.key = load_catalog(self.cfg), key
            return self.cat


def receive(cfg: Config, group: Group, clock: Clock = utc_now,
            catalog: Callable[[], Catalog] | None = None) -> Outcome:
    """Record the delivery; returns what it changed.  Raises LedgerNotWritable when the
    events cannot be made durable (the sender must retry).  With a team store the group's
    lock there is held until the events are pushed (alerts/claim.py)."""
    now = clock()
    with team_claim(cfg, group) as team:
        iid, team = incident_for(cfg, group, now, team)
        led = Ledger(cfg.incidents_dir, iid, f"{group.source}@alert.serve", Redactor(),
                     clock, session=False)
        # another receiver's incident: its events first (on the claim's own connection),
        # so what is new lands after; none (new, or never pushed): opened afresh
        led = open_for_team(cfg, led, known=_theirs(team, iid)) if team is not None \
            and not led.exists else led.open()
        if team is not None:  # a store that failed in the claim is not asked again
            attach(cfg, led, keep_open=False)  # the team's store gets the events too
        return _record(cfg, group, led, now, catalog)


def _theirs(team: EventStore, iid: str) -> list[Event]:
    try:
        return merge_events(team.events(iid))  # in time order, as load_merged gives them
    except TriagebookError:  # the store went away: this machine's delivery stands alone
        return []


def _record(cfg: Config, group: Group, led: Ledger, now: datetime,
            catalog: Callable[[], Catalog] | None) -> Outcome:
    out = Outcome(led.id)
    with led.locked():
        st = fold(led.id, led.events)
        seen_fired, seen_resolved = _seen(st)
        firing = [a for a in group.alerts if a.status == "firing" and a.key not in seen_fired]
        resolved = [a for a in group.alerts
                    if a.status == "resolved" and a.key not in seen_resolved]
        items: list[Item] = []
        reason, candidates = "", []
        if st.opened_at is None:
            cat = catalog() if catalog is not None else load_catalog(cfg)
            choice = choose(cfg, cat, group)
            rb = cat.runbooks.get(choice.runbook) if choice.runbook else None
            items += _opening(cfg, led, group, firing, rb, now)
            out.opened, out.runbook, out.confidence = True, choice.runbook, choice.confidence
            reason, candidates = choice.reason, list(choice.candidates)
        if firing or out.opened:
            items.append((E.AlertFired(source=group.source, group=group.digest,
                                       alerts=_stored(firing), runbook_reason=reason,
                                       candidates=candidates), None, None))
        if resolved:
            items.append((E.AlertResolved(source=group.source, group=group.digest,
                                          alerts=_stored(resolved)), None, None))
        if items:
            led.append_all(items)  # one write, one fsync: all of the delivery or nothing
    out.fired, out.resolved = firing, resolved
    return out

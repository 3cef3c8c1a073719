"""The incident commander's entries, outside a runbook walk: note, mitigate, resolve, severity.

Each takes only the short append lock (`Ledger(session=False)`), so it works while a
runner holds the incident, and on any incident — the escalation-cap meta-incident
too, which has no runbook.

`at` is when it happened, for an entry made later (`--at`).  It may not be in the
future, nor before the incident was detected.  The event's `ts` stays the time it was
written, so the ledger stays append-only in write order; the payload carries `at`, and
state, timeline and post-mortem place the entry there (`Event.when`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from triagebook.base.errors import BadArgument, UsageError
from triagebook.base.redaction import Redactor
from triagebook.base.timeutil import Clock, iso, utc, utc_now
from triagebook.config import Config
from triagebook.incident import events as E
from triagebook.incident.ledger import Event, Ledger, check_id
from triagebook.incident.state import IncidentState, fold
from triagebook.incident.sync import attach
from triagebook.incident.team import load_merged, open_for_team
from triagebook.runbook.values import parse_severity


@dataclass(frozen=True, slots=True)
class Entry:
    """What a command did: the event written (None: nothing was), one line to show."""

    incident: str
    event: Event | None
    message: str
    postmortem: str = ""  # the draft's path, when resolving wrote one


def _open(cfg: Config, incident_id: str, actor: str, clock: Clock,
          at: datetime | None) -> tuple[Ledger, IncidentState, str | None]:
    check_id(incident_id)
    events = load_merged(cfg, incident_id)  # this machine's ∪ the team's store
    st = fold(incident_id, events)
    when = _checked_at(st, at, clock())
    led = Ledger(cfg.incidents_dir, incident_id, actor, Redactor(), clock, session=False)
    # with a team store, the entry is sent like the runner's events; with the store down
    # it is kept here and queued, and the responder is told so (one stderr line)
    attach(cfg, led, keep_open=False)
    open_for_team(cfg, led, list(events))  # a store-only incident is fetched first
    return led, st, when


def _checked_at(st: IncidentState, at: datetime | None, now: datetime) -> str | None:
    if at is None:
        return None
    if at > now:
        raise BadArgument("at", f"{iso(at)}", f"is in the future (now {iso(now)}); an entry "
                         f"records what already happened")
    if st.detected_at and at < st.detected_at:
        raise BadArgument("at", f"{iso(at)}", f"is before {st.id} was detected "
                         f"({iso(st.detected_at)})")
    return iso(at)


def _when(ev: Event) -> str:
    return utc(ev.when) + (f" (entered {utc(ev.time)})" if ev.when != ev.time else "")


def note(cfg: Config, incident_id: str, text: str, at: datetime | None = None,
         actor: str = "", clock: Clock = utc_now) -> Entry:
    if not text.strip():
        raise UsageError("incident.note: give the note's text: inv incident.note ID 'TEXT'")
    led, _, when = _open(cfg, incident_id, actor, clock, at)
    ev = led.append(E.Note(text=text.strip(), at=when))
    return Entry(incident_id, ev, f"{incident_id}: note recorded at {_when(ev)}")


def milestone(cfg: Config, incident_id: str, name: str, at: datetime | None = None,
              actor: str = "", clock: Clock = utc_now, force: bool = False,
              on_resolved: Callable[[IncidentState], str | None] | None = None) -> Entry:
    """Record `mitigated` or `resolved`; `on_resolved` (the post-mortem policy, given by
    the caller: this layer knows nothing of post-mortems) may return a draft's path.

    Open support-access grants block `resolved` (someone still has access an incident gave
    them) unless `force`, which is recorded with the grants it left open."""
    led, st, when = _open(cfg, incident_id, actor, clock, at)
    if name in st.milestones:
        first, via = st.milestones[name]
        return Entry(incident_id, None, f"{incident_id} was already {name} at {utc(first)} "
                                        f"(via {via}); nothing recorded")
    grants = [g for g in st.grants.values() if g.revoked is None]
    if name == "resolved" and grants:
        names = ", ".join(f"{g.id} ({g.to}: {g.scope})" for g in grants)
        if not force:
            raise UsageError(f"{incident_id}: {len(grants)} support-access grant"
                             f"{'s' * (len(grants) != 1)} still open: {names}; revoke with "
                             f"inv access.revoke {incident_id} GRANT, or resolve with --force")
        led.append(E.Note(text=f"resolved with --force while access grants were open: {names}"))
    via = {"mitigated": "incident.mitigate", "resolved": "incident.resolve"}[name]
    ev = led.append(E.Milestone(name=name, via=via, at=when))
    msg = f"{incident_id}: {name} at {_when(ev)}"
    if name != "resolved":
        return Entry(incident_id, ev, msg)
    path = (on_resolved(fold(incident_id, led.events)) if on_resolved else None) or ""
    return Entry(incident_id, ev, msg, path)


def set_severity(cfg: Config, incident_id: str, value: str, at: datetime | None = None,
                 actor: str = "", clock: Clock = utc_now) -> Entry:
    new = parse_severity(value, "severity")
    led, st, when = _open(cfg, incident_id, actor, clock, at)
    old = st.severity_at(at or clock())
    if new == old:
        return Entry(incident_id, None, f"{incident_id} is already {new}"
                                        + (f" at {utc(at)}" if at else "")
                                        + "; nothing recorded")
    ev = led.append(E.SeverityChanged(from_=old, to=new, at=when))
    return Entry(incident_id, ev, f"{incident_id}: severity {old} → {new} at {_when(ev)}")

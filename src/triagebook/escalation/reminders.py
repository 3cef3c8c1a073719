"""Reminders to people, never pages: a status update is due (per the severity's
`policy.update_minutes`), a support-access grant is about to expire or expired without
being revoked.

`escalation.tick` runs `tick` after the paging work.  The update cadence starts when
someone takes the incident (acknowledgement or a commander): before that, the pages are
what chase people.  Each reminder has a key (the update
window's end, or the grant and its phase) recorded in a `reminder.sent` event under the
incident's lock, so concurrent ticks send each reminder once.  Reminders go to the YELLOW
class's channels (the asynchronous ones, never the loud page) and name the incident
commander, or "on-call" when nobody holds that role.  None after mitigation or resolution.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from triagebook.base.timeutil import Clock, utc, utc_now
from triagebook.config import Config, Policy
from triagebook.escalation.delivery import Job, Result, send
from triagebook.escalation.outbox import ledger_for, redactor_for
from triagebook.incident import actor as A
from triagebook.incident import events as E
from triagebook.incident import ledger as L
from triagebook.incident.state import IncidentState, fold

EXPIRY_WARNING = timedelta(minutes=15)
QUIET = ("mitigated", "resolved")


@dataclass(frozen=True, slots=True)
class Reminder:
    incident: str
    kind: str  # update-due | grant-expiring | grant-expired
    key: str
    to: str
    text: str


def working_since(st: IncidentState) -> datetime | None:
    """When someone took the incident: its acknowledgement or its first commander."""
    marks = [st.milestones["acknowledged"][0]] if "acknowledged" in st.milestones else []
    if "commander" in st.roles:
        marks.append(st.roles["commander"].since)
    return min(marks) if marks else None


def update_due(policy: Policy, st: IncidentState, now: datetime) -> datetime | None:
    """When the next status update is due; None when no cadence applies: a severity
    without one, nobody working it yet (pages chase that), mitigated or resolved, a
    meta-incident.  The window runs from the last update, else from when someone took it."""
    minutes = policy.update_minutes.get(st.severity, 0)
    if not minutes or st.meta_for or any(m in st.milestones for m in QUIET):
        return None
    base = st.updates[-1].at if st.updates else working_since(st)
    if base is None:
        return None
    return base + timedelta(minutes=minutes)


def _window_key(policy: Policy, st: IncidentState, now: datetime) -> tuple[str, datetime] | None:
    due = update_due(policy, st, now)
    if due is None or now < due:
        return None
    step = timedelta(minutes=policy.update_minutes[st.severity])
    missed = int((now - due) / step)  # one reminder per window that passes without one
    window = due + missed * step
    return f"update-due:{window.isoformat()}", window


def due(policy: Policy, st: IncidentState, now: datetime) -> list[Reminder]:
    who = st.roles["commander"].person if "commander" in st.roles else "on-call"
    out: list[Reminder] = []
    found = _window_key(policy, st, now)
    if found is not None and found[0] not in st.reminders:
        key, window = found
        last = f"last update {utc(st.updates[-1].at)}" if st.updates else "no update yet"
        every = policy.update_minutes[st.severity]
        out.append(Reminder(st.id, "update-due", key, who,
                            f"status update due since {utc(window)} ({st.severity}: every "
                            f"{every} min; {last}) — inv incident.update {st.id} 'TEXT'"))
    for g in st.grants.values():
        if g.revoked is not None:
            continue
        if now >= g.until:
            kind, text = "grant-expired", (f"access grant {g.id} ({g.to}: {g.scope}) expired "
                                           f"{utc(g.until)} and is not revoked — remove the "
                                           f"access, then inv access.revoke {st.id} {g.id}")
        elif now >= g.until - EXPIRY_WARNING:
            kind, text = "grant-expiring", (f"access grant {g.id} ({g.to}: {g.scope}) expires "
                                            f"{utc(g.until)} — revoke or grant anew")
        else:
            continue
        key = f"{kind}:{g.id}"
        if key not in st.reminders:
            out.append(Reminder(st.id, kind, key, who, text))
    return out


def _ignore(result: Result) -> None:
    """Reminders record their outcome after `send` returns (a note for what failed)."""


def tick(cfg: Config, clock: Clock = utc_now) -> list[Reminder]:
    """Send every due reminder once; returns what was sent."""
    sent: list[Reminder] = []
    channels = list(cfg.policy.escalation("YELLOW").channels)
    for iid, events in L.iter_all(cfg.incidents_dir):
        if not due(cfg.policy, fold(iid, events), clock()):
            continue
        led = ledger_for(cfg, iid, A.service("escalation.tick"), redactor_for(cfg), clock)
        with led.locked():  # another tick may have sent them meanwhile
            claimed = due(cfg.policy, fold(iid, led.events), clock())
            for r in claimed:
                led.append(E.ReminderSent(kind=r.kind, key=r.key, to=r.to,
                                          channels=channels, text=r.text))
        for r in claimed:
            subject = f"[REMINDER] {r.incident}: {r.kind.replace('-', ' ')} — for {r.to}"
            text = f"{subject}\n{r.text}"
            results = send(cfg, [Job(c) for c in channels], subject, text, text, _ignore)
            failed = [res for res in results if not res.ok]
            if failed:
                led.append(E.Note(text=f"reminder {r.key} not delivered: "
                                       + "; ".join(f.error for f in failed)))
            sent.append(r)
    return sent

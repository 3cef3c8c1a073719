"""Events of coordination (roles, status updates, support access, reminders) and of
alerts from Alertmanager and Grafana."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from triagebook.incident.events.core import Payload, Reading, Where, _time


def _alerts(alerts: list[dict[str, Any]]) -> str:
    names = []
    for a in alerts or []:
        labels = a.get("labels") if isinstance(a, dict) else None
        name = labels.get("alertname") if isinstance(labels, dict) else None
        if isinstance(name, str) and name and name not in names:
            names.append(name)
    count = len(alerts or [])
    shown = f" ({', '.join(names[:3])}{', …' if len(names) > 3 else ''})" if names else ""
    return f"{count} alert{'' if count == 1 else 's'}{shown}"

# ---- coordination: roles, status updates, support access (issue 23) --------------------

@dataclass(frozen=True, slots=True)
class RoleSet(Payload):
    """Someone took an incident role (commander, comms, scribe); empty person clears it."""

    TYPE: ClassVar[str] = "role.set"
    role: str = ""
    person: str = ""
    previous: str = ""

    def reads(self, at: Where) -> Reading:
        if self.person:
            was = f" (was {self.previous})" if self.previous else ""
            return Reading("role", f"{self.person} is {self.role}{was}")
        return Reading("role", f"{self.role} cleared" + (f" (was {self.previous})"
                                                         if self.previous else ""))


@dataclass(frozen=True, slots=True)
class StatusUpdate(Payload):
    """A status update; `public` ones go into the stakeholder summary."""

    TYPE: ClassVar[str] = "update.posted"
    text: str = ""
    public: bool = False

    def reads(self, at: Where) -> Reading:
        return Reading("public update" if self.public else "status update", self.text)


@dataclass(frozen=True, slots=True)
class AccessGranted(Payload):
    """Time-bounded support access: who, to what, why, until when — never a credential."""

    TYPE: ClassVar[str] = "access.granted"
    grant: str = ""
    to: str = ""
    scope: str = ""
    reason: str = ""
    until: str = _time(required=True)

    def reads(self, at: Where) -> Reading:
        return Reading("access granted", f"{self.grant}: {self.to} → {self.scope} until "
                                         f"{self.until} — {self.reason}")


@dataclass(frozen=True, slots=True)
class AccessRevoked(Payload):
    """A support-access grant was revoked (before or after it expired)."""

    TYPE: ClassVar[str] = "access.revoked"
    grant: str = ""
    reason: str = ""

    def reads(self, at: Where) -> Reading:
        return Reading("access revoked", self.grant + (f" — {self.reason}" if self.reason
                                                       else ""))


@dataclass(frozen=True, slots=True)
class ReminderSent(Payload):
    """A reminder to a person (update due, grant expiring or expired) — never a page."""

    TYPE: ClassVar[str] = "reminder.sent"
    kind: str = ""  # update-due | grant-expiring | grant-expired
    key: str = ""  # one reminder per key
    to: str = ""
    channels: list[str] = field(default_factory=list)
    text: str = ""
    failed: list[str] = field(default_factory=list)  # channels that did not take it

    def reads(self, at: Where) -> Reading:
        failed = f" (not taken by {', '.join(self.failed)})" if self.failed else ""
        return Reading("reminder", f"{self.kind} to {self.to}: {self.text}{failed}")


# ---- alerts (issue 21) ------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class AlertFired(Payload):
    """Alerts of the incident's alert group fired (the first ones opened it)."""

    TYPE: ClassVar[str] = "alert.fired"
    source: str = ""  # alertmanager | grafana
    group: str = ""  # sha256 of the group key (the key itself may be long)
    alerts: list[dict[str, Any]] = field(default_factory=list)  # labels, annotations, …
    runbook_reason: str = ""  # why this runbook (annotation, class, matcher, fallback)
    candidates: list[str] = field(default_factory=list)  # when no confident match

    def reads(self, at: Where) -> Reading:
        why = f" — runbook: {self.runbook_reason}" if self.runbook_reason else ""
        return Reading("alert fired", f"{_alerts(self.alerts)} from {self.source}{why}")


@dataclass(frozen=True, slots=True)
class AlertResolved(Payload):
    """Alerts of the group resolved at their source; the incident stays as people left it."""

    TYPE: ClassVar[str] = "alert.resolved"
    source: str = ""
    group: str = ""
    alerts: list[dict[str, Any]] = field(default_factory=list)

    def reads(self, at: Where) -> Reading:
        return Reading("alert resolved", f"{_alerts(self.alerts)} at {self.source}")


# ---- clocks (issue 26) -------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ClockSkewed(Payload):
    """The recording machine's clock against the team store's, measured when it synced:
    past the threshold, every time it records is off by about `seconds` (positive: its
    clock is ahead).  Recorded so the timeline and the post-mortem say so."""

    TYPE: ClassVar[str] = "clock.skewed"
    seconds: float = 0.0
    against: str = "team store"

    def reads(self, at: Where) -> Reading:
        secs = abs(round(self.seconds))
        size = f"{secs // 60} min {secs % 60:02d} s" if secs >= 60 else f"{secs} s"
        side = "ahead of" if self.seconds > 0 else "behind"
        return Reading("clock skew", f"this machine's clock is {size} {side} the "
                                     f"{self.against}'s: the times it records are off by "
                                     f"that much")

"""Every ledger event type, declared once: its name, its payload, how it reads, one line
of doc.

Writers build a payload and append it (`ledger.append(Note(text=...), step=3)`);
readers get it back typed with `payload(event)`; the fold dispatches on the payload's
class, and the timeline, the post-mortem and the replay all read an event through its
own `reads` (events/core.py).

An event type this version does not know (written by a newer triagebook, or by hand) is
read as `Unknown`: kept, shown in the timeline, never a crash.
"""

from __future__ import annotations

from typing import Any

from triagebook.incident.events.core import Payload, Reading, Unknown, Where, _key, _time
from triagebook.incident.events.escalation import (
    EscalationDeferred,
    EscalationDelivered,
    EscalationDigest,
    EscalationDrill,
    EscalationEvent,
    EscalationFailed,
    EscalationFollowup,
    EscalationLeveled,
    EscalationMessage,
    EscalationMuted,
    EscalationPromoted,
    EscalationRetried,
    EscalationSent,
    EscalationShadowed,
)
from triagebook.incident.events.incident import (
    Command,
    ContextSet,
    IncidentOpened,
    LedgerMerged,
    Milestone,
    Note,
    RunbookAttached,
    RunbookForced,
    SessionEnded,
    SessionStarted,
    SeverityChanged,
    StepDone,
    StepSkipped,
    VisibilitySet,
)
from triagebook.incident.events.team import (
    AccessGranted,
    AccessRevoked,
    AlertFired,
    AlertResolved,
    ClockSkewed,
    ReminderSent,
    RoleSet,
    StatusUpdate,
)

__all__ = [
    "EVENT_TYPES", "LISTING_TYPES", "MILESTONES", "PROGRESS", "AccessGranted",
    "AccessRevoked", "AlertFired", "AlertResolved", "ClockSkewed", "Command", "ContextSet",
    "EscalationDeferred", "EscalationDelivered", "EscalationDigest", "EscalationDrill",
    "EscalationEvent", "EscalationFailed", "EscalationFollowup", "EscalationLeveled",
    "EscalationMessage",
    "EscalationMuted", "EscalationPromoted", "EscalationRetried", "EscalationSent",
    "EscalationShadowed", "IncidentOpened", "LedgerMerged", "Milestone", "Note", "Payload",
    "Reading", "ReminderSent", "RoleSet", "RunbookAttached", "RunbookForced", "SessionEnded",
    "SessionStarted", "SeverityChanged", "StatusUpdate", "StepDone", "StepSkipped",
    "Unknown", "VisibilitySet", "Where", "_key", "_time", "decode",
]

EVENT_TYPES: dict[str, type[Payload]] = {cls.TYPE: cls for cls in (
    IncidentOpened, SeverityChanged, Milestone, Note, RunbookAttached, RunbookForced,
    ContextSet, VisibilitySet, LedgerMerged, SessionStarted, SessionEnded, StepDone,
    StepSkipped, Command,
    EscalationSent, EscalationDeferred, EscalationDigest, EscalationMuted,
    EscalationDelivered, EscalationFailed, EscalationPromoted, EscalationFollowup,
    EscalationRetried, EscalationShadowed, EscalationDrill, EscalationLeveled, RoleSet,
    StatusUpdate,
    AccessGranted, AccessRevoked, ReminderSent, AlertFired, AlertResolved, ClockSkewed,
)}
# What listing incidents needs (title, severity, status, runbooks): the store selects these.
LISTING_TYPES: tuple[str, ...] = tuple(t for t, c in EVENT_TYPES.items() if c.LISTING)
MILESTONES = ("acknowledged", "mitigated", "resolved")
# Events that show someone is working the incident (they reset the follow-up clock).
PROGRESS: tuple[type[Payload], ...] = (StepDone, StepSkipped, Note, Command, SeverityChanged)


def decode(type_: str, data: dict[str, Any]) -> Payload:
    cls = EVENT_TYPES.get(type_)
    if cls is None:
        return Unknown(type_, dict(data))
    return cls.from_data(data)

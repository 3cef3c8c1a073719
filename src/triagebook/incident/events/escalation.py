"""Escalation events: each carries a one-line summary, which is how it reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from triagebook.incident.events.core import Payload, Reading, Where, _key, _time

# ---- escalation -----------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class EscalationEvent(Payload):
    """Base of the escalation events: each carries a one-line summary for the timeline."""

    summary: str = ""

    def reads(self, at: Where) -> Reading:
        return Reading(self.TYPE.replace(".", " ") or at.type, self.summary or "")


@dataclass(frozen=True, slots=True)
class EscalationMessage(EscalationEvent):
    """Base of the events that carry a whole composed message."""

    id: str = ""
    class_: str = _key("class", "")
    channels: list[str] = field(default_factory=list)
    reason: str = ""
    subject: str = ""
    body: str = ""
    fields: list[list[str]] = field(default_factory=list)
    person: str = ""  # the route's on-call person it was for (issue 22); "" without routes


@dataclass(frozen=True, slots=True)
class EscalationSent(EscalationMessage):
    """A message was routed to its channels now (deliveries follow)."""

    TYPE: ClassVar[str] = "escalation.sent"
    deferred: bool = False
    missing_context: list[str] = field(default_factory=list)  # paged with --force anyway


@dataclass(frozen=True, slots=True)
class EscalationDeferred(EscalationMessage):
    """A message waits for the end of quiet hours."""

    TYPE: ClassVar[str] = "escalation.deferred"
    due: str = _time(required=True)


@dataclass(frozen=True, slots=True)
class EscalationDigest(EscalationMessage):
    """A GREEN message went to the daily digest only."""

    TYPE: ClassVar[str] = "escalation.digest"


@dataclass(frozen=True, slots=True)
class EscalationMuted(EscalationMessage):
    """A message was not sent (acknowledged, resolved, or the cap), and why."""

    TYPE: ClassVar[str] = "escalation.muted"
    meta_incident: str | None = None


@dataclass(frozen=True, slots=True)
class EscalationDelivered(EscalationEvent):
    """One channel accepted a message."""

    TYPE: ClassVar[str] = "escalation.delivered"
    id: str = ""
    channel: str = ""
    attempt: int = 1
    latency_s: float | None = None  # send → accepted by the channel


@dataclass(frozen=True, slots=True)
class EscalationFailed(EscalationEvent):
    """One channel failed to take a message; retried at retry_at unless final."""

    TYPE: ClassVar[str] = "escalation.failed"
    id: str = ""
    channel: str = ""
    attempt: int = 1
    error: str = ""
    retry_at: str | None = _time(None)
    final: bool = False
    latency_s: float | None = None


@dataclass(frozen=True, slots=True)
class EscalationRetried(EscalationEvent):
    """A retry of one channel started (its outcome follows; none means it was cut off)."""

    TYPE: ClassVar[str] = "escalation.retried"
    id: str = ""
    channel: str = ""
    attempt: int = 2


@dataclass(frozen=True, slots=True)
class EscalationShadowed(EscalationEvent):
    """What a shadow channel or shadow policy would have done; nothing was delivered."""

    TYPE: ClassVar[str] = "escalation.shadowed"
    id: str = ""
    source: str = "channel"  # channel | policy
    channel: str = ""  # source=channel: the shadow channel
    policy: str = ""  # source=policy: the policy file
    action: str = ""  # send | defer | digest | mute
    class_: str = _key("class", "")
    channels: list[str] = field(default_factory=list)
    reason: str = ""
    due: str | None = None


@dataclass(frozen=True, slots=True)
class EscalationDrill(EscalationMessage):
    """A drill: a synthetic page through the real channels, never counted by any cap."""

    TYPE: ClassVar[str] = "escalation.drill"
    ack_window_minutes: int = 15


@dataclass(frozen=True, slots=True)
class EscalationPromoted(EscalationEvent):
    """An unacknowledged YELLOW went to the loud channel."""

    TYPE: ClassVar[str] = "escalation.promoted"
    id: str = ""
    channels: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class EscalationLeveled(EscalationEvent):
    """Nobody acknowledged: the route's next level (secondary, then manager) is paged
    too, through the same channels, at their own addresses (issue 22)."""

    TYPE: ClassVar[str] = "escalation.leveled"
    id: str = ""
    level: str = ""
    person: str = ""
    channels: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class EscalationFollowup(EscalationEvent):
    """No progress for the follow-up window after acknowledgement: a note, never a page."""

    TYPE: ClassVar[str] = "escalation.followup"

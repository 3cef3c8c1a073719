"""Every ledger event type, declared once: its name, its payload, one line of doc.

Writers build a payload and append it (`ledger.append(Note(text=...), step=3)`);
readers get it back typed with `payload(event)`, and the fold and the timeline dispatch
on the payload's class.  The JSON keys on disk are the field names (a `key` in a field's
metadata renames one, for keys that are Python keywords: `from`, `class`).  A field's
annotation is also its contract on disk: incident/validate.py checks every event against
these declarations before it is written and when it is read (`_time` marks the strings
that hold a time).

An event type this version does not know (written by a newer triagebook, or by hand) is
read as `Unknown`: kept, shown in the timeline, never a crash.
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields
from typing import Any, ClassVar


@dataclass(frozen=True, slots=True)
class Payload:
    """Base of every event payload."""

    TYPE: ClassVar[str] = ""

    def to_data(self) -> dict[str, Any]:
        return {f.metadata.get("key", f.name): getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Payload:
        kw: dict[str, Any] = {}
        for f in fields(cls):
            key = f.metadata.get("key", f.name)
            if key in data:
                kw[f.name] = data[key]
            elif f.default is MISSING and f.default_factory is MISSING:
                kw[f.name] = None  # an old or hand-made event without it: read as absent
        return cls(**kw)


def _key(name: str, default: Any = None) -> Any:
    return field(default=default, metadata={"key": name})


def _time(default: str | None = "", required: bool = False) -> Any:
    """A UTC ISO 8601 time; `required` when readers parse it unconditionally."""
    return field(default=default, metadata={"time": "required" if required else "optional"})


# `at` (on Note, Milestone, SeverityChanged): when it happened, for an entry made later
# (`inv incident.note … --at TIME`).  The event's `ts` stays the time it was written, so
# the ledger remains append-only in write order; state and timeline use `at` when set.


# ---- the incident ---------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class IncidentOpened(Payload):
    """The incident exists: first severity, title, when it was detected."""

    TYPE: ClassVar[str] = "incident.opened"
    severity: str = ""
    title: str = ""
    detected_at: str = _time()
    timezone: str = ""
    meta_for: str | None = None  # set on an escalation-cap meta-incident


@dataclass(frozen=True, slots=True)
class SeverityChanged(Payload):
    """Severity changed (from → to)."""

    TYPE: ClassVar[str] = "severity.changed"
    from_: str = _key("from", "")
    to: str = ""
    at: str | None = _time(None)


@dataclass(frozen=True, slots=True)
class Milestone(Payload):
    """acknowledged, mitigated or resolved, and through what."""

    TYPE: ClassVar[str] = "milestone"
    name: str = ""
    via: str = "runner"
    text: str = ""
    at: str | None = _time(None)


@dataclass(frozen=True, slots=True)
class Note(Payload):
    """Free text from a responder, on a step or on the incident."""

    TYPE: ClassVar[str] = "note"
    text: str = ""
    at: str | None = _time(None)


# ---- runbooks and sessions ------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class RunbookAttached(Payload):
    """A runbook joined the incident; its snapshot, step titles and context."""

    TYPE: ClassVar[str] = "runbook.attached"
    title: str = ""
    hash: str = ""
    snapshot: str = ""
    path: str = ""
    steps: list[str] = field(default_factory=list)
    context: dict[str, str] = field(default_factory=dict)
    secret_context: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class RunbookForced(Payload):
    """Resumed with --force although the runbook changed since the incident started."""

    TYPE: ClassVar[str] = "runbook.forced"
    old_hash: str = ""
    new_hash: str = ""
    snapshot: str = ""
    steps: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ContextSet(Payload):
    """Context values given or changed on resume (never secrets)."""

    TYPE: ClassVar[str] = "context.set"
    values: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class LedgerMerged(Payload):
    """Another responder's ledger or bundle merged in (`incident.merge`): what came in,
    from which file, by its sha256."""

    TYPE: ClassVar[str] = "ledger.merged"
    source: str = ""
    sha256: str = ""
    events: int = 0
    added: int = 0


@dataclass(frozen=True, slots=True)
class VisibilitySet(Payload):
    """customer_visible overridden for this incident (the runbook's value no longer applies)."""

    TYPE: ClassVar[str] = "visibility.set"
    customer_visible: bool = False


@dataclass(frozen=True, slots=True)
class SessionStarted(Payload):
    """A runner session began at this step."""

    TYPE: ClassVar[str] = "session.started"
    resume_at: int = 1


@dataclass(frozen=True, slots=True)
class SessionEnded(Payload):
    """A runner session ended, and why (quit, end of input, signal, …)."""

    TYPE: ClassVar[str] = "session.ended"
    reason: str = ""


@dataclass(frozen=True, slots=True)
class StepDone(Payload):
    """A step was completed."""

    TYPE: ClassVar[str] = "step.done"
    title: str = ""


@dataclass(frozen=True, slots=True)
class StepSkipped(Payload):
    """A step was skipped, with the reason given."""

    TYPE: ClassVar[str] = "step.skipped"
    title: str = ""
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Command(Payload):
    """A shell block ran: the command as shown, exit code, bounded redacted output."""

    TYPE: ClassVar[str] = "command"
    block: int = 1
    lang: str = "sh"
    command: str = ""
    exit_code: int | None = None  # 128+N when signal N ended it; None when timed out
    duration_s: float = 0.0
    timed_out: bool = False
    output: str = ""  # control characters written out (\x1b), secrets redacted
    truncated: bool = False
    shell: str = ""  # what ran it: "bash -o errexit -o pipefail -o errtrace"
    failed_line: int | None = None  # 1-based line of the block that failed
    failed_command: str = ""  # that line's text
    interrupted: bool = False  # stopped before it finished, by…
    interrupted_by: str = ""  # …Ctrl-C, SIGTERM or SIGHUP
    destructive: bool = False  # the block was marked destructive (runner/evidence.py)
    forced: bool = False  # ...and ran without evidence on its step: the responder typed force

    @property
    def failed(self) -> bool:
        return bool(self.timed_out or self.interrupted
                    or self.exit_code not in (0, None))

    def outcome(self) -> str:
        """One line: `exit 0`, `exit 1 at line 2: false | cat`, `timed out`, …"""
        if self.timed_out:
            return "timed out"
        if self.interrupted:
            code = f" (exit {self.exit_code})" if self.exit_code is not None else ""
            return f"interrupted by {self.interrupted_by or 'a signal'}{code}"
        where = ""
        if self.failed_line and self.exit_code:
            where = f" at line {self.failed_line}" + (f": {self.failed_command}"
                                                      if self.failed_command else "")
        return f"exit {self.exit_code}{where}"


# ---- escalation -----------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class EscalationEvent(Payload):
    """Base of the escalation events: each carries a one-line summary for the timeline."""

    summary: str = ""


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
class EscalationFollowup(EscalationEvent):
    """No progress for the follow-up window after acknowledgement: a note, never a page."""

    TYPE: ClassVar[str] = "escalation.followup"


# ---- coordination: roles, status updates, support access (issue 23) --------------------

@dataclass(frozen=True, slots=True)
class RoleSet(Payload):
    """Someone took an incident role (commander, comms, scribe); empty person clears it."""

    TYPE: ClassVar[str] = "role.set"
    role: str = ""
    person: str = ""
    previous: str = ""


@dataclass(frozen=True, slots=True)
class StatusUpdate(Payload):
    """A status update; `public` ones go into the stakeholder summary."""

    TYPE: ClassVar[str] = "update.posted"
    text: str = ""
    public: bool = False


@dataclass(frozen=True, slots=True)
class AccessGranted(Payload):
    """Time-bounded support access: who, to what, why, until when — never a credential."""

    TYPE: ClassVar[str] = "access.granted"
    grant: str = ""
    to: str = ""
    scope: str = ""
    reason: str = ""
    until: str = _time(required=True)


@dataclass(frozen=True, slots=True)
class AccessRevoked(Payload):
    """A support-access grant was revoked (before or after it expired)."""

    TYPE: ClassVar[str] = "access.revoked"
    grant: str = ""
    reason: str = ""


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


@dataclass(frozen=True, slots=True)
class AlertResolved(Payload):
    """Alerts of the group resolved at their source; the incident stays as people left it."""

    TYPE: ClassVar[str] = "alert.resolved"
    source: str = ""
    group: str = ""
    alerts: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Unknown(Payload):
    """An event type this version does not know: kept as it is."""

    type: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    def to_data(self) -> dict[str, Any]:
        return dict(self.data)


EVENT_TYPES: dict[str, type[Payload]] = {cls.TYPE: cls for cls in (
    IncidentOpened, SeverityChanged, Milestone, Note, RunbookAttached, RunbookForced,
    ContextSet, VisibilitySet, LedgerMerged, SessionStarted, SessionEnded, StepDone,
    StepSkipped, Command,
    EscalationSent, EscalationDeferred, EscalationDigest, EscalationMuted,
    EscalationDelivered, EscalationFailed, EscalationPromoted, EscalationFollowup,
    EscalationRetried, EscalationShadowed, EscalationDrill, RoleSet, StatusUpdate,
    AccessGranted, AccessRevoked, ReminderSent, AlertFired, AlertResolved,
)}
MILESTONES = ("acknowledged", "mitigated", "resolved")
# Events that show someone is working the incident (they reset the follow-up clock).
PROGRESS: tuple[type[Payload], ...] = (StepDone, StepSkipped, Note, Command, SeverityChanged)


def decode(type_: str, data: dict[str, Any]) -> Payload:
    cls = EVENT_TYPES.get(type_)
    if cls is None:
        return Unknown(type_, dict(data))
    return cls.from_data(data)

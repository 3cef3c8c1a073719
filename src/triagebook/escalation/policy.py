"""Escalation to humans: classes, quiet hours, the cap, the message (SPEC §3, §8).

Pure decisions over ledger state and a clock; delivery lives in `channels.py`, and the
time-driven work (deferred sends, promotion, follow-ups, retries) in `tick()`.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from triagebook.config import Policy
from triagebook.errors import UsageError
from triagebook.incident.state import IncidentState, to_zone
from triagebook.incident.ledger import Event

CLASSES = ("RED", "YELLOW", "GREEN")
SUBJECT_MAX = 80
SMS_LINES = 6
SMS_LINE_MAX = 100
LINE_MAX = 400
RETRY_MINUTES = (1, 2, 4, 8, 16, 32, 60, 60)  # then the delivery is reported, not retried
PROGRESS = frozenset({"step.done", "step.skipped", "note", "command", "severity.changed"})
ACK_RE = re.compile(r"\back\s+([A-Za-z0-9_-]{1,64})\b", re.I)


def new_escalation_id() -> str:
    return "esc-" + secrets.token_hex(4)


def choose_class(explicit: str | None, runbook_class: str | None, severity: str,
                 customer_visible: bool) -> str:
    """--class wins, then the runbook's `escalation`, then severity and visibility."""
    for cls in (explicit, runbook_class):
        if cls:
            cls = cls.upper()
            if cls not in CLASSES:
                raise UsageError(f"--class: expected one of {', '.join(CLASSES)} but received "
                                 f"{cls!r}")
            return cls
    if severity in ("SEV1", "SEV2"):
        return "RED" if customer_visible else "YELLOW"
    return "YELLOW" if customer_visible else "GREEN"


# ---- quiet hours -----------------------------------------------------------------------

def quiet_window(now: datetime, policy: Policy) -> tuple[bool, datetime]:
    """(inside quiet hours?, when the current or next quiet window ends), in real time.

    Computed on the responder's wall clock, so DST nights are handled by the zone.
    """
    zone = ZoneInfo(policy.timezone)
    local = to_zone(now, policy.timezone)
    t = local.time().replace(tzinfo=None)
    start, end = policy.quiet_start, policy.quiet_end
    wraps = start > end
    inside = (t >= start or t < end) if wraps else (start <= t < end)
    end_date = local.date()
    if inside and wraps and t >= start:
        end_date = end_date + timedelta(days=1)
    elif not inside and t >= end:
        end_date = end_date + timedelta(days=1)
    ends = datetime.combine(end_date, end, tzinfo=zone)
    # a wall time that does not exist (spring forward) is moved past the gap
    ends = ends.astimezone(ZoneInfo("UTC")).astimezone(zone)
    return inside, ends


# ---- decisions -------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Decision:
    action: str  # send | defer | digest | mute
    channels: tuple[str, ...]
    reason: str
    due: datetime | None = None


def escalations_in_window(events: list[Event], now: datetime) -> list[Event]:
    since = now - timedelta(hours=24)
    return [e for e in events
            if e.type in ("escalation.sent", "escalation.deferred") and e.time > since]


def decide(cls: str, customer_visible: bool, st: IncidentState, now: datetime,
           policy: Policy) -> Decision:
    chans = policy.escalation(cls).channels
    if "acknowledged" in st.milestones:
        when, via = st.milestones["acknowledged"]
        return Decision("mute", (), f"already acknowledged ({via}); follow-ups go to the "
                                    f"ledger, never a re-page")
    if "resolved" in st.milestones:
        return Decision("mute", (), "incident is resolved")
    if cls == "GREEN":
        return Decision("digest", chans, "GREEN is informational: daily digest only")
    count = len(escalations_in_window(st.events, now))
    if count >= policy.cap_per_24h:
        return Decision("mute", (), f"cap reached: {count} escalations in the last 24 h "
                                    f"(limit {policy.cap_per_24h}); a meta-incident is opened")
    inside, ends = quiet_window(now, policy)
    local = to_zone(now, policy.timezone).strftime("%H:%M %Z")
    if cls == "RED":
        why = "RED pages at any hour, loud channel first"
        return Decision("send", chans, why + (f" (quiet hours, {local})" if inside else ""))
    if inside and not customer_visible:
        return Decision("defer", chans, f"quiet hours ({local}, {policy.timezone}): "
                                        f"non-customer-visible YELLOW waits until "
                                        f"{to_zone(ends, policy.timezone):%H:%M %Z}", ends)
    why = "YELLOW goes to async channels first"
    if inside:
        why += f"; customer-visible, so not deferred in quiet hours ({local})"
    return Decision("send", chans, why)


# ---- the message -----------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Message:
    cls: str
    subject: str
    fields: tuple[tuple[str, str], ...]

    def text(self, sms: bool = False) -> str:
        lines = [f"{k}: {v}" for k, v in self.fields]
        if sms:
            # six body lines: the last two fields share one line, nothing is dropped
            if len(lines) > SMS_LINES:
                lines = lines[:SMS_LINES - 1] + [" · ".join(lines[SMS_LINES - 1:])]
            lines = [shorten(line, SMS_LINE_MAX) for line in lines]
        else:
            lines = [shorten(line, LINE_MAX) for line in lines]
        return "\n".join([self.subject, *lines])


def shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def compose(st: IncidentState, cls: str, what: str, env: str, diagnosis: str, action: str,
            fix: str, link: str) -> Message:
    tail = f" — {env}" if env else ""
    head = f"[ESCALATION:{cls}] "
    room = SUBJECT_MAX - len(head) - len(tail)
    subject = head + shorten(what, max(room, 10)) + tail
    detected = (st.detected_at.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%d %H:%M UTC")
                if st.detected_at else "unknown")
    fields = (
        ("Incident", st.id),
        ("Detected", detected),
        ("Diagnosis", diagnosis),
        ("Action", action),
        ("Suggested fix", fix),
        ("Ledger", link),
        ("Ack", f'reply "ack {st.id}"'),
    )
    return Message(cls, shorten(subject, SUBJECT_MAX), fields)


def find_ack(text: str, incident_id: str | None = None) -> str:
    """The incident id in a reply's `ack <ID>`; with incident_id, it must be that one."""
    found = [m.group(1) for m in ACK_RE.finditer(text)]
    if incident_id:
        if any(f.lower() == incident_id.lower() for f in found):
            return incident_id
        raise UsageError(f"the reply does not say 'ack {incident_id}'"
                         + (f" (it acknowledges {', '.join(found)})" if found else ""))
    if not found:
        raise UsageError("the reply has no 'ack <INCIDENT-ID>' line")
    if len(set(found)) > 1:
        raise UsageError(f"the reply acknowledges several incidents ({', '.join(found)}); "
                         f"name one: inv incident.ack ID --from-reply FILE")
    return found[0]


# ---- time-driven work ------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Due:
    kind: str  # deferred | promote | retry | followup
    esc_id: str
    channels: tuple[str, ...]
    detail: str


def due_work(st: IncidentState, now: datetime, policy: Policy) -> list[Due]:
    """What a tick must do for one incident now; derived from the ledger, so idempotent."""
    out: list[Due] = []
    evs = st.events
    by_id: dict[str, list[Event]] = {}
    for e in evs:
        if e.type.startswith("escalation.") and e.data.get("id"):
            by_id.setdefault(e.data["id"], []).append(e)
    acked = "acknowledged" in st.milestones
    resolved = "resolved" in st.milestones
    for esc_id, history in by_id.items():
        types = [e.type for e in history]
        first = history[0]
        if first.type == "escalation.deferred" and "escalation.sent" not in types \
                and not acked and not resolved:
            due = datetime.fromisoformat(first.data["due"].replace("Z", "+00:00"))
            if now >= due:
                out.append(Due("deferred", esc_id, tuple(first.data["channels"]),
                               "quiet hours over"))
        sent = [e for e in history if e.type == "escalation.sent"]
        if sent and sent[0].data.get("class") == "YELLOW" and not acked and not resolved \
                and "escalation.promoted" not in types:
            if now - sent[0].time >= timedelta(minutes=policy.yellow_promote_minutes):
                loud = policy.escalation("RED").channels[:1]
                out.append(Due("promote", esc_id, loud,
                               f"not acknowledged within {policy.yellow_promote_minutes} min"))
        last_fail: dict[str, Event] = {}
        for e in history:
            ch = e.data.get("channel")
            if e.type == "escalation.failed" and ch:
                last_fail[ch] = e
            elif e.type == "escalation.delivered" and ch:
                last_fail.pop(ch, None)
        for ch, e in last_fail.items():
            if e.data.get("final"):
                continue
            retry_at = datetime.fromisoformat(e.data["retry_at"].replace("Z", "+00:00"))
            if now >= retry_at and not resolved:
                out.append(Due("retry", esc_id, (ch,), f"attempt {e.data['attempt'] + 1}"))
    if acked and not resolved:
        cls = next((e.data.get("class") for e in reversed(evs)
                    if e.type == "escalation.sent"), None)
        window = policy.followup_minutes.get(cls or "", 0)
        if window:
            marks = [st.milestones["acknowledged"][0]]
            marks += [e.time for e in evs if e.type in PROGRESS or e.type == "escalation.followup"
                      or (e.type == "milestone" and e.data.get("name") == "mitigated")]
            last = max(marks)
            if now - last >= timedelta(minutes=window):
                since = "acknowledgement" if last == marks[0] else "the last update"
                out.append(Due("followup", "", (), f"no progress for {window} min since {since}"))
    return out


def retry_at(now: datetime, attempt: int) -> tuple[datetime | None, bool]:
    """When to try again after `attempt` failures; (None, True) when it is final."""
    if attempt >= len(RETRY_MINUTES):
        return None, True
    return now + timedelta(minutes=RETRY_MINUTES[attempt - 1]), False

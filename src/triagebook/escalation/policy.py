"""Escalation policy (SPEC §3): classes, quiet hours, the cap, what is due when.

Pure decisions over ledger state and a clock. The message is in `message.py`, delivery
in `channels/`, and the operations that record all of it in `service.py`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from triagebook.config import Policy
from triagebook.errors import UsageError
from triagebook.incident import events as E
from triagebook.incident.ledger import Event
from triagebook.incident.state import IncidentState
from triagebook.runbook.model import ESCALATION_CLASSES as CLASSES
from triagebook.timeutil import parse_iso, to_zone

RETRY_MINUTES = (1, 2, 4, 8, 16, 32, 60, 60)  # then the delivery is reported, not retried


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
            if e.type in (E.EscalationSent.TYPE, E.EscalationDeferred.TYPE) and e.time > since]


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
    by_id: dict[str, list[tuple[Event, E.Payload]]] = {}
    for e in evs:
        p = e.payload
        esc_id = getattr(p, "id", "") if isinstance(p, E.EscalationEvent) else ""
        if esc_id:
            by_id.setdefault(esc_id, []).append((e, p))
    acked = "acknowledged" in st.milestones
    resolved = "resolved" in st.milestones
    for esc_id, history in by_id.items():
        kinds = {type(p) for _, p in history}
        first = history[0][1]
        if isinstance(first, E.EscalationDeferred) and E.EscalationSent not in kinds \
                and not acked and not resolved and now >= parse_iso(first.due):
            out.append(Due("deferred", esc_id, tuple(first.channels), "quiet hours over"))
        sent = [(e, p) for e, p in history if isinstance(p, E.EscalationSent)]
        if sent and sent[0][1].class_ == "YELLOW" and not acked and not resolved \
                and E.EscalationPromoted not in kinds \
                and now - sent[0][0].time >= timedelta(minutes=policy.yellow_promote_minutes):
            loud = policy.escalation("RED").channels[:1]
            out.append(Due("promote", esc_id, loud,
                           f"not acknowledged within {policy.yellow_promote_minutes} min"))
        last_fail: dict[str, E.EscalationFailed] = {}
        for _, p in history:
            if isinstance(p, E.EscalationFailed) and p.channel:
                last_fail[p.channel] = p
            elif isinstance(p, E.EscalationDelivered) and p.channel:
                last_fail.pop(p.channel, None)
        for ch, f in last_fail.items():
            if not f.final and f.retry_at and now >= parse_iso(f.retry_at) and not resolved:
                out.append(Due("retry", esc_id, (ch,), f"attempt {f.attempt + 1}"))
    if acked and not resolved:
        followup = _followup(st, now, policy)
        if followup:
            out.append(followup)
    return out


def _followup(st: IncidentState, now: datetime, policy: Policy) -> Due | None:
    """After acknowledgement: a note when nothing moved for the class's window."""
    cls = next((p.class_ for p in (e.payload for e in reversed(st.events))
                if isinstance(p, E.EscalationSent)), None)
    window = policy.followup_minutes.get(cls or "", 0)
    if not window:
        return None
    marks = [st.milestones["acknowledged"][0]]
    for e in st.events:
        p = e.payload
        if isinstance(p, (*E.PROGRESS, E.EscalationFollowup)) or (
                isinstance(p, E.Milestone) and p.name == "mitigated"):
            marks.append(e.time)
    last = max(marks)
    if now - last < timedelta(minutes=window):
        return None
    since = "acknowledgement" if last == marks[0] else "the last update"
    return Due("followup", "", (), f"no progress for {window} min since {since}")


def retry_at(now: datetime, attempt: int) -> tuple[datetime | None, bool]:
    """When to try again after `attempt` failures; (None, True) when it is final."""
    if attempt >= len(RETRY_MINUTES):
        return None, True
    return now + timedelta(minutes=RETRY_MINUTES[attempt - 1]), False

"""What happened to each escalation of an incident, folded from its ledger events.

One `Record` per escalation id: the routing decision and, per channel, the last attempt
started and its outcome.  A start is recorded before the channel is tried (the intent:
`escalation.sent`, `.promoted`, `.retried`, `.drill`), the outcome after
(`.delivered`, `.failed`, `.shadowed`), so a start without an outcome is a delivery that
was cut off (Ctrl-C, a killed process) — or one still in flight, which is why a start
counts as abandoned only once its lease (the delivery deadline plus a margin) is over.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from triagebook.base.timeutil import parse_iso
from triagebook.incident import events as E
from triagebook.incident.ledger import Event


@dataclass
class ChannelState:
    name: str
    attempt: int = 0  # the last attempt started (or reported)
    started: datetime | None = None
    outcome: str = "pending"  # pending (started, no outcome yet) | delivered | failed | shadowed
    at: datetime | None = None
    error: str = ""
    retry_at: datetime | None = None
    final: bool = False
    latency_s: float | None = None
    failures: int = 0


@dataclass
class Record:
    id: str
    cls: str
    action: str  # send | defer | digest | mute | drill
    reason: str
    at: datetime  # when it was decided
    message: E.EscalationMessage
    sent_at: datetime | None = None  # when it went out (later than `at` when deferred)
    due: datetime | None = None  # deferred until
    promoted: bool = False
    levels: dict[str, tuple[str, datetime]] = field(default_factory=dict)  # level → who, when
    channels: dict[str, ChannelState] = field(default_factory=dict)
    shadows: list[tuple[datetime, E.EscalationShadowed]] = field(default_factory=list)

    def channel(self, name: str) -> ChannelState:
        return self.channels.setdefault(name, ChannelState(name))

    def start(self, name: str, at: datetime, attempt: int | None = None) -> None:
        cs = self.channel(name)
        cs.attempt = attempt or cs.attempt + 1
        cs.started, cs.outcome, cs.at = at, "pending", None
        cs.error, cs.retry_at, cs.final, cs.latency_s = "", None, False, None

    def outcome(self, name: str, at: datetime, attempt: int, outcome: str) -> ChannelState:
        cs = self.channel(name)
        if attempt and attempt < cs.attempt:
            return ChannelState(name)  # an older attempt reporting late: not the current one
        cs.attempt = max(cs.attempt, attempt or 1)
        cs.outcome, cs.at = outcome, at
        cs.started = cs.started or at
        return cs


_ACTIONS: dict[type[E.Payload], str] = {
    E.EscalationSent: "send", E.EscalationDeferred: "defer", E.EscalationDigest: "digest",
    E.EscalationMuted: "mute", E.EscalationDrill: "drill",
}


def records(events: list[Event]) -> dict[str, Record]:
    """Every escalation in the ledger by id, in the order they were decided."""
    out: dict[str, Record] = {}
    for ev in events:
        p = ev.payload
        esc_id = str(getattr(p, "id", "") or "") if isinstance(p, E.EscalationEvent) else ""
        if not esc_id:
            continue
        rec = out.get(esc_id)
        if isinstance(p, E.EscalationMessage):
            if rec is None:
                rec = out[esc_id] = Record(esc_id, str(p.class_ or ""), _ACTIONS.get(type(p), ""),
                                           str(p.reason or ""), ev.time, p)
                if isinstance(p, E.EscalationDeferred) and p.due:
                    rec.due = parse_iso(p.due)
            if isinstance(p, E.EscalationSent | E.EscalationDrill):
                rec.action = _ACTIONS[type(p)]
                rec.sent_at = ev.time
                for ch in p.channels or []:
                    rec.start(str(ch), ev.time, 1)
            continue
        if rec is None:
            continue  # an outcome without its decision: a hand-edited ledger
        if isinstance(p, E.EscalationPromoted):
            rec.promoted = True
            for ch in p.channels or []:
                rec.start(str(ch), ev.time)
        elif isinstance(p, E.EscalationLeveled):
            rec.levels[p.level] = (p.person, ev.time)
            for ch in p.channels or []:
                rec.start(str(ch), ev.time)
        elif isinstance(p, E.EscalationRetried):
            rec.start(p.channel, ev.time, int(p.attempt or 0) or None)
        elif isinstance(p, E.EscalationDelivered):
            cs = rec.outcome(p.channel, ev.time, int(p.attempt or 1), "delivered")
            cs.latency_s = p.latency_s
        elif isinstance(p, E.EscalationFailed):
            cs = rec.outcome(p.channel, ev.time, int(p.attempt or 1), "failed")
            cs.error, cs.final, cs.latency_s = str(p.error or ""), bool(p.final), p.latency_s
            cs.retry_at = parse_iso(p.retry_at) if p.retry_at else None
            cs.failures += 1
        elif isinstance(p, E.EscalationShadowed):
            rec.shadows.append((ev.time, p))
            if p.source == "channel" and p.channel:
                rec.outcome(p.channel, ev.time, 0, "shadowed")
    return out


def in_window(recs: dict[str, Record], now: datetime, hours: int = 24) -> list[Record]:
    """Escalations that count toward the cap: sent or deferred in the rolling window.

    One per escalation id — a YELLOW deferred and later sent is one escalation.
    """
    since = now - timedelta(hours=hours)
    return [r for r in recs.values() if r.action in ("send", "defer") and since < r.at <= now]


def abandoned(cs: ChannelState, now: datetime, lease: timedelta) -> bool:
    """A start with no outcome whose lease is over: the process was cut off."""
    return cs.outcome == "pending" and cs.started is not None and now >= cs.started + lease


def describe(recs: dict[str, Record]) -> list[str]:
    """One line per escalation and one per channel, for `inv incident.show`."""
    out = []
    for r in recs.values():
        when = r.at.strftime("%Y-%m-%d %H:%M:%S UTC")
        extra = f" until {r.due:%Y-%m-%d %H:%M UTC}" if r.action == "defer" and r.due else ""
        sent = " (sent after quiet hours)" if r.action == "send" and r.due else ""
        meta = r.message.meta_incident if isinstance(r.message, E.EscalationMuted) else None
        out.append(f"{r.id}  {r.cls or '-':6s} {r.action}{extra}{sent}  {when} — {r.reason}"
                   + (f" → {meta}" if meta else ""))
        for level, (who, at) in r.levels.items():
            out.append(f"    {level} {who} paged at {at:%Y-%m-%d %H:%M:%S UTC} (no ack)")
        for cs in r.channels.values():
            lat = f", {cs.latency_s:.1f} s" if cs.latency_s is not None else ""
            if cs.outcome == "failed":
                then = (f" — retry at {cs.retry_at:%Y-%m-%d %H:%M:%S UTC}" if cs.retry_at
                        and not cs.final else " — given up" if cs.final else "")
                out.append(f"    {cs.name:8s} FAILED (attempt {cs.attempt}{lat}): "
                           f"{cs.error}{then}")
            elif cs.outcome == "pending":
                out.append(f"    {cs.name:8s} started (attempt {cs.attempt}), no outcome "
                           f"recorded")
            else:
                out.append(f"    {cs.name:8s} {cs.outcome} (attempt {cs.attempt}{lat})")
        for _, p in r.shadows:
            if p.source == "policy":
                via = f" via {', '.join(p.channels or [])}" if p.channels else ""
                out.append(f"    shadow policy {p.policy}: would {p.action}{via} — {p.reason}")
    return out

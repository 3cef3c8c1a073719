"""Escalation policy (SPEC §3): classes, quiet hours, the cap, what is due when.

Pure decisions over ledger state and a clock. The message is in `message.py`, delivery
in `delivery.py` and `channels/`, and the operations that record all of it in
`service.py`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from triagebook.base.errors import BadArgument
from triagebook.base.timeutil import to_zone
from triagebook.config import Policy
from triagebook.escalation.history import Record, abandoned, in_window, records
from triagebook.incident import events as E
from triagebook.incident.state import IncidentState
from triagebook.oncall import quiet
from triagebook.runbook.model import ESCALATION_CLASSES as CLASSES

RETRY_MINUTES = (1, 2, 4, 8, 16, 32, 60, 60)  # then the delivery is reported, not retried
RETRY_AFTER_MAX = timedelta(hours=1)  # a channel's own Retry-After, bounded
LEASE_MARGIN = timedelta(seconds=30)  # past the delivery deadline, a start is abandoned


def new_escalation_id() -> str:
    return "esc-" + secrets.token_hex(4)


def choose_class(explicit: str | None, runbook_class: str | None, severity: str,
                 customer_visible: bool, meta: bool = False) -> str:
    """--class wins, then the runbook's `escalation`, then severity and visibility.

    A meta-incident (the cap was hit) is always RED: someone must look at the paging.
    """
    for cls in (explicit, runbook_class):
        if cls:
            cls = cls.upper()
            if cls not in CLASSES:
                raise BadArgument("class", "", f"expected one of {', '.join(CLASSES)} but received "
                                 f"{cls!r}")
            return "RED" if meta else cls
    if meta:
        return "RED"
    if severity in ("SEV1", "SEV2"):
        return "RED" if customer_visible else "YELLOW"
    return "YELLOW" if customer_visible else "GREEN"


# ---- quiet hours -----------------------------------------------------------------------

def quiet_window(now: datetime, policy: Policy, zone: str = "") -> tuple[bool, datetime]:
    """(inside quiet hours?, when the current or next quiet window ends), in real time;
    in ``zone`` (the paged person's) when given, else the policy's."""
    return quiet.quiet_window(now, zone or policy.timezone, policy.quiet_start,
                              policy.quiet_end)


@dataclass(frozen=True, slots=True)
class Recipient:
    """Who a route's page is for (issue 22): quiet hours are theirs."""

    person: str
    zone: str
    why: str
    present: bool = False  # marked present (`inv oncall.present`): deferred YELLOW goes now

    def said(self) -> str:
        return f"to {self.person or 'nobody named'} ({self.why})"


# ---- decisions -------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Decision:
    action: str  # send | defer | digest | mute
    channels: tuple[str, ...]
    reason: str
    due: datetime | None = None
    person: str = ""  # the on-call person it is for (a route's), else ""

    @property
    def capped(self) -> bool:
        return self.action == "mute" and self.reason.startswith("cap reached")


def decide(cls: str, customer_visible: bool, st: IncidentState, now: datetime,
           policy: Policy, route: tuple[str, ...] = (), requested: bool = False,
           to: Recipient | None = None) -> Decision:
    """Where one escalation goes now, and why. `route` replaces the class's channels
    (the meta-incident's own route, or the runbook's route's); `to` is the on-call
    person the route names (their zone decides quiet hours).

    An acknowledgement stops automatic paging; an escalation a person `requested` after
    it is a request for help and is routed like any other (the cap still counts it)."""
    chans = route or policy.escalation(cls).channels
    if "resolved" in st.milestones:
        return Decision("mute", (), "incident is resolved")
    help_note = ""
    if "acknowledged" in st.milestones:
        when, via = st.milestones["acknowledged"]
        if not requested:
            return Decision("mute", (), f"already acknowledged ({via}); follow-ups go to "
                                        f"the ledger, never a re-page")
        help_note = "help requested after acknowledgement; "
    decision = _route(cls, customer_visible, st, now, policy, chans, to)
    if help_note and decision.action != "mute":
        decision = replace(decision, reason=help_note + decision.reason)
    if to is not None and decision.action in ("send", "defer"):
        decision = replace(decision, reason=f"{decision.reason}; {to.said()}",
                           person=to.person)
    return decision


def _route(cls: str, customer_visible: bool, st: IncidentState, now: datetime,
           policy: Policy, chans: tuple[str, ...], to: Recipient | None = None) -> Decision:
    if cls == "GREEN":
        return Decision("digest", chans, "GREEN is informational: daily digest only")
    count = len(in_window(records(st.events), now))
    if count >= policy.cap_per_24h and not st.meta_for:  # never muted by the cap it reports
        return Decision("mute", (), f"cap reached: {count} escalations in the last 24 h "
                                    f"(limit {policy.cap_per_24h}); a meta-incident is opened")
    zone = to.zone if to is not None else policy.timezone
    inside, ends = quiet_window(now, policy, zone)
    local = to_zone(now, zone).strftime("%H:%M %Z")
    if st.meta_for:
        return Decision("send", chans, f"escalation cap hit on {st.meta_for}: RED through "
                                       f"the meta route, at any hour, never capped")
    if cls == "RED":
        why = "RED pages at any hour, loud channel first"
        return Decision("send", chans, why + (f" (quiet hours, {local})" if inside else ""))
    if inside and not customer_visible and to is not None and to.present:
        return Decision("send", chans, f"quiet hours ({local}, {zone}), but {to.person} "
                                       f"is marked present: YELLOW goes now")
    if inside and not customer_visible:
        return Decision("defer", chans, f"quiet hours ({local}, {zone}): "
                                        f"non-customer-visible YELLOW waits until "
                                        f"{to_zone(ends, zone):%H:%M %Z}", ends)
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
    attempt: int = 1


def due_work(st: IncidentState, now: datetime, policy: Policy,
             lease: timedelta = timedelta(seconds=50)) -> list[Due]:
    """What a tick must do for one incident now; derived from the ledger, so idempotent.

    Nothing pages once the incident is acknowledged or resolved: not a deferred send,
    not a promotion, not a retry.
    """
    out: list[Due] = []
    quiet_now = "acknowledged" in st.milestones or "resolved" in st.milestones
    promote = timedelta(minutes=policy.yellow_promote_minutes)
    for rec in records(st.events).values():
        if quiet_now or rec.action == "drill":
            continue
        if rec.action == "defer" and rec.sent_at is None and rec.due and now >= rec.due:
            out.append(Due("deferred", rec.id, tuple(rec.message.channels or ()),
                           "quiet hours over"))
        if rec.cls == "YELLOW" and rec.sent_at and not rec.promoted \
                and policy.yellow_promote_minutes > 0 and now - rec.sent_at >= promote:
            out.append(Due("promote", rec.id, loud_channels(policy),
                           f"not acknowledged within {policy.yellow_promote_minutes} min"))
        out += _retries(rec, now, lease)
    if "acknowledged" in st.milestones and "resolved" not in st.milestones:
        followup = _followup(st, now, policy)
        if followup:
            out.append(followup)
    return out


def _retries(rec: Record, now: datetime, lease: timedelta) -> list[Due]:
    out = []
    for cs in rec.channels.values():
        if cs.outcome == "failed" and not cs.final and cs.retry_at and now >= cs.retry_at:
            out.append(Due("retry", rec.id, (cs.name,), f"{cs.name}: attempt {cs.attempt + 1}",
                           cs.attempt + 1))
        elif abandoned(cs, now, lease):
            out.append(Due("retry", rec.id, (cs.name,),
                           f"{cs.name}: attempt {cs.attempt} started and never finished; "
                           f"attempt {cs.attempt + 1}", cs.attempt + 1))
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


def retry_at(now: datetime, attempt: int,
             retry_after: float | None = None) -> tuple[datetime | None, bool]:
    """When to try again after `attempt` failures; (None, True) when it is final.

    A channel that said when (`Retry-After`) is retried then, bounded to an hour.
    """
    if attempt >= len(RETRY_MINUTES):
        return None, True
    if retry_after is not None:
        return now + min(timedelta(seconds=max(retry_after, 0)), RETRY_AFTER_MAX), False
    return now + timedelta(minutes=RETRY_MINUTES[attempt - 1]), False


def loud_channels(policy: Policy) -> tuple[str, ...]:
    """Where an unacknowledged YELLOW is promoted: RED's first (loudest) channel."""
    return policy.escalation("RED").channels[:1]

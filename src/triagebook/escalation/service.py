"""Escalation operations over the ledger: escalate, tick, ack.

Every escalation, routing decision, delivery, ack and follow-up is a ledger event (and so
appears in the post-mortem timeline).  Nothing runs in the background: `tick()` does the
time-driven work and is safe to run as often as you like, from several machines at once.

Deciding and recording happen under the incident's append lock, so concurrent
escalations see each other (the cap holds, one meta-incident per window) and concurrent
ticks claim each piece of work once.  Deliveries happen after, outside the lock: the
intent is already recorded, the outcome follows.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from triagebook.base.errors import BadArgument, UsageError
from triagebook.base.redaction import Redactor
from triagebook.base.timeutil import Clock, iso, utc_now
from triagebook.config import Config
from triagebook.escalation import meta, shadow
from triagebook.escalation.delivery import Job
from triagebook.escalation.facts import customer_visible, facts, runbook_of
from triagebook.escalation.history import records
from triagebook.escalation.message import Message, compose, find_ack
from triagebook.escalation.outbox import (
    deliver_recorded,
    ledger_for,
    message_fields,
    redactor_for,
    stored,
)
from triagebook.escalation.policy import (
    LEASE_MARGIN,
    Decision,
    choose_class,
    decide,
    due_work,
    new_escalation_id,
)
from triagebook.escalation.routing import handoff_work, jobs_for, level_work, route_for
from triagebook.incident import actor as A
from triagebook.incident import events as E
from triagebook.incident import ledger as L
from triagebook.incident.state import IncidentState, fold
from triagebook.incident.team import shared_decision, team_incidents


class MissingContext(UsageError):
    def __init__(self, incident_id: str, runbook: str, names: tuple[str, ...]) -> None:
        sets = " ".join(f"--context {n}=…" for n in names)
        super().__init__(
            f"{incident_id}: not paged: the page would lack {runbook}'s required context "
            f"{', '.join(names)}; record it (inv runbook.run {runbook} --incident "
            f"{incident_id} {sets}) or page anyway with --force")


@dataclass(frozen=True, slots=True)
class Outcome:
    incident: str
    decision: Decision
    message: Message
    esc_id: str
    meta_incident: str = ""
    failures: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()  # required context the page lacks
    shadow: Decision | None = None
    meta: Outcome | None = None  # the meta-incident's own page


def _redacted(msg: Message, red: Redactor) -> Message:
    return Message(msg.cls, red.text(msg.subject), tuple((k, red.text(v)) for k, v in msg.fields))


@dataclass(frozen=True, slots=True)
class _Plan:
    cls: str
    decision: Decision
    message: Message
    missing: tuple[str, ...]
    shadow: Decision | None


def _plan(cfg: Config, st: IncidentState, cls: str | None, visible: bool | None,
          words: tuple[str, str, str], now: datetime, red: Redactor,
          sp: shadow.ShadowPolicy | None, requested: bool = True) -> _Plan:
    rb = runbook_of(cfg, st)
    if visible is None:
        visible = customer_visible(st, rb)
    chosen = choose_class(cls, rb.escalation if rb else None, st.severity, visible,
                          meta=bool(st.meta_for))
    route, to = (cfg.meta_route, None) if st.meta_for else route_for(cfg, rb, chosen, now)
    decision = decide(chosen, visible, st, now, cfg.policy, route, requested, to)
    f, missing = facts(cfg, st, rb, chosen, *words)
    # redacted before compose shortens them: a token cut in half is no longer recognised
    f = replace(f, what=red.text(f.what), diagnosis=red.text(f.diagnosis),
                action=red.text(f.action), fix=red.text(f.fix))
    shadow_d = (decide(chosen, visible, st, now, sp.cfg.policy, sp.cfg.meta_route
                       if st.meta_for else (), requested) if sp else None)
    return _Plan(chosen, decision, _redacted(compose(f), red), missing, shadow_d)


# what a decision depends on; a simulation (--at) sees only those up to its time, and the
# incident itself (title, runbook, context) whenever it was recorded
_DECISIVE = (E.EscalationEvent, E.Milestone, E.VisibilitySet, E.SeverityChanged)


def _record(cfg: Config, led: L.Ledger, st: IncidentState, plan: _Plan, esc_id: str,
            now: datetime, red: Redactor, clock: Clock) -> tuple[str, bool]:
    """The decision as one ledger event (sent, deferred, digest or muted); a capped one
    opens or names the meta-incident: (its id, whether this call opened it)."""
    d, msg = plan.decision, plan.message
    meta_id, new_meta = "", False
    base: dict[str, Any] = {
        "id": esc_id, "class_": plan.cls, "channels": list(d.channels),
        "reason": d.reason, "subject": msg.subject, "body": msg.text(),
        "fields": [list(f) for f in msg.fields], "person": d.person}
    if d.action == "send":
        led.append(E.EscalationSent(**base, missing_context=list(plan.missing),
                                    summary=f"{plan.cls} to {', '.join(d.channels)}: "
                                            f"{d.reason}"))
    elif d.action == "defer":
        led.append(E.EscalationDeferred(**base, due=iso(d.due or now), summary=d.reason))
    elif d.action == "digest":
        led.append(E.EscalationDigest(**base, summary=d.reason))
    else:
        if d.capped:
            meta_id = meta.existing(st, now)
            if not meta_id:
                meta_id, new_meta = meta.open_meta(cfg, st, now, red, clock), True
        led.append(E.EscalationMuted(**base, meta_incident=meta_id or None,
                                     summary=d.reason + (f": {meta_id}" if meta_id else "")))
    return meta_id, new_meta


def escalate(cfg: Config, incident_id: str, cls: str | None = None, diagnosis: str = "",
             action: str = "", fix: str = "", dry_run: bool = False, actor: str = "",
             clock: Clock = utc_now, secrets: dict[str, str] | None = None, *,
             force: bool = False, customer_visible: bool | None = None,
             shadow_policy: Path | None = None, requested: bool = True) -> Outcome:
    """Decide, record and deliver one escalation (`dry_run`: decide at clock() only,
    from the events up to then, and record nothing).

    `requested`: a person asked for it (the CLI, the runner) — after an acknowledgement
    that is a request for help and is sent; automatic callers (alert intake) pass False
    and an acknowledged incident is not paged again."""
    red = redactor_for(cfg, secrets)
    sp = shadow.load(cfg, shadow_policy)
    words = (diagnosis, action, fix)
    esc_id = new_escalation_id()
    if dry_run:
        now = clock()
        st = fold(incident_id, [e for e in L.load(cfg.incidents_dir, incident_id)
                                if e.time <= now or not isinstance(e.payload, _DECISIVE)])
        plan = _plan(cfg, st, cls, customer_visible, words, now, red, sp, requested)
        return Outcome(incident_id, plan.decision, plan.message, esc_id,
                       missing=plan.missing, shadow=plan.shadow)
    led = ledger_for(cfg, incident_id, actor or A.service("escalation"), red, clock)
    with led.locked(), shared_decision(cfg, led) as team_events:
        st = fold(incident_id, team_events())
        now = clock()
        plan = _plan(cfg, st, cls, customer_visible, words, now, red, sp, requested)
        if plan.missing and not force:
            raise MissingContext(incident_id, st.first_runbook, plan.missing)
        if customer_visible is not None and customer_visible != st.customer_visible:
            led.append(E.VisibilitySet(customer_visible=customer_visible))
        d, msg = plan.decision, plan.message
        meta_id, new_meta = _record(cfg, led, st, plan, esc_id, now, red, clock)
        if sp and plan.shadow:
            led.append(shadow.event(esc_id, plan.cls, sp, plan.shadow))
    failures: tuple[str, ...] = ()
    if d.action == "send":
        results = deliver_recorded(cfg, led, esc_id, msg, jobs_for(cfg, d.person, d.channels),
                                   clock)
        failures = tuple(red.text(r.error) for r in results if not r.ok)
    meta_out = None
    if new_meta:  # only the process that opened it pages it: once per window
        meta_out = escalate(
            cfg, meta_id, "RED", f"{incident_id} hit the escalation cap "
            f"({cfg.policy.cap_per_24h} in 24 h); its further pages are muted",
            "look at why it keeps paging and who owns it",
            f"follow runbook {meta.RUNBOOK}", actor=A.service("escalation"), clock=clock,
            force=True)
    return Outcome(incident_id, d, msg, esc_id, meta_id, failures, plan.missing,
                   plan.shadow, meta_out)


@dataclass(frozen=True, slots=True)
class TickReport:
    incident: str
    kind: str
    detail: str


def _route_work(cfg: Config, led: L.Ledger, st: IncidentState, recs: dict[str, Any],
                now: datetime, reports: list[TickReport]) -> list[tuple[str, Message, list[Job]]]:
    """The route's part of a tick (issue 22): a held page moved to the person on call
    after a handoff, and the next level paged when nobody acknowledged."""
    claims: list[tuple[str, Message, list[Job]]] = []
    iid = st.id
    for ho in handoff_work(cfg, st, now):
        reports.append(TickReport(iid, "handoff", ho.detail))
        rec = recs[ho.esc_id]
        led.append(E.EscalationSent(**{
            **message_fields(rec.message), "deferred": True, "person": ho.person,
            "summary": f"{rec.cls} sent to {ho.person}: {ho.detail}"}))
        claims.append((rec.id, stored(rec.message), jobs_for(cfg, ho.person, ho.channels)))
    for lv in level_work(cfg, st, now):
        reports.append(TickReport(iid, lv.level, lv.detail))
        led.append(E.EscalationLeveled(id=lv.esc_id, level=lv.level, person=lv.person,
                                       channels=list(lv.channels),
                                       summary=f"paged {lv.detail}"))
        was = recs[lv.esc_id]  # each channel's next attempt, as the fold counts it
        claims.append((lv.esc_id, stored(was.message), jobs_for(
            cfg, lv.person, lv.channels, {c: s.attempt + 1 for c, s in was.channels.items()})))
    return claims


def tick(cfg: Config, clock: Clock = utc_now) -> list[TickReport]:
    """Deferred sends, YELLOW promotion, the route's next level, follow-up notes, delivery
    retries — each claimed under the incident's lock, so concurrent ticks never do the
    same work twice."""
    reports: list[TickReport] = []
    red = redactor_for(cfg)
    lease = timedelta(seconds=cfg.deadline_seconds) + LEASE_MARGIN
    for iid, events in team_incidents(cfg):
        seen = fold(iid, events)
        if not (due_work(seen, clock(), cfg.policy, lease) or level_work(cfg, seen, clock())
                or handoff_work(cfg, seen, clock())):
            continue
        led = ledger_for(cfg, iid, A.service("escalation.tick"), red, clock)
        claims: list[tuple[str, Message, list[Job]]] = []
        # look again, with the team's events: another tick (here or on another machine)
        # may have claimed it meanwhile, or someone acknowledged it
        with led.locked(), shared_decision(cfg, led) as team_events:
            st = fold(iid, team_events())
            recs = records(st.events)
            for item in due_work(st, clock(), cfg.policy, lease):
                reports.append(TickReport(iid, "follow-up" if item.kind == "followup"
                                          else item.kind, item.detail))
                if item.kind == "followup":
                    led.append(E.EscalationFollowup(summary=f"follow-up: {item.detail}; a "
                                                            f"note, not a re-page"))
                    continue
                rec = recs[item.esc_id]
                msg = stored(rec.message)
                chans = ", ".join(item.channels)
                if item.kind == "deferred":
                    led.append(E.EscalationSent(**{
                        **message_fields(rec.message), "deferred": True,
                        "summary": f"{rec.cls} sent after quiet hours to {chans}"}))
                    jobs = jobs_for(cfg, rec.message.person, item.channels)
                elif item.kind == "promote":
                    led.append(E.EscalationPromoted(
                        id=rec.id, channels=list(item.channels),
                        summary=f"YELLOW promoted to {chans}: {item.detail}"))
                    jobs = jobs_for(cfg, rec.message.person, item.channels,
                                    {c: s.attempt + 1 for c, s in rec.channels.items()})
                else:
                    led.append(E.EscalationRetried(id=rec.id, channel=item.channels[0],
                                                   attempt=item.attempt,
                                                   summary=f"retrying {item.detail}"))
                    jobs = jobs_for(cfg, rec.message.person, item.channels[:1],
                                    {item.channels[0]: item.attempt})
                claims.append((rec.id, msg, jobs))
            claims += _route_work(cfg, led, st, recs, clock(), reports)
        for esc_id, msg, jobs in claims:
            deliver_recorded(cfg, led, esc_id, msg, jobs, clock)
    return reports


def ack(cfg: Config, incident_id: str | None, via: str, text: str = "",
        reply: str | None = None, actor: str = "", clock: Clock = utc_now) -> tuple[str, bool]:
    """Record acknowledgement; returns (incident id, newly acknowledged?).

    A reply acknowledges only when its first words are `ack <ID>`.  A drill's id
    (`DRILL-…`) is acknowledged in the drill history, which times the round trip.
    """
    if reply is not None:
        incident_id = find_ack(reply, incident_id)
        text = text or reply.strip()[:500]
        via = via or "reply"
    if not incident_id:
        raise BadArgument("from_reply", "", "give the incident id, or a reply that starts "
                                            "with 'ack <ID>'")
    if not via:
        raise BadArgument("via", "", "required: the channel the acknowledgement came through "
                                     "(page, chat, email, phone…)")
    L.check_id(incident_id)
    led = ledger_for(cfg, incident_id, actor or A.operator(), redactor_for(cfg), clock)
    with led.locked():
        if "acknowledged" in fold(incident_id, led.events).milestones:
            return incident_id, False
        led.append(E.Milestone(name="acknowledged", via=via, text=text))
    return incident_id, True

"""Escalation operations over the ledger: escalate, tick, ack, digest.

Every escalation, routing decision, delivery, ack and follow-up is a ledger event (and so
appears in the post-mortem timeline).  Nothing runs in the background: `tick()` does the
time-driven work and is safe to run as often as you like.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from triagebook.config import Config
from triagebook.errors import UsageError
from triagebook.escalation.channels import DeliveryError, channel_for, deliver
from triagebook.escalation.message import Message, compose, find_ack
from triagebook.escalation.policy import (
    Decision,
    choose_class,
    decide,
    due_work,
    new_escalation_id,
    retry_at,
)
from triagebook.incident import actor as A
from triagebook.incident import events as E
from triagebook.incident import ledger as L
from triagebook.incident.redaction import Redactor
from triagebook.incident.state import IncidentState, fold
from triagebook.incident.sync import attach
from triagebook.incident.team import load_merged
from triagebook.runbook.model import Runbook
from triagebook.runbook.parse import parse_bytes
from triagebook.timeutil import Clock, iso, utc_now


@dataclass(frozen=True, slots=True)
class Outcome:
    incident: str
    decision: Decision
    message: Message
    esc_id: str
    meta_incident: str = ""
    failures: tuple[str, ...] = ()


def _redactor(cfg: Config, extra: dict[str, str] | None = None) -> Redactor:
    red = Redactor(extra)
    for ch in cfg.channels.values():  # a webhook URL is itself a credential
        for var in (ch.url_env, ch.password_env):
            if var and os.environ.get(var):
                red.add(f"{ch.name}-credential", os.environ[var])
    return red


def _runbook(cfg: Config, st: IncidentState) -> Runbook | None:
    use = st.runbooks.get(st.first_runbook)
    if use is None or not use.snapshot:
        return None
    try:
        raw = (cfg.root / use.snapshot).read_bytes()
    except OSError:
        return None
    return parse_bytes(raw, use.snapshot, use.id).runbook


def _ledger(cfg: Config, incident_id: str, actor: str, red: Redactor, clock: Clock) -> L.Ledger:
    """A short-lived writer on an incident its caller has just read (locally or from the
    team's store), its events synced to the store when there is one."""
    led = L.Ledger(cfg.incidents_dir, incident_id, actor, red, clock, session=False)
    attach(cfg, led, keep_open=False)
    return led.open()


def link(cfg: Config, incident_id: str) -> str:
    if cfg.ledger_url:
        return cfg.ledger_url.replace("{incident}", incident_id)
    return cfg.display(cfg.incidents_dir / incident_id / L.EVENTS)


def message_for(cfg: Config, st: IncidentState, cls: str, diagnosis: str, action: str,
                fix: str, red: Redactor) -> Message:
    rb = _runbook(cfg, st)
    what = " ".join(x for x in (" ".join(rb.services) if rb else "", rb.id if rb else st.title)
                    if x) or st.id
    diagnosis = diagnosis or (rb.trigger if rb else st.title) or "see the ledger"
    action = action or ("stopped — RED needs a human" if cls == "RED"
                        else "investigating — please acknowledge")
    fix = fix or (f"follow runbook {rb.id}" if rb else "see the ledger")
    msg = compose(st, cls, what, cfg.environment, diagnosis, action, fix, link(cfg, st.id))
    return Message(msg.cls, red.text(msg.subject),
                   tuple((k, red.text(v)) for k, v in msg.fields))


def _send(cfg: Config, led: L.Ledger, esc_id: str, msg: Message, channels: tuple[str, ...],
          attempt: int, clock: Clock) -> list[str]:
    failures = []
    for name in channels:
        ch = cfg.channels.get(name)
        if ch is None:
            failures.append(f"{name}: no such channel (configure triagebook.escalation."
                            f"channels.{name})")
            led.append(E.EscalationFailed(id=esc_id, channel=name, attempt=attempt,
                                          error=failures[-1], final=True,
                                          summary=failures[-1]))
            continue
        try:
            deliver(channel_for(ch, cfg.root), msg.subject, msg.text(sms=ch.sms))
        except DeliveryError as exc:
            when, final = retry_at(clock(), attempt)
            failures.append(str(exc))
            led.append(E.EscalationFailed(
                id=esc_id, channel=name, attempt=attempt, error=str(exc),
                retry_at=iso(when) if when else None, final=final,
                summary=f"{name} failed (attempt {attempt}): {exc}"
                        + ("; giving up, see the digest" if final else "")))
        else:
            led.append(E.EscalationDelivered(id=esc_id, channel=name, attempt=attempt,
                                             summary=f"delivered via {name}"))
    return failures


def escalate(cfg: Config, incident_id: str, cls: str | None = None, diagnosis: str = "",
             action: str = "", fix: str = "", dry_run: bool = False, actor: str = "",
             clock: Clock = utc_now, secrets: dict[str, str] | None = None) -> Outcome:
    red = _redactor(cfg, secrets)
    st = fold(incident_id, load_merged(cfg, incident_id))  # the team's acks count too
    rb = _runbook(cfg, st)
    visible = rb.customer_visible if rb else False
    chosen = choose_class(cls, rb.escalation if rb else None, st.severity, visible)
    now = clock()
    decision = decide(chosen, visible, st, now, cfg.policy)
    msg = message_for(cfg, st, chosen, diagnosis, action, fix, red)
    esc_id = new_escalation_id()
    if dry_run:
        return Outcome(incident_id, decision, msg, esc_id)
    led = _ledger(cfg, incident_id, actor or A.service("escalation"), red, clock)
    base: dict[str, Any] = {"id": esc_id, "class_": chosen, "channels": list(decision.channels),
            "reason": decision.reason, "subject": msg.subject, "body": msg.text(),
            "fields": [list(f) for f in msg.fields]}
    meta = ""
    failures: list[str] = []
    if decision.action == "send":
        led.append(E.EscalationSent(**base, summary=f"{chosen} to "
                                    f"{', '.join(decision.channels)}: {decision.reason}"))
        failures = _send(cfg, led, esc_id, msg, decision.channels, 1, clock)
    elif decision.action == "defer":
        led.append(E.EscalationDeferred(**base, due=iso(decision.due or now),
                                        summary=decision.reason))
    elif decision.action == "digest":
        led.append(E.EscalationDigest(**base, summary=decision.reason))
    else:
        if decision.reason.startswith("cap reached"):
            meta = _meta_incident(cfg, st, now, red, clock)
        led.append(E.EscalationMuted(**base, meta_incident=meta or None,
                                     summary=decision.reason + (f": {meta}" if meta else "")))
    return Outcome(incident_id, decision, msg, esc_id, meta, tuple(failures))


def _meta_incident(cfg: Config, st: IncidentState, now: datetime, red: Redactor,
                   clock: Clock) -> str:
    since = now - timedelta(hours=24)
    for e in st.events:  # one meta-incident per capped incident per window
        p = e.payload
        if isinstance(p, E.EscalationMuted) and p.meta_incident and e.time > since:
            return str(p.meta_incident)
    meta_id = L.new_id(now) + "-cap"
    led = _ledger(cfg, meta_id, A.service("escalation"), red, clock)
    led.append(E.IncidentOpened(
        severity="SEV2", title=f"escalation cap hit on incident {st.id}",
        detected_at=iso(now), meta_for=st.id, timezone=cfg.policy.timezone))
    led.append(E.Note(text=f"{cfg.policy.cap_per_24h} escalations of {st.id} in 24 h; "
                           f"further pages are muted. Check why it keeps escalating and who "
                           f"owns it."))
    return meta_id


@dataclass(frozen=True, slots=True)
class TickReport:
    incident: str
    kind: str
    detail: str


def tick(cfg: Config, clock: Clock = utc_now) -> list[TickReport]:
    """Deferred sends, YELLOW promotion, follow-up notes, delivery retries. Idempotent."""
    reports: list[TickReport] = []
    red = _redactor(cfg)
    now = clock()
    for iid, events in L.iter_all(cfg.incidents_dir):
        st = fold(iid, events)
        work = due_work(st, now, cfg.policy)
        if not work:
            continue
        led = _ledger(cfg, iid, A.service("escalation.tick"), red, clock)
        for item in work:
            if item.kind == "followup":
                led.append(E.EscalationFollowup(summary=f"follow-up: {item.detail}; a note, "
                                                        f"not a re-page"))
                reports.append(TickReport(iid, "follow-up", item.detail))
                continue
            first = _first_message(events, item.esc_id)
            if first is None:
                continue
            msg = _stored(first)
            if item.kind == "deferred":
                led.append(E.EscalationSent(**{**_fields_of(first), "deferred": True,
                                               "summary": f"{first.class_} sent after quiet "
                                                          f"hours to "
                                                          f"{', '.join(item.channels)}"}))
                _send(cfg, led, item.esc_id, msg, item.channels, 1, clock)
            elif item.kind == "promote":
                led.append(E.EscalationPromoted(id=item.esc_id, channels=list(item.channels),
                                                summary=f"YELLOW promoted to "
                                                        f"{', '.join(item.channels)}: "
                                                        f"{item.detail}"))
                _send(cfg, led, item.esc_id, msg, item.channels, 1, clock)
            elif item.kind == "retry":
                attempt = int(item.detail.split()[-1])
                _send(cfg, led, item.esc_id, msg, item.channels, attempt, clock)
            reports.append(TickReport(iid, item.kind, item.detail))
    return reports


def _first_message(events: list[L.Event], esc_id: str) -> E.EscalationMessage | None:
    for e in events:
        p = e.payload
        if isinstance(p, E.EscalationMessage) and p.id == esc_id:
            return p
    return None


def _fields_of(p: E.EscalationMessage) -> dict[str, Any]:
    names = ("id", "class_", "channels", "reason", "subject", "body", "fields")
    return {n: getattr(p, n) for n in names}


def _stored(p: E.EscalationMessage) -> Message:
    """The message as first composed (already redacted), for deferred sends and retries."""
    if p.fields:
        fields = tuple((str(k), str(v)) for k, v in p.fields)
    else:  # events written before fields were stored: read them back from the body
        lines = str(p.body or "").split("\n")[1:]
        fields = tuple((k, v) for k, _, v in (ln.partition(": ") for ln in lines if ": " in ln))
    return Message(str(p.class_ or ""), str(p.subject or ""), fields)


def ack(cfg: Config, incident_id: str | None, via: str, text: str = "",
        reply: str | None = None, actor: str = "", clock: Clock = utc_now) -> tuple[str, bool]:
    """Record acknowledgement; returns (incident id, newly acknowledged?)."""
    if reply is not None:
        incident_id = find_ack(reply, incident_id)
        text = text or reply.strip()[:500]
        via = via or "reply"
    if not incident_id:
        raise UsageError("incident.ack: give the incident id, or --from-reply with a reply "
                         "that says 'ack <ID>'")
    if not via:
        raise UsageError("incident.ack: --via CHANNEL is required (page, chat, email, phone…)")
    st = fold(incident_id, load_merged(cfg, incident_id))
    if "acknowledged" in st.milestones:
        return incident_id, False
    led = _ledger(cfg, incident_id, actor or A.operator(), _redactor(cfg), clock)
    led.append(E.Milestone(name="acknowledged", via=via, text=text))
    return incident_id, True


def digest(cfg: Config, clock: Clock = utc_now) -> str:
    now = clock()
    since = now - timedelta(hours=24)
    green, deferred, failed, acked = [], [], [], []
    for iid, events in L.iter_all(cfg.incidents_dir):
        st = fold(iid, events)
        sent_ids = {p.id for p in (e.payload for e in events) if isinstance(p, E.EscalationSent)}
        for e in events:
            p = e.payload
            if isinstance(p, E.EscalationDigest) and e.time > since:
                green.append(f"- {iid}: {p.subject}")
            elif isinstance(p, E.EscalationDeferred) and p.id not in sent_ids:
                deferred.append(f"- {iid}: {p.subject} (due {p.due})")
            elif isinstance(p, E.EscalationFailed) and p.final:
                failed.append(f"- {iid}: {p.channel}: {p.error}")
        if "acknowledged" in st.milestones and "resolved" not in st.milestones:
            when, via = st.milestones["acknowledged"]
            acked.append(f"- {iid} {st.severity} {st.title}: acknowledged {iso(when)} via "
                         f"{via}, not resolved ({st.status})")
    parts = [f"# triagebook digest {iso(now)[:10]}", ""]
    for title, rows in (("GREEN (last 24 h)", green), ("Deferred, not yet sent", deferred),
                        ("Deliveries that failed for good", failed),
                        ("Acknowledged but not resolved", acked)):
        parts += [f"## {title}", "", *(rows or ["- none"]), ""]
    return "\n".join(parts)

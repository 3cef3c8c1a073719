"""Escalation operations over the ledger: escalate, tick, ack, digest.

Every escalation, routing decision, delivery, ack and follow-up is a ledger event (and so
appears in the post-mortem timeline).  Nothing runs in the background: `tick()` does the
time-driven work and is safe to run as often as you like.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from triagebook.config import Config
from triagebook.errors import UsageError
from triagebook.escalation.channels import DeliveryError, deliver
from triagebook.escalation.policy import (
    Decision,
    Message,
    choose_class,
    compose,
    decide,
    due_work,
    find_ack,
    new_escalation_id,
    retry_at,
)
from triagebook.incident import ledger as L
from triagebook.incident.redaction import Redactor
from triagebook.incident.state import IncidentState, fold
from triagebook.runbook.model import Runbook
from triagebook.runbook.parse import parse_bytes

Clock = Callable[[], datetime]


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
    led = L.Ledger(cfg.incidents_dir, incident_id, actor, red, clock, session=False)
    if not led.exists:
        raise L.NoSuchIncident(incident_id, L.incident_ids(cfg.incidents_dir))
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
    # redacted before compose shortens them: a token cut in half is no longer recognised
    what, diagnosis, action, fix = (red.text(x) for x in (what, diagnosis, action, fix))
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
            led.append("escalation.failed", {"id": esc_id, "channel": name, "attempt": attempt,
                                             "error": failures[-1], "final": True,
                                             "summary": failures[-1]})
            continue
        try:
            deliver(cfg, ch, msg.subject, msg.text(sms=ch.sms))
        except DeliveryError as exc:
            when, final = retry_at(clock(), attempt)
            failures.append(str(exc))
            led.append("escalation.failed", {
                "id": esc_id, "channel": name, "attempt": attempt, "error": str(exc),
                "retry_at": L.iso(when) if when else None, "final": final,
                "summary": f"{name} failed (attempt {attempt}): {exc}"
                           + ("; giving up, see the digest" if final else "")})
        else:
            led.append("escalation.delivered", {"id": esc_id, "channel": name,
                                                "attempt": attempt,
                                                "summary": f"delivered via {name}"})
    return failures


def escalate(cfg: Config, incident_id: str, cls: str | None = None, diagnosis: str = "",
             action: str = "", fix: str = "", dry_run: bool = False, actor: str = "",
             clock: Clock = L.utc_now, secrets: dict[str, str] | None = None) -> Outcome:
    red = _redactor(cfg, secrets)
    events = L.load(cfg.incidents_dir, incident_id)
    st = fold(incident_id, events)
    rb = _runbook(cfg, st)
    visible = rb.customer_visible if rb else False
    chosen = choose_class(cls, rb.escalation if rb else None, st.severity, visible)
    now = clock()
    decision = decide(chosen, visible, st, now, cfg.policy)
    msg = message_for(cfg, st, chosen, diagnosis, action, fix, red)
    esc_id = new_escalation_id()
    if dry_run:
        return Outcome(incident_id, decision, msg, esc_id)
    led = _ledger(cfg, incident_id, actor or "escalation", red, clock)
    base = {"id": esc_id, "class": chosen, "channels": list(decision.channels),
            "reason": decision.reason, "subject": msg.subject, "body": msg.text(),
            "fields": [list(f) for f in msg.fields]}
    meta = ""
    failures: list[str] = []
    if decision.action == "send":
        led.append("escalation.sent", {**base, "summary": f"{chosen} to "
                                       f"{', '.join(decision.channels)}: {decision.reason}"})
        failures = _send(cfg, led, esc_id, msg, decision.channels, 1, clock)
    elif decision.action == "defer":
        led.append("escalation.deferred", {**base, "due": L.iso(decision.due or now),
                                           "summary": decision.reason})
    elif decision.action == "digest":
        led.append("escalation.digest", {**base, "summary": decision.reason})
    else:
        if decision.reason.startswith("cap reached"):
            meta = _meta_incident(cfg, st, now, red, clock)
        led.append("escalation.muted", {**base, "meta_incident": meta or None,
                                        "summary": decision.reason + (f": {meta}" if meta
                                                                      else "")})
    return Outcome(incident_id, decision, msg, esc_id, meta, tuple(failures))


def _meta_incident(cfg: Config, st: IncidentState, now: datetime, red: Redactor,
                   clock: Clock) -> str:
    since = now - timedelta(hours=24)
    for e in st.events:  # one meta-incident per capped incident per window
        if e.type == "escalation.muted" and e.data.get("meta_incident") and e.time > since:
            return str(e.data["meta_incident"])
    meta_id = L.new_id(now) + "-cap"
    led = L.Ledger(cfg.incidents_dir, meta_id, "escalation", red, clock, session=False).open()
    led.append("incident.opened", {
        "severity": "SEV2", "title": f"escalation cap hit on incident {st.id}",
        "detected_at": L.iso(now), "meta_for": st.id,
        "timezone": cfg.policy.timezone})
    led.append("note", {"text": f"{cfg.policy.cap_per_24h} escalations of {st.id} in 24 h; "
                                f"further pages are muted. Check why it keeps escalating "
                                f"and who owns it."})
    return meta_id


@dataclass(frozen=True, slots=True)
class TickReport:
    incident: str
    kind: str
    detail: str


def tick(cfg: Config, clock: Clock = L.utc_now) -> list[TickReport]:
    """Deferred sends, YELLOW promotion, follow-up notes, delivery retries. Idempotent."""
    reports: list[TickReport] = []
    red = _redactor(cfg)
    now = clock()
    for iid, events in L.iter_all(cfg.incidents_dir):
        st = fold(iid, events)
        work = due_work(st, now, cfg.policy)
        if not work:
            continue
        led = _ledger(cfg, iid, "escalation.tick", red, clock)
        for item in work:
            first = next((e for e in events if e.data.get("id") == item.esc_id), None)
            if item.kind == "followup":
                led.append("escalation.followup", {"summary": f"follow-up: {item.detail}; "
                                                              f"a note, not a re-page"})
                reports.append(TickReport(iid, "follow-up", item.detail))
                continue
            if first is None:
                continue
            msg = _stored(first)
            if item.kind == "deferred":
                led.append("escalation.sent", {**first.data, "deferred": True,
                                               "summary": f"{first.data['class']} sent after "
                                                          f"quiet hours to "
                                                          f"{', '.join(item.channels)}"})
                _send(cfg, led, item.esc_id, msg, item.channels, 1, clock)
            elif item.kind == "promote":
                led.append("escalation.promoted", {"id": item.esc_id,
                                                   "channels": list(item.channels),
                                                   "summary": f"YELLOW promoted to "
                                                              f"{', '.join(item.channels)}: "
                                                              f"{item.detail}"})
                _send(cfg, led, item.esc_id, msg, item.channels, 1, clock)
            elif item.kind == "retry":
                attempt = int(item.detail.split()[-1])
                _send(cfg, led, item.esc_id, msg, item.channels, attempt, clock)
            reports.append(TickReport(iid, item.kind, item.detail))
    return reports


def _stored(ev: L.Event) -> Message:
    """The message as first composed (already redacted), for deferred sends and retries."""
    d = ev.data
    if "fields" in d:
        fields = tuple((str(k), str(v)) for k, v in d["fields"])
    else:  # events written before fields were stored: read them back from the body
        lines = str(d.get("body", "")).split("\n")[1:]
        fields = tuple((k, v) for k, _, v in (ln.partition(": ") for ln in lines if ": " in ln))
    return Message(str(d.get("class", "")), str(d.get("subject", "")), fields)


def ack(cfg: Config, incident_id: str | None, via: str, text: str = "",
        reply: str | None = None, actor: str = "", clock: Clock = L.utc_now) -> tuple[str, bool]:
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
    L.check_id(incident_id)
    st = fold(incident_id, L.load(cfg.incidents_dir, incident_id))
    if "acknowledged" in st.milestones:
        return incident_id, False
    led = _ledger(cfg, incident_id, actor or via, _redactor(cfg), clock)
    led.append("milestone", {"name": "acknowledged", "via": via, "text": text})
    return incident_id, True


def digest(cfg: Config, clock: Clock = L.utc_now) -> str:
    now = clock()
    since = now - timedelta(hours=24)
    green, deferred, failed, acked = [], [], [], []
    for iid, events in L.iter_all(cfg.incidents_dir):
        st = fold(iid, events)
        sent_ids = {e.data.get("id") for e in events if e.type == "escalation.sent"}
        for e in events:
            if e.type == "escalation.digest" and e.time > since:
                green.append(f"- {iid}: {e.data.get('subject', '')}")
            elif e.type == "escalation.deferred" and e.data.get("id") not in sent_ids:
                deferred.append(f"- {iid}: {e.data.get('subject', '')} (due "
                                f"{e.data.get('due')})")
            elif e.type == "escalation.failed" and e.data.get("final"):
                failed.append(f"- {iid}: {e.data.get('channel')}: {e.data.get('error')}")
        if "acknowledged" in st.milestones and "resolved" not in st.milestones:
            when, via = st.milestones["acknowledged"]
            acked.append(f"- {iid} {st.severity} {st.title}: acknowledged {L.iso(when)} via "
                         f"{via}, not resolved ({st.status})")
    parts = [f"# triagebook digest {L.iso(now)[:10]}", ""]
    for title, rows in (("GREEN (last 24 h)", green), ("Deferred, not yet sent", deferred),
                        ("Deliveries that failed for good", failed),
                        ("Acknowledged but not resolved", acked)):
        parts += [f"## {title}", "", *(rows or ["- none"]), ""]
    return "\n".join(parts)

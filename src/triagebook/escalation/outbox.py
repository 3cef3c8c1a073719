"""What every escalation operation shares: the redactor, the ledger, and deliveries
recorded as ledger events (an intent before, an outcome after)."""

from __future__ import annotations

import os
from typing import Any

from triagebook.base.redaction import Redactor
from triagebook.base.timeutil import Clock, iso
from triagebook.config import Config
from triagebook.escalation.delivery import Job, Result, send
from triagebook.escalation.folders import folder_for
from triagebook.escalation.message import Message
from triagebook.escalation.policy import retry_at
from triagebook.incident import events as E
from triagebook.incident import ledger as L
from triagebook.incident.store import configured
from triagebook.incident.sync import attach
from triagebook.incident.team import open_for_team


def redactor_for(cfg: Config, extra: dict[str, str] | None = None) -> Redactor:
    red = Redactor(extra)
    for ch in cfg.channels.values():  # a webhook URL is itself a credential
        for var in ch.of_kind.secret_envs(ch.settings):
            if var and os.environ.get(var):
                red.add(f"{ch.name}-credential", os.environ[var])
    return red


def ledger_for(cfg: Config, incident_id: str, actor: str, red: Redactor,
               clock: Clock) -> L.Ledger:
    folder = folder_for(cfg, incident_id)
    led = L.Ledger(folder, incident_id, actor, red, clock, session=False)
    team = folder == cfg.incidents_dir and configured(cfg)  # drills stay on this machine
    if not led.exists and not team:
        raise L.NoSuchIncident(incident_id, L.incident_ids(folder))
    if not team:
        return led.open()
    attach(cfg, led, keep_open=False)  # the team's store gets what escalation writes
    return open_for_team(cfg, led)  # a store-only incident is fetched first


def link(cfg: Config, incident_id: str) -> str:
    if cfg.ledger_url:
        return cfg.ledger_url.replace("{incident}", incident_id)
    return cfg.display(folder_for(cfg, incident_id) / incident_id / L.EVENTS)


def stored(p: E.EscalationMessage) -> Message:
    """The message as first composed (already redacted), for deferred sends and retries."""
    if p.fields:
        fields = tuple((str(k), str(v)) for k, v in p.fields)
    else:  # events written before fields were stored: read them back from the body
        lines = str(p.body or "").split("\n")[1:]
        fields = tuple((k, v) for k, _, v in (ln.partition(": ") for ln in lines if ": " in ln))
    return Message(str(p.class_ or ""), str(p.subject or ""), fields)


def message_fields(p: E.EscalationMessage) -> dict[str, Any]:
    names = ("id", "class_", "channels", "reason", "subject", "body", "fields", "person")
    return {n: getattr(p, n) for n in names}


def deliver_recorded(cfg: Config, led: L.Ledger, esc_id: str, msg: Message, jobs: list[Job],
                     clock: Clock, drill: bool = False) -> list[Result]:
    """Deliver and record each channel's outcome as it arrives.

    The intent (`escalation.sent` / `.promoted` / `.retried` / `.drill`) is already in the
    ledger; a failure gets its retry time (the channel's Retry-After, else the backoff),
    an interrupted one is due at once, and a drill is never retried.
    """
    red = led.redactor

    def record(r: Result) -> None:
        ch = r.channel
        if r.shadow:
            led.append(E.EscalationShadowed(
                id=esc_id, source="channel", channel=ch, action="send", class_=msg.cls,
                channels=[ch], reason="shadow channel: recorded, not delivered",
                summary=f"{ch} is a shadow channel: would have sent {msg.subject!r}"))
            return
        latency = round(r.latency_s, 3) if r.latency_s is not None else None
        if r.ok:
            led.append(E.EscalationDelivered(
                id=esc_id, channel=ch, attempt=r.attempt, latency_s=latency,
                summary=f"delivered via {ch}" + (f" in {latency:.1f} s" if latency else "")))
            return
        error = red.text(r.error)
        if drill or r.final:
            when, final = None, True
        elif r.interrupted:
            when, final = clock(), False
        else:
            when, final = retry_at(clock(), r.attempt, r.retry_after)
        then = (f"; retry at {iso(when)}" if when else "; giving up, see the digest"
                if not drill else "")
        led.append(E.EscalationFailed(
            id=esc_id, channel=ch, attempt=r.attempt, error=error,
            retry_at=iso(when) if when else None, final=final, latency_s=latency,
            summary=f"{ch} failed (attempt {r.attempt}): {error}{then}"))

    return send(cfg, jobs, msg.subject, msg.text(), msg.text(sms=True), record, drill=drill)

"""The daily digest, deliverable through the channels, and the deliveries that failed.

`failed_deliveries` is the one list of what did not reach a human (for `incident.show`,
the digest and `inv doctor`): channels whose last attempt failed, and attempts cut off
with no outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from triagebook.base.errors import BadArgument
from triagebook.base.timeutil import Clock, iso, utc_now
from triagebook.config import Config
from triagebook.escalation.delivery import Job, Result, send
from triagebook.escalation.history import abandoned, records
from triagebook.escalation.outbox import redactor_for
from triagebook.escalation.policy import LEASE_MARGIN
from triagebook.incident import ledger as L
from triagebook.incident import sla
from triagebook.incident.state import fold


@dataclass(frozen=True, slots=True)
class FailedDelivery:
    incident: str
    esc_id: str
    channel: str
    attempt: int
    error: str
    at: datetime | None
    retry_at: datetime | None  # None: not retried (final, or the incident was acknowledged)
    final: bool

    def line(self) -> str:
        when = f"retry at {iso(self.retry_at)}" if self.retry_at else (
            "given up" if self.final else "not retried (acknowledged or resolved)")
        return (f"{self.incident} {self.esc_id} {self.channel} attempt {self.attempt}: "
                f"{self.error} — {when}")


def failed_deliveries(cfg: Config, now: datetime | None = None,
                      incident: str | None = None) -> list[FailedDelivery]:
    """Every channel whose last attempt failed or was cut off, oldest first."""
    now = now or utc_now()
    lease = timedelta(seconds=cfg.deadline_seconds) + LEASE_MARGIN
    source = ([(incident, L.load(cfg.incidents_dir, incident))] if incident
              else L.iter_all(cfg.incidents_dir))
    out = []
    for iid, events in source:
        st = fold(iid, events)
        paging = not ({"acknowledged", "resolved"} & set(st.milestones))
        for rec in records(events).values():
            for cs in rec.channels.values():
                if cs.outcome == "failed":
                    out.append(FailedDelivery(iid, rec.id, cs.name, cs.attempt, cs.error, cs.at,
                                              cs.retry_at if paging and not cs.final else None,
                                              cs.final))
                elif abandoned(cs, now, lease):
                    out.append(FailedDelivery(iid, rec.id, cs.name, cs.attempt,
                                              "started, no outcome recorded (cut off)",
                                              cs.started, now if paging else None, False))
    out.sort(key=lambda f: f.at or now)
    return out


def digest(cfg: Config, clock: Clock = utc_now) -> str:
    now = clock()
    since = now - timedelta(hours=24)
    green, deferred, acked, response = [], [], [], []
    for iid, events in L.iter_all(cfg.incidents_dir):
        st = fold(iid, events)
        for rec in records(events).values():
            if rec.action == "digest" and rec.at > since:
                green.append(f"- {iid}: {rec.message.subject}")
            elif rec.action == "defer" and rec.sent_at is None:
                due = iso(rec.due) if rec.due else "?"
                deferred.append(f"- {iid}: {rec.message.subject} (due {due})")
        if "acknowledged" in st.milestones and "resolved" not in st.milestones:
            when, via = st.milestones["acknowledged"]
            acked.append(f"- {iid} {st.severity} {st.title}: acknowledged {iso(when)} via "
                         f"{via}, not resolved ({st.status})")
        r = sla.measure(st, cfg.policy, now)
        ack_at = st.milestones.get("acknowledged", (None, ""))[0]
        recent = ack_at is not None and ack_at > since
        open_late = r is not None and r.verdict == "overdue" and "resolved" not in st.milestones
        if r is not None and (recent or open_late):
            response.append(f"- {iid} {st.title}: {sla.describe(r)}")
    failed = [f"- {f.line()}" for f in failed_deliveries(cfg, now)]
    parts = [f"# triagebook digest {iso(now)[:10]}", ""]
    for title, rows in (("GREEN (last 24 h)", green), ("Deferred, not yet sent", deferred),
                        ("Deliveries that failed", failed),
                        ("Response times (acknowledged in the last 24 h, or overdue)",
                         response),
                        ("Acknowledged but not resolved", acked)):
        parts += [f"## {title}", "", *(rows or ["- none"]), ""]
    return "\n".join(parts)


def send_digest(cfg: Config, text: str, channels: tuple[str, ...] = (),
                clock: Clock = utc_now) -> list[Result]:
    """Deliver the digest through `channels` (default: GREEN's, where the digest goes).

    SMS-class channels get the section counts only; the others the whole digest.
    """
    chans = channels or cfg.policy.escalation("GREEN").channels
    unknown = [c for c in chans if c not in cfg.channels]
    if unknown:
        raise BadArgument("via", "", f"no channel {', '.join(unknown)} (configured: "
                         f"{', '.join(cfg.channels)})")
    red = redactor_for(cfg)
    env = f" — {cfg.environment}" if cfg.environment else ""
    subject = f"[DIGEST] triagebook {iso(clock())[:10]}{env}"
    counts, section, n = [], "", 0
    for line in text.splitlines():
        if line.startswith("## "):
            if section:
                counts.append(f"{section}: {n}")
            section, n = line[3:].split(" (")[0], 0
        elif line.startswith("- ") and line != "- none":
            n += 1
    if section:
        counts.append(f"{section}: {n}")
    short = "\n".join([subject, *counts[:5], "inv incident.digest shows it whole"])
    return send(cfg, [Job(c) for c in chans], subject, red.text(subject + "\n\n" + text),
                red.text(short), lambda r: None)

"""Drills: a synthetic page through the real channels, to prove the path before a night.

A drill is a ledger of its own under `incidents/.drills/DRILL-…/`: never an incident,
so it counts toward no cap, opens no meta-incident, is never retried or promoted by the
tick and stays out of the digest.  Each channel's latency (send → accepted) is recorded
on its delivery event; acknowledging the drill's id (`inv incident.ack DRILL-… --via
page`) within the window gives the round trip.  `report.py` reads the history.
"""

from __future__ import annotations

from dataclasses import dataclass

from triagebook.base.errors import BadArgument
from triagebook.base.timeutil import Clock, iso, utc_now
from triagebook.config import Config
from triagebook.escalation.delivery import Job, Result
from triagebook.escalation.folders import drills_dir
from triagebook.escalation.message import Facts, compose
from triagebook.escalation.outbox import deliver_recorded, link, redactor_for
from triagebook.escalation.policy import new_escalation_id
from triagebook.incident import events as E
from triagebook.incident import ledger as L
from triagebook.runbook.model import ESCALATION_CLASSES

TARGET_SECONDS = 30.0  # a page should be accepted by its channel within this


@dataclass(frozen=True, slots=True)
class DrillOutcome:
    id: str
    cls: str
    channels: tuple[str, ...]
    results: tuple[Result, ...]
    ack_window_minutes: int

    @property
    def failed(self) -> list[Result]:
        return [r for r in self.results if not r.ok]


def drill(cfg: Config, cls: str = "RED", ack_window_minutes: int = 15, actor: str = "",
          clock: Clock = utc_now) -> DrillOutcome:
    cls = cls.upper()
    if cls not in ESCALATION_CLASSES:
        raise BadArgument("class", "", f"expected one of {', '.join(ESCALATION_CLASSES)} but "
                         f"received {cls!r}")
    if ack_window_minutes <= 0:
        raise BadArgument("ack_window", "", f"expected minutes (1 or more) but received "
                         f"{ack_window_minutes}")
    now = clock()
    drill_id = "DRILL-" + L.new_id(now).removeprefix("INC-")
    channels = cfg.policy.escalation(cls).channels
    red = redactor_for(cfg)
    led = L.Ledger(drills_dir(cfg), drill_id, actor or "escalation.drill", red, clock,
                   session=False).open()
    led.append(E.IncidentOpened(severity="", title=f"escalation drill ({cls})",
                                detected_at=iso(now),
                                timezone=cfg.policy.timezone))
    msg = compose(Facts(
        incident=drill_id, cls=cls, what="paging drill", env=cfg.environment,
        severity="none — this is a DRILL", detected=now, timezone=cfg.policy.timezone,
        runbook="none — nothing is wrong", context=(),
        diagnosis="DRILL: a test of the paging path; nothing is wrong",
        action=f"acknowledge within {ack_window_minutes} min to time the round trip",
        fix="nothing to fix", ledger=link(cfg, drill_id), drill=True))
    esc_id = new_escalation_id()
    led.append(E.EscalationDrill(
        id=esc_id, class_=cls, channels=list(channels), reason="drill",
        subject=msg.subject, body=msg.text(), fields=[list(f) for f in msg.fields],
        ack_window_minutes=ack_window_minutes,
        summary=f"drill {cls} to {', '.join(channels)}"))
    results = deliver_recorded(cfg, led, esc_id, msg, [Job(c) for c in channels], clock,
                               drill=True)
    return DrillOutcome(drill_id, cls, tuple(channels), tuple(results), ack_window_minutes)

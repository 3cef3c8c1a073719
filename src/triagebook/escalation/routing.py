"""The runbook's route → its channels for the class and the person on call (issue 22).

No route configured for the runbook: the global channels and the policy's zone, as
before.  A schedule that cannot be read never stops a page: the route's channels still
get it, and the reason says the schedule failed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from triagebook.base.errors import TriagebookError
from triagebook.config import Config
from triagebook.escalation.delivery import Job
from triagebook.escalation.facts import runbook_of
from triagebook.escalation.history import records
from triagebook.escalation.policy import Recipient, quiet_window
from triagebook.incident.state import IncidentState
from triagebook.oncall.records import present
from triagebook.oncall.schedule import OnCall, on_call, vacancy
from triagebook.runbook.model import Runbook


def jobs_for(cfg: Config, person: str, channels: tuple[str, ...] | list[str],
             attempts: dict[str, int] | None = None) -> list[Job]:
    """One delivery job per channel, addressed to ``person``'s contact on it when the
    person has one (their phone on `page`, their mail on `email`), else the channel's
    own configured address."""
    contacts = cfg.people[person].contacts if person in cfg.people else {}
    return [Job(c, (attempts or {}).get(c, 1), contacts.get(c, "")) for c in channels]


def route_for(cfg: Config, rb: Runbook | None, cls: str,
              now: datetime) -> tuple[tuple[str, ...], Recipient | None]:
    """(the route's channels for ``cls`` — empty: the policy's —, who is paged)."""
    if rb is None or rb.route not in cfg.routes:
        return (), None
    chans = cfg.routes[rb.route].channels.get(cls, ())
    try:
        chain = on_call(cfg, rb.route, now)
    except Exception as exc:  # noqa: BLE001 - no schedule, however broken, stops a page
        why = exc if isinstance(exc, TriagebookError) else f"{type(exc).__name__}: {exc}"
        return chans, Recipient("", cfg.policy.timezone,
                                f"route {rb.route}: schedule unreadable: {why}")
    oc = chain[0] if chain and chain[0].level == "primary" else None
    if oc is None or not oc.person:
        return chans, Recipient("", cfg.policy.timezone,
                                f"route {rb.route}: {_nobody(cfg, rb.route, chain, now)}")
    person = cfg.people.get(oc.person)
    zone = person.timezone if person is not None else cfg.policy.timezone
    marked = present(cfg, oc.person, now) is not None
    return chans, Recipient(oc.person, zone, f"primary on {rb.route}: {oc.why}", marked)


def _nobody(cfg: Config, route: str, chain: list[OnCall], now: datetime) -> str:
    """Why no primary is named: the schedule's own reason, or who it does name."""
    if chain:
        return "no primary on call (" + ", ".join(f"{oc.level} {oc.person}"
                                                  for oc in chain) + ")"
    try:
        return f"nobody on call: {vacancy(cfg, route, now)}"
    except Exception as exc:  # noqa: BLE001 - the reason only; the page goes on
        return f"nobody on call: {type(exc).__name__}: {exc}"


@dataclass(frozen=True, slots=True)
class LevelDue:
    """The route's next level to page for one escalation nobody acknowledged."""

    esc_id: str
    level: str  # secondary | manager
    person: str
    channels: tuple[str, ...]
    detail: str


def level_work(cfg: Config, st: IncidentState, now: datetime) -> list[LevelDue]:
    """Issue 22 item 4: a RED (or a promoted YELLOW) unacknowledged for the route's
    `secondary_after_minutes` pages the secondary too, and twice that the manager; an
    ack by anyone stops it.  Derived from the ledger, so a tick repeats nothing."""
    if not cfg.routes or "acknowledged" in st.milestones or "resolved" in st.milestones \
            or st.meta_for:
        return []
    sent = [rec for rec in records(st.events).values()
            if rec.action == "send" and rec.sent_at is not None and rec.message.person
            and (rec.cls == "RED" or rec.promoted)]
    rb = runbook_of(cfg, st) if sent else None  # the snapshot is read only when needed
    rc = cfg.routes.get(rb.route) if rb is not None else None
    if rc is None or rc.secondary_after_minutes <= 0:
        return []
    step = timedelta(minutes=rc.secondary_after_minutes)
    waiting = [rec for rec in sent if rec.sent_at is not None and now - rec.sent_at >= step]
    if not waiting:  # the schedule is read only when a level may be due
        return []
    try:
        chain = on_call(cfg, rc.name, now)
    except Exception:  # noqa: BLE001 - the primary was paged; a broken schedule adds no one
        return []
    out = []
    for rec in waiting:
        assert rec.sent_at is not None
        paged = {rec.message.person, *(who for who, _ in rec.levels.values())}
        for oc in chain:
            n = {"secondary": 1, "manager": 2}.get(oc.level)  # fixed: manager at 2x always
            if n is None or oc.level in rec.levels or now - rec.sent_at < n * step:
                continue
            if oc.person in paged:
                continue
            out.append(LevelDue(rec.id, oc.level, oc.person, tuple(rec.message.channels),
                                f"{rec.cls} unacknowledged for {n * rc.secondary_after_minutes}"
                                f" min: {oc.level} {oc.person} ({oc.why})"))
            break  # one level per escalation per tick
    return out


@dataclass(frozen=True, slots=True)
class Handoff:
    """A page deferred for one person's night whose shift has since ended: it goes to
    the person on call now, when their own quiet hours do not hold it."""

    esc_id: str
    person: str
    channels: tuple[str, ...]
    detail: str


def handoff_work(cfg: Config, st: IncidentState, now: datetime) -> list[Handoff]:
    if not cfg.routes or "acknowledged" in st.milestones or "resolved" in st.milestones:
        return []
    held = [rec for rec in records(st.events).values()
            if rec.action == "defer" and rec.sent_at is None and rec.message.person
            and rec.due is not None and now < rec.due]
    rb = runbook_of(cfg, st) if held else None
    if not held or rb is None or rb.route not in cfg.routes:
        return []
    _, to = route_for(cfg, rb, held[0].cls, now)
    if to is None or not to.person:
        return []
    inside, _ = quiet_window(now, cfg.policy, to.zone)
    if inside and not to.present:
        return []
    return [Handoff(rec.id, to.person, tuple(rec.message.channels),
                    f"{rec.cls} held for {rec.message.person}'s quiet hours; "
                    f"{to.person} is on call now ({to.why})")
            for rec in held if to.person != rec.message.person]

"""The runbook's route → its channels for the class and the person on call (issue 22).

No route configured for the runbook: the global channels and the policy's zone, as
before.  A schedule that cannot be read never stops a page: the route's channels still
get it, and the reason says the schedule failed.
"""

from __future__ import annotations

from datetime import datetime

from triagebook.base.errors import TriagebookError
from triagebook.config import Config
from triagebook.escalation.delivery import Job
from triagebook.escalation.policy import Recipient
from triagebook.oncall.records import present
from triagebook.oncall.schedule import primary
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
        oc = primary(cfg, rb.route, now)
    except TriagebookError as exc:
        return chans, Recipient("", cfg.policy.timezone,
                                f"route {rb.route}: schedule unreadable: {exc}")
    if oc is None or not oc.person:
        return chans, None
    person = cfg.people.get(oc.person)
    zone = person.timezone if person is not None else cfg.policy.timezone
    marked = present(cfg.oncall_dir, oc.person, now) is not None
    return chans, Recipient(oc.person, zone, f"primary on {rb.route}: {oc.why}", marked)

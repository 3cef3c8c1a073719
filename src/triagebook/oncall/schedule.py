"""Who is on call for a route at a moment, and why (issue 22).

In order: an override recorded with `inv oncall.override` (the latest that covers the
moment), then the route's iCalendar file or URL (oncall/calendar.py: an event whose
SUMMARY names the person, or `secondary: NAME`), then its rotation.  Pure over the
configuration, the recorded overrides and a moment: `inv oncall.who`, the routing
simulator and the escalation all ask the same function.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from triagebook.config import Config
from triagebook.config.oncall import Rotation, RouteConfig
from triagebook.oncall import calendar
from triagebook.oncall.calendar import LEVELS, entries
from triagebook.oncall.records import Override, overrides


@dataclass(frozen=True, slots=True)
class OnCall:
    route: str
    level: str  # primary | secondary | manager
    person: str  # "" when nobody is found
    why: str
    until: datetime | None = None  # the next handoff, when the schedule knows it


def _shift(rot: Rotation, at: datetime) -> tuple[int, datetime, datetime]:
    """(shift number, its start, the next handoff).  A handoff is a local time in the
    rotation's zone (09:00 stays 09:00 across a DST change), compared as an instant: in
    the repeated autumn hour a handoff happens once, and one inside the spring gap
    happens at the jump, shown as the time it really is."""
    zone = ZoneInfo(rot.timezone)
    first = date.fromisoformat(rot.start)
    hh, mm = (int(x) for x in rot.handoff.split(":"))
    k = (at.astimezone(zone).date() - first).days // rot.length_days

    def start_of(n: int) -> datetime:
        wall = datetime.combine(first + timedelta(days=n * rot.length_days), time(hh, mm),
                                tzinfo=zone)
        return wall.astimezone(UTC).astimezone(zone)  # a real instant, a real label

    if at.astimezone(UTC) < start_of(k).astimezone(UTC):
        k -= 1
    return k, start_of(k), start_of(k + 1)


def _rotation(route: RouteConfig, at: datetime) -> list[OnCall]:
    rot = route.rotation
    if not rot.people:
        return []
    k, began, ends = _shift(rot, at)
    if k < 0:  # before the rotation's first shift: nobody yet, never an extrapolation
        return []
    n = len(rot.people)
    who = rot.people[k % n]
    out = [OnCall(route.name, "primary", who,
                  f"rotation: {who}'s shift since {began:%a %d %b %H:%M %Z}", ends)]
    if n > 1:
        nxt = rot.people[(k + 1) % n]
        out.append(OnCall(route.name, "secondary", nxt,
                          f"rotation: next in line after {who}", ends))
    return out


def _calendar(cfg: Config, route: RouteConfig, at: datetime) -> list[OnCall]:
    found, shown = entries(cfg, route, at)
    return [OnCall(route.name, e.level, _person(cfg, e.name),
                   f"calendar {shown}: {e.summary!r}", e.until) for e in found]


def _person(cfg: Config, name: str) -> str:
    """A name as `people` spells it (case-insensitive), else as written."""
    for known in cfg.people:
        if known.lower() == name.lower():
            return known
    return name


def _override(route: str, at: datetime, recorded: list[Override]) -> OnCall | None:
    live = [o for o in recorded if o.route == route and o.start <= at < o.end]
    if not live:
        return None
    o = live[-1]  # the latest recorded wins
    return OnCall(route, "primary", o.person, f"override recorded by {o.by} "
                                              f"(from {o.start:%Y-%m-%d %H:%M} UTC)", o.end)


def on_call(cfg: Config, route: str, at: datetime) -> list[OnCall]:
    """Primary, then secondary, then manager, as far as the route says (may be empty)."""
    rc = cfg.routes.get(route)
    if rc is None:
        return []
    found = _calendar(cfg, rc, at) if rc.calendar else _rotation(rc, at)
    chain: dict[str, OnCall] = {}
    for oc in found:
        chain.setdefault(oc.level, oc)
    over = _override(route, at, overrides(cfg))
    if over is not None:
        was = chain.get("primary")
        chain["primary"] = over
        if was is not None and was.person != over.person and "secondary" not in chain:
            chain["secondary"] = OnCall(route, "secondary", was.person,
                                        f"the schedule's primary ({was.why})", was.until)
    if rc.manager:
        chain["manager"] = OnCall(route, "manager", rc.manager, "the route's manager")
    return [chain[level] for level in LEVELS if level in chain]


def primary(cfg: Config, route: str, at: datetime) -> OnCall | None:
    chain = on_call(cfg, route, at)
    return chain[0] if chain and chain[0].level == "primary" else None


def vacancy(cfg: Config, route: str, at: datetime) -> str:
    """Why ``on_call`` finds nobody for ``route`` at ``at``, in one line."""
    rc = cfg.routes.get(route)
    if rc is None:
        return f"no route {route!r} in triagebook.routes"
    if rc.calendar:
        return calendar.vacancy(cfg, rc, at)
    rot = rc.rotation
    if not rot.people:
        return "no calendar, and the rotation names nobody (rotation.people is empty)"
    if _shift(rot, at)[0] < 0:
        hh, mm = (int(x) for x in rot.handoff.split(":"))
        zone = ZoneInfo(rot.timezone)
        wall = datetime.combine(date.fromisoformat(rot.start), time(hh, mm), tzinfo=zone)
        first = wall.astimezone(UTC).astimezone(zone)  # a real instant (as _shift says it)
        return f"the rotation's first shift starts {first:%Y-%m-%d %H:%M} {rot.timezone}"
    return "nobody found"

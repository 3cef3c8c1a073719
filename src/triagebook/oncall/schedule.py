"""Who is on call for a route at a moment, and why (issue 22).

In order: an override recorded with `inv oncall.override` (the latest that covers the
moment), then the route's iCalendar file (an event whose SUMMARY names the person, or
`secondary: NAME`), then its rotation.  Pure over the configuration, the recorded
overrides and a moment: `inv oncall.who`, the routing simulator and the escalation all
ask the same function.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from triagebook.base.errors import TriagebookError
from triagebook.base.files import read_bytes
from triagebook.config import Config
from triagebook.config.oncall import Rotation, RouteConfig
from triagebook.oncall.records import Override, overrides

LEVELS = ("primary", "secondary", "manager")
MAX_CALENDAR = 2 << 20  # an on-call calendar is a few KB; a larger file is refused


class CalendarProblem(TriagebookError):
    def __init__(self, path: str, why: str) -> None:
        self.path, self.why = path, why

    def __str__(self) -> str:
        return f"{self.path}: {self.why}"


@dataclass(frozen=True, slots=True)
class OnCall:
    route: str
    level: str  # primary | secondary | manager
    person: str  # "" when nobody is found
    why: str
    until: datetime | None = None  # the next handoff, when the schedule knows it


def _shift(rot: Rotation, at: datetime) -> tuple[int, datetime, datetime]:
    """(shift number, its start, the next handoff) — in the rotation's zone, so a
    handoff stays at its local time across a DST change."""
    zone = ZoneInfo(rot.timezone)
    first = date.fromisoformat(rot.start)
    hh, mm = (int(x) for x in rot.handoff.split(":"))
    local = at.astimezone(zone)
    k = (local.date() - first).days // rot.length_days

    def start_of(n: int) -> datetime:
        return datetime.combine(first + timedelta(days=n * rot.length_days), time(hh, mm),
                                tzinfo=zone)

    if local < start_of(k):
        k -= 1
    return k, start_of(k), start_of(k + 1)


def _rotation(route: RouteConfig, at: datetime) -> list[OnCall]:
    rot = route.rotation
    if not rot.people:
        return []
    k, began, ends = _shift(rot, at)
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
    import icalendar
    import recurring_ical_events

    if route.calendar.startswith(("http://", "https://")):
        raw, shown = fetch_calendar(cfg, route)
    else:
        path = Path(route.calendar)
        path = path if path.is_absolute() else cfg.root / path
        shown = cfg.display(path)
        try:
            raw = read_bytes(path, MAX_CALENDAR)
        except OSError as exc:
            raise CalendarProblem(shown, f"cannot read: {exc.strerror or exc}") from None
    try:
        cal = icalendar.Calendar.from_ical(raw)
        _bounded(cal, at, shown)
        found: list[Any] = recurring_ical_events.of(cal).between(at, at + timedelta(seconds=1))
    except ValueError as exc:
        raise CalendarProblem(shown, f"not an iCalendar file ({exc})") from None
    out: list[OnCall] = []
    for ev in found:
        summary = str(ev.get("SUMMARY", "")).strip()
        level, _, name = summary.partition(":") if ":" in summary else ("primary", "", summary)
        level, name = level.strip().lower(), name.strip()
        if level not in LEVELS or not name or len(name) > 64:  # a name, not a paragraph
            continue
        end = ev.decoded("DTEND") if ev.get("DTEND") is not None else None
        until = end if isinstance(end, datetime) else None
        out.append(OnCall(route.name, level, _person(cfg, name),
                          f"calendar {shown}: {summary!r}", until))
    return out


FETCH_TIMEOUT_S = 5.0
# Expanding a rule walks every occurrence from its start: `FREQ=SECONDLY` from 1970 is
# billions of steps and would hold a page for hours.  Before expanding, each rule's
# occurrences up to the moment asked are estimated, and a calendar past this is refused
# (the page still goes to the route's channels, saying the schedule failed).
MAX_OCCURRENCES = 100_000
PERIOD_S = {"SECONDLY": 1, "MINUTELY": 60, "HOURLY": 3600, "DAILY": 86400,
            "WEEKLY": 7 * 86400, "MONTHLY": 28 * 86400, "YEARLY": 365 * 86400}
BY = ("BYSECOND", "BYMINUTE", "BYHOUR", "BYDAY", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO",
      "BYMONTH", "BYSETPOS")


def _bounded(cal: Any, at: datetime, shown: str) -> None:
    """Refuse a calendar whose rules would take more than MAX_OCCURRENCES steps to
    expand up to ``at`` (estimated from each rule's frequency, interval, BY-lists,
    COUNT and UNTIL — no expansion)."""
    total = 0
    for ev in cal.walk("VEVENT"):
        rule = ev.get("RRULE")
        if rule is None:
            continue
        try:
            start = ev.decoded("DTSTART")
            start = start if isinstance(start, datetime) else datetime.combine(start, time())
            start = start if start.tzinfo else start.replace(tzinfo=at.tzinfo)
            period = PERIOD_S[str(rule.get("FREQ", ["DAILY"])[0]).upper()]
            interval = max(1, int(rule.get("INTERVAL", [1])[0]))
        except (KeyError, ValueError, TypeError):
            raise CalendarProblem(shown, "a recurrence rule it cannot read") from None
        span = max(0.0, (at - start).total_seconds())
        steps = span / (period * interval) + 1
        for key in BY:
            steps *= max(1, len(rule.get(key, [])))
        if "COUNT" in rule:
            steps = min(steps, int(rule["COUNT"][0]))
        total += int(steps)
        if total > MAX_OCCURRENCES:
            raise CalendarProblem(shown, f"its recurrence rules repeat more than "
                                         f"{MAX_OCCURRENCES} times up to now (event "
                                         f"{str(ev.get('SUMMARY', ''))[:40]!r}: "
                                         f"FREQ={rule.get('FREQ', ['?'])[0]}); refused — "
                                         f"an on-call rotation repeats hourly at most")


def fetch_calendar(cfg: Config, route: RouteConfig) -> tuple[bytes, str]:
    """A calendar published at a URL (bounded in time and size); each good copy is kept
    in `oncall_dir/calendars/`, and used — said so — when the URL does not answer: the
    calendar server being down at 03:00 must not leave a page with nobody named."""
    import urllib.request

    cache = cfg.oncall_dir / "calendars" / f"{route.name}.ics"
    shown = route.calendar.split("?")[0]  # a token in the query is never shown
    try:
        with urllib.request.urlopen(route.calendar, timeout=FETCH_TIMEOUT_S) as resp:
            raw = resp.read(MAX_CALENDAR + 1)
        if len(raw) > MAX_CALENDAR:
            raise CalendarProblem(shown, f"more than {MAX_CALENDAR >> 20} MiB; refused")
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(".tmp")
        tmp.write_bytes(raw)
        tmp.replace(cache)
        return raw, shown
    except (OSError, ValueError) as exc:
        why = getattr(exc, "reason", None) or exc
        try:
            return read_bytes(cache, MAX_CALENDAR), f"{shown} (unreachable: {why}; the copy " \
                f"kept {cache_age(cache)})"
        except OSError:
            raise CalendarProblem(shown, f"unreachable ({why}) and no copy kept yet") from None


def cache_age(path: Path) -> str:
    from datetime import UTC

    when = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    return f"at {when:%Y-%m-%d %H:%M} UTC"


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

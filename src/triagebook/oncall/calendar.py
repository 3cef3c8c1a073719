"""A route's iCalendar schedule: read (file or URL), bounded, expanded at one moment.

A calendar is someone else's file — exported by a calendar service, or published at a
URL — so everything about it is bounded before `icalendar` and `recurring-ical-events`
see it: its size (2 MiB), the fetch (5 s in all, not per read), and the work of
expanding its rules (estimated first: `FREQ=SECONDLY` since 1970, in an event or in a
VTIMEZONE, is billions of steps).  Whatever the libraries raise on a hostile file is one
`CalendarProblem` line: a page is never stopped by a calendar (the route's channels get
it, saying the schedule failed).
"""

from __future__ import annotations

import time as clock
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from triagebook.base.errors import PlaceError
from triagebook.base.files import read_bytes
from triagebook.config import Config
from triagebook.config.oncall import RouteConfig

MAX_CALENDAR = 2 << 20  # an on-call calendar is a few KB; a larger file is refused
MAX_COMPONENTS = 5000  # events, time zones, alarms: a rotation needs dozens
MAX_OCCURRENCES = 100_000  # estimated steps to expand every rule up to the moment asked
FETCH_S = 5.0  # the whole fetch of a URL, however slowly it trickles
RECENT_S = 60.0  # a URL's copy (or its kept copy, when down) serves this long in-process
LEVELS = ("primary", "secondary", "manager")
# the finest step a rule can take: its FREQ, or a BY-part finer than it
STEP_S = {"SECONDLY": 1, "MINUTELY": 60, "HOURLY": 3600, "DAILY": 86400,
          "WEEKLY": 7 * 86400, "MONTHLY": 28 * 86400, "YEARLY": 365 * 86400}
BY_STEP_S = {"BYSECOND": 1, "BYMINUTE": 60, "BYHOUR": 3600, "BYDAY": 86400,
             "BYMONTHDAY": 86400, "BYYEARDAY": 86400, "BYWEEKNO": 7 * 86400,
             "BYMONTH": 28 * 86400}


T = TypeVar("T")
# url → (when, bytes, how shown): one fetch serves a tick's every incident and the reason
# a page names nobody — a calendar server that hangs costs FETCH_S once, not per question
_recent: dict[str, tuple[float, bytes | CalendarProblem, str]] = {}
_now = clock.monotonic


class CalendarProblem(PlaceError):
    """A route's calendar that cannot be used, said in one line."""


class _Refused(ValueError):
    """Refused before the libraries work on it (too many components or steps)."""


@dataclass(frozen=True, slots=True)
class Entry:
    level: str
    name: str
    summary: str
    until: datetime | None


def entries(cfg: Config, route: RouteConfig, at: datetime) -> tuple[list[Entry], str]:
    """The calendar's entries active at ``at`` (level, name), and how it is shown."""
    raw, shown = _source(cfg, route)
    return _guarded(shown, lambda: _at(raw, at.astimezone(UTC))[0]), shown


def vacancy(cfg: Config, route: RouteConfig, at: datetime) -> str:
    """Why the calendar names nobody at ``at``: what it holds, and what of it was passed
    over (a SUMMARY that names no level, an event that lasts no time)."""
    raw, shown = _source(cfg, route)

    def why() -> str:
        events = [p for p in _parsed(raw).walk("VEVENT")]
        if not events:
            return f"calendar {shown} has no events"
        skipped = _at(raw, at.astimezone(UTC))[1]
        out = [f"calendar {shown}: none of its {len(events)} event(s) names someone at "
               f"{at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"]
        if skipped:
            out.append(f"passed over now: SUMMARY {skipped[0]!r} (expected a name, or "
                       f"'secondary: NAME' / 'manager: NAME')")
        instant = [str(e.get("SUMMARY", ""))[:40] for e in events
                   if e.get("DTEND") is None and e.get("DURATION") is None
                   and isinstance(e.decoded("DTSTART", None), datetime)]
        if instant:
            out.append(f"{len(instant)} event(s) without DTEND or DURATION last no time "
                       f"(RFC 5545), e.g. {instant[0]!r}: add DTEND")
        return "; ".join(out)

    return _guarded(shown, why)


def _source(cfg: Config, route: RouteConfig) -> tuple[bytes, str]:
    if route.calendar.startswith(("http://", "https://")):
        return _fetch(cfg, route)
    path = Path(route.calendar)
    path = path if path.is_absolute() else cfg.root / path
    shown = cfg.display(path)
    try:
        return read_bytes(path, MAX_CALENDAR), shown
    except OSError as exc:
        raise CalendarProblem(shown, f"cannot read: {exc.strerror or exc}") from None


def _guarded(shown: str, work: Callable[[], T]) -> T:
    """``work`` on someone else's calendar: whatever the libraries raise is one line."""
    try:
        return work()
    except _Refused as exc:
        raise CalendarProblem(shown, str(exc)) from None
    except Exception as exc:  # noqa: BLE001 - a hostile file: whatever the libraries raise
        raise CalendarProblem(shown, f"cannot be read as a calendar "
                                     f"({type(exc).__name__}: {str(exc)[:120]})") from None


@lru_cache(maxsize=64)
def _parsed(raw: bytes) -> Any:
    """One parse per calendar content (a tick asks for every open incident)."""
    import icalendar

    cal = icalendar.Calendar.from_ical(raw)
    parts = list(cal.walk())
    if len(parts) > MAX_COMPONENTS:
        raise _Refused(f"{len(parts)} components, more than an on-call calendar holds "
                       f"({MAX_COMPONENTS}); refused")
    return cal


def _at(raw: bytes, at: datetime) -> tuple[list[Entry], list[str]]:
    """The entries at ``at``, and the SUMMARYs of the events there that name nobody."""
    import recurring_ical_events

    with warnings.catch_warnings():  # the libraries' guesses about odd TZIDs: not ours
        warnings.simplefilter("ignore")
        cal = _parsed(raw)
        _bounded(cal, at)
        found = recurring_ical_events.of(cal).between(at, at + timedelta(seconds=1))
    out, skipped = [], []
    for ev in found:
        if str(ev.get("STATUS", "")).upper() == "CANCELLED":
            continue  # a cancelled shift puts nobody on call
        summary = str(_first(ev.get("SUMMARY", ""))).strip()
        level, _, name = summary.partition(":") if ":" in summary else ("primary", "", summary)
        level, name = level.strip().lower(), name.strip()
        if level not in LEVELS or not _a_name(name):
            skipped.append(summary[:64])
            continue
        end = ev.decoded("DTEND") if ev.get("DTEND") is not None else None
        out.append(Entry(level, name, summary, end if isinstance(end, datetime) else None))
    return out, skipped


def _first(value: Any) -> Any:
    """A property given twice arrives as a list: the first one counts."""
    return value[0] if isinstance(value, list) and value else value


def _a_name(name: str) -> bool:
    """A person's name: short, one line, no control characters (a calendar's text never
    forges a line in the routing reason or `incident.show`)."""
    return 0 < len(name) <= 64 and name.isprintable()


def _bounded(cal: Any, at: datetime) -> None:
    """Refuse a calendar whose rules (in events and in time zones) would take more than
    MAX_OCCURRENCES steps to expand up to ``at``: each rule is estimated from its finest
    step (its FREQ, or a finer BY-part: `YEARLY;BYDAY=…;BYHOUR=…` steps hourly), its
    start, COUNT and UNTIL; RDATE lists count one each."""
    total = 0
    for part in cal.walk():
        total += sum(len(getattr(r, "dts", []) or []) for r in _list(part.get("RDATE")))
        for rule in _list(part.get("RRULE")):
            total += _steps(part, rule, at)
        if total > MAX_OCCURRENCES:
            name = str(part.get("SUMMARY") or part.name)[:40]
            raise _Refused(f"its recurrence rules repeat more than {MAX_OCCURRENCES} times "
                           f"up to now ({name!r}); refused — an on-call rotation repeats "
                           f"hourly at most")


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _steps(part: Any, rule: Any, at: datetime) -> int:
    try:
        start = part.decoded("DTSTART")
        start = start if isinstance(start, datetime) else datetime.combine(start, time())
        start = start if start.tzinfo else start.replace(tzinfo=UTC)
        step = STEP_S[str(rule["FREQ"][0]).upper()]  # RFC 5545: FREQ is required
        step *= max(1, int(rule.get("INTERVAL", [1])[0]))
        for key, finer in BY_STEP_S.items():
            if rule.get(key):
                step = min(step, finer)
        end = at
        until = rule.get("UNTIL")
        if until:
            u = until[0] if isinstance(until[0], datetime) else datetime.combine(until[0],
                                                                                   time())
            end = min(end, u if u.tzinfo else u.replace(tzinfo=UTC))
        count = int(rule["COUNT"][0]) if rule.get("COUNT") else None
    except (KeyError, ValueError, TypeError, IndexError, OverflowError):
        name = str(part.get("SUMMARY") or part.name)[:40]
        raise _Refused(f"a recurrence rule it cannot read ({name!r}: expected FREQ=DAILY, "
                       f"WEEKLY, … and numbers for INTERVAL and COUNT)") from None
    steps = max(0.0, (end - start).total_seconds()) / step + 1
    for key in ("BYSECOND", "BYMINUTE", "BYHOUR", "BYDAY", "BYMONTHDAY", "BYYEARDAY"):
        steps *= max(1, len(rule.get(key, [])) if step >= BY_STEP_S[key] else 1)
    if count is not None and count >= 0:
        steps = min(steps, count)
    return int(steps)


def _shown(url: str) -> str:
    """The address as people may see it: no user or password, no query (a token)."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "the calendar URL"
    return f"{parts.scheme}://{parts.hostname or ''}{port}{parts.path}"


def _fetch(cfg: Config, route: RouteConfig) -> tuple[bytes, str]:
    """A calendar published at a URL, in FETCH_S at most in all (a server trickling a
    byte a second is cut off); each good copy is kept in `oncall_dir/calendars/` and used
    — said so — while the URL does not answer: a calendar server down at 03:00 must not
    leave a page with nobody named."""

    cache = cfg.oncall_dir / "calendars" / f"{route.name}.ics"
    shown = _shown(route.calendar)
    recent = _recent.get(route.calendar)
    if recent is not None and _now() - recent[0] < RECENT_S:
        if isinstance(recent[1], CalendarProblem):
            raise recent[1]
        return recent[1], recent[2]
    try:
        raw, said = _download(route, cache, shown)
    except CalendarProblem as exc:  # down, and no copy kept: said again, not waited again
        _recent[route.calendar] = (_now(), exc, "")
        raise
    _recent[route.calendar] = (_now(), raw, said)
    return raw, said


def _download(route: RouteConfig, cache: Path, shown: str) -> tuple[bytes, str]:
    import urllib.request

    deadline = clock.monotonic() + FETCH_S
    try:
        with urllib.request.urlopen(route.calendar, timeout=FETCH_S) as resp:
            chunks: list[bytes] = []
            size = 0
            while chunk := resp.read1(65536):
                chunks.append(chunk)
                size += len(chunk)
                if size > MAX_CALENDAR:
                    raise CalendarProblem(shown, f"more than {MAX_CALENDAR >> 20} MiB; "
                                                 f"refused")
                if clock.monotonic() > deadline:
                    raise TimeoutError(f"not sent whole within {FETCH_S:g} s")
        raw = b"".join(chunks)
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(".tmp")
        tmp.write_bytes(raw)
        tmp.replace(cache)
        return raw, shown
    except (OSError, ValueError) as exc:
        why = getattr(exc, "reason", None) or exc
        try:
            kept = read_bytes(cache, MAX_CALENDAR)
        except OSError:
            raise CalendarProblem(shown, f"unreachable ({why}) and no copy kept yet") from None
        when = datetime.fromtimestamp(cache.stat().st_mtime, tz=UTC)
        return kept, f"{shown} (unreachable: {why}; the copy kept at {when:%Y-%m-%d %H:%M} UTC)"

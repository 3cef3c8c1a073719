"""Quiet hours on the responder's wall clock, correct across DST gaps and folds.

A quiet window `22:00-07:00` is, for each local date D, the real-time interval from the
first instant the wall clock reads 22:00 on D to the first instant it reads 07:00
afterwards.  "First instant the wall clock reads T" is the answer to both DST traps: a
wall time in the spring-forward gap is reached at the jump itself (02:30 → 03:00 CEST),
and a wall time in the repeated autumn hour is reached on its first pass, so the window
never ends in the past and never ends twice.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from triagebook.base.timeutil import to_zone


def first_instant(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """The first real instant at which the wall clock in `zone` reads `wall` (or later) on
    `day`, in UTC."""
    naive = datetime.combine(day, wall)
    early = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    late = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    lo, hi = min(early, late), max(early, late)
    if lo.astimezone(zone).replace(tzinfo=None) == naive:
        return lo  # exists (the first of two passes in a fold)
    # in a gap: the wall clock jumps over `wall` somewhere in (lo, hi]; find the jump
    while hi - lo > timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        if mid.astimezone(zone).replace(tzinfo=None) >= naive:
            hi = mid
        else:
            lo = mid
    return hi.replace(microsecond=0)


def quiet_window(now: datetime, timezone: str, start: time,
                 end: time) -> tuple[bool, datetime]:
    """(inside quiet hours?, when the current or next quiet window ends), in UTC.

    UTC because a local time in the repeated hour compares unequal to every other zone's
    (PEP 495), so local datetimes are for display only.
    """
    zone = ZoneInfo(timezone)
    today = to_zone(now, timezone).date()
    now_utc = now.astimezone(UTC)
    if start == end:  # an empty window: never quiet
        return False, now_utc
    wraps = start > end
    ends = []
    for offset in (-1, 0, 1, 2):
        day = today + timedelta(days=offset)
        begin = first_instant(day, start, zone)
        finish = first_instant(day + timedelta(days=1) if wraps else day, end, zone)
        if begin <= now_utc < finish:
            return True, finish
        if finish > now_utc:
            ends.append(finish)
    return False, min(ends)


def wall_time_note(ts: datetime) -> str:
    """Why a wall time given with a zone name is special, or '' when it is not.

    `ts` is as parsed (`YYYY-MM-DD HH:MM Zone/Name`, fold 0): a time inside the
    spring-forward gap does not exist, one inside the autumn fold happens twice.
    """
    zone = ts.tzinfo
    if not isinstance(zone, ZoneInfo):
        return ""
    naive = ts.replace(tzinfo=None)
    instant = ts.astimezone(UTC)
    name = zone.key
    shown = to_zone(instant, name)
    if shown.replace(tzinfo=None) != naive:
        jump = first_instant(naive.date(), naive.time(), zone)
        before = (jump - timedelta(seconds=1)).astimezone(zone) + timedelta(seconds=1)
        after = to_zone(jump, name)
        return (f"{naive:%H:%M} does not exist on {naive:%Y-%m-%d} in {name} (the clocks "
                f"jump from {before:%H:%M} to {after:%H:%M}); simulating "
                f"{shown:%H:%M %Z} ({instant:%H:%M} UTC)")
    other = ts.replace(fold=1).astimezone(UTC)
    if other != instant:
        second = to_zone(other, name)
        off = int((second.utcoffset() or timedelta()).total_seconds() // 60)
        sign = "+" if off >= 0 else "-"
        return (f"{naive:%H:%M} happens twice on {naive:%Y-%m-%d} in {name}; simulating "
                f"the first ({shown:%Z}, {instant:%H:%M} UTC); for the second "
                f"({second:%Z}) give the offset: --at '{naive:%Y-%m-%dT%H:%M}"
                f"{sign}{abs(off) // 60:02d}:{abs(off) % 60:02d}'")
    return ""

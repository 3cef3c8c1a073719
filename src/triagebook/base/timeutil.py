"""Time, in one place: UTC stored, local shown, TIME arguments parsed.

Every datetime in triagebook is timezone-aware. The clock is injected (a `Clock`) so
tests can freeze it; `utc_now` is the real one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from triagebook.base.errors import UsageError

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


MIN_YEAR = 2000  # nothing in a ledger happened earlier: an earlier year is a typo
MAX_YEAR = 9000  # far from datetime's limit, so arithmetic on a time cannot overflow
SKEW = timedelta(minutes=5)  # how far ahead of our clock another machine's may be


def iso(ts: datetime) -> str:
    """UTC ISO 8601 with milliseconds and `Z`, as the ledger stores it (always 4-digit years:
    strftime's %Y drops the zeros of year 26, and nothing could read that back)."""
    return ts.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def iso_problem(value: object) -> str | None:
    """Why `value` is not a ledger time (ISO 8601 with a zone, year 2000-9000), or None."""
    if not isinstance(value, str):
        return "not a string"
    try:
        ts = parse_iso(value)
    except ValueError:
        return "not ISO 8601"
    if ts.tzinfo is None:
        return "no zone"
    if not MIN_YEAR <= ts.year <= MAX_YEAR:
        return f"year {ts.year}"
    return None


def check_past(ts: datetime, now: datetime, flag: str, text: str) -> datetime:
    """`ts` given as `flag` (typed as `text`) when it is a plausible past time, else one line."""
    if ts.year < MIN_YEAR:
        raise UsageError(f"{flag} {text!r}: year {ts.year} is before {MIN_YEAR}; a typo?")
    if ts > now + SKEW:
        raise UsageError(f"{flag} {text!r}: is in the future (now is {iso(now)}); "
                         f"give when it was detected")
    return ts


def utc(ts: datetime) -> str:
    return ts.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def to_zone(ts: datetime, tz: str) -> datetime:
    """ts in zone tz, with the DST fold checked against the true offset.

    The wall time from astimezone is always right; the fold (which of two repeated
    hours) can be lost by datetime subclasses such as freezegun's, and with it the zone
    name, so it is re-derived from wall time minus UTC.
    """
    zone = ZoneInfo(tz)
    utc_ts = ts.astimezone(UTC)
    loc = utc_ts.astimezone(zone)
    true_offset = loc.replace(tzinfo=None) - utc_ts.replace(tzinfo=None)
    if loc.utcoffset() != true_offset:
        loc = loc.replace(fold=1 - loc.fold)
    return loc


def local(ts: datetime, tz: str) -> str:
    return to_zone(ts, tz).strftime("%Y-%m-%d %H:%M:%S %Z")


def parse_time(text: str, flag: str = "--detected") -> datetime:
    text = text.strip()
    head, _, zone = text.rpartition(" ")
    if head and "/" in zone or zone in ("UTC",):
        try:
            tz = ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise UsageError(f"{flag} {text!r}: unknown time zone {zone!r} (e.g. "
                             f"Europe/Stockholm)") from None
        try:
            naive = datetime.fromisoformat(head)
        except ValueError:
            raise UsageError(f"{flag} {text!r}: expected 'YYYY-MM-DD HH:MM Zone/Name'") from None
        if naive.tzinfo is not None:
            raise UsageError(f"{flag} {text!r}: give either an offset or a zone name, not both")
        # fold=0: an ambiguous wall time (the repeated hour at a DST change) is the first one
        return _representable(naive.replace(tzinfo=tz), flag, text)
    try:
        ts = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"{flag} {text!r}: expected ISO 8601 with an offset "
                         f"(2026-11-22T02:14:00Z) or 'YYYY-MM-DD HH:MM Zone/Name'") from None
    if ts.tzinfo is None:
        raise UsageError(f"{flag} {text!r}: has no time zone; add an offset (Z, +01:00) or a "
                         f"zone name ('2026-11-22 03:14 Europe/Stockholm')")
    return _representable(ts, flag, text)


def _representable(ts: datetime, flag: str, text: str) -> datetime:
    """A time that exists in UTC too (not past year 9999 or before year 1 once shifted)."""
    try:
        ts.astimezone(UTC)
    except OverflowError:
        raise UsageError(f"{flag} {text!r}: outside the years 1-9999 in UTC") from None
    return ts

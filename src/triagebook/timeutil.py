"""TIME arguments: ISO 8601 with an offset, or 'YYYY-MM-DD HH:MM Zone/Name'."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from triagebook.errors import UsageError


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
        return naive.replace(tzinfo=tz)
    try:
        ts = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"{flag} {text!r}: expected ISO 8601 with an offset "
                         f"(2026-11-22T02:14:00Z) or 'YYYY-MM-DD HH:MM Zone/Name'") from None
    if ts.tzinfo is None:
        raise UsageError(f"{flag} {text!r}: has no time zone; add an offset (Z, +01:00) or a "
                         f"zone name ('2026-11-22 03:14 Europe/Stockholm')")
    return ts

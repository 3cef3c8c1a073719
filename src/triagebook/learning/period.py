"""`--since`: a span back from now (`90d`, `12w`, `36h`) or a date (`2026-09-01`, UTC)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from triagebook.base.errors import BadArgument, UsageError
from triagebook.base.timeutil import parse_time

SPAN = re.compile(r"^(\d{1,5})\s*([dwh])$")
UNIT = {"d": timedelta(days=1), "w": timedelta(weeks=1), "h": timedelta(hours=1)}


def since(text: str, now: datetime) -> datetime | None:
    """None for an empty value (everything on record)."""
    text = text.strip()
    if not text:
        return None
    if (m := SPAN.match(text.lower())) is not None:
        return now - int(m.group(1)) * UNIT[m.group(2)]
    try:
        return datetime.combine(date.fromisoformat(text), datetime.min.time(), tzinfo=UTC)
    except ValueError:
        pass
    try:
        return parse_time(text, "--since")
    except UsageError:
        raise BadArgument("since", f"{text!r}", "expected a span back from now (90d, 12w, 36h) "
                         "or a date (2026-09-01)") from None

"""Reading incident ledgers: ids, the events file, every incident in a folder.

Reading never writes and never stops at a bad line: each line goes through the one door
(incident/line.py); one that does not pass is a `Problem` (file, line, field) and the
rest of the incident is read.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from triagebook.base import jsonio
from triagebook.base.errors import Problem, TriagebookError, UsageError
from triagebook.incident.line import BadEvent, Event, Events, from_data

ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
EVENTS = "events.jsonl"


def check_id(incident_id: str) -> str:
    if not ID_RE.match(incident_id) or incident_id in (".", ".."):
        raise UsageError(f"incident id {incident_id!r}: expected 1-64 letters, digits, '-' "
                         f"or '_' (no paths), e.g. INC-20261122-0214-k3fz")
    return incident_id


def new_id(now: datetime) -> str:
    alphabet = "abcdefghijkmnpqrstuvwxyz23456789"
    tail = "".join(secrets.choice(alphabet) for _ in range(4))
    return f"INC-{now.astimezone(UTC):%Y%m%d-%H%M}-{tail}"


def _close_ids(name: str, known: list[str]) -> list[str]:
    """Ids a typo of `name` could be: every id shares `INC-2026…`, so only a near-identical
    one (a character or two off) or one that `name` begins (8+ characters) is suggested."""
    import difflib

    starts = [k for k in sorted(known) if len(name) >= 8 and k.startswith(name)]
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.9)
    return list(dict.fromkeys([*starts, *close]))[:3]


class NoSuchIncident(TriagebookError):
    def __init__(self, incident_id: str, known: list[str]) -> None:
        self.incident_id, self.known = incident_id, known

    def __str__(self) -> str:
        close = _close_ids(self.incident_id, self.known)
        extra = ("; did you mean " + " or ".join(f"'{k}'" for k in close) + "?") if close \
            else ""
        return f"no incident '{self.incident_id}'{extra} (inv incident.list shows them)"


def read_events(path: Path) -> Events:
    """Every valid event; each invalid complete line is a Problem and is skipped.

    Text after the last newline is a torn write (or nothing): ignored, not a problem.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Events()
    iid = path.parent.name
    events: list[Event] = []
    problems: list[Problem] = []
    top = 0
    for n, line in enumerate(raw.split(b"\n")[:-1], 1):
        if not line.strip():
            continue
        top += 1
        try:
            d = jsonio.loads(line)
        except (ValueError, RecursionError) as exc:
            found = [("line", f"not valid JSON ({getattr(exc, 'msg', type(exc).__name__)})")]
        else:
            seq = d.get("seq") if isinstance(d, dict) else None
            if isinstance(seq, int) and not isinstance(seq, bool):
                top = max(top, seq)
            try:
                events.append(from_data(d, iid))
                continue
            except BadEvent as exc:
                found = exc.found
        what = "; ".join(f"{f}: {m}" for f, m in found)
        problems.append(Problem(str(path), n, "bad-event",
                                f"{what}; skipped, the rest of {iid} is shown", "warning"))
    return Events(events, problems, top)


def incident_ids(folder: Path) -> list[str]:
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if (p / EVENTS).is_file())


class UnreadableLedger(TriagebookError):
    def __init__(self, path: Path, why: str) -> None:
        self.path, self.why = path, why

    def __str__(self) -> str:
        return f"{self.path}: cannot read the ledger: {self.why}"


def load(folder: Path, incident_id: str) -> Events:
    check_id(incident_id)
    path = folder / incident_id / EVENTS
    if not path.is_file():
        raise NoSuchIncident(incident_id, incident_ids(folder))
    try:
        return read_events(path)
    except OSError as exc:
        raise UnreadableLedger(path, exc.strerror or str(exc)) from None


def iter_all(folder: Path) -> Iterator[tuple[str, Events]]:
    """Every incident's events; a ledger that cannot be read is one Problem, not a stop."""
    for iid in incident_ids(folder):
        path = folder / iid / EVENTS
        try:
            yield iid, read_events(path)
        except OSError as exc:
            yield iid, Events(problems=[Problem(str(path), None, "unreadable-ledger",
                                                exc.strerror or str(exc))])

"""Overrides and presence, recorded append-only in `oncall_dir` (issue 22).

One JSON object per line, written whole and fsynced (`overrides.jsonl`,
`presence.jsonl`); a line that does not read is skipped, never fatal.  Who recorded it
and when are kept: an override is a decision someone took.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from triagebook.base import jsonio
from triagebook.base.timeutil import iso, parse_iso

OVERRIDES = "overrides.jsonl"
PRESENCE = "presence.jsonl"
MAX_RECORDS = 4 << 20  # bytes of one record file read


@dataclass(frozen=True, slots=True)
class Override:
    route: str
    person: str
    start: datetime
    end: datetime
    by: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Presence:
    person: str
    until: datetime
    by: str
    at: datetime


def _append(folder: Path, name: str, record: dict[str, str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n").encode()
    fd = os.open(folder / name, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)


def _read(folder: Path, name: str) -> list[dict[str, str]]:
    try:
        with open(folder / name, "rb") as fh:
            raw = fh.read(MAX_RECORDS)
    except OSError:
        return []
    out = []
    for line in raw.splitlines():
        try:
            d = jsonio.loads(line)
        except ValueError:
            continue
        if isinstance(d, dict) and all(isinstance(v, str) for v in d.values()):
            out.append(d)
    return out


def record_override(folder: Path, route: str, person: str, start: datetime, end: datetime,
                    by: str, now: datetime) -> Override:
    _append(folder, OVERRIDES, {"route": route, "person": person, "from": iso(start),
                                "until": iso(end), "by": by, "at": iso(now)})
    return Override(route, person, start, end, by, now)


def overrides(folder: Path) -> list[Override]:
    out = []
    for d in _read(folder, OVERRIDES):
        try:
            out.append(Override(d["route"], d["person"], parse_iso(d["from"]),
                                parse_iso(d["until"]), d.get("by", ""), parse_iso(d["at"])))
        except (KeyError, ValueError):
            continue
    return out


def record_presence(folder: Path, person: str, until: datetime, by: str,
                    now: datetime) -> Presence:
    _append(folder, PRESENCE, {"person": person, "until": iso(until), "by": by,
                               "at": iso(now)})
    return Presence(person, until, by, now)


def present(folder: Path, person: str, at: datetime) -> Presence | None:
    """The person's presence mark covering ``at`` (the latest recorded), if any."""
    live = []
    for d in _read(folder, PRESENCE):
        try:
            p = Presence(d["person"], parse_iso(d["until"]), d.get("by", ""),
                         parse_iso(d["at"]))
        except (KeyError, ValueError):
            continue
        if p.person == person and p.at <= at < p.until:
            live.append(p)
    return live[-1] if live else None

"""Overrides and presence, recorded append-only in `oncall_dir` (issue 22) — and, with a
team store, in the store too, so every machine pages the same person.

One JSON object per line, written whole and fsynced (`overrides.jsonl`,
`presence.jsonl`) before the store is told; a line that does not read is skipped, never
fatal.  Reads are this machine's records ∪ the store's, by id (a store that cannot be
read leaves this machine's).  Who recorded it and when are kept: an override is a
decision someone took.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass
from datetime import datetime

from triagebook.base import jsonio
from triagebook.base.errors import TriagebookError, UsageError
from triagebook.base.timeutil import iso, parse_iso
from triagebook.config import Config
from triagebook.incident.store import configured, open_store
from triagebook.incident.sync import warn

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


def _append(cfg: Config, name: str, record: dict[str, str]) -> None:
    record = {**record, "id": uuid.uuid4().hex}
    path = cfg.oncall_dir / name
    text = json.dumps(record, ensure_ascii=False, sort_keys=True)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    except OSError as exc:
        raise UsageError(f"{cfg.display(path)}: cannot record ({exc.strerror or exc}); "
                         f"nothing recorded") from None
    try:
        size = os.lseek(fd, 0, os.SEEK_END)
        try:
            os.write(fd, (text + "\n").encode())
            os.fsync(fd)
        except OSError as exc:  # a full disk: no half line for the next record to join
            os.ftruncate(fd, size)
            raise UsageError(f"{cfg.display(path)}: cannot record ({exc.strerror or exc}); "
                             f"nothing recorded") from None
    finally:
        os.close(fd)
    if configured(cfg):
        try:
            store = open_store(cfg)
            assert store is not None
            with store:
                store.put_record(record["id"], name, text)
        except TriagebookError as exc:
            warn(f"{exc}; recorded on this machine only — the team's other machines do "
                 f"not see it yet")


def _read(cfg: Config, name: str) -> list[dict[str, str]]:
    texts: list[bytes | str] = []
    try:
        with open(cfg.oncall_dir / name, "rb") as fh:
            size = fh.seek(0, 2)
            fh.seek(max(0, size - MAX_RECORDS))  # the newest records: the file only grows
            texts += fh.read(MAX_RECORDS).splitlines()[1 if size > MAX_RECORDS else 0:]
    except OSError:
        pass
    if configured(cfg):
        try:
            store = open_store(cfg)
            assert store is not None
            with store:
                texts += store.records(name)
        except TriagebookError:
            pass  # this machine's records; the sync path says the store is down
    out: dict[str, dict[str, str]] = {}
    for n, line in enumerate(texts):
        try:
            d = jsonio.loads(line)
        except ValueError:
            continue
        # a record is a teammate's words: short printable strings, or it is no record
        if isinstance(d, dict) and all(isinstance(v, str) and len(v) <= 200
                                       and v.isprintable() for v in d.values()):
            out.setdefault(d.get("id") or f"local-{n}", d)
    return sorted(out.values(), key=lambda d: d.get("at", ""))


def _when(text: str) -> datetime:
    """A recorded time; one without a zone is no record (it compares with nothing)."""
    when = parse_iso(text)
    if when.tzinfo is None:
        raise ValueError(f"{text!r} has no zone")
    return when


def record_override(cfg: Config, route: str, person: str, start: datetime, end: datetime,
                    by: str, now: datetime) -> Override:
    _append(cfg, OVERRIDES, {"route": route, "person": person, "from": iso(start),
                             "until": iso(end), "by": by, "at": iso(now)})
    return Override(route, person, start, end, by, now)


def overrides(cfg: Config) -> list[Override]:
    out = []
    for d in _read(cfg, OVERRIDES):
        try:
            out.append(Override(d["route"], d["person"], _when(d["from"]),
                                _when(d["until"]), d.get("by", ""), _when(d["at"])))
        except (KeyError, ValueError):
            continue
    return out


def record_presence(cfg: Config, person: str, until: datetime, by: str,
                    now: datetime) -> Presence:
    _append(cfg, PRESENCE, {"person": person, "until": iso(until), "by": by,
                            "at": iso(now)})
    return Presence(person, until, by, now)


def present(cfg: Config, person: str, at: datetime) -> Presence | None:
    """The person's presence mark covering ``at`` (the latest recorded), if any."""
    live = []
    for d in _read(cfg, PRESENCE):
        try:
            p = Presence(d["person"], _when(d["until"]), d.get("by", ""), _when(d["at"]))
        except (KeyError, ValueError):
            continue
        if p.person == person and p.at <= at < p.until:
            live.append(p)
    return live[-1] if live else None

"""The base of every ledger event payload, and how an event reads.

The JSON keys on disk are the field names (a `key` in a field's metadata renames one, for
keys that are Python keywords: `from`, `class`).  A field's annotation is also its
contract on disk: incident/validate.py checks every event against these declarations
before it is written and when it is read (`_time` marks the strings that hold a time).

Each event type also declares how it reads (`reads`): one label and one line of text,
used by the timeline, the post-mortem and the replay alike, so the three never disagree.
"""

from __future__ import annotations

import json
from dataclasses import MISSING, dataclass, field, fields
from typing import Any, ClassVar


@dataclass(frozen=True, slots=True)
class Where:
    """What a reading may need beyond the payload: the envelope, and the step's name
    ("step 3 Restart the worker") when the reader does not group by step ("" if it does)."""

    type: str = ""
    actor: str = ""
    runbook: str = ""
    step: str = ""


@dataclass(frozen=True, slots=True)
class Reading:
    """How one event reads: a short label and its text.  `code` (a command) sits between
    `text` and `after`, so a Markdown reader can set it as code."""

    label: str
    text: str = ""
    code: str = ""
    after: str = ""

    @property
    def plain(self) -> str:
        return f"{self.text}{self.code}{self.after}"


@dataclass(frozen=True, slots=True)
class Payload:
    """Base of every event payload."""

    TYPE: ClassVar[str] = ""
    STORY: ClassVar[bool] = True  # False: bookkeeping, left out of timelines and replays
    LISTING: ClassVar[bool] = False  # True: needed to list incidents (the store selects these)

    def to_data(self) -> dict[str, Any]:
        return {f.metadata.get("key", f.name): getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Payload:
        kw: dict[str, Any] = {}
        for f in fields(cls):
            key = f.metadata.get("key", f.name)
            if key in data:
                kw[f.name] = data[key]
            elif f.default is MISSING and f.default_factory is MISSING:
                kw[f.name] = None  # an old or hand-made event without it: read as absent
        return cls(**kw)

    def reads(self, at: Where) -> Reading:
        """How this event reads in a timeline or a replay; every event type says."""
        raise NotImplementedError(f"{type(self).__name__} does not say how it reads")


def _key(name: str, default: Any = None) -> Any:
    return field(default=default, metadata={"key": name})


def _time(default: str | None = "", required: bool = False) -> Any:
    """A UTC ISO 8601 time; `required` when readers parse it unconditionally."""
    return field(default=default, metadata={"time": "required" if required else "optional"})


# `at` (on Note, Milestone, SeverityChanged): when it happened, for an entry made later
# (`inv incident.note … --at TIME`).  The event's `ts` stays the time it was written, so
# the ledger remains append-only in write order; state and timeline use `at` when set.


@dataclass(frozen=True, slots=True)
class Unknown(Payload):
    """An event type this version does not know: kept as it is."""

    type: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    def to_data(self) -> dict[str, Any]:
        return dict(self.data)

    def reads(self, at: Where) -> Reading:
        return Reading(self.type or "unknown event", json.dumps(self.data, ensure_ascii=False))

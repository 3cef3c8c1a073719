"""Is this a ledger event? Checked against the declarations, before writing and on reading.

The payload rules are not written here: they are derived from the annotations of the
payload dataclasses in incident/events.py (`steps: list[str]`, `exit_code: int | None`,
`_time()` fields), so a new field is checked the moment it is declared.  The envelope
(`seq`, `ts`, `type`, …) is the same for every event and is checked here.

A check returns `(field, what is wrong)` pairs, never raises: a writer refuses the event,
a reader skips the line and reports it.
"""

from __future__ import annotations

import functools
import types
import typing
from dataclasses import fields
from typing import Any

from triagebook.incident.events import EVENT_TYPES, Payload
from triagebook.timeutil import MIN_YEAR, iso_problem

Found = list[tuple[str, str]]
TIME = f"an ISO 8601 time with a zone, from year {MIN_YEAR},"
ENVELOPE: dict[str, Any] = {"seq": int, "ts": str, "type": str, "runbook": str | None,
                            "step": int | None, "actor": str, "id": str}
REQUIRED = ("seq", "ts", "type")


def shown(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def accepts(hint: Any, value: object) -> bool:
    """Does a JSON value fit the annotation? (bool is not a number; int is a float.)"""
    if hint is Any:
        return True
    if hint is type(None) or hint is None:
        return value is None
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        return any(accepts(h, value) for h in typing.get_args(hint))
    if origin is list:
        (item,) = typing.get_args(hint)
        return isinstance(value, list) and all(accepts(item, v) for v in value)
    if origin is dict:
        k, v = typing.get_args(hint)
        return isinstance(value, dict) and all(accepts(k, a) and accepts(v, b)
                                               for a, b in value.items())
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(hint, type) and isinstance(value, hint)


NAMES = {str: "a string", int: "an integer", float: "a number", bool: "true or false",
         type(None): "null"}


def describe(hint: Any, plural: bool = False) -> str:
    """The annotation in words: `list[str]` → 'a list of strings'."""
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        return " or ".join(describe(h) for h in typing.get_args(hint))
    if origin is list:
        return ("lists" if plural else "a list") + " of " + describe(
            typing.get_args(hint)[0], plural=True)
    if origin is dict:
        k, v = typing.get_args(hint)
        return f"a mapping of {describe(k).split(' ', 1)[1]} to {describe(v).split(' ', 1)[1]}"
    if hint is Any:
        return "anything"
    name = NAMES.get(hint, getattr(hint, "__name__", str(hint)))
    return name.split(" ", 1)[1] + "s" if plural and " " in name else name


@functools.cache
def _spec(type_: str) -> tuple[tuple[str, Any, str | None], ...]:
    """(key on disk, annotation, time rule) per field, resolved once per event type."""
    cls: type[Payload] = EVENT_TYPES[type_]
    hints = typing.get_type_hints(cls)
    return tuple((f.metadata.get("key", f.name), hints[f.name], f.metadata.get("time"))
                 for f in fields(cls))


def check(type_: str, data: dict[str, Any]) -> Found:
    """What is wrong with a payload of `type_` (keys as on disk); [] when it is fine.

    A type this version does not know is not checked: it is kept and shown as it is.
    """
    if type_ not in EVENT_TYPES:
        return []
    found: Found = []
    for key, hint, time_rule in _spec(type_):
        if key not in data:
            if time_rule == "required":
                found.append((key, f"expected {TIME} but received nothing"))
            continue
        value = data[key]
        if not accepts(hint, value):
            found.append((key, f"expected {describe(hint)} but received {shown(value)}"))
        elif time_rule and (value or time_rule == "required") and iso_problem(value):
            found.append((key, f"expected {TIME} but received {shown(value)}"))
    return found


def check_line(d: object) -> Found:
    """What is wrong with one decoded ledger line, envelope first, then `data.FIELD`."""
    if not isinstance(d, dict):
        return [("line", f"expected a JSON object but received {describe_json(d)}")]
    found: Found = []
    for key, hint in ENVELOPE.items():
        if key not in d:
            if key in REQUIRED:
                found.append((key, "missing"))
        elif not accepts(hint, d[key]):
            found.append((key, f"expected {describe(hint)} but received {shown(d[key])}"))
    if "ts" in d and isinstance(d["ts"], str) and iso_problem(d["ts"]):
        found.append(("ts", f"expected {TIME} but received {shown(d['ts'])}"))
    data = d.get("data")
    if data is not None and not isinstance(data, dict):
        found.append(("data", f"expected an object but received {describe_json(data)}"))
    elif isinstance(d.get("type"), str):
        found += [(f"data.{k}", m) for k, m in check(d["type"], data or {})]
    return found


def describe_json(value: object) -> str:
    kinds = {list: "a list", str: "a string", bool: "true or false", int: "a number",
             float: "a number", type(None): "null"}
    return kinds.get(type(value), type(value).__name__) + f" {shown(value, 40)}"

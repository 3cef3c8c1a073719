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

from triagebook.base.timeutil import MIN_YEAR, iso_problem
from triagebook.incident.events import EVENT_TYPES, Payload

Found = list[tuple[str, str]]
TIME = f"an ISO 8601 time with a zone, from year {MIN_YEAR},"
ENVELOPE: dict[str, Any] = {"seq": int, "ts": str, "type": str, "runbook": str | None,
                            "step": int | None, "actor": str, "id": str}
REQUIRED = ("seq", "ts", "type")
INT32 = 2**31 - 1


def shown(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def accepts(hint: Any, value: object) -> bool:
    """Does a JSON value fit the annotation? (bool is not a number; int is a float.)"""
    return _checker(hint)(value)


@functools.cache
def _checker(hint: Any) -> typing.Callable[[object], bool]:
    """A predicate for one annotation, built once: reading checks every line."""
    if hint is Any:
        return lambda v: True
    if hint is type(None) or hint is None:
        return lambda v: v is None
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        options = [_checker(h) for h in typing.get_args(hint)]
        return lambda v: any(ok(v) for ok in options)
    if origin is list:
        item = _checker(typing.get_args(hint)[0])
        return lambda v: isinstance(v, list) and all(item(x) for x in v)
    if origin is dict:
        k, w = (_checker(h) for h in typing.get_args(hint))
        return lambda v: isinstance(v, dict) and all(k(a) and w(b) for a, b in v.items())
    if hint is bool:
        return lambda v: isinstance(v, bool)
    if hint is int:
        return lambda v: isinstance(v, int) and not isinstance(v, bool)
    if hint is float:
        return lambda v: isinstance(v, int | float) and not isinstance(v, bool)
    if isinstance(hint, type):
        return lambda v: isinstance(v, hint)
    raise TypeError(f"no JSON check for the annotation {hint!r}")  # a declaration to fix


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


Spec = tuple[tuple[str, typing.Callable[[object], bool], Any, str | None], ...]


@functools.cache
def _spec(type_: str) -> Spec:
    """(key on disk, its check, annotation, time rule) per field, once per event type."""
    cls: type[Payload] = EVENT_TYPES[type_]
    hints = typing.get_type_hints(cls)
    return tuple((f.metadata.get("key", f.name), _checker(hints[f.name]), hints[f.name],
                  f.metadata.get("time")) for f in fields(cls))


def check(type_: str, data: dict[str, Any]) -> Found:
    """What is wrong with a payload of `type_` (keys as on disk); [] when it is fine.

    A type this version does not know is not checked: it is kept and shown as it is.
    """
    if type_ not in EVENT_TYPES:
        return []
    found: Found = []
    for key, ok, hint, time_rule in _spec(type_):
        if key not in data:
            if time_rule == "required":
                found.append((key, f"expected {TIME} but received nothing"))
            continue
        value = data[key]
        if not ok(value):
            found.append((key, f"expected {describe(hint)} but received {shown(value)}"))
        elif time_rule and (value or time_rule == "required") and iso_problem(value):
            found.append((key, f"expected {TIME} but received {shown(value)}"))
    return found


def check_line(d: object) -> Found:
    """What is wrong with one decoded ledger line, envelope first, then `data.FIELD`."""
    if not isinstance(d, dict):
        return [("line", f"expected a JSON object but received {describe_json(d)}")]
    found: Found = []
    for key, ok, hint in _ENVELOPE_CHECKS:
        if key not in d:
            if key in REQUIRED:
                found.append((key, "missing"))
        elif not ok(d[key]):
            found.append((key, f"expected {describe(hint)} but received {shown(d[key])}"))
    for key in ("seq", "step"):  # the store keeps them as 32-bit integers
        v = d.get(key)
        if isinstance(v, int) and not isinstance(v, bool) and not 0 <= v <= INT32:
            found.append((key, f"expected a number from 0 to {INT32} but received {v}"))
    for key in ("actor", "runbook", "type", "id", "ts"):  # no text column holds a NUL
        v = d.get(key)
        if isinstance(v, str) and "\x00" in v:
            found.append((key, "expected text without NUL characters but received one"))
    if "ts" in d and isinstance(d["ts"], str) and iso_problem(d["ts"]):
        found.append(("ts", f"expected {TIME} but received {shown(d['ts'])}"))
    data = d.get("data")
    if data is not None and not isinstance(data, dict):
        found.append(("data", f"expected an object but received {describe_json(data)}"))
    elif isinstance(d.get("type"), str):
        found += [(f"data.{k}", m) for k, m in check(d["type"], data or {})]
    return found


_ENVELOPE_CHECKS = [(key, _checker(hint), hint) for key, hint in ENVELOPE.items()]


def describe_json(value: object) -> str:
    kinds = {list: "a list", str: "a string", bool: "true or false", int: "a number",
             float: "a number", type(None): "null"}
    return kinds.get(type(value), type(value).__name__) + f" {shown(value, 40)}"

"""Routes, people and their schedules (issue 22): who is paged for a runbook's route.

Every runbook names a `route`; `triagebook.routes` says, per route, which channels each
escalation class uses (the global ones when not said), how its on-call person is found
(an iCalendar file, or a simple rotation) and who comes after the primary.  People are
declared once (`triagebook.people`): their time zone (quiet hours are theirs) and their
address on each channel.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from triagebook.options.base import Invalid, Key, Run
from triagebook.options.containers import DictOfItems, ListOfItems
from triagebook.options.declare import Section, setting
from triagebook.options.types import Int, Str

HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _day_ok(text: str) -> bool:
    if not DAY.match(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:  # 2026-02-30
        return False
    return True


def _zone_ok(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


@dataclass(frozen=True, slots=True)
class Person:
    """Someone who can be paged."""

    name: str
    timezone: str = setting(Str("The person's time zone (IANA name): quiet hours are "
                                "computed in it."), "UTC")
    contacts: dict[str, str] = setting(DictOfItems(
        Str(), "Channel name → this person's address on it (phone number, mail address, "
        "chat handle); a channel not listed delivers to its own configured address.",
        placeholder="CHANNEL", expected="a mapping of channel names to addresses"),
        factory=dict)

    @staticmethod
    def check_settings(v: dict[str, Any], run: Run, key: Key) -> None:
        zone = v.get("timezone") or "UTC"
        if not _zone_ok(zone):
            run.invalid(key + ("timezone",), zone, Invalid("an IANA time zone such as "
                                                           "Europe/Stockholm"))


@dataclass(frozen=True, slots=True)
class Rotation:
    """A simple rotation: each person in turn for `length_days`, handing off at
    `handoff` in `timezone`, the first shift starting on `start`."""

    people: tuple[str, ...] = setting(ListOfItems(
        Str(), "People in rotation order (names from `people`).",
        expected="a list of names"), (), convert=lambda v: tuple(str(p).strip() for p in v))
    start: str = setting(Str("The day the first person's first shift starts "
                             "(YYYY-MM-DD)."), "2026-01-05")
    handoff: str = setting(Str("Handoff time of day (HH:MM) in the rotation's zone."),
                           "09:00")
    length_days: int = setting(Int("Days per shift.", low=1, high=366,
                                   expected="days from 1 to 366"), 7)
    timezone: str = setting(Str("The zone the handoff time is in."), "UTC")

    @staticmethod
    def check_settings(v: dict[str, Any], run: Run, key: Key) -> None:
        if not HHMM.match(str(v.get("handoff") or "")):
            run.invalid(key + ("handoff",), v.get("handoff"), Invalid("HH:MM"))
        if not _day_ok(str(v.get("start") or "")):
            run.invalid(key + ("start",), v.get("start"), Invalid("a date, YYYY-MM-DD"))
        if not _zone_ok(str(v.get("timezone") or "UTC")):
            run.invalid(key + ("timezone",), v.get("timezone"), Invalid("an IANA time zone"))


@dataclass(frozen=True, slots=True)
class RouteConfig:
    """One route: who owns the runbooks that name it, and how they are reached."""

    name: str
    channels: dict[str, tuple[str, ...]] = setting(DictOfItems(
        ListOfItems(Str()), "Escalation class (RED, YELLOW, GREEN) → the channels this "
        "route's messages go to; a class not listed uses `policy.escalation_classes`.",
        placeholder="CLASS", expected="a mapping of RED/YELLOW/GREEN to channel lists"),
        factory=dict, convert=lambda d: {str(k).upper(): tuple(v) for k, v in d.items()})
    calendar: str = setting(Str(
        "An iCalendar file (RFC 5545, relative to invoke.yaml) or http(s) URL whose "
        "events name who is on call: SUMMARY `alice`, or `secondary: bob`; recurrence "
        "rules and moved or cancelled occurrences are honoured; a URL's last good copy "
        "is kept and used while it does not answer.", blank=True), "")
    rotation: Rotation = setting(Section(Rotation, "A rotation, when there is no "
                                                   "calendar."), factory=Rotation)
    secondary_after_minutes: int = setting(Int(
        "Minutes without an ack before the secondary is paged too (0: never).", low=0,
        high=1440, expected="minutes from 0 to 1440"), 15)
    manager: str = setting(Str("Paged after the secondary, another interval later "
                               "(empty: nobody).", blank=True), "", convert=str.strip)

    @staticmethod
    def check_settings(v: dict[str, Any], run: Run, key: Key) -> None:
        for cls in v.get("channels") or {}:
            if str(cls).upper() not in ("RED", "YELLOW", "GREEN"):
                run.invalid(key + ("channels", cls), cls,
                            Invalid("an escalation class: RED, YELLOW or GREEN"))


class _Named(DictOfItems):
    """Names a runbook's `route:`, a schedule or a message shows: one printable line.
    Spaces around a name (a pasted non-breaking one among them) are dropped, not the
    name: a route refused for an invisible space would send its pages elsewhere."""

    def check_name(self, name: object, run: Run, key: Key) -> bool:
        if isinstance(name, str) and 0 < len(name) <= 64 and name.isprintable():
            return True
        run.invalid(key, name, Invalid("a name of 1-64 printable characters", kind="value"))
        return False

    def prepare_names(self, value: Any, run: Run, key: Key) -> Any:
        if not isinstance(value, dict):
            return value
        out: dict[Any, Any] = {}
        for name, spec in value.items():
            clean = name.strip() if isinstance(name, str) else name
            if clean in out:
                run.invalid(key + (name,), name, Invalid(
                    f"a name of its own ({clean!r} is given twice, spaces aside)",
                    kind="value"))
                continue
            out[clean] = spec
        return out

    def validate(self, value: Any, run: Run, key: Key) -> Any:
        return super().validate(self.prepare_names(value, run, key), run, key)


def routes_option() -> Any:
    return setting(_Named(
        Section(RouteConfig, "One route.", named=True),
        "Routes by the name runbooks give in `route:` (see the on-call guide); none "
        "configured: every runbook pages through the global channels.",
        placeholder="ROUTE", expected="a mapping of route names"), factory=dict)


def people_option() -> Any:
    return setting(_Named(
        Section(Person, "One person.", named=True),
        "People who can be paged, by the name schedules use.", placeholder="NAME",
        expected="a mapping of names"), factory=dict)

"""The severity and escalation policy of SPEC §3, each setting declared once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from typing import Any

from triagebook.options.base import Schema
from triagebook.options.containers import ListOfItems, Optional, SubConfig
from triagebook.options.declare import Keyed, setting
from triagebook.options.types import Bool, Int, Str, TimeRange, TimeZone


@dataclass(frozen=True, slots=True)
class SeverityPolicy:
    name: str
    meaning: str = setting(Str("What the severity means, in the policy table."))
    response: str = setting(Str("Expected response time, as people say it."))
    response_minutes: int | None = setting(Optional(
        Int(low=0, expected="minutes (0 or more)"),
        "Expected response time in minutes (null: none)."), None)
    postmortem: bool = setting(Bool("Whether incidents of this severity need a post-mortem.",
                                    words={"required": True, "optional": False}), False)
    example: str = setting(Str("What an incident of this severity looks like here (the "
                               "policy page shows it).", blank=True), "")


@dataclass(frozen=True, slots=True)
class ClassPolicy:
    name: str
    meaning: str = setting(Str("What the class means, in the policy table."))
    channels: tuple[str, ...] = setting(ListOfItems(
        Str(), "Channels notified, loudest first.", min_items=1,
        expected="a non-empty list of channel names"), ())


DEFAULT_SEVERITIES = (
    SeverityPolicy("SEV1", "Platform down, all customers affected", "immediate", 0, True,
                   "API down for everyone; nobody can sign in; every allocation fails; data "
                   "loss"),
    SeverityPolicy("SEV2", "Major degradation, many customers affected", "15 min", 15, True,
                   "one region's allocations fail; billing worker stopped; terminal gateway "
                   "down"),
    SeverityPolicy("SEV3", "Partial degradation, some customers affected", "1 hour", 60, False,
                   "one customer's jobs stuck; a webhook endpoint failing; slow API for one "
                   "route"),
    SeverityPolicy("SEV4", "Minor issue, workaround available", "next business day", None,
                   False, "a console page renders wrong; a retry succeeded on the second "
                   "try"),
)
DEFAULT_CLASSES = (
    ClassPolicy("RED", "Irreversible or customer-impacting: data, billing, secrets, hard "
                "infrastructure breakage. Pages at any hour, loud channel first.",
                ("page", "chat", "email")),
    ClassPolicy("YELLOW", "Repeated soft or reversible customer-visible failures. Async "
                "channels first; promoted to the loud channel if not acknowledged in 15 "
                "minutes.", ("chat", "email")),
    ClassPolicy("GREEN", "Informational. Goes only into the daily digest.", ("digest",)),
)


def _minutes(doc: str) -> Int:
    return Int(doc, low=1, expected="a positive whole number")


def _per(keys: dict[str, int], doc: Any, low: int, expected: str, group: str) -> SubConfig:
    return SubConfig(Schema({k: Int(doc(k), low=low, expected=expected, default=m)
                             for k, m in keys.items()}), group)


FOLLOWUP = {"RED": 60, "YELLOW": 240}
UPDATES = {"SEV1": 30, "SEV2": 60, "SEV3": 0, "SEV4": 0}


@dataclass(frozen=True, slots=True)
class Policy:
    timezone: str = setting(TimeZone("The responder's time zone, for quiet hours and local "
                                     "times."), "UTC")
    quiet_hours: tuple[time, time] = setting(
        TimeRange("Quiet window in that zone; may run past midnight."), (time(22, 0), time(7, 0)))
    yellow_promote_minutes: int = setting(Int(
        "An unacknowledged YELLOW goes to the loud channel after this; 0 turns promotion "
        "off.", low=0, expected="minutes (0 turns promotion off)"), 15)
    followup_minutes: dict[str, int] = setting(_per(
        FOLLOWUP, lambda c: f"Follow-up note this long after a {c} acknowledgement.", 1,
        "a positive whole number", "Follow-up note after acknowledgement, per class (never a "
        "re-page)."), factory=lambda: dict(FOLLOWUP))
    cap_per_24h: int = setting(_minutes("Escalations per incident in a rolling 24 hours; the "
                                        "next is muted and opens a meta-incident."), 3)
    review_window_days: int = setting(_minutes("Runbooks reviewed longer ago than this are "
                                               "stale."), 90)
    update_minutes: dict[str, int] = setting(_per(
        UPDATES, lambda s: f"A {s} incident's commander is reminded when no status update "
        f"came for this many minutes (0: no cadence).", 0,
        "minutes (0 turns the cadence off)", "Status-update cadence per severity: "
        "`escalation.tick` reminds (never pages) until mitigation."),
        factory=lambda: dict(UPDATES))
    postmortem_draft_days: int = setting(_minutes("`postmortem.check` flags SEV1/SEV2 drafts "
                                                  "older than this."), 10)

    severities: tuple[SeverityPolicy, ...] = setting(
        Keyed(SeverityPolicy, DEFAULT_SEVERITIES, "The severity scale (see the policy page).",
              lambda s: f"{s.name}: {s.meaning}."), DEFAULT_SEVERITIES)
    classes: tuple[ClassPolicy, ...] = setting(
        Keyed(ClassPolicy, DEFAULT_CLASSES, "The escalation classes (see the policy page).",
              lambda c: f"The {c.name} escalation class."), DEFAULT_CLASSES,
        key="escalation_classes")

    @property
    def quiet_start(self) -> time:
        return self.quiet_hours[0]

    @property
    def quiet_end(self) -> time:
        return self.quiet_hours[1]

    def severity(self, name: str) -> SeverityPolicy:
        for s in self.severities:
            if s.name == name:
                return s
        raise KeyError(name)

    def escalation(self, name: str) -> ClassPolicy:
        for c in self.classes:
            if c.name == name:
                return c
        raise KeyError(name)

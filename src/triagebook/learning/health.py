"""Runbook health: how each runbook and each of its steps fares in real incidents."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from triagebook.learning.facts import IncidentFact
from triagebook.learning.quantiles import Durations
from triagebook.runbook.model import Runbook


@dataclass
class StepHealth:
    number: int
    title: str = ""
    used: int = 0  # incidents in which the step was reached (finished or still pending)
    done: int = 0
    skipped: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    commands_failed: int = 0
    forced: int = 0
    time: Durations = field(default_factory=Durations)

    def top_reasons(self, n: int = 3) -> list[tuple[str, int]]:
        return self.reasons.most_common(n)


@dataclass
class RunbookHealth:
    id: str
    used: int = 0
    last_used: datetime | None = None
    steps: dict[int, StepHealth] = field(default_factory=dict)

    @property
    def most_skipped(self) -> StepHealth | None:
        ranked = [s for s in self.steps.values() if s.skipped]
        return max(ranked, key=lambda s: (s.skipped, -s.number)) if ranked else None


@dataclass
class Health:
    """Every runbook's health over the incidents added (`add`), plus the catalog's own
    runbooks that no incident used."""

    runbooks: dict[str, RunbookHealth] = field(default_factory=dict)
    incidents: int = 0

    def add(self, fact: IncidentFact) -> None:
        self.incidents += 1
        for rid in fact.runbooks:
            rh = self._runbook(rid)
            rh.used += 1
            if rh.last_used is None or fact.opened > rh.last_used:
                rh.last_used = fact.opened
        for s in fact.steps:
            rh = self._runbook(s.runbook)
            sh = rh.steps.get(s.number)
            if sh is None:
                sh = rh.steps[s.number] = StepHealth(s.number)
            sh.title = s.title or sh.title
            sh.used += 1
            if s.status == "done":
                sh.done += 1
            elif s.status == "skipped":
                sh.skipped += 1
                sh.reasons[s.reason or "(no reason given)"] += 1
            sh.commands_failed += s.commands_failed
            sh.forced += s.forced
            if s.seconds is not None:
                sh.time.add(s.seconds)

    def _runbook(self, rid: str) -> RunbookHealth:
        rh = self.runbooks.get(rid)
        if rh is None:
            rh = self.runbooks[rid] = RunbookHealth(rid)
        return rh

    def of(self, rid: str) -> RunbookHealth:
        return self.runbooks.get(rid) or RunbookHealth(rid)


def review_overdue(rb: Runbook, today: date, window_days: int) -> bool:
    return rb.last_reviewed is None or today - rb.last_reviewed > timedelta(days=window_days)


def flagged(rb: Runbook, health: Health, today: date, window_days: int) -> bool:
    """Never used by an incident in the period and not reviewed within the window."""
    return health.of(rb.id).used == 0 and review_overdue(rb, today, window_days)

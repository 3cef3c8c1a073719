"""Response metrics: time to acknowledge / mitigate / resolve, targets met, pages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from triagebook.learning.facts import IncidentFact
from triagebook.learning.quantiles import Durations

MEASURES = ("acknowledged", "mitigated", "resolved")
BY = ("severity", "route", "runbook")


@dataclass
class Group:
    key: str
    incidents: int = 0
    times: dict[str, Durations] = field(
        default_factory=lambda: {m: Durations() for m in MEASURES})
    met: int = 0
    missed: int = 0
    pages_sent: int = 0
    pages_muted: int = 0
    pages_capped: int = 0

    @property
    def hit_rate(self) -> float | None:
        """Share of acknowledged incidents with a target that met it; None without any."""
        judged = self.met + self.missed
        return self.met / judged if judged else None

    def add(self, fact: IncidentFact) -> None:
        self.incidents += 1
        for m in MEASURES:
            seconds = fact.seconds_to(m)
            if seconds is not None:
                self.times[m].add(seconds)
        self.met += fact.response == "met"
        self.missed += fact.response == "missed"
        self.pages_sent += fact.pages_sent
        self.pages_muted += fact.pages_muted
        self.pages_capped += fact.pages_capped


@dataclass
class Response:
    by: str
    groups: dict[str, Group] = field(default_factory=dict)
    total: Group = field(default_factory=lambda: Group("all"))

    def add(self, fact: IncidentFact, key: str) -> None:
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = Group(key)
        group.add(fact)
        self.total.add(fact)


def keyer(by: str, route_of: Callable[[str], str]) -> Callable[[IncidentFact], str]:
    """The grouping key of an incident: its severity, its first runbook's route, or its
    first runbook (`(none)` for an incident no runbook joined)."""
    if by == "severity":
        return lambda f: f.severity or "(none)"
    if by == "route":
        return lambda f: route_of(f.runbooks[0]) if f.runbooks else "(none)"
    return lambda f: f.runbooks[0] if f.runbooks else "(none)"


@dataclass
class Monthly:
    """Time to acknowledge and to resolve, per month of detection and severity."""

    cells: dict[tuple[str, str, str], Durations] = field(default_factory=dict)

    def add(self, fact: IncidentFact) -> None:
        month = fact.detected.strftime("%Y-%m")
        for m in ("acknowledged", "resolved"):
            seconds = fact.seconds_to(m)
            if seconds is not None:
                key = (m, month, fact.severity or "(none)")
                cell = self.cells.get(key)
                if cell is None:
                    cell = self.cells[key] = Durations()
                cell.add(seconds)

    def months(self) -> list[str]:
        return sorted({month for _, month, _ in self.cells})

    def severities(self) -> list[str]:
        return sorted({sev for _, _, sev in self.cells})

    def median(self, measure: str, month: str, severity: str) -> int | None:
        d = self.cells.get((measure, month, severity))
        return d.median if d is not None else None

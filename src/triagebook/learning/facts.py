"""What one incident contributes to the statistics, derived from its folded state.

The file reader and the team store (learning/store.py) both produce these records, so
the aggregation (learning/runbooks.py, learning/response.py) has one input shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from triagebook.incident import events as E
from triagebook.incident.state import IncidentState


@dataclass(frozen=True, slots=True)
class StepFact:
    runbook: str
    number: int
    title: str
    status: str  # done | skipped | pending
    reason: str
    seconds: float | None  # time on the step: previous finish (or attach) → its finish
    commands_failed: int
    forced: int  # destructive blocks run without evidence


@dataclass(frozen=True, slots=True)
class IncidentFact:
    id: str
    severity: str  # the severity in force at the end
    opened: datetime
    detected: datetime
    acknowledged: datetime | None
    mitigated: datetime | None
    resolved: datetime | None
    runbooks: tuple[str, ...]  # in the order they joined
    response: str  # met | missed | pending | overdue | no target | ""
    pages_sent: int
    pages_muted: int
    pages_capped: int
    steps: tuple[StepFact, ...]

    def seconds_to(self, milestone: str) -> float | None:
        when: datetime | None = getattr(self, milestone)
        if when is None:
            return None
        return max((when - self.detected).total_seconds(), 0.0)


def _step_facts(st: IncidentState) -> list[StepFact]:
    attached: dict[str, datetime] = {}
    finished: dict[tuple[str, int], datetime] = {}
    for ev in st.events:
        p = ev.payload
        if isinstance(p, E.RunbookAttached) and ev.runbook and ev.runbook not in attached:
            attached[ev.runbook] = ev.time
        elif isinstance(p, (E.StepDone, E.StepSkipped)) and ev.runbook and ev.step:
            finished[(ev.runbook, ev.step)] = ev.time
    out: list[StepFact] = []
    for rid in st.runbooks:
        previous = attached.get(rid)
        for s in st.steps_of(rid):
            at = finished.get((rid, s.number)) if s.status != "pending" else None
            seconds = None
            if at is not None and previous is not None:
                seconds = max((at - previous).total_seconds(), 0.0)
            if at is not None:
                previous = at
            if s.status == "pending" and not s.commands:
                continue  # never reached: not part of this incident's use of the runbook
            out.append(StepFact(rid, s.number, s.title, s.status, s.reason, seconds,
                                len(s.failed_commands),
                                sum(1 for c in s.commands if c.forced)))
    return out


def _pages(st: IncidentState) -> tuple[int, int, int]:
    sent = muted = capped = 0
    for ev in st.events:
        p = ev.payload
        if isinstance(p, E.EscalationSent):
            sent += 1
        elif isinstance(p, E.EscalationMuted):
            muted += 1
            capped += bool(p.meta_incident)
    return sent, muted, capped


def facts(st: IncidentState, response: str) -> IncidentFact | None:
    """None for a ledger without its opening event (nothing to measure from)."""
    if st.opened_at is None or st.detected_at is None:
        return None

    def at(name: str) -> datetime | None:
        m = st.milestones.get(name)
        return m[0] if m else None

    sent, muted, capped = _pages(st)
    return IncidentFact(st.id, st.severity, st.opened_at, st.detected_at, at("acknowledged"),
                        at("mitigated"), at("resolved"), tuple(st.runbooks), response,
                        sent, muted, capped, tuple(_step_facts(st)))

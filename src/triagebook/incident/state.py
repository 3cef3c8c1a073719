"""Incident state, derived by folding ledger events — nothing else is stored.

The fold dispatches on the typed payload (incident/events.py); an event type it does
not know changes nothing and stays in `events`, so the timeline still shows it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from triagebook.base.errors import Problem
from triagebook.base.timeutil import parse_iso
from triagebook.incident import events as E
from triagebook.incident.coordination_state import FOLDS as COORDINATION
from triagebook.incident.coordination_state import Grant, Role, Update
from triagebook.incident.ledger import Event, Events

MILESTONES = E.MILESTONES


@dataclass
class StepState:
    runbook: str
    number: int
    title: str
    status: str = "pending"  # pending | done | skipped
    at: datetime | None = None
    reason: str = ""
    notes: list[tuple[datetime, str]] = field(default_factory=list)
    commands: list[E.Command] = field(default_factory=list)

    @property
    def failed_commands(self) -> list[E.Command]:
        return [c for c in self.commands if c.failed]


@dataclass
class RunbookUse:
    id: str
    title: str
    hash: str
    snapshot: str
    step_titles: list[str]
    context: dict[str, str]
    path: str = ""


@dataclass
class IncidentState:
    id: str
    severity: str = ""
    title: str = ""
    detected_at: datetime | None = None
    opened_at: datetime | None = None
    operator: str = ""
    meta_for: str = ""
    customer_visible: bool | None = None  # set for this incident: overrides the runbook
    runbooks: dict[str, RunbookUse] = field(default_factory=dict)
    steps: dict[tuple[str, int], StepState] = field(default_factory=dict)
    milestones: dict[str, tuple[datetime, str]] = field(default_factory=dict)
    severities: list[tuple[datetime, str]] = field(default_factory=list)
    last_event: datetime | None = None
    # coordination (issue 23; folded in incident/coordination.py)
    roles: dict[str, Role] = field(default_factory=dict)
    updates: list[Update] = field(default_factory=list)
    grants: dict[str, Grant] = field(default_factory=dict)
    reminders: set[str] = field(default_factory=set)
    notes: list[tuple[datetime, str, str]] = field(default_factory=list)  # (when, who, text)
    # ...on the incident itself, not on a step (`inv incident.note ID TEXT`)
    events: list[Event] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # ledger lines skipped

    @property
    def status(self) -> str:
        for name in reversed(MILESTONES):
            if name in self.milestones:
                return name
        return "open"

    @property
    def first_runbook(self) -> str:
        return next(iter(self.runbooks), "")

    def severity_at(self, when: datetime) -> str:
        """The severity in force at `when`."""
        current = self.severities[0][1] if self.severities else self.severity
        for t, sev in self.severities:
            if t <= when:
                current = sev
        return current

    def steps_of(self, runbook: str) -> list[StepState]:
        return sorted((s for s in self.steps.values() if s.runbook == runbook),
                      key=lambda s: s.number)

    def first_unfinished(self, runbook: str) -> int:
        """1-based number of the first pending step, or 0 when all are finished."""
        for s in self.steps_of(runbook):
            if s.status == "pending":
                return s.number
        return 0

    def step(self, ev: Event) -> StepState | None:
        """The step an event is about (created on first mention), or None."""
        if not ev.runbook or not ev.step:
            return None
        key = (ev.runbook, ev.step)
        if key not in self.steps:
            self.steps[key] = StepState(ev.runbook, ev.step, "")
        return self.steps[key]


Fold = Callable[[IncidentState, Event, E.Payload], None]


def _opened(st: IncidentState, ev: Event, p: E.Payload) -> None:
    assert isinstance(p, E.IncidentOpened)
    if st.opened_at is not None:
        return  # opened again on another machine (merged ledgers): the first one stands
    t = ev.time
    st.severity, st.title = p.severity or "", p.title or ""
    detected = parse_iso(p.detected_at) if p.detected_at else t
    st.detected_at = detected
    st.opened_at = t
    st.operator = ev.actor
    st.meta_for = p.meta_for or ""
    st.severities.append((detected, st.severity))  # in force from detection


def _set_titles(st: IncidentState, rid: str, titles: list[str]) -> None:
    for n, title in enumerate(titles, 1):
        cur = st.steps.setdefault((rid, n), StepState(rid, n, title))
        cur.title = title


def _attached(st: IncidentState, ev: Event, p: E.Payload) -> None:
    assert isinstance(p, E.RunbookAttached)
    if not ev.runbook:
        return
    titles = list(p.steps or [])
    st.runbooks[ev.runbook] = RunbookUse(ev.runbook, p.title or ev.runbook, p.hash or "",
                                         p.snapshot or "", titles, dict(p.context or {}),
                                         p.path or "")
    _set_titles(st, ev.runbook, titles)


def _forced(st: IncidentState, ev: Event, p: E.Payload) -> None:
    assert isinstance(p, E.RunbookForced)
    use = st.runbooks.get(ev.runbook or "")
    if use is None:
        return
    use.hash = p.new_hash or use.hash
    use.step_titles = list(p.steps or use.step_titles)
    _set_titles(st, use.id, use.step_titles)


def _context(st: IncidentState, ev: Event, p: E.Payload) -> None:
    assert isinstance(p, E.ContextSet)
    use = st.runbooks.get(ev.runbook or "")
    if use is not None:
        use.context.update(p.values or {})


def _finished(st: IncidentState, ev: Event, p: E.Payload) -> None:
    s = st.step(ev)
    if s is not None:
        s.status = "done" if isinstance(p, E.StepDone) else "skipped"
        s.at = ev.time
        s.reason = (p.reason or "") if isinstance(p, E.StepSkipped) else ""


def _note(st: IncidentState, ev: Event, p: E.Payload) -> None:
    assert isinstance(p, E.Note)
    s = st.step(ev)
    if s is not None:
        s.notes.append((ev.when, p.text or ""))
    elif ev.step is None:
        st.notes.append((ev.when, ev.actor, p.text or ""))


def _command(st: IncidentState, ev: Event, p: E.Payload) -> None:
    assert isinstance(p, E.Command)
    s = st.step(ev)
    if s is not None:
        s.commands.append(p)


def _milestone(st: IncidentState, ev: Event, p: E.Payload) -> None:
    assert isinstance(p, E.Milestone)
    if p.name in MILESTONES and p.name not in st.milestones:
        st.milestones[p.name] = (ev.when, p.via or "runner")


def _severity(st: IncidentState, ev: Event, p: E.Payload) -> None:
    assert isinstance(p, E.SeverityChanged)
    if p.to:
        st.severities.append((ev.when, p.to))
        # an entry made later (--at) may fall before others: the latest in time is in force
        st.severities.sort(key=lambda pair: pair[0])
        st.severity = st.severities[-1][1]


def _visibility(st: IncidentState, ev: Event, p: E.Payload) -> None:
    assert isinstance(p, E.VisibilitySet)
    st.customer_visible = bool(p.customer_visible)


FOLDS: dict[type[E.Payload], Fold] = {
    E.IncidentOpened: _opened,
    E.RunbookAttached: _attached,
    E.RunbookForced: _forced,
    E.ContextSet: _context,
    E.StepDone: _finished,
    E.StepSkipped: _finished,
    E.Note: _note,
    E.Command: _command,
    E.Milestone: _milestone,
    E.SeverityChanged: _severity,
    E.VisibilitySet: _visibility,
    **COORDINATION,
}


def fold(incident_id: str, events: list[Event]) -> IncidentState:
    """The state the events say; lines the ledger could not read come along as problems."""
    problems = events.problems if isinstance(events, Events) else []
    st = IncidentState(incident_id, events=events, problems=list(problems))
    for ev in events:
        st.last_event = ev.time
        p = ev.payload
        handler = FOLDS.get(type(p))
        if handler is not None:
            handler(st, ev, p)
    return st

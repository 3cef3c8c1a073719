"""The incident's timeline: one row per thing that happened, as Markdown, JSON or CSV.

Rows are derived from the typed events (incident/events.py), with detection added
from the incident's own `detected_at`.  An unknown event type gets a row of its own.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from triagebook.incident import events as E
from triagebook.incident.ledger import Event
from triagebook.incident.state import IncidentState
from triagebook.timeutil import local, utc


@dataclass(frozen=True, slots=True)
class Row:
    ts: datetime
    event: str
    detail: str
    runbook: str = ""
    step: int | None = None
    actor: str = ""


def _one_line(text: object) -> str:
    s = str(text).strip().replace("\n", " ⏎ ")
    return s if len(s) <= 120 else s[:117] + "..."


def _step(st: IncidentState, ev: Event) -> str:
    s = st.steps.get((ev.runbook or "", ev.step or 0))
    title = s.title if s else ""
    return f"step {ev.step} {title}".strip()


def command_outcome(p: E.Command) -> str:
    return "timed out" if p.timed_out else f"exit {p.exit_code}"


def _describe(st: IncidentState, ev: Event, p: E.Payload) -> tuple[str, str] | None:
    """(event, detail) for one ledger event, or None when it has no row."""
    if isinstance(p, E.IncidentOpened):
        return "incident opened", f"by {ev.actor}, severity {p.severity}"
    if isinstance(p, E.RunbookAttached):
        return "runbook started", f"{ev.runbook}: {p.title or ''}"
    if isinstance(p, E.RunbookForced):
        return "runbook changed", "resumed with --force on a changed runbook"
    if isinstance(p, E.StepDone):
        return "step done", _step(st, ev)
    if isinstance(p, E.StepSkipped):
        return "step skipped", f"{_step(st, ev)} — {p.reason or 'no reason given'}"
    if isinstance(p, E.Note):
        return "note", p.text or ""
    if isinstance(p, E.Command):
        return "command", (f"`{_one_line(p.command or '')}` → {command_outcome(p)} "
                           f"({float(p.duration_s or 0):.1f} s)")
    if isinstance(p, E.Milestone):
        return p.name or "milestone", f"via {p.via or 'runner'}" + (f": {p.text}" if p.text
                                                                     else "")
    if isinstance(p, E.SeverityChanged):
        return "severity changed", f"{p.from_} → {p.to}"
    if isinstance(p, E.VisibilitySet):
        return "customer visibility", ("customer-visible" if p.customer_visible
                                       else "not customer-visible") + " (overrides the runbook)"
    if isinstance(p, E.EscalationEvent):
        return ev.type.replace(".", " "), p.summary or ""
    if isinstance(p, E.Unknown):
        return ev.type or "unknown event", _one_line(json.dumps(p.data, ensure_ascii=False))
    return None  # session and context bookkeeping: not part of the story


def timeline(st: IncidentState) -> list[Row]:
    rows: list[Row] = []
    if st.detected_at:
        first = st.severities[0][1] if st.severities else st.severity
        rows.append(Row(st.detected_at, "detected", f"{first} {st.title}".strip()))
    for ev in st.events:
        found = _describe(st, ev, ev.payload)
        if found is not None:
            rows.append(Row(ev.time, found[0], found[1], ev.runbook or "", ev.step, ev.actor))
    rows.sort(key=lambda r: r.ts)
    return rows


def render_timeline(rows: list[Row], fmt: str, tz: str) -> str:
    if fmt == "json":
        return json.dumps([{"ts": r.ts.astimezone(UTC).isoformat().replace("+00:00", "Z"),
                            "local": local(r.ts, tz),
                            "event": r.event, "detail": r.detail, "runbook": r.runbook or None,
                            "step": r.step} for r in rows], indent=2, ensure_ascii=False)
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["utc", "local", "event", "detail", "runbook", "step"])
        for r in rows:
            w.writerow([utc(r.ts), local(r.ts, tz), r.event, r.detail, r.runbook,
                        r.step or ""])
        return buf.getvalue()
    lines = [f"| Time (UTC) | Local ({tz}) | Event | Detail |", "|---|---|---|---|"]
    for r in rows:
        detail = r.detail.replace("|", "\\|")
        lines.append(f"| {utc(r.ts)} | {local(r.ts, tz)} | {r.event} | {detail} |")
    return "\n".join(lines) + "\n"

"""The incident's timeline: one row per thing that happened, as Markdown, JSON or CSV.

Rows are derived from the typed events (incident/events.py), with detection added
from the incident's own `detected_at`.  An unknown event type gets a row of its own.
In Markdown every cell from the ledger is escaped (mdtext.py), so a note renders as the
text it is — never as HTML, a link or a generated-block marker.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from triagebook.base.mdtext import md_code, md_text
from triagebook.base.safetext import neutralise
from triagebook.base.timeutil import local, utc
from triagebook.incident import events as E
from triagebook.incident.ledger import Event
from triagebook.incident.state import IncidentState


@dataclass(frozen=True, slots=True)
class Row:
    ts: datetime
    event: str
    detail: str
    runbook: str = ""
    step: int | None = None
    actor: str = ""
    markdown: str = ""  # detail as Markdown when it is not just escaped text (a command)
    event_id: str = ""  # the ledger event behind the row ("" for detection)


def _one_line(text: object) -> str:
    s = neutralise(str(text).strip().replace("\n", " ⏎ "))
    return s if len(s) <= 120 else s[:117] + "..."


def _step(st: IncidentState, ev: Event) -> str:
    s = st.steps.get((ev.runbook or "", ev.step or 0))
    title = s.title if s else ""
    return f"step {ev.step} {title}".strip()


def _command(p: E.Command, code: Callable[[str], str]) -> str:
    return (f"{code(_one_line(p.command or ''))} → {_one_line(p.outcome())} "
            f"({float(p.duration_s or 0):.1f} s)"
            + (" — destructive, forced without evidence" if p.forced else ""))


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
        return "note", _one_line(p.text or "")
    if isinstance(p, E.Command):
        return ("command failed" if p.failed else "command"), _command(p, lambda c: f"`{c}`")
    if isinstance(p, E.Milestone):
        return p.name or "milestone", f"via {p.via or 'runner'}" + (f": {p.text}" if p.text
                                                                     else "")
    if isinstance(p, E.SeverityChanged):
        return "severity changed", f"{p.from_} → {p.to}"
    if isinstance(p, E.VisibilitySet):
        return "customer visibility", ("customer-visible" if p.customer_visible
                                       else "not customer-visible") + " (overrides the runbook)"
    if isinstance(p, E.LedgerMerged):
        return "ledger merged", (f"{p.added} of {p.events} events from "
                                 f"{_one_line(p.source)} (sha256 {p.sha256[:12]}…)")
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
        p = ev.payload
        found = _describe(st, ev, p)
        if found is not None:
            event, detail = found
            if ev.when != ev.time:  # an entry made later (--at): say when it was written
                detail += f" (entered {utc(ev.time)})"
            md = _command(p, md_code) if isinstance(p, E.Command) else ""
            if md and ev.when != ev.time:
                md += f" (entered {utc(ev.time)})"
            rows.append(Row(ev.when, event, detail, ev.runbook or "", ev.step, ev.actor, md,
                            ev.id))
    rows.sort(key=lambda r: r.ts)
    return rows


def render_timeline(rows: list[Row], fmt: str, tz: str) -> str:
    if fmt == "json":
        return json.dumps([{"ts": r.ts.astimezone(UTC).isoformat().replace("+00:00", "Z"),
                            "local": local(r.ts, tz), "actor": r.actor or None,
                            "event": r.event, "detail": r.detail, "runbook": r.runbook or None,
                            "step": r.step} for r in rows], indent=2, ensure_ascii=False)
    return render_rows(rows, fmt, tz, header=True)


def render_rows(rows: list[Row], fmt: str, tz: str, header: bool) -> str:
    """Rows as Markdown table lines or CSV records — also a few at a time (--follow)."""
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        if header:
            w.writerow(["utc", "local", "actor", "event", "detail", "runbook", "step"])
        for r in rows:
            w.writerow([utc(r.ts), local(r.ts, tz), r.actor, r.event, r.detail, r.runbook,
                        r.step or ""])
        return buf.getvalue()
    lines = [f"| Time (UTC) | Local ({tz}) | Actor | Event | Detail |",
             "|---|---|---|---|---|"] if header else []
    for r in rows:
        detail = (r.markdown or md_text(r.detail)).replace("|", "\\|")
        actor = md_text(r.actor).replace("|", "\\|")
        lines.append(f"| {utc(r.ts)} | {local(r.ts, tz)} | {actor} | {md_text(r.event)} "
                     f"| {detail} |")
    return "\n".join(lines) + "\n" if lines else ""

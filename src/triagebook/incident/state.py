"""Incident state, derived by folding ledger events — nothing else is stored."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from triagebook.incident.ledger import Event, parse_iso

MILESTONES = ("acknowledged", "mitigated", "resolved")


@dataclass
class StepState:
    runbook: str
    number: int
    title: str
    status: str = "pending"  # pending | done | skipped
    at: datetime | None = None
    reason: str = ""
    notes: list[tuple[datetime, str]] = field(default_factory=list)
    commands: list[dict[str, object]] = field(default_factory=list)


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
    runbooks: dict[str, RunbookUse] = field(default_factory=dict)
    steps: dict[tuple[str, int], StepState] = field(default_factory=dict)
    milestones: dict[str, tuple[datetime, str]] = field(default_factory=dict)
    severities: list[tuple[datetime, str]] = field(default_factory=list)
    last_event: datetime | None = None
    events: list[Event] = field(default_factory=list)

    @property
    def status(self) -> str:
        for name in reversed(MILESTONES):
            if name in self.milestones:
                return name
        return "open"

    @property
    def first_runbook(self) -> str:
        return next(iter(self.runbooks), "")

    def steps_of(self, runbook: str) -> list[StepState]:
        return sorted((s for s in self.steps.values() if s.runbook == runbook),
                      key=lambda s: s.number)

    def first_unfinished(self, runbook: str) -> int:
        """1-based number of the first pending step, or 0 when all are finished."""
        for s in self.steps_of(runbook):
            if s.status == "pending":
                return s.number
        return 0


def fold(incident_id: str, events: list[Event]) -> IncidentState:
    st = IncidentState(incident_id, events=events)
    for ev in events:
        t = ev.time
        st.last_event = t
        d = ev.data
        if ev.type == "incident.opened":
            st.severity = d.get("severity", "")
            st.title = d.get("title", "")
            st.detected_at = parse_iso(d["detected_at"]) if d.get("detected_at") else t
            st.opened_at = t
            st.operator = ev.actor
            st.severities.append((t, st.severity))
        elif ev.type == "runbook.attached" and ev.runbook:
            titles = list(d.get("steps", []))
            st.runbooks[ev.runbook] = RunbookUse(ev.runbook, d.get("title", ev.runbook),
                                                 d.get("hash", ""), d.get("snapshot", ""),
                                                 titles, dict(d.get("context", {})),
                                                 d.get("path", ""))
            for n, title in enumerate(titles, 1):
                st.steps.setdefault((ev.runbook, n), StepState(ev.runbook, n, title))
        elif ev.type == "runbook.forced" and ev.runbook in st.runbooks:
            use = st.runbooks[ev.runbook]
            use.hash = d.get("new_hash", use.hash)
            titles = list(d.get("steps", use.step_titles))
            use.step_titles = titles
            for n, title in enumerate(titles, 1):
                cur = st.steps.setdefault((ev.runbook, n), StepState(ev.runbook, n, title))
                cur.title = title
        elif ev.type == "context.set" and ev.runbook in st.runbooks:
            st.runbooks[ev.runbook].context.update(d.get("values", {}))
        elif ev.type in ("step.done", "step.skipped") and ev.runbook and ev.step:
            s = st.steps.setdefault((ev.runbook, ev.step), StepState(ev.runbook, ev.step, ""))
            s.status = "done" if ev.type == "step.done" else "skipped"
            s.at = t
            s.reason = d.get("reason", "")
        elif ev.type == "step.reopened" and ev.runbook and ev.step:
            again = st.steps.get((ev.runbook, ev.step))
            if again:
                again.status, again.at, again.reason = "pending", None, ""
        elif ev.type == "note" and ev.runbook and ev.step:
            s = st.steps.setdefault((ev.runbook, ev.step), StepState(ev.runbook, ev.step, ""))
            s.notes.append((t, d.get("text", "")))
        elif ev.type == "command" and ev.runbook and ev.step:
            s = st.steps.setdefault((ev.runbook, ev.step), StepState(ev.runbook, ev.step, ""))
            s.commands.append({**d, "ts": ev.ts})
        elif ev.type == "milestone":
            name = d.get("name", "")
            if name in MILESTONES and name not in st.milestones:
                st.milestones[name] = (t, d.get("via", "runner"))
        elif ev.type == "severity.changed":
            st.severity = d.get("to", st.severity)
            st.severities.append((t, st.severity))
    return st


# ---- the timeline -------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Row:
    ts: datetime
    event: str
    detail: str
    runbook: str = ""
    step: int | None = None


def timeline(st: IncidentState) -> list[Row]:
    rows: list[Row] = []
    if st.detected_at:
        first = st.severities[0][1] if st.severities else st.severity
        rows.append(Row(st.detected_at, "detected", f"{first} {st.title}".strip()))
    for ev in st.events:
        d = ev.data
        t = ev.time
        if ev.type == "incident.opened":
            rows.append(Row(t, "incident opened", f"by {ev.actor}, severity {d.get('severity')}"))
        elif ev.type == "runbook.attached":
            rows.append(Row(t, "runbook started", f"{ev.runbook}: {d.get('title', '')}",
                            ev.runbook or ""))
        elif ev.type == "runbook.forced":
            rows.append(Row(t, "runbook changed", "resumed with --force on a changed runbook",
                            ev.runbook or ""))
        elif ev.type == "step.done":
            rows.append(Row(t, "step done", _step(st, ev), ev.runbook or "", ev.step))
        elif ev.type == "step.skipped":
            why = d.get("reason") or "no reason given"
            rows.append(Row(t, "step skipped", f"{_step(st, ev)} — {why}", ev.runbook or "",
                            ev.step))
        elif ev.type == "note":
            rows.append(Row(t, "note", d.get("text", ""), ev.runbook or "", ev.step))
        elif ev.type == "command":
            what = "timed out" if d.get("timed_out") else f"exit {d.get('exit_code')}"
            rows.append(Row(t, "command", f"`{_one_line(d.get('command', ''))}` → {what} "
                            f"({d.get('duration_s', 0):.1f} s)", ev.runbook or "", ev.step))
        elif ev.type == "milestone":
            rows.append(Row(t, d.get("name", "milestone"),
                            f"via {d.get('via', 'runner')}" + (f": {d['text']}"
                                                               if d.get("text") else "")))
        elif ev.type == "severity.changed":
            rows.append(Row(t, "severity changed", f"{d.get('from')} → {d.get('to')}"))
        elif ev.type.startswith("escalation."):
            rows.append(Row(t, ev.type.replace(".", " "), d.get("summary", "")))
    rows.sort(key=lambda r: r.ts)
    return rows


def _step(st: IncidentState, ev: Event) -> str:
    s = st.steps.get((ev.runbook or "", ev.step or 0))
    title = s.title if s else ""
    return f"step {ev.step} {title}".strip()


def _one_line(text: object) -> str:
    s = str(text).strip().replace("\n", " ⏎ ")
    return s if len(s) <= 120 else s[:117] + "..."


def utc(ts: datetime) -> str:
    return ts.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%d %H:%M:%S UTC")


def to_zone(ts: datetime, tz: str) -> datetime:
    """ts in zone tz, with the DST fold checked against the true offset.

    The wall time from astimezone is always right; the fold (which of two repeated
    hours) can be lost by datetime subclasses such as freezegun's, and with it the zone
    name, so it is re-derived from wall time minus UTC.
    """
    zone = ZoneInfo(tz)
    utc_ts = ts.astimezone(ZoneInfo("UTC"))
    loc = utc_ts.astimezone(zone)
    true_offset = loc.replace(tzinfo=None) - utc_ts.replace(tzinfo=None)
    if loc.utcoffset() != true_offset:
        loc = loc.replace(fold=1 - loc.fold)
    return loc


def local(ts: datetime, tz: str) -> str:
    return to_zone(ts, tz).strftime("%Y-%m-%d %H:%M:%S %Z")


def render_timeline(rows: list[Row], fmt: str, tz: str) -> str:
    if fmt == "json":
        return json.dumps([{"ts": r.ts.astimezone(ZoneInfo("UTC")).isoformat().replace(
            "+00:00", "Z"), "local": local(r.ts, tz), "event": r.event, "detail": r.detail,
            "runbook": r.runbook or None, "step": r.step} for r in rows], indent=2,
            ensure_ascii=False)
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

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
from dataclasses import dataclass
from datetime import UTC, datetime

from triagebook.base.mdtext import md_code, md_text
from triagebook.base.safetext import clip, neutralise
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


def _flat(text: str) -> str:
    return neutralise(text.replace("\n", " ⏎ "))


def _one_line(text: object) -> str:
    return clip(neutralise(str(text).strip().replace("\n", " ⏎ ")), 120, "...")


def _step(st: IncidentState, ev: Event) -> str:
    s = st.steps.get((ev.runbook or "", ev.step or 0))
    title = s.title if s else ""
    return f"step {ev.step} {title}".strip() if ev.step else ""


def reading(st: IncidentState, ev: Event) -> E.Reading | None:
    """How one ledger event reads here (its own `reads`), or None when it is bookkeeping."""
    p = ev.payload
    if not p.STORY:
        return None
    return p.reads(E.Where(ev.type, ev.actor, ev.runbook or "", _step(st, ev)))


def timeline(st: IncidentState) -> list[Row]:
    rows: list[Row] = []
    if st.detected_at:
        first = st.severities[0][1] if st.severities else st.severity
        rows.append(Row(st.detected_at, "detected", f"{first} {st.title}".strip()))
    for ev in st.events:
        found = reading(st, ev)
        if found is None:
            continue
        detail = _one_line(found.plain)
        md = ""
        if found.code:  # a command: the command as code, the rest as text
            md = " ".join(x for x in (md_text(_flat(found.text)), md_code(_one_line(found.code)),
                                      md_text(_flat(found.after))) if x)
        if ev.when != ev.time:  # an entry made later (--at): say when it was written
            detail += f" (entered {utc(ev.time)})"
            md += f" (entered {utc(ev.time)})" if md else ""
        rows.append(Row(ev.when, found.label, detail, ev.runbook or "", ev.step, ev.actor, md,
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


def _text(rows: list[Row], tz: str, header: bool) -> str:
    """For a terminal: one line per row, the detail last (the terminal wraps it); the
    local time only when the responder's zone is not UTC."""
    both = tz != "UTC"
    lines = []
    if header:
        lines.append("TIME (UTC)".ljust(24) + (f"LOCAL ({tz})".ljust(26) if both else "")
                     + "ACTOR".ljust(14) + "EVENT".ljust(18) + "DETAIL")
    for r in rows:
        lines.append(utc(r.ts).ljust(24) + (local(r.ts, tz).ljust(26) if both else "")
                     + (r.actor or "-").ljust(13) + " " + r.event.ljust(17) + " " + r.detail)
    return "\n".join(lines) + "\n" if lines else ""


def render_rows(rows: list[Row], fmt: str, tz: str, header: bool) -> str:
    """Rows as terminal lines, Markdown table lines or CSV records — also a few at a time
    (--follow)."""
    if fmt == "text":
        return _text(rows, tz, header)
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

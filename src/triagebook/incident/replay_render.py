"""A replay (incident/replay.py) as text for a reviewer's terminal, or as JSON."""

from __future__ import annotations

from typing import Any

from triagebook.base.timeutil import iso, utc
from triagebook.incident.replay import Action, Replay, StepReplay

MARKS = {"edited": "EDITED since", "moved": "MOVED since", "removed": "REMOVED since",
         "same": ""}


def _action_lines(a: Action, indent: str) -> list[str]:
    text = a.text.replace("\n", " ⏎ ")
    lines = [f"{indent}{a.offset}  {a.kind:<13} {text}".rstrip()]
    lines += [f"{indent}{' ' * len(a.offset)}  {'':<13} | {line}" for line in a.output]
    return lines


def _step_lines(s: StepReplay) -> list[str]:
    mark = ""
    if s.change is not None and MARKS.get(s.change.kind):
        mark = f"  [{MARKS[s.change.kind]}: {s.change.detail}]"
    out = [f"  step {s.number} · {s.title} · {s.status}{mark}"]
    out += [f"    │ {line}".rstrip() for line in s.body.splitlines()]
    if s.change is not None and s.change.diff:
        out.append("    the runbook now says:")
        out += [f"      {line}" for line in s.change.diff]
    if s.actions:
        out.append("    what was done:")
        for a in s.actions:
            out += _action_lines(a, "      ")
    else:
        out.append("    nothing recorded on this step")
    return out


def as_text(rep: Replay) -> str:
    detected = utc(rep.detected_at) if rep.detected_at else "unknown"
    out = [f"replay of {rep.incident} · {rep.title} · {rep.severity} · {rep.status} — dry run: "
           f"nothing is executed",
           f"from {rep.source}; detected {detected}; times are relative to detection", "",
           "incident:"]
    for a in rep.incident_actions:
        out += _action_lines(a, "  ")
    for rb in rep.runbooks:
        out += ["", f"runbook {rb.id} · {rb.title}"
                    + (f" (snapshot {rb.snapshot})" if rb.snapshot else ""),
                f"  runbook now: {rb.now}", ""]
        for s in rb.steps:
            out += _step_lines(s)
            out.append("")
        for c in rb.added:
            out.append(f"  ADDED since: step {c.new} · {c.title} — not in the runbook the "
                       f"responder had")
    return "\n".join(out).rstrip() + "\n"


def _action(a: Action) -> dict[str, Any]:
    return {"at": iso(a.at), "offset": a.offset, "kind": a.kind, "text": a.text,
            "output": list(a.output)}


def as_dict(rep: Replay) -> dict[str, Any]:
    return {
        "incident": rep.incident, "title": rep.title, "severity": rep.severity,
        "status": rep.status, "source": rep.source, "dry_run": True,
        "detected_at": iso(rep.detected_at) if rep.detected_at else None,
        "incident_actions": [_action(a) for a in rep.incident_actions],
        "runbooks": [{
            "id": rb.id, "title": rb.title, "snapshot": rb.snapshot, "now": rb.now,
            "steps": [{"number": s.number, "title": s.title, "body": s.body,
                       "status": s.status,
                       "change": s.change.as_dict() if s.change is not None else None,
                       "actions": [_action(a) for a in s.actions]} for s in rb.steps],
            "added": [c.as_dict() for c in rb.added],
        } for rb in rep.runbooks],
    }

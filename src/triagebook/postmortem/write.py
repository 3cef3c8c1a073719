"""Post-mortems written from the ledger: facts generated, people's words kept.

Generated parts sit between `<!-- generated:NAME -->` markers (and in the
front-matter's fact keys); `--update` rewrites only those, so everything people wrote
in the other sections survives.  Output passes the same redaction as the ledger.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import yaml
from jinja2 import StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from triagebook.config import Config, Policy
from triagebook.errors import UsageError
from triagebook.escalation import sla
from triagebook.incident import ledger
from triagebook.incident.redaction import Redactor
from triagebook.incident.state import IncidentState, fold
from triagebook.incident.timeline import render_timeline, timeline
from triagebook.runbook.frontmatter import split_front_matter
from triagebook.timeutil import utc, utc_now

DEFAULT_TEMPLATE = Path(__file__).resolve().parent / "templates" / "postmortem.md.j2"


def duration(delta: timedelta | None) -> str:
    if delta is None:
        return "n/a"
    secs = int(delta.total_seconds())
    sign = "-" if secs < 0 else ""
    secs = abs(secs)
    h, m = secs // 3600, secs % 3600 // 60
    return f"{sign}{h} h {m:02d} min" if h else f"{sign}{m} min {secs % 60:02d} s"


def _end(st: IncidentState) -> datetime | None:
    return st.milestones["resolved"][0] if "resolved" in st.milestones else None


def metrics(st: IncidentState, policy: Policy | None = None) -> str:
    rows = ["| Metric | Value | At (UTC) |", "|---|---|---|"]
    for label, name in (("Time to acknowledge", "acknowledged"),
                        ("Time to mitigate", "mitigated"), ("Time to resolve", "resolved")):
        if name in st.milestones and st.detected_at:
            at = st.milestones[name][0]
            rows.append(f"| {label} | {duration(at - st.detected_at)} | {utc(at)} |")
        else:
            rows.append(f"| {label} | not recorded | - |")
    response = sla.measure(st, policy, st.last_event or utc_now()) if policy else None
    if response is not None:  # the severity's response_minutes, measured
        rows.append(f"| Response target | {sla.describe(response)} | - |")
    rows.append("\nMeasured from detection at "
                + (utc(st.detected_at) if st.detected_at else "unknown") + ".")
    return "\n".join(rows)


def impact(st: IncidentState, now: datetime) -> str:
    end = _end(st) or now
    lines = [f"- **Duration**: {duration(end - st.detected_at) if st.detected_at else 'n/a'}"
             + ("" if _end(st) else " so far (not resolved)")]
    spans: dict[str, timedelta] = {}
    sev = st.severities
    for i, (t, s) in enumerate(sev):
        start = st.detected_at if i == 0 and st.detected_at else t
        stop = sev[i + 1][0] if i + 1 < len(sev) else end
        spans[s] = spans.get(s, timedelta()) + max(stop - start, timedelta())
    for s in sorted(spans):
        lines.append(f"- **At {s}**: {duration(spans[s])}")
    return "\n".join(lines)


def feedback(st: IncidentState, cfg: Config) -> str:
    lines = []
    for rid, use in st.runbooks.items():
        link = f"[{use.title}](../runbooks/{rid}.md)"
        bad = []
        for s in st.steps_of(rid):
            failed = [c for c in s.commands if c.get("exit_code") not in (0, None)
                      or c.get("timed_out")]
            if s.status == "skipped":
                bad.append(f"  - step {s.number} *{s.title}* skipped: "
                           f"{s.reason or 'no reason given'}")
            for c in failed:
                what = "timed out" if c.get("timed_out") else f"exit {c.get('exit_code')}"
                bad.append(f"  - step {s.number} *{s.title}*: command failed ({what})")
            if s.status == "pending":
                bad.append(f"  - step {s.number} *{s.title}* never finished")
        lines.append(f"- {link} (`{rid}`)" + (":" if bad else ": every step done."))
        lines += bad
    if any("  - " in ln for ln in lines):
        lines.append("\nUpdate the runbook if this was a new failure mode.")
    return "\n".join(lines) or "_No runbook was used._"


def responders(st: IncidentState) -> str:
    actors: dict[str, int] = {}
    for ev in st.events:
        actors[ev.actor] = actors.get(ev.actor, 0) + 1
    return "\n".join(f"- {a} ({n} events)" for a, n in actors.items()) or "_None recorded._"


@dataclass(frozen=True, slots=True)
class Generated:
    facts: dict[str, object]
    parts: dict[str, str]


def generate(cfg: Config, st: IncidentState, now: datetime) -> Generated:
    tz = cfg.policy.timezone
    end = _end(st)
    facts: dict[str, object] = {
        "incident": st.id, "title": st.title, "severity": st.severity,
        "runbooks": list(st.runbooks),
        "detected": utc(st.detected_at) if st.detected_at else None,
        "resolved": utc(end) if end else None,
        "duration": duration(end - st.detected_at) if end and st.detected_at else None,
    }
    table = render_timeline(timeline(st), "md", tz).rstrip()
    parts = {
        "impact": impact(st, now),
        "timeline": table + f"\n\nLocal times are {tz} (the responder's zone).",
        "metrics": metrics(st, cfg.policy),
        "runbook-feedback": feedback(st, cfg),
        "responders": responders(st),
    }
    return Generated(facts, parts)


def _template(cfg: Config) -> str:
    path = cfg.postmortem_template or DEFAULT_TEMPLATE
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"postmortem template {path}: cannot read: {exc.strerror}") from None


def _render_new(cfg: Config, gen: Generated, now: datetime) -> str:
    env = ImmutableSandboxedEnvironment(undefined=StrictUndefined, keep_trailing_newline=True)
    try:
        body = env.from_string(_template(cfg)).render(
            title=gen.facts["title"], **{k.replace("-", "_"): v for k, v in gen.parts.items()})
    except Exception as exc:  # a broken project template is a user error, one line
        raise UsageError(f"postmortem template: {type(exc).__name__}: {exc}") from None
    front = {**gen.facts, "status": "draft", "created": utc(now)}
    return "---\n" + yaml.safe_dump(front, sort_keys=False, allow_unicode=True) + "---\n\n" + body


def split(text: str) -> tuple[dict[str, object], str]:
    meta, body = split_front_matter(text)
    if meta is None:
        raise UsageError("post-mortem front-matter is not valid YAML; fix it, then run "
                         "--update again")
    return meta, body


def _replace_parts(body: str, parts: dict[str, str]) -> str:
    for name, content in parts.items():
        start_tag, end_tag = f"<!-- generated:{name} -->", f"<!-- /generated:{name} -->"
        a = body.find(start_tag)
        b = body.find(end_tag)
        if a < 0 or b < a:
            continue  # people removed the section: respect that
        body = body[:a + len(start_tag)] + "\n" + content + "\n" + body[b:]
    return body


def write_postmortem(cfg: Config, incident_id: str, update: bool, quiet: bool = False,
                     now: datetime | None = None) -> Path:
    events = ledger.load(cfg.incidents_dir, incident_id)
    st = fold(incident_id, events)
    now = now or utc_now()
    gen = generate(cfg, st, now)
    red = Redactor()
    path = cfg.postmortems_dir / f"{incident_id}.md"
    if path.exists():
        if not update:
            if quiet:
                return path
            raise UsageError(f"{cfg.display(path)} exists; --update refreshes its generated "
                             f"parts and keeps what people wrote")
        meta, body = split(path.read_text(encoding="utf-8"))
        meta.update(gen.facts)
        text = ("---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True) + "---\n"
                + _replace_parts(body, gen.parts))
    else:
        text = _render_new(cfg, gen, now)
    _atomic_write(path, red.text(text))
    return path


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".pm-")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)

"""Post-mortems written from the ledger: facts generated, people's words kept.

Generated parts sit between `<!-- generated:NAME -->` markers (and in the
front-matter's fact keys); `--update` rewrites only those, so everything people wrote
in the other sections survives — and refuses, saying why, when it could not keep it
(postmortem/blocks.py).  Every string from the ledger is Markdown-escaped (mdtext.py):
a note is shown as the text it is, never as HTML or a marker.  Output passes the same
redaction as the ledger.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import yaml
from jinja2 import StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from triagebook.base.errors import TriagebookError, UsageError
from triagebook.base.mdtext import md_code, md_text
from triagebook.base.redaction import Redactor
from triagebook.base.safetext import neutralise
from triagebook.base.timeutil import utc, utc_now
from triagebook.base.yamlsrc import split_front_matter
from triagebook.config import Config, Policy
from triagebook.incident import events as E
from triagebook.incident import ledger, sla
from triagebook.incident.durable import write_file
from triagebook.incident.state import IncidentState, fold
from triagebook.incident.team import load_merged
from triagebook.incident.timeline import render_timeline, timeline
from triagebook.postmortem.blocks import BlockError, replace_blocks
from triagebook.postmortem.coordination import access_grants, status_updates

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
            if at < st.detected_at:  # never a negative time: a clock was off, say so
                rows.append(f"| {label} | recorded {duration(st.detected_at - at)} before "
                            f"detection — a responder's clock is off; check the timeline "
                            f"| {utc(at)} |")
            else:
                rows.append(f"| {label} | {duration(at - st.detected_at)} | {utc(at)} |")
        else:
            rows.append(f"| {label} | not recorded | - |")
    response = sla.measure(st, policy, st.last_event or utc_now()) if policy else None
    if response is not None:  # the severity's response_minutes, measured
        rows.append(f"| Response target | {sla.describe(response)} | - |")
    rows.append("\nMeasured from detection at "
                + (utc(st.detected_at) if st.detected_at else "unknown") + ".")
    skews = {e.actor: float(e.data.get("seconds", 0)) for e in st.events
             if e.type == "clock.skewed"}
    if skews:  # measured against the team store when each of them synced
        said = ", ".join(f"{who}'s by {duration(timedelta(seconds=abs(s)))} "
                         f"{'ahead' if s > 0 else 'behind'}"
                         for who, s in sorted(skews.items()))
        rows.append(f"\n**Clock skew**: {said} (against the team store's clock). Times "
                    f"they recorded are off by that much; the durations above use them as "
                    f"recorded.")
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
        lines.append(f"- **At {md_text(s)}**: {duration(spans[s])}")
    return "\n".join(lines)


def feedback(st: IncidentState, cfg: Config) -> str:
    """Per runbook, what did not go to plan; nested four spaces deep, as Python-Markdown
    (the site's renderer) needs to keep the nesting."""
    lines = []
    for rid, use in st.runbooks.items():
        link = f"[{md_text(use.title)}](../runbooks/{quote(rid)}.md)"
        bad = []
        for s in st.steps_of(rid):
            title = f"*{md_text(s.title)}*"
            if s.status == "skipped":
                bad.append(f"    - step {s.number} {title} skipped: "
                           f"{md_text(s.reason or 'no reason given')}")
            for c in s.failed_commands:
                bad.append(f"    - step {s.number} {title}: command failed ({_failure(c)})")
            if s.status == "pending":
                bad.append(f"    - step {s.number} {title} never finished")
        lines.append(f"- {link} ({md_code(rid)})" + (":" if bad else ": every step done."))
        lines += bad
    if any(ln.startswith("    - ") for ln in lines):
        lines.append("\nUpdate the runbook if this was a new failure mode.")
    return "\n".join(lines) or "_No runbook was used._"


def _failure(c: E.Command) -> str:
    if c.failed_line and c.exit_code and not (c.timed_out or c.interrupted):
        line = neutralise(c.failed_command or "")
        return f"exit {c.exit_code} at line {c.failed_line}" + (f": {md_code(line)}" if line
                                                                  else "")
    return md_text(neutralise(c.outcome()))


def responders(st: IncidentState) -> str:
    actors: dict[str, int] = {}
    for ev in st.events:
        actors[ev.actor] = actors.get(ev.actor, 0) + 1
    roles = [f"- **{name}**: {md_text(r.person)} (since {utc(r.since)})"
             for name, r in sorted(st.roles.items())]
    lines = roles + [f"- {md_text(a)} ({n} events)" for a, n in actors.items()]
    return "\n".join(lines) or "_None recorded._"


def skipped(st: IncidentState) -> str:
    """A line under the timeline when the ledger had lines that are not events."""
    n = len(st.problems)
    if not n:
        return ""
    where = ", ".join(str(p.line) for p in st.problems if p.line)
    return (f"\n\n{n} ledger line{'s' * (n != 1)} could not be read and "
            f"{'are' if n != 1 else 'is'} left out of this timeline"
            + (f" (events.jsonl line{'s' * (n != 1)} {where})" if where else "")
            + f"; `inv incident.show {md_text(st.id)}` says why.")


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
    resources = sorted({u.context["resource_name"] for u in st.runbooks.values()
                        if u.context.get("resource_name")})
    if resources:
        facts["resource_name"] = resources[0] if len(resources) == 1 else resources
    table = render_timeline(timeline(st), "md", tz).rstrip()
    parts = {
        "impact": impact(st, now),
        "timeline": table + f"\n\nLocal times are {tz} (the responder's zone)." + skipped(st),
        "metrics": metrics(st, cfg.policy),
        "status-updates": status_updates(st, cfg.policy, end or now),
        "access": access_grants(st),
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
            title=md_text(gen.facts["title"] or ""),
            **{k.replace("-", "_"): v for k, v in gen.parts.items()})
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


def _update(shown: str, old: str, gen: Generated) -> str:
    meta, body = split(old)
    meta.update(gen.facts)
    front = old[:len(old) - len(body)].count("\n") if old.endswith(body) else 0
    try:
        body = replace_blocks(body, {k: v.strip("\n") for k, v in gen.parts.items()})
    except BlockError as exc:
        raise UsageError(f"{shown}:{front + exc.line + 1}: --update refused: {exc.why}; "
                         f"nothing was written. Each generated block is one "
                         f"'<!-- generated:NAME -->' line, the facts, and one "
                         f"'<!-- /generated:NAME -->' line: fix them by hand") from None
    return "---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True) + "---\n" + body


class PostmortemNotWritten(TriagebookError):
    def __init__(self, shown: str, why: str, incident_id: str) -> None:
        self.shown, self.why, self.incident_id = shown, why, incident_id

    def __str__(self) -> str:
        return (f"post-mortem not written: {self.why} ({self.shown}); the ledger is "
                f"unchanged — inv postmortem.new {self.incident_id} once the disk takes it")


def write_postmortem(cfg: Config, incident_id: str, update: bool, quiet: bool = False,
                     now: datetime | None = None) -> Path:
    events = load_merged(cfg, incident_id)  # the whole team's events
    red = Redactor()
    # Redact before escaping: a credential pattern must see the text as it was typed.
    clean = ledger.Events([replace(e, data=red.data(e.data)) for e in events],
                          getattr(events, "problems", ()), getattr(events, "top", 0))
    st = fold(incident_id, clean)
    now = now or utc_now()
    gen = generate(cfg, st, now)
    path = cfg.postmortems_dir / f"{incident_id}.md"
    if path.exists():
        if not update:
            if quiet:
                return path
            raise UsageError(f"{cfg.display(path)} exists; --update refreshes its generated "
                             f"parts and keeps what people wrote")
        text = _update(cfg.display(path), path.read_text(encoding="utf-8"), gen)
    else:
        text = _render_new(cfg, gen, now)
    try:
        write_file(path, red.text(text).encode("utf-8"))  # whole, or the old file stays
    except OSError as exc:
        raise PostmortemNotWritten(cfg.display(path), exc.strerror or str(exc),
                                   incident_id) from None
    return path

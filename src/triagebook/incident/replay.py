"""`inv incident.replay`: a dry-run walk of what happened, for a reviewer. Executes nothing.

Each step is shown as the responder saw it — rendered from the runbook SNAPSHOT with the
context the ledger recorded, secrets as `${TRIAGEBOOK_SECRET_NAME}` — followed by what
was done on it (notes, commands with exit codes and output excerpts, skips with reasons)
at times relative to detection.  Milestones, severity changes and escalations form the
incident's own track.  Against today's runbook, each step is marked same / edited /
moved / removed, and steps added since are listed (runbook/diff.py).

Reads from the project (`incidents/ID/`) or from a bundle, in memory (incident/archive.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath

from triagebook.base import jsonio
from triagebook.base.errors import TriagebookError, UsageError
from triagebook.base.redaction import Redactor, secret_env
from triagebook.base.timeutil import iso
from triagebook.config import Config
from triagebook.incident import events as E
from triagebook.incident import ledger as L
from triagebook.incident.archive import unpack
from triagebook.incident.line import from_data
from triagebook.incident.state import IncidentState, fold
from triagebook.incident.verify import verify
from triagebook.runbook.catalog import load_one
from triagebook.runbook.diff import StepChange, diff_steps
from triagebook.runbook.model import Runbook
from triagebook.runbook.parse import content_hash, parse_bytes
from triagebook.runbook.templates import RenderFailure, render

EXCERPT = 3  # output lines kept from each end of a command's recorded output


@dataclass(frozen=True, slots=True)
class Action:
    at: datetime
    offset: str  # relative to detection: +HH:MM:SS
    kind: str
    text: str
    output: tuple[str, ...] = ()


@dataclass
class StepReplay:
    number: int
    title: str
    body: str
    status: str
    change: StepChange | None = None
    actions: list[Action] = field(default_factory=list)


@dataclass
class RunbookReplay:
    id: str
    title: str
    snapshot: str
    now: str  # what today's runbook is, in one line
    steps: list[StepReplay] = field(default_factory=list)
    added: list[StepChange] = field(default_factory=list)


@dataclass
class Replay:
    incident: str
    title: str
    severity: str
    status: str
    detected_at: datetime | None
    source: str
    incident_actions: list[Action] = field(default_factory=list)
    runbooks: list[RunbookReplay] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Evidence:
    """What a replay reads: the events and the snapshot files, from wherever they are."""

    incident: str
    events: list[L.Event]
    snapshots: dict[str, bytes]  # file name → bytes
    source: str


def from_project(cfg: Config, incident_id: str) -> Evidence:
    events = L.load(cfg.incidents_dir, incident_id)
    folder = cfg.incidents_dir / incident_id / "runbooks"
    snaps = {p.name: p.read_bytes() for p in sorted(folder.glob("*.md"))} \
        if folder.is_dir() else {}
    return Evidence(incident_id, events, snaps, cfg.display(cfg.incidents_dir / incident_id))


def from_bundle(path: Path, shown: str) -> Evidence:
    verdict = verify(path, shown)
    if not verdict.ok:
        raise UsageError(f"{shown}: does not verify ({verdict.issues[0]}); a replay of a "
                         f"damaged bundle could mislead — inv incident.verify {shown} lists "
                         f"every problem")
    files = unpack(path, shown)
    top = verdict.incident
    raw = files.get(f"{top}/{L.EVENTS}", b"")
    events = []
    for n, line in enumerate(raw.split(b"\n")[:-1], 1):
        if line.strip():
            try:
                events.append(from_data(jsonio.loads(line), top))
            except (ValueError, KeyError, TypeError) as exc:
                raise UsageError(f"{shown}: {top}/{L.EVENTS}:{n}: not a ledger event "
                                 f"({exc})") from None
    snaps = {PurePosixPath(n).name: data for n, data in files.items()
             if n.startswith(f"{top}/runbooks/") and n.endswith(".md")}
    return Evidence(top, events, snaps, f"bundle {shown}")


def offset(at: datetime, origin: datetime | None) -> str:
    if origin is None:
        return iso(at)
    secs = int((at - origin).total_seconds())
    sign = "-" if secs < 0 else "+"
    secs = abs(secs)
    days = f"{secs // 86400}d " if secs >= 86400 else ""
    secs %= 86400
    return f"{sign}{days}{secs // 3600:02d}:{secs % 3600 // 60:02d}:{secs % 60:02d}"


def _excerpt(output: str) -> tuple[str, ...]:
    lines = output.rstrip("\n").splitlines()
    if len(lines) <= 2 * EXCERPT:
        return tuple(lines)
    return (*lines[:EXCERPT], f"… {len(lines) - 2 * EXCERPT} lines …", *lines[-EXCERPT:])


def _action(ev: L.Event, p: E.Payload, origin: datetime | None) -> Action | None:
    """The event as it reads (its own `reads`, as in the timeline); replay groups actions
    by step, so the step is not named again."""
    if not p.STORY:
        return None
    found = p.reads(E.Where(ev.type, ev.actor, ev.runbook or ""))
    out = _excerpt(p.output or "") if isinstance(p, E.Command) else ()
    text = found.plain if len(found.plain) <= 400 else found.plain[:397] + "..."
    return Action(ev.time, offset(ev.time, origin), found.label, text, out)


def _render(text: str, values: dict[str, object]) -> str:
    """As the session renders: a value nobody gave shows as <name>."""
    vals = dict(values)
    for _ in range(20):
        try:
            return render(text, vals)
        except RenderFailure as exc:
            if not exc.name or exc.name in vals:
                return text
            vals[exc.name] = f"<{exc.name}>"
    return text


def _current(cfg: Config | None, rid: str, snap_hash: str) -> tuple[Runbook | None, str]:
    if cfg is None:
        return None, "not compared (no project)"
    try:
        rb = load_one(cfg, rid)
    except TriagebookError as exc:
        first = str(exc).splitlines()[0]
        return None, f"not compared: {first}"
    if rb.content_hash == snap_hash:
        return rb, f"unchanged since the incident ({rb.path})"
    return rb, f"changed since the incident ({rb.path})"


def severity_path(st: IncidentState) -> str:
    """Every severity in the order it held, a return included (SEV1 → SEV2 → SEV1)."""
    path: list[str] = []
    for _, sev in sorted(st.severities, key=lambda x: x[0]):
        if not path or path[-1] != sev:
            path.append(sev)
    return " → ".join(path)


def _severity_at(st: IncidentState, at: datetime) -> str:
    sev = st.severities[0][1] if st.severities else st.severity
    for when, name in st.severities:
        if when <= at:
            sev = name
    return sev


def _summary(changes: list[StepChange]) -> str:
    counts = {k: sum(c.kind == k for c in changes) for k in ("edited", "moved", "added",
                                                              "removed")}
    parts = [f"{n} {k}" for k, n in counts.items() if n]
    return f" — steps {', '.join(parts)}" if parts else " — the steps read the same"


def _one_runbook(cfg: Config | None, st: IncidentState, rid: str, name: str,
                 raw: bytes | None, actions: dict[tuple[str, int], list[Action]]) -> RunbookReplay:
    use = st.runbooks[rid]
    old = parse_bytes(raw, f"snapshot {name}", rid).runbook if raw is not None else None
    if raw is None:
        now_rb, now = None, "not compared: the snapshot is missing"
    else:
        now_rb, now = _current(cfg, rid, content_hash(raw))
    changes = diff_steps(old, now_rb) if old is not None and now_rb is not None else []
    if now_rb is not None and old is not None and now_rb.content_hash != old.content_hash:
        now += _summary(changes)
    rr = RunbookReplay(rid, use.title, f"runbooks/{name}" if raw is not None else "", now,
                       added=[c for c in changes if c.kind == "added"])
    by_old = {c.old: c for c in changes if c.old is not None}
    red = Redactor()
    base: dict[str, object] = {"incident_id": st.id, "runbook_id": rid,
                               "detected_at": iso(st.detected_at) if st.detected_at else ""}
    base.update(use.context)
    for secret in old.secret_names if old is not None else ():
        base[secret] = "${" + secret_env(secret) + "}"
    numbers = sorted({n for r, n in st.steps if r == rid}
                     | set(range(1, len(old.steps) + 1) if old is not None else ()))
    for n in numbers:
        step = old.steps[n - 1] if old is not None and n <= len(old.steps) else None
        ss = st.steps.get((rid, n))
        acts = actions.get((rid, n), [])
        first = acts[0].at if acts else None
        vals = {**base, "now": iso(first) if first else "<now>",
                "severity": _severity_at(st, first) if first else st.severity,
                "operator": st.operator}
        if step is not None:
            title, body = red.text(_render(step.title, vals)), red.text(_render(step.body, vals))
        else:
            title, body = (ss.title if ss and ss.title else f"step {n}"), "(not in the snapshot)"
        rr.steps.append(StepReplay(n, title, body, ss.status if ss else "pending",
                                   by_old.get(n), acts))
    return rr


def build(ev: Evidence, cfg: Config | None) -> Replay:
    """The replay of an incident: read only, nothing run, nothing written."""
    st = fold(ev.incident, ev.events)
    origin = st.detected_at
    rep = Replay(st.id, st.title, severity_path(st) or st.severity, st.status, origin,
                 ev.source)
    snap_of: dict[str, str] = {}
    actions: dict[tuple[str, int], list[Action]] = {}
    for e in ev.events:
        p = e.payload
        if isinstance(p, (E.RunbookAttached, E.RunbookForced)) and e.runbook and p.snapshot:
            snap_of[e.runbook] = PurePosixPath(p.snapshot.replace("\\", "/")).name
        a = _action(e, p, origin)
        if a is None:
            continue
        if e.runbook and e.step:
            actions.setdefault((e.runbook, e.step), []).append(a)
        else:
            rep.incident_actions.append(a)
    for rid in st.runbooks:
        name = snap_of.get(rid, "")
        rep.runbooks.append(_one_runbook(cfg, st, rid, name, ev.snapshots.get(name), actions))
    return rep

"""What an escalation message says about an incident: its facts, gathered from the
ledger, the runbook snapshot it was walked with, and the configuration."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from triagebook.config import Config
from triagebook.escalation.message import Facts
from triagebook.escalation.outbox import link
from triagebook.incident import events as E
from triagebook.incident.state import IncidentState
from triagebook.runbook.links import runbook_link
from triagebook.runbook.model import Runbook
from triagebook.runbook.parse import parse_bytes
from triagebook.runbook.pivots import filled


def runbook_of(cfg: Config, st: IncidentState) -> Runbook | None:
    use = st.runbooks.get(st.first_runbook)
    if use is None or not use.snapshot:
        return None
    path = cfg.root / use.snapshot
    try:
        stat = path.stat()
    except OSError:
        return None
    return _snapshot(str(path), stat.st_mtime_ns, stat.st_size, use.snapshot, use.id)


@lru_cache(maxsize=256)
def _snapshot(path: str, mtime_ns: int, size: int, shown: str, rid: str) -> Runbook | None:
    """A runbook snapshot parsed once per content (a tick asks for each incident's on
    every pass: its route, its class, its visibility)."""
    del mtime_ns, size  # part of the key: a snapshot changed in place is read again
    try:
        raw = Path(path).read_bytes()
    except OSError:
        return None
    return parse_bytes(raw, shown, rid).runbook


def customer_visible(st: IncidentState, rb: Runbook | None) -> bool:
    """Set for this incident, else the runbook's `customer_visible`."""
    if st.customer_visible is not None:
        return st.customer_visible
    return rb.customer_visible if rb is not None else False


def facts(cfg: Config, st: IncidentState, rb: Runbook | None, cls: str, diagnosis: str,
          action: str, fix: str) -> tuple[Facts, tuple[str, ...]]:
    """What the message says, and the required context it would lack."""
    use = st.runbooks.get(rb.id) if rb else None
    secret = rb.secret_names if rb else frozenset()
    given = {k: v for k, v in (use.context if use else {}).items() if k not in secret and v}
    required = [v.name for v in rb.context if v.required and not v.secret] if rb else []
    context = tuple((n, given.get(n)) for n in required)
    if given.get("resource_name") and "resource_name" not in required:
        context += (("resource_name", given["resource_name"]),)
    evidence = _evidence(st)
    try:
        response = cfg.policy.severity(st.severity).response
    except KeyError:
        response = ""
    f = Facts(
        incident=st.id, cls=cls, env=cfg.environment, severity=st.severity,
        response=response, detected=st.detected_at, timezone=cfg.policy.timezone,
        what=" ".join(x for x in (" ".join(rb.services) if rb else "",
                                  rb.id if rb else st.title) if x),
        runbook=(f"{rb.id} — " + (f"owner {rb.owner}, " if rb.owner else "")
                 + f"route {rb.route}") if rb else "",
        context=context,
        diagnosis=diagnosis or (rb.trigger if rb else st.title) or "see the ledger",
        action=action or ("stopped — RED needs a human" if cls == "RED"
                          else "investigating — please acknowledge"),
        fix=fix or (f"follow runbook {rb.id}" if rb else "see the ledger"),
        runbook_url=runbook_link(cfg.site_url, rb.id, given, secret)
        if rb and cfg.site_url else "",
        ledger=link(cfg, st.id),
        roles=tuple((name, r.person) for name, r in sorted(st.roles.items())),
        links=tuple(filled(cfg.links, {**_values(st), **given, "incident_id": st.id},
                           secret | _secret_names(st))),
        failed_command=evidence.get("failed_command", ""), output=evidence.get("output", ""))
    return f, tuple(n for n, v in context if v is None)


def _values(st: IncidentState) -> dict[str, str]:
    """Every context value the incident's runbooks were given (secrets never are)."""
    return {k: v for use in st.runbooks.values() for k, v in use.context.items() if v}


def _secret_names(st: IncidentState) -> set[str]:
    return {n for ev in st.events if isinstance(ev.payload, E.RunbookAttached)
            for n in (ev.payload.secret_context or [])}


def _evidence(st: IncidentState) -> dict[str, str]:
    """The last failing command of the incident: its failing line and outcome, and the
    last lines of its output (already redacted in the ledger; neutralised here)."""
    from triagebook.base.safetext import neutralise
    from triagebook.escalation.message import EXCERPT_LINES, EXCERPT_WIDTH

    last = None
    for ev in st.events:
        p = ev.payload
        if isinstance(p, E.Command) and p.failed:
            last = (ev, p)
    if last is None:
        return {}
    ev, cmd = last
    line = cmd.failed_command or (cmd.command or "").strip().split("\n")[0]
    where = f"step {ev.step} of {ev.runbook}: " if ev.runbook and ev.step else ""
    tail = [neutralise(x)[:EXCERPT_WIDTH] for x in (cmd.output or "").rstrip().split("\n")
            if x.strip()][-EXCERPT_LINES:]
    return {"failed_command": f"{where}{neutralise(line)[:200]} ({cmd.outcome()})",
            "output": "\n".join(tail)}

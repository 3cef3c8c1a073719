"""`inv runbook.run`: open or resume an incident, gather context, walk the runbook."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from triagebook.config import Config
from triagebook.errors import UsageError
from triagebook.incident import events as E
from triagebook.incident.ledger import Ledger, new_id
from triagebook.incident.redaction import Redactor
from triagebook.incident.state import IncidentState, RunbookUse, fold
from triagebook.incident.store.base import merge_events
from triagebook.incident.team import join
from triagebook.runbook.catalog import load_one
from triagebook.runbook.model import SEVERITIES, Runbook
from triagebook.runbook.values import check_values
from triagebook.runner.context import ask_context, operator_name, read_context_file
from triagebook.runner.session import UI, Hooks, Session
from triagebook.timeutil import Clock, iso, utc_now


@dataclass
class RunRequest:
    name: str
    incident: str = ""
    context: Mapping[str, str] | None = None
    context_file: str = ""
    severity: str = ""
    detected: datetime | None = None
    force: bool = False
    operator: str = ""
    timeout: float = 300.0


def start(cfg: Config, req: RunRequest, ui: UI, clock: Clock = utc_now,
          hooks: Hooks | None = None) -> str:
    """Open or resume the incident and walk the runbook; returns why the walk ended."""
    rb = load_one(cfg, req.name)
    if req.severity and req.severity not in SEVERITIES:
        raise UsageError(f"--severity: expected one of {', '.join(SEVERITIES)} but received "
                         f"{req.severity!r}")
    given = dict(req.context or {})
    if req.context_file:
        given = {**read_context_file(req.context_file), **given}
    secrets = {k: v for k, v in given.items() if k in rb.secret_names}
    redactor = Redactor(secrets)
    ledger = Ledger(cfg.incidents_dir, req.incident or new_id(clock()),
                    req.operator or operator_name(), redactor, clock)
    with ledger:
        team = join(cfg, ledger, rb.id, ui.say)  # others' events, the claim, the sync
        try:
            shared = team.shared
            st = fold(ledger.id, merge_events(ledger.events, shared))
            use = st.runbooks.get(rb.id)
            if use is not None and use.hash != rb.content_hash and not req.force:
                raise UsageError(
                    f"{rb.id} changed since {ledger.id} started (hash {use.hash[:12]} → "
                    f"{rb.content_hash[:12]}); the steps may no longer match what was done. "
                    f"Compare with {use.snapshot}, then rerun with --force to continue "
                    f"(recorded)")
            values = _gather(rb, {**(use.context if use else {}), **given}, ui, secrets,
                             redactor)
            plain = {k: v for k, v in values.items() if k not in rb.secret_names}
            fresh = not ledger.events and not shared  # the team may have opened it
            if fresh:
                ledger.append(E.IncidentOpened(
                    severity=req.severity or rb.severity, title=rb.title,
                    detected_at=iso(req.detected or clock()), timezone=cfg.policy.timezone))
            elif req.severity and req.severity != st.severity:
                ledger.append(E.SeverityChanged(from_=st.severity, to=req.severity))
            session = Session(rb=rb, ledger=ledger, ui=ui, values=plain, secrets=secrets,
                              redactor=redactor, clock=clock, cwd=cfg.root,
                              timeout=req.timeout, hooks=hooks or Hooks(), shared=shared)
            _attach(cfg, rb, ledger, use, plain, session.step_titles())
            st = session.state()
            _greet(ui, st, rb, ledger.id, fresh)
            session.current = st.first_unfinished(rb.id) or len(rb.steps) + 1
            return session.walk()
        finally:
            team.close()


def _gather(rb: Runbook, given: dict[str, str], ui: UI, secrets: dict[str, str],
            redactor: Redactor) -> dict[str, str]:
    """Given values checked, the missing ones asked for (terminal only), secrets noted."""
    values = check_values(rb, given, require=False)
    if ui.interactive:
        values = ask_context(rb, values, ui)
        for name in rb.secret_names:
            if name in values:
                secrets[name] = values[name]
                redactor.add(name, values[name])
    check_values(rb, values, require=True)
    return values


def _attach(cfg: Config, rb: Runbook, ledger: Ledger, use: RunbookUse | None,
            plain: dict[str, str], titles: list[str]) -> None:
    """Record the runbook joining the incident, a forced change, or changed context."""
    if use is None:
        snap = _snapshot(cfg, rb, ledger.dir)
        ledger.append(E.RunbookAttached(
            title=rb.title, hash=rb.content_hash, snapshot=cfg.display(snap), path=rb.path,
            steps=titles, context=plain, secret_context=sorted(rb.secret_names)),
            runbook=rb.id)
        return
    if use.hash != rb.content_hash:
        snap = _snapshot(cfg, rb, ledger.dir)
        ledger.append(E.RunbookForced(old_hash=use.hash, new_hash=rb.content_hash,
                                      snapshot=cfg.display(snap), steps=titles), runbook=rb.id)
    changed = {k: v for k, v in plain.items() if use.context.get(k) != v}
    if changed:
        ledger.append(E.ContextSet(values=changed), runbook=rb.id)


def _greet(ui: UI, st: IncidentState, rb: Runbook, incident_id: str, fresh: bool) -> None:
    if fresh:
        ui.say(f"opened {incident_id} ({st.severity}) with {rb.id}: {rb.title}")
        return
    done = [s for s in st.steps_of(rb.id) if s.status != "pending"]
    ui.say(f"resuming {incident_id} ({st.status}, {st.severity}): "
           f"{len(done)}/{len(rb.steps)} steps finished")
    for s in done:
        why = f" — {s.reason}" if s.reason else ""
        ui.say(f"  {s.status:7s} step {s.number}: {s.title}{why}")


def _snapshot(cfg: Config, rb: Runbook, folder: Path) -> Path:
    dest = folder / "runbooks" / f"{rb.id}-{rb.content_hash[:12]}.md"
    dest.parent.mkdir(parents=True, exist_ok=True)
    if not dest.exists():
        shutil.copyfile(cfg.root / rb.path, dest)
    return dest

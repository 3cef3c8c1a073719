"""`inv runbook.run`: open or resume an incident, gather context, walk the runbook."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from triagebook.base.errors import BadArgument, Interrupted, UsageError
from triagebook.base.redaction import Redactor, secret_env
from triagebook.base.safetext import neutralise
from triagebook.base.timeutil import Clock, iso, utc_now
from triagebook.config import Config
from triagebook.incident import events as E
from triagebook.incident.ledger import Events, IncidentBusy, Ledger, new_id
from triagebook.incident.snapshot import keep_snapshot
from triagebook.incident.state import IncidentState, RunbookUse, fold
from triagebook.incident.store.base import merge_events
from triagebook.incident.team import join
from triagebook.runbook.catalog import load_one
from triagebook.runbook.model import Runbook
from triagebook.runbook.pivots import filled
from triagebook.runbook.values import check_values, parse_severity, refuse_secrets
from triagebook.runner.actions import ACTIONS
from triagebook.runner.context import ask_context, operator_name, read_context_file
from triagebook.runner.session import UI, Hooks, Session
from triagebook.runner.signals import EXIT_CODES, Leave, Signals


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
    # `context` came from a command line (readable in `ps`): secrets in it are refused
    context_on_command_line: bool = False
    pasted: str = ""  # a pasted CLI error's summary (redacted), recorded as a note


def start(cfg: Config, req: RunRequest, ui: UI, clock: Clock = utc_now,
          hooks: Hooks | None = None, signals: Signals | None = None) -> str:
    """Open or resume the incident and walk the runbook; returns why the walk ended.

    Everything that can be refused is checked, and every value gathered, before anything
    is written: a start that fails leaves no incident folder and no lock behind.
    """
    rb = load_one(cfg, req.name)
    severity = parse_severity(req.severity) if req.severity else ""
    now = clock()
    if req.detected is not None and req.detected > now:
        raise BadArgument("detected", iso(req.detected),
                          f"is in the future (now {iso(now)}); give the time it was detected")
    given = _given(rb, req)
    secrets = {k: v for k, v in given.items() if k in rb.secret_names}
    redactor = Redactor(secrets)
    ledger = Ledger(cfg.incidents_dir, req.incident or new_id(now),
                    req.operator or operator_name(), redactor, clock)
    with signals or Signals() as sig:
        previous = _unchanged(rb, fold(ledger.id, ledger.events), ledger.id, req.force)
        earlier = dict(previous.context) if previous else {}
        values = _ask(rb, ledger.id, {**earlier, **given}, ui, secrets, redactor, sig)
        sources = _sources(rb, values, given, earlier)
        plain = {k: v for k, v in values.items() if k not in rb.secret_names}
        made = [p for p in (cfg.incidents_dir, ledger.dir) if not p.exists()]
        try:
            with ledger:
                team = join(cfg, ledger, rb.id, ui.say)  # others' events, the claim, the sync
                try:
                    shared = team.shared
                    local = ledger.events  # again, under the lock
                    st = fold(ledger.id, Events(merge_events(local, shared), local.problems,
                                                local.top))
                    use = _unchanged(rb, st, ledger.id, req.force)
                    fresh = not local and not shared  # the team may have opened it
                    _open(cfg, ledger, rb, st, fresh, severity, req.detected or now)
                    session = Session(rb=rb, ledger=ledger, ui=ui, values=plain,
                                      secrets=secrets, redactor=redactor, clock=clock,
                                      cwd=cfg.root, timeout=req.timeout,
                                      hooks=hooks or Hooks(), signals=sig, shared=shared,
                                      actions=ACTIONS)
                    _attach(cfg, rb, ledger, use, plain, session.step_titles())
                    if req.pasted:
                        ledger.append(E.Note(text=req.pasted))
                    st = session.state()
                    _welcome(cfg, ui, st, rb, ledger, fresh, values, plain, sources, redactor,
                             joined=use is None)
                    session.current = st.first_unfinished(rb.id) or len(rb.steps) + 1
                    return session.walk()
                finally:
                    team.close()
        except IncidentBusy:
            raise  # the folder is the other runner's
        except BaseException:
            if made and not ledger.events:  # refused before its first event: leave no trace
                _leave_no_trace(cfg, ledger, made)
            raise


def _ask(rb: Runbook, incident_id: str, known: dict[str, str], ui: UI,
         secrets: dict[str, str], redactor: Redactor, sig: Signals) -> dict[str, str]:
    """Every value the runbook needs, asked for what is missing; nothing is written yet,
    so Ctrl-C or SIGTERM simply stop here."""
    try:
        with sig.live():
            return _gather(rb, known, ui, secrets, redactor)
    except KeyboardInterrupt:
        raise Interrupted(f"interrupted before {incident_id} was opened; nothing recorded",
                          130) from None
    except Leave as exc:
        raise Interrupted(f"stopped by {exc.reason} before {incident_id} was opened; "
                          f"nothing recorded", EXIT_CODES.get(exc.reason, 1)) from None


def _given(rb: Runbook, req: RunRequest) -> dict[str, str]:
    """Context from the command line, a context file, and TRIAGEBOOK_SECRET_<NAME>."""
    given = dict(req.context or {})
    if req.context_on_command_line:
        refuse_secrets(rb, given)
    if req.context_file:
        given = {**read_context_file(req.context_file), **given}
    for name in rb.secret_names:  # TRIAGEBOOK_SECRET_<NAME> gives a declared secret
        if name not in given and os.environ.get(secret_env(name)):
            given[name] = os.environ[secret_env(name)]
    return given


def _open(cfg: Config, ledger: Ledger, rb: Runbook, st: IncidentState, fresh: bool,
          severity: str, detected: datetime) -> None:
    """The incident's first event, or a severity change asked for on resume."""
    if fresh:
        ledger.append(E.IncidentOpened(severity=severity or rb.severity, title=rb.title,
                                       detected_at=iso(detected),
                                       timezone=cfg.policy.timezone))
    elif severity and severity != st.severity:
        ledger.append(E.SeverityChanged(from_=st.severity, to=severity))


def _welcome(cfg: Config, ui: UI, st: IncidentState, rb: Runbook, ledger: Ledger,
             fresh: bool, values: dict[str, str], plain: dict[str, str],
             sources: dict[str, str], redactor: Redactor, joined: bool = False) -> None:
    for p in ledger.events.problems:  # bad lines are skipped; say so
        ui.say(str(replace(p, path=cfg.display(Path(p.path)))))
    _greet(ui, st, rb, ledger.id, fresh, values, sources, redactor, joined)
    for name, url in filled(cfg.links, {**plain, "incident_id": ledger.id}, rb.secret_names):
        ui.say(f"link {name}: {url}")


def _leave_no_trace(cfg: Config, ledger: Ledger, made: list[Path]) -> None:
    shutil.rmtree(ledger.dir, ignore_errors=True)
    if cfg.incidents_dir in made:
        with contextlib.suppress(OSError):
            cfg.incidents_dir.rmdir()  # only if still empty


def _unchanged(rb: Runbook, st: IncidentState, incident_id: str,
               force: bool) -> RunbookUse | None:
    """The runbook's earlier use in this incident; refused if it changed, unless forced."""
    use = st.runbooks.get(rb.id)
    if use is not None and use.hash != rb.content_hash and not force:
        raise UsageError(
            f"{rb.id} changed since {incident_id} started (hash {use.hash[:12]} → "
            f"{rb.content_hash[:12]}); the steps may no longer match what was done. "
            f"Compare with {use.snapshot}, then rerun with --force to continue (recorded)")
    return use


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


def _sources(rb: Runbook, values: dict[str, str], given: dict[str, str],
             earlier: dict[str, str]) -> dict[str, str]:
    """Where each value came from: given, from the incident, default, or entered."""
    out = {}
    for var in rb.context:
        if var.name not in values:
            continue
        if var.name in given:
            out[var.name] = "given"
        elif var.name in earlier:
            out[var.name] = "from the incident"
        elif var.default is not None and values[var.name] == var.default:
            out[var.name] = "default"
        else:
            out[var.name] = "entered"
    return out


def _attach(cfg: Config, rb: Runbook, ledger: Ledger, use: RunbookUse | None,
            plain: dict[str, str], titles: list[str]) -> None:
    """Record the runbook joining the incident, a forced change, or changed context."""
    if use is None:
        snap = keep_snapshot(cfg, rb, ledger)
        ledger.append(E.RunbookAttached(
            title=rb.title, hash=rb.content_hash, snapshot=cfg.display(snap), path=rb.path,
            steps=titles, context=plain, secret_context=sorted(rb.secret_names)),
            runbook=rb.id)
        return
    if use.hash != rb.content_hash:
        snap = keep_snapshot(cfg, rb, ledger)
        ledger.append(E.RunbookForced(old_hash=use.hash, new_hash=rb.content_hash,
                                      snapshot=cfg.display(snap), steps=titles), runbook=rb.id)
    changed = {k: v for k, v in plain.items() if use.context.get(k) != v}
    if changed:
        ledger.append(E.ContextSet(values=changed), runbook=rb.id)


def _greet(ui: UI, st: IncidentState, rb: Runbook, incident_id: str, fresh: bool,
           values: dict[str, str], sources: dict[str, str], redactor: Redactor,
           joined: bool = False) -> None:
    if fresh:
        ui.say(f"opened {incident_id} ({st.severity}) with {rb.id}: {rb.title}")
    elif joined:  # the incident exists; this runbook is new to it: nothing to resume
        ui.say(f"{rb.id} joins {incident_id} ({st.status}, {st.severity}): {rb.title}, "
               f"{len(rb.steps)} step{'s' * (len(rb.steps) != 1)}")
    else:
        done = [s for s in st.steps_of(rb.id) if s.status != "pending"]
        ui.say(f"resuming {incident_id} ({st.status}, {st.severity}): "
               f"{len(done)}/{len(rb.steps)} steps finished")
        for s in done:
            why = f" — {s.reason}" if s.reason else ""
            ui.say(f"  {s.status:7s} step {s.number}: {s.title}{why}")
    if rb.context:
        ui.say("context:")
    for var in rb.context:
        if var.name not in values:
            ui.say(f"  {var.name}: not set")
            continue
        shown = "(secret, not shown)" if var.secret else neutralise(
            redactor.text(values[var.name]))
        source = sources.get(var.name, "")
        ui.say(f"  {var.name} = {shown}" + ("" if source == "given" else f"   ({source})"))

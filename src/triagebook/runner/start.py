"""`inv runbook.run`: open or resume an incident, gather context, walk the runbook."""

from __future__ import annotations

import getpass
import os
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from triagebook.config import Config
from triagebook.errors import UsageError
from triagebook.files import read_bytes
from triagebook.incident.ledger import Ledger, iso, new_id, utc_now
from triagebook.incident.redaction import Redactor, secret_env
from triagebook.incident.state import fold
from triagebook.runbook import frontmatter as yamlsrc
from triagebook.runbook.catalog import load_one
from triagebook.runbook.model import SEVERITIES, Runbook
from triagebook.runbook.schema import NAME_RE
from triagebook.runbook.values import check_values, fits, refuse_secrets
from triagebook.runner.session import UI, RedactedUI, Session


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


def operator_name() -> str:
    return os.environ.get("TRIAGEBOOK_OPERATOR") or getpass.getuser()


def read_context_file(path: str) -> dict[str, str]:
    """NAME: VALUE pairs from a YAML file.  Errors give a position, never the content:
    the file may hold credentials (or be the wrong file, such as /etc/shadow)."""
    try:
        text = read_bytes(path).decode("utf-8")
    except OSError as exc:
        raise UsageError(f"--context-file {path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise UsageError(f"--context-file {path}: not UTF-8 text (byte {exc.start})") from None
    try:
        doc = yamlsrc.load(text)
    except yamlsrc.YamlSyntaxError as exc:
        where = f":{exc.line}" if exc.line else ""
        why = "not valid YAML" if exc.code == "yaml-syntax" else exc.message
        raise UsageError(f"--context-file {path}{where}: {why}; expected NAME: VALUE "
                         f"lines") from None
    data = doc.data
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise UsageError(f"--context-file {path}: expected a mapping of NAME: VALUE but "
                         f"received {type(data).__name__}")
    for key in data:
        if not isinstance(key, str) or not NAME_RE.match(key):
            line = doc.line(key, default=1)
            raise UsageError(f"--context-file {path}:{line}: expected NAME: VALUE lines, a "
                             f"NAME of letters, digits and _")
    return {k: "" if v is None else str(v) for k, v in data.items()}


def ask_context(rb: Runbook, have: dict[str, str], ui: UI) -> dict[str, str]:
    """Ask for each declared value not given (terminal only); pattern enforced."""
    out = dict(have)
    for var in rb.context:
        if var.name in out:
            continue
        ex = f" (e.g. {var.example})" if var.example and not var.secret else ""
        need = "required" if var.required else "optional, Enter to skip"
        ui.say(f"{var.name}: {var.description or ''}{ex} [{need}]")
        while True:
            if var.secret:
                value = ui.secret(f"{var.name} (hidden): ")
            else:
                default = f" [{var.default}]" if var.default else ""
                value = ui.ask(f"{var.name}{default}: ")
            if value is None:
                raise UsageError(f"{rb.id}: input ended while asking for '{var.name}'")
            value = value.strip()
            if not value:
                if var.default is not None:
                    value = var.default
                elif var.required:
                    ui.say(f"{var.name} is required")
                    continue
                else:
                    break
            if var.pattern and not fits(rb, var.name, var.pattern, value):
                ui.say(f"{var.name}: expected a value matching {var.pattern!r}; try again")
                continue
            out[var.name] = value
            break
    return out


def start(cfg: Config, req: RunRequest, ui: UI, clock: Callable[[], datetime] = utc_now,
          on_resolved: Callable[..., str | None] | None = None) -> str:
    rb = load_one(cfg, req.name)
    if req.severity and req.severity not in SEVERITIES:
        raise UsageError(f"--severity: expected one of {', '.join(SEVERITIES)} but received "
                         f"{req.severity!r}")
    given = dict(req.context or {})
    if req.context_on_command_line:
        refuse_secrets(rb, given)
    if req.context_file:
        given = {**read_context_file(req.context_file), **given}
    for name in rb.secret_names:  # TRIAGEBOOK_SECRET_<NAME> gives a declared secret
        if name not in given and os.environ.get(secret_env(name)):
            given[name] = os.environ[secret_env(name)]
    operator = req.operator or operator_name()
    incident_id = req.incident or new_id(clock())
    secrets = {k: v for k, v in given.items() if k in rb.secret_names}
    redactor = Redactor(secrets)  # also knows every TRIAGEBOOK_SECRET_* set
    ui = RedactedUI(ui, redactor)
    ledger = Ledger(cfg.incidents_dir, incident_id, operator, redactor, clock)
    with ledger:
        st = fold(ledger.id, ledger.events)
        fresh = not ledger.events
        use = st.runbooks.get(rb.id)
        if use is not None and use.hash != rb.content_hash and not req.force:
            raise UsageError(
                f"{rb.id} changed since {ledger.id} started (hash {use.hash[:12]} → "
                f"{rb.content_hash[:12]}); the steps may no longer match what was done. "
                f"Compare with {use.snapshot}, then rerun with --force to continue (recorded)")
        stored = dict(use.context) if use else {}
        values = check_values(rb, {**stored, **given}, require=False)
        if ui.interactive:
            values = ask_context(rb, values, ui)
            for name in rb.secret_names:
                if name in values:
                    secrets[name] = values[name]
                    redactor.add(name, values[name])
        check_values(rb, values, require=True)
        plain = {k: v for k, v in values.items() if k not in rb.secret_names}
        if fresh:
            detected = req.detected or clock()
            ledger.append("incident.opened", {
                "severity": req.severity or rb.severity, "title": rb.title,
                "detected_at": iso(detected), "timezone": cfg.policy.timezone})
        elif req.severity and req.severity != st.severity:
            ledger.append("severity.changed", {"from": st.severity, "to": req.severity})
        session = Session(rb=rb, ledger=ledger, ui=ui, values=plain, secrets=secrets,
                          redactor=redactor, clock=clock, cwd=cfg.root, timeout=req.timeout,
                          on_resolved=on_resolved, config=cfg)
        titles = session.step_titles()
        if use is None:
            snap = _snapshot(cfg, rb, ledger.dir)
            ledger.append("runbook.attached", {
                "title": rb.title, "hash": rb.content_hash, "snapshot": cfg.display(snap),
                "path": rb.path, "steps": titles, "context": plain,
                "secret_context": sorted(rb.secret_names)}, runbook=rb.id)
        else:
            if use.hash != rb.content_hash:
                snap = _snapshot(cfg, rb, ledger.dir)
                ledger.append("runbook.forced", {
                    "old_hash": use.hash, "new_hash": rb.content_hash,
                    "snapshot": cfg.display(snap), "steps": titles},
                    runbook=rb.id)
            changed = {k: v for k, v in plain.items() if use.context.get(k) != v}
            if changed:
                ledger.append("context.set", {"values": changed}, runbook=rb.id)
        st = fold(ledger.id, ledger.events)
        first = st.first_unfinished(rb.id) or len(rb.steps) + 1
        if not fresh:
            done = [s for s in st.steps_of(rb.id) if s.status != "pending"]
            ui.say(f"resuming {ledger.id} ({st.status}, {st.severity}): "
                   f"{len(done)}/{len(rb.steps)} steps finished")
            for s in done:
                why = f" — {s.reason}" if s.reason else ""
                ui.say(f"  {s.status:7s} step {s.number}: {s.title}{why}")
        else:
            ui.say(f"opened {ledger.id} ({st.severity}) with {rb.id}: {rb.title}")
        session.current = first
        return session.walk()


def _snapshot(cfg: Config, rb: Runbook, folder: Path) -> Path:
    dest = folder / "runbooks" / f"{rb.id}-{rb.content_hash[:12]}.md"
    dest.parent.mkdir(parents=True, exist_ok=True)
    if not dest.exists():
        shutil.copyfile(cfg.root / rb.path, dest)
    return dest


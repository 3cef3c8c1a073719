"""The step walker: one step at a time, every action recorded before the prompt returns.

Input, output, the clock and signals are injected (a `UI`, a `Clock`, `Signals`), and so
is what happens around the walk (`Hooks`: the post-mortem draft on resolve, escalation),
so the same loop serves a terminal, a pipe and tests.  Secrets never reach the screen or
the ledger: in templates a secret is the environment reference
`${TRIAGEBOOK_SECRET_NAME}`, which is also what a command runs with — the value travels
only in its environment.

Ctrl-C at a prompt cancels that prompt; twice in a row at the step prompt leaves.
Leaving — quit, end of input, that second Ctrl-C, SIGTERM, SIGHUP — always records
`session.ended` with its reason and prints the command that resumes.
"""

from __future__ import annotations

import errno
import signal
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple, Protocol

from triagebook.base.redaction import Redactor, secret_env
from triagebook.base.timeutil import Clock, iso
from triagebook.incident.events import Payload, SessionEnded, SessionStarted
from triagebook.incident.ledger import Event, Ledger
from triagebook.incident.state import IncidentState, fold
from triagebook.incident.store.base import merge_events
from triagebook.runbook.model import Runbook, Step
from triagebook.runbook.templates import RenderFailure, render
from triagebook.runner.header import Header
from triagebook.runner.signals import Leave, Signals
from triagebook.runner.step_view import all_finished, farewell, show_step


class UI(Protocol):
    """What the walk needs from a front end (tasks/ui.py: plain for pipes, rich for a tty).

    `ask` and `secret` return None at end of input and let KeyboardInterrupt (Ctrl-C)
    through, after ending the prompt's line.  Text is data, never markup.
    """

    interactive: bool

    def ask(self, prompt: str) -> str | None: ...
    def say(self, text: str) -> None: ...
    def step(self, header: Header, body: str) -> None: ...
    def output(self, line: str) -> None: ...
    def command(self, text: str) -> None: ...  # to copy: whole lines, never broken or cut
    def secret(self, prompt: str) -> str | None: ...


class Rendered(NamedTuple):
    text: str
    missing: list[str]  # optional values without a value, shown as <name>
    error: str  # why the template could not be rendered at all ("" when it was)


@dataclass(frozen=True, slots=True)
class Hooks:
    """What the walk triggers outside itself; `runner.lifecycle.hooks_for` wires them."""

    # resolved → the post-mortem draft's path, when policy wants one
    on_resolved: Callable[[IncidentState], str | None] | None = None
    # (incident id, class or None, diagnosis, secrets) → lines to show
    escalate: Callable[[str, str | None, str, dict[str, str]], list[str]] | None = None
    # (incident id, secrets) → lines to show, after the severity was raised
    raised: Callable[[str, dict[str, str]], list[str]] | None = None


@dataclass
class Session:
    rb: Runbook
    ledger: Ledger
    ui: UI
    values: dict[str, str]
    secrets: dict[str, str]
    redactor: Redactor
    clock: Clock
    cwd: Path
    timeout: float = 300.0
    hooks: Hooks = field(default_factory=Hooks)
    signals: Signals = field(default_factory=lambda: Signals(install=False))
    current: int = 1
    shared: list[Event] = field(default_factory=list)  # the team's events, read at start
    # action word → handler; runner.actions.ACTIONS, given by runner.start (the actions
    # know the session; the session does not import them)
    actions: Mapping[str, Callable[[Session, str], None]] = field(default_factory=dict)

    def state(self) -> IncidentState:
        if self.shared:
            return fold(self.ledger.id, merge_events(self.ledger.events, self.shared))
        return fold(self.ledger.id, self.ledger.events)

    def record(self, payload: Payload, step: int | None = None) -> None:
        self.ledger.append(payload, runbook=self.rb.id, step=step)

    # ---- rendering -------------------------------------------------------------------
    def template_values(self, st: IncidentState | None = None) -> dict[str, object]:
        st = st or self.state()
        vals: dict[str, object] = {
            "incident_id": self.ledger.id,
            "severity": st.severity,
            "detected_at": iso(st.detected_at) if st.detected_at else "",
            "now": iso(self.clock()),
            "operator": self.ledger.actor,
            "runbook_id": self.rb.id,
        }
        vals.update(self.values)
        for name in self.rb.secret_names:
            vals[name] = "${" + secret_env(name) + "}"
        return vals

    def render(self, text: str, st: IncidentState | None = None) -> Rendered:
        """Render with the incident's values; missing optional values shown as <name>;
        a template that cannot be rendered at all (over budget, …) comes back as written,
        with the reason in `error`."""
        vals = self.template_values(st)
        missing: list[str] = []
        for _ in range(20):
            try:
                return Rendered(render(text, vals), missing, "")
            except RenderFailure as exc:
                if not exc.name or exc.name in vals:
                    return Rendered(text, [], exc.message)
                missing.append(exc.name)
                vals[exc.name] = f"<{exc.name}>"
        return Rendered(text, missing, "")

    def step_titles(self) -> list[str]:
        """Step titles with the incident's values filled, as the ledger records them."""
        st = self.state()
        return [self.redactor.text(self.render(s.title, st)[0]) for s in self.rb.steps]

    def show(self, step: Step) -> None:
        show_step(self, step)

    # ---- the loop --------------------------------------------------------------------
    def ask(self, prompt: str) -> str | None:
        """A prompt where Ctrl-C (KeyboardInterrupt) and SIGTERM/SIGHUP (Leave) act."""
        with self.signals.live():
            return self.ui.ask(prompt)

    def walk(self) -> str:
        """Walk until the responder leaves; returns why (as session.ended records it)."""
        self.record(SessionStarted(resume_at=self.current))
        reason = "crashed"  # replaced on every way out but a bug, which is re-raised
        try:
            self.show_current()
            cancelled = False  # the last prompt was cancelled with Ctrl-C
            while True:
                try:
                    line = self.ask("tb> ")
                except KeyboardInterrupt:
                    if cancelled:
                        reason = "Ctrl-C"
                        break
                    cancelled = True
                    self.ui.say("(cancelled; Ctrl-C again to leave, or type quit)")
                    continue
                cancelled = False
                if line is None:
                    reason = "end of input"
                    break
                word, _, rest = line.strip().partition(" ")
                word = word.lower()
                if not word:
                    continue
                if word in ("quit", "q", "exit"):
                    reason = "quit"
                    break
                handler = self.actions.get(word)
                if handler is None:
                    self.ui.say(f"unknown action '{word}'; type help for the list")
                    continue
                try:
                    handler(self, rest.strip())
                except KeyboardInterrupt:  # Ctrl-C at an action's own prompt
                    self.ui.say("(cancelled)")
        except Leave as exc:
            reason = exc.reason
        except OSError as exc:
            if exc.errno not in (errno.EIO, errno.EPIPE, errno.EBADF):
                raise
            # the terminal went away under a prompt or a message (SIGHUP is on its way)
            reason = "SIGHUP" if self.signals.pending == signal.SIGHUP else "terminal closed"
        finally:
            self.record(SessionEnded(reason=reason))
            self.farewell(reason)
        return reason

    def farewell(self, reason: str) -> None:
        farewell(self, reason)

    def current_step(self) -> Step | None:
        if 1 <= self.current <= len(self.rb.steps):
            return self.rb.steps[self.current - 1]
        return None

    def show_current(self) -> None:
        step = self.current_step()
        if step is None:
            all_finished(self)
            return
        self.show(step)

    def advance(self) -> None:
        """On to the next step not yet done or skipped (past the last: all finished)."""
        st = self.state()
        self.current = next((n for n in range(self.current + 1, len(self.rb.steps) + 1)
                             if getattr(st.steps.get((self.rb.id, n)), "status",
                                        "pending") == "pending"), len(self.rb.steps) + 1)
        self.show_current()

    def need_step(self) -> Step | None:
        step = self.current_step()
        if step is None:
            self.ui.say("no current step (all finished); use 'back' to revisit one")
        return step

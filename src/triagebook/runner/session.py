"""The step walker: one step at a time, every action recorded before the prompt returns.

Input, output and the clock are injected, so the same loop serves a terminal, a pipe
and tests.  Secrets never reach the screen or the ledger: in templates a secret is the
environment reference `${TRIAGEBOOK_SECRET_NAME}`, which is also what a command runs
with — the value itself travels only in the command's environment.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import NamedTuple, Protocol

from triagebook.config import Config
from triagebook.incident.ledger import Ledger, iso
from triagebook.incident.redaction import Redactor, secret_env
from triagebook.incident.state import IncidentState, fold
from triagebook.runbook.model import SEVERITIES, Runbook, Step
from triagebook.runbook.templates import RenderFailure, render
from triagebook.runner.shell import run_shell

HELP = """actions (first word, any case):
  done | d               step completed
  skip [reason] | s      step skipped, reason recorded
  note TEXT | n TEXT     note on this step
  run [N] | r [N]        run the step's Nth shell block (default 1) after a y confirmation
  back | b               previous step
  next                   next step without recording anything
  ack | mitigated | resolved   record that milestone now
  severity SEVn          change the severity
  escalate [CLASS] [diagnosis]   page a human (RED/YELLOW/GREEN; routing per policy)
  quit | q               leave; the incident stays open and resumable
  help | ?               this list"""


class UI(Protocol):
    interactive: bool

    def ask(self, prompt: str) -> str | None: ...
    def say(self, text: str) -> None: ...
    def step(self, header: str, body: str) -> None: ...
    def output(self, line: str) -> None: ...
    def secret(self, prompt: str) -> str | None: ...


class RedactedUI:
    """What the responder sees passes the same redaction as the ledger.

    Covers every line a session shows (headers, bodies, echoes of what was typed);
    command output arrives already redacted, as a stream (see `run_shell`).
    """

    def __init__(self, ui: UI, redactor: Redactor) -> None:
        self.ui = ui
        self.redactor = redactor
        self.interactive = ui.interactive

    def ask(self, prompt: str) -> str | None:
        return self.ui.ask(self.redactor.text(prompt))

    def say(self, text: str) -> None:
        self.ui.say(self.redactor.text(text))

    def step(self, header: str, body: str) -> None:
        self.ui.step(self.redactor.text(header), self.redactor.text(body))

    def output(self, line: str) -> None:
        self.ui.output(line)

    def secret(self, prompt: str) -> str | None:
        return self.ui.secret(prompt)


class Rendered(NamedTuple):
    text: str
    missing: list[str]  # optional values without a value, shown as <name>
    error: str  # why the template could not be rendered at all ("" when it was)


@dataclass
class Session:
    rb: Runbook
    ledger: Ledger
    ui: UI
    values: dict[str, str]
    secrets: dict[str, str]
    redactor: Redactor
    clock: Callable[[], datetime]
    cwd: Path
    timeout: float = 300.0
    on_resolved: Callable[[IncidentState], str | None] | None = None
    current: int = 1
    config: Config | None = None

    def state(self) -> IncidentState:
        return fold(self.ledger.id, self.ledger.events)

    def record(self, type_: str, data: Mapping[str, object] | None = None,
               step: int | None = None) -> None:
        self.ledger.append(type_, dict(data or {}), runbook=self.rb.id, step=step)

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
        """Render with the incident's values; missing optional values shown as <name>.

        A template that fails for another reason (its budget, a type error) comes back
        as written, with the reason in ``error``.
        """
        vals = self.template_values(st)
        missing: list[str] = []
        for _ in range(20):
            try:
                return Rendered(render(text, vals), missing, "")
            except RenderFailure as exc:
                if not exc.name or exc.name in vals:
                    return Rendered(text, missing, exc.message)
                missing.append(exc.name)
                vals[exc.name] = f"<{exc.name}>"
        return Rendered(text, missing, "")

    def step_titles(self) -> list[str]:
        """Step titles with the incident's values filled, as the ledger records them."""
        st = self.state()
        return [self.redactor.text(self.render(s.title, st).text) for s in self.rb.steps]

    def show(self, step: Step) -> None:
        st = self.state()
        total = len(self.rb.steps)
        elapsed = ""
        if st.detected_at:
            secs = int((self.clock() - st.detected_at).total_seconds())
            sign = "-" if secs < 0 else "+"
            secs = abs(secs)
            elapsed = f" · {sign}{secs // 3600:02d}:{secs % 3600 // 60:02d}:{secs % 60:02d} " \
                      f"since detection"
        status = st.steps.get((self.rb.id, step.number))
        mark = f" [{status.status}]" if status and status.status != "pending" else ""
        header = (f"step {step.number}/{total}{mark} · {step.title} · {self.rb.id} · "
                  f"{self.ledger.id} · {st.severity}{elapsed}")
        title = self.render(step.title, st).text
        body, missing, error = self.render(step.body, st)
        header = header.replace(step.title, title)
        self.ui.step(self.redactor.text(header), self.redactor.text(body))
        for name in missing:
            self.ui.say(f"note: no value for '{name}' (optional); shown as <{name}>. Pass "
                        f"--context {name}=VALUE next time.")
        if error:
            self.ui.say(f"note: this step is shown as written, its placeholders unfilled: "
                        f"{error} ({self.rb.path}:{step.line})")
        blocks = step.shell_blocks
        if blocks:
            self.ui.say(f"({len(blocks)} runnable block{'s' * (len(blocks) != 1)}: "
                        f"'run' or 'run N')")

    # ---- the loop --------------------------------------------------------------------
    def walk(self) -> str:
        self.record("session.started", {"resume_at": self.current})
        reason = "quit"
        self._show_current()
        while True:
            line = self.ui.ask("tb> ")
            if line is None:
                reason = "end of input"
                break
            line = line.strip()
            if not line:
                continue
            word, _, rest = line.partition(" ")
            word = word.lower()
            rest = rest.strip()
            if word in ("quit", "q", "exit"):
                break
            handler = ACTIONS.get(word)
            if handler is None:
                self.ui.say(f"unknown action '{word}'; type help for the list")
                continue
            handler(self, rest)
        self.record("session.ended", {"reason": reason})
        self.ui.say(f"left {self.ledger.id} ({self.state().status}); resume with: "
                    f"inv runbook.run {self.rb.id} --incident {self.ledger.id}")
        return reason

    def _step(self) -> Step | None:
        if 1 <= self.current <= len(self.rb.steps):
            return self.rb.steps[self.current - 1]
        return None

    def _show_current(self) -> None:
        step = self._step()
        if step is None:
            st = self.state()
            self.ui.say(f"all {len(self.rb.steps)} steps of {self.rb.id} are finished. "
                        f"Status: {st.status}. Record 'mitigated' / 'resolved', or 'quit'.")
            return
        self.show(step)

    def _advance(self) -> None:
        st = self.state()
        for n in range(self.current + 1, len(self.rb.steps) + 1):
            s = st.steps.get((self.rb.id, n))
            if s is None or s.status == "pending":
                self.current = n
                break
        else:
            self.current = len(self.rb.steps) + 1
        self._show_current()

    def need_step(self) -> Step | None:
        step = self._step()
        if step is None:
            self.ui.say("no current step (all finished); use 'back' to revisit one")
        return step

    def do_done(self, rest: str) -> None:
        step = self.need_step()
        if step:
            self.record("step.done", {"title": step.title}, step.number)
            self._advance()

    def do_skip(self, rest: str) -> None:
        step = self.need_step()
        if step:
            self.record("step.skipped", {"title": step.title, "reason": rest}, step.number)
            self._advance()

    def do_note(self, rest: str) -> None:
        if not rest:
            self.ui.say("note needs text: note TEXT")
            return
        step = self._step()
        self.record("note", {"text": rest}, step.number if step else None)
        self.ui.say("noted")

    def do_back(self, rest: str) -> None:
        if self.current <= 1:
            self.ui.say("already at the first step")
            return
        self.current -= 1
        self._show_current()

    def do_next(self, rest: str) -> None:
        if self.current <= len(self.rb.steps):
            self.current += 1
        self._show_current()

    def do_milestone(self, name: str) -> None:
        st = self.state()
        if name in st.milestones:
            when, _ = st.milestones[name]
            self.ui.say(f"already {name} at {iso(when)}")
            return
        self.record("milestone", {"name": name, "via": "runner"})
        self.ui.say(f"{name} at {iso(self.clock())}")
        if name == "resolved" and self.on_resolved is not None:
            path = self.on_resolved(self.state())
            if path:
                self.ui.say(f"post-mortem draft: {path}")

    def do_severity(self, rest: str) -> None:
        new = rest.upper()
        if new not in SEVERITIES:
            self.ui.say(f"severity: expected one of {', '.join(SEVERITIES)} but received "
                        f"{rest!r}")
            return
        old = self.state().severity
        if new == old:
            self.ui.say(f"severity is already {new}")
            return
        self.record("severity.changed", {"from": old, "to": new})
        self.ui.say(f"severity {old} → {new}")

    def do_run(self, rest: str) -> None:
        step = self.need_step()
        if step is None:
            return
        blocks = step.shell_blocks
        if not blocks:
            norun = [c for c in step.code if c.lang in ("sh", "bash", "shell")]
            why = " (its shell blocks are marked norun)" if norun else ""
            self.ui.say(f"step {step.number} has no runnable shell block{why}")
            return
        try:
            n = int(rest) if rest else 1
        except ValueError:
            self.ui.say(f"run: expected a block number 1-{len(blocks)} but received {rest!r}")
            return
        if not 1 <= n <= len(blocks):
            self.ui.say(f"run: expected a block number 1-{len(blocks)} but received {n}")
            return
        block = blocks[n - 1]
        command, missing, error = self.render(block.source)
        if missing or error:
            why = error or f"no value for {', '.join(missing)}; pass --context"
            self.ui.say(f"cannot run: {why}")
            return
        shown = self.redactor.text(command)
        self.ui.say(f"about to run ({block.lang}, timeout {self.timeout:.0f} s):\n{shown}")
        answer = self.ui.ask("run it? [y/N] ")
        if (answer or "").strip().lower() not in ("y", "yes"):
            self.ui.say("not run")
            return
        env = {secret_env(k): v for k, v in self.secrets.items()}
        res = run_shell(command, block.lang, env, str(self.cwd), self.timeout, self.redactor,
                        self.ui.output)
        what = "timed out" if res.timed_out else f"exit {res.exit_code}"
        self.record("command", {"block": n, "lang": block.lang, "command": shown,
                                "exit_code": res.exit_code, "duration_s": res.duration_s,
                                "timed_out": res.timed_out, "output": res.output,
                                "truncated": res.truncated}, step.number)
        self.ui.say(f"{what} after {res.duration_s:.1f} s (recorded)")

    def do_escalate(self, rest: str) -> None:
        from triagebook.escalation.service import escalate

        word, _, text = rest.partition(" ")
        cls = word.upper() if word.upper() in ("RED", "YELLOW", "GREEN") else None
        diagnosis = text if cls else rest
        cfg = self.config
        if cfg is None:
            self.ui.say("escalate: not available here")
            return
        out = escalate(cfg, self.ledger.id, cls, diagnosis, actor=self.ledger.actor,
                       clock=self.clock, secrets=self.secrets)
        d = out.decision
        self.ui.say(out.message.text() + f"\nrouting: {d.action} — {d.reason}")
        for f in out.failures:
            self.ui.say(f"delivery failed (recorded; inv escalation.tick retries): {f}")

    def do_help(self, rest: str) -> None:
        self.ui.say(HELP)


ACTIONS: dict[str, Callable[[Session, str], None]] = {
    "done": Session.do_done, "d": Session.do_done,
    "skip": Session.do_skip, "s": Session.do_skip,
    "note": Session.do_note, "n": Session.do_note,
    "run": Session.do_run, "r": Session.do_run,
    "back": Session.do_back, "b": Session.do_back,
    "next": Session.do_next,
    "ack": lambda s, r: s.do_milestone("acknowledged"),
    "mitigated": lambda s, r: s.do_milestone("mitigated"),
    "resolved": lambda s, r: s.do_milestone("resolved"),
    "severity": Session.do_severity,
    "escalate": Session.do_escalate,
    "help": Session.do_help, "?": Session.do_help,
}

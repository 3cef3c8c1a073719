"""What the runner shows of a step, and how it says goodbye (for runner/session.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from triagebook.base.safetext import neutralise
from triagebook.runbook.model import Step
from triagebook.runner.header import Header

if TYPE_CHECKING:
    from triagebook.runner.session import Session


def show_step(self: Session, step: Step) -> None:
    """One step on the screen: its header, its body with the incident's values filled,
    and what could not be filled."""
    st = self.state()
    elapsed = ""
    if st.detected_at:
        secs = int((self.clock() - st.detected_at).total_seconds())
        sign = "-" if secs < 0 else "+"
        secs = abs(secs)
        elapsed = f"{sign}{secs // 3600:02d}:{secs % 3600 // 60:02d}:{secs % 60:02d}"
    status = st.steps.get((self.rb.id, step.number))
    title = self.render(step.title, st).text
    body, missing, error = self.render(step.body, st)
    header = Header(step.number, len(self.rb.steps),
                    status.status if status and status.status != "pending" else "",
                    neutralise(self.redactor.text(title)), self.rb.id, self.ledger.id,
                    st.severity, elapsed)
    self.ui.step(header, neutralise(self.redactor.text(body), newlines=True))
    if error:
        self.ui.say(f"note: this step is shown as written, its placeholders unfilled: "
                    f"{error} ({self.rb.path}:{step.line})")
    for name in missing:
        self.ui.say(f"note: no value for '{name}' (optional); shown as <{name}>. Pass "
                    f"--context {name}=VALUE next time.")
    blocks = step.shell_blocks
    if blocks:
        self.ui.say(f"({len(blocks)} runnable block{'s' * (len(blocks) != 1)}: "
                    f"'run' or 'run N')")


def farewell(self: Session, reason: str) -> None:
    """Say how to come back; the terminal may be gone already (SIGHUP)."""
    why = "" if reason == "quit" else f" ({reason})"
    try:
        self.ui.say(f"left {self.ledger.id}{why}, status {self.state().status}; "
                    f"resume with:")
        self.ui.command(f"inv runbook.run {self.rb.id} --incident {self.ledger.id}")
    except OSError:
        pass


def all_finished(self: Session) -> None:
    """Every step is done or skipped: offer only the milestones not yet recorded."""
    st = self.state()
    left = [f"'{m}'" for m in ("mitigated", "resolved") if m not in st.milestones]
    offer = f"Record {' / '.join(left)}, or 'quit'." if left else "Type 'quit'."
    n = len(self.rb.steps)
    self.ui.say(f"{'all ' if n != 1 else ''}{n} step{'s' * (n != 1)} of {self.rb.id} "
                f"{'are' if n != 1 else 'is'} finished. "
                f"Status: {st.status}. {offer}")

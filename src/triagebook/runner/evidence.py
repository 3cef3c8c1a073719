"""Capture before destroy: a `destructive` block runs only once its step holds evidence.

A restart, rollback, purge or replay wipes the state that explains the incident (the
crashing pod, the bad revision, the dead letters).  So the runner refuses such a block
until the step has a note or the output of a command in the ledger — or the responder
types `force`, which is recorded on the command event.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from triagebook.incident.state import IncidentState

if TYPE_CHECKING:  # the session imports nothing from here; only the action does
    from triagebook.runbook.model import CodeBlock, Step
    from triagebook.runner.session import Session

FORCE_WORD = "force"


def evidence_missing(state: IncidentState, runbook_id: str, step: int) -> str | None:
    """Why the step cannot run a destructive block yet, or None when it has evidence.

    Evidence is a non-empty note on the step, or a command on the step that recorded
    output and was not itself forced through this gate.
    """
    st = state.steps.get((runbook_id, step))
    if st is not None:
        if any(text.strip() for _, text in st.notes):
            return None
        if any(str(c.output or "").strip() and not c.forced for c in st.commands):
            return None
    return (f"step {step} has no evidence recorded yet: this block is marked destructive "
            f"(it can wipe what explains the incident). Capture first: 'note TEXT' with "
            f"what you see, or run a read-only block of this step so its output is "
            f"recorded")


def gate(s: Session, step: Step, block: CodeBlock) -> bool | None:
    """Ask for evidence before a destructive block: None = refused, True = forced.

    False means there is nothing to ask (not destructive, or the evidence is there).
    """
    if not block.destructive:
        return False
    why = evidence_missing(s.state(), s.rb.id, step.number)
    if why is None:
        return False
    s.ui.say(f"refused: {why}.")
    answer = s.ask(f"type {FORCE_WORD} to run it without evidence (recorded), "
                      f"anything else to stop: ")
    if (answer or "").strip().lower() != FORCE_WORD:
        s.ui.say("not run; record evidence, then 'run' again")
        return None
    return True

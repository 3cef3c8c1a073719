"""Events of the incident itself, its runbooks, sessions, steps and commands."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from triagebook.incident.events.core import Payload, Reading, Where, _key, _time

# ---- the incident ---------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class IncidentOpened(Payload):
    """The incident exists: first severity, title, when it was detected."""

    LISTING: ClassVar[bool] = True
    TYPE: ClassVar[str] = "incident.opened"
    severity: str = ""
    title: str = ""
    detected_at: str = _time()
    timezone: str = ""
    meta_for: str | None = None  # set on an escalation-cap meta-incident

    def reads(self, at: Where) -> Reading:
        meta = f" — meta-incident for {self.meta_for}" if self.meta_for else ""
        return Reading("incident opened", f"by {at.actor}, severity {self.severity}{meta}")


@dataclass(frozen=True, slots=True)
class SeverityChanged(Payload):
    """Severity changed (from → to)."""

    LISTING: ClassVar[bool] = True
    TYPE: ClassVar[str] = "severity.changed"
    from_: str = _key("from", "")
    to: str = ""
    at: str | None = _time(None)

    def reads(self, at: Where) -> Reading:
        return Reading("severity changed", f"{self.from_} → {self.to}")


@dataclass(frozen=True, slots=True)
class Milestone(Payload):
    """acknowledged, mitigated or resolved, and through what."""

    LISTING: ClassVar[bool] = True
    TYPE: ClassVar[str] = "milestone"
    name: str = ""
    via: str = "runner"
    text: str = ""
    at: str | None = _time(None)

    def reads(self, at: Where) -> Reading:
        text = f": {self.text}" if self.text else ""
        return Reading(self.name or "milestone", f"via {self.via or 'runner'}{text}")


@dataclass(frozen=True, slots=True)
class Note(Payload):
    """Free text from a responder, on a step or on the incident."""

    TYPE: ClassVar[str] = "note"
    text: str = ""
    at: str | None = _time(None)

    def reads(self, at: Where) -> Reading:
        return Reading("note", self.text or "")


# ---- runbooks and sessions ------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class RunbookAttached(Payload):
    """A runbook joined the incident; its snapshot, step titles and context."""

    LISTING: ClassVar[bool] = True
    TYPE: ClassVar[str] = "runbook.attached"
    title: str = ""
    hash: str = ""
    snapshot: str = ""
    path: str = ""
    steps: list[str] = field(default_factory=list)
    context: dict[str, str] = field(default_factory=dict)
    secret_context: list[str] = field(default_factory=list)

    def reads(self, at: Where) -> Reading:
        return Reading("runbook started", f"{at.runbook}: {self.title or ''}")


@dataclass(frozen=True, slots=True)
class RunbookForced(Payload):
    """Resumed with --force although the runbook changed since the incident started."""

    TYPE: ClassVar[str] = "runbook.forced"
    old_hash: str = ""
    new_hash: str = ""
    snapshot: str = ""
    steps: list[str] = field(default_factory=list)

    def reads(self, at: Where) -> Reading:
        return Reading("runbook changed",
                       f"{at.runbook} resumed with --force on a changed runbook")


@dataclass(frozen=True, slots=True)
class ContextSet(Payload):
    """Context values given or changed on resume (never secrets)."""

    TYPE: ClassVar[str] = "context.set"
    values: dict[str, str] = field(default_factory=dict)

    def reads(self, at: Where) -> Reading:
        values = ", ".join(f"{k}={v}" for k, v in sorted((self.values or {}).items()))
        return Reading("context set", values)


@dataclass(frozen=True, slots=True)
class LedgerMerged(Payload):
    """Another responder's ledger or bundle merged in (`incident.merge`): what came in,
    from which file, by its sha256."""

    TYPE: ClassVar[str] = "ledger.merged"
    source: str = ""
    sha256: str = ""
    events: int = 0
    added: int = 0

    def reads(self, at: Where) -> Reading:
        return Reading("ledger merged", f"{self.added} of {self.events} events from "
                                        f"{self.source} (sha256 {self.sha256[:12]}…)")


@dataclass(frozen=True, slots=True)
class VisibilitySet(Payload):
    """customer_visible overridden for this incident (the runbook's value no longer applies)."""

    TYPE: ClassVar[str] = "visibility.set"
    customer_visible: bool = False

    def reads(self, at: Where) -> Reading:
        shown = "customer-visible" if self.customer_visible else "not customer-visible"
        return Reading("customer visibility", f"{shown} (overrides the runbook)")


@dataclass(frozen=True, slots=True)
class SessionStarted(Payload):
    """A runner session began at this step."""

    STORY: ClassVar[bool] = False  # its time and actor show in the rows that follow
    TYPE: ClassVar[str] = "session.started"
    resume_at: int = 1

    def reads(self, at: Where) -> Reading:
        return Reading("session started", f"{at.actor} at step {self.resume_at}")


@dataclass(frozen=True, slots=True)
class SessionEnded(Payload):
    """A runner session ended, and why (quit, end of input, signal, …)."""

    TYPE: ClassVar[str] = "session.ended"
    reason: str = ""

    def reads(self, at: Where) -> Reading:
        return Reading("session ended", f"{at.actor} left ({self.reason or 'quit'})")


@dataclass(frozen=True, slots=True)
class StepDone(Payload):
    """A step was completed."""

    TYPE: ClassVar[str] = "step.done"
    title: str = ""

    def reads(self, at: Where) -> Reading:
        return Reading("step done", at.step)


@dataclass(frozen=True, slots=True)
class StepSkipped(Payload):
    """A step was skipped, with the reason given."""

    TYPE: ClassVar[str] = "step.skipped"
    title: str = ""
    reason: str = ""

    def reads(self, at: Where) -> Reading:
        reason = self.reason or "no reason given"
        return Reading("step skipped", f"{at.step} — {reason}" if at.step else reason)


@dataclass(frozen=True, slots=True)
class Command(Payload):
    """A shell block ran: the command as shown, exit code, bounded redacted output."""

    TYPE: ClassVar[str] = "command"
    block: int = 1
    lang: str = "sh"
    command: str = ""
    exit_code: int | None = None  # 128+N when signal N ended it; None when timed out
    duration_s: float = 0.0
    timed_out: bool = False
    output: str = ""  # control characters written out (\x1b), secrets redacted
    truncated: bool = False
    shell: str = ""  # what ran it: "bash -o errexit -o pipefail -o errtrace"
    failed_line: int | None = None  # 1-based line of the block that failed
    failed_command: str = ""  # that line's text
    interrupted: bool = False  # stopped before it finished, by…
    interrupted_by: str = ""  # …Ctrl-C, SIGTERM or SIGHUP
    destructive: bool = False  # the block was marked destructive (runner/evidence.py)
    forced: bool = False  # ...and ran without evidence on its step: the responder typed force
    failed_lines: list[int] = field(default_factory=list)  # every failing line (a block
    # that runs every line: diagnostics); empty when it stopped at its first

    @property
    def failed(self) -> bool:
        return bool(self.timed_out or self.interrupted
                    or self.exit_code not in (0, None))

    def outcome(self) -> str:
        """One line: `exit 0`, `exit 1 at line 2: false | cat`, `timed out`, …"""
        if self.timed_out:
            return "timed out"
        if self.interrupted:
            code = f" (exit {self.exit_code})" if self.exit_code is not None else ""
            return f"interrupted by {self.interrupted_by or 'a signal'}{code}"
        where = ""
        if self.failed_line and self.exit_code:
            where = f" at line {self.failed_line}" + (f": {self.failed_command}"
                                                      if self.failed_command else "")
        if self.exit_code == 141 and self.failed_line:  # 128 + SIGPIPE
            where += (" (SIGPIPE: a reader such as `| head` stopped early; in a strict "
                      "block end the line with `|| true`)")
        more = [n for n in self.failed_lines if n != self.failed_line]
        if more:
            where += f" (every line ran; also failed: line{'s' * (len(more) > 1)} " \
                     f"{', '.join(map(str, more))})"
        return f"exit {self.exit_code}{where}"

    def reads(self, at: Where) -> Reading:
        flags = "".join((", destructive" if self.destructive else "",
                         ", FORCED without evidence" if self.forced else ""))
        return Reading("command failed" if self.failed else "command",
                       f"block {self.block} ({self.lang}{flags}): ", self.command.strip(),
                       f" → {self.outcome()} ({float(self.duration_s or 0):.1f} s)")

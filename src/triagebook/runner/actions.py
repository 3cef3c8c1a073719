"""What a responder can do at a step (SPEC §5): one function per action word."""

from __future__ import annotations

from collections.abc import Callable

from triagebook.base.redaction import secret_env
from triagebook.base.safetext import neutralise
from triagebook.base.timeutil import iso
from triagebook.incident import events as E
from triagebook.runbook.model import RUNNABLE_LANGS, SEVERITIES
from triagebook.runner.evidence import gate
from triagebook.runner.session import Session
from triagebook.runner.shell import describe, interpreter, run_shell
from triagebook.runner.signals import Leave

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


def done(s: Session, rest: str) -> None:
    step = s.need_step()
    if step:
        s.record(E.StepDone(title=step.title), step.number)
        s.advance()


def skip(s: Session, rest: str) -> None:
    step = s.need_step()
    if step:
        s.record(E.StepSkipped(title=step.title, reason=rest), step.number)
        s.advance()


def note(s: Session, rest: str) -> None:
    if not rest:
        s.ui.say("note needs text: note TEXT")
        return
    step = s.current_step()
    s.record(E.Note(text=rest), step.number if step else None)
    s.ui.say("noted")


def back(s: Session, rest: str) -> None:
    if s.current <= 1:
        s.ui.say("already at the first step")
        return
    s.current -= 1
    s.show_current()


def next_(s: Session, rest: str) -> None:
    if s.current <= len(s.rb.steps):
        s.current += 1
    s.show_current()


def milestone(name: str) -> Callable[[Session, str], None]:
    def act(s: Session, rest: str) -> None:
        st = s.state()
        if name in st.milestones:
            when, _ = st.milestones[name]
            s.ui.say(f"already {name} at {iso(when)}")
            return
        s.record(E.Milestone(name=name, via="runner"))
        s.ui.say(f"{name} at {iso(s.clock())}")
        if name == "resolved" and s.hooks.on_resolved is not None:
            path = s.hooks.on_resolved(s.state())
            if path:
                s.ui.say(f"post-mortem draft: {path}")

    return act


def severity(s: Session, rest: str) -> None:
    new = rest.upper()
    if new not in SEVERITIES:
        s.ui.say(f"severity: expected one of {', '.join(SEVERITIES)} but received {rest!r}")
        return
    old = s.state().severity
    if new == old:
        s.ui.say(f"severity is already {new}")
        return
    s.record(E.SeverityChanged(from_=old, to=new))
    s.ui.say(f"severity {old} → {new}")
    if s.hooks.raised is not None:  # raised to a class never paged at: it pages
        for line in s.hooks.raised(s.ledger.id, s.secrets):
            s.ui.say(line)


def run(s: Session, rest: str) -> None:
    step = s.need_step()
    if step is None:
        return
    blocks = step.shell_blocks
    if not blocks:
        norun = [c for c in step.code if c.lang in RUNNABLE_LANGS]
        why = " (its shell blocks are marked norun)" if norun else ""
        s.ui.say(f"step {step.number} has no runnable shell block{why}")
        return
    try:
        n = int(rest) if rest else 1
    except ValueError:
        s.ui.say(f"run: expected a block number 1-{len(blocks)} but received {rest!r}")
        return
    if not 1 <= n <= len(blocks):
        s.ui.say(f"run: expected a block number 1-{len(blocks)} but received {n}")
        return
    block = blocks[n - 1]
    command, missing, error = s.render(block.source)
    if missing or error:
        why = error or f"no value for {', '.join(missing)}; pass --context"
        s.ui.say(f"cannot run: {why}")
        return
    shown = neutralise(s.redactor.text(command), newlines=True)
    how = ("stops at the first failing line" if block.strict
           else "every line runs, each failure is shown")
    s.ui.say(f"about to run ({describe(interpreter(block.strict))}: {how}; timeout "
             f"{s.timeout:.0f} s; Ctrl-C stops it):")
    s.ui.command(shown)
    forced = gate(s, step, block)  # capture before destroy; None: refused, and said why
    if forced is None:
        return
    answer = s.ask("run it? [y/N] ")
    if (answer or "").strip().lower() not in ("y", "yes"):
        s.ui.say("not run")
        return
    env = {secret_env(k): v for k, v in s.secrets.items()}
    res = run_shell(command, block.lang, env, str(s.cwd), s.timeout, s.redactor, s.ui.output,
                    s.signals, strict=block.strict)
    lines = shown.split("\n")
    failed_command = lines[res.failed_line - 1].strip() \
        if res.failed_line and res.failed_line <= len(lines) else ""
    cmd = E.Command(block=n, lang=block.lang, command=shown, exit_code=res.exit_code,
                    duration_s=res.duration_s, timed_out=res.timed_out, output=res.output,
                    truncated=res.truncated, shell=res.shell, failed_line=res.failed_line,
                    failed_command=failed_command, interrupted=bool(res.interrupted_by),
                    interrupted_by=res.interrupted_by, failed_lines=list(res.failed_lines),
                    destructive=block.destructive, forced=forced)
    s.record(cmd, step.number)
    verdict = "failed: " if cmd.failed and not (cmd.timed_out or cmd.interrupted) else ""
    leaving = res.interrupted_by and res.interrupted_by != "Ctrl-C"  # SIGTERM, SIGHUP
    try:
        s.ui.say(f"{verdict}{cmd.outcome()} after {res.duration_s:.1f} s (recorded)")
    except OSError:
        if not leaving:
            raise
    if leaving:
        raise Leave(res.interrupted_by)  # the command is recorded; now the session ends


def escalate(s: Session, rest: str) -> None:
    if s.hooks.escalate is None:
        s.ui.say("escalate: not available here")
        return
    word, _, text = rest.partition(" ")
    cls = word.upper() if word.upper() in ("RED", "YELLOW", "GREEN") else None
    s.ui.say("escalating (Ctrl-C waits until every channel has answered and it is recorded)")
    for line in s.hooks.escalate(s.ledger.id, cls, text if cls else rest, s.secrets):
        s.ui.say(line)


def help_(s: Session, rest: str) -> None:
    s.ui.say(HELP)


ACTIONS: dict[str, Callable[[Session, str], None]] = {
    "done": done, "d": done,
    "skip": skip, "s": skip,
    "note": note, "n": note,
    "run": run, "r": run,
    "back": back, "b": back,
    "next": next_,
    "ack": milestone("acknowledged"),
    "mitigated": milestone("mitigated"),
    "resolved": milestone("resolved"),
    "severity": severity,
    "escalate": escalate,
    "help": help_, "?": help_,
}

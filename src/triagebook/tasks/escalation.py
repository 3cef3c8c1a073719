"""Paging humans, every escalation command in one adapter.

`inv incident.escalate`, `incident.ack`, `incident.digest` (added to the incident
collection: they act on one incident), and `inv escalation.*`: time-driven work (for
cron / a systemd timer, or a loop), the mailbox, drills and the report that proves paging
works."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from invoke.collection import Collection
from invoke.exceptions import Exit

from triagebook import Config
from triagebook.base.errors import UsageError
from triagebook.base.timeutil import iso, parse_time, utc
from triagebook.incident.ledger import iter_all
from triagebook.incident.team import load_merged
from triagebook.tasks._common import (
    choice,
    number,
    project,
    task,
    terminal_safe,
    user_errors,
    warn,
    warn_ledgers,
)


def _print(reports) -> None:
    for r in reports:
        print(f"{r.incident}: {r.kind}: {r.detail}")


def _run_tick(cfg: Config) -> list[Any]:
    """Paging work first, then reminders to people (update due, grant expiry)."""
    from triagebook import tick as run_tick
    from triagebook.escalation.reminders import tick as remind
    from triagebook.escalation.service import TickReport

    reports = run_tick(cfg)
    reports += [TickReport(r.incident, "reminder", f"{r.kind} to {r.to}: {r.text}")
                for r in remind(cfg)]
    return reports


def _warn(cfg: Config) -> None:
    """tick skips ledger lines it cannot read; say which (a second, read-only pass)."""
    warn_ledgers(cfg, ((iid, evs.problems) for iid, evs in iter_all(cfg.incidents_dir)))


@task
@user_errors
def tick(c):
    """Send deferred messages, promote unacknowledged YELLOW, follow-ups, retries, and
    reminders (status update due, access grant expiring or expired); idempotent."""
    cfg = project()
    reports = _run_tick(cfg)
    _print(reports)
    _warn(cfg)
    print(f"escalation.tick: {len(reports)} action{'s' * (len(reports) != 1)}")


@task(help={"interval": "seconds between ticks (default 60)",
            "count": "stop after this many ticks (default 0: until interrupted)"})
@user_errors
def watch(c, interval=60.0, count=0):
    """Run escalation.tick in a loop."""
    pause = number("interval", interval, above=True)
    times = int(number("count", count, whole=True))
    from triagebook.base.timeutil import utc_now

    n = 0
    warned: set[str] = set()
    while True:
        cfg = project(warned)
        reports = _run_tick(cfg)
        _print(reports)
        # one line per tick, even a quiet one: whoever watches knows it is alive
        print(f"tick {utc(utc_now())}: {len(reports)} action{'s' * (len(reports) != 1)}"
              + ("" if times and n + 1 >= times else f"; next in {pause:g} s"), flush=True)
        if n == 0:
            _warn(cfg)  # once, not every interval
        n += 1
        if times and n >= times:
            return
        time.sleep(pause)


@task(help={"once": "read the mailbox once and exit (for cron); default: keep waiting "
                    "for replies (IMAP IDLE where the server offers it)"})
@user_errors
def inbox(c, once=False):
    """Acknowledge incidents from mailed replies whose first words are 'ack ID'."""
    from triagebook import ack
    from triagebook.escalation.imap import serve

    cfg = project()

    def record(incident: str, sender: str, text: str) -> bool:
        return ack(cfg, incident, "email", text, actor=sender)[1]

    def report(tally) -> None:
        for incident, sender in tally.acked:
            print(f"{incident}: acknowledged by {sender} via email")
        print(tally.line(), flush=True)

    serve(cfg, record, report, once=once)


@task(help={"class_": "drill the channels of this class: RED (default), YELLOW or GREEN",
            "ack_window": "minutes within which an ack counts as the round trip (default 15)"})
@user_errors
def drill(c, class_="RED", ack_window=15):
    """Send a DRILL page through the real channels and time each one (no cap is used)."""
    from triagebook.escalation.drill import TARGET_SECONDS
    from triagebook.escalation.drill import drill as run_drill

    out = run_drill(project(), class_, int(ack_window))
    for r in out.results:
        if r.shadow:
            print(f"{r.channel}: shadow channel, recorded, not delivered")
        elif r.ok:
            slow = f" — slower than the {TARGET_SECONDS:g} s target" \
                if (r.latency_s or 0) >= TARGET_SECONDS else ""
            print(f"{r.channel}: delivered in {r.latency_s or 0:.2f} s{slow}")
        else:
            print(f"{r.channel}: FAILED: {r.error}")
    print(f"drill {out.id} ({out.cls}): acknowledge it to time the round trip: "
          f"inv incident.ack {out.id} --via CHANNEL (within {out.ack_window_minutes} min)")
    if out.failed:
        raise Exit(f"drill {out.id}: {len(out.failed)} of {len(out.results)} channels "
                   f"failed (recorded; inv escalation.report)", code=1)


@task(help={"days": "look back this many days (default 30)",
            "format_": "text (default) or json"})
@user_errors
def report(c, days=30, format_="text"):
    """Drill latency per channel (percentiles), failures, last good drill, shadow vs live."""
    from triagebook.escalation.report import as_dict, build, render

    choice("format", format_, ("text", "json"))
    rep = build(project(), int(days))
    print(json.dumps(as_dict(rep), indent=2) if format_ == "json" else render(rep), end="")


# ---- one incident: escalate, ack, digest (in the incident collection) ----------------

def _routing(out) -> str:
    d = out.decision
    return (f"routing: {d.action}" + (f" via {', '.join(d.channels)}" if d.channels else "")
            + f" — {d.reason}" + (f" (due {iso(d.due)})" if d.due else ""))


@task(help={
    "id_": "incident id",
    "class_": "RED, YELLOW or GREEN (default: the runbook's escalation, else from severity "
              "and customer visibility)",
    "diagnosis": "what is wrong, in one line",
    "action": "what was done / what is needed",
    "suggested_fix": "the fix you would try",
    "dry_run": "print the message and the routing decision; send and record nothing",
    "at": "with --dry-run: decide as at TIME ('2026-03-29 02:30 Europe/Stockholm' or ISO "
          "8601 with offset); DST gaps and folds are explained",
    "customer_visible": "treat this incident as customer-visible (overrides the runbook; "
                        "recorded unless --dry-run)",
    "not_customer_visible": "treat this incident as not customer-visible (overrides the "
                            "runbook; recorded unless --dry-run)",
    "force": "page even though the runbook's required context is missing (recorded)",
    "shadow_policy": "also decide with this policy file (a copy of invoke.yaml with changes) "
                     "and record what it would do; it sends nothing",
})
@user_errors
@terminal_safe
def escalate(c, id_, class_="", diagnosis="", action="", suggested_fix="", dry_run=False,
             at="", customer_visible=False, not_customer_visible=False, force=False,
             shadow_policy=""):
    """Compose, route and send (or defer) one escalation message for an incident."""
    from triagebook import escalate as run_escalate
    from triagebook.base.timeutil import utc_now
    from triagebook.oncall.quiet import wall_time_note

    if customer_visible and not_customer_visible:
        raise UsageError("--customer-visible and --not-customer-visible: give one of them")
    if at and not dry_run:
        raise UsageError(f"--at {at!r}: simulates a decision; use it with --dry-run")
    visible = True if customer_visible else False if not_customer_visible else None
    clock = utc_now
    if at:
        when = parse_time(at, "--at")
        note = wall_time_note(when)
        print(f"simulated at {utc(when)}" + (f" — {note}" if note else ""))
        clock = lambda: when  # noqa: E731
    cfg = project()
    warn(cfg, load_merged(cfg, id_).problems)  # bad ledger lines: skipped, and said so
    out = run_escalate(cfg, id_, class_ or None, diagnosis, action, suggested_fix, dry_run,
                       clock=clock, force=force, customer_visible=visible,
                       shadow_policy=Path(shadow_policy) if shadow_policy else None)
    muted = out.decision.action == "mute" and not dry_run
    if muted:  # the reason first: a tired eye reads the top line
        print(f"incident.escalate: NOT SENT — {out.decision.reason}")
    print(out.message.text())
    print("\n" + _routing(out))
    if out.shadow is not None:
        s = out.shadow
        print(f"shadow policy: would {s.action}"
              + (f" via {', '.join(s.channels)}" if s.channels else "") + f" — {s.reason}")
    if out.missing:
        said = ("paged with --force" if not dry_run else "would page with --force" if force
                else "would be refused without --force")
        print(f"{said}: missing required context {', '.join(out.missing)}")
    if out.meta_incident:
        print(f"meta-incident: {out.meta_incident}")
    if out.meta is not None:
        print(f"meta-incident {out.meta.incident} paged: {_routing(out.meta)[9:]}")
    if dry_run:
        print("dry run: nothing sent, nothing recorded")
    for f in out.failures:
        print(f"delivery failed (recorded; inv escalation.tick retries): {f}")
    if muted:
        raise Exit(code=1)


@task(help={
    "id_": "incident id (with --from-reply, the reply must start with 'ack ID'); a drill's "
           "DRILL-… id times the drill's round trip",
    "via": "channel the acknowledgement came through (page, chat, email, phone, ...)",
    "text": "what the responder said",
    "from_reply": "a pasted email/chat reply whose first words are 'ack <ID>': a file, or - "
                  "for stdin",
})
@user_errors
def ack(c, id_, via="", text="", from_reply=""):
    """Record that a human acknowledged the incident (separate from resolving it)."""
    from triagebook import ack as run_ack

    cfg = project()
    reply = None
    if from_reply:
        try:
            reply = sys.stdin.read() if from_reply == "-" else Path(from_reply).read_text(
                encoding="utf-8", errors="replace")
        except OSError as exc:
            raise UsageError(f"--from-reply {from_reply}: cannot read: {exc.strerror}") from None
    iid, new = run_ack(cfg, id_, via, text, reply)
    if not iid.startswith("DRILL-"):
        warn(cfg, load_merged(cfg, iid).problems)
    print(f"{iid} acknowledged via {via or 'reply'}" if new
          else f"{iid} was already acknowledged; nothing recorded")


@task(help={"send": "also deliver it through the channels (default: GREEN's channels)",
            "via": "with --send: comma-separated channel names instead"})
@user_errors
@terminal_safe
def digest(c, send=False, via=""):
    """The daily digest: GREEN, deferred, failed deliveries, response times, unresolved."""
    from triagebook.escalation.digest import digest as run_digest
    from triagebook.escalation.digest import send_digest

    cfg = project()
    text = run_digest(cfg)
    print(text)
    warn_ledgers(cfg, ((iid, evs.problems) for iid, evs in iter_all(cfg.incidents_dir)))
    if not send:
        return
    chans = tuple(v.strip() for v in via.split(",") if v.strip())
    results = send_digest(cfg, text, chans)
    for r in results:
        print(f"digest via {r.channel}: " + ("shadow channel, not delivered" if r.shadow
                                             else "delivered" if r.ok else f"FAILED: {r.error}"))
    failed = [r for r in results if not r.ok]
    if failed:
        raise Exit(f"digest: {len(failed)} of {len(results)} channels failed", code=1)


ns = Collection("escalation")
ns.add_task(tick)
ns.add_task(watch)
ns.add_task(drill)
ns.add_task(report)
ns.add_task(inbox)

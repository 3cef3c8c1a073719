"""`inv escalation.*`: time-driven work (for cron / a systemd timer, or a loop), drills
and the report that proves paging works."""

from __future__ import annotations

import json
import time
from typing import Any

from invoke.collection import Collection
from invoke.exceptions import Exit
from invoke.tasks import task

from triagebook.config import Config
from triagebook.incident.ledger import iter_all
from triagebook.tasks._common import choice, number, project, user_errors, warn_ledgers


def _print(reports) -> None:
    for r in reports:
        print(f"{r.incident}: {r.kind}: {r.detail}")


def _run_tick(cfg: Config) -> list[Any]:
    """Paging work first, then reminders to people (update due, grant expiry)."""
    from triagebook.escalation.reminders import tick as remind
    from triagebook.escalation.service import TickReport
    from triagebook.escalation.service import tick as run_tick

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
def watch(c, interval="60", count="0"):
    """Run escalation.tick in a loop."""
    pause = number("interval", interval, above=True)
    times = int(number("count", count, whole=True))
    n = 0
    while True:
        cfg = project()
        _print(_run_tick(cfg))
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
    from triagebook.escalation.imap import serve
    from triagebook.escalation.service import ack

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


ns = Collection("escalation")
ns.add_task(tick)
ns.add_task(watch)
ns.add_task(drill)
ns.add_task(report)
ns.add_task(inbox)

"""`inv escalation.*`: the time-driven work, for cron / a systemd timer, or a loop."""

from __future__ import annotations

import time

from invoke.collection import Collection
from invoke.tasks import task

from triagebook.escalation.service import tick as run_tick
from triagebook.tasks._common import number, project, user_errors


def _print(reports) -> None:
    for r in reports:
        print(f"{r.incident}: {r.kind}: {r.detail}")


@task
@user_errors
def tick(c):
    """Send deferred messages, promote unacknowledged YELLOW, follow-ups, retries (idempotent)."""
    reports = run_tick(project())
    _print(reports)
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
        _print(run_tick(project()))
        n += 1
        if times and n >= times:
            return
        time.sleep(pause)


ns = Collection("escalation")
ns.add_task(tick)
ns.add_task(watch)

"""`inv escalation.*`: the time-driven work, for cron / a systemd timer, or a loop."""

from __future__ import annotations

import time

from invoke.collection import Collection
from invoke.tasks import task

from triagebook.config import Config
from triagebook.escalation.service import tick as run_tick
from triagebook.incident.ledger import iter_all
from triagebook.tasks._common import project, user_errors, warn_ledgers


def _print(reports) -> None:
    for r in reports:
        print(f"{r.incident}: {r.kind}: {r.detail}")


def _warn(cfg: Config) -> None:
    """tick skips ledger lines it cannot read; say which (a second, read-only pass)."""
    warn_ledgers(cfg, ((iid, evs.problems) for iid, evs in iter_all(cfg.incidents_dir)))


@task
@user_errors
def tick(c):
    """Send deferred messages, promote unacknowledged YELLOW, follow-ups, retries (idempotent)."""
    cfg = project()
    reports = run_tick(cfg)
    _print(reports)
    _warn(cfg)
    print(f"escalation.tick: {len(reports)} action{'s' * (len(reports) != 1)}")


@task(help={"interval": "seconds between ticks (default 60)",
            "count": "stop after this many ticks (default 0: until interrupted)"})
@user_errors
def watch(c, interval=60, count=0):
    """Run escalation.tick in a loop."""
    n = 0
    while True:
        cfg = project()
        _print(run_tick(cfg))
        if n == 0:
            _warn(cfg)  # once, not every interval
        n += 1
        if count and n >= int(count):
            return
        time.sleep(float(interval))


ns = Collection("escalation")
ns.add_task(tick)
ns.add_task(watch)

"""`inv bench.*`: run the benchmarks in benchmarks/ (they print their ratios)."""

from __future__ import annotations

import sys
from pathlib import Path

from invoke.collection import Collection
from invoke.tasks import task

HERE = Path(__file__).resolve().parent


def _script(name: str) -> str:
    return str(HERE / name)


@task(help={"n": "how many synthetic runbooks (default 3000)"})
def lint(c, n=3000):
    """Benchmark lint against the parse floor (read + YAML + markdown-it)."""
    c.run(f"{sys.executable} {_script('bench_lint.py')} --n {int(n)}", pty=False)


@task(help={"sizes": "comma-separated catalog sizes (default 1000,3000)"})
def site(c, sizes="1000,3000"):
    """Benchmark the site build against plain mkdocs-material over the same runbooks."""
    c.run(f"{sys.executable} {_script('bench_site.py')} --sizes {sizes}", pty=False)


@task(help={"n": "how many synthetic runbooks (default 1000)",
            "edits": "how many edits to time (default 5)"})
def serve(c, n=1000, edits=5):
    """Benchmark inv site.serve: one runbook edited → its page shows the edit."""
    c.run(f"{sys.executable} {_script('bench_serve.py')} --n {int(n)} --edits {int(edits)}",
          pty=False)


@task(help={"n": "how many synthetic runbooks in the catalog (default 1000)"})
def runner(c, n=1000):
    """Benchmark the runner's start-up (to the first step prompt) against inv --list."""
    c.run(f"{sys.executable} {_script('bench_runner.py')} --n {int(n)}", pty=False)


@task(help={"n": "appends per variant (default 500)",
            "sync_events": "queued events sent in one sync (default 20000)"})
def store(c, n=500, sync_events=20000):
    """Benchmark append latency local vs with the team store, and sync throughput."""
    c.run(f"{sys.executable} {_script('bench_store.py')} --n {int(n)} "
          f"--sync-events {int(sync_events)}", pty=False)


@task(help={"n": "alerts, each a new group (default 1000)",
            "clients": "concurrent HTTP clients (default 4)"})
def intake(c, n=1000, clients=4):
    """Benchmark alerts/s through alert.serve into fsynced ledgers against the floor."""
    c.run(f"{sys.executable} {_script('bench_intake.py')} --n {int(n)} "
          f"--clients {int(clients)}", pty=False)


@task(help={"n": "synthetic incidents, 20 events each (default 10000)"})
def stats(c, n=10000):
    """Benchmark incident/runbook statistics from ledgers and from the team store."""
    c.run(f"{sys.executable} {_script('bench_stats.py')} --n {int(n)}", pty=False)


@task(help={"examples": "cases per property (default 2000)",
            "wide": "also fold ill-typed ledgers (issue 12.2), reported, not failed"})
def fuzz(c, examples=2000, wide=False):
    """Run the fuzz suite's properties long; print cases/s and any failure."""
    flag = " --wide" if wide else ""
    c.run(f"{sys.executable} {_script('bench_fuzz.py')} --examples {int(examples)}{flag}",
          pty=False)


@task
def redaction(c):
    """Time redaction of a 16 KB command output (the ledger append hot path)."""
    c.run(f"{sys.executable} {_script('bench_redaction.py')}", pty=False)


ns = Collection("bench")
ns.add_task(lint)
ns.add_task(site)
ns.add_task(runner)
ns.add_task(store)
ns.add_task(fuzz)
ns.add_task(redaction)
ns.add_task(serve)
ns.add_task(stats)
ns.add_task(intake)

"""Append latency without and with the team store, and the store's sync throughput.

A real PostgreSQL (Debian's packages, started in a temporary folder as in the tests,
with fsync on like a team's server) on 127.0.0.1.  In one run:

- append latency: N notes appended to a local ledger (fsynced JSON line) alone, then N
  with the store hook (the same, plus one INSERT round trip): median and p95, ratio;
- sync throughput: a ledger of M events written while offline, then one `push` (what
  `inv incident.sync` does): events per second.

The runner waits for the append only; a ratio near the floor (local) means the store
costs the responder one round trip per action and no more.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))  # the test suite's throwaway PostgreSQL

from pgserver import PASSWORD, PgServer  # noqa: E402

from triagebook.base.redaction import Redactor  # noqa: E402
from triagebook.base.timeutil import iso, utc_now  # noqa: E402
from triagebook.incident import events as E  # noqa: E402
from triagebook.incident.ledger import Event, Ledger, new_event_id  # noqa: E402
from triagebook.incident.store.postgres import PostgresStore  # noqa: E402
from triagebook.incident.sync import Syncer, push  # noqa: E402


def appends(folder: Path, iid: str, n: int, store: PostgresStore | None) -> list[float]:
    led = Ledger(folder, iid, "bench@host", Redactor(), session=False)
    if store is not None:
        led.on_append = Syncer(store, led, notify=lambda s: print(s, file=sys.stderr))
    out = []
    with led:
        for i in range(n):
            t0 = time.perf_counter()
            led.append(E.Note(text=f"note {i}: checked the queue depth on worker-{i % 7}"),
                       runbook="bench", step=i % 9 + 1)
            out.append(time.perf_counter() - t0)
    return out


def queue_offline(folder: Path, m: int) -> None:
    """A ledger of m events written while the store was away (written in one go: the
    local append is measured above; this part measures the sync)."""
    folder.mkdir(parents=True)
    t = utc_now()
    lines = [json.dumps(Event(i, iso(t + timedelta(milliseconds=i)), "note", "bench",
                              i % 9 + 1, "bench@host", {"text": f"note {i}"},
                              new_event_id()).as_dict()) for i in range(1, m + 1)]
    (folder / "events.jsonl").write_text("\n".join(lines) + "\n")


def ms(xs: list[float]) -> str:
    p95 = sorted(xs)[int(len(xs) * 0.95) - 1]
    return f"median {statistics.median(xs) * 1000:6.2f} ms   p95 {p95 * 1000:6.2f} ms"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=500, help="appends per variant")
    ap.add_argument("--sync-events", type=int, default=20000, help="events to sync at once")
    args = ap.parse_args()
    os.environ["PGPASSWORD"] = PASSWORD
    server = PgServer()
    try:
        server.start(durable=True)
        url = server.url(server.new_database())
        store = PostgresStore(url)
        store.migrate()
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            appends(folder, "WARM", 20, store)  # page cache, connection, plans
            local = appends(folder, "LOCAL", args.n, None)
            synced = appends(folder, "SYNCED", args.n, store)
            ratio = statistics.median(synced) / statistics.median(local)
            print(f"appends: {args.n} per variant (fsynced ledger; PostgreSQL on 127.0.0.1, "
                  f"fsync on)")
            print(f"local only:        {ms(local)}   1.00x")
            print(f"local + store:     {ms(synced)}   {ratio:.2f}x")

            queue_offline(folder / "OFFLINE", args.sync_events)
            t0 = time.perf_counter()
            done = push(store, folder / "OFFLINE", "OFFLINE")
            took = time.perf_counter() - t0
            assert done.new == args.sync_events, done
            print(f"sync of {done.sent} queued events: {took:.2f} s   "
                  f"{done.sent / took:,.0f} events/s")
        store.close()
    finally:
        server.close()


if __name__ == "__main__":
    main()

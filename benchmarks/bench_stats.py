"""`inv bench.stats`: response metrics and runbook health over many incidents.

N synthetic incidents of 20 events each (10 000 → 200 000 events), written as local
ledgers and loaded into a real PostgreSQL store (Debian's packages, started in a temporary
folder as in the tests).  In one run:

- files: `gather` from the ledgers (read, validate, fold, aggregate) against a floor that
  only reads and JSON-decodes every line (the work nothing can avoid);
- store: the same figures folded by PostgreSQL (learning/sql.py) against a floor that
  decodes every event's JSON once (what reading the events cannot avoid);
- memory: peak traced memory of the file path at N/4 and at N incidents (flat means the
  ratio stays near 1: one incident is in memory at a time, durations are counts per
  second).

Targets (issue 24): store ≤ 2 s and files ≤ 10 s for 10 000 incidents on this machine.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))  # the test suite's throwaway PostgreSQL

from pgserver import PASSWORD, PgServer  # noqa: E402

from triagebook.config import load_config  # noqa: E402
from triagebook.learning.collect import from_files, from_store  # noqa: E402
from triagebook.learning.report import learn  # noqa: E402

START = datetime(2026, 1, 1, tzinfo=UTC)
RUNBOOKS = [f"runbook-{i:02d}" for i in range(40)]


def incident(i: int) -> tuple[str, list[dict[str, object]]]:
    """One incident of 20 events: open, attach, two pages, ack, five steps each with a
    command, three notes, mitigated, resolved."""
    iid = f"INC-2026{1 + i % 12:02d}01-{i // 60 % 24:02d}{i % 60:02d}-b{i:05d}"
    t0 = START + timedelta(minutes=37 * i)
    rb = RUNBOOKS[i % len(RUNBOOKS)]
    out: list[dict[str, object]] = []

    def ev(minute: float, type_: str, data: dict[str, object], step: int | None = None,
           runbook: str | None = None) -> None:
        ts = (t0 + timedelta(minutes=minute)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        out.append({"seq": len(out) + 1, "ts": ts, "type": type_, "runbook": runbook,
                    "step": step, "actor": "bench", "data": data,
                    "id": f"{iid}-{len(out) + 1}"})

    ev(0, "incident.opened", {"severity": ("SEV1", "SEV2", "SEV3")[i % 3], "title": iid,
                              "detected_at": t0.strftime("%Y-%m-%dT%H:%M:%SZ")})
    ev(1, "runbook.attached", {"title": rb, "hash": "h", "steps": ["a", "b", "c", "d", "e"],
                               "context": {}}, runbook=rb)
    ev(2, "escalation.sent", {"id": f"e{i}a", "class": "RED"})
    ev(3 + i % 25, "milestone", {"name": "acknowledged", "via": "cli"})
    ev(4 + i % 25, "escalation.sent", {"id": f"e{i}b", "class": "RED"})
    for s in range(1, 6):
        ev(5 + 2 * s, "command", {"block": 1, "command": "kubectl get pods",
                                  "exit_code": int(i % 7 == s), "output": "pod-1 Running"},
           s, rb)
        kind = "step.skipped" if (i + s) % 9 == 0 else "step.done"
        ev(6 + 2 * s, kind, {"title": "abcde"[s - 1], "reason": "no access"}, s, rb)
    for n in range(3):
        ev(20 + n, "note", {"text": f"checked worker-{n}: queue depth {i % 100}"})
    ev(40 + i % 30, "milestone", {"name": "mitigated", "via": "cli"})
    ev(90 + i % 60, "milestone", {"name": "resolved", "via": "cli"})
    return iid, out


def write_files(root: Path, n: int) -> None:
    for i in range(n):
        iid, events = incident(i)
        folder = root / "incidents" / iid
        folder.mkdir(parents=True)
        with open(folder / "events.jsonl", "w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(e, separators=(",", ":")) + "\n" for e in events)


def load_store(conn, n: int) -> None:
    with conn.cursor() as cur, cur.copy(
            "COPY triagebook.events (id, incident, ts, seq, type, runbook, step, actor, body) "
            "FROM STDIN") as copy:
        for i in range(n):
            iid, events = incident(i)
            for e in events:
                copy.write_row((e["id"], iid, e["ts"], e["seq"], e["type"], e["runbook"],
                                e["step"], e["actor"],
                                json.dumps(e, separators=(",", ":"))))
    conn.commit()


def floor_files(root: Path) -> int:
    lines = 0
    for path in (root / "incidents").glob("*/events.jsonl"):
        for line in path.read_bytes().split(b"\n")[:-1]:
            json.loads(line)
            lines += 1
    return lines


def timed(fn):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    value = fn()
    return time.perf_counter() - t0, value


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10_000, help="incidents (20 events each)")
    args = ap.parse_args()
    n = args.n
    now = datetime(2027, 1, 1, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "project"
        (root / "runbooks").mkdir(parents=True)
        t_write, _ = timed(lambda: write_files(root, n))
        cfg = load_config(root)
        print(f"{n} incidents, {20 * n} events written in {t_write:.1f} s")

        t_floor, lines = timed(lambda: floor_files(root))
        t_files, lg = timed(lambda: learn(from_files(cfg, None, now)))
        assert lg.response.total.incidents == n, lg.response.total.incidents
        print(f"files: floor (read + json.loads of {lines} lines) {t_floor:.2f} s, "
              f"gather {t_files:.2f} s -> {t_files / t_floor:.2f}x the floor "
              f"(target <= 10 s: {'OK' if t_files <= 10 else 'MISSED'})")

        pg = PgServer()
        pg.start()
        os.environ["PGPASSWORD"] = PASSWORD
        try:
            import psycopg

            from triagebook.incident.store.postgres import PostgresStore

            url = pg.url(pg.new_database())
            store = PostgresStore(url, timeout=30)
            store.migrate()
            with psycopg.connect(url, password=PASSWORD) as conn:
                t_load, _ = timed(lambda: load_store(conn, n))
                conn.execute("ANALYZE triagebook.events")
                conn.commit()
                print(f"store: {20 * n} events loaded in {t_load:.1f} s")
                t_scan, _ = timed(lambda: conn.execute(
                    "SELECT count(x.type) FROM triagebook.events, "
                    "json_to_record(body::json) AS x(type text)").fetchone())
            t_store, lg2 = timed(lambda: learn(from_store(cfg, store, None, now)))
            store.close()
            assert lg2.response.total.incidents == n, lg2.response.total.incidents
            same = (lg2.response.total.times["resolved"].median
                    == lg.response.total.times["resolved"].median)
            print(f"store: floor (decode every event once) {t_scan:.2f} s, gather "
                  f"{t_store:.2f} s -> {t_store / t_scan:.2f}x the floor (target <= 2 s: "
                  f"{'OK' if t_store <= 2 else 'MISSED'}); same figures as files: {same}")
        finally:
            pg.close()

        def peak(count: int) -> int:
            tracemalloc.start()
            learn(itertools.islice(from_files(cfg, None, now), count))
            _, top = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            return top

        peak(100)  # warm: imports and caches are not what grows with incidents
        small, large = peak(n // 4), peak(n)
        print(f"memory: peak {small / 1e6:.1f} MB at {n // 4} incidents, {large / 1e6:.1f} MB "
              f"at {n} -> {large / small:.2f}x for 4x the incidents (flat is ~1x)")


if __name__ == "__main__":
    main()

"""`inv bench.intake`: alerts per second through the real receiver into fsynced ledgers.

A project with the shipped runbooks; `alert.serve`'s server in this process on
127.0.0.1 (escalation off: paging is measured by the escalation benchmarks, not here);
C clients posting Alertmanager webhooks over HTTP:

- new groups: N alerts, each a new group → N incidents (group claim, incident.opened,
  runbook.attached with its snapshot, alert.fired — each fsynced);
- repeats: the same N deliveries again → recorded as duplicates, nothing written.

Floor: the same fsynced writes without HTTP, parsing or matching — per alert the group
claim file, the runbook snapshot and one ledger write of three events into a new ledger —
in one thread.
Targets (issue 21): ≥ 200 new alerts/s, ≤ 3× the floor; repeats cheaper than new groups.
"""

from __future__ import annotations

import argparse
import http.client
import json
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

from triagebook.base.redaction import Redactor  # noqa: E402
from triagebook.config import load_config  # noqa: E402
from triagebook.incident import events as E  # noqa: E402
from triagebook.incident.durable import write_file  # noqa: E402
from triagebook.incident.ledger import Ledger  # noqa: E402
from triagebook.tasks.alert import build_server  # noqa: E402


def payload(i: int) -> bytes:
    name = f"Bench{i}"
    alert = {"status": "firing", "labels": {"alertname": name, "severity": "warning",
                                            "queue": "jobs"},
             "annotations": {"summary": f"{name}: backlog", "runbook": "jobs-stuck"},
             "startsAt": "2026-12-03T02:10:00Z", "endsAt": "0001-01-01T00:00:00Z",
             "generatorURL": "http://prom/graph", "fingerprint": f"fp{i}"}
    return json.dumps({"version": "4", "groupKey": f'{{}}:{{alertname="{name}"}}',
                       "status": "firing", "receiver": "tb", "groupLabels": {},
                       "commonLabels": {}, "commonAnnotations": {}, "externalURL": "",
                       "alerts": [alert]}).encode()


def run_clients(port: int, bodies: list[bytes], clients: int) -> tuple[float, list[float]]:
    latencies: list[float] = []
    lock = threading.Lock()
    parts = [bodies[i::clients] for i in range(clients)]

    def client(mine: list[bytes]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for body in mine:
            t0 = time.perf_counter()
            conn.request("POST", "/alerts", body, {"Content-Type": "application/json"})
            r = conn.getresponse()
            r.read()
            assert r.status == 200, r.status
            with lock:
                latencies.append(time.perf_counter() - t0)
        conn.close()

    threads = [threading.Thread(target=client, args=(p,)) for p in parts]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - t0, latencies


def floor(folder: Path, n: int, snapshot: bytes) -> float:
    t0 = time.perf_counter()
    for i in range(n):
        write_file(folder / ".groups" / f"g{i}", b"INC\n")
        with Ledger(folder, f"INC-20261203-0000-f{i:04d}", "bench", Redactor(),
                    session=False) as led:
            led.write_file("runbooks/snap.md", snapshot)
            led.append_all([
                (E.IncidentOpened(severity="SEV3", title=f"Bench{i}"), None, None),
                (E.RunbookAttached(title="t", hash="h", steps=["a", "b"]), "jobs-stuck", None),
                (E.AlertFired(source="alertmanager", group=f"g{i}",
                              alerts=[{"labels": {"alertname": f"Bench{i}"}}]), None, None)])
    return time.perf_counter() - t0


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(p / 100 * len(ordered)), len(ordered) - 1)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000, help="alerts (new groups)")
    ap.add_argument("--clients", type=int, default=4, help="concurrent HTTP clients")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "project"
        root.mkdir()
        shutil.copytree(REPO / "runbooks", root / "runbooks")
        (root / "invoke.yaml").write_text("triagebook:\n  alerts:\n    escalate: false\n",
                                          encoding="utf-8")
        cfg = load_config(root)
        srv = build_server(cfg, "127.0.0.1:0", max_concurrent=64)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        port = srv.server_address[1]
        bodies = [payload(i) for i in range(args.n)]
        t_new, lat_new = run_clients(port, bodies, args.clients)
        t_rep, lat_rep = run_clients(port, bodies, args.clients)
        srv.shutdown()
        srv.server_close()
        snap = (root / "runbooks" / "workers" / "jobs-stuck.md").read_bytes()
        t_floor = floor(Path(tmp) / "floor", args.n, snap)
    rate_new, rate_rep = args.n / t_new, args.n / t_rep
    print(f"new groups: {args.n} alerts in {t_new:.2f} s = {rate_new:.0f} alerts/s "
          f"(target >= 200: {'OK' if rate_new >= 200 else 'MISSED'}); latency p50 "
          f"{statistics.median(lat_new) * 1000:.1f} ms, p99 {pct(lat_new, 99) * 1000:.1f} ms")
    print(f"repeats:    {args.n} alerts in {t_rep:.2f} s = {rate_rep:.0f} alerts/s; latency "
          f"p50 {statistics.median(lat_rep) * 1000:.1f} ms, p99 {pct(lat_rep, 99) * 1000:.1f} ms"
          f" -> {t_rep / t_new:.2f}x the new-group time (cheaper: "
          f"{'yes' if t_rep < t_new else 'NO'})")
    print(f"floor: the same fsynced writes without HTTP {t_floor:.2f} s -> new groups "
          f"{t_new / t_floor:.2f}x the floor (target <= 3x: "
          f"{'OK' if t_new <= 3 * t_floor else 'MISSED'})")
    sys.stdout.flush()


if __name__ == "__main__":
    main()

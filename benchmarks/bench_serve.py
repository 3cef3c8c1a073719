"""Edit-to-visible time of `inv site.serve` on a large catalog.

A project of N (default 1000) synthetic runbooks is served by the real `inv site.serve`
on 127.0.0.1; one runbook's title is edited on disk, and the clock runs until that page,
fetched over HTTP, shows the new title (live reload's wait for the writes to settle
included).  Repeated on different runbooks; median and worst printed.  Target: < 2 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from synth import write_catalog

REPO = Path(__file__).resolve().parent.parent


def fetch(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return str(r.read().decode("utf-8", "replace"))
    except (urllib.error.URLError, OSError):
        return ""


def until(url: str, text: str, timeout: float) -> float:
    t0 = time.perf_counter()
    while text not in fetch(url):
        if time.perf_counter() - t0 > timeout:
            raise SystemExit(f"{url} never showed {text!r}")
        time.sleep(0.02)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--edits", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name in ("tasks.py", "mkdocs.yml", "invoke.yaml"):
            shutil.copy(REPO / name, root / name)
        for name in ("docs", "site_overrides"):
            shutil.copytree(REPO / name, root / name)
        paths = write_catalog(root / "runbooks", args.n)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        base = f"http://127.0.0.1:{port}"
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "invoke", "site.serve", "--dev-addr",
                                 f"127.0.0.1:{port}"], cwd=root, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            first = paths[args.n // 2]
            start = until(f"{base}/runbooks/{first.stem}/", "<title>", 600)
            print(f"runbooks: {args.n}  first build and serve: {start:.1f} s "
                  f"(from launch: {time.perf_counter() - t0:.1f} s)")
            times = []
            for k in range(args.edits):
                path = paths[(args.n // 2 + 7 * k) % args.n]
                text = path.read_text(encoding="utf-8")
                marker = f"edited {k} {time.time_ns()}"
                path.write_text(text.replace("\ntitle: ", f"\ntitle: {marker} ", 1),
                                encoding="utf-8")
                times.append(until(f"{base}/runbooks/{path.stem}/", marker, 60))
                time.sleep(0.5)
            med, worst = statistics.median(times), max(times)
            print("edit → page shows it: " + ", ".join(f"{t:.2f}" for t in times) + " s")
            print(f"median {med:.2f} s, worst {worst:.2f} s (target < 2 s) "
                  f"{'OK' if worst < 2 else 'MISSED'}")
        finally:
            os.kill(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()

"""Time from `inv runbook.run` to the first step prompt, beside `inv --list`.

A catalog of N (default 1000) synthetic runbooks; both commands are real `inv`
subprocesses in the same run; median of several.  Target: run <= 1.5x `inv --list`.
The runner reads only the runbook it walks: finding it is a directory walk, not a parse
of the catalog.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from synth import write_catalog

REPO = Path(__file__).resolve().parent.parent


def time_list(root: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "invoke", "--list"], cwd=root, check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def time_first_prompt(root: Path, i: int) -> float:
    env = {**os.environ, "TRIAGEBOOK_OPERATOR": "bench"}
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "invoke", "runbook.run", "synthetic-00500", "--incident",
         f"BENCH-{i}", "--context", "correlation_id=abcdefgh-1234"], cwd=root, env=env,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdin is not None
    seen = b""
    while b"tb> " not in seen:
        chunk = os.read(proc.stdout.fileno(), 4096)
        if not chunk:
            raise RuntimeError("runner exited before its first prompt: "
                               + proc.stderr.read().decode() if proc.stderr else "")
        seen += chunk
    elapsed = time.perf_counter() - t0
    proc.communicate(b"quit\n", timeout=30)
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        shutil.copy(REPO / "tasks.py", root / "tasks.py")
        write_catalog(root / "runbooks", args.n)
        time_list(root)
        time_first_prompt(root, 0)  # warm both alike (page cache, .pyc)
        lists = [time_list(root) for _ in range(args.repeat)]
        runs = [time_first_prompt(root, i + 1) for i in range(args.repeat)]
        lm, rm = statistics.median(lists), statistics.median(runs)
        print(f"runbooks: {args.n}  (median of {args.repeat})")
        print(f"inv --list:                      {lm * 1000:7.0f} ms")
        print(f"inv runbook.run → first prompt:  {rm * 1000:7.0f} ms   ratio {rm / lm:.2f}x "
              f"(target <= 1.5x) {'OK' if rm / lm <= 1.5 else 'MISSED'}")


if __name__ == "__main__":
    main()

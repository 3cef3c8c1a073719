"""The fuzz suite's properties (tests/fuzzing.py), run long: cases per second and failures.

The test suite runs each property ~100 times; this runs N times each (default 2000) and
prints, per property, how many cases ran, how fast, and the first failure hypothesis
found (shrunk), if any.  Exit 1 when a property fails.

--wide adds ledgers that are valid JSON but ill-typed (a bad `ts`, a list `data`, a string
`seq`, wrong data fields) and folds damaged ledgers.  Those break fold today and are
issue 12.2's to fix: every distinct crash site is counted and reported, not failed.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from fuzzing import (  # noqa: E402
    LEDGER_SEED,
    RUNBOOKS,
    SECRET_TEXTS,
    check_config,
    check_ledger,
    check_read,
    check_redaction,
    check_runbook,
    configs,
    damaged,
    ledgers,
    mutated,
    wide_ledgers,
)
from hypothesis import HealthCheck, given, settings  # noqa: E402


def run(name: str, strategy, check, n: int) -> str | None:
    count = 0

    @settings(max_examples=n, deadline=timedelta(seconds=5), database=None,
              suppress_health_check=list(HealthCheck), print_blob=False)
    @given(strategy)
    def prop(x):
        nonlocal count
        count += 1
        check(x)

    t0 = time.perf_counter()
    failure = None
    try:
        prop()
    except Exception as exc:  # noqa: BLE001 - report whatever the property found
        where = traceback.extract_tb(exc.__traceback__)[-1]
        notes = " ".join(getattr(exc, "__notes__", []))[:300]
        failure = (f"{type(exc).__name__}: {str(exc)[:200]} at {Path(where.filename).name}:"
                   f"{where.lineno} ({where.name}); {notes}")
    elapsed = time.perf_counter() - t0
    status = "ok" if failure is None else "FAILED"
    print(f"{name:34s} {count:7d} cases {count / elapsed:9.1f} cases/s  {status}", flush=True)
    if failure:
        print(f"    {failure}", flush=True)
    return failure


def wide(n: int) -> None:
    """Ill-typed ledgers: every distinct crash site in fold/timeline, counted, not shrunk."""
    found: dict[str, int] = {}

    def check(raw: bytes) -> None:
        try:
            check_ledger(raw, wide=True)
        except Exception as exc:  # noqa: BLE001 - collected, this is a survey
            where = traceback.extract_tb(exc.__traceback__)[-1]
            key = f"{type(exc).__name__} in {Path(where.filename).name}:{where.lineno} " \
                  f"({where.name}): {where.line}"
            found[key] = found.get(key, 0) + 1

    run("ill-typed ledgers (issue 12.2)", wide_ledgers(), check, n)
    run("damaged ledgers folded (12.2)", damaged(LEDGER_SEED), check, n)
    for key, count in sorted(found.items(), key=lambda kv: -kv[1]):
        print(f"    {count:5d}x {key}")
    if found:
        print("    known: fold trusts the event envelope and data types; issue 12.2 "
              "validates events on read")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--examples", type=int, default=2000)
    ap.add_argument("--wide", action="store_true")
    args = ap.parse_args()
    n = args.examples
    props = [
        ("runbooks: parse, lint, preview", mutated(RUNBOOKS), check_runbook),
        ("ledgers as written: fold, timeline", ledgers(), check_ledger),
        ("damaged ledgers: read", damaged(LEDGER_SEED), check_read),
        ("invoke.yaml: load", configs(), check_config),
        ("credentials: redact, scan, again", mutated(SECRET_TEXTS), check_redaction),
    ]
    failed = [name for name, strategy, check in props if run(name, strategy, check, n)]
    if args.wide:
        wide(n)
    print(f"fuzz: {len(props)} properties x {n} cases, {len(failed)} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

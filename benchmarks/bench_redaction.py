"""Redaction on the hot path: a 16 KB command output, as the runner records it.

The runner redacts command output twice: line by line as it streams to the screen
(`Redactor.lines`), then the kept copy inside the ledger append (`Redactor.data`).
Printed: each alone, and a real `Ledger.append` (fsync included) of that output with the
project's redactor against one that redacts nothing, median of many runs.
"""

from __future__ import annotations

import hashlib
import json
import random
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from triagebook.base.redaction import Redactor
from triagebook.incident import events as E
from triagebook.incident.ledger import Ledger


def output(size: int = 16 * 1024) -> str:
    """Realistic command output: JSON logs, kubectl rows, access log lines, key=value."""
    rnd = random.Random(7)
    lines: list[str] = []
    while sum(len(x) + 1 for x in lines) < size:
        k = rnd.randrange(4)
        if k == 0:
            lines.append(json.dumps({"ts": f"2026-11-22T02:14:{rnd.randrange(60):02d}.123Z",
                                     "level": "info", "msg": "request done",
                                     "correlation_id": str(uuid.UUID(int=rnd.getrandbits(128))),
                                     "status": 200, "duration_ms": rnd.randrange(900)}))
        elif k == 1:
            sha = hashlib.sha1(str(rnd.random()).encode()).hexdigest()
            lines.append(f"{sha} deploy/billing-worker-7d9f{rnd.randrange(999)} Running 0 3h")
        elif k == 2:
            lines.append(f"GET /v1/projects/{uuid.UUID(int=rnd.getrandbits(128))}/servers"
                         f"?limit=50 200 {rnd.randrange(300)}ms user=u-{rnd.randrange(9999)}")
        else:
            lines.append("level=warn component=auth-session token_expired user_id=4821 "
                         "retry_in=30s path=/var/log/app/auth.log")
    return "\n".join(lines)


class _Nothing(Redactor):
    def text(self, text: str) -> str:
        return text


def median_ms(fn, n: int = 30) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def main() -> None:
    text = output()
    lines = text.split("\n")
    red = Redactor({"api_token": "Zq8#mW2!vR5tLp9xKd"}, environ={})
    red.text("warm up: AKIAABCDEFGHIJKLMNOP")  # detect-secrets imported once, not timed
    whole = median_ms(lambda: red.text(text))
    stream = median_ms(lambda: [one(x) for one in [red.lines()] for x in lines])
    data = E.Command(command="kubectl logs deploy/api", exit_code=0, output=text)
    with tempfile.TemporaryDirectory() as tmp:
        real = Ledger(Path(tmp), "INC-BENCH", "bench", red).open()
        bare = Ledger(Path(tmp), "INC-BARE", "bench", _Nothing(environ={})).open()
        with_red = median_ms(lambda: real.append(data, "r", 1))
        without = median_ms(lambda: bare.append(data, "r", 1))
    print(f"command output: {len(text)} characters, {len(lines)} lines")
    print(f"Redactor.text (whole output):          {whole:7.2f} ms")
    print(f"Redactor.lines (streamed to screen):   {stream:7.2f} ms")
    print(f"Ledger.append, redacted:               {with_red:7.2f} ms")
    print(f"Ledger.append, no redaction:           {without:7.2f} ms   "
          f"ratio {with_red / without:.2f}x")
    print(f"per recorded command (stream + append): {stream + with_red:7.2f} ms")


if __name__ == "__main__":
    main()

"""`inv bench.*`: run the benchmarks in benchmarks/ (they print their ratios)."""

from __future__ import annotations

import sys
from pathlib import Path

from invoke import Collection, task

from ._common import project

HERE = "benchmarks"


def _script(name: str) -> str:
    return str(Path(project().root) / HERE / name)


@task(help={"n": "how many synthetic runbooks (default 3000)"})
def lint(c, n=3000):
    """Benchmark lint against the parse floor (read + YAML + markdown-it)."""
    c.run(f"{sys.executable} {_script('bench_lint.py')} --n {int(n)}", pty=False)


ns = Collection("bench")
ns.add_task(lint)

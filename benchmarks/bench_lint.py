"""Lint throughput against its floor, measured in one run.

floor: a plain loop that reads, YAML-parses (C loader) and markdown-it-parses the
same files at block level (lint never needs inline tokens, so the floor does not pay
for them either) — the work no linter of this format can avoid.  Target: cold lint
≤ 1.3× the floor; a second lint of the unchanged catalog well under the floor.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path

import yaml
from markdown_it import MarkdownIt
from mdit_py_plugins.front_matter import front_matter_plugin

from triagebook.runbook.catalog import load_catalog, runbook_files
from triagebook.config import default_config
from triagebook.runbook.lint import lint
from synth import write_catalog


def floor(files: list[Path]) -> float:
    md = MarkdownIt("commonmark").use(front_matter_plugin).disable("inline")
    t0 = time.perf_counter()
    for p in files:
        text = p.read_bytes().decode("utf-8")
        tokens = md.parse(text)
        yaml.load(tokens[0].content, Loader=yaml.CSafeLoader)
    return time.perf_counter() - t0


def timed_lint(root: Path, use_cache: bool) -> tuple[float, int]:
    cfg = default_config(root)
    t0 = time.perf_counter()
    problems = lint(load_catalog(cfg, use_cache=use_cache), date(2026, 11, 22))
    return time.perf_counter() - t0, len(problems)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=3000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_catalog(root / "runbooks", args.n)
        files = runbook_files(root / "runbooks")
        floor(files)  # warm the page cache and imports for both sides alike
        floors, colds, warms = [], [], []
        for _ in range(args.repeat):
            floors.append(floor(files))
            cold, problems = timed_lint(root, use_cache=False)
            colds.append(cold)
        timed_lint(root, use_cache=True)  # fills the cache
        for _ in range(args.repeat):
            warms.append(timed_lint(root, use_cache=True)[0])
        f, c, w = min(floors), min(colds), min(warms)
        print(f"runbooks: {args.n}  (best of {args.repeat}; lint found {problems} problems)")
        print(f"floor (read + YAML C loader + block parse): {f:7.3f} s")
        print(f"lint, cold (no cache):                     {c:7.3f} s   ratio {c / f:.2f}x "
              f"(target <= 1.30x) {'OK' if c / f <= 1.3 else 'MISSED'}")
        print(f"lint, warm (content-hash cache):           {w:7.3f} s   ratio {w / f:.2f}x "
              f"(target well under 1x) {'OK' if w / f <= 0.5 else 'MISSED'}")


if __name__ == "__main__":
    main()

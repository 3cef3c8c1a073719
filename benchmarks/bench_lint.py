"""Lint throughput against its floor, measured in one run.

floor: a plain loop that reads, YAML-parses (C loader) and markdown-it-parses the
same files at block level only (core rules `normalize` and `block`: lint never needs
inline tokens, nor text_join, which only joins them, so the floor does not pay for them
either) — the work no linter of this format can avoid.  Target: cold lint
≤ 1.3× the floor; a second lint of the unchanged catalog well under the floor.

Both sides are single-threaded work in this one process, so the ratios are taken on
CPU time (what the work costs, whatever else the machine runs); wall-clock times are
printed beside them.  Best of --repeat runs each.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import yaml
from markdown_it import MarkdownIt
from mdit_py_plugins.front_matter import front_matter_plugin
from synth import write_catalog

from triagebook.config import default_config
from triagebook.runbook.catalog import load_catalog, runbook_files
from triagebook.runbook.lint import lint


def floor(files: list[Path]) -> None:
    md = MarkdownIt("commonmark").use(front_matter_plugin).disable(["inline", "text_join"])
    for p in files:
        text = p.read_bytes().decode("utf-8")
        tokens = md.parse(text)
        yaml.load(tokens[0].content, Loader=yaml.CSafeLoader)


def lint_once(root: Path, use_cache: bool) -> int:
    return len(lint(load_catalog(default_config(root), use_cache=use_cache),
                    date(2026, 11, 22)))


def timed(fn: Callable[[], object]) -> tuple[float, float]:
    w0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w0, time.process_time() - c0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=3000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_catalog(root / "runbooks", args.n)
        files = runbook_files(root / "runbooks")
        floor(files)  # warm the page cache and imports for both sides alike
        best: dict[str, tuple[float, float]] = {}

        def keep(name: str, t: tuple[float, float]) -> None:
            old = best.get(name, (float("inf"), float("inf")))
            best[name] = (min(old[0], t[0]), min(old[1], t[1]))

        for _ in range(args.repeat):
            keep("floor", timed(lambda: floor(files)))
            keep("cold", timed(lambda: lint_once(root, use_cache=False)))
        problems = lint_once(root, use_cache=True)  # fills the cache
        for _ in range(args.repeat):
            keep("warm", timed(lambda: lint_once(root, use_cache=True)))
        (fw, fc), (cw, cc), (ww, wc) = best["floor"], best["cold"], best["warm"]
        print(f"runbooks: {args.n}  (best of {args.repeat}; lint found {problems} problems)")
        print(f"{'':44s}  cpu       wall     ratio (cpu)")
        print(f"{'floor (read + YAML C loader + block parse)':44s} {fc:6.3f} s  {fw:6.3f} s")
        print(f"{'lint, cold (no cache)':44s} {cc:6.3f} s  {cw:6.3f} s   {cc / fc:.2f}x "
              f"(target <= 1.30x) {'OK' if cc / fc <= 1.3 else 'MISSED'}")
        print(f"{'lint, warm (content-hash cache)':44s} {wc:6.3f} s  {ww:6.3f} s   {wc / fc:.2f}x "
              f"(target well under 1x) {'OK' if wc / fc <= 0.5 else 'MISSED'}")


if __name__ == "__main__":
    main()

"""Site build cost against plain mkdocs-material (navigation.prune) on the same Markdown.

For N = 100 and N = 1000 synthetic runbooks: the project's build (plugin: lint, page
generation, small nav) and, in the same run, a plain mkdocs-material build of the
exported pages with every page in the nav and `navigation.prune`.  Prints times, HTML
sizes and ratios.  Targets: project <= 1.2x plain at N=1000; N=1000/N=100 <= 11x;
under 100 KB of HTML per runbook page.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from synth import write_catalog

from triagebook.config import default_config
from triagebook.runbook.catalog import load_catalog
from triagebook.site.pages import build_pages, export

REPO = Path(__file__).resolve().parent.parent
PLAIN = """site_name: plain
docs_dir: docs
site_dir: site
theme:
  name: material
  font: false
  features: [navigation.prune]
plugins: [search]
markdown_extensions: [admonition, attr_list, tables, pymdownx.highlight, pymdownx.superfences]
"""


def build(folder: Path) -> float:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-f",
                    str(folder / "mkdocs.yml")], cwd=folder, env=env, check=True)
    return time.perf_counter() - t0


def sizes(site: Path) -> tuple[int, float]:
    total = sum(p.stat().st_size for p in site.rglob("*.html"))
    pages = [p for p in (site / "runbooks").rglob("index.html") if p.parent != site / "runbooks"]
    per = sum(p.stat().st_size for p in pages) / max(len(pages), 1)
    return total, per


def setup(root: Path, n: int) -> tuple[Path, Path]:
    project = root / f"project-{n}"
    project.mkdir()
    for name in ("tasks.py", "mkdocs.yml"):
        shutil.copy(REPO / name, project / name)
    for name in ("docs", "site_overrides"):
        shutil.copytree(REPO / name, project / name)
    write_catalog(project / "runbooks", n)
    plain = root / f"plain-{n}"
    (plain / "docs").mkdir(parents=True)
    shutil.copy(REPO / "docs" / "index.md", plain / "docs" / "index.md")
    cfg = default_config(project)
    pages = build_pages(load_catalog(cfg, use_cache=False), cfg.today())
    export(pages, plain / "docs")
    (plain / "mkdocs.yml").write_text(PLAIN, encoding="utf-8")
    shutil.rmtree(project / ".triagebook-cache", ignore_errors=True)
    return project, plain


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="100,1000")
    args = ap.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        wanted = [int(x) for x in args.sizes.split(",")]
        for n in wanted:
            project, plain = setup(Path(tmp), n)
            tp, tq = build(project), build(plain)
            (sp, pp), (sq, pq) = sizes(project / "site"), sizes(plain / "site")
            results[n] = tp
            print(f"N={n:5d}  project {tp:6.1f} s  {sp / 1e6:7.1f} MB  "
                  f"{pp / 1e3:6.1f} KB/runbook page"
                  f"   | plain+prune {tq:6.1f} s  {sq / 1e6:7.1f} MB  {pq / 1e3:6.1f} KB/page"
                  f"   | time ratio {tp / tq:.2f}x")
            if n == max(wanted):
                ok = tp / tq <= 1.2 and pp < 100_000
                print(f"  target project <= 1.2x plain and < 100 KB/page: "
                      f"{'OK' if ok else 'MISSED'}")
        if len(results) == 2:
            small, large = sorted(results)
            r = results[large] / results[small]
            print(f"N={large}/N={small} project time: {r:.1f}x (target <= 11x) "
                  f"{'OK' if r <= 11 else 'MISSED'}")


if __name__ == "__main__":
    main()

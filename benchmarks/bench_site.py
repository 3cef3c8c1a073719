"""Site build cost against the fair peer: plain mkdocs-material over the same runbooks.

The peer is what a user without triagebook would do: the runbook files, as written,
in their own folder tree under docs/, built by mkdocs-material with the project's own
theme settings and Markdown extensions, `navigation.prune`, no plugin but search.
The project side is `mkdocs build` of the project (the triagebook plugin: lint, page
generation, header panels, indexes).  Both builds are subprocesses in the same run;
peak RSS is each build's own (wait4).  Targets: project <= 1.2x the peer at every size,
HTML per runbook page < 100 KB, project time at the largest size / the smallest <=
3.3x per 3x more runbooks (linear growth).
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

import yaml
from synth import write_catalog

REPO = Path(__file__).resolve().parent.parent


def build(folder: Path) -> tuple[float, float]:
    """Seconds and peak RSS (MB) of one `mkdocs build` in ``folder``."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "mkdocs", "build", "-q", "-f",
                             str(folder / "mkdocs.yml")], cwd=folder, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"mkdocs build failed in {folder} (exit {proc.returncode})")
    return elapsed, usage.ru_maxrss / 1024


def sizes(site: Path) -> tuple[int, float]:
    total = sum(p.stat().st_size for p in site.rglob("*.html"))
    pages = [p for p in (site / "runbooks").rglob("synthetic-*/index.html")]
    per = sum(p.stat().st_size for p in pages) / max(len(pages), 1)
    return total, per


def peer_config(project_yml: Path) -> str:
    """The project's mkdocs.yml without the triagebook plugin, plus navigation.prune."""
    text = project_yml.read_text(encoding="utf-8").replace("!ENV", "")
    cfg = yaml.safe_load(text)
    cfg["site_name"] = "peer"
    theme = cfg["theme"]
    theme.pop("custom_dir", None)
    theme["features"] = [*theme.get("features", []), "navigation.prune"]
    cfg["plugins"] = ["search"]
    return yaml.safe_dump(cfg, sort_keys=False)


def setup(root: Path, n: int) -> tuple[Path, Path]:
    project = root / f"project-{n}"
    project.mkdir()
    for name in ("tasks.py", "mkdocs.yml", "invoke.yaml"):
        shutil.copy(REPO / name, project / name)
    for name in ("docs", "site_overrides"):
        shutil.copytree(REPO / name, project / name)
    write_catalog(project / "runbooks", n)
    peer = root / f"peer-{n}"
    (peer / "docs").mkdir(parents=True)
    shutil.copy(REPO / "docs" / "index.md", peer / "docs" / "index.md")
    shutil.copytree(project / "runbooks", peer / "docs" / "runbooks")
    (peer / "mkdocs.yml").write_text(peer_config(REPO / "mkdocs.yml"), encoding="utf-8")
    return project, peer


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,3000")
    args = ap.parse_args()
    wanted = sorted(int(x) for x in args.sizes.split(","))
    times: dict[int, float] = {}
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        for n in wanted:
            project, peer = setup(Path(tmp), n)
            # peer first, then project: both start with the same cold parse cache
            tq, rq = build(peer)
            tp, rp = build(project)
            (sp, pp), (sq, pq) = sizes(project / "site"), sizes(peer / "site")
            times[n] = tp
            ratio = tp / tq
            ok = ok and ratio <= 1.2 and pp < 100_000
            print(f"N={n:5d}  project {tp:6.1f} s  peak {rp:5.0f} MB  {sp / 1e6:6.1f} MB html  "
                  f"{pp / 1e3:5.1f} KB/runbook page")
            print(f"         peer    {tq:6.1f} s  peak {rq:5.0f} MB  {sq / 1e6:6.1f} MB html  "
                  f"{pq / 1e3:5.1f} KB/runbook page")
            print(f"         ratio   {ratio:.2f}x (target <= 1.20x, < 100 KB/page) "
                  f"{'OK' if ratio <= 1.2 and pp < 100_000 else 'MISSED'}")
            shutil.rmtree(project)
            shutil.rmtree(peer)
        if len(times) > 1:
            small, large = wanted[0], wanted[-1]
            growth = times[large] / times[small]
            limit = 1.1 * large / small
            print(f"project time N={large}/N={small}: {growth:.2f}x (target <= {limit:.1f}x) "
                  f"{'OK' if growth <= limit else 'MISSED'}")
            ok = ok and growth <= limit
    print("all targets met" if ok else "some targets missed")


if __name__ == "__main__":
    main()

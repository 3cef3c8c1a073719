"""Running mkdocs for a project: its own mkdocs.yml, or the embedded default."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from triagebook.config import Config

DEFAULT = Path(__file__).resolve().parent / "default-mkdocs.yml"


def mkdocs_config(cfg: Config) -> Path:
    """The project's mkdocs.yml, or the embedded default written into the cache folder."""
    own = cfg.root / "mkdocs.yml"
    if own.is_file():
        return own
    folder = cfg.cache_dir / "site"
    docs = folder / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    text = DEFAULT.read_text(encoding="utf-8").replace(
        "  - triagebook\n", f"  - triagebook:\n      project_dir: {_q(cfg.root)}\n")
    text += f"docs_dir: {_q(docs)}\nsite_dir: {_q(cfg.site_dir)}\n"
    path = folder / "mkdocs.yml"
    path.write_text(text, encoding="utf-8")
    return path


def _q(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def environment(offline: bool) -> dict[str, str]:
    env = dict(os.environ)
    env["NO_MKDOCS_2_WARNING"] = "1"
    env["TRIAGEBOOK_OFFLINE"] = "true" if offline else "false"
    return env


def mkdocs(args: list[str], cfg: Config, offline: bool = False) -> int:
    """Run the mkdocs command line (its own logging and error output) for the project."""
    cmd = [sys.executable, "-m", "mkdocs", *args, "-f", str(mkdocs_config(cfg))]
    return subprocess.call(cmd, cwd=cfg.root, env=environment(offline))

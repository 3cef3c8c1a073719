"""Running mkdocs for a project: its own mkdocs.yml, or the embedded default.

mkdocs runs as a child process with its own logging and error output.  The child never
outlives us: SIGTERM and SIGINT are passed on (as SIGINT, which mkdocs turns into a clean
shutdown of its server), a child that does not stop is killed, and on Linux the kernel
stops it if we are killed outright.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from types import FrameType

from triagebook.config import Config

DEFAULT = Path(__file__).resolve().parent / "default-mkdocs.yml"
GRACE_S = 5.0  # how long a stopping mkdocs may take before it is killed
PR_SET_PDEATHSIG = 1


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


def _child_setup() -> None:  # runs in the child, between fork and exec
    # A shell's background job ignores SIGINT, and the child would inherit that; mkdocs
    # must take it (it is how we stop it cleanly).
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGINT))
        except (OSError, AttributeError):
            pass


def mkdocs(args: list[str], cfg: Config, offline: bool = False) -> int:
    """Run the mkdocs command line for the project; its exit status, or 128+signal when
    we were told to stop."""
    cmd = [sys.executable, "-m", "mkdocs", *args, "-f", str(mkdocs_config(cfg))]
    # Its own session: a terminal's Ctrl-C reaches us only, and we pass it on once.
    proc = subprocess.Popen(cmd, cwd=cfg.root, env=environment(offline),
                            start_new_session=True, preexec_fn=_child_setup)
    stopped: list[int] = []

    def stop(signum: int, frame: FrameType | None) -> None:
        stopped.append(signum)
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            timer = threading.Timer(GRACE_S, _kill, (proc,))
            timer.daemon = True
            timer.start()

    handled = (signal.SIGTERM, signal.SIGINT)
    if threading.current_thread() is threading.main_thread():
        previous = {s: signal.signal(s, stop) for s in handled}
    else:
        previous = {}
    try:
        code = proc.wait()
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        if proc.poll() is None:
            _kill(proc)
    return 128 + stopped[0] if stopped else code


def _kill(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.kill()

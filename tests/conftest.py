from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A temporary project: the repo's tasks.py and an empty runbooks/ folder."""
    shutil.copy(REPO / "tasks.py", tmp_path / "tasks.py")
    (tmp_path / "runbooks").mkdir()
    return tmp_path


@pytest.fixture
def shipped(tmp_path: Path) -> Path:
    """A temporary copy of the repository's own runbooks and configuration."""
    shutil.copy(REPO / "tasks.py", tmp_path / "tasks.py")
    shutil.copytree(REPO / "runbooks", tmp_path / "runbooks")
    if (REPO / "invoke.yaml").exists():
        shutil.copy(REPO / "invoke.yaml", tmp_path / "invoke.yaml")
    return tmp_path


def inv_process(cwd: Path, *args: str, input: str | None = None,
                env: dict[str, str] | None = None,
                timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """The real `inv` command line in a subprocess — for tests where the process is the
    subject (start-up, signals, terminals, the project's own tasks.py)."""
    full_env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "invoke", *args], cwd=cwd, input=input, text=True,
        capture_output=True, env=full_env, timeout=timeout,
    )


_IN_PROCESS = threading.Lock()  # cwd, environment and standard streams are per process


def inv(cwd: Path, *args: str, input: str | None = None,
        env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """The `inv` command line run in this process (`invoke.Program` with the package's
    collections, as the project's tasks.py adds them): the same parser, tasks, output and
    exit status, without a fresh interpreter per call. An exception that would print a
    traceback is written to stderr as one would be. `timeout` is the subprocess
    variant's; here a test that hangs is the suite's timeout's business."""
    import contextlib
    import io
    import traceback

    from invoke import Program

    import triagebook.tasks as tasks

    out, err = io.StringIO(), io.StringIO()
    code = 0
    with _IN_PROCESS:
        saved_env, saved_cwd, saved_in = dict(os.environ), os.getcwd(), sys.stdin
        os.environ.update({"NO_COLOR": "1", "COLUMNS": "200", **(env or {})})
        os.chdir(cwd)
        sys.stdin = io.StringIO(input or "")
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    Program(namespace=tasks.namespace(), name="inv", binary="inv").run(
                        ["inv", *args])
                except SystemExit as exc:
                    code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None
                                                                       else 1)
                    if isinstance(exc.code, str):
                        print(exc.code, file=sys.stderr)
                except KeyboardInterrupt:
                    code = 130
                except Exception:
                    traceback.print_exc()
                    code = 1
        finally:
            sys.stdin = saved_in
            os.chdir(saved_cwd)
            os.environ.clear()
            os.environ.update(saved_env)
    return subprocess.CompletedProcess(["inv", *args], code, out.getvalue(), err.getvalue())


def assert_no_traceback(res: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in res.stderr, res.stderr
    assert "Traceback" not in res.stdout, res.stdout


@pytest.fixture(scope="session")
def pg():
    """One real PostgreSQL server per test process (see pgserver.py); never skipped."""
    from pgserver import PgServer, PgUnavailable

    try:
        server = PgServer()
    except PgUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        try:
            server.start()
        except PgUnavailable as exc:
            pytest.fail(str(exc), pytrace=False)
        yield server
    finally:
        server.close()


@pytest.fixture
def store_url(pg) -> str:
    """A fresh, empty database on that server, as a team would write it in invoke.yaml."""
    return pg.url(pg.new_database())

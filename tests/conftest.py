from __future__ import annotations

import os
import shutil
import subprocess
import sys
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


def inv(cwd: Path, *args: str, input: str | None = None,
        env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run the real `inv` command line in a subprocess."""
    full_env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "invoke", *args], cwd=cwd, input=input, text=True,
        capture_output=True, env=full_env, timeout=timeout,
    )


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

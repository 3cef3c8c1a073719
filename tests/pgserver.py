"""A real, throwaway PostgreSQL server for the team-store tests (Debian's packages).

initdb + pg_ctl in a temporary folder, listening on a unix socket there and on a free
127.0.0.1 port with password authentication (so the tests go through PGPASSWORD like a
team would).  PostgreSQL refuses to run as root: as root the server runs as the
`postgres` user (`runuser`), which owns the folder.  When no server can be started the
tests fail, loudly — they never skip (CI installs `postgresql`: see .ci/run).  The
store benchmark (benchmarks/bench_store.py) uses the same server.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import psycopg


class PgUnavailable(RuntimeError):
    """No server could be started; the pytest fixture turns this into a failure."""


USER = "triagebook"
PASSWORD = "pg-test-password-7c1d"


def _bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parent.parent.name)
                   if Path(p).parent.parent.name.isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    raise PgUnavailable("PostgreSQL server binaries not found (initdb); install them: "
                        "apt-get install -y postgresql (.ci/run does)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgServer:
    def __init__(self) -> None:
        self.bin = _bindir()
        self.as_user: list[str] = []
        owner = None
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                raise PgUnavailable("running as root and there is no 'postgres' user to run "
                                    "the test server as (PostgreSQL refuses root)") from None
            self.as_user = ["runuser", "-u", "postgres", "--"]
        # /tmp, not pytest's tmp: a unix socket path must stay short, and the postgres
        # user must be able to reach it
        self.base = Path(tempfile.mkdtemp(prefix="tb-pg-", dir="/tmp"))
        self.data = self.base / "data"
        self.log = self.base / "server.log"
        self.port = _free_port()
        pwfile = self.base / "pw"
        pwfile.write_text(PASSWORD + "\n")
        if owner is not None:
            for p in (self.base, pwfile):
                os.chown(p, owner.pw_uid, owner.pw_gid)
        self._run(["initdb", "-D", str(self.data), "-U", USER, f"--pwfile={pwfile}",
                   "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8",
                   "--no-sync", "--no-instructions"])

    def _run(self, argv: list[str]) -> None:
        cmd = [*self.as_user, str(self.bin / argv[0]), *argv[1:]]
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if res.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise PgUnavailable(f"{' '.join(argv[:2])} failed ({res.returncode}): "
                                f"{res.stderr.strip()[-2000:]}\n{log}")

    def start(self, durable: bool = False) -> None:
        """Tests run without fsync (faster, and a crash of a test server loses nothing
        we need); the benchmark asks for a `durable` server like a team's."""
        fast = "" if durable else "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
        opts = f"-k {self.base} -p {self.port} -h 127.0.0.1 {fast}-c max_connections=200"
        self._run(["pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
                   "-o", opts, "start"])

    def stop(self) -> None:
        self._run(["pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop"])

    def url(self, db: str) -> str:
        """What a team puts in invoke.yaml: no password (that comes from PGPASSWORD)."""
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{db}"

    def admin(self) -> psycopg.Connection:
        return psycopg.connect(host=str(self.base), port=self.port, user=USER,
                               dbname="postgres", autocommit=True)

    def new_database(self) -> str:
        name = f"t_{uuid.uuid4().hex[:12]}"
        with self.admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return name

    def close(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self.stop()
        finally:
            shutil.rmtree(self.base, ignore_errors=True)

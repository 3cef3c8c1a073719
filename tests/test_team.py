"""Several responders, one incident, one timeline — through a real PostgreSQL server.

Each responder is a separate project folder (a separate laptop) with the same
`ledger.store` in its invoke.yaml and the password in PGPASSWORD; every command is the
real `inv` in a subprocess.
"""

from __future__ import annotations

import getpass
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
import pytest
from conftest import FIXTURES, REPO, assert_no_traceback, inv
from loopback import Silent
from pgserver import PASSWORD

HOST = socket.gethostname().split(".")[0]


def laptop(tmp_path: Path, name: str, url: str, extra: str = "") -> Path:
    root = tmp_path / name
    (root / "runbooks").mkdir(parents=True)
    shutil.copy(REPO / "tasks.py", root / "tasks.py")
    shutil.copy(FIXTURES / "runner" / "demo.md", root / "runbooks" / "demo.md")
    shutil.copy(FIXTURES / "team" / "comms.md", root / "runbooks" / "comms.md")
    (root / "invoke.yaml").write_text(f"triagebook:\n  ledger:\n    store: {url}\n{extra}")
    return root


def env_of(who: str) -> dict[str, str]:
    return {"TRIAGEBOOK_OPERATOR": who, "PGPASSWORD": PASSWORD}


def walk(root: Path, who: str, runbook: str, iid: str, script: str):
    ctx = ["--context", "server_id=srv-abc"] if runbook == "demo" else []
    return inv(root, "runbook.run", runbook, "--incident", iid, *ctx, input=script,
               env=env_of(who))


def local_events(root: Path, iid: str) -> list[dict]:
    path = root / "incidents" / iid / "events.jsonl"
    return [json.loads(x) for x in path.read_text().splitlines() if x.strip()]


def stored(url: str, iid: str) -> list[str]:
    """Event ids in the store, one per row."""
    with psycopg.connect(url, password=PASSWORD) as conn:
        rows = conn.execute("SELECT id FROM triagebook.events WHERE incident = %s",
                            (iid,)).fetchall()
    return [r[0] for r in rows]


@pytest.fixture
def store(store_url: str, tmp_path: Path) -> str:
    admin = laptop(tmp_path, "admin", store_url)
    res = inv(admin, "store.init", env=env_of("admin"))
    assert res.returncode == 0, res.stderr
    return store_url


class Live:
    """A runner in a real terminal-less subprocess, driven one action at a time."""

    def __init__(self, root: Path, who: str, runbook: str, iid: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "invoke", "runbook.run", runbook, "--incident", iid,
             "--context", "server_id=srv-abc"], cwd=root, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            env={**os.environ, "NO_COLOR": "1", **env_of(who)})
        self.out = b""
        self.pos = 0

    def until(self, marker: str, timeout: float = 30) -> str:
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        want = marker.encode()
        while want not in self.out[self.pos:]:
            left = deadline - time.monotonic()
            assert left > 0, f"no {marker!r} in time; output so far:\n{self.out.decode()}"
            ready, _, _ = select.select([self.proc.stdout], [], [], left)
            if ready:
                chunk = os.read(self.proc.stdout.fileno(), 65536)
                assert chunk, f"runner ended early:\n{self.out.decode()}"
                self.out += chunk
        end = self.out.index(want, self.pos) + len(want)
        seen, self.pos = self.out[self.pos:end].decode(), end
        return seen

    def act(self, line: str) -> str:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()
        return self.until("tb> ")

    def finish(self) -> str:
        rest, _ = self.proc.communicate(timeout=30)  # closes stdin: end of input is quit
        self.out += rest
        assert self.proc.returncode == 0, self.out.decode()
        return self.out.decode()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def test_store_init_creates_the_schema_once_and_says_so(store_url, tmp_path):
    root = laptop(tmp_path, "ops", store_url)
    first = inv(root, "store.init", env=env_of("ops"))
    again = inv(root, "store.init", env=env_of("ops"))
    assert first.returncode == 0 and again.returncode == 0, first.stderr + again.stderr
    assert first.stdout.strip().endswith("schema created (version 2)")
    assert again.stdout.strip().endswith("schema version 2, up to date")
    assert PASSWORD not in first.stdout + first.stderr


def test_a_version_1_store_migrates_to_2_and_keeps_its_events(store_url, tmp_path):
    """A team's store made by the previous version (schema 1) is refused until
    `store.init` migrates it (the on-call table, issue 22); its events stay."""
    from triagebook.incident.store.schema import BOOTSTRAP, MIGRATIONS

    with psycopg.connect(store_url, password=PASSWORD, autocommit=True) as conn:
        for stmt in (*BOOTSTRAP, *MIGRATIONS[0]):
            conn.execute(stmt)
        conn.execute("INSERT INTO triagebook.schema_version (version) VALUES (1)")
    root = laptop(tmp_path, "ops", store_url)
    assert walk(root, "ops", "demo", "INC-V1", "quit\n").returncode == 0  # kept local
    assert stored(store_url, "INC-V1") == []
    res = inv(root, "store.init", env=env_of("ops"))
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip().endswith("schema migrated from version 1 to 2")
    assert inv(root, "incident.sync", env=env_of("ops")).returncode == 0
    assert len(stored(store_url, "INC-V1")) == len(local_events(root, "INC-V1"))


def test_two_responders_on_two_laptops_make_one_timeline_and_postmortem(store, tmp_path):
    alice, bob = laptop(tmp_path, "alice", store), laptop(tmp_path, "bob", store)
    a = walk(alice, "alice", "demo", "INC-T", "ack\ndone\nnote alice checked srv-abc\nquit\n")
    b = walk(bob, "bob", "comms", "INC-T", "done\nnote bob told the customers\nmitigated\n"
                                           "quit\n")
    assert a.returncode == 0 and b.returncode == 0, a.stderr + b.stderr
    assert "note:" not in a.stderr + b.stderr  # nobody was offline
    # bob joined an incident the team had opened: he did not open it again
    assert [e["type"] for e in local_events(bob, "INC-T")][0] == "runbook.attached"

    tl = inv(alice, "incident.timeline", "INC-T", "--format", "md", env=env_of("alice")).stdout
    assert "| Actor | Event | Detail |" in tl.splitlines()[0]
    mine = [ln for ln in tl.splitlines() if "| alice |" in ln]
    theirs = [ln for ln in tl.splitlines() if "| bob |" in ln]
    assert any("| step done | step 1 Inspect srv-abc |" in ln for ln in mine)
    assert any("| note | bob told the customers |" in ln for ln in theirs)
    assert any("| step done | step 1 Post on the status page |" in ln for ln in theirs)
    times = [ln.split(" | ")[0] for ln in tl.splitlines()[2:]]
    assert times == sorted(times)

    pm = inv(alice, "postmortem.new", "INC-T", env=env_of("alice"))
    assert pm.returncode == 0, pm.stderr
    text = (alice / "postmortems" / "INC-T.md").read_text()
    assert "bob told the customers" in text and "alice checked srv-abc" in text
    assert "- alice (" in text and "- bob (" in text
    assert "| Time to mitigate |" in text and "not recorded" not in text.split(
        "| Time to mitigate |")[1].splitlines()[0]

    carol = laptop(tmp_path, "carol", store)  # a third laptop that never walked anything
    listed = json.loads(inv(carol, "incident.list", "--format", "json",
                            env=env_of("carol")).stdout)
    assert [(r["id"], r["status"], r["where"]) for r in listed] == [("INC-T", "mitigated",
                                                                       "store")]
    assert set(listed[0]["runbook"].split(", ")) == {"demo", "comms"}
    shown = inv(carol, "incident.show", "INC-T", env=env_of("carol")).stdout
    assert "INC-T  SEV2  mitigated  Demo outage" in shown
    assert "runbook comms: 1 done, 0 skipped, 1 pending" in shown


def test_the_same_runbook_on_a_second_laptop_is_refused_with_who_holds_it(store, tmp_path):
    alice, bob = laptop(tmp_path, "alice", store), laptop(tmp_path, "bob", store)
    live = Live(alice, "alice", "demo", "INC-C")
    try:
        live.until("tb> ")
        refused = walk(bob, "bob", "demo", "INC-C", "done\nquit\n")
        assert refused.returncode == 1
        assert_no_traceback(refused)
        assert refused.stderr.startswith(
            f"runbook demo of INC-C is being walked by alice (pid {live.proc.pid} on {HOST})"
            f" since ")
        assert len(refused.stderr.strip().splitlines()) == 1
        assert "walk another runbook of this incident, or wait until they quit" in \
            refused.stderr
        other = walk(bob, "bob", "comms", "INC-C", "done\nquit\n")  # another runbook: fine
        assert other.returncode == 0, other.stderr
        live.act("done")
        live.finish()  # end of input: quit
    finally:
        live.kill()
    # alice quit: her claim is gone, and bob picks her runbook up where she left it
    after = walk(bob, "bob", "demo", "INC-C", "done\nquit\n")
    assert after.returncode == 0, after.stderr
    assert "resuming INC-C (open, SEV2): 1/4 steps finished" in after.stdout
    assert "step 2/4" in after.stdout


def test_a_runner_killed_mid_walk_does_not_lock_its_runbook_on_its_own_machine(store,
                                                                            tmp_path):
    alice = laptop(tmp_path, "alice", store)
    live = Live(alice, "alice", "demo", "INC-K")
    live.until("tb> ")
    live.act("done")
    live.kill()  # SIGKILL: no goodbye, the claim stays in the store
    again = walk(alice, "alice", "demo", "INC-K", "done\nquit\n")
    assert again.returncode == 0, again.stderr  # its process is gone: taken over at once
    assert "resuming INC-K (open, SEV2): 1/4 steps finished" in again.stdout


def test_database_stopped_mid_session_loses_nothing_and_syncs_after_restart(pg, store,
                                                                           tmp_path):
    alice = laptop(tmp_path, "alice", store)
    live = Live(alice, "alice", "demo", "INC-S")
    try:
        live.until("tb> ")
        live.act("ack")
        pg.stop()
        try:
            began = time.monotonic()
            during = live.act("done")
            during += live.act("note the database is down, carrying on")
            assert time.monotonic() - began < 5  # the runner does not wait on the store
        finally:
            pg.start()
        back = live.act("note the database is back")
        out = live.finish()
    finally:
        live.kill()
    assert out.count("unreachable") == 1 and "unreachable" in during
    assert "working locally" in during
    assert "reachable again: 3 queued events sent" in back
    ids = [e["id"] for e in local_events(alice, "INC-S")]
    assert sorted(stored(store, "INC-S")) == sorted(ids)  # every event, once


def test_events_written_offline_wait_for_incident_sync_and_resending_stores_them_once(
        pg, store, tmp_path):
    bob = laptop(tmp_path, "bob", store)
    pg.stop()
    try:
        offline = walk(bob, "bob", "comms", "INC-O", "done\nnote no network here\nquit\n")
    finally:
        pg.start()
    assert offline.returncode == 0, offline.stderr
    assert offline.stdout.count("unreachable") == 1
    ids = [e["id"] for e in local_events(bob, "INC-O")]
    assert stored(store, "INC-O") == []

    synced = inv(bob, "incident.sync", env=env_of("bob"))
    assert synced.returncode == 0, synced.stderr
    assert f"INC-O: {len(ids)} events sent ({len(ids)} new to the store)" in synced.stdout
    again = inv(bob, "incident.sync", env=env_of("bob"))
    assert "incident.sync: 0 events sent" in again.stdout
    # the same events delivered a second time (a lost cursor): sent again, stored once
    (bob / "incidents" / "INC-O" / ".sync").unlink()
    resent = inv(bob, "incident.sync", "--incident", "INC-O", env=env_of("bob"))
    assert f"INC-O: {len(ids)} events sent (0 new to the store)" in resent.stdout
    assert sorted(stored(store, "INC-O")) == sorted(ids)


def test_sync_without_a_store_unreachable_store_and_bad_config_are_one_line(
        pg, store, tmp_path):
    plain = tmp_path / "plain"
    (plain / "runbooks").mkdir(parents=True)
    shutil.copy(REPO / "tasks.py", plain / "tasks.py")
    res = inv(plain, "incident.sync")
    assert res.returncode == 1 and res.stderr.strip() == (
        "incident.sync: no shared store configured; set ledger.store in invoke.yaml (see "
        "docs/guide/teams.md)")

    bob = laptop(tmp_path, "bob", store)
    pg.stop()
    try:
        walk(bob, "bob", "comms", "INC-U", "done\nquit\n")
        res = inv(bob, "incident.sync", env=env_of("bob"))
    finally:
        pg.start()
    assert res.returncode == 1 and len(res.stderr.strip().splitlines()) == 1
    assert res.stderr.startswith(f"ledger store {store} unreachable: ")
    assert res.stderr.strip().endswith("; 5 events still queued here, safe — run inv "
                                       "incident.sync again when the store is back")
    assert_no_traceback(res)

    leaky = tmp_path / "leaky"
    (leaky / "runbooks").mkdir(parents=True)
    shutil.copy(REPO / "tasks.py", leaky / "tasks.py")
    (leaky / "invoke.yaml").write_text(
        "triagebook:\n  ledger:\n    store: postgresql://ops:hunter2-secret@db.example/ops\n")
    res = inv(leaky, "incident.list")
    assert res.returncode == 0  # warned; the store with a password in it is never used
    assert res.stderr.strip() == (
        "invoke.yaml:3: bad-config: warning: triagebook.ledger.store: holds a password; "
        "invoke.yaml is shared, so give it in PGPASSWORD or ~/.pgpass, or put the whole URL "
        "in an environment variable named by ledger.store_url_env (the default is used; "
        "inv doctor fails until fixed)")
    assert "hunter2" not in res.stderr + res.stdout
    synced = inv(leaky, "incident.sync")
    assert synced.returncode == 1
    assert synced.stderr.strip().splitlines()[-1].startswith(
        "incident.sync: no shared store configured")


def test_store_url_from_the_environment(store, tmp_path):
    root = tmp_path / "envurl"
    (root / "runbooks").mkdir(parents=True)
    shutil.copy(REPO / "tasks.py", root / "tasks.py")
    shutil.copy(FIXTURES / "team" / "comms.md", root / "runbooks" / "comms.md")
    (root / "invoke.yaml").write_text(
        "triagebook:\n  ledger:\n    store_url_env: TEAM_LEDGER_URL\n")
    with_pw = store.replace("triagebook@", f"triagebook:{PASSWORD}@")
    res = inv(root, "runbook.run", "comms", "--incident", "INC-E", input="done\nquit\n",
              env={"TRIAGEBOOK_OPERATOR": "erin", "TEAM_LEDGER_URL": with_pw})
    assert res.returncode == 0 and "note:" not in res.stdout, res.stdout
    assert len(stored(store, "INC-E")) == len(local_events(root, "INC-E"))
    missing = inv(root, "runbook.run", "comms", "--incident", "INC-E2", input="done\nquit\n",
                  env={"TRIAGEBOOK_OPERATOR": "erin", "TEAM_LEDGER_URL": ""})
    assert missing.returncode == 0  # local first: the runner works without the store
    assert "environment variable TEAM_LEDGER_URL is empty" in missing.stdout
    assert PASSWORD not in res.stdout + res.stderr + missing.stdout + missing.stderr


def test_a_store_that_never_answers_costs_the_runner_one_short_timeout(tmp_path):
    """Joining and seven appends against a store that accepts and never answers: one
    connection attempt waits its timeout, and everything after it stays local without
    trying again (counted in attempts on the server, not in seconds)."""
    silent = Silent()
    try:
        root = laptop(tmp_path, "dana", f"postgresql://ops@127.0.0.1:{silent.port}/ops",
                      extra="    timeout: 1\n")
        res = walk(root, "dana", "comms", "INC-B", "done\nnote one\nnote two\nnote three\n"
                                                   "done\nquit\n")
        attempts = len(silent.conns)
    finally:
        silent.close()
    assert res.returncode == 0, res.stderr
    assert res.stdout.count("unreachable") == 1
    assert "timeout expired" in res.stdout
    assert attempts == 1
    assert [e["type"] for e in local_events(root, "INC-B")][-1] == "session.ended"


def test_a_store_that_never_answers_is_waited_for_once_per_hold_not_per_call(tmp_path,
                                                                             monkeypatch):
    """Opening an incident and deciding its page open the store four times (the push, the
    team lock, the overrides, the presence marks); against a store that lets the
    connection time out, only the first waits — the others say so at once, until
    HOLD_S has passed (counted in connection attempts, not in seconds)."""
    from eschelp import open_incident, setup
    from test_oncall import CHANNELS, routes

    from triagebook.config import load_config
    from triagebook.escalation.service import escalate
    from triagebook.incident.store import pg_link

    silent = Silent()
    now = [1000.0]
    monkeypatch.setattr(pg_link, "_clock", lambda: now[0])
    monkeypatch.setattr(pg_link, "_held", {})
    monkeypatch.setenv("PGPASSWORD", "x")
    try:
        root = tmp_path / "p"
        (root / "runbooks").mkdir(parents=True)
        setup(root, CHANNELS, top=routes() + f"  ledger:\n    store: postgresql://u@127.0.0.1:"
                                             f"{silent.port}/db\n    timeout: 1\n")
        real_connect = psycopg.connect

        def connect(*args, **kwargs):  # the attempt runs into its timeout: 1 s passes
            now[0] += 1.0
            return real_connect(*args, **kwargs)

        monkeypatch.setattr(psycopg, "connect", connect)
        open_incident(root, "INC-S")
        out = escalate(load_config(root), "INC-S", "RED")
        assert out.decision.action == "send"
        assert len(silent.conns) == 1
        now[0] += pg_link.HOLD_S
        escalate(load_config(root), "INC-S", "RED")
        assert len(silent.conns) == 2  # tried again once the hold was over
    finally:
        silent.close()


def test_follow_shows_another_responders_events_as_they_happen(store, tmp_path):
    alice, bob = laptop(tmp_path, "alice", store), laptop(tmp_path, "bob", store)
    assert walk(alice, "alice", "demo", "INC-F", "ack\nquit\n").returncode == 0
    follower = subprocess.Popen(
        [sys.executable, "-m", "invoke", "incident.timeline", "INC-F", "--format", "md", "--follow",
         "--count", "2", "--timeout", "60"], cwd=alice, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, env={**os.environ, **env_of("alice")})
    try:
        assert follower.stdout is not None
        assert follower.stdout.readline().startswith("| Time (UTC) |")
        while "| alice | acknowledged |" not in follower.stdout.readline():
            pass  # the timeline so far; --timeout bounds this if it never comes
        walked = walk(bob, "bob", "comms", "INC-F", "note from bob's laptop\nquit\n")
        assert walked.returncode == 0, walked.stderr
        rest, err = follower.communicate(timeout=30)
    finally:
        follower.kill()
    assert follower.returncode == 0, err
    assert_no_traceback(subprocess.CompletedProcess([], 0, rest, err))
    new = [ln for ln in rest.splitlines() if "| bob |" in ln]
    assert len(new) >= 2  # bob's session end may come in the same poll, or after --count
    assert new[0].endswith("| bob | runbook started | comms: Customer communication |")
    assert new[1].endswith("| bob | note | from bob's laptop |")


def test_follow_stops_cleanly_on_ctrl_c(store, tmp_path):
    alice = laptop(tmp_path, "alice", store)
    assert walk(alice, "alice", "demo", "INC-Q", "quit\n").returncode == 0
    follower = subprocess.Popen(
        [sys.executable, "-m", "invoke", "incident.timeline", "INC-Q", "--format", "md", "--follow"],
        cwd=alice, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, **env_of("alice")})
    try:
        assert follower.stdout is not None
        assert follower.stdout.readline().startswith("| Time (UTC) |")
        time.sleep(0.5)
        follower.send_signal(signal.SIGINT)
        out, err = follower.communicate(timeout=20)
    finally:
        follower.kill()
    assert follower.returncode == 0
    assert err.strip() == "stopped following INC-Q"


def test_actor_is_login_at_host_and_escalation_is_told_apart(store, tmp_path):
    alice = laptop(tmp_path, "alice", store)
    env = {k: v for k, v in os.environ.items() if k != "TRIAGEBOOK_OPERATOR"}
    res = subprocess.run(
        [sys.executable, "-m", "invoke", "runbook.run", "comms", "--incident", "INC-A"],
        cwd=alice, input="escalate RED the status page is down\nquit\n", text=True,
        capture_output=True, env={**env, "PGPASSWORD": PASSWORD, "NO_COLOR": "1"})
    assert res.returncode == 0, res.stderr
    actors = {e["type"]: e["actor"] for e in local_events(alice, "INC-A")}
    assert actors["runbook.attached"] == f"{getpass.getuser()}@{HOST}"
    assert actors["escalation.sent"] == f"escalation@{HOST}"
    assert sorted(stored(store, "INC-A")) == sorted(
        e["id"] for e in local_events(alice, "INC-A"))


def test_newer_store_schema_is_refused_and_the_runner_stays_local(store, tmp_path):
    with psycopg.connect(store, password=PASSWORD, autocommit=True) as conn:
        conn.execute("INSERT INTO triagebook.schema_version (version) VALUES (99)")
    root = laptop(tmp_path, "old", store)
    res = walk(root, "old", "comms", "INC-V", "done\nquit\n")
    assert res.returncode == 0
    assert ("schema version 99 is newer than this triagebook knows (2); upgrade "
            "triagebook") in res.stdout
    init = inv(root, "store.init", env=env_of("old"))
    assert init.returncode == 1 and len(init.stderr.strip().splitlines()) == 1
    assert "schema version 99 is newer" in init.stderr


def test_fifty_runners_appending_at_once_store_every_event_exactly_once(store, tmp_path,
                                                                       monkeypatch):
    # 50 writers on one incident: five laptops with ten writers each (a runner plus
    # escalation and ack writers share a laptop's ledger), each writer with its own
    # connection, all appending and syncing at the same time
    from triagebook.base.redaction import Redactor
    from triagebook.config import load_config
    from triagebook.incident import events as E
    from triagebook.incident.ledger import Ledger
    from triagebook.incident.sync import attach

    monkeypatch.setenv("PGPASSWORD", PASSWORD)
    roots = [laptop(tmp_path, f"laptop{i}", store) for i in range(5)]
    cfgs = [load_config(r) for r in roots]
    start = threading.Barrier(50)
    errors: list[BaseException] = []
    notes: list[str] = []

    def writer(n: int) -> None:
        try:
            led = Ledger(cfgs[n % 5].incidents_dir, "INC-50", f"writer{n}@laptop{n % 5}",
                         Redactor(), session=False)
            syncer = attach(cfgs[n % 5], led, notes.append)
            assert syncer is not None
            with led:
                start.wait(timeout=60)
                for i in range(10):
                    led.append(E.Note(text=f"writer {n} note {i}"))
            syncer.close()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert notes == []  # nobody went offline
    local = [e for r in roots for e in local_events(r, "INC-50")]
    assert len(local) == 500 and len({e["id"] for e in local}) == 500
    for r in roots:  # each laptop's own ledger stays gap-free
        assert [e["seq"] for e in local_events(r, "INC-50")] == list(range(1, 101))
    ids = stored(store, "INC-50")
    assert len(ids) == 500 and set(ids) == {e["id"] for e in local}


@pytest.mark.parametrize("ledger, message", [
    ("store: mysql://db/x", "invoke.yaml:3: bad-config: triagebook.ledger.store: expected a "
                            "postgresql://user@host:port/database URL but received 'mysql://db/x'"),
    ("store: postgresql://ops@db/x?password=hunter2", "invoke.yaml:3: bad-config: "
     "triagebook.ledger.store: holds a password; invoke.yaml is shared, so give it in "
     "PGPASSWORD or ~/.pgpass, or put the whole URL in an environment variable named by "
     "ledger.store_url_env"),
    ("timeout: 0", "invoke.yaml:3: bad-config: triagebook.ledger.timeout: expected seconds, "
                   "more than 0 and at most 60 but received int 0"),
    ("store_url_env: 'not a name'", "invoke.yaml:3: bad-config: triagebook.ledger."
     "store_url_env: expected the name of an environment variable but received 'not a name'"),
])
def test_bad_ledger_settings_are_one_line_each(tmp_path, ledger, message):
    root = tmp_path / "p"
    (root / "runbooks").mkdir(parents=True)
    shutil.copy(REPO / "tasks.py", root / "tasks.py")
    (root / "invoke.yaml").write_text(f"triagebook:\n  ledger:\n    {ledger}\n")
    res = inv(root, "incident.list")
    assert res.returncode == 0  # a bad setting is warned and its default used
    where, _, rest = message.partition(": bad-config: ")
    assert res.stderr.strip() == (f"{where}: bad-config: warning: {rest} (the default is "
                                  f"used; inv doctor fails until fixed)")
    assert "hunter2" not in res.stderr


def test_commander_entries_reach_the_store_and_say_when_they_cannot(pg, store, tmp_path):
    """Issue 19 item 7 / 26 item 6: incident.note, severity, mitigate and resolve send
    their event like the runner; with the store down the entry is kept, queued, and the
    responder is told so."""
    bob = laptop(tmp_path, "bob", store)
    assert walk(bob, "bob", "comms", "INC-E", "quit\n").returncode == 0
    res = inv(bob, "incident.note", "INC-E", "customer X confirms", env=env_of("bob"))
    assert res.returncode == 0, res.stderr
    notes = [e["id"] for e in local_events(bob, "INC-E") if e["type"] == "note"]
    assert len(notes) == 1
    assert set(notes) <= set(stored(store, "INC-E"))
    pg.stop()
    try:
        res = inv(bob, "incident.mitigate", "INC-E", env=env_of("bob"))
    finally:
        pg.start()
    assert res.returncode == 0, res.stderr
    assert_no_traceback(res)
    assert "working locally — events are kept and sent by a later append or inv " \
           "incident.sync" in res.stderr
    mitigated = [e["id"] for e in local_events(bob, "INC-E") if e["type"] == "milestone"]
    assert len(mitigated) == 1
    assert not set(mitigated) & set(stored(store, "INC-E"))  # queued, not lost
    assert inv(bob, "incident.sync", env=env_of("bob")).returncode == 0
    assert set(mitigated) <= set(stored(store, "INC-E"))


def test_a_wiped_store_is_found_and_refilled_by_sync(store, tmp_path):
    """Issue 26 item 6: after the store was wiped, nothing here is queued — but the store
    no longer holds what it confirmed: a plain `incident.sync` finds that, says so and
    sends every local event again; `--all` resends idempotently."""
    bob = laptop(tmp_path, "bob", store)
    assert walk(bob, "bob", "comms", "INC-W", "done\nquit\n").returncode == 0
    local = [e["id"] for e in local_events(bob, "INC-W")]
    assert len(local) >= 3
    with psycopg.connect(store, password=PASSWORD) as conn:
        conn.execute("DELETE FROM triagebook.events WHERE incident = 'INC-W'")
    res = inv(bob, "incident.sync", env=env_of("bob"))
    assert res.returncode == 0, res.stderr
    assert "INC-W: the team store had lost events it once held" in res.stdout
    assert sorted(stored(store, "INC-W")) == sorted(local)
    quiet = inv(bob, "incident.sync", env=env_of("bob"))
    assert quiet.stdout.strip() == "incident.sync: 0 events sent, nothing left queued"
    again = inv(bob, "incident.sync", "--all", env=env_of("bob"))
    assert f"INC-W: {len(local)} events sent (0 new to the store)" in again.stdout


def test_a_store_restored_from_an_older_dump_is_refilled_by_the_next_entry(store, tmp_path):
    """A restore loses the newest events: the next event bob records (a note) finds the
    store lacks what it confirmed, and sends everything again, unasked."""
    bob = laptop(tmp_path, "bob", store)
    assert walk(bob, "bob", "comms", "INC-R", "done\nquit\n").returncode == 0
    local = [e["id"] for e in local_events(bob, "INC-R")]
    with psycopg.connect(store, password=PASSWORD) as conn:  # the dump before the walk ended
        conn.execute("DELETE FROM triagebook.events WHERE incident = 'INC-R' AND id = ANY(%s)",
                     (local[2:],))
    res = inv(bob, "incident.note", "INC-R", "checked the replica", env=env_of("bob"))
    assert res.returncode == 0, res.stderr
    assert "INC-R: the team store had lost events it once held" in res.stderr
    assert set(local) <= set(stored(store, "INC-R"))
    assert len(stored(store, "INC-R")) == len(local) + 1


def test_a_teammate_notes_an_incident_only_the_store_knows(store, tmp_path):
    """Issue 26 item 6: bob's disk has never seen INC-G; the store has. His note is
    taken: the incident is fetched first, the note lands after its opening, and syncs."""
    alice, bob = laptop(tmp_path, "alice", store), laptop(tmp_path, "bob", store)
    assert walk(alice, "alice", "comms", "INC-G", "done\nquit\n").returncode == 0
    assert not (bob / "incidents" / "INC-G").exists()
    res = inv(bob, "incident.note", "INC-G", "bob looked at the database",
              env=env_of("bob"))
    assert res.returncode == 0, res.stderr
    mine = local_events(bob, "INC-G")
    assert mine[0]["type"] == "incident.opened"
    assert mine[-1]["type"] == "note"
    assert mine[-1]["id"] in stored(store, "INC-G")
    show = inv(alice, "incident.show", "INC-G", env=env_of("alice")).stdout
    assert "bob looked at the database" in show


def test_doctor_compares_this_clock_with_the_store(store, tmp_path):
    """Issue 26 item 6: a skewed responder is found before the post-mortem shows it."""
    bob = laptop(tmp_path, "bob", store)
    res = inv(bob, "doctor", env=env_of("bob"))
    clock = [ln for ln in res.stdout.splitlines() if ln.split()[1:2] == ["clock:"]]
    assert len(clock) == 1
    assert clock[0].startswith("ok    clock: within ")
    reached = [ln for ln in res.stdout.splitlines() if ln.split()[1:2] == ["store:"]]
    assert reached == [f"ok    store: {store.split('://')[0]}://triagebook@"
                       f"{store.split('@')[1]} reachable"]


def test_doctor_says_the_store_is_down_and_that_runners_carry_on(tmp_path):
    silent = Silent()
    try:
        root = laptop(tmp_path, "dana", "''", extra="    store_url_env: TEAM_URL\n"
                                                    "    timeout: 1\n")
        url = f"postgresql://ops:s3cret-pw-42@127.0.0.1:{silent.port}/ops"  # from the env
        res = inv(root, "doctor", env={**env_of("dana"), "TEAM_URL": url})
    finally:
        silent.close()
    assert "s3cret-pw-42" not in res.stdout + res.stderr  # the store's password, never shown
    lines = [ln for ln in res.stdout.splitlines() if ln.split()[1:2] == ["store:"]]
    assert len(lines) == 1
    assert lines[0].startswith("warn  store: ledger store postgresql://ops@127.0.0.1:")
    assert "unreachable: connection timeout expired: runners work locally" in lines[0]


# ---- team-wide paging decisions (issue 22 item 7) ---------------------------------------

CHANS = ("  escalation:\n    deadline_seconds: 5\n    channels:\n"
         "      page: {kind: file, path: out/page.log, sms: true}\n"
         "      chat: {kind: file, path: out/chat.log}\n"
         "      email: {kind: file, path: out/email.log}\n")


def _store_rows(url: str, sql: str, *args: object) -> list[tuple]:
    with psycopg.connect(url, password=PASSWORD) as conn:
        return conn.execute(sql, args).fetchall()


def test_eight_processes_on_two_machines_send_at_most_the_cap_and_one_meta(store, tmp_path):
    """Two project copies share the store; 8 `inv incident.escalate` processes (4 on each)
    page the same incident at once: at most 3 are sent in all (the cap), the rest are
    muted, naming one meta-incident — which is in the store too."""
    a = laptop(tmp_path, "alice", store, CHANS)
    b = laptop(tmp_path, "bob", store, CHANS)
    for root in (a, b):
        shutil.copy(REPO / "runbooks" / "process" / "escalation-cap-hit.md",
                    root / "runbooks" / "escalation-cap-hit.md")
    assert walk(a, "alice", "demo", "INC-T8", "quit\n").returncode == 0
    procs = [subprocess.Popen(
        [sys.executable, "-m", "invoke", "incident.escalate", "INC-T8", "--class", "RED",
         "--force"], cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "NO_COLOR": "1", **env_of(who)})
        for root, who in [(a, "alice"), (b, "bob")] * 4]
    outs = [p.communicate(timeout=120) for p in procs]
    assert sorted(p.returncode for p in procs) == [0, 0, 0, 1, 1, 1, 1, 1], outs  # muted: 1
    assert [e for _, e in outs if "Traceback" in e] == []
    kinds = _store_rows(store, "SELECT type, body FROM triagebook.events WHERE incident = %s "
                               "AND type IN ('escalation.sent', 'escalation.muted')", "INC-T8")
    sent = [k for k, _ in kinds if k == "escalation.sent"]
    muted = [json.loads(body)["data"] for k, body in kinds if k == "escalation.muted"]
    assert len(sent) == 3
    assert len(muted) == 5
    metas = {m["meta_incident"] for m in muted}
    assert len(metas) == 1
    (meta,) = metas
    assert meta.endswith("-cap")
    assert _store_rows(store, "SELECT count(*) FROM triagebook.events WHERE incident = %s",
                       meta)[0][0] > 0  # the meta-incident's ledger synced like any other


def test_an_ack_on_one_machine_stops_a_tick_on_the_other(store, tmp_path):
    """Bob pages YELLOW (promoted to the loud channel after 1 min unacknowledged); alice
    acknowledges on her machine; bob's tick, 2 min later, asks the store under the team
    lock, sees her ack, and promotes nothing."""
    from freezegun import freeze_time

    promote = CHANS + "  policy:\n    yellow_promote_minutes: 1\n"
    a, b = laptop(tmp_path, "alice", store, promote), laptop(tmp_path, "bob", store, promote)
    with freeze_time("2026-12-04 12:00:00", tick=True) as frozen:
        assert walk(a, "alice", "demo", "INC-AK", "quit\n").returncode == 0
        res = inv(b, "incident.escalate", "INC-AK", "--class", "YELLOW", "--force",
                  "--customer-visible", env=env_of("bob"))
        assert res.returncode == 0, res.stderr
        assert not (b / "out" / "page.log").exists()  # chat and email only
        assert "INC-AK" in (b / "out" / "chat.log").read_text()
        frozen.tick(30)
        assert inv(a, "incident.ack", "INC-AK", "--via", "chat",
                   env=env_of("alice")).returncode == 0
        assert "acknowledged" not in [e["data"].get("name") for e in local_events(b, "INC-AK")]
        frozen.tick(120)
        tick = inv(b, "escalation.tick", env=env_of("bob"))
    assert tick.returncode == 0, tick.stderr
    assert not (b / "out" / "page.log").exists()
    assert "escalation.promoted" not in [e["type"] for e in local_events(b, "INC-AK")]


def test_an_override_recorded_on_one_machine_routes_pages_on_the_other(store, tmp_path):
    """Overrides (and presence) are the team's, not one laptop's: recorded by alice on
    her machine, bob's `oncall.who` names the override."""
    routes = ("  people:\n    alice: {}\n    bob: {}\n    carol: {}\n"
              "  routes:\n    demo-team:\n      rotation: {people: [alice, bob]}\n")
    a = laptop(tmp_path, "alice", store, routes)
    b = laptop(tmp_path, "bob", store, routes)
    res = inv(a, "oncall.override", "demo-team", "carol", "--until", "2099-01-01T00:00:00Z",
              env=env_of("alice"))
    assert res.returncode == 0, res.stderr
    who = inv(b, "oncall.who", "--route", "demo-team", env=env_of("bob"))
    assert who.returncode == 0, who.stderr
    assert "  primary: carol — override recorded by alice" in who.stdout
    assert not (b / "oncall").exists()  # bob's machine read it from the store


def test_a_tick_on_any_machine_serves_the_teams_incidents(store, tmp_path):
    """Alice's YELLOW waits for quiet hours on her laptop, which then closes; bob's
    `escalation.tick` (his disk has never seen the incident) sends it when it is due,
    and alice's copy is not needed for that."""
    from freezegun import freeze_time

    a, b = laptop(tmp_path, "alice", store, CHANS), laptop(tmp_path, "bob", store, CHANS)
    with freeze_time("2026-12-04 02:00:00", tick=True) as frozen:  # quiet hours (UTC)
        assert walk(a, "alice", "demo", "INC-TW", "quit\n").returncode == 0
        res = inv(a, "incident.escalate", "INC-TW", "--class", "YELLOW", "--force",
                  env=env_of("alice"))
        assert res.returncode == 0, res.stderr
        assert "waits until" in res.stdout
        assert not (b / "incidents" / "INC-TW").exists()
        frozen.move_to("2026-12-04 07:01:00")  # quiet hours over
        tick = inv(b, "escalation.tick", env=env_of("bob"))
    assert tick.returncode == 0, tick.stderr
    assert "INC-TW" in (b / "out" / "chat.log").read_text()
    sent = [e for e in local_events(b, "INC-TW") if e["type"] == "escalation.sent"]
    assert len(sent) == 1
    assert sent[0]["data"]["deferred"] is True
    assert sent[0]["id"] in stored(store, "INC-TW")


def test_two_receivers_of_one_alert_group_open_one_incident_and_page_once(store, tmp_path,
                                                                          monkeypatch):
    """An Alertmanager pair sends each notification to both receivers, on two machines:
    four deliveries of a new group at once (two on each) make one incident in the team's
    store and one page; each machine's copy names that incident."""
    from test_alerts import am_payload

    from triagebook.alerts.payload import parse
    from triagebook.config import load_config
    from triagebook.intake.alerts import handle

    monkeypatch.setenv("PGPASSWORD", PASSWORD)
    roots = [laptop(tmp_path, who, store, CHANS) for who in ("alice", "bob")]
    body = json.dumps(am_payload("TeamBurst", labels={"runbook": "demo"})).encode()
    start = threading.Barrier(4)
    outs: list = []

    def deliver(root: Path) -> None:
        cfg = load_config(root)
        start.wait()
        outs.append(handle(cfg, body)[1])

    threads = [threading.Thread(target=deliver, args=(root,)) for root in roots * 2]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(outs) == 4
    assert len({o.incident for o in outs}) == 1
    assert sum(o.opened for o in outs) == 1
    (iid,) = {o.incident for o in outs}
    opened = _store_rows(store, "SELECT count(*) FROM triagebook.events WHERE incident = %s "
                                "AND type = 'incident.opened'", iid)
    assert opened[0][0] == 1
    assert _store_rows(store, "SELECT count(DISTINCT incident) FROM triagebook.events WHERE "
                              "type = 'alert.fired' AND body LIKE %s",
                       f"%{parse(body).digest}%")[0][0] == 1
    sent = _store_rows(store, "SELECT count(*) FROM triagebook.events WHERE incident = %s AND "
                              "type = 'escalation.sent'", iid)
    assert sent[0][0] == 1
    for root in roots:
        assert [e["type"] for e in local_events(root, iid)][0] == "incident.opened"


def test_a_slow_refusal_is_not_held_only_a_timeout_is(monkeypatch):
    """A wrong password from a store far away fails in 0.3 s: it cost no wait, so the
    next call tries again (and says the real reason); one that ran into its timeout is
    held."""
    from triagebook.incident.store import pg_link
    from triagebook.incident.store.base import StoreUnavailable

    now = [0.0]
    calls: list[str] = []

    def connect(*args, **kwargs):
        calls.append("try")
        now[0] += delay[0]
        raise psycopg.OperationalError(reason[0])

    delay, reason = [0.3], ["password authentication failed for user \"ops\""]
    monkeypatch.setattr(pg_link, "_clock", lambda: now[0])
    monkeypatch.setattr(pg_link, "_held", {})
    monkeypatch.setattr(psycopg, "connect", connect)
    link = pg_link.PgLink("postgresql://ops@db.far.example/ops", timeout=2.0)
    for _ in range(2):
        with pytest.raises(StoreUnavailable, match="password authentication failed"):
            link._call(lambda conn: None)
    assert len(calls) == 2
    delay[0], reason[0] = 2.0, "connection timeout expired"
    for _ in range(2):
        with pytest.raises(StoreUnavailable, match="timeout expired"):
            link._call(lambda conn: None)
    assert len(calls) == 3  # the second was held


@pytest.mark.parametrize("body", ["garbage", '{"incident": "../../etc"}',
                                  '{"incident": null}', '{"incident": 7}'])
def test_an_unreadable_group_claim_in_the_store_is_replaced_not_split(store, tmp_path,
                                                                       monkeypatch, body):
    """A team record that does not name an incident is replaced by the first receiver's
    claim, so the second receiver finds it: one incident, never one per machine."""
    from test_alerts import am_payload

    from triagebook.alerts.payload import parse
    from triagebook.config import load_config
    from triagebook.intake.alerts import handle

    monkeypatch.setenv("PGPASSWORD", PASSWORD)
    alice, bob = (laptop(tmp_path, who, store, CHANS) for who in ("alice", "bob"))
    raw = json.dumps(am_payload("Broken", labels={"runbook": "demo"})).encode()
    _store_rows(store, "INSERT INTO triagebook.oncall (id, kind, body) VALUES (%s, %s, %s) "
                       "RETURNING id", f"alert-group:{parse(raw).digest}", "alert-group", body)
    first = handle(load_config(alice), raw)[1]
    second = handle(load_config(bob), raw)[1]
    assert first.incident == second.incident
    assert first.incident.startswith("INC-")
    assert (first.opened, second.opened) == (True, False)


def test_the_teams_claim_wins_over_a_machines_own_and_a_bad_local_one_is_none(store, tmp_path,
                                                                             monkeypatch):
    """Alice claimed the group while the store was away (her index names INC-…-zzzz);
    bob's claim is the team's: alice's next delivery joins bob's incident.  A local
    index that names no incident (`../../etc`) is no claim at all."""
    from test_alerts import am_payload

    from triagebook.alerts.claim import INDEX
    from triagebook.alerts.payload import parse
    from triagebook.config import load_config
    from triagebook.intake.alerts import handle

    monkeypatch.setenv("PGPASSWORD", PASSWORD)
    alice, bob = (laptop(tmp_path, who, store, CHANS) for who in ("alice", "bob"))
    raw = json.dumps(am_payload("Split", labels={"runbook": "demo"})).encode()
    digest = parse(raw).digest
    theirs = handle(load_config(bob), raw)[1].incident
    (alice / "incidents" / INDEX).mkdir(parents=True)
    (alice / "incidents" / INDEX / digest).write_text("INC-20261204-0000-zzzz\n")
    assert handle(load_config(alice), raw)[1].incident == theirs
    (alice / "incidents" / INDEX / digest).write_text("../../etc\n")
    assert handle(load_config(alice), raw)[1].incident == theirs


def test_a_store_that_fails_inside_the_claim_leaves_it_to_the_machine(tmp_path, monkeypatch,
                                                                       capsys):
    """The group's lock was taken, then the store stopped answering: the delivery is
    claimed on this machine (said once), never a traceback or a dropped connection."""
    from test_alerts import am_payload

    from triagebook.config import load_config
    from triagebook.incident.store.base import StoreUnavailable
    from triagebook.incident.store.pg_team import PgTeam
    from triagebook.intake.alerts import handle

    def down(self, *args):
        raise StoreUnavailable(self.where, "server closed the connection unexpectedly")

    monkeypatch.setattr(PgTeam, "lock_incident", lambda self, key, wait: True)
    monkeypatch.setattr(PgTeam, "unlock_incident", lambda self, key: None)
    monkeypatch.setattr(PgTeam, "record", down)
    root = laptop(tmp_path, "alice", "postgresql://ops@127.0.0.1:9/ops", CHANS)
    out = handle(load_config(root), json.dumps(am_payload("Down")).encode())[1]
    assert out.opened
    err = capsys.readouterr().err
    assert err.count("claiming the alert group on this machine only") == 1
    assert "Traceback" not in err
    assert "escalation.sent" in [e["type"] for e in local_events(root, out.incident)]

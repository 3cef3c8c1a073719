"""`inv runbook.run` and `inv incident.*` end to end, through real subprocesses."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import FIXTURES, assert_no_traceback, inv

SECRET = "sk-live-9f8e7d6c5b4a39281706"


@pytest.fixture
def proj(project: Path) -> Path:
    shutil.copy(FIXTURES / "runner" / "demo.md", project / "runbooks" / "demo.md")
    return project


def events(root: Path, iid: str) -> list[dict]:
    path = root / "incidents" / iid / "events.jsonl"
    return [json.loads(x) for x in path.read_text().splitlines() if x.strip()]


def run(root: Path, *args: str, script: str = "", **kw) -> subprocess.CompletedProcess[str]:
    return inv(root, "runbook.run", "demo", *args, input=script,
               env={"TRIAGEBOOK_OPERATOR": "alice"}, **kw)


def test_piped_session_records_every_action(proj):
    res = run(proj, "--incident", "INC-1", "--context", "server_id=srv-abc",
              "--detected", "2026-11-22T02:14:00Z",
              script="ack\ndone\nnote looked at the window\nskip nothing to see\nrun\ny\n"
                     "severity SEV1\nmitigated\nquit\n")
    assert res.returncode == 0, res.stderr
    assert_no_traceback(res)
    assert "step 1/4" in res.stdout
    assert "Inspect srv-abc" in res.stdout
    assert "Look back 30m" in res.stdout  # optional value undefined: the default filter
    assert "  | failing" in res.stdout
    assert "exit 3 after" in res.stdout
    evs = events(proj, "INC-1")
    assert [e["seq"] for e in evs] == list(range(1, len(evs) + 1))
    assert [e["type"] for e in evs] == [
        "incident.opened", "runbook.attached", "session.started", "milestone", "step.done",
        "note", "step.skipped", "command", "severity.changed", "milestone", "session.ended"]
    assert all(e["ts"].endswith("Z") for e in evs)
    assert all(e["actor"] == "alice" for e in evs)
    assert all(e["runbook"] == "demo" for e in evs[1:])
    opened = evs[0]["data"]
    assert opened["detected_at"] == "2026-11-22T02:14:00.000Z"
    assert opened["severity"] == "SEV2"
    assert evs[1]["data"]["steps"][0] == "Inspect srv-abc"
    assert len(evs[1]["data"]["hash"]) == 32
    assert (proj / evs[1]["data"]["snapshot"]).is_file()
    cmd = evs[7]
    assert cmd["step"] == 3
    assert cmd["data"]["exit_code"] == 3
    assert "failing" in cmd["data"]["output"]
    assert evs[6]["data"]["reason"] == "nothing to see"

    shown = inv(proj, "incident.show", "INC-1")
    assert "INC-1  SEV1  mitigated  Demo outage" in shown.stdout
    assert "done    1. Inspect srv-abc\n" in shown.stdout
    assert "skipped 2. Look back 30m — nothing to see (1 note)" in shown.stdout
    assert "pending 3. Fail on purpose (1 command, 1 FAILED)" in shown.stdout
    listed = inv(proj, "incident.list", "--format", "json")
    (row,) = json.loads(listed.stdout)
    assert (row["id"], row["status"], row["runbook"]) == ("INC-1", "mitigated", "demo")
    tl = json.loads(inv(proj, "incident.timeline", "INC-1", "--format", "json").stdout)
    assert tl[0]["event"] == "detected"
    assert tl[0]["ts"] == "2026-11-22T02:14:00Z"
    csv = inv(proj, "incident.timeline", "INC-1", "--format", "csv").stdout
    assert csv.splitlines()[0] == "utc,local,actor,event,detail,runbook,step"
    assert csv.splitlines()[2].split(",")[2] == "alice"  # who did it


def test_norun_and_bad_actions_record_nothing(proj):
    res = run(proj, "--incident", "INC-2", "--context", "server_id=srv-abc",
              script="next\nnext\nnext\nrun\nrun 7\nfrobnicate\nseverity SEV9\nrun\nn\nquit\n")
    assert "its shell blocks are marked norun" in res.stdout
    assert "unknown action 'frobnicate'" in res.stdout
    assert "severity: expected one of SEV1, SEV2, SEV3, SEV4 but received 'SEV9'" in res.stdout
    types = [e["type"] for e in events(proj, "INC-2")]
    assert "command" not in types
    assert "severity.changed" not in types


def test_kill_9_mid_session_loses_nothing_recorded(proj):
    env = {**os.environ, "TRIAGEBOOK_OPERATOR": "alice"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "invoke", "runbook.run", "demo", "--incident", "INC-K",
         "--context", "server_id=srv-abc"], cwd=proj, stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True, env=env)
    assert proc.stdin is not None
    ledger = proj / "incidents" / "INC-K" / "events.jsonl"

    def send(line: str, count: int) -> None:
        proc.stdin.write(line + "\n")
        proc.stdin.flush()
        deadline = time.time() + 20
        while time.time() < deadline:
            if ledger.exists() and len(ledger.read_text().splitlines()) >= count:
                return
            time.sleep(0.05)
        raise AssertionError(f"event {count} never written")

    send("ack", 4)
    send("done", 5)
    send("note half way through step 2", 6)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    before = events(proj, "INC-K")
    assert [e["type"] for e in before][-3:] == ["milestone", "step.done", "note"]
    # a crash mid-write leaves a torn line: it is ignored, then cut before the next append
    with open(ledger, "a") as fh:
        fh.write('{"seq": 7, "ts": "2026-11-22T0')
    res = run(proj, "--incident", "INC-K", "--context", "server_id=srv-abc", script="done\nq\n")
    assert res.returncode == 0, res.stderr
    assert "resuming INC-K (acknowledged, SEV2): 1/4 steps finished" in res.stdout
    assert "step 2/4" in res.stdout.split("resuming")[1]
    after = events(proj, "INC-K")
    assert after[:len(before)] == before
    assert [e["seq"] for e in after] == list(range(1, len(after) + 1))
    assert [e["type"] for e in after[len(before):]] == ["session.started", "step.done",
                                                         "session.ended"]
    assert after[len(before) + 1]["step"] == 2


def test_second_runner_is_refused_while_first_holds_the_incident(proj):
    env = {**os.environ, "TRIAGEBOOK_OPERATOR": "alice"}
    first = subprocess.Popen(
        [sys.executable, "-m", "invoke", "runbook.run", "demo", "--incident", "INC-C",
         "--context", "server_id=srv-abc"], cwd=proj, stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        ledger = proj / "incidents" / "INC-C" / "events.jsonl"
        deadline = time.time() + 20
        while not (ledger.exists() and "session.started" in ledger.read_text()):
            assert time.time() < deadline
            time.sleep(0.05)
        second = run(proj, "--incident", "INC-C", "--context", "server_id=srv-abc",
                     script="done\nq\n")
        assert second.returncode == 1
        assert second.stderr.startswith(f"incident INC-C is open in another runner (pid "
                                        f"{first.pid} on ")
        assert_no_traceback(second)
        out, _ = first.communicate("done\nquit\n", timeout=30)
        assert first.returncode == 0
    finally:
        if first.poll() is None:
            first.kill()
    types = [e["type"] for e in events(proj, "INC-C")]
    assert types.count("step.done") == 1
    assert types.count("session.started") == 1
    third = run(proj, "--incident", "INC-C", "--context", "server_id=srv-abc", script="q\n")
    assert third.returncode == 0
    assert "resuming INC-C" in third.stdout


@pytest.mark.parametrize("bad", ["../escape", "a/b", "INC 1", "x" * 65, ".", "..",
                                 "/etc/passwd"])
def test_bad_incident_ids(proj, bad):
    res = run(proj, "--incident", bad, "--context", "server_id=srv-abc", script="q\n")
    assert res.returncode == 1
    assert "expected 1-64 letters, digits, '-' or '_' (no paths)" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    assert not (proj / "incidents").exists()
    assert not (proj.parent / "escape").exists()


def test_changed_runbook_is_refused_then_forced(proj):
    assert run(proj, "--incident", "INC-F", "--context", "server_id=srv-abc",
               script="done\nq\n").returncode == 0
    rb = proj / "runbooks" / "demo.md"
    rb.write_text(rb.read_text().replace("### Dangerous", "### Dangerous and renamed"))
    res = run(proj, "--incident", "INC-F", "--context", "server_id=srv-abc", script="q\n")
    assert res.returncode == 1
    assert "demo changed since INC-F started" in res.stderr
    assert "--force" in res.stderr
    assert_no_traceback(res)
    res = run(proj, "--incident", "INC-F", "--force", "--context", "server_id=srv-abc",
              script="q\n")
    assert res.returncode == 0, res.stderr
    forced = [e for e in events(proj, "INC-F") if e["type"] == "runbook.forced"]
    assert len(forced) == 1
    assert forced[0]["data"]["steps"][3] == "Dangerous and renamed"
    assert "step 2/4" in res.stdout  # step 1 stays done


def test_missing_required_context_without_a_terminal(proj):
    res = run(proj, "--incident", "INC-M", script="q\n")
    assert res.returncode == 1
    assert res.stderr.strip() == ("demo: required context 'server_id' is missing: server id; "
                                  "pass --context server_id=VALUE (e.g. srv-abc123)")
    res = run(proj, "--incident", "INC-M", "--context", "server_id=nope", script="q\n")
    assert "expected a value matching '^srv-[a-z0-9]+$' but received 'nope'" in res.stderr
    res = run(proj, "--detected", "2026-11-22 03:00", "--context", "server_id=srv-a",
              script="q\n")
    assert res.returncode == 1
    assert "has no time zone" in res.stderr
    res = inv(proj, "runbook.run", "dmeo", input="")
    assert "did you mean 'demo'" in res.stderr


def test_context_file_and_generated_id(proj):
    (proj / "ctx.yaml").write_text("server_id: srv-fromfile\nwindow: 2h\n")
    res = run(proj, "--context-file", "ctx.yaml", script="q\n")
    assert res.returncode == 0, res.stderr
    (iid,) = [p.name for p in (proj / "incidents").iterdir()]
    assert iid.startswith("INC-")
    assert len(iid) == len("INC-20261122-0214-k3fz")
    assert "Inspect srv-fromfile" in res.stdout
    attached = events(proj, iid)[1]["data"]
    assert attached["context"] == {"server_id": "srv-fromfile", "window": "2h"}
    assert attached["steps"][1] == "Look back 2h"


def test_secret_reaches_no_file_and_no_output(proj):
    (proj / "ctx.yaml").write_text(f"api_token: {SECRET}\n")
    res = run(proj, "--incident", "INC-S", "--context", "server_id=srv-abc",
              "--context-file", "ctx.yaml",
              script=f"run\ny\nnote the token {SECRET} worked\ndone\nresolved\nquit\n")
    assert res.returncode == 0, res.stderr
    assert "leak: [REDACTED:api_token]" in res.stdout  # the command saw it, the log did not
    assert f"checking srv-abc with {len(SECRET)}-char token [REDACTED:api_token]" in res.stdout
    assert SECRET not in res.stdout + res.stderr
    written = [p for p in proj.rglob("*") if p.is_file() and p.name != "ctx.yaml"]
    assert any(p.name == "INC-S.md" for p in written)  # SEV2: post-mortem draft written
    for p in written:
        assert SECRET not in p.read_text(errors="replace"), p
    for p in (proj / "incidents").rglob("*"):
        if p.is_file():
            assert SECRET not in p.read_bytes().decode("utf-8", "replace"), p
    for cmd in ("incident.show", "incident.timeline"):
        assert SECRET not in inv(proj, cmd, "INC-S").stdout


def test_command_timeout_and_second_runbook_in_the_same_incident(proj):
    shutil.copy(FIXTURES / "runner" / "slow.md", proj / "runbooks" / "slow.md")
    assert run(proj, "--incident", "INC-T", "--context", "server_id=srv-abc",
               script="done\nq\n").returncode == 0
    t0 = time.time()
    res = inv(proj, "runbook.run", "slow", "--incident", "INC-T", "--context",
              "server_id=srv-abc", "--command-timeout", "1", input="run\ny\ndone\nq\n",
              env={"TRIAGEBOOK_OPERATOR": "bob"})
    assert res.returncode == 0, res.stderr
    assert time.time() - t0 < 20
    assert "  | started" in res.stdout
    assert "timed out after" in res.stdout
    evs = events(proj, "INC-T")
    cmd = [e for e in evs if e["type"] == "command"][0]
    assert cmd["runbook"] == "slow"
    assert cmd["data"]["timed_out"] is True
    assert cmd["data"]["exit_code"] is None
    assert "never" not in cmd["data"]["output"]
    assert {e["runbook"] for e in evs if e["type"] == "runbook.attached"} == {"demo", "slow"}
    shown = inv(proj, "incident.show", "INC-T").stdout
    assert "runbook demo: 1 done" in shown
    assert "runbook slow: 1 done" in shown

"""Capture before destroy: a `destructive` block waits for evidence on its step."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, assert_no_traceback, inv


@pytest.fixture
def proj(project: Path) -> Path:
    shutil.copy(FIXTURES / "evidence" / "wedged.md", project / "runbooks" / "wedged.md")
    return project


def walk(root: Path, iid: str, script: str):
    res = inv(root, "runbook.run", "wedged", "--incident", iid, "--context", "host=wk-7",
              input=script, env={"TRIAGEBOOK_OPERATOR": "alice"})
    assert res.returncode == 0, res.stderr
    assert_no_traceback(res)
    return res


def commands(root: Path, iid: str) -> list[dict]:
    lines = (root / "incidents" / iid / "events.jsonl").read_text().splitlines()
    return [e for e in map(json.loads, lines) if e["type"] == "command"]


def test_refused_without_evidence_then_runs_after_a_note(proj):
    res = walk(proj, "INC-D1", "done\nrun\ny\nquit\n")
    assert "refused: step 2 has no evidence recorded yet" in res.stdout
    assert "note TEXT" in res.stdout  # says how to give it
    assert not (proj / "replay-proof").exists() and commands(proj, "INC-D1") == []

    res = walk(proj, "INC-D1", "note worker 4242 stuck in D state since 02:10\nrun\ny\nquit\n")
    assert "refused" not in res.stdout and "exit 0 after" in res.stdout
    assert (proj / "replay-proof").exists()
    (cmd,) = commands(proj, "INC-D1")
    assert cmd["step"] == 2 and cmd["data"]["destructive"] is True
    assert cmd["data"]["forced"] is False


def test_output_of_a_read_only_command_on_the_step_is_evidence(proj):
    (proj / "runbooks" / "wedged.md").write_text(
        (proj / "runbooks" / "wedged.md").read_text().replace(
            "### Restart the worker\n",
            "### Restart the worker\n\n```sh\necho 'threads: 12 blocked'\n```\n"))
    res = walk(proj, "INC-D2", "done\nrun 2\ny\nrun 1\ny\nrun 2\ny\nquit\n")
    assert res.stdout.count("refused: step 2") == 1
    assert [c["data"]["command"].strip() for c in commands(proj, "INC-D2")] == [
        "echo 'threads: 12 blocked'", "touch replay-proof"]


def test_typed_force_runs_it_and_is_recorded(proj):
    res = walk(proj, "INC-D3", "done\nrun\nforce\ny\nquit\n")
    assert "refused: step 2" in res.stdout and (proj / "replay-proof").exists()
    (cmd,) = commands(proj, "INC-D3")
    assert cmd["data"]["forced"] is True and cmd["data"]["destructive"] is True
    shown = inv(proj, "incident.replay", "INC-D3").stdout
    assert "destructive, FORCED without evidence" in shown
    timeline = inv(proj, "incident.timeline", "INC-D3", "--format", "md").stdout
    row = next(ln for ln in timeline.splitlines() if "touch replay-proof" in ln)
    assert "`touch replay-proof` → exit 0" in row
    assert "destructive, FORCED without evidence" in row


def test_a_forced_run_is_not_evidence_for_the_next_one(proj):
    res = walk(proj, "INC-D4", "done\nrun\nforce\ny\nrun\nno\nquit\n")
    assert res.stdout.count("refused: step 2") == 2
    assert len(commands(proj, "INC-D4")) == 1

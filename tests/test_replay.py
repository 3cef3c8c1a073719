"""`inv incident.replay`: what happened, step by step, against today's runbook; runs nothing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, assert_no_traceback, inv

SECRET = "sk-live-44aa99bb22cc77dd"


@pytest.fixture
def walked(project: Path) -> Path:
    """INC-R: step 1 run, step 2's destructive `touch replay-proof` run after a note."""
    shutil.copy(FIXTURES / "evidence" / "wedged.md", project / "runbooks" / "wedged.md")
    (project / "ctx.yaml").write_text(f"api_token: {SECRET}\n")
    res = inv(project, "runbook.run", "wedged", "--incident", "INC-R", "--context", "host=wk-7",
              "--context-file", "ctx.yaml", "--detected", "2026-11-22T02:14:00Z",
              input="ack\nrun\ny\ndone\nnote pid 4242 in D state\nrun\ny\ndone\n"
                    "skip nobody awake in ops\nmitigated\nquit\n",
              env={"TRIAGEBOOK_OPERATOR": "alice"})
    assert res.returncode == 0, res.stderr
    proof = project / "replay-proof"
    assert proof.exists()  # the real run did create it
    proof.unlink()
    (project / "ctx.yaml").unlink()
    return project


def test_replay_executes_nothing(walked):
    res = inv(walked, "incident.replay", "INC-R")
    assert res.returncode == 0, res.stderr
    assert "touch replay-proof → exit 0" in res.stdout
    assert not (walked / "replay-proof").exists()
    assert "dry run: nothing is executed" in res.stdout.splitlines()[0]


def test_steps_as_the_responder_saw_them_then_what_was_done(walked):
    out = inv(walked, "incident.replay", "INC-R").stdout
    step1 = out[out.index("step 1 · Look at wk-7 · done"):out.index("step 2 ·")]
    assert "│ echo \"state of wk-7: wedged (token ${TRIAGEBOOK_SECRET_API_TOKEN})\"" in step1
    assert "| state of wk-7: wedged (token [REDACTED:api_token])" in step1  # output excerpt
    assert "command       block 1 (sh): echo" in step1
    step2 = out[out.index("step 2 · Restart the worker · done"):out.index("step 3 ·")]
    assert step2.index("note          pid 4242 in D state") < step2.index("(sh, destructive)")
    step3 = out[out.index("step 3 · Tell the team"):]
    assert "step skipped  nobody awake in ops" in step3
    assert "│ Post in the ops channel that wk-7 was restarted." in step3
    incident = out[out.index("incident:"):out.index("runbook wedged")]
    assert "acknowledged  via runner" in incident and "mitigated     via runner" in incident
    assert SECRET not in out
    assert "runbook now: unchanged since the incident" in out


def test_offsets_are_relative_to_detection(walked):
    doc = json.loads(inv(walked, "incident.replay", "INC-R", "--format", "json").stdout)
    assert doc["dry_run"] is True and doc["detected_at"] == "2026-11-22T02:14:00.000Z"
    (rb,) = doc["runbooks"]
    note = rb["steps"][1]["actions"][0]
    assert note["kind"] == "note" and note["offset"].startswith("+")
    assert all(s["change"] is None or s["change"]["kind"] == "same" for s in rb["steps"])


def test_marks_what_changed_in_the_runbook_since(walked):
    shutil.copy(FIXTURES / "evidence" / "wedged-edited.md", walked / "runbooks" / "wedged.md")
    out = inv(walked, "incident.replay", "INC-R").stdout
    assert "changed since the incident (runbooks/wedged.md) — steps 1 edited, 1 added, " \
           "1 removed" in out
    assert "step 1 · Look at wk-7 · done  [EDITED since: text or commands changed]" in out
    assert "+journalctl -u worker --since -15m | tail -n 50" in out
    assert "step 2 · Restart the worker · done\n" in out  # same text, now step 3
    assert "step 3 · Tell the team · skipped  [REMOVED since: no longer in the runbook]" in out
    assert "ADDED since: step 2 · Drain the queue first" in out
    doc = json.loads(inv(walked, "incident.replay", "INC-R", "--format", "json").stdout)
    (rb,) = doc["runbooks"]
    assert [s["change"]["kind"] for s in rb["steps"]] == ["edited", "same", "removed"]
    assert [(c["kind"], c["new"], c["title"]) for c in rb["added"]] == [
        ("added", 2, "Drain the queue first")]


def test_replay_from_a_bundle_elsewhere(walked, tmp_path_factory):
    inbox = tmp_path_factory.mktemp("inbox")
    assert inv(walked, "incident.bundle", "INC-R", "--out", str(inbox)).returncode == 0
    away = tmp_path_factory.mktemp("reviewer")  # another project, without this runbook
    shutil.copy(walked / "tasks.py", away / "tasks.py")
    res = inv(away, "incident.replay", str(inbox / "INC-R.tar.gz"))
    assert res.returncode == 0, res.stderr
    assert f"from bundle {inbox / 'INC-R.tar.gz'}" in res.stdout
    assert "step 2 · Restart the worker · done" in res.stdout
    assert "runbook now: not compared: runbooks folder not found" in res.stdout
    assert not (away / "replay-proof").exists() and not (walked / "replay-proof").exists()
    # read in memory: nothing extracted next to the bundle or in the reviewer's folder
    assert [p.name for p in inbox.iterdir()] == ["INC-R.tar.gz"]
    assert [p.name for p in away.iterdir() if p.name != "__pycache__"] == ["tasks.py"]


def test_bad_targets_are_one_line(walked, tmp_path):
    for target, words in (("INC-NOPE", "no incident 'INC-NOPE'"),
                          ("../x", "no paths"),
                          (str(tmp_path / "nothing.tar.gz"), "no such file")):
        res = inv(walked, "incident.replay", target)
        assert res.returncode == 1
        assert_no_traceback(res)
        assert words in res.stderr and len(res.stderr.strip().splitlines()) == 1, res.stderr


def test_reordered_steps_are_marked_moved_once(walked):
    path = walked / "runbooks" / "wedged.md"
    text = path.read_text()
    head, rest = text.split("### Restart the worker\n")
    restart, tell = rest.split("### Tell the team\n")
    path.write_text(f"{head}### Tell the team\n{tell.rstrip()}\n\n### Restart the worker\n"
                    f"{restart}")
    out = inv(walked, "incident.replay", "INC-R").stdout
    assert "steps 1 moved" in out and out.count("[MOVED since: moved to step") == 1
    assert "EDITED" not in out and "ADDED" not in out and "REMOVED" not in out

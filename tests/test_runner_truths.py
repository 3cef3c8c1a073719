"""The runner and its neighbours say what really happened (real `inv` subprocesses)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, assert_no_traceback, inv

CTX = ("--context", "region=eu-north-1", "--context", "cluster=c1")


@pytest.fixture
def proj(project: Path) -> Path:
    for name in ("strict.md", "demo.md"):
        shutil.copy(FIXTURES / "runner" / name, project / "runbooks" / name)
    return project


def run(root: Path, *args: str, script: str = "q\n"):
    return inv(root, "runbook.run", "strict", *args, input=script,
               env={"TRIAGEBOOK_OPERATOR": "alice"})


def events(root: Path, iid: str) -> list[dict]:
    path = root / "incidents" / iid / "events.jsonl"
    return [json.loads(x) for x in path.read_text().splitlines() if x.strip()]


def commands(root: Path, iid: str) -> list[dict]:
    return [e["data"] for e in events(root, iid) if e["type"] == "command"]


# ---- exit status is the truth ------------------------------------------------------------

@pytest.fixture
def failed(proj: Path) -> Path:
    res = run(proj, "--incident", "INC-F", *CTX, script="run\ny\nnext\nrun\ny\nq\n")
    assert res.returncode == 0, res.stderr
    return proj


def test_a_failing_pipeline_stage_fails_the_block(failed):
    assert commands(failed, "INC-F")[0]["exit_code"] == 1


def test_the_failing_line_is_recorded(failed):
    first = commands(failed, "INC-F")[0]
    assert (first["failed_line"], first["failed_command"]) == (2, "false | cat")


def test_nothing_after_the_failing_line_runs(failed):
    assert commands(failed, "INC-F")[0]["output"] == "before"


def test_a_failing_first_stage_piped_into_a_working_one_fails(failed):
    second = commands(failed, "INC-F")[1]
    assert (second["exit_code"], second["failed_line"]) == (1, 1)


def test_the_ledger_says_which_shell_ran_it(failed):
    assert commands(failed, "INC-F")[0]["shell"].startswith("bash -o errexit -o pipefail")


def test_the_runner_says_the_command_failed(proj):
    res = run(proj, "--incident", "INC-F2", *CTX, script="run\ny\nq\n")
    assert "failed: exit 1 at line 2: false | cat after" in res.stdout


def test_incident_show_marks_failed_commands(failed):
    shown = inv(failed, "incident.show", "INC-F").stdout
    assert "FAILED: exit 1 at line 2: false | cat" in shown


def test_the_timeline_marks_failed_commands(failed):
    rows = json.loads(inv(failed, "incident.timeline", "INC-F", "--format", "json").stdout)
    assert [r["event"] for r in rows if r["event"].startswith("command")] == [
        "command failed", "command failed"]


def test_the_postmortem_feedback_names_the_failed_line(failed):
    assert inv(failed, "postmortem.new", "INC-F").returncode == 0
    text = (failed / "postmortems" / "INC-F.md").read_text()
    assert "command failed (exit 1 at line 2: `false | cat`)" in text


# ---- --help after a positional ------------------------------------------------------------

@pytest.mark.parametrize("task", ["runbook.run", "runbook.show", "runbook.match", "runbook.new",
                                  "incident.show", "incident.timeline", "incident.note",
                                  "incident.resolve", "incident.severity", "postmortem.new",
                                  "site.export"])
def test_help_after_a_task_with_a_positional_prints_its_help(proj, task):
    res = inv(proj, task, "--help")
    assert res.stdout.startswith(f"Usage: inv [--core-opts] {task} "), res.stdout + res.stderr


def test_help_creates_nothing(proj):
    before = sorted(p.name for p in proj.rglob("*"))
    for task in ("runbook.new", "runbook.run", "site.export"):
        assert inv(proj, task, "-h").returncode == 0
    assert sorted(p.name for p in proj.rglob("*")) == before


# ---- context: shown, listed, checked ------------------------------------------------------

def test_show_with_partial_context_marks_the_missing_and_fills_defaults(proj):
    res = inv(proj, "runbook.show", "strict", "--context", "region=eu-north-1")
    assert "## Step 2/2: Read the last 30m on <cluster>" in res.stdout


def test_run_start_lists_every_context_value_and_its_source(proj):
    res = run(proj, "--incident", "INC-L", *CTX)
    listed = res.stdout.split("context:\n")[1].split("\n\n")[0].splitlines()
    assert listed == ["  region = eu-north-1", "  cluster = c1", "  window = 30m   (default)"]


def test_a_missing_context_error_names_every_missing_value(proj):
    res = run(proj, "--incident", "INC-M")
    assert res.stderr.strip() == (
        "strict: 2 required context values are missing: 'region' (region to look at, e.g. "
        "eu-north-1); 'cluster' (cluster name); pass --context region=VALUE --context "
        "cluster=VALUE")


@pytest.mark.parametrize("args", [
    ("--context", "region=eu-north-1"),  # a required value missing
    ("--context", "nonsense=1", *CTX),  # an undeclared name
    ("--detected", "2999-01-01T00:00:00Z", *CTX),  # the future
    ("--severity", "SEV9", *CTX),
])
def test_a_refused_start_leaves_nothing_on_disk(proj, args):
    res = run(proj, "--incident", "INC-NEW", *args)
    assert res.returncode == 1, res.stderr
    assert len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert not (proj / "incidents").exists()


def test_a_future_detection_time_is_refused(proj):
    res = run(proj, "--incident", "INC-FUT", "--detected", "2999-01-01T00:00:00Z", *CTX)
    assert "--detected '2999-01-01T00:00:00Z': is in the future" in res.stderr


def test_a_refused_resume_leaves_the_incident_as_it_was(proj):
    assert run(proj, "--incident", "INC-R", *CTX).returncode == 0
    before = sorted(p.name for p in (proj / "incidents" / "INC-R").rglob("*"))
    res = run(proj, "--incident", "INC-R", "--context", "nonsense=1")
    assert res.returncode == 1
    assert sorted(p.name for p in (proj / "incidents" / "INC-R").rglob("*")) == before


# ---- severities in any case ---------------------------------------------------------------

def test_severity_flag_is_case_insensitive(proj):
    assert run(proj, "--incident", "INC-S", "--severity", "sev1", *CTX).returncode == 0
    assert events(proj, "INC-S")[0]["data"]["severity"] == "SEV1"


def test_severity_action_is_case_insensitive(proj):
    run(proj, "--incident", "INC-S2", *CTX, script="severity sev3\nq\n")
    changed = [e["data"]["to"] for e in events(proj, "INC-S2") if e["type"] == "severity.changed"]
    assert changed == ["SEV3"]


def test_list_severity_filter_is_case_insensitive(proj):
    res = inv(proj, "runbook.list", "--severity", "sev2", "--format", "json")
    assert sorted(r["id"] for r in json.loads(res.stdout)) == ["demo", "strict"]


# ---- match from stdin, escalate once ------------------------------------------------------

def test_match_dash_reads_the_text_from_stdin(proj):
    res = inv(proj, "runbook.match", "-", "--format", "json",
              input='{"level":"error","error_code":"strict_shell"}\n')
    assert json.loads(res.stdout)[0]["id"] == "strict"


def test_the_runner_escalate_action_prints_the_message_once(proj):
    res = run(proj, "--incident", "INC-E", *CTX, script="escalate RED pipeline broken\nq\n")
    assert_no_traceback(res)
    assert res.stdout.count("[ESCALATION:RED]") == 1, res.stdout


# ---- a diagnostic block runs every line (issue 19 item 4) ------------------------------

@pytest.fixture
def diagnosed(proj: Path) -> tuple[Path, str]:
    shutil.copy(FIXTURES / "runner" / "diagnose.md", proj / "runbooks" / "diagnose.md")
    res = inv(proj, "runbook.run", "diagnose", "--incident", "INC-DX", input="run\ny\nq\n",
              env={"TRIAGEBOOK_OPERATOR": "alice"})
    assert res.returncode == 0, res.stderr
    return proj, res.stdout


def test_every_line_of_a_diagnostic_block_runs(diagnosed):
    proj, _ = diagnosed
    out = commands(proj, "INC-DX")[0]["output"].splitlines()
    assert out == ["rollout: waiting", "pods: web-1 CrashLoopBackOff",
                   "events: back-off restarting"]


def test_the_block_fails_with_its_first_failure_and_names_every_failing_line(diagnosed):
    proj, _ = diagnosed
    cmd = commands(proj, "INC-DX")[0]
    assert cmd["exit_code"] == 1
    assert cmd["failed_line"] == 1
    assert cmd["failed_lines"] == [1, 3]


def test_the_screen_says_every_line_ran_and_which_failed(diagnosed):
    _, stdout = diagnosed
    assert "every line runs, each failure is shown" in stdout
    assert "failed: exit 1 at line 1: echo \"rollout: waiting\"; false (every line ran; also " \
           "failed: line 3) after" in stdout


def test_a_diagnostic_block_runs_without_errexit_and_pipefail_stays(diagnosed):
    proj, _ = diagnosed
    assert commands(proj, "INC-DX")[0]["shell"].endswith("bash -o pipefail -o errtrace")


@pytest.mark.parametrize("info, strict", [("sh", False), ("bash", False),
                                           ("sh strict", True), ("sh destructive", True),
                                           ("sh norun", False)])
def test_which_blocks_stop_at_their_first_failing_line(info: str, strict: bool):
    from triagebook.runbook.model import CodeBlock

    assert CodeBlock(info.split()[0], info, "true\n", 1).strict is strict

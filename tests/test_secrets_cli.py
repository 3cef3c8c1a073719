"""Secrets on the command line, in the environment, on screen and in runbook.show."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, assert_no_traceback, inv

TOKEN = "Zq8#mW2!vR5tLp9xKd"


@pytest.fixture
def proj(project: Path) -> Path:
    shutil.copy(FIXTURES / "runner" / "demo.md", project / "runbooks" / "demo.md")
    shutil.copy(FIXTURES / "secrets" / "header.md", project / "runbooks" / "header.md")
    return project


@pytest.mark.parametrize("task", ["runbook.run", "runbook.show"])
def test_a_secret_on_the_command_line_is_refused_with_the_ways_that_work(proj, task):
    res = inv(proj, task, "demo", "--context", "server_id=srv-abc", "--context",
              f"api_token={TOKEN}", input="q\n")
    assert res.returncode == 1
    assert_no_traceback(res)
    assert res.stderr.strip() == (
        "--context api_token=…: refused, 'api_token' is secret and a command line is visible "
        "to every user of this host (ps, shell history); give it at the prompt (run in a "
        "terminal), in the environment as TRIAGEBOOK_SECRET_API_TOKEN, or in a file with "
        "--context-file FILE")
    assert TOKEN not in res.stdout + res.stderr
    assert not (proj / "incidents").exists()


def test_a_secret_from_the_environment_is_used_and_never_shown(proj):
    res = inv(proj, "runbook.run", "demo", "--incident", "INC-E", "--context",
              "server_id=srv-abc", input="run\ny\nnote replayed with " + TOKEN + "\nq\n",
              env={"TRIAGEBOOK_SECRET_API_TOKEN": TOKEN, "TRIAGEBOOK_OPERATOR": "alice"})
    assert res.returncode == 0, res.stderr
    assert f"with {len(TOKEN)}-char token [REDACTED:api_token]" in res.stdout
    ledger = (proj / "incidents" / "INC-E" / "events.jsonl").read_text()
    assert TOKEN not in res.stdout + res.stderr + ledger
    notes = [json.loads(x)["data"]["text"] for x in ledger.splitlines()
             if json.loads(x)["type"] == "note"]
    assert notes == ["replayed with [REDACTED:api_token]"]


def test_the_step_header_on_screen_is_redacted_like_the_ledger(proj):
    dsn = "postgres://replicator:Pg-R3pl1ca-Pw@db-replica-2:5432/orders"
    res = inv(proj, "runbook.run", "header", "--incident", "INC-H", "--context", f"dsn={dsn}",
              input="q\n", env={"TRIAGEBOOK_OPERATOR": "alice"})
    assert res.returncode == 0, res.stderr
    header = next(line for line in res.stdout.splitlines() if line.startswith("== step 1/1"))
    assert "Connect to postgres://replicator:[REDACTED:url-password]@db-replica-2" in header
    assert "Pg-R3pl1ca-Pw" not in res.stdout
    ledger = (proj / "incidents" / "INC-H" / "events.jsonl").read_text()
    assert "Pg-R3pl1ca-Pw" not in ledger


def test_show_marks_a_secret_even_when_the_environment_holds_it(proj):
    res = inv(proj, "runbook.show", "demo", "--context", "server_id=srv-abc",
              env={"TRIAGEBOOK_SECRET_API_TOKEN": TOKEN})
    assert res.returncode == 0, res.stderr
    assert "with ${#TRIAGEBOOK_SECRET_API_TOKEN}-char token <api_token>" in res.stdout
    assert TOKEN not in res.stdout

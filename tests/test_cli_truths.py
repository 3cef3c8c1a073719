"""The command line tells the truth about itself (issue 19 item 7): `-h` and `--help` are
help in every task, the incident is `--incident` everywhere (`--id` kept), numeric
options are typed in the help, and a bad or missing value is one line naming the flag."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import assert_no_traceback, inv

from triagebook.tasks import namespace

NS = namespace()
TASKS = sorted(NS.task_names)
NUMERIC = {"count", "limit", "interval", "timeout", "command-timeout", "max-concurrent",
           "max-draft-days", "days", "ack-window"}


@pytest.mark.parametrize("flag", ["-h", "--help"])
@pytest.mark.parametrize("name", TASKS)
def test_every_task_has_help(project: Path, name: str, flag: str) -> None:
    res = inv(project, name, flag)
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith(f"Usage: inv [--core-opts] {name} ")


@pytest.mark.parametrize("name", [n for n in TASKS if any(
    a.name in ("id_", "incident") for a in NS[n].get_arguments())])
def test_the_incident_is_incident_everywhere_and_id_still_works(name: str) -> None:
    args = {a.name: a for a in NS[name].get_arguments()}
    arg = args.get("id_") or args["incident"]
    assert arg.names[:2] == ("incident", "id")


def test_numeric_options_are_typed_in_the_help(project: Path) -> None:
    untyped = []
    for name in TASKS:
        text = inv(project, name, "--help").stdout
        for flag, kind in re.findall(r"--([a-z-]+)=([A-Z]+)", text):
            if flag in NUMERIC and kind != "INT":
                untyped.append(f"{name} --{flag}={kind}")
    assert untyped == []


@pytest.mark.parametrize("args, line", [
    (("runbook.run", "demo", "--command-timeout"),
     "Flag --command-timeout needed value and was not given one!"),
    (("incident.timeline", "INC-X", "--count", "abc"),
     "--count: expected a whole number but received 'abc'"),
    (("escalation.watch", "--interval", "soon"),
     "--interval: expected a number but received 'soon'"),
])
def test_a_bad_or_missing_value_is_one_line(project: Path, args: tuple[str, ...],
                                            line: str) -> None:
    res = inv(project, *args)
    assert res.returncode == 1
    assert_no_traceback(res)
    assert res.stderr.strip() == line


def test_a_decimal_number_still_works_where_seconds_are_asked(project: Path) -> None:
    res = inv(project, "escalation.watch", "--interval", "0.5", "--count", "1")
    assert res.returncode == 0, res.stderr

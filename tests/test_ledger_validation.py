"""One bad ledger is one bad incident: events are checked before they are written, and a
bad line on disk is reported (incident, line, field) and skipped — never a traceback, and
never a reason for another incident to disappear."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, assert_no_traceback, inv

from triagebook.base.redaction import Redactor
from triagebook.incident import events as E
from triagebook.incident import ledger as L
from triagebook.incident.validate import check


@pytest.fixture
def proj(project: Path) -> Path:
    shutil.copy(FIXTURES / "runner" / "demo.md", project / "runbooks" / "demo.md")
    return project


def run(root: Path, iid: str, script: str, *args: str):
    return inv(root, "runbook.run", "demo", "--incident", iid, "--context", "server_id=srv-a",
               *args, input=script, env={"TRIAGEBOOK_OPERATOR": "alice"})


def event(seq: object, type_: str, data: object, **over: object) -> str:
    d = {"id": f"x{seq}", "seq": seq, "ts": "2026-11-22T02:20:00.000Z", "type": type_,
         "runbook": "demo", "step": None, "actor": "mallory", "data": data, **over}
    return json.dumps(d)


# Each bad line, valid JSON or not, and the field a responder is told about.
BAD = {
    "bad ts": (event(90, "note", {"text": "x"}, ts="yesterday"), "ts"),
    "ts without a zone": (event(91, "note", {"text": "x"}, ts="2026-11-22T02:20:00"), "ts"),
    "list data": (event(92, "note", [1, 2]), "data"),
    "string seq": (event("93", "note", {"text": "x"}), "seq"),
    "not an object": ("[1, 2, 3]", "line"),
    "steps not a list": (event(94, "runbook.attached", {"steps": "abc"}, runbook="other"),
                         "data.steps"),
    "exit_code a string": (event(95, "command", {"exit_code": "3"}, step=3), "data.exit_code"),
    "year 26": (event(96, "escalation.deferred", {"due": "26-11-22T02:14:00.000Z"}),
                "data.due"),
    "not json": ('{"seq": 97, "ts": "2026-', "line"),
}


def spoil(root: Path, iid: str, bad: list[str]) -> list[int]:
    """Insert bad lines after the third event; returns their line numbers."""
    path = root / "incidents" / iid / "events.jsonl"
    good = path.read_text().splitlines()
    path.write_text("\n".join([*good[:3], *bad, *good[3:]]) + "\n")
    return list(range(4, 4 + len(bad)))


@pytest.fixture
def spoiled(proj: Path) -> tuple[Path, list[int]]:
    res = run(proj, "INC-BAD", "ack\ndone\nnote looked at it\nquit\n")
    assert res.returncode == 0, res.stderr
    return proj, spoil(proj, "INC-BAD", [line for line, _ in BAD.values()])


# ---- before writing ----------------------------------------------------------------------

def test_detected_year_typo_is_refused_before_anything_is_written(proj):
    res = run(proj, "INC-T", "quit\n", "--detected", "0026-11-22T02:14:00Z")
    assert_no_traceback(res)
    assert res.returncode == 1
    assert res.stderr.strip().splitlines() == [
        "--detected '0026-11-22T02:14:00Z': year 26 is before 2000; a typo?"]
    assert not (proj / "incidents" / "INC-T" / "events.jsonl").exists()


def test_detected_in_the_future_is_refused(proj):
    res = run(proj, "INC-T", "quit\n", "--detected", "2999-11-22T02:14:00Z")
    assert res.returncode == 1
    assert "is in the future" in res.stderr
    assert res.stderr.count("\n") == 1


def test_a_payload_of_the_wrong_type_is_refused_before_writing(tmp_path):
    led = L.Ledger(tmp_path, "INC-W", "alice", Redactor(), session=False).open()
    led.append(E.Note(text="kept"))
    before = led.path.read_bytes()
    with pytest.raises(L.InvalidEvent) as exc:
        led.append(E.Command(command="ls", exit_code="3"))  # type: ignore[arg-type]
    assert str(exc.value) == ("refusing to record a command event on INC-W: exit_code: "
                              "expected an integer or null but received '3'")
    assert led.path.read_bytes() == before


@pytest.mark.parametrize("type_,data,problem", [
    ("runbook.attached", {"steps": "abc"}, "steps: expected a list of strings but received 'abc'"),
    ("runbook.attached", {"context": {"a": 1}},
     "context: expected a mapping of string to string but received {'a': 1}"),
    ("command", {"duration_s": True}, "duration_s: expected a number but received True"),
    ("incident.opened", {"detected_at": "0026-11-22T02:14:00.000Z"},
     "detected_at: expected an ISO 8601 time with a zone, from year 2000, but received "
     "'0026-11-22T02:14:00.000Z'"),
    ("escalation.failed", {"retry_at": None}, None),
    ("some.future.type", {"anything": [1]}, None),
])
def test_validator_is_derived_from_the_payload_declarations(type_, data, problem):
    found = [f"{k}: {m}" for k, m in check(type_, data)]
    assert found == ([problem] if problem else [])


# ---- one bad ledger among good ones ---------------------------------------------------------

OLD_OPENED = event(1, "incident.opened", {"severity": "SEV2", "title": "typo",
                                          "detected_at": "26-11-22T02:14:00.000Z"}, runbook=None)


@pytest.fixture
def two(proj: Path) -> Path:
    """INC-GOOD, and INC-OLD as earlier versions wrote it for `--detected 0026-11-22…`."""
    assert run(proj, "INC-GOOD", "ack\nquit\n").returncode == 0
    old = proj / "incidents" / "INC-OLD"
    old.mkdir()
    (old / "events.jsonl").write_text(OLD_OPENED + "\n" + event(2, "note", {"text": "hi"}) + "\n")
    return proj


def test_list_shows_every_incident_and_one_line_for_the_bad_ledger(two):
    res = inv(two, "incident.list")
    assert_no_traceback(res)
    assert res.returncode == 0
    assert "INC-GOOD" in res.stdout
    assert "INC-OLD" in res.stdout
    assert res.stderr.strip().splitlines() == [
        "warning: incidents/INC-OLD/events.jsonl: 1 bad event skipped (line 1: "
        "data.detected_at); inv incident.show INC-OLD for details"]


@pytest.mark.parametrize("cmd", ["escalation.tick", "incident.digest"])
def test_time_driven_work_skips_the_bad_event_with_a_warning(two, cmd):
    res = inv(two, cmd)
    assert_no_traceback(res)
    assert res.returncode == 0
    assert "incidents/INC-OLD/events.jsonl: 1 bad event skipped" in res.stderr


def test_the_good_incident_shows_no_warning(two):
    res = inv(two, "incident.show", "INC-GOOD")
    assert res.returncode == 0
    assert res.stderr == ""


# ---- every command on a ledger with bad lines -----------------------------------------------

@pytest.mark.parametrize("kind", list(BAD))
def test_show_names_incident_line_and_field_and_shows_the_rest(proj, kind):
    assert run(proj, "INC-BAD", "ack\ndone\nnote looked at it\nquit\n").returncode == 0
    line, field = BAD[kind]
    (n,) = spoil(proj, "INC-BAD", [line])
    res = inv(proj, "incident.show", "INC-BAD")
    assert_no_traceback(res)
    assert res.returncode == 0
    (warning,) = res.stderr.strip().splitlines()
    assert warning.startswith(f"incidents/INC-BAD/events.jsonl:{n}: bad-event: warning: {field}:")
    assert warning.endswith("; skipped, the rest of INC-BAD is shown")
    assert "done    1. Inspect srv-a" in res.stdout


COMMANDS = {
    "show": ["incident.show", "INC-BAD"],
    "timeline": ["incident.timeline", "INC-BAD"],
    "postmortem": ["postmortem.new", "INC-BAD"],
    "escalate": ["incident.escalate", "INC-BAD", "--dry-run"],
    "ack": ["incident.ack", "INC-BAD", "--via", "phone"],
}


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_reader_reports_each_bad_line_and_carries_on(spoiled, name):
    root, numbers = spoiled
    res = inv(root, *COMMANDS[name])
    assert_no_traceback(res)
    assert res.returncode == 0, res.stderr
    reported = [int(x.split(":")[1]) for x in res.stderr.splitlines()
                if x.startswith("incidents/INC-BAD/events.jsonl:")]
    assert reported == numbers


def test_resume_reports_bad_lines_and_appends_with_fresh_seqs(spoiled):
    root, numbers = spoiled
    res = run(root, "INC-BAD", "done\nquit\n")
    assert_no_traceback(res)
    assert res.returncode == 0, res.stderr
    assert sum(f"events.jsonl:{n}: bad-event" in res.stdout for n in numbers) == len(numbers)
    seqs = []
    for raw in (root / "incidents" / "INC-BAD" / "events.jsonl").read_text().splitlines():
        try:
            d = json.loads(raw)
            seqs.append(d["seq"])
        except (ValueError, TypeError, KeyError):
            continue
    new = seqs[-3:]  # session.started, step.done, session.ended
    assert min(new) > max(s for s in seqs[:-3] if isinstance(s, int))
    assert len(set(map(str, seqs))) == len(seqs)


def test_postmortem_marks_the_lines_it_left_out(spoiled):
    root, numbers = spoiled
    assert inv(root, "postmortem.new", "INC-BAD").returncode == 0
    text = (root / "postmortems" / "INC-BAD.md").read_text()
    assert (f"{len(numbers)} ledger lines could not be read and are left out of this "
            f"timeline") in text


def test_a_torn_last_line_is_still_ignored_silently(proj):
    assert run(proj, "INC-TORN", "note one\nquit\n").returncode == 0
    with open(proj / "incidents" / "INC-TORN" / "events.jsonl", "a") as fh:
        fh.write('{"seq": 9, "ts": "2026-')
    res = inv(proj, "incident.show", "INC-TORN")
    assert res.returncode == 0
    assert res.stderr == ""

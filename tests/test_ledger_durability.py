"""The ledger never says "recorded" when it did not record: real full and read-only
filesystems (tmpfs mounted on the project's incidents/ folder) under real `inv` runs."""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, assert_no_traceback, inv
from fshelp import fill, remount_ro, tmpfs

from triagebook.base.redaction import Redactor
from triagebook.incident import events as E
from triagebook.incident import ledger as L

NOT_WRITABLE = re.compile(r"^ledger not writable: (?P<why>.+); "
                          r"(the last recorded event is seq (?P<seq>\d+)|"
                          r"nothing is recorded for (?P<iid>\S+) yet)$")


@pytest.fixture
def proj(project: Path) -> Path:
    shutil.copy(FIXTURES / "runner" / "demo.md", project / "runbooks" / "demo.md")
    return project


def run(root: Path, iid: str, script: str) -> object:
    return inv(root, "runbook.run", "demo", "--incident", iid, "--context", "server_id=srv-a",
               input=script, env={"TRIAGEBOOK_OPERATOR": "alice"})


def lines(root: Path, iid: str) -> list[str]:
    return (root / "incidents" / iid / "events.jsonl").read_text().split("\n")


def one_line(stderr: str) -> re.Match[str]:
    err = stderr.strip().splitlines()
    assert len(err) == 1, stderr
    m = NOT_WRITABLE.match(err[0])
    assert m, err[0]
    return m


# ---- 400 piped notes onto a 64 KiB disk ---------------------------------------------------

@pytest.fixture(scope="module")
def full_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("full")
    shutil.copy(FIXTURES.parent.parent / "tasks.py", root / "tasks.py")
    (root / "runbooks").mkdir()
    shutil.copy(FIXTURES / "runner" / "demo.md", root / "runbooks" / "demo.md")
    script = "".join(f"note observation {i:03d} from the responder on srv-a\n"
                     for i in range(400)) + "quit\n"
    with tmpfs(root / "incidents", "64k"):
        res = run(root, "INC-FULL", script)
        raw = (root / "incidents" / "INC-FULL" / "events.jsonl").read_bytes()
    return res, raw


def test_full_disk_stops_the_session_with_exit_1(full_run):
    res, _ = full_run
    assert res.returncode == 1, res.stdout[-500:]


def test_full_disk_says_noted_only_for_notes_it_kept(full_run):
    res, raw = full_run
    kept = [json.loads(x) for x in raw.decode().splitlines()]
    notes = [e for e in kept if e["type"] == "note"]
    assert 0 < len(notes) < 400
    assert res.stdout.count("noted") == len(notes)


def test_full_disk_is_one_clear_line_naming_the_last_recorded_seq(full_run):
    res, raw = full_run
    assert_no_traceback(res)
    m = one_line(res.stderr)
    assert "No space left on device" in m["why"]
    last = json.loads(raw.decode().splitlines()[-1])["seq"]
    assert int(m["seq"]) == last


def test_full_disk_leaves_no_torn_line(full_run):
    _, raw = full_run
    assert raw.endswith(b"\n")
    seqs = [json.loads(x)["seq"] for x in raw.decode().splitlines()]
    assert seqs == list(range(1, len(seqs) + 1))


# ---- opening on a full or read-only disk ----------------------------------------------------

def test_opening_an_incident_on_a_full_disk_records_nothing(proj):
    with tmpfs(proj / "incidents", "64k") as inc:
        fill(inc)
        res = run(proj, "INC-NEW", "note hello\nquit\n")
        assert_no_traceback(res)
        assert res.returncode == 1
        m = one_line(res.stderr)
        assert m["iid"] == "INC-NEW" and "No space left on device" in m["why"]
        listed = inv(proj, "incident.list")
        assert "INC-NEW" not in listed.stdout


def test_snapshot_that_does_not_fit_is_not_left_half_written(proj):
    with tmpfs(proj / "incidents", "64k") as inc:
        fill(inc, leave_pages=2)  # the session lock and the first event fit; the snapshot not
        res = run(proj, "INC-SNAP", "quit\n")
        assert res.returncode == 1
        assert one_line(res.stderr)["seq"] == "1"
        snaps = inc / "INC-SNAP" / "runbooks"
        leftover = [p.name for p in snaps.iterdir()] if snaps.exists() else []
        assert leftover == []
        (inc / ".filler").unlink()
        again = run(proj, "INC-SNAP", "quit\n")
        assert again.returncode == 0, again.stderr
        (snap,) = snaps.iterdir()
        assert snap.read_bytes() == (proj / "runbooks" / "demo.md").read_bytes()


def test_opening_an_incident_on_a_read_only_disk_is_one_clear_line(proj):
    with tmpfs(proj / "incidents", "64k", ro=True):
        res = run(proj, "INC-RO", "quit\n")
        assert_no_traceback(res)
        assert res.returncode == 1
        m = one_line(res.stderr)
        assert "Read-only file system" in m["why"] and m["iid"] == "INC-RO"


def test_resume_on_a_disk_remounted_read_only_is_refused_and_reads_still_work(proj):
    with tmpfs(proj / "incidents", "64k") as inc:
        first = run(proj, "INC-RM", "note before the remount\nquit\n")
        assert first.returncode == 0, first.stderr
        last = json.loads(lines(proj, "INC-RM")[-2])["seq"]
        remount_ro(inc)
        res = run(proj, "INC-RM", "note after\nquit\n")
        assert res.returncode == 1
        assert one_line(res.stderr)["seq"] == str(last)
        shown = inv(proj, "incident.show", "INC-RM")
        assert shown.returncode == 0 and "INC-RM  SEV2  open" in shown.stdout


def test_ack_on_a_read_only_disk_is_one_clear_line(proj):
    with tmpfs(proj / "incidents", "64k") as inc:
        assert run(proj, "INC-ACK", "quit\n").returncode == 0
        remount_ro(inc)
        res = inv(proj, "incident.ack", "INC-ACK", "--via", "phone")
        assert_no_traceback(res)
        assert res.returncode == 1
        assert "Read-only file system" in one_line(res.stderr)["why"]
        assert "acknowledged" not in res.stdout


# ---- what a real disk does rarely: short writes, EIO ----------------------------------------

def ledger(tmp_path: Path) -> L.Ledger:
    return L.Ledger(tmp_path, "INC-U", "alice", Redactor(), session=False).open()


def test_short_writes_are_completed(tmp_path, monkeypatch):
    led = ledger(tmp_path)
    real = os.write
    monkeypatch.setattr(L.os, "write", lambda fd, data: real(fd, bytes(data[:7])))
    led.append(E.Note(text="a note longer than seven bytes, written seven at a time"))
    (ev,) = L.read_events(led.path)
    assert ev.payload == E.Note(text="a note longer than seven bytes, written seven at a time")


def test_a_write_that_makes_no_progress_is_refused_and_cut(tmp_path, monkeypatch):
    led = ledger(tmp_path)
    led.append(E.Note(text="kept"))
    before = led.path.read_bytes()
    real = os.write
    monkeypatch.setattr(L.os, "write", lambda fd, data: real(fd, bytes(data[:5])) and 0)
    with pytest.raises(L.LedgerNotWritable) as exc:
        led.append(E.Note(text="lost"))
    assert str(exc.value).endswith("the last recorded event is seq 1")
    assert led.path.read_bytes() == before


def test_eio_on_fsync_is_refused_and_the_line_cut(tmp_path, monkeypatch):
    led = ledger(tmp_path)
    led.append(E.Note(text="kept"))
    before = led.path.read_bytes()

    def broken(fd: int) -> None:
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(L.os, "fsync", broken)
    with pytest.raises(L.LedgerNotWritable) as exc:
        led.append(E.Note(text="lost"))
    assert "Input/output error" in str(exc.value)
    assert led.path.read_bytes() == before

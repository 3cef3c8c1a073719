"""`inv incident.merge`: responders' ledgers merged without a database, by event id."""

from __future__ import annotations

import io
import json
import shutil
import tarfile
from pathlib import Path

import pytest
from conftest import FIXTURES, REPO, assert_no_traceback, inv


def laptop(tmp_path: Path, name: str) -> Path:
    root = tmp_path / name
    (root / "runbooks").mkdir(parents=True)
    shutil.copy(REPO / "tasks.py", root / "tasks.py")
    shutil.copy(FIXTURES / "runner" / "demo.md", root / "runbooks" / "demo.md")
    shutil.copy(FIXTURES / "team" / "comms.md", root / "runbooks" / "comms.md")
    return root


def events(root: Path, iid: str) -> list[dict]:
    path = root / "incidents" / iid / "events.jsonl"
    return [json.loads(x) for x in path.read_text().splitlines() if x.strip()]


def bundle(path: Path, members: dict[str, bytes], links: dict[str, str] | None = None) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            tar.addfile(info)
    return path


@pytest.fixture
def two(tmp_path):
    """Alice and Bob worked INC-M on their own laptops, with no shared store."""
    alice, bob = laptop(tmp_path, "alice", ), laptop(tmp_path, "bob")
    a = inv(alice, "runbook.run", "demo", "--incident", "INC-M", "--context",
            "server_id=srv-abc", input="ack\ndone\nnote alice restarted srv-abc\nquit\n",
            env={"TRIAGEBOOK_OPERATOR": "alice"})
    b = inv(bob, "runbook.run", "comms", "--incident", "INC-M",
            input="done\nnote bob posted on the status page\nresolved\nquit\n",
            env={"TRIAGEBOOK_OPERATOR": "bob"})
    assert a.returncode == 0 and b.returncode == 0, a.stderr + b.stderr
    return alice, bob


def _source(kind: str, bob: Path, tmp_path: Path) -> str:
    ledger = bob / "incidents" / "INC-M" / "events.jsonl"
    if kind == "events.jsonl":
        return str(ledger)
    if kind == "folder":
        return str(ledger.parent)
    name = "ledger/events.jsonl" if kind == "bundle" else "events.jsonl"
    return str(bundle(tmp_path / f"{kind}.tar.gz", {name: ledger.read_bytes(),
                                                     "manifest.json": b"{}"}))


@pytest.mark.parametrize("kind", ["events.jsonl", "folder", "bundle", "flat-bundle"])
def test_each_kind_of_source_merges_once_keeping_id_time_and_actor(two, tmp_path, kind):
    alice, bob = two
    before = events(alice, "INC-M")
    theirs = events(bob, "INC-M")
    src = _source(kind, bob, tmp_path)
    res = inv(alice, "incident.merge", "INC-M", src, env={"TRIAGEBOOK_OPERATOR": "alice"})
    assert res.returncode == 0, res.stderr
    assert res.stdout.splitlines()[-1] == f"incident.merge: {len(theirs)} events added to INC-M"
    merged = events(alice, "INC-M")
    assert merged[:len(before)] == before  # append-only: nothing rewritten
    assert [e["seq"] for e in merged] == list(range(1, len(merged) + 1))
    *added, record = merged[len(before):]
    assert record["type"] == "ledger.merged"  # the merge itself, last, once
    assert record["data"]["added"] == len(theirs)
    key = ("id", "ts", "actor", "type", "runbook", "step", "data")
    assert [[e[k] for k in key] for e in added] == [[e[k] for k in key] for e in theirs]

    again = inv(alice, "incident.merge", "INC-M", src, env={"TRIAGEBOOK_OPERATOR": "alice"})
    assert again.stdout.splitlines()[-1] == "incident.merge: 0 events added to INC-M"
    assert events(alice, "INC-M") == merged


def test_two_laptops_merged_make_one_timeline_and_postmortem(two, tmp_path):
    alice, bob = two
    src = _source("bundle", bob, tmp_path)
    assert inv(alice, "incident.merge", "INC-M", src).returncode == 0
    tl = inv(alice, "incident.timeline", "INC-M", "--format", "md").stdout
    assert "| alice | note | alice restarted srv-abc |" in tl
    assert "| bob | note | bob posted on the status page |" in tl
    shown = inv(alice, "incident.show", "INC-M").stdout
    assert "INC-M  SEV2  resolved  Demo outage" in shown
    assert "runbook comms: 1 done, 0 skipped, 1 pending" in shown
    assert inv(alice, "postmortem.new", "INC-M").returncode == 0
    pm = (alice / "postmortems" / "INC-M.md").read_text()
    assert "bob posted on the status page" in pm and "- bob (" in pm


def test_merge_into_a_laptop_that_never_saw_the_incident(two, tmp_path):
    alice, bob = two
    ic = laptop(tmp_path, "ic")
    res = inv(ic, "incident.merge", "INC-M", str(alice / "incidents" / "INC-M"), "--",
              str(bob / "incidents" / "INC-M" / "events.jsonl"))
    assert res.returncode == 0, res.stderr
    ids = [e["id"] for e in events(ic, "INC-M") if e["type"] != "ledger.merged"]
    assert sorted(ids) == sorted(e["id"] for r in two for e in events(r, "INC-M"))
    # both opened INC-M offline: both records are kept, the first opening stands
    opened = [e for e in events(ic, "INC-M") if e["type"] == "incident.opened"]
    assert [e["actor"] for e in opened] == ["alice", "bob"]
    shown = inv(ic, "incident.show", "INC-M").stdout.splitlines()
    assert shown[1:3] == ["operator: alice", "also: bob"]


def test_a_bundle_with_escaping_members_is_refused_whole_and_nothing_written(two, tmp_path):
    """Such an archive was never made by incident.bundle: it is refused in one line (as
    verify refuses it), before anything is extracted or merged."""
    alice, bob = two
    ledger = (bob / "incidents" / "INC-M" / "events.jsonl").read_bytes()
    evil = bundle(tmp_path / "evil.tar.gz",
                  {"../escaped.txt": b"should never be written",
                   "../../events.jsonl": b"not this one",
                   "ledger/events.jsonl": ledger},
                  links={"events.jsonl": "/etc/passwd"})
    work = tmp_path / "alice"
    before = (work / "incidents" / "INC-M" / "events.jsonl").read_bytes()
    res = inv(work, "incident.merge", "INC-M", str(evil))
    assert res.returncode == 1
    assert res.stderr.strip().endswith("has an absolute path or '..'; refused (a bundle "
                                       "never has one)")
    assert not (tmp_path / "escaped.txt").exists()
    assert not (work / "escaped.txt").exists()
    assert not (work / "ledger").exists()
    assert (work / "incidents" / "INC-M" / "events.jsonl").read_bytes() == before


def test_bad_sources_are_one_line_and_merge_nothing(two, tmp_path):
    alice, bob = two
    before = events(alice, "INC-M")
    good = str(bob / "incidents" / "INC-M" / "events.jsonl")
    broken = tmp_path / "broken.jsonl"
    lines = (bob / "incidents" / "INC-M" / "events.jsonl").read_text().splitlines()
    broken.write_text("\n".join([lines[0], lines[1], '{"seq": 3, "type": "note"}', *lines[3:]])
                      + "\n")
    res = inv(alice, "incident.merge", "INC-M", good, "--", str(broken))
    assert res.returncode == 1
    assert_no_traceback(res)
    assert res.stderr.strip() == f"{broken}:3: not a ledger event (ts: missing)"
    assert events(alice, "INC-M") == before  # the good source was not half-merged either

    empty = bundle(tmp_path / "empty.tar.gz", {"notes.txt": b"hello"})
    res = inv(alice, "incident.merge", "INC-M", str(empty))
    assert res.stderr.strip() == (f"{empty}: no ledger/events.jsonl or events.jsonl in this "
                                  f"bundle")
    res = inv(alice, "incident.merge", "INC-M", str(tmp_path / "nowhere"))
    assert res.stderr.strip() == f"{tmp_path / 'nowhere'}: no such file or folder"
    res = inv(alice, "incident.merge", "../etc", good)
    assert res.returncode == 1 and "incident id '../etc'" in res.stderr


def test_merged_in_events_pass_redaction(two, tmp_path):
    alice, bob = two
    path = bob / "incidents" / "INC-M" / "events.jsonl"
    evs = [json.loads(x) for x in path.read_text().splitlines()]
    leak = dict(evs[-1], id="leaky-event", type="note", data={
        "text": "curl -H 'Authorization: Bearer abcdefghijklmnop123456' api"})
    src = tmp_path / "leaky.jsonl"
    src.write_text(json.dumps(leak) + "\n")
    assert inv(alice, "incident.merge", "INC-M", str(src)).returncode == 0
    text = (alice / "incidents" / "INC-M" / "events.jsonl").read_text()
    assert "abcdefghijklmnop123456" not in text and "Bearer [REDACTED:token]" in text

"""Merges that cannot corrupt a live incident (issue 19 item 1): a bundle or ledger of
another incident is refused in one line with the target unchanged byte for byte; a dry
run writes nothing; every merge that adds is one recorded event with its sha256."""

from __future__ import annotations

import hashlib
import json

from conftest import assert_no_traceback, inv
from test_merge import events, laptop

A, B = "INC-20261203-0300-aaaa", "INC-20261203-0310-bbbb"


def _walk(root, iid, runbook, script, who):
    ctx = ["--context", "server_id=srv-1"] if runbook == "demo" else []
    res = inv(root, "runbook.run", runbook, "--incident", iid, *ctx, input=script,
              env={"TRIAGEBOOK_OPERATOR": who})
    assert res.returncode == 0, res.stderr


def test_a_bundle_of_another_incident_is_refused_and_the_target_unchanged(tmp_path):
    alice, bob = laptop(tmp_path, "alice"), laptop(tmp_path, "bob")
    _walk(alice, A, "demo", "ack\nnote live SEV1\nquit\n", "alice")
    _walk(bob, B, "comms", "done\nresolved\nquit\n", "bob")
    made = inv(bob, "incident.bundle", B)
    assert made.returncode == 0, made.stderr
    archive = next((bob).rglob(f"{B}*.tar.gz"))
    before = (alice / "incidents" / A / "events.jsonl").read_bytes()
    res = inv(alice, "incident.merge", A, str(archive))
    assert_no_traceback(res)
    assert res.returncode == 1
    assert res.stderr.strip() == (f"{archive}: holds incident {B}, not {A}; nothing merged "
                                  f"(merge it into {B})")
    assert (alice / "incidents" / A / "events.jsonl").read_bytes() == before


def test_a_ledger_file_of_another_incident_is_refused(tmp_path):
    alice, bob = laptop(tmp_path, "alice"), laptop(tmp_path, "bob")
    _walk(alice, A, "demo", "ack\nquit\n", "alice")
    _walk(bob, B, "comms", "done\nquit\n", "bob")
    before = (alice / "incidents" / A / "events.jsonl").read_bytes()
    res = inv(alice, "incident.merge", A, str(bob / "incidents" / B / "events.jsonl"))
    assert res.returncode == 1
    assert f"holds incident {B}, not {A}" in res.stderr
    assert (alice / "incidents" / A / "events.jsonl").read_bytes() == before


def test_dry_run_previews_and_writes_nothing(tmp_path):
    alice, bob = laptop(tmp_path, "alice"), laptop(tmp_path, "bob")
    _walk(alice, A, "demo", "ack\nquit\n", "alice")
    _walk(bob, A, "comms", "done\nnote bob was here\nquit\n", "bob")
    before = (alice / "incidents" / A / "events.jsonl").read_bytes()
    theirs = len(events(bob, A))
    res = inv(alice, "incident.merge", A, str(bob / "incidents" / A), "--dry-run")
    assert res.returncode == 0, res.stderr
    assert res.stdout.splitlines()[-1] == (f"incident.merge --dry-run: {theirs} events would "
                                           f"be added to {A}; nothing written")
    assert (alice / "incidents" / A / "events.jsonl").read_bytes() == before


def test_a_merge_is_recorded_with_its_source_and_sha256_once(tmp_path):
    alice, bob = laptop(tmp_path, "alice"), laptop(tmp_path, "bob")
    _walk(alice, A, "demo", "ack\nquit\n", "alice")
    _walk(bob, A, "comms", "done\nquit\n", "bob")
    source = bob / "incidents" / A / "events.jsonl"
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    assert inv(alice, "incident.merge", A, str(source)).returncode == 0
    again = inv(alice, "incident.merge", A, str(source))
    assert again.stdout.splitlines()[-1] == f"incident.merge: 0 events added to {A}"
    merged = [e for e in events(alice, A) if e["type"] == "ledger.merged"]
    assert [(m["data"]["source"], m["data"]["sha256"]) for m in merged] == [(str(source),
                                                                            digest)]
    shown = inv(alice, "incident.timeline", A, "--format", "json")
    rows = [r for r in json.loads(shown.stdout) if r["event"] == "ledger merged"]
    assert len(rows) == 1


def test_a_bare_ledger_opening_another_incident_is_refused(tmp_path):
    """A bare events.jsonl names no incident; its opening does: detected hours apart from
    the target's, it is another incident, and nothing is merged."""
    alice, bob = laptop(tmp_path, "alice"), laptop(tmp_path, "bob")
    _walk(alice, A, "demo", "ack\nquit\n", "alice")
    res = inv(bob, "runbook.run", "comms", "--incident", B, "--detected",
              "2026-12-01T08:00:00Z", input="done\nresolved\nquit\n",
              env={"TRIAGEBOOK_OPERATOR": "bob"})
    assert res.returncode == 0, res.stderr
    handed = tmp_path / "from-bob.jsonl"  # a plain file: no folder, no manifest to name it
    handed.write_bytes((bob / "incidents" / B / "events.jsonl").read_bytes())
    before = (alice / "incidents" / A / "events.jsonl").read_bytes()
    res = inv(alice, "incident.merge", A, str(handed))
    assert_no_traceback(res)
    assert res.returncode == 1
    assert res.stderr.strip().startswith(f"{handed}: opens an incident detected "
                                         f"2026-12-01T08:00:00")
    assert res.stderr.strip().endswith("; not the same incident — nothing merged")
    assert (alice / "incidents" / A / "events.jsonl").read_bytes() == before


def test_two_offline_openings_of_one_outage_still_merge(tmp_path):
    alice, bob = laptop(tmp_path, "alice"), laptop(tmp_path, "bob")
    _walk(alice, A, "demo", "ack\nquit\n", "alice")
    _walk(bob, A, "comms", "done\nquit\n", "bob")  # bob opened it too, minutes apart
    res = inv(alice, "incident.merge", A, str(bob / "incidents" / A))
    assert res.returncode == 0, res.stderr

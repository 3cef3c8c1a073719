"""Learning across incidents (issue 24): action items, runbook health, response metrics —
every figure of the fixture set in learnhelp.py asserted, from files and from a real
PostgreSQL store."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from freezegun import freeze_time
from learnhelp import build

from triagebook.config import load_config
from triagebook.incident.ledger import iter_all
from triagebook.learning.collect import from_files, from_store
from triagebook.learning.period import since
from triagebook.learning.report import gather
from triagebook.postmortem.actions import read_all
from triagebook.postmortem.check import check

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
TODAY = date(2026, 12, 3)


@pytest.fixture
def learned(tmp_path: Path):
    build(tmp_path)
    cfg = load_config(tmp_path)
    return cfg, gather(cfg, NOW)


def line_of(path: Path, text: str) -> int:
    return path.read_text(encoding="utf-8").split("\n").index(text) + 1


# ---- response metrics ------------------------------------------------------------------

def test_meta_incidents_are_left_out(learned):
    _, lg = learned
    assert lg.response.total.incidents == 4


def test_severity_groups(learned):
    _, lg = learned
    assert sorted(lg.response.groups) == ["SEV1", "SEV2", "SEV3"]


def test_sev2_time_to_acknowledge_median_and_p90(learned):
    sev2 = learned[1].response.groups["SEV2"].times["acknowledged"]
    assert (sev2.median, sev2.p90) == (600, 1200)


def test_sev2_time_to_mitigate_counts_only_mitigated_incidents(learned):
    sev2 = learned[1].response.groups["SEV2"].times["mitigated"]
    assert (sev2.n, sev2.median) == (1, 1800)


def test_sev2_time_to_resolve(learned):
    sev2 = learned[1].response.groups["SEV2"].times["resolved"]
    assert (sev2.median, sev2.p90) == (3600, 7200)


def test_sev2_target_hit_rate(learned):
    g = learned[1].response.groups["SEV2"]
    assert (g.met, g.missed, g.hit_rate) == (1, 1, 0.5)


def test_severity_raised_before_ack_is_judged_at_the_new_target(learned):
    g = learned[1].response.groups["SEV1"]
    assert (g.incidents, g.met, g.times["acknowledged"].median) == (1, 1, 120)


def test_unacknowledged_incident_is_neither_met_nor_missed(learned):
    g = learned[1].response.groups["SEV3"]
    assert (g.incidents, g.met, g.missed, g.hit_rate) == (1, 0, 0, None)


def test_pages_sent_muted_capped(learned):
    g = learned[1].response.groups["SEV2"]
    assert (g.pages_sent, g.pages_muted, g.pages_capped) == (4, 2, 1)


def test_totals_over_all_incidents(learned):
    t = learned[1].response.total
    assert (t.times["acknowledged"].median, t.times["acknowledged"].p90, t.met,
            t.missed) == (600, 1200, 2, 1)


def test_group_by_route(tmp_path):
    build(tmp_path)
    lg = gather(load_config(tmp_path), NOW, by="route")
    assert {k: g.incidents for k, g in lg.response.groups.items()} == {
        "storage": 2, "api": 1, "(none)": 1}


def test_group_by_runbook(tmp_path):
    build(tmp_path)
    lg = gather(load_config(tmp_path), NOW, by="runbook")
    assert {k: g.incidents for k, g in lg.response.groups.items()} == {
        "disk-full": 2, "api-down": 1, "(none)": 1}


def test_since_keeps_later_detections_only(tmp_path):
    build(tmp_path)
    lg = gather(load_config(tmp_path), NOW, since=datetime(2026, 10, 1, tzinfo=UTC))
    assert lg.response.total.incidents == 2


def test_monthly_medians(learned):
    m = learned[1].monthly
    assert (m.months(), m.median("acknowledged", "2026-09", "SEV2"),
            m.median("acknowledged", "2026-10", "SEV1"),
            m.median("resolved", "2026-09", "SEV2")) == (["2026-09", "2026-10"], 600, 120,
                                                         3600)


# ---- runbook health ---------------------------------------------------------------------

def test_runbook_use_and_last_use(learned):
    rh = learned[1].health.of("disk-full")
    assert (rh.used, rh.last_used) == (2, datetime(2026, 9, 15, 2, 0, tzinfo=UTC))


def test_step_done_and_time_on_step(learned):
    s = learned[1].health.of("disk-full").steps[1]
    assert (s.used, s.done, s.skipped, s.time.median) == (2, 2, 0, 240)


def test_skipped_step_with_reasons(learned):
    s = learned[1].health.of("disk-full").steps[2]
    assert (s.skipped, s.top_reasons(), s.time.median) == (2, [("no access", 2)], 60)


def test_failed_and_forced_commands(learned):
    s = learned[1].health.of("disk-full").steps[3]
    assert (s.used, s.commands_failed, s.forced, s.time.median) == (1, 1, 1, 720)


def test_most_skipped_step(learned):
    worst = learned[1].health.of("disk-full").most_skipped
    assert (worst.number, worst.skipped) == (2, 2)


def test_never_used_runbook_has_no_use(learned):
    assert learned[1].health.of("forgotten").used == 0


# ---- action items -------------------------------------------------------------------------

def test_action_items_parsed(tmp_path):
    build(tmp_path)
    found = read_all(tmp_path / "postmortems")
    assert [(a.incident[-4:], a.owner, a.due.isoformat() if a.due else a.due_text, a.done)
            for a in found] == [
        ("aaaa", "bob", "2026-10-01", False), ("aaaa", "alice", "2026-09-10", True),
        ("aaaa", "alice", "2027-01-31", False), ("bbbb", "bob", "2026-11-01", False),
        ("bbbb", "", "", False), ("bbbb", "carol", "soon", False)]


def test_action_item_lines_point_into_the_file(tmp_path):
    build(tmp_path)
    path = tmp_path / "postmortems" / "INC-20260915-0200-bbbb.md"
    item = [a for a in read_all(tmp_path / "postmortems") if a.what == "Grow the volume"][0]
    assert item.line == line_of(path, "- [ ] Grow the volume — owner: @bob — due: 2026-11-01")


def test_action_item_ids_are_stable_and_distinct(tmp_path):
    build(tmp_path)
    first = [a.id for a in read_all(tmp_path / "postmortems")]
    again = [a.id for a in read_all(tmp_path / "postmortems")]
    assert first == again
    assert len(set(first)) == len(first)


def test_overdue_by_owner(learned):
    assert learned[1].overdue_by_owner(TODAY) == [("bob", 2)]


def test_postmortem_check_flags_items(tmp_path):
    build(tmp_path)
    cfg = load_config(tmp_path)
    pa = tmp_path / "postmortems" / "INC-20260901-0100-aaaa.md"
    pb = tmp_path / "postmortems" / "INC-20260915-0200-bbbb.md"
    found = sorted(str(f) for f in check(cfg, TODAY, 10_000))
    la = line_of(pa, "- [ ] Add a disk alert at 80 % — owner: @bob — due: 2026-10-01")
    lb = line_of(pb, "- [ ] Someone should look at quotas")
    lc = line_of(pb, "- [ ] Alert on inode use — owner: @carol — due: soon")
    assert found == sorted([
        f"postmortems/INC-20260901-0100-aaaa.md:{la}: action item overdue since 2026-10-01 "
        "in a final post-mortem: Add a disk alert at 80 %",
        f"postmortems/INC-20260915-0200-bbbb.md:{lb}: action item has no owner "
        "(— owner: @name): Someone should look at quotas",
        f"postmortems/INC-20260915-0200-bbbb.md:{lb}: action item needs a due date "
        "(— due: YYYY-MM-DD), got nothing: Someone should look at quotas",
        f"postmortems/INC-20260915-0200-bbbb.md:{lc}: action item needs a due date "
        "(— due: YYYY-MM-DD), got 'soon': Alert on inode use",
    ])


def test_overdue_item_in_a_draft_is_not_a_check_failure(tmp_path):
    build(tmp_path)
    found = [str(f) for f in check(load_config(tmp_path), TODAY, 10_000)]
    assert not [f for f in found if "Grow the volume" in f]


# ---- --since ------------------------------------------------------------------------------

def test_since_span_and_date():
    assert (since("90d", NOW), since("2026-09-01", NOW), since("", NOW)) == (
        datetime(2026, 9, 4, 12, 0, tzinfo=UTC), datetime(2026, 9, 1, tzinfo=UTC), None)


def test_since_rejects_nonsense_in_one_line():
    from triagebook.base.errors import UsageError

    with pytest.raises(UsageError, match=r"^since 'last tuesday': expected a span"):
        since("last tuesday", NOW)


# ---- the team store: the same facts, folded by PostgreSQL ---------------------------------

def stored(tmp_path, store_url, monkeypatch):
    """The fixture set built, and every ledger put into a fresh store (open; close it)."""
    from pgserver import PASSWORD

    from triagebook.incident.store.postgres import PostgresStore

    monkeypatch.setenv("PGPASSWORD", PASSWORD)
    build(tmp_path)
    cfg = load_config(tmp_path)
    store = PostgresStore(store_url)
    store.migrate()
    for iid, events in iter_all(cfg.incidents_dir):
        store.put(iid, events)
    return cfg, store


def test_store_facts_equal_file_facts(tmp_path, store_url, monkeypatch):
    cfg, store = stored(tmp_path, store_url, monkeypatch)
    try:
        from_db = sorted(from_store(cfg, store, None, NOW), key=lambda f: f.id)
    finally:
        store.close()
    from_disk = sorted(from_files(cfg, None, NOW), key=lambda f: f.id)
    norm = [(f, sorted(f.steps, key=lambda s: (s.runbook, s.number))) for f in from_disk]
    assert [(f, sorted(f.steps, key=lambda s: (s.runbook, s.number))) for f in from_db] == norm


def test_store_respects_since(tmp_path, store_url, monkeypatch):
    cfg, store = stored(tmp_path, store_url, monkeypatch)
    try:
        ids = sorted(f.id for f in from_store(cfg, store, datetime(2026, 10, 1, tzinfo=UTC), NOW))
    finally:
        store.close()
    assert ids == ["INC-20261005-0300-cccc", "INC-20261006-0400-dddd"]


# ---- the commands (in-process) ---------------------------------------------------------------

def run_task(root: Path, monkeypatch, capsys, *argv: str) -> tuple[int, str, str]:
    from invoke import Program

    import triagebook.tasks as tasks

    monkeypatch.chdir(root)
    code = 0
    try:
        Program(namespace=tasks.namespace(), name="inv").run(["inv", *argv])
    except SystemExit as exc:  # Program turns Exit into sys.exit(code), as `inv` does
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


@freeze_time("2026-12-03 12:00:00")
def test_actions_list_overdue_json(tmp_path, monkeypatch, capsys):
    build(tmp_path)
    code, out, _ = run_task(tmp_path, monkeypatch, capsys, "actions.list", "--overdue",
                            "--format", "json")
    assert (code, [(a["owner"], a["due"]) for a in json.loads(out)]) == (
        0, [("bob", "2026-10-01"), ("bob", "2026-11-01")])


@freeze_time("2026-12-03 12:00:00")
def test_actions_list_owner_text(tmp_path, monkeypatch, capsys):
    build(tmp_path)
    _, out, _ = run_task(tmp_path, monkeypatch, capsys, "actions.list", "--owner", "@alice")
    assert out.splitlines()[-1] == "2 action items: 1 open, 0 overdue"


@freeze_time("2026-12-03 12:00:00")
def test_incident_stats_json(tmp_path, monkeypatch, capsys):
    build(tmp_path)
    code, out, _ = run_task(tmp_path, monkeypatch, capsys, "incident.stats", "--format",
                            "json")
    sev2 = [g for g in json.loads(out)["groups"] if g["key"] == "SEV2"][0]
    assert (code, sev2["acknowledged_median_s"], sev2["hit_rate"], sev2["pages_capped"]) == (
        0, 600, 0.5, 1)


@freeze_time("2026-12-03 12:00:00")
def test_incident_stats_bad_by_is_one_line(tmp_path, monkeypatch, capsys):
    build(tmp_path)
    code, _, err = run_task(tmp_path, monkeypatch, capsys, "incident.stats", "--by", "team")
    assert code == 1
    assert len(err.strip().splitlines()) == 1


@freeze_time("2026-12-03 12:00:00")
def test_runbook_stats_flags_never_used_overdue_runbook(tmp_path, monkeypatch, capsys):
    build(tmp_path)
    _, out, _ = run_task(tmp_path, monkeypatch, capsys, "runbook.stats", "--format", "json")
    rows = {r["id"]: r for r in json.loads(out)}
    assert [rid for rid, r in rows.items() if r["flagged"]] == ["forgotten"]


@freeze_time("2026-12-03 12:00:00")
def test_runbook_stats_text_names_the_skip_reason(tmp_path, monkeypatch, capsys):
    build(tmp_path)
    _, out, _ = run_task(tmp_path, monkeypatch, capsys, "runbook.stats")
    line = [ln for ln in out.splitlines() if ln.strip().startswith("2. Think")][0]
    assert line.endswith("— skipped: no access ×2")


@freeze_time("2026-12-03 12:00:00")
def test_runbook_list_stale(tmp_path, monkeypatch, capsys):
    build(tmp_path)
    _, out, _ = run_task(tmp_path, monkeypatch, capsys, "runbook.list", "--stale")
    assert out.splitlines() == [
        "forgotten  reviewed 2025-01-01  owner api-team  not used by any incident on record",
        "1 runbook past the 90-day review window"]


@freeze_time("2026-12-03 12:00:00")
def test_actions_list_writes_escape_codes_out(tmp_path, monkeypatch, capsys):
    build(tmp_path)
    pm = tmp_path / "postmortems" / "INC-20260915-0200-bbbb.md"
    pm.write_text(pm.read_text(encoding="utf-8").replace(
        "Grow the volume", "Grow \x1b]0;pwned\x07 the volume"), encoding="utf-8")
    _, out, _ = run_task(tmp_path, monkeypatch, capsys, "actions.list")
    assert "\x1b" not in out
    assert "Grow \\x1b]0;pwned\\x07 the volume" in out


def test_site_health_falls_back_to_the_ledgers_when_the_store_is_down(tmp_path):
    """The site must build during an outage: an unreachable store means the ledgers."""
    from alerting import free_port

    from triagebook.runbook.catalog import load_catalog
    from triagebook.site.sources import site_pages

    build(tmp_path)
    (tmp_path / "invoke.yaml").write_text(
        (tmp_path / "invoke.yaml").read_text() + "  ledger:\n    store: postgresql://tb@"
        f"127.0.0.1:{free_port()}/tb\n    timeout: 1\n", encoding="utf-8")
    cat = load_catalog(load_config(tmp_path))
    health = [p for p in site_pages(cat, TODAY) if p.path == "health/index.md"][0]
    assert "From 4 incidents on record" in health.markdown


def test_site_figures_are_kept_until_a_ledger_changes(tmp_path):
    """site.serve rebuilds on every edit: the figures are not read again for nothing."""
    from triagebook.learning.report import gather_for_site

    build(tmp_path)
    cfg = load_config(tmp_path)
    first = gather_for_site(cfg, NOW)
    same = gather_for_site(cfg, NOW)
    ledger = tmp_path / "incidents" / "INC-20261006-0400-dddd" / "events.jsonl"
    line = json.loads(ledger.read_text().splitlines()[0])
    ledger.write_text(ledger.read_text() + json.dumps({
        **line, "seq": 2, "id": "x-2", "type": "milestone",
        "data": {"name": "acknowledged", "via": "cli"}}) + "\n")
    changed = gather_for_site(cfg, NOW)
    assert same is first
    assert changed is not first
    assert changed.response.groups["SEV3"].times["acknowledged"].n == 1

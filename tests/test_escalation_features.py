"""Escalation that carries the evidence: full-context pages, required context, the
meta-incident's own page, the routing simulator, per-incident visibility, the cap and
promotion rules, custom quiet windows across DST, and response times measured."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from conftest import assert_no_traceback, inv
from eschelp import FILE_CHANNELS, of_type, open_incident, read, setup, types
from freezegun import freeze_time

from triagebook.base.errors import ProblemsError
from triagebook.base.redaction import Redactor
from triagebook.config import load_config
from triagebook.escalation.service import ack, escalate, tick
from triagebook.incident import events as E
from triagebook.incident import ledger as L

SECRET = "tok-4f9a8b7c6d5e"


def test_a_page_carries_severity_owner_context_and_a_prefilled_link_without_secrets(project):
    setup(project, top="  site_url: https://runbooks.example.com/\n")
    open_incident(project, "INC-F", context={"server_id": "srv-abc", "window": "2h",
                                             "api_token": SECRET})
    res = inv(project, "incident.escalate", "INC-F", "--class", "RED")
    assert res.returncode == 0, res.stderr
    chat = read(project / "out" / "chat.log")
    assert "Severity: SEV2 (response 15 min)\n" in chat
    assert "Runbook: demo — route demo-team\n" in chat
    assert "Context: server_id=srv-abc\n" in chat
    assert ("Runbook page: https://runbooks.example.com/runbooks/demo/?server_id=srv-abc"
            "&window=2h\n") in chat
    assert "Ledger: incidents/INC-F/events.jsonl\n" in chat
    page = read(project / "out" / "page.log").strip().split("\n")
    assert len(page) == 1 + 6 and page[-1] == 'Ack: reply "ack INC-F"'
    everything = res.stdout + chat + "\n".join(page) + read(
        project / "incidents" / "INC-F" / "events.jsonl")
    assert SECRET not in everything and "api_token" not in chat


def _incident_lacking_context(root, iid: str) -> None:
    """An incident whose runbook requires server_id, recorded without it (a ledger made
    elsewhere, or a runbook that gained the requirement)."""
    led = L.Ledger(root / "incidents", iid, "alice", Redactor(), session=False).open()
    led.append(E.IncidentOpened(severity="SEV2", title="Demo outage",
                                detected_at="2026-11-22T13:00:00.000Z"))
    snap = root / "incidents" / iid / "demo.md"
    snap.write_text(read(root / "runbooks" / "demo.md"), encoding="utf-8")
    led.append(E.RunbookAttached(title="Demo outage", snapshot=f"incidents/{iid}/demo.md",
                                 context={"window": "1h"}), runbook="demo")


def test_a_page_without_the_required_context_is_refused_unless_forced(project):
    setup(project)
    _incident_lacking_context(project, "INC-N")
    res = inv(project, "incident.escalate", "INC-N", "--class", "RED")
    assert res.returncode == 1 and res.stderr.count("\n") == 1
    assert_no_traceback(res)
    assert "lack demo's required context server_id" in res.stderr
    assert "escalation.sent" not in types(project, "INC-N")
    forced = inv(project, "incident.escalate", "INC-N", "--class", "RED", "--force")
    assert forced.returncode == 0, forced.stderr
    assert "paged with --force: missing required context server_id" in forced.stdout
    assert "Context: server_id=(missing)" in read(project / "out" / "chat.log")
    (sent,) = of_type(project, "INC-N", "escalation.sent")
    assert sent.data["missing_context"] == ["server_id"]


def test_the_meta_incident_is_paged_red_on_its_route_and_never_capped(project):
    setup(project, policy="    cap_per_24h: 1\n", escalation="    meta_route: [lead]\n",
          channels=FILE_CHANNELS + "      lead: {kind: file, path: out/lead.log}\n")
    open_incident(project, "INC-M")
    cfg = load_config(project)
    escalate(cfg, "INC-M", "YELLOW")
    capped = escalate(cfg, "INC-M", "YELLOW")
    assert capped.decision.capped and capped.meta is not None
    assert capped.meta.decision.action == "send" and capped.meta.decision.channels == ("lead",)
    lead = read(project / "out" / "lead.log")
    assert lead.startswith("[ESCALATION:RED] triagebook escalation-cap-hit — prod")
    assert "Runbook: escalation-cap-hit — owner sre-team, route incident-command" in lead
    assert "Context: capped_incident=INC-M" in lead
    for _ in range(3):  # the cap it reports never mutes it
        assert escalate(cfg, capped.meta_incident).decision.action == "send"
    assert escalate(cfg, "INC-M", "YELLOW").meta is None  # one meta page per window


def test_a_deferred_then_sent_yellow_counts_once_toward_the_cap(project):
    setup(project, policy="    cap_per_24h: 2\n")
    cfg = load_config(project)
    with freeze_time("2026-11-22T02:00:00Z") as frozen:  # 03:00 CET
        open_incident(project, "INC-Q")
        assert escalate(cfg, "INC-Q", "YELLOW").decision.action == "defer"
        frozen.move_to("2026-11-22T06:01:00Z")
        assert [r.kind for r in tick(cfg)] == ["deferred"]
        assert escalate(cfg, "INC-Q", "RED").decision.action == "send"  # the 2nd, not the 3rd
        assert escalate(cfg, "INC-Q", "RED").decision.capped


def test_promotion_is_off_with_zero_minutes(project):
    setup(project, policy="    yellow_promote_minutes: 0\n")
    cfg = load_config(project)
    with freeze_time("2026-11-22T13:00:00Z") as frozen:
        open_incident(project, "INC-Z")
        escalate(cfg, "INC-Z", "YELLOW")
        frozen.tick(timedelta(hours=6))
        assert tick(cfg) == []
    assert "INC-Z" not in read(project / "out" / "page.log")


def test_promote_minutes_below_zero_is_one_config_error(project):
    setup(project, policy="    yellow_promote_minutes: -5\n")
    with pytest.raises(ProblemsError) as err:
        load_config(project, strict=True)
    assert str(err.value) == ("invoke.yaml:4: bad-config: triagebook.policy."
                              "yellow_promote_minutes: expected minutes (0 turns promotion "
                              "off) but received int -5")
    lenient = load_config(project)  # what every other command reads: the default, warned
    assert lenient.policy.yellow_promote_minutes == 15
    assert [p.code for p in lenient.problems] == ["bad-config"]


# ---- quiet hours of any shape across DST ------------------------------------------------

@pytest.mark.parametrize("window,now,action,due", [
    # spring forward: 02:30 does not exist; the window ends at the jump, 03:00 CEST
    ("01:00-02:30", "2026-03-29T00:30:00Z", "defer", "2026-03-29T01:00:00Z"),
    ("22:00-02:30", "2026-03-29T00:30:00Z", "defer", "2026-03-29T01:00:00Z"),
    # fall back, first pass of 02:10 (CEST): the window ends at the first 02:30
    ("01:00-02:30", "2026-10-25T00:10:00Z", "defer", "2026-10-25T00:30:00Z"),
    ("22:00-02:30", "2026-10-25T00:10:00Z", "defer", "2026-10-25T00:30:00Z"),
    # second pass of 02:10 (CET): the window ended at the first 02:30 — never a due time
    # in the past
    ("01:00-02:30", "2026-10-25T01:10:00Z", "send", None),
    ("22:00-02:30", "2026-10-25T01:10:00Z", "send", None),
])
def test_custom_quiet_windows_across_dst(project, window, now, action, due):
    setup(project, policy=f"    quiet_hours: '{window}'\n")
    cfg = load_config(project)
    with freeze_time(now) as frozen:
        open_incident(project, "INC-Q")
        d = escalate(cfg, "INC-Q", "YELLOW").decision
        assert d.action == action
        if due is None:
            return
        when = datetime.fromisoformat(due.replace("Z", "+00:00"))
        assert d.due == when
        frozen.move_to(when - timedelta(seconds=1))
        assert tick(cfg) == []
        frozen.move_to(when)
        assert [r.kind for r in tick(cfg)] == ["deferred"]


# ---- the routing simulator and the per-incident override --------------------------------

def test_dry_run_at_a_time_that_does_not_exist_says_so(project):
    setup(project)
    open_incident(project, "INC-S")
    res = inv(project, "incident.escalate", "INC-S", "--class", "YELLOW", "--dry-run",
              "--at", "2026-03-29 02:30 Europe/Stockholm")
    assert res.returncode == 0, res.stderr
    assert ("02:30 does not exist on 2026-03-29 in Europe/Stockholm (the clocks jump from "
            "02:00 to 03:00); simulating 03:30 CEST (01:30 UTC)") in res.stdout
    assert ("routing: defer via chat, email — quiet hours (03:30 CEST, Europe/Stockholm): "
            "non-customer-visible YELLOW waits until 07:00 CEST") in res.stdout
    fold = inv(project, "incident.escalate", "INC-S", "--class", "YELLOW", "--dry-run",
               "--at", "2026-10-25 02:30 Europe/Stockholm", "--customer-visible")
    assert "02:30 happens twice on 2026-10-25 in Europe/Stockholm; simulating the first " \
           "(CEST, 00:30 UTC)" in fold.stdout
    assert "routing: send via chat, email — YELLOW goes to async channels first; " \
           "customer-visible, so not deferred" in fold.stdout
    live = inv(project, "incident.escalate", "INC-S", "--at", "2026-10-25 02:30 Europe/Stockholm")
    assert live.returncode == 1 and "use it with --dry-run" in live.stderr
    assert [t for t in types(project, "INC-S") if "escalation" in t or "visib" in t] == []


def test_customer_visibility_set_for_an_incident_is_recorded_and_kept(project):
    setup(project)
    cfg = load_config(project)
    with freeze_time("2026-11-22T02:00:00Z"):  # quiet hours
        open_incident(project, "INC-V")
        assert escalate(cfg, "INC-V", "YELLOW", dry_run=True).decision.action == "defer"
        first = escalate(cfg, "INC-V", "YELLOW", customer_visible=True)
        assert first.decision.action == "send"
        assert escalate(cfg, "INC-V", "YELLOW").decision.action == "send"  # still visible
        back = escalate(cfg, "INC-V", "YELLOW", dry_run=True, customer_visible=False)
        assert back.decision.action == "defer"
    assert types(project, "INC-V").count("visibility.set") == 1
    shown = inv(project, "incident.show", "INC-V").stdout
    assert "visibility    customer-visible (set for this incident)" in shown


# ---- response time against the severity's target ----------------------------------------

def test_time_to_acknowledge_is_compared_with_the_response_target(project):
    setup(project)
    cfg = load_config(project)
    with freeze_time("2026-11-22T13:00:00Z") as frozen:
        open_incident(project, "INC-R")  # SEV2: 15 min
        escalate(cfg, "INC-R", "RED")
        frozen.tick(timedelta(minutes=20))
        ack(cfg, "INC-R", "phone")
    verdict = ("acknowledged 20 min after detection — target 15 min (SEV2): MISSED by 5 min")
    assert f"response      {verdict}" in inv(project, "incident.show", "INC-R").stdout
    inv(project, "postmortem.new", "INC-R")
    assert f"| Response target | {verdict} | - |" in read(project / "postmortems" / "INC-R.md")
    with freeze_time("2026-11-22T14:00:00Z"):
        from triagebook.escalation.digest import digest

        assert f"- INC-R Demo outage: {verdict}" in digest(cfg)


def test_the_digest_is_delivered_through_the_channels(project):
    setup(project, FILE_CHANNELS + "      digest: {kind: file, path: out/digest.log, "
                                   "sms: true}\n")
    open_incident(project, "INC-G")
    res = inv(project, "incident.digest", "--send")
    assert res.returncode == 0, res.stderr
    assert "digest via digest: delivered" in res.stdout
    sms = read(project / "out" / "digest.log").strip().split("\n")
    assert sms[0].startswith("[DIGEST] triagebook ") and sms[0].endswith(" — prod")
    assert len(sms) <= 1 + 6 and "Acknowledged but not resolved: 0" in sms
    full = inv(project, "incident.digest", "--send", "--via", "chat")
    assert "## Response times" in read(project / "out" / "chat.log")
    assert "digest via chat: delivered" in full.stdout
    bad = inv(project, "incident.digest", "--send", "--via", "pager")
    assert bad.returncode == 1 and "--via: no channel pager" in bad.stderr


def test_report_json_is_valid_with_no_drills(project):
    setup(project)
    res = inv(project, "escalation.report", "--format", "json")
    data = json.loads(res.stdout)
    assert data["drills"] == 0 and data["last_success"] is None


def test_the_runner_pages_from_inside_a_walk(project):
    setup(project)
    res = inv(project, "runbook.run", "demo", "--incident", "INC-RW", "--context",
              "server_id=srv-x", input="escalate RED db is down\nquit\n", timeout=30)
    assert res.returncode == 0, res.stderr
    assert "— RED pages at any hour" in res.stdout
    page = read(project / "out" / "page.log")
    assert "Diagnosis: db is down" in page and "Context: server_id=srv-x" in page
    assert types(project, "INC-RW").count("escalation.delivered") == 3

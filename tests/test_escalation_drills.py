"""Drills through the real channels, the report, and shadow mode."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import assert_no_traceback, inv
from eschelp import FILE_CHANNELS, of_type, open_incident, read, setup
from freezegun import freeze_time
from loopback import Smtp, Webhook

from triagebook.config import load_config
from triagebook.escalation.report import build, render
from triagebook.escalation.service import escalate


@pytest.fixture
def servers():
    hook, smtp = Webhook(), Smtp()
    yield hook, smtp
    hook.close()
    smtp.close()


def test_a_drill_goes_through_every_channel_is_timed_and_its_ack_round_trip_counted(
        project, servers):
    hook, smtp = servers
    setup(project, policy="    cap_per_24h: 1\n", channels=(
        "      page: {kind: webhook, url_env: TB_HOOK}\n"
        "      chat: {kind: file, path: out/chat.log}\n"
        f"      email: {{kind: smtp, host: 127.0.0.1, port: {smtp.port}, to: [a@x.test]}}\n"))
    ok = {"TB_HOOK": f"{hook.url}/ok/token"}
    first = inv(project, "escalation.drill", env=ok)
    assert first.returncode == 0, first.stderr
    for ch in ("page", "chat", "email"):
        assert re.search(rf"^{ch}: delivered in \d+\.\d\d s$", first.stdout, re.M)
    drill_id = re.search(r"^drill (DRILL-\S+) \(RED\)", first.stdout, re.M).group(1)
    assert hook.bodies["/ok"][0]["text"].startswith("[DRILL][ESCALATION:RED] paging drill — prod")
    assert "Subject: [DRILL][ESCALATION:RED] paging drill" in smtp.messages[0]
    assert inv(project, "incident.ack", drill_id, "--via", "page").returncode == 0
    # the cap is 1: a second drill is not muted, because drills count toward no cap
    second = inv(project, "escalation.drill", env={"TB_HOOK": f"{hook.url}/fail/token"})
    assert second.returncode == 1
    assert_no_traceback(second)
    assert "page: FAILED: page: webhook answered HTTP 500" in second.stdout
    assert re.fullmatch(r"drill DRILL-\S+: 1 of 3 channels failed \(recorded; inv "
                        r"escalation.report\)\n", second.stderr)
    assert "DRILL" not in inv(project, "incident.list").stdout
    assert inv(project, "escalation.tick").stdout.strip() == "escalation.tick: 0 actions"
    text = inv(project, "escalation.report").stdout
    assert "Drills in the last 30 days: 2;" in text
    assert f"Last successful drill: {drill_id}, " in text and "(target < 30 s: met)" in text
    assert re.search(r"^page\s+2\s+1\s+1\s+\d", text, re.M)  # drills, ok, failed, p50
    assert re.search(r"  DRILL-\S+  page: page: webhook answered HTTP 500$", text, re.M)
    data = json.loads(inv(project, "escalation.report", "--format", "json").stdout)
    page = data["channels"]["page"]
    assert page["latency_s"]["n"] == 1 and page["latency_s"]["p50"] < 30
    assert page["ack_round_trip_s"]["n"] == 1
    assert data["channels"]["email"]["delivered"] == 2


def test_a_yellow_drill_uses_the_yellow_channels(project):
    setup(project)
    res = inv(project, "escalation.drill", "--class", "yellow")
    assert res.returncode == 0, res.stderr
    assert [ln.split(":")[0] for ln in res.stdout.splitlines()[:2]] == ["chat", "email"]
    assert "[DRILL][ESCALATION:YELLOW]" in read(project / "out" / "chat.log")
    assert read(project / "out" / "page.log") == ""


def test_shadow_channel_and_shadow_policy_record_without_delivering(project):
    setup(project, FILE_CHANNELS + "      sms2: {kind: file, path: out/sms2.log, "
                                   "shadow: true}\n",
          policy="    escalation_classes:\n      RED: {channels: [page, sms2]}\n")
    (project / "shadow.yaml").write_text(
        "triagebook:\n  policy:\n    timezone: Europe/Stockholm\n"
        "    quiet_hours: '00:00-23:59'\n", encoding="utf-8")
    cfg = load_config(project)
    with freeze_time("2026-11-22T13:00:00Z"):  # 14:00 CET: no quiet hours live
        open_incident(project, "INC-SH")
        yellow = escalate(cfg, "INC-SH", "YELLOW", shadow_policy=project / "shadow.yaml")
        assert (yellow.decision.action, yellow.shadow.action) == ("send", "defer")
        red = escalate(cfg, "INC-SH", "RED", shadow_policy=project / "shadow.yaml")
        assert [r for r in red.failures] == []
        rep = build(cfg)
    assert not (project / "out" / "sms2.log").exists()
    assert "Incident: INC-SH" in read(project / "out" / "page.log")
    shadowed = of_type(project, "INC-SH", "escalation.shadowed")
    assert sorted((e.data["source"], e.data["action"]) for e in shadowed) == [
        ("channel", "send"), ("policy", "defer"), ("policy", "send")]
    text = render(rep)
    assert "shadow policy shadow.yaml: 2 decisions compared, 1 agree, 1 differ" in text
    assert re.search(r"INC-SH esc-\w+: live send via chat, email — shadow defer via chat, "
                     r"email", text)
    assert "shadow channel sms2: would have delivered 1 message" in text


def test_a_bad_shadow_policy_is_one_line_with_file_and_line(project):
    setup(project)
    open_incident(project, "INC-B")
    Path(project / "bad.yaml").write_text("triagebook:\n  policy:\n    cap_per_24h: lots\n",
                                          encoding="utf-8")
    res = inv(project, "incident.escalate", "INC-B", "--dry-run", "--shadow-policy", "bad.yaml")
    assert res.returncode == 1
    assert res.stderr == ("bad.yaml:3: bad-config: triagebook.policy.cap_per_24h: expected a "
                          "positive whole number but received 'lots'\n")

"""Escalation: limits, routing across quiet hours and DST, promotion, cap, ack, channels."""

from __future__ import annotations

import email
import email.policy
import json
import shutil
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import FIXTURES, inv
from freezegun import freeze_time

from triagebook.base.errors import UsageError
from triagebook.config import Policy, load_config
from triagebook.escalation.message import Facts, compose, find_ack
from triagebook.escalation.policy import decide, quiet_window
from triagebook.escalation.service import ack, escalate, tick
from triagebook.incident import ledger as L
from triagebook.incident.state import IncidentState, fold
from triagebook.runner.start import RunRequest, start
from triagebook.tasks.ui import PlainUI

STOCKHOLM = Policy(timezone="Europe/Stockholm")


def at(text: str) -> datetime:
    """'2026-03-29 03:00' on the Stockholm wall clock."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo("Europe/Stockholm"))


def empty(iid: str = "INC-X") -> IncidentState:
    return IncidentState(iid)


# ---- the message -------------------------------------------------------------------------

LONG_ID = "INC-20261122-0214-k3fz-platform-gpu-allocation-us-east-1-x"  # 58 characters


def long_message(incident: str = "INC-20261122-0214-k3fz"):
    return compose(Facts(
        incident=incident, cls="RED", env="prod",
        what="gpuaas-api billing-worker terminal-gateway scheduler "
             "auth-chain-break-with-a-very-long-runbook-name",
        severity="SEV1", response="immediate",
        detected=datetime(2026, 11, 22, 2, 14, tzinfo=ZoneInfo("UTC")),
        timezone="Europe/Stockholm",
        runbook="auth-chain-break — owner identity-team, route auth-session",
        context=(("correlation_id", "7f3c2a10-5b8e-4d2f-9c1a-2e4b6d8f0a13"),
                 ("server_id", "srv-abc123")),
        diagnosis="signing key rotated; API rejects every session " * 5,
        action="stopped — RED needs a human " * 3,
        fix="restore the previous key, redeploy the API " * 3,
        runbook_url="https://runbooks.internal/runbooks/auth-chain-break/?correlation_id="
                    "7f3c2a10-5b8e-4d2f-9c1a-2e4b6d8f0a13&server_id=srv-abc123",
        ledger=f"https://runbooks.internal/incidents/{incident}"))


def test_full_message_carries_every_field_and_a_short_subject():
    full = long_message().text().split("\n")
    assert len(full[0]) <= 80
    assert full[0].startswith("[ESCALATION:RED] gpuaas-api")
    assert full[0].endswith("… — prod")
    assert [ln.split(":")[0] for ln in full[1:]] == [
        "Incident", "Severity", "Detected", "Runbook", "Context", "Diagnosis", "Action",
        "Suggested fix", "Runbook page", "Ledger", "Ack"]
    assert full[2] == "Severity: SEV1 (response immediate)"
    assert full[3] == "Detected: 2026-11-22 02:14 UTC (03:14 CET)"
    assert full[4] == "Runbook: auth-chain-break — owner identity-team, route auth-session"
    assert full[5] == ("Context: correlation_id=7f3c2a10-5b8e-4d2f-9c1a-2e4b6d8f0a13, "
                       "server_id=srv-abc123")


@pytest.mark.parametrize("incident", ["INC-20261122-0214-k3fz", LONG_ID])
def test_sms_has_six_lines_shortens_fields_and_never_cuts_the_ack(incident):
    sms = long_message(incident).text(sms=True).split("\n")
    body = sms[1:]
    assert len(body) == 6
    assert body[-1] == f'Ack: reply "ack {incident}"'  # whole, whatever its length
    assert body[0].startswith(f"Incident: {incident} · ")  # the id is never cut either
    labels = [part.split(":")[0] for line in body for part in line.split(" · ")]
    assert labels == ["Incident", "Severity", "Detected", "Runbook", "Diagnosis", "Context",
                      "Action", "Suggested fix", "Runbook page", "Ledger", "Ack"]
    assert "Diagnosis: signing key rotated" in body[1] and body[1].endswith("…")
    # a link is never cut: the runbook link loses its pre-filled values, not its tail
    assert "Runbook page: https://runbooks.internal/runbooks/auth-chain-break/ · " in body[4]
    assert body[4].endswith(f"Ledger: https://runbooks.internal/incidents/{incident}")


def test_prose_lines_of_an_sms_stay_short():
    body = long_message().text(sms=True).split("\n")[1:]
    assert all(len(line) <= 120 for line in body[:4])


# ---- routing -----------------------------------------------------------------------------

@pytest.mark.parametrize("local,inside,ends_utc", [
    ("2026-11-22 03:00", True, "2026-11-22T06:00:00+00:00"),
    ("2026-11-22 21:59", False, "2026-11-23T06:00:00+00:00"),
    ("2026-11-22 22:00", True, "2026-11-23T06:00:00+00:00"),
    # spring forward: 02:00 CET → 03:00 CEST; 07:00 is CEST = 05:00 UTC
    ("2026-03-28 23:30", True, "2026-03-29T05:00:00+00:00"),
    ("2026-03-29 03:30", True, "2026-03-29T05:00:00+00:00"),
    # fall back: 03:00 CEST → 02:00 CET; 07:00 is CET = 06:00 UTC
    ("2026-10-24 23:30", True, "2026-10-25T06:00:00+00:00"),
    ("2026-10-25 02:30", True, "2026-10-25T06:00:00+00:00"),
    ("2026-10-25 07:00", False, "2026-10-26T06:00:00+00:00"),
])
def test_quiet_window_on_the_responders_clock(local, inside, ends_utc):
    got_inside, ends = quiet_window(at(local), STOCKHOLM)
    assert got_inside is inside
    assert ends.astimezone(ZoneInfo("UTC")).isoformat() == ends_utc


def test_routing_decisions():
    night, day = at("2026-11-22 03:00"), at("2026-11-22 14:00")
    red = decide("RED", False, empty(), night, STOCKHOLM)
    assert (red.action, red.channels[0]) == ("send", "page")
    quiet = decide("YELLOW", False, empty(), night, STOCKHOLM)
    assert quiet.action == "defer" and quiet.due == at("2026-11-22 07:00")
    assert "waits until 07:00 CET" in quiet.reason
    visible = decide("YELLOW", True, empty(), night, STOCKHOLM)
    assert visible.action == "send" and visible.channels == ("chat", "email")
    assert decide("YELLOW", False, empty(), day, STOCKHOLM).action == "send"
    assert decide("GREEN", True, empty(), night, STOCKHOLM).action == "digest"


# ---- end to end over the ledger ---------------------------------------------------------

@pytest.fixture
def proj(project: Path) -> Path:
    for name in ("demo.md",):
        shutil.copy(FIXTURES / "runner" / name, project / "runbooks" / name)
    (project / "runbooks" / "visible.md").write_text(
        (FIXTURES / "runner" / "demo.md").read_text().replace(
            "route: demo-team\n", "route: demo-team\ncustomer_visible: true\n"))
    (project / "invoke.yaml").write_text(
        "triagebook:\n  policy:\n    timezone: Europe/Stockholm\n"
        "  escalation:\n    environment: prod\n    channels:\n"
        "      page: {kind: file, path: out/page.log, sms: true}\n"
        "      chat: {kind: file, path: out/chat.log}\n"
        "      email: {kind: file, path: out/email.log}\n", encoding="utf-8")
    return project


def open_incident(root: Path, iid: str, runbook: str = "demo", severity: str = "SEV2") -> None:
    cfg = load_config(root)
    start(cfg, RunRequest(name=runbook, incident=iid, operator="alice", severity=severity,
                          context={"server_id": "srv-abc"}), PlainUI(_Empty(), _Sink()))


class _Empty:
    def readline(self) -> str:
        return ""


class _Sink:
    def write(self, s: str) -> None:
        pass

    def flush(self) -> None:
        pass


def types(root: Path, iid: str) -> list[str]:
    return [e.type for e in L.load(root / "incidents", iid)]


def test_red_at_three_pages_now_yellow_waits_for_seven(proj):
    cfg = load_config(proj)
    with freeze_time("2026-11-22T02:00:00Z") as frozen:  # 03:00 in Stockholm
        open_incident(proj, "INC-R")
        open_incident(proj, "INC-Y")
        red = escalate(cfg, "INC-R", "RED", "signing key rotated")
        assert red.decision.action == "send"
        page = (proj / "out" / "page.log").read_text()
        assert "[ESCALATION:RED] demo — prod" in page and "Incident: INC-R" in page
        yellow = escalate(cfg, "INC-Y", "YELLOW", "disk filling")
        assert yellow.decision.action == "defer"
        assert "INC-Y" not in (proj / "out" / "chat.log").read_text()
        frozen.move_to("2026-11-22T05:59:00Z")
        assert [r.kind for r in tick(cfg) if r.incident == "INC-Y"] == []
        frozen.move_to("2026-11-22T06:00:30Z")  # 07:00:30 CET
        assert [r.kind for r in tick(cfg) if r.incident == "INC-Y"] == ["deferred"]
        assert "Incident: INC-Y" in (proj / "out" / "chat.log").read_text()
        assert [r for r in tick(cfg) if r.incident == "INC-Y"] == []  # idempotent
    tl = inv(proj, "incident.timeline", "INC-Y").stdout
    assert "escalation deferred" in tl and "escalation sent" in tl


def test_unacknowledged_yellow_is_promoted_once_then_ack_stops_paging(proj):
    cfg = load_config(proj)
    with freeze_time("2026-11-22T13:00:00Z") as frozen:
        open_incident(proj, "INC-P")
        escalate(cfg, "INC-P", "YELLOW", "queue backing up")
        frozen.tick(timedelta(minutes=14))
        assert tick(cfg) == []
        frozen.tick(timedelta(minutes=2))
        assert [r.kind for r in tick(cfg)] == ["promote"]
        assert [r.kind for r in tick(cfg)] == []
        assert "INC-P" in (proj / "out" / "page.log").read_text()
        iid, new = ack(cfg, None, "", reply="ack INC-P, on it\n\n> [ESCALATION:YELLOW] ...\n")
        assert (iid, new) == ("INC-P", True)
        # automatic re-paging stops at the ack (an explicit request is help: see below)
        again = escalate(cfg, "INC-P", "YELLOW", "still backing up", requested=False)
        assert again.decision.action == "mute" and "already acknowledged" in again.decision.reason
        frozen.tick(timedelta(hours=3, minutes=59))
        assert tick(cfg) == []
        frozen.tick(timedelta(minutes=2))  # 4 h after the ack, nothing happened
        (report,) = tick(cfg)
        assert report.kind == "follow-up" and "no progress for 240 min" in report.detail
        assert tick(cfg) == []
    evs = types(proj, "INC-P")
    assert evs.count("escalation.promoted") == 1 and evs.count("escalation.followup") == 1
    page = (proj / "out" / "page.log").read_text()
    assert page.count("Incident: INC-P") == 1  # promoted once; never re-paged after the ack


def test_fourth_escalation_is_muted_into_a_meta_incident(proj):
    cfg = load_config(proj)
    with freeze_time("2026-11-22T13:00:00Z") as frozen:
        open_incident(proj, "INC-CAP", runbook="visible")
        for _ in range(3):
            assert escalate(cfg, "INC-CAP", "RED").decision.action == "send"
            frozen.tick(timedelta(minutes=30))
        fourth = escalate(cfg, "INC-CAP", "RED")
        assert fourth.decision.action == "mute" and fourth.meta_incident
        fifth = escalate(cfg, "INC-CAP", "RED")
        assert fifth.meta_incident == fourth.meta_incident  # one meta-incident, not one each
        meta = fold(fourth.meta_incident, L.load(proj / "incidents", fourth.meta_incident))
        assert meta.title == "escalation cap hit on incident INC-CAP"
        frozen.tick(timedelta(hours=24))
        assert escalate(cfg, "INC-CAP", "RED").decision.action == "send"  # rolling window
    assert (proj / "out" / "page.log").read_text().count("Incident: INC-CAP") == 4


def test_ack_is_a_reply_whose_first_words_are_ack_id():
    assert find_ack("ack INC-20261122-0214-k3fz — looking") == "INC-20261122-0214-k3fz"
    assert find_ack("\n  ACK inc-9.\n> quoted page", "INC-9") == "INC-9"
    assert find_ack("ack INC-1 and ack INC-2") == "INC-1"
    with pytest.raises(UsageError, match="does not start with 'ack <INCIDENT-ID>'"):
        find_ack("thanks, on it")
    with pytest.raises(UsageError, match="acknowledges INC-2"):
        find_ack("ack INC-2", "INC-1")


@pytest.mark.parametrize("reply", [
    "I can't ack ACKN, I'm off today",
    "> [ESCALATION:RED] demo — prod\n> Incident: ACKN\n> Ack: reply \"ack ACKN\"\n\nwho is on?",
    "Sure, ack ACKN",
])
def test_a_reply_that_only_mentions_ack_acknowledges_nothing(reply):
    with pytest.raises(UsageError, match="does not start with 'ack"):
        find_ack(reply, "ACKN")


# ---- real SMTP and HTTP servers on loopback ---------------------------------------------

class Hook(BaseHTTPRequestHandler):
    bodies: list[dict] = []
    fail_next = 0

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if Hook.fail_next:
            Hook.fail_next -= 1
            self.send_response(500)
            self.end_headers()
            return
        Hook.bodies.append(body)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *a):
        pass


@pytest.fixture
def servers(monkeypatch):
    from aiosmtpd.controller import Controller

    class Box:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(envelope.content.decode("utf-8", "replace"))
            return "250 OK"

    import socket

    with socket.socket() as probe:  # aiosmtpd does not report a port chosen with 0
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    box = Box()
    smtp = Controller(box, hostname="127.0.0.1", port=free)
    smtp.start()
    http = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    Hook.bodies, Hook.fail_next = [], 1
    monkeypatch.setenv("TB_TEST_WEBHOOK", f"http://127.0.0.1:{http.server_address[1]}/hook")
    yield box, smtp.port
    http.shutdown()
    smtp.stop()


def test_delivery_to_smtp_and_webhook_with_a_failure_retried(proj, servers):
    box, port = servers
    (proj / "invoke.yaml").write_text(
        "triagebook:\n  escalation:\n    channels:\n"
        f"      page: {{kind: smtp, host: 127.0.0.1, port: {port}, to: [oncall@example.com],"
        " sender: tb@example.com, sms: true}\n"
        "      chat: {kind: webhook, url_env: TB_TEST_WEBHOOK, shape: slack}\n"
        "      email: {kind: smtp, host: 127.0.0.1, port: " + str(port) + ", to: [team@example.com]}\n",
        encoding="utf-8")
    cfg = load_config(proj)
    secret_diag = "leaked AKIAABCDEFGHIJKLMNOP and password=hunter2hunter2 in the logs"
    with freeze_time("2026-11-22T13:00:00Z") as frozen:
        open_incident(proj, "INC-D")
        out = escalate(cfg, "INC-D", "RED", secret_diag)
        assert len(out.failures) == 1 and "HTTP 500" in out.failures[0]
        assert len(box.messages) == 2 and Hook.bodies == []
        frozen.tick(timedelta(seconds=30))
        assert tick(cfg) == []  # retry is due after a minute, not before
        frozen.tick(timedelta(seconds=40))
        assert [r.kind for r in tick(cfg)] == ["retry"]
        assert len(Hook.bodies) == 1 and "[ESCALATION:RED]" in Hook.bodies[0]["text"]
        assert tick(cfg) == []
    page = next(m for m in box.messages if "oncall@example.com" in m)
    assert "Subject: [ESCALATION:RED] demo" in page
    body = email.message_from_string(page, policy=email.policy.default).get_content()
    assert len(body.strip().splitlines()) <= 6  # SMS-class: six lines at most, as received
    everything = "\n".join(box.messages) + json.dumps(Hook.bodies)
    everything += (proj / "incidents" / "INC-D" / "events.jsonl").read_text()
    assert "AKIAABCDEFGHIJKLMNOP" not in everything and "hunter2hunter2" not in everything
    assert "[REDACTED:aws-key]" in everything
    evs = types(proj, "INC-D")
    assert evs.count("escalation.failed") == 1 and evs.count("escalation.delivered") == 3


def test_cli_dry_run_ack_from_reply_and_digest(proj):
    open_incident(proj, "INC-CLI")
    res = inv(proj, "incident.escalate", "INC-CLI", "--class", "RED", "--diagnosis",
              "db down", "--dry-run")
    assert res.returncode == 0, res.stderr
    assert "[ESCALATION:RED] demo — prod" in res.stdout and "routing: send via page" in res.stdout
    assert "dry run: nothing sent" in res.stdout
    assert "escalation.sent" not in types(proj, "INC-CLI")
    bad = inv(proj, "incident.escalate", "INC-CLI", "--class", "PURPLE")
    assert bad.returncode == 1 and "expected one of RED, YELLOW, GREEN" in bad.stderr
    wrong = inv(proj, "incident.ack", "INC-CLI", "--from-reply", "-", input="ack INC-OTHER\n")
    assert wrong.returncode == 1
    assert wrong.stderr.strip() == ("the reply does not say 'ack INC-CLI' (it acknowledges "
                                    "INC-OTHER)")
    res = inv(proj, "incident.ack", "INC-CLI", "--from-reply", "-",
              input="ack INC-CLI, on it\n> [ESCALATION:RED] demo\n")
    assert res.returncode == 0 and "INC-CLI acknowledged via reply" in res.stdout
    again = inv(proj, "incident.ack", "INC-CLI", "--via", "phone")
    assert "already acknowledged; nothing recorded" in again.stdout
    dig = inv(proj, "incident.digest").stdout
    assert "## Acknowledged but not resolved" in dig and "INC-CLI SEV2" in dig
    assert inv(proj, "escalation.tick").stdout.strip() == "escalation.tick: 0 actions"
    shown = inv(proj, "incident.show", "INC-CLI").stdout
    assert "acknowledged" in shown and "via reply" in shown


@pytest.mark.parametrize("night,due_utc", [
    ("2026-03-29T01:30:00Z", "2026-03-29T05:00:00Z"),  # 03:30 CEST, just after spring forward
    ("2026-10-25T01:30:00Z", "2026-10-25T06:00:00Z"),  # 02:30 CET, the repeated hour
])
def test_dst_nights_defer_yellow_to_seven_local(proj, night, due_utc):
    cfg = load_config(proj)
    due = datetime.fromisoformat(due_utc.replace("Z", "+00:00"))
    with freeze_time(night) as frozen:
        open_incident(proj, "INC-DST")
        out = escalate(cfg, "INC-DST", "YELLOW", "backlog growing")
        assert out.decision.action == "defer" and out.decision.due == due
        assert escalate(cfg, "INC-DST", "RED", "now it is bad").decision.action == "send"
        frozen.move_to(due - timedelta(seconds=1))
        assert [r for r in tick(cfg) if r.kind == "deferred"] == []
        frozen.move_to(due)
        assert [r.kind for r in tick(cfg) if r.kind == "deferred"] == ["deferred"]
    sent = [e for e in L.load(proj / "incidents", "INC-DST") if e.type == "escalation.sent"]
    assert [e.data["class"] for e in sent] == ["RED", "YELLOW"]
    assert sent[1].ts.startswith(due_utc[:16])


def test_an_explicit_escalation_after_an_ack_is_sent_as_a_request_for_help(proj):
    """Issue 19.5: the commander who needs help can page after an ack; the cap counts it."""
    cfg = load_config(proj)
    with freeze_time("2026-11-22T14:00:00Z"):
        open_incident(proj, "INC-P")
        escalate(cfg, "INC-P", "RED", "api down")
        ack(cfg, "INC-P", "phone")
        out = escalate(cfg, "INC-P", "RED", "need the database team")
    assert out.decision.action == "send"
    assert out.decision.reason.startswith("help requested after acknowledgement; ")


def test_help_after_an_ack_still_counts_against_the_cap(proj):
    cfg = load_config(proj)
    with freeze_time("2026-11-22T14:00:00Z"):
        open_incident(proj, "INC-P")
        escalate(cfg, "INC-P", "RED", "api down")
        ack(cfg, "INC-P", "phone")
        outs = [escalate(cfg, "INC-P", "RED", f"help {n}") for n in range(3)]
    assert [o.decision.action for o in outs] == ["send", "send", "mute"]
    assert outs[-1].decision.capped


def test_a_muted_escalation_exits_non_zero_with_the_reason_first(proj):
    from conftest import inv

    cfg = load_config(proj)
    open_incident(proj, "INC-P")
    escalate(cfg, "INC-P", "RED", "api down")
    from triagebook.incident.commands import milestone

    milestone(cfg, "INC-P", "resolved")
    res = inv(proj, "incident.escalate", "INC-P", "--class", "RED")
    assert res.returncode == 1
    assert res.stdout.splitlines()[0] == "incident.escalate: NOT SENT — incident is resolved"

"""Channels under faults, against real servers on 127.0.0.1: a webhook that fails,
answers garbage, hangs, trickles or says Retry-After; a bad URL; a mail server that
never answers and a delivery cut off by Ctrl-C or a kill."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from conftest import assert_no_traceback, inv
from eschelp import of_type, open_incident, read, setup
from loopback import Silent, Smtp, Webhook, wait_for

from triagebook.base.timeutil import parse_iso, utc_now
from triagebook.config import load_config
from triagebook.escalation.digest import failed_deliveries
from triagebook.escalation.service import ack, escalate, tick

TOKEN = "T0KEN-s3cr3t-9f8e7d6c5b4a"  # the credential part of a webhook URL
WEBHOOK_CHANNELS = ("      page: {kind: webhook, url_env: TB_HOOK}\n"
                    "      chat: {kind: file, path: out/chat.log}\n"
                    "      email: {kind: file, path: out/email.log}\n")


@pytest.fixture
def hook():
    server = Webhook()
    yield server
    server.close()


@pytest.mark.parametrize("url,error", [
    ("{base}/fail/" + TOKEN, "page: webhook answered HTTP 500"),
    ("{base}/garbage/" + TOKEN, "page: webhook answered something that is not HTTP "
                                "(BadStatusLine)"),
    ("{base}/hang/" + TOKEN, "page: no complete answer within 2 s (the delivery deadline)"),
    ("{base}/trickle/" + TOKEN, "page: no complete answer within 2 s (the delivery deadline)"),
    ("http://127.0.0.1:99999999/" + TOKEN, "page: the webhook URL in $TB_HOOK is malformed"),
    ("http://[::1/" + TOKEN, "page: the webhook URL in $TB_HOOK is malformed"),
    ("file:///etc/" + TOKEN, "page: the webhook URL in $TB_HOOK must be http:// or https:// "
                             "(it is file://)"),
])
def test_a_failing_webhook_is_one_recorded_line_and_the_other_channels_still_deliver(
        project, hook, url, error):
    setup(project, WEBHOOK_CHANNELS)
    open_incident(project, "INC-W")
    url = url.format(base=hook.url)
    t0 = time.monotonic()
    res = inv(project, "incident.escalate", "INC-W", "--class", "RED", env={"TB_HOOK": url})
    took = time.monotonic() - t0
    assert res.returncode == 0, res.stderr
    assert_no_traceback(res)
    assert f"delivery failed (recorded; inv escalation.tick retries): {error}" in res.stdout
    assert took < 20  # process start-up included; the server alone would take 30 s
    assert "Incident: INC-W" in read(project / "out" / "chat.log")
    assert "Incident: INC-W" in read(project / "out" / "email.log")
    (failed,) = of_type(project, "INC-W", "escalation.failed")
    assert failed.data["channel"] == "page" and failed.data["error"] == error
    assert failed.data["latency_s"] < 3  # the 2 s deadline, not a 10 s socket timeout
    assert [e.data["channel"] for e in of_type(project, "INC-W", "escalation.delivered")] \
        == ["chat", "email"]  # a trickled 200 is not a delivery
    ledger = read(project / "incidents" / "INC-W" / "events.jsonl")
    assert TOKEN not in res.stdout + res.stderr + ledger


def test_retry_after_that_fits_the_deadline_is_waited_out_then_delivered(project, hook,
                                                                        monkeypatch):
    setup(project, WEBHOOK_CHANNELS, escalation="    deadline_seconds: 5\n")
    monkeypatch.setenv("TB_HOOK", f"{hook.url}/busy/{TOKEN}")
    open_incident(project, "INC-B")
    t0 = time.monotonic()
    out = escalate(load_config(project), "INC-B", "RED")
    assert out.failures == ()
    assert time.monotonic() - t0 >= 1.0  # it did wait the server's Retry-After: 1
    assert hook.hits["/busy"] == 2 and len(hook.bodies["/busy"]) == 1
    (page,) = [e for e in of_type(project, "INC-B", "escalation.delivered")
               if e.data["channel"] == "page"]
    assert page.data["latency_s"] >= 1.0


def test_the_webhook_goes_through_the_environments_proxy(project, hook, monkeypatch):
    setup(project, WEBHOOK_CHANNELS)
    monkeypatch.setenv("TB_HOOK", f"http://hooks.example.invalid/ok/{TOKEN}")
    monkeypatch.setenv("HTTP_PROXY", hook.url)  # the loopback server plays the proxy
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    open_incident(project, "INC-P")
    assert escalate(load_config(project), "INC-P", "RED").failures == ()
    assert hook.targets == [f"http://hooks.example.invalid/ok/{TOKEN}"]


def test_a_long_retry_after_becomes_the_retry_time(project, hook, monkeypatch):
    setup(project, WEBHOOK_CHANNELS)
    monkeypatch.setenv("TB_HOOK", f"{hook.url}/later/{TOKEN}")
    open_incident(project, "INC-L")
    cfg = load_config(project)
    escalate(cfg, "INC-L", "RED")
    (failed,) = of_type(project, "INC-L", "escalation.failed")
    assert failed.data["error"] == "page: webhook answered HTTP 503 (Retry-After 3600 s)"
    wait = parse_iso(failed.data["retry_at"]) - failed.time
    assert timedelta(minutes=59) < wait <= timedelta(hours=1)  # not the 1-minute backoff
    assert tick(cfg, clock=lambda: utc_now() + timedelta(minutes=30)) == []


def test_a_failed_page_is_never_retried_after_the_ack(project, hook, monkeypatch):
    setup(project, WEBHOOK_CHANNELS)
    monkeypatch.setenv("TB_HOOK", f"{hook.url}/fail/{TOKEN}")
    open_incident(project, "INC-A")
    cfg = load_config(project)
    escalate(cfg, "INC-A", "RED")
    (pending,) = failed_deliveries(cfg)
    assert (pending.incident, pending.channel, pending.retry_at is not None) == \
        ("INC-A", "page", True)
    shown = inv(project, "incident.show", "INC-A", env={"TB_HOOK": "x"}).stdout
    assert "page     FAILED (attempt 1" in shown and "webhook answered HTTP 500 — retry at" \
        in shown
    ack(cfg, "INC-A", "phone")
    later = lambda: utc_now() + timedelta(minutes=5)  # noqa: E731
    assert tick(cfg, clock=later) == []
    assert hook.hits["/fail"] == 1
    (after,) = failed_deliveries(cfg, later())
    assert after.retry_at is None and "not retried (acknowledged" in after.line()


# ---- a delivery cut off in the middle --------------------------------------------------

@pytest.fixture
def mail():
    silent, smtp = Silent(), Smtp()
    yield silent, smtp
    silent.close()
    smtp.close()


def _smtp_channels(port: int) -> str:
    return (f"      page: {{kind: smtp, host: 127.0.0.1, port: {port}, to: [oncall@x.test],"
            " sms: true}\n"
            "      chat: {kind: file, path: out/chat.log}\n"
            "      email: {kind: file, path: out/email.log}\n")


def _start_hanging_page(project, silent) -> subprocess.Popen[str]:
    setup(project, _smtp_channels(silent.port), escalation="    deadline_seconds: 30\n")
    open_incident(project, "INC-K")
    proc = subprocess.Popen([sys.executable, "-m", "invoke", "incident.escalate", "INC-K",
                             "--class", "RED"], cwd=project, text=True, env=dict(os.environ),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # the local channels are done and recorded; only the page hangs
    assert wait_for(lambda: silent.accepted.is_set()
                    and len(of_type(project, "INC-K", "escalation.delivered")) == 2)
    return proc


def test_ctrl_c_during_a_hanging_smtp_delivery_is_recorded_and_retried(project, mail):
    silent, smtp = mail
    proc = _start_hanging_page(project, silent)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=15)
    assert proc.returncode == 130 and "Traceback" not in err, err
    (failed,) = of_type(project, "INC-K", "escalation.failed")
    assert failed.data["channel"] == "page"
    assert failed.data["error"] == "page: interrupted (Ctrl-C) before the channel answered"
    assert failed.data["retry_at"] and not failed.data["final"]
    setup(project, _smtp_channels(smtp.port))  # the mail server is back
    res = inv(project, "escalation.tick")
    assert "INC-K: retry: page: attempt 2" in res.stdout, res.stdout + res.stderr
    assert len(smtp.messages) == 1 and "INC-K" in smtp.messages[0]


def test_a_killed_delivery_is_retried_once_its_lease_is_over(project, mail):
    silent, smtp = mail
    proc = _start_hanging_page(project, silent)
    proc.kill()
    proc.communicate(timeout=15)
    assert of_type(project, "INC-K", "escalation.failed") == []  # no outcome at all
    setup(project, _smtp_channels(smtp.port), escalation="    deadline_seconds: 30\n")
    cfg = load_config(project)
    assert tick(cfg) == []  # it may still be in flight: the lease is 30 s + 30 s
    reports = tick(cfg, clock=lambda: utc_now() + timedelta(seconds=61))
    assert [(r.kind, r.detail) for r in reports] == [
        ("retry", "page: attempt 1 started and never finished; attempt 2")]
    assert len(smtp.messages) == 1
    (done,) = [e for e in of_type(project, "INC-K", "escalation.delivered")
               if e.data["channel"] == "page"]
    assert done.data["attempt"] == 2

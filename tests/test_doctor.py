"""`inv doctor`: readiness checks against real servers on loopback and real files."""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import FIXTURES, assert_no_traceback, inv

WEBHOOK_TOKEN = "T0K3N-in-the-path-9d8c7b"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_port():
    from aiosmtpd.controller import Controller

    class Sink:
        async def handle_DATA(self, server, session, envelope):
            return "250 OK"

    port = free_port()  # aiosmtpd does not report a port chosen with 0
    server = Controller(Sink(), hostname="127.0.0.1", port=port)
    server.start()
    yield port
    server.stop()


@pytest.fixture
def webhook_port():
    class Hook(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

    http = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    yield http.server_address[1]
    http.shutdown()
    http.server_close()


@pytest.fixture
def proj(project: Path) -> Path:
    shutil.copy(FIXTURES / "runner" / "demo.md", project / "runbooks" / "demo.md")
    return project


def channels(root: Path, **specs: str) -> None:
    lines = ["triagebook:", "  escalation:", "    channels:"]
    lines += [f"      {name}: {spec}" for name, spec in specs.items()]
    (root / "invoke.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def doctor(root: Path, *args: str, env: dict[str, str] | None = None):
    res = inv(root, "doctor", "--timeout", "2", *args, env=env)
    assert_no_traceback(res)
    return res


def line(res, name: str) -> str:
    found = [x for x in res.stdout.splitlines() if x[6:].startswith(f"{name}: ")]
    assert len(found) == 1, res.stdout
    return found[0]


def test_smtp_server_on_loopback_is_ok(proj, smtp_port):
    channels(proj, page=f"{{kind: smtp, host: 127.0.0.1, port: {smtp_port}, "
                        f"to: [oncall@example.com]}}")
    res = doctor(proj)
    assert res.returncode == 0, res.stdout
    assert line(res, "reach page").startswith(
        f"ok    reach page: 127.0.0.1:{smtp_port} answers as SMTP (220,")
    assert line(res, "channel page").startswith("ok    channel page: smtp to 1 recipient")
    assert line(res, "channel chat").startswith("warn  channel chat: stdout")
    assert res.stdout.splitlines()[-1].endswith(", 0 fail")


def test_closed_port_fails_with_exit_1(proj):
    port = free_port()  # bound, then released: nothing listens there now
    channels(proj, page=f"{{kind: smtp, host: 127.0.0.1, port: {port}, to: [a@example.com]}}")
    res = doctor(proj)
    assert res.returncode == 1
    assert line(res, "reach page") == (
        f"fail  reach page: 127.0.0.1:{port}: Connection refused (within 2 s) — check the "
        f"server, the firewall and the host/port of page; escalations through it would fail "
        f"now")
    doc = json.loads(doctor(proj, "--format", "json").stdout)
    assert doc["ok"] is False
    assert {c["name"]: c["status"] for c in doc["checks"]}["reach page"] == "fail"


def test_webhook_url_is_checked_but_never_printed(proj, webhook_port):
    channels(proj, chat="{kind: webhook, url_env: TB_DOCTOR_HOOK}")
    url = f"http://127.0.0.1:{webhook_port}/services/{WEBHOOK_TOKEN}"
    res = doctor(proj, env={"TB_DOCTOR_HOOK": url})
    assert line(res, "reach chat").startswith(f"ok    reach chat: 127.0.0.1:{webhook_port} "
                                              f"accepts connections")
    assert WEBHOOK_TOKEN not in res.stdout + res.stderr
    res = doctor(proj)  # the variable unset
    assert res.returncode == 1
    assert line(res, "channel chat").startswith(
        "fail  channel chat: webhook: environment variable TB_DOCTOR_HOOK is not set")
    res = doctor(proj, env={"TB_DOCTOR_HOOK": f"not a url {WEBHOOK_TOKEN}"})
    assert "does not hold an http(s) URL (value not shown" in line(res, "channel chat")
    assert WEBHOOK_TOKEN not in res.stdout + res.stderr


def test_smtp_login_variables_must_be_present(proj, smtp_port):
    channels(proj, email=f"{{kind: smtp, host: 127.0.0.1, port: {smtp_port}, "
                         f"to: [a@example.com], user_env: TB_DOC_USER, "
                         f"password_env: TB_DOC_PASS}}")
    res = doctor(proj, env={"TB_DOC_USER": "ops"})
    assert res.returncode == 1
    assert line(res, "channel email") == (
        "fail  channel email: smtp: environment variable TB_DOC_PASS is not set (the login) "
        "— export it in the on-call shell or service")


def test_runbook_errors_fail_and_warnings_warn(proj):
    (proj / "runbooks" / "broken.md").write_text("no front-matter here\n")
    res = doctor(proj)
    assert res.returncode == 1
    assert line(res, "runbooks").startswith(
        "fail  runbooks: 1 error in 1 file; first: runbooks/broken.md:1: no-front-matter")
    (proj / "runbooks" / "broken.md").unlink()
    shutil.copy(FIXTURES / "lint" / "unknown-fence-word.md", proj / "runbooks" / "typo.md")
    assert line(doctor(proj), "runbooks").startswith("warn  runbooks: 2 runbooks, 1 warning")


def test_bad_config_is_a_failure_naming_the_line(proj):
    (proj / "invoke.yaml").write_text("triagebook:\n  policy:\n    timezone: Mars/Olympus\n")
    res = doctor(proj)
    assert res.returncode == 1
    assert line(res, "config").startswith(
        "fail  config: invoke.yaml:3: bad-config: triagebook.policy.timezone: expected an "
        "IANA time zone")


def test_incident_folder_must_be_a_writable_folder(proj):
    (proj / "incidents").write_text("not a folder")
    res = doctor(proj)
    assert res.returncode == 1
    assert line(res, "incidents").startswith("fail  incidents: incidents is not a folder")


def test_deliveries_that_gave_up_on_an_open_incident(proj):
    (proj / "invoke.yaml").write_text(
        "triagebook:\n  policy:\n    escalation_classes:\n      RED: {channels: [pager]}\n")
    assert inv(proj, "runbook.run", "demo", "--incident", "INC-P", "--context",
               "server_id=srv-a", input="q\n").returncode == 0
    sent = inv(proj, "incident.escalate", "INC-P", "--class", "RED", "--diagnosis", "down")
    assert "delivery failed (recorded" in sent.stdout and "pager: no such channel" in sent.stdout
    res = doctor(proj)
    assert res.returncode == 1
    assert line(res, "deliveries").startswith(
        "fail  deliveries: escalations that gave up on open incidents: INC-P (pager)")
    assert line(res, "channel pager").startswith(
        "fail  channel pager: class RED routes to 'pager', which is not configured")


def test_offline_site_missing_then_stale(proj):
    assert line(doctor(proj), "offline site").startswith(
        "warn  offline site: site-offline/index.html not built")
    index = proj / "site-offline" / "index.html"
    index.parent.mkdir()
    index.write_text("<html></html>")
    old = time.time() - 3600
    os.utime(index, (old, old))
    assert "is older than runbooks/demo.md" in line(doctor(proj), "offline site")
    os.utime(index, None)
    assert line(doctor(proj), "offline site").startswith("ok    offline site: ")

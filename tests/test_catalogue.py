"""The spec's catalogue (issue 25): the missing runbooks found from what a responder
pastes, no runbook asking a customer for a credential, pages that carry the evidence,
severity examples, channels that go live after clean drills, doctor --services, and the
correlation-first hand-off (next:, --from-stderr, incident.list --context, links,
resource_name)."""

from __future__ import annotations

import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import REPO

from triagebook.base.redaction import Redactor
from triagebook.config import load_config
from triagebook.incident import events as E
from triagebook.incident.ledger import Ledger
from triagebook.runbook.catalog import load_catalog
from triagebook.runbook.cli_error import parse as parse_cli
from triagebook.runbook.lint import lint
from triagebook.runbook.match import match
from triagebook.runbook.pivots import fill

PHRASES = [
    ("error: oidc_invalid_grant (correlation_id=7f3c2a10-5b8e)", "oidc-login-failure"),
    ("OIDC callback failed: state mismatch", "oidc-login-failure"),
    ("HTTP 401 Unauthorized spike on /v1/jobs", "authz-spike"),
    ("403 Forbidden: scope_mismatch for org-acme", "authz-spike"),
    ("operator_scope_denied for prj-training-01", "operator-scope-check"),
    ("deployment dep-7c1f9a2b rejected: approval_coverage_rejected", "deployment-failure"),
    ("agent fetch failed: bundle_hash_not_found sha256:ab12", "deployment-failure"),
    ("deployment stuck before artifact", "deployment-failure"),
    ("heartbeat 401 agent_unauthorized srv-7f3c2a10", "agent-authz-failure"),
    ("agent_signing_key_rejected", "agent-authz-failure"),
    ("backup_failed for gpuaas-main", "backup-restore-test"),
    ("restore test failed: checksum mismatch", "backup-restore-test"),
    ("tuning_not_applied on srv-7f3c2a10", "effective-tuning"),
    ("runtime snapshot mismatch", "effective-tuning"),
]


@pytest.fixture(scope="module")
def shipped_catalog(tmp_path_factory):
    root = tmp_path_factory.mktemp("cat")
    shutil.copytree(REPO / "runbooks", root / "runbooks")
    return load_catalog(load_config(root))


@pytest.mark.parametrize("text, runbook", PHRASES)
def test_pasted_text_finds_the_new_runbook(shipped_catalog, text, runbook):
    assert match(shipped_catalog, text, limit=1)[0].id == runbook


def test_shipped_runbooks_lint_clean(shipped_catalog):
    from datetime import date

    assert [str(p) for p in lint(shipped_catalog, date(2026, 12, 3))] == []


# ---- asks-customer-credential -------------------------------------------------------------

ASKING = """\
---
title: Asking
severity: SEV3
failure_class: [asking_case]
route: r
trigger: t
context:
  customer_key:
    description: the customer's API key
    secret: true
---

# Asking

## Steps

### Replay with their token

Ask the customer to send their API token so we can replay the call.

```sh
echo {{ customer_key }}
```

### Harmless

Never ask a customer for a password or token; ask for the correlation_id.
"""


def test_lint_flags_a_step_and_a_secret_that_ask_for_a_customer_credential(tmp_path):
    (tmp_path / "runbooks").mkdir()
    (tmp_path / "runbooks" / "asking.md").write_text(ASKING, encoding="utf-8")
    from datetime import date

    found = [(p.line, p.code) for p in lint(load_catalog(load_config(tmp_path)),
                                              date(2026, 12, 3))
             if p.code == "asks-customer-credential"]
    assert found == [(8, "asks-customer-credential"), (17, "asks-customer-credential")]


# ---- pages with the evidence ------------------------------------------------------------------

PAGE_CONFIG = """\
triagebook:
  escalation:
    channels:
      page: {kind: file, path: page.log, sms: true}
      chat: {kind: file, path: chat.log}
      email: {kind: file, path: email.log}
      digest: {kind: file, path: digest.log}
  links:
    trace: https://tempo.example/explore?traceId={{ trace_id }}&q={{ correlation_id }}
"""


def incident_with_failure(root: Path, output: str) -> str:
    (root / "invoke.yaml").write_text(PAGE_CONFIG, encoding="utf-8")
    (root / "runbooks").mkdir(exist_ok=True)
    iid = "INC-20261203-0300-evid"
    with Ledger(root / "incidents", iid, "alice", Redactor(), session=False) as led:
        led.append(E.IncidentOpened(severity="SEV2", title="API 5xx",
                                    detected_at="2026-12-03T03:00:00Z"))
        led.append(E.Command(command="kubectl rollout status deploy/api\nkubectl get pods",
                             exit_code=1, failed_line=1,
                             failed_command="kubectl rollout status deploy/api",
                             output=output), runbook="api", step=2)
    return iid


def test_email_class_page_carries_the_failing_command_and_output(tmp_path):
    from triagebook.escalation.service import escalate

    iid = incident_with_failure(tmp_path, "Waiting for rollout...\nerror: deployment "
                                          "\"api\" exceeded its progress deadline")
    escalate(load_config(tmp_path), iid, "RED", diagnosis="rollout stuck")
    email = (tmp_path / "email.log").read_text()
    assert ("Failed command: step 2 of api: kubectl rollout status deploy/api (exit 1 at "
            "line 1: kubectl rollout status deploy/api)") in email
    assert '  error: deployment "api" exceeded its progress deadline' in email


def test_sms_page_carries_no_output(tmp_path):
    from triagebook.escalation.service import escalate

    iid = incident_with_failure(tmp_path, "error: progress deadline exceeded")
    escalate(load_config(tmp_path), iid, "RED", diagnosis="rollout stuck")
    assert "progress deadline" not in (tmp_path / "page.log").read_text()


def test_output_excerpt_is_redacted_and_bounded(tmp_path):
    from triagebook.escalation.service import escalate

    token = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
    lines = [f"line {n}" for n in range(30)] + [f"auth with {token}"]
    iid = incident_with_failure(tmp_path, "\n".join(lines))
    escalate(load_config(tmp_path), iid, "RED")
    email = (tmp_path / "email.log").read_text()
    assert token not in email
    assert "line 22" not in email  # only the last 8 lines
    assert "  line 23" in email


# ---- severity examples ------------------------------------------------------------------------

def test_policy_page_has_an_examples_column(tmp_path):
    from triagebook.site.indexes import policy_page

    md = policy_page(load_config(tmp_path).policy).markdown
    assert "| Severity | Meaning | Response time | Post-mortem | Examples |" in md
    assert "nobody can sign in" in md


# ---- go live after clean drills ---------------------------------------------------------------

GATED = """\
triagebook:
  escalation:
    channels:
      page: {kind: file, path: page.log, sms: true, go_live_after: 2}
      chat: {kind: file, path: chat.log}
      email: {kind: file, path: email.log}
"""


def gated_incident(root: Path) -> str:
    (root / "invoke.yaml").write_text(GATED, encoding="utf-8")
    (root / "runbooks").mkdir(exist_ok=True)
    with Ledger(root / "incidents", "INC-20261203-0300-gate", "alice", Redactor(),
                session=False) as led:
        led.append(E.IncidentOpened(severity="SEV1", title="down",
                                    detected_at="2026-12-03T03:00:00Z"))
    return "INC-20261203-0300-gate"


def test_gated_channel_is_shadow_until_its_clean_drills(tmp_path):
    from triagebook.escalation.drill import drill
    from triagebook.escalation.service import escalate

    iid = gated_incident(tmp_path)
    cfg = load_config(tmp_path)
    escalate(cfg, iid, "RED", diagnosis="before drills")
    before = (tmp_path / "page.log").exists()
    drill(cfg, "RED")
    drill(cfg, "RED")
    from triagebook.escalation.golive import remaining

    after_drills = remaining(cfg)
    escalate(cfg, iid, "RED", diagnosis="after drills")
    pages = (tmp_path / "page.log").read_text()
    assert (before, after_drills) == (False, {})
    assert pages.count("[DRILL]") == 2
    assert "after drills" in pages


def test_report_and_doctor_say_how_many_drills_remain(tmp_path):
    from triagebook.escalation.report import build, render
    from triagebook.readiness import run_checks

    gated_incident(tmp_path)
    cfg = load_config(tmp_path)
    text = render(build(cfg))
    checks = [c for c in run_checks(tmp_path) if c.name == "channel page go-live"]
    assert "channel page: shadow until 2 more clean drills (go_live_after)" in text
    assert [c.status for c in checks] == ["warn"]


# ---- doctor --services --------------------------------------------------------------------------

class _Service(http.server.BaseHTTPRequestHandler):
    ready = 200
    metrics = "# HELP x\nauth_denied_total{reason=\"x\"} 3\ngpuaas_http_requests_total 9\n"

    def do_GET(self) -> None:  # noqa: N802
        status, body = {"/healthz": (200, "ok"), "/readyz": (self.ready, "ready"),
                        "/metrics": (200, self.metrics)}.get(self.path, (404, ""))
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args: object) -> None:
        pass


def serve(handler) -> http.server.ThreadingHTTPServer:
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def services_config(root: Path, url: str, counters: list[str]) -> None:
    (root / "invoke.yaml").write_text(
        "triagebook:\n  services:\n    auth-service:\n"
        f"      url: {url}\n      counters: {json.dumps(counters)}\n", encoding="utf-8")
    (root / "runbooks").mkdir(exist_ok=True)


def service_checks(root: Path) -> list[tuple[str, str]]:
    from triagebook.readiness import services

    return [(c.name, c.status) for c in services.services(load_config(root), 2.0)]


def test_doctor_services_healthy(tmp_path):
    srv = serve(_Service)
    try:
        services_config(tmp_path, f"http://127.0.0.1:{srv.server_address[1]}",
                        ["auth_denied_total", "gpuaas_http_requests_total"])
        assert service_checks(tmp_path) == [("service auth-service /healthz", "ok"),
                                             ("service auth-service /readyz", "ok"),
                                             ("service auth-service /metrics", "ok")]
    finally:
        srv.shutdown()


def test_doctor_services_unready_and_missing_counter(tmp_path):
    handler = type("Unready", (_Service,), {"ready": 503})
    srv = serve(handler)
    try:
        services_config(tmp_path, f"http://127.0.0.1:{srv.server_address[1]}",
                        ["auth_denied_total", "missing_total"])
        assert service_checks(tmp_path) == [("service auth-service /healthz", "ok"),
                                             ("service auth-service /readyz", "fail"),
                                             ("service auth-service /metrics", "fail")]
    finally:
        srv.shutdown()


def test_doctor_services_closed_port_fails(tmp_path):
    from alerting import free_port

    services_config(tmp_path, f"http://127.0.0.1:{free_port()}", [])
    assert [s for _, s in service_checks(tmp_path)] == ["fail", "fail"]


# ---- the correlation-first hand-off ------------------------------------------------------------

def test_cli_error_paste_is_parsed_and_redacted():
    token = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
    err = parse_cli(f"$ gpuaas jobs submit --token {token} job.yaml\n"
                    "Error: token_expired: token expired (correlation_id=7f3c2a10-5b8e)\n"
                    "resource_name=projects/p1/jobs/j9\nexit status 1\n")
    assert (err.exit_code, err.error_code, err.correlation_id, err.resource_name) == (
        "1", "token_expired", "7f3c2a10-5b8e", "projects/p1/jobs/j9")
    assert token not in err.command
    assert err.command.startswith("gpuaas jobs submit --token [REDACTED")


def test_link_values_are_quoted_and_need_every_value():
    t = "https://t.example/x?traceId={{ trace_id }}"
    assert fill(t, {"trace_id": "a&b=c"}) == "https://t.example/x?traceId=a%26b%3Dc"
    assert fill(t, {}) is None
    assert fill(t, {"trace_id": "s3cret"}, secret={"trace_id"}) is None


def test_page_carries_the_filled_links(tmp_path):
    from triagebook.escalation.service import escalate

    iid = incident_with_failure(tmp_path, "x")
    with Ledger(tmp_path / "incidents", iid, "alice", Redactor(), session=False) as led:
        led.append(E.RunbookAttached(title="api", context={"trace_id": "abc123",
                                                           "correlation_id": "7f3c2a10"}),
                   runbook="api")
    escalate(load_config(tmp_path), iid, "RED")
    assert ("Links: trace: https://tempo.example/explore?traceId=abc123&q=7f3c2a10"
            in (tmp_path / "chat.log").read_text())


def test_resource_name_is_taken_by_every_runbook(shipped_catalog):
    from triagebook.runbook.values import check_values

    rb = shipped_catalog.runbooks["jobs-stuck"]
    out = check_values(rb, {"resource_name": "projects/p1/queues/jobs"}, require=False)
    assert out["resource_name"] == "projects/p1/queues/jobs"


def run_inv(root: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "invoke", *args], cwd=root, text=True,
                          input=stdin, capture_output=True, timeout=120,
                          env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200"})


def test_from_stderr_opens_the_incident_with_the_pasted_values(tmp_path):
    """The process is the subject: a paste in a file, the walk on stdin, exit 0."""
    shutil.copy(REPO / "tasks.py", tmp_path / "tasks.py")
    shutil.copytree(REPO / "runbooks", tmp_path / "runbooks")
    (tmp_path / "err.txt").write_text(
        "$ gpuaas auth whoami\nError: token_expired (correlation_id=7f3c2a10-5b8e-4d2f)\n"
        "exit status 1\n", encoding="utf-8")
    res = run_inv(tmp_path, "runbook.run", "token-failure", "--from-stderr", "err.txt",
                  stdin="quit\n")
    found = run_inv(tmp_path, "incident.list", "--context",
                    "correlation_id=7f3c2a10-5b8e-4d2f")
    assert res.returncode == 0, res.stderr
    assert "correlation_id = 7f3c2a10-5b8e-4d2f" in res.stdout
    assert found.stdout.splitlines()[1].split()[3] == "token-failure"


def test_match_next_line_carries_the_pasted_values(tmp_path, shipped_catalog, capsys,
                                                   monkeypatch):
    from invoke import Program

    import triagebook.tasks as tasks

    shutil.copytree(REPO / "runbooks", tmp_path / "runbooks")
    monkeypatch.chdir(tmp_path)
    Program(namespace=tasks.namespace(), name="inv").run(
        ["inv", "runbook.match", "error_code=token_expired correlation_id=7f3c2a10-5b8e"])
    out = capsys.readouterr().out
    assert ("next: inv runbook.run token-failure --context correlation_id=7f3c2a10-5b8e"
            in out.splitlines())

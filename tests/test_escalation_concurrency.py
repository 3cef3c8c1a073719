"""Escalation under concurrency: real `inv` processes started together."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from eschelp import of_type, open_incident, read, setup
from freezegun import freeze_time
from loopback import Webhook

from triagebook.config import load_config
from triagebook.escalation.service import escalate
from triagebook.incident import ledger as L


def together(root: Path, n: int, *args: str, env: dict[str, str] | None = None) -> list[str]:
    """Start n `inv` processes at once; their outputs when all are done.  Each exits 0, or
    1 for an escalation muted by the cap (its first line says so)."""
    procs = [subprocess.Popen([sys.executable, "-m", "invoke", *args], cwd=root, text=True,
                              env={**os.environ, **(env or {})}, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE) for _ in range(n)]
    outs = []
    for p in procs:
        out, err = p.communicate(timeout=60)
        muted = out.startswith("incident.escalate: NOT SENT — cap reached")
        assert p.returncode == (1 if muted else 0), err
        assert "Traceback" not in err, err
        outs.append(out)
    return outs


def test_eight_concurrent_escalations_make_three_pages_and_one_meta_incident(project):
    setup(project, escalation="    meta_route: [lead]\n",
          channels="      page: {kind: file, path: out/page.log, sms: true}\n"
                   "      chat: {kind: file, path: out/chat.log}\n"
                   "      email: {kind: file, path: out/email.log}\n"
                   "      lead: {kind: file, path: out/lead.log}\n")
    open_incident(project, "INC-C")
    together(project, 8, "incident.escalate", "INC-C", "--class", "RED")
    chat = read(project / "out" / "chat.log").splitlines()
    assert chat.count("Incident: INC-C") == 3  # the cap, not 8
    assert len(of_type(project, "INC-C", "escalation.sent")) == 3
    muted = of_type(project, "INC-C", "escalation.muted")
    assert len(muted) == 5
    metas = {e.data["meta_incident"] for e in muted}
    assert len(metas) == 1  # one meta-incident for the window, not one per process
    (meta,) = metas
    assert [i for i in L.incident_ids(project / "incidents") if i.endswith("-cap")] == [meta]
    lead = read(project / "out" / "lead.log")
    assert lead.count(f"Incident: {meta}") == 1  # and it is paged once


@pytest.fixture
def hook():
    server = Webhook()
    yield server
    server.close()


def test_three_concurrent_ticks_deliver_each_due_page_once(project, hook):
    setup(project, "      page: {kind: file, path: out/page.log, sms: true}\n"
                   "      chat: {kind: file, path: out/chat.log}\n"
                   "      email: {kind: webhook, url_env: TB_HOOK}\n")
    os.environ["TB_HOOK"] = f"{hook.url}/flaky/token"
    try:
        cfg = load_config(project)
        with freeze_time("2026-11-22T02:00:00Z"):  # 03:00 in Stockholm: YELLOW waits
            for n in range(1, 13):
                open_incident(project, f"INC-D{n}")
                assert escalate(cfg, f"INC-D{n}", "YELLOW").decision.action == "defer"
        with freeze_time("2026-11-22T13:00:00Z"):  # the webhook fails once: a retry is due
            open_incident(project, "INC-T2")
            assert len(escalate(cfg, "INC-T2", "YELLOW").failures) == 1
        # both are long due now; three ticks race for them
        together(project, 3, "escalation.tick")
    finally:
        del os.environ["TB_HOOK"]
    chat = read(project / "out" / "chat.log").splitlines()
    assert [chat.count(f"Incident: INC-D{n}") for n in range(1, 13)] == [1] * 12
    assert [len(of_type(project, f"INC-D{n}", "escalation.sent")) for n in range(1, 13)] \
        == [1] * 12
    assert len(of_type(project, "INC-T2", "escalation.retried")) == 1
    assert hook.hits["/flaky"] == 12 + 2  # the deferred sends, T2's first try, one retry

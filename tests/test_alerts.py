"""Alerts open incidents (issue 21): payloads checked before anything is kept, one
incident per alert group, durable before acknowledged — with a real Alertmanager (and a
real Prometheus for one end-to-end run) on 127.0.0.1."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from alerting import Alertmanager, Prometheus, Unavailable, free_port, wait_for
from conftest import REPO

from triagebook.alerts.intake import receive
from triagebook.alerts.payload import BadPayload, parse
from triagebook.config import load_config
from triagebook.incident.ledger import incident_ids, load
from triagebook.incident.state import fold
from triagebook.intake.server import IntakeServer, Metrics
from triagebook.tasks.alert import build_server

CONFIG = """\
triagebook:
  escalation:
    channels:
      page: {kind: file, path: page.log, sms: true}
      chat: {kind: file, path: chat.log}
      email: {kind: file, path: email.log}
"""


def make_project(root: Path) -> Path:
    shutil.copy(REPO / "tasks.py", root / "tasks.py")
    shutil.copytree(REPO / "runbooks", root / "runbooks")
    (root / "invoke.yaml").write_text(CONFIG, encoding="utf-8")
    return root


def am_payload(alertname: str = "ApiErrors", status: str = "firing", **extra) -> dict:
    alert = {"status": status, "labels": {"alertname": alertname, "severity": "critical",
                                          **extra.pop("labels", {})},
             "annotations": {"summary": "5xx above 5%", **extra.pop("annotations", {})},
             "startsAt": "2026-12-03T02:10:00Z", "endsAt": "0001-01-01T00:00:00Z",
             "generatorURL": "http://prom/graph", "fingerprint": extra.pop("fp", "f1")}
    return {"version": "4", "groupKey": f'{{}}:{{alertname="{alertname}"}}', "status": status,
            "receiver": "tb", "groupLabels": {"alertname": alertname},
            "commonLabels": {"alertname": alertname}, "commonAnnotations": {},
            "externalURL": "http://am", "alerts": [alert], **extra}


def incidents(cfg) -> list:
    return [fold(i, load(cfg.incidents_dir, i)) for i in incident_ids(cfg.incidents_dir)]


@pytest.fixture
def cfg(tmp_path):
    return load_config(make_project(tmp_path))


# ---- payloads ------------------------------------------------------------------------------

def test_alertmanager_shape_is_recognised():
    assert parse(json.dumps(am_payload()).encode()).source == "alertmanager"


def test_grafana_shape_is_recognised():
    body = {**am_payload(), "orgId": 1, "state": "alerting", "title": "[FIRING:1] ApiErrors"}
    body.pop("version")
    assert parse(json.dumps(body).encode()).source == "grafana"


@pytest.mark.parametrize("body, says", [
    (b"{not json", "body is not JSON"),
    (b"[1,2]", "expected a JSON object"),
    (b'{"foo": 1}', "not an Alertmanager webhook"),
    (b'{"version": "4", "alerts": []}', "alerts: expected a non-empty list"),
    (b'{"version": "4", "alerts": [{"status": "firing", "labels": {"a": NaN}}]}',
     "body is not JSON"),
    (b'{"version": "4", "alerts": [{"status": "burning"}]}',
     "alerts[0].status: expected firing or resolved"),
    (b'{"version": "4", "alerts": [{"status": "firing", "labels": "x"}]}',
     "alerts[0].labels: expected an object of strings"),
    (b'{"version": "4", "x": ' + b"[" * 40 + b"]" * 40 + b', "alerts": [1]}',
     "JSON nested deeper than 16 levels"),
])
def test_bad_payload_is_one_line(body, says):
    with pytest.raises(BadPayload) as info:
        parse(body)
    assert says in str(info.value)
    assert "\n" not in str(info.value)


# ---- alert → incident ----------------------------------------------------------------------

def test_annotation_runbook_wins_with_context_and_severity(cfg):
    body = am_payload(annotations={"runbook": "jobs-stuck"},
                      labels={"queue": "billing-events"})
    out = receive(cfg, parse(json.dumps(body).encode()))
    st = incidents(cfg)[0]
    assert (out.opened, out.runbook, out.confidence) == (True, "jobs-stuck",
                                                         "high")
    assert (st.severity, st.runbooks["jobs-stuck"].context) == (
        "SEV2", {"queue": "billing-events"})


def test_runbook_url_into_the_site_picks_the_runbook(cfg):
    body = am_payload(annotations={"runbook_url": "https://rb.example/runbooks/token-failure/"})
    assert receive(cfg, parse(json.dumps(body).encode())).runbook == "token-failure"


def test_incident_starts_at_the_alerts_own_start(cfg):
    receive(cfg, parse(json.dumps(am_payload()).encode()))
    assert incidents(cfg)[0].detected_at.isoformat() == "2026-12-03T02:10:00+00:00"


def test_no_confident_match_opens_the_process_runbook_with_candidates(cfg):
    body = am_payload("Weirdness", annotations={"summary": "something odd"})
    out = receive(cfg, parse(json.dumps(body).encode()))
    fired = [e for e in load(cfg.incidents_dir, out.incident) if e.type == "alert.fired"][0]
    assert (out.runbook, out.confidence) == ("incident-process", fired.data["runbook_reason"]
                                             .split("(")[1].split(")")[0])
    assert fired.data["runbook_reason"].startswith("no confident match")


def test_secret_context_is_never_taken_from_an_alert(cfg):
    rb = "token-failure"
    from triagebook.runbook.catalog import load_catalog

    secrets = sorted(load_catalog(cfg).runbooks[rb].secret_names)
    labels = {name: "leaked-value-123456" for name in secrets} or {"api_token": "x"}
    body = am_payload(annotations={"runbook": rb}, labels=labels)
    out = receive(cfg, parse(json.dumps(body).encode()))
    text = (cfg.incidents_dir / out.incident / "events.jsonl").read_text()
    assert json.loads(text.splitlines()[1])["data"]["context"].keys().isdisjoint(secrets)


def test_repeat_delivery_is_no_new_incident_and_no_new_event(cfg):
    body = json.dumps(am_payload()).encode()
    first = receive(cfg, parse(body))
    again = receive(cfg, parse(body))
    assert (again.incident, again.duplicate, len(incidents(cfg))) == (first.incident, True, 1)


def test_new_alert_in_the_group_adds_alert_fired(cfg):
    receive(cfg, parse(json.dumps(am_payload()).encode()))
    out = receive(cfg, parse(json.dumps(am_payload(fp="f2")).encode()))
    types = [e.type for e in load(cfg.incidents_dir, out.incident)]
    assert types.count("alert.fired") == 2


def test_resolved_is_recorded_not_resolving(cfg):
    receive(cfg, parse(json.dumps(am_payload()).encode()))
    out = receive(cfg, parse(json.dumps(am_payload(status="resolved")).encode()))
    st = incidents(cfg)[0]
    assert ([a.status for a in out.resolved], st.status) == (["resolved"], "open")


def test_concurrent_deliveries_of_a_new_group_make_one_incident(cfg):
    body = json.dumps(am_payload("Burst")).encode()
    outs: list = []
    threads = [threading.Thread(target=lambda: outs.append(receive(cfg, parse(body))))
               for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert (len({o.incident for o in outs}), sum(o.opened for o in outs)) == (1, 1)


# ---- the HTTP receiver (in-process) ----------------------------------------------------------

@pytest.fixture
def http_server(cfg):
    srv = build_server(cfg, "127.0.0.1:0")
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield cfg, srv.server_address[1]
    srv.shutdown()
    srv.server_close()


def post(port: int, body: bytes, headers: dict | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("POST", "/alerts", body, {"Content-Type": "application/json",
                                           **(headers or {})})
    r = conn.getresponse()
    out = r.status, r.read()
    conn.close()
    return out


def test_http_firing_answers_with_the_incident(http_server):
    cfg, port = http_server
    status, body = post(port, json.dumps(am_payload()).encode())
    assert (status, json.loads(body)["opened"]) == (200, True)


def test_http_unknown_payload_400_nothing_written(http_server):
    cfg, port = http_server
    status, body = post(port, b'{"hello": "world"}')
    assert (status, incident_ids(cfg.incidents_dir)) == (400, [])
    assert body.decode().count("\n") == 1


def test_http_2_mib_body_413_nothing_written(http_server):
    cfg, port = http_server
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.putrequest("POST", "/alerts")
    conn.putheader("Content-Length", str(2 * 1024 * 1024))
    conn.endheaders(b"{" * 65536)  # the answer comes before the rest is sent
    status = conn.getresponse().status
    conn.close()
    assert (status, incident_ids(cfg.incidents_dir)) == (413, [])


def test_http_wrong_token_401_nothing_written(cfg):
    from triagebook.intake import alerts

    metrics = Metrics()
    srv = IntakeServer(("127.0.0.1", 0), alerts.routes(cfg, metrics), metrics,
                       token="a-long-enough-token-123")
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        status, _ = post(srv.server_address[1], json.dumps(am_payload()).encode(),
                         {"Authorization": "Bearer wrong-token-wrong-token"})
        ok, _ = post(srv.server_address[1], json.dumps(am_payload()).encode(),
                     {"Authorization": "Bearer a-long-enough-token-123"})
    finally:
        srv.shutdown()
        srv.server_close()
    assert (status, ok, len(incident_ids(cfg.incidents_dir))) == (401, 200, 1)


def test_non_loopback_listen_needs_a_token(cfg, monkeypatch):
    from triagebook.base.errors import UsageError

    monkeypatch.delenv("TRIAGEBOOK_SECRET_ALERT_TOKEN", raising=False)
    with pytest.raises(UsageError, match="needs a bearer token"):
        build_server(cfg, "0.0.0.0:0")


def test_full_disk_answers_5xx_and_acknowledges_nothing(cfg):
    from fshelp import fill, tmpfs

    with tmpfs(cfg.incidents_dir, "64k") as inc:
        fill(inc)
        srv = build_server(cfg, "127.0.0.1:0")
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        try:
            status, body = post(srv.server_address[1], json.dumps(am_payload()).encode())
        finally:
            srv.shutdown()
            srv.server_close()
        assert status == 503
        assert body.startswith(b"not recorded, retry:")


def test_metrics_count_alerts_and_duplicates(http_server):
    cfg, port = http_server
    body = json.dumps(am_payload()).encode()
    post(port, body)
    post(port, body)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/metrics")
    text = conn.getresponse().read().decode()
    conn.close()
    assert 'triagebook_alerts_received_total{status="firing"} 2.0' in text
    assert "triagebook_alert_duplicates_total 1.0" in text


# ---- a real Alertmanager ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def am_rig(tmp_path_factory):
    """One project, its receiver in-process, and an Alertmanager sending to it."""
    root = make_project(tmp_path_factory.mktemp("am"))
    conf = load_config(root)
    srv = build_server(conf, "127.0.0.1:0")
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        am = Alertmanager(srv.server_address[1])
    except Unavailable as exc:
        srv.shutdown()
        pytest.fail(str(exc), pytrace=False)
    yield conf, am
    am.close()
    srv.shutdown()
    srv.server_close()


def by_title(cfg, title: str) -> list:
    """Incidents with this title whose first delivery is complete (alert.fired is its
    last event; a poll in between would see the incident half-written)."""
    return [st for st in incidents(cfg) if st.title == title
            and any(e.type == "alert.fired" for e in st.events)]


def test_alertmanager_firing_opens_one_incident(am_rig):
    cfg, am = am_rig
    am.fire("QueueStuck", {"severity": "critical", "queue": "jobs"},
            {"summary": "QueueStuck: jobs", "runbook": "jobs-stuck"})
    (st,) = wait_for(lambda: by_title(cfg, "QueueStuck: jobs"), "the incident")
    assert (st.first_runbook, st.severity) == ("jobs-stuck", "SEV2")
    assert st.runbooks["jobs-stuck"].context == {"queue": "jobs"}


def test_alertmanager_same_group_again_adds_alerts_not_incidents(am_rig):
    cfg, am = am_rig
    am.fire("DiskSlow", {"host": "a"}, {"summary": "DiskSlow"})
    wait_for(lambda: by_title(cfg, "DiskSlow"), "the first incident")
    am.fire("DiskSlow", {"host": "b"}, {"summary": "DiskSlow"})

    def two_fired():
        (st,) = by_title(cfg, "DiskSlow")
        return sum(e.type == "alert.fired" for e in st.events) == 2

    wait_for(two_fired, "the second alert.fired")
    assert len(by_title(cfg, "DiskSlow")) == 1


def test_alertmanager_resolved_is_recorded(am_rig):
    cfg, am = am_rig
    am.fire("CacheCold", {}, {"summary": "CacheCold"})
    wait_for(lambda: by_title(cfg, "CacheCold"), "the incident")
    am.fire("CacheCold", {}, {"summary": "CacheCold"}, resolved=True)
    (st,) = wait_for(lambda: [s for s in by_title(cfg, "CacheCold")
                              if any(e.type == "alert.resolved" for e in s.events)],
                     "alert.resolved")
    assert st.status == "open"


# ---- the receiver as a process: SIGKILL, restart, SIGTERM -----------------------------------

def serve_process(root: Path, port: int) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-m", "invoke", "alert.serve", "--listen",
                             f"127.0.0.1:{port}"], cwd=root, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "NO_COLOR": "1"})
    line = proc.stdout.readline()
    assert "listening on" in line, line + proc.stderr.read()
    return proc


def test_receiver_down_then_restarted_alertmanager_retry_makes_one_incident(tmp_path):
    root = make_project(tmp_path)
    cfg = load_config(root)
    port = free_port()
    try:
        am = Alertmanager(port)
    except Unavailable as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        first = serve_process(root, port)
        first.send_signal(signal.SIGKILL)  # killed: Alertmanager meets a closed port
        first.wait(10)
        am.fire("Retried", {}, {"summary": "Retried"})
        second = serve_process(root, port)
        try:
            wait_for(lambda: by_title(cfg, "Retried"), "the retried delivery")
        finally:
            second.send_signal(signal.SIGTERM)
            code = second.wait(30)
    finally:
        am.close()
    assert (len(by_title(cfg, "Retried")), code) == (1, 0)


def test_killed_after_recording_the_retry_finds_the_same_incident(tmp_path):
    root = make_project(tmp_path)
    cfg = load_config(root)
    port = free_port()
    proc = serve_process(root, port)
    body = json.dumps(am_payload("Crashy")).encode()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("POST", "/alerts", body, {"Content-Type": "application/json"})
    wait_for(lambda: incident_ids(cfg.incidents_dir), "the incident's folder")
    proc.send_signal(signal.SIGKILL)  # whether or not the answer left, the sender retries
    proc.wait(10)
    conn.close()
    again = serve_process(root, port)
    try:
        status, _ = post(port, body)
    finally:
        again.send_signal(signal.SIGTERM)
        again.wait(30)
    assert (status, len(incident_ids(cfg.incidents_dir))) == (200, 1)


# ---- Prometheus → Alertmanager → triagebook ---------------------------------------------

def test_prometheus_rule_fires_into_an_incident(tmp_path):
    root = make_project(tmp_path)
    cfg = load_config(root)
    srv = build_server(cfg, "127.0.0.1:0")
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    am = prom = None
    try:
        am = Alertmanager(srv.server_address[1])
        prom = Prometheus(am.port, "jobs-stuck")
        (st,) = wait_for(lambda: by_title(cfg, "dead letters piling up"), "the rule's incident",
                         120)
    except Unavailable as exc:
        pytest.fail(str(exc), pytrace=False)
    finally:
        for p in (prom, am):
            if p is not None:
                p.close()
        srv.shutdown()
        srv.server_close()
    assert (st.first_runbook, st.severity) == ("jobs-stuck", "SEV3")


def test_rules_check_passes_the_shipped_example(tmp_path):
    from alerting import RULES

    from triagebook.alerts.rules import check_file
    from triagebook.runbook.catalog import load_catalog

    cfg = load_config(make_project(tmp_path))
    path = tmp_path / "rules.yml"
    path.write_text(RULES.format(runbook="jobs-stuck"), encoding="utf-8")
    assert check_file(path, "rules.yml", load_catalog(cfg)) == (1, [])



# ---- slow and greedy clients ------------------------------------------------------------------

def test_a_client_dripping_its_headers_is_cut_off(cfg, monkeypatch):
    import socket
    import time

    from triagebook.intake import server as S

    monkeypatch.setattr(S, "READ_BUDGET", 1.0)
    srv = build_server(cfg, "127.0.0.1:0")
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        sock = socket.create_connection(("127.0.0.1", srv.server_address[1]), timeout=10)
        sock.sendall(b"POST /alerts HTTP/1.1\r\n")
        closed_by_server = False
        for _ in range(40):  # one header line every 0.2 s: never done, each read succeeds
            try:
                sock.sendall(b"X-Drip: 1\r\n")
            except OSError:
                closed_by_server = True
                break
            time.sleep(0.2)
        if not closed_by_server:
            sock.settimeout(5)
            closed_by_server = sock.recv(1) == b""
        sock.close()
    finally:
        srv.shutdown()
        srv.server_close()
    assert closed_by_server


def test_connections_beyond_the_cap_are_closed(cfg):
    import socket

    srv = build_server(cfg, "127.0.0.1:0", max_concurrent=1)  # 4 open connections at most
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    held = [socket.create_connection(("127.0.0.1", srv.server_address[1]), timeout=10)
            for _ in range(4)]
    try:
        extra = socket.create_connection(("127.0.0.1", srv.server_address[1]), timeout=10)
        extra.settimeout(5)
        try:
            refused = extra.recv(1) == b""
        except ConnectionResetError:
            refused = True
        extra.close()
    finally:
        for s in held:
            s.close()
        srv.shutdown()
        srv.server_close()
    assert refused


def test_ingest_prints_alert_names_with_escapes_written_out(cfg, monkeypatch, capsys):
    from invoke import Program

    import triagebook.tasks as tasks

    path = cfg.root / "payload.json"
    path.write_text(json.dumps(am_payload("Evil\x1b[2J")), encoding="utf-8")
    monkeypatch.chdir(cfg.root)
    Program(namespace=tasks.namespace(), name="inv").run(["inv", "alert.ingest",
                                                          str(path)])
    out = capsys.readouterr().out
    assert "\x1b" not in out
    assert "Evil\\x1b[2J" in out

"""Debian's Prometheus Alertmanager (and Prometheus) started by the tests on 127.0.0.1,
each with its own configuration and storage in a temporary folder, gossip off.  .ci/run
installs `prometheus-alertmanager` and `prometheus` when absent."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

ALERTMANAGER = "/usr/bin/prometheus-alertmanager"
PROMETHEUS = "/usr/bin/prometheus"


class Unavailable(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_http(url: str, proc: subprocess.Popen[bytes], what: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise Unavailable(f"{what} exited: {log.read_text(errors='replace')[-1500:]}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise Unavailable(f"{what} did not answer at {url}")


class _Daemon:
    """A server process started by a test, with its own temporary folder."""

    proc: subprocess.Popen[bytes]
    dir: Path

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


AM_CONFIG = """\
route:
  receiver: triagebook
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: triagebook
    webhook_configs:
      - url: http://127.0.0.1:{port}/alerts
        send_resolved: true
"""


class Alertmanager(_Daemon):
    def __init__(self, webhook_port: int) -> None:
        if not Path(ALERTMANAGER).exists():
            raise Unavailable(f"no {ALERTMANAGER}: apt-get install prometheus-alertmanager")
        self.dir = Path(tempfile.mkdtemp(prefix="tb-am-"))
        self.port = free_port()
        conf = self.dir / "alertmanager.yml"
        conf.write_text(AM_CONFIG.format(port=webhook_port), encoding="utf-8")
        self.log = self.dir / "alertmanager.log"
        self.proc = subprocess.Popen(
            [ALERTMANAGER, f"--config.file={conf}", f"--storage.path={self.dir / 'data'}",
             f"--web.listen-address=127.0.0.1:{self.port}", "--cluster.listen-address=",
             "--log.level=warn"], stdout=subprocess.DEVNULL, stderr=open(self.log, "wb"))
        _wait_http(f"{self.url}/-/ready", self.proc, "alertmanager", self.log)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def fire(self, alertname: str, labels: dict[str, str] | None = None,
             annotations: dict[str, str] | None = None, resolved: bool = False,
             starts: datetime | None = None) -> None:
        now = datetime.now(UTC)
        alert = {"labels": {"alertname": alertname, **(labels or {})},
                 "annotations": annotations or {},
                 "startsAt": (starts or now - timedelta(minutes=2)).isoformat(),
                 "generatorURL": "http://prometheus.example/graph"}
        if resolved:
            alert["endsAt"] = (now - timedelta(seconds=1)).isoformat()
        req = urllib.request.Request(f"{self.url}/api/v2/alerts",
                                     data=json.dumps([alert]).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            assert r.status == 200


PROM_CONFIG = """\
global:
  evaluation_interval: 1s
rule_files: [{rules}]
alerting:
  alertmanagers:
    - static_configs:
        - targets: ['127.0.0.1:{am_port}']
"""

RULES = """\
groups:
  - name: triagebook-test
    interval: 1s
    rules:
      - alert: QueueBacklogGrowing
        expr: vector(1) > 0
        labels:
          severity: warning
        annotations:
          summary: dead letters piling up
          runbook: {runbook}
"""


class Prometheus(_Daemon):
    def __init__(self, am_port: int, runbook: str) -> None:
        if not Path(PROMETHEUS).exists():
            raise Unavailable(f"no {PROMETHEUS}: apt-get install prometheus")
        self.dir = Path(tempfile.mkdtemp(prefix="tb-prom-"))
        self.port = free_port()
        rules = self.dir / "rules.yml"
        rules.write_text(RULES.format(runbook=runbook), encoding="utf-8")
        conf = self.dir / "prometheus.yml"
        conf.write_text(PROM_CONFIG.format(rules=rules, am_port=am_port), encoding="utf-8")
        self.log = self.dir / "prometheus.log"
        self.proc = subprocess.Popen(
            [PROMETHEUS, f"--config.file={conf}", f"--storage.tsdb.path={self.dir / 'data'}",
             f"--web.listen-address=127.0.0.1:{self.port}", "--log.level=warn",
             "--rules.alert.resend-delay=1s"],
            stdout=subprocess.DEVNULL, stderr=open(self.log, "wb"))
        _wait_http(f"http://127.0.0.1:{self.port}/-/ready", self.proc, "prometheus", self.log)


def wait_for(check, what: str, seconds: float = 60.0):  # type: ignore[no-untyped-def]
    """Poll until `check()` is truthy; a bound on waiting for another process, not a
    measure of speed."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"waited {seconds:g} s for {what}")

"""`inv doctor --services`: the health, readiness and metrics endpoints of the services
the runbooks name (declared in `triagebook.services`), each checked with a short timeout.

Untrusted answers: a response is read up to 1 MiB, never followed to another host, and
only its status and the presence of the expected counter names are looked at."""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit

from triagebook.config import Config, ServiceEndpoints
from triagebook.readiness.check import Check

MAX_READ = 1024 * 1024


def _get(url: str, timeout: float) -> tuple[int, bytes]:
    parts = urlsplit(url)
    conn_cls = (http.client.HTTPSConnection if parts.scheme == "https"
                else http.client.HTTPConnection)
    conn = conn_cls(parts.hostname or "", parts.port, timeout=timeout)
    try:
        conn.request("GET", parts.path or "/", headers={"User-Agent": "triagebook-doctor"})
        r = conn.getresponse()
        return r.status, r.read(MAX_READ)
    finally:
        conn.close()


def _one(name: str, svc: ServiceEndpoints, timeout: float) -> list[Check]:
    base = svc.url.rstrip("/")
    out: list[Check] = []
    for path in ("/healthz", "/readyz"):
        label = f"service {name} {path}"
        try:
            status, _ = _get(base + path, timeout)
        except (OSError, http.client.HTTPException) as exc:
            out.append(Check(label, "fail", f"{base}{path} did not answer: "
                                            f"{getattr(exc, 'strerror', None) or exc}",
                             "is the service up? (its runbook says what to do)"))
            continue
        ok = 200 <= status < 300
        out.append(Check(label, "ok" if ok else "fail", f"{base}{path} answered {status}",
                         "" if ok else f"{name} reports itself unhealthy: open its runbook"))
    if svc.counters:
        label = f"service {name} /metrics"
        try:
            status, body = _get(base + "/metrics", timeout)
        except (OSError, http.client.HTTPException) as exc:
            out.append(Check(label, "fail", f"{base}/metrics did not answer: "
                                            f"{getattr(exc, 'strerror', None) or exc}"))
            return out
        text = body.decode("utf-8", "replace")
        names = {ln.split("{", 1)[0].split(" ", 1)[0] for ln in text.splitlines()
                 if ln and not ln.startswith("#")}
        missing = [c for c in svc.counters if c not in names]
        if status != 200 or missing:
            out.append(Check(label, "fail", f"answered {status}; missing counters: "
                                            f"{', '.join(missing) or 'none'}",
                             "the runbooks' queries read these counters"))
        else:
            out.append(Check(label, "ok", f"{len(svc.counters)} counters present"))
    return out


def services(cfg: Config, timeout: float) -> list[Check]:
    if not cfg.services:
        return [Check("services", "warn", "no services declared (triagebook.services in "
                                          "invoke.yaml)", "declare the health endpoints "
                                                          "the runbooks depend on")]
    return [c for name, svc in sorted(cfg.services.items()) for c in _one(name, svc, timeout)]

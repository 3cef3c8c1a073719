"""`GET /healthz` (the process answers), `GET /readyz` (incidents folder writable, the
team store reachable when configured), `GET /metrics` (Prometheus text format)."""

from __future__ import annotations

import os
import tempfile

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from triagebook.config import Config
from triagebook.intake.server import Metrics, Request, Response, Route


def _writable(cfg: Config) -> str:
    folder = cfg.incidents_dir
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, path = tempfile.mkstemp(prefix=".ready-", dir=folder)
        os.close(fd)
        os.unlink(path)
    except OSError as exc:
        return f"incidents folder {cfg.display(folder)} not writable: {exc.strerror or exc}"
    return ""


def _store(cfg: Config) -> str:
    from triagebook.incident.store import open_store
    from triagebook.incident.store.base import StoreUnavailable

    try:
        store = open_store(cfg)
        if store is None:
            return ""
        try:
            store.incidents()
        finally:
            store.close()
    except StoreUnavailable as exc:
        return str(exc)
    return ""


def routes(cfg: Config, metrics: Metrics) -> list[Route]:
    def healthz(req: Request) -> Response:
        return Response.text(200, "ok")

    def readyz(req: Request) -> Response:
        problems = [p for p in (_writable(cfg), _store(cfg)) if p]
        return Response.text(503, "; ".join(problems)) if problems else Response.text(200,
                                                                                      "ready")

    def metrics_(req: Request) -> Response:
        return Response(200, generate_latest(metrics.registry), CONTENT_TYPE_LATEST)

    return [Route("GET", "/healthz", healthz), Route("GET", "/readyz", readyz),
            Route("GET", "/metrics", metrics_)]

"""`POST /alerts` on the intake server: an Alertmanager or Grafana webhook in, its
incident recorded durably, then the answer — 2xx only once the events are fsynced, 5xx
when they cannot be (Alertmanager retries), 400 for anything that is not an alert group."""

from __future__ import annotations

import sys
from collections.abc import Callable

from prometheus_client import Counter

from triagebook.alerts.intake import Catalogs, Outcome, receive
from triagebook.alerts.payload import BadPayload, Group, parse
from triagebook.base.errors import TriagebookError
from triagebook.config import Config
from triagebook.incident.ledger import LedgerNotWritable
from triagebook.intake.server import Metrics, Request, Response, Route


class AlertMetrics:
    def __init__(self, metrics: Metrics) -> None:
        r = metrics.registry
        self.received = Counter("triagebook_alerts_received", "Alerts received, by status",
                                ["status"], registry=r)
        self.opened = Counter("triagebook_incidents_opened", "Incidents opened by alerts",
                              registry=r)
        self.duplicates = Counter("triagebook_alert_duplicates", "Deliveries that changed "
                                  "nothing (repeats of what is recorded)", registry=r)
        self.matches = Counter("triagebook_alert_matches", "Runbook choices, by confidence",
                               ["confidence"], registry=r)
        self.write_failures = Counter("triagebook_ledger_write_failures", "Deliveries "
                                      "refused because the ledger could not be written",
                                      registry=r)


def escalate_for(cfg: Config, out: Outcome, group: Group) -> None:
    """Page per the runbook's class and the policy (quiet hours, cap, meta-incident)."""
    if not cfg.alerts.escalate or not (out.opened or out.fired):
        return
    from triagebook.escalation.service import escalate

    first = (out.fired or list(group.alerts))[0]
    notes = {**group.common_annotations, **first.annotations}
    diagnosis = notes.get("summary") or notes.get("description") or first.labels.get(
        "alertname", "")
    try:
        escalate(cfg, out.incident, None, diagnosis=diagnosis[:300], force=True,
                 requested=False)  # automatic: an acknowledged incident is not re-paged
    except TriagebookError as exc:  # recorded by the service; the alert is taken anyway
        print(f"alert.serve: {out.incident}: escalation: {exc}", file=sys.stderr)


def handle(cfg: Config, body: bytes, m: AlertMetrics | None = None,
           page: Callable[[Config, Outcome, Group], None] = escalate_for,
           catalogs: Catalogs | None = None) -> tuple[Group, Outcome]:
    group = parse(body)
    try:
        out = receive(cfg, group, catalog=catalogs.get if catalogs else None)
    except LedgerNotWritable:
        if m is not None:
            m.write_failures.inc()
        raise
    if m is not None:
        for a in group.alerts:
            m.received.labels(a.status).inc()
        if out.opened:
            m.opened.inc()
            m.matches.labels(out.confidence or "none").inc()
        if out.duplicate:
            m.duplicates.inc()
    page(cfg, out, group)
    return group, out


def routes(cfg: Config, metrics: Metrics) -> list[Route]:
    m = AlertMetrics(metrics)
    catalogs = Catalogs(cfg)

    def alerts(req: Request) -> Response:
        try:
            group, out = handle(cfg, req.body, m, catalogs=catalogs)
        except BadPayload as exc:
            return Response.text(400, str(exc))
        except LedgerNotWritable as exc:
            return Response.text(503, f"not recorded, retry: {exc}")
        except OSError as exc:
            return Response.text(503, f"not recorded, retry: {exc.strerror or exc}")
        except TriagebookError as exc:  # said in one line; the sender retries
            print(f"alert.serve: not recorded: {exc}", file=sys.stderr)
            return Response.text(503, f"not recorded, retry: {exc}")
        return Response.json(200, {"incident": out.incident, "opened": out.opened,
                                   "fired": len(out.fired), "resolved": len(out.resolved),
                                   "runbook": out.runbook, "confidence": out.confidence})

    return [Route("POST", "/alerts", alerts)]

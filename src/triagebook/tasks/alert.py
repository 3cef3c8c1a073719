"""`inv alert.serve`, `inv alert.ingest`: alerts from Alertmanager and Grafana open
incidents (issue 21); the same server takes signed chat commands (issue 23)."""

from __future__ import annotations

from invoke.collection import Collection

from triagebook.tasks._common import number, project, task, user_errors


def build_server(cfg, listen: str, max_concurrent: int = 16):
    from triagebook.intake import alerts, chat, health
    from triagebook.intake.server import IntakeServer, Metrics, parse_listen, token_for

    host, port = parse_listen(listen)
    metrics = Metrics()
    routes = health.routes(cfg, metrics) + alerts.routes(cfg, metrics) + chat.routes(cfg)
    return IntakeServer((host, port), routes, metrics, max_concurrent, token_for(host))


@task(help={"listen": "HOST:PORT to listen on (default 127.0.0.1:9095; another address "
                      "needs $TRIAGEBOOK_SECRET_ALERT_TOKEN)",
            "max_concurrent": "requests handled at once (default 16; more get 503)"})
@user_errors
def serve(c, listen="127.0.0.1:9095", max_concurrent=16):
    """Run the intake server: alerts in (POST /alerts), signed chat commands, health,
    readiness, metrics."""
    from triagebook.base.errors import UsageError
    from triagebook.intake.server import run

    cfg = project()
    try:
        server = build_server(cfg, listen, int(number("max-concurrent", max_concurrent,
                                                      whole=True, above=True)))
    except OSError as exc:
        raise UsageError(f"alert.serve: cannot listen on {listen}: "
                         f"{exc.strerror or exc}") from None
    run(server, lambda line: print(f"alert.serve: {line}", flush=True))
    print("alert.serve: stopped after finishing the requests in flight", flush=True)


MAX_INPUT = 1024 * 1024


@task(help={"source": "a file holding one webhook payload (JSON), or - for standard input"})
@user_errors
def ingest(c, source):
    """Take an Alertmanager or Grafana webhook payload from a file or stdin, as alert.serve
    would: one summary line per alert."""
    import sys
    from pathlib import Path

    from triagebook.base.errors import UsageError
    from triagebook.base.files import read_bytes
    from triagebook.intake.alerts import handle

    if source == "-":
        body = sys.stdin.buffer.read(MAX_INPUT + 1)
    else:
        try:
            body = read_bytes(Path(source), MAX_INPUT)
        except OSError as exc:
            raise UsageError(f"alert.ingest: {source}: {exc.strerror or exc}") from None
    if len(body) > MAX_INPUT:
        raise UsageError(f"alert.ingest: {source}: over {MAX_INPUT} bytes; not an alert payload")
    try:
        group, out = handle(project(), body)
    except UsageError as exc:
        raise UsageError(f"alert.ingest: {source}: {exc}") from None
    from triagebook.base.safetext import neutralise

    for line in out.lines(group):
        print(neutralise(line))  # alert names and labels come from outside


ns = Collection("alert")
ns.add_task(serve)
ns.add_task(ingest)


@task(help={"path": "a Prometheus rules file or a folder of them; more after a standalone "
                    "-- (inv runbook.rules a.yml -- b.yml)"})
@user_errors
def rules(c, path):
    """Check that every Prometheus alerting rule points at an existing runbook."""
    from pathlib import Path

    from invoke.exceptions import Exit

    from triagebook import load_catalog
    from triagebook.alerts.rules import check_file, rule_files

    cfg = project()
    cat = load_catalog(cfg)
    more = getattr(c, "remainder", "").split()
    files, problems = rule_files([Path(p) for p in (path, *more) if p])
    alerting = 0
    for f in files:
        seen, found = check_file(f, cfg.display(f.resolve()) if f.is_absolute() else str(f),
                                 cat)
        alerting += seen
        problems += found
    for line in problems:
        print(line)
    print(f"runbook.rules: {alerting} alerting rule{'s' * (alerting != 1)} in {len(files)} "
          f"file{'s' * (len(files) != 1)}, {len(problems)} problem"
          f"{'s' * (len(problems) != 1)}")
    if problems:
        raise Exit(code=1)

"""`inv alert.serve`: the intake server (chat commands in; alerts in — issue 21)."""

from __future__ import annotations

from invoke.collection import Collection
from invoke.tasks import task

from triagebook.tasks._common import number, project, user_errors


def build_server(cfg, listen: str, max_concurrent: int = 16):
    from triagebook.intake import chat, health
    from triagebook.intake.server import IntakeServer, Metrics, parse_listen, token_for

    host, port = parse_listen(listen)
    metrics = Metrics()
    routes = health.routes(cfg, metrics) + chat.routes(cfg)
    return IntakeServer((host, port), routes, metrics, max_concurrent, token_for(host))


@task(help={"listen": "HOST:PORT to listen on (default 127.0.0.1:9095; another address "
                      "needs $TRIAGEBOOK_SECRET_ALERT_TOKEN)",
            "max_concurrent": "requests handled at once (default 16; more get 503)"})
@user_errors
def serve(c, listen="127.0.0.1:9095", max_concurrent="16"):
    """Run the intake server: chat acks and commands (signed), health, readiness, metrics."""
    from triagebook.errors import UsageError
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


ns = Collection("alert")
ns.add_task(serve)

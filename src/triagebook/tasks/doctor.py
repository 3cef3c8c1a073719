"""`inv doctor`: the on-call path checked before it is needed."""

from __future__ import annotations

from invoke.exceptions import Exit

from triagebook.readiness import run_checks
from triagebook.readiness.check import as_json, failed, summary
from triagebook.tasks._common import choice, task, terminal_safe, user_errors


@task(help={"format_": "text (default) or json (for monitoring)",
            "timeout": "seconds to wait for each SMTP/webhook endpoint (default 3)",
            "services": "also check the declared services' /healthz, /readyz and /metrics"})
@user_errors
@terminal_safe  # a check may quote someone else's text: a calendar, a store's error
def doctor(c, format_="text", timeout=3.0, services=False):
    """Check readiness: Python, tz data, config, runbooks, incident folder, channels, site."""
    choice("format", format_, ("text", "json"))
    checks = run_checks(timeout=float(timeout), with_services=services)
    if format_ == "json":
        print(as_json(checks))
    else:
        for check in checks:
            print(check)
        print(summary(checks))
    if failed(checks):
        raise Exit(code=1)

"""The run's lifecycle, wired from the project's configuration.

The walk itself (`Session`) knows no configuration: what resolving or escalating sets
off is injected as `Hooks`, built here from the policy — the post-mortem draft on
resolve (postmortem/hook.py) and escalation through the configured channels.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable
from typing import Any

from triagebook.base.errors import TriagebookError
from triagebook.base.timeutil import Clock, utc_now
from triagebook.config import Config
from triagebook.postmortem.hook import on_resolved
from triagebook.runner.session import Hooks


def _captured(call: Callable[[], Any]) -> tuple[Any, list[str]]:
    """(the escalation's outcome, or None with the lines saying why it was refused).

    A stdout channel writes the message to this terminal, once per channel; the runner
    shows it once itself, so those copies are caught here, not printed."""
    copies = io.StringIO()
    try:
        with contextlib.redirect_stdout(copies):
            return call(), []
    except TriagebookError as exc:  # e.g. required context missing: say so, walk on
        return None, [f"escalation refused: {exc}"]


def _routing(out: Any) -> str:
    d = out.decision
    via = f" via {', '.join(d.channels)}" if d.channels else ""
    return f"routing: {d.action}{via} — {d.reason}"


def hooks_for(cfg: Config, actor: str = "", clock: Clock = utc_now) -> Hooks:
    def page(incident_id: str, cls: str | None, diagnosis: str,
             secrets: dict[str, str]) -> list[str]:
        # imported when used: channels (smtplib, urllib) stay out of the runner's start-up
        from triagebook.escalation.service import escalate

        out, refused = _captured(lambda: escalate(cfg, incident_id, cls, diagnosis,
                                                  actor=actor, clock=clock, secrets=secrets))
        if out is None:
            return refused
        lines = [out.message.text(), _routing(out)]
        lines += [f"delivery failed (recorded; inv escalation.tick retries): {f}"
                  for f in out.failures]
        return lines

    def raised(incident_id: str, secrets: dict[str, str]) -> list[str]:
        from triagebook.escalation.raised import on_severity_raised

        out, refused = _captured(lambda: on_severity_raised(cfg, incident_id, actor, clock,
                                                            secrets))
        return refused if out is None else [_routing(out)]

    return Hooks(on_resolved=on_resolved(cfg, clock), escalate=page, raised=raised)

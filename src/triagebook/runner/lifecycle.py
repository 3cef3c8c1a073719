"""The run's lifecycle, wired from the project's configuration.

The walk itself (`Session`) knows no configuration: what resolving or escalating sets
off is injected as `Hooks`, built here from the policy — the post-mortem draft on
resolve (postmortem/hook.py) and escalation through the configured channels.
"""

from __future__ import annotations

import contextlib
import io

from triagebook.base.errors import TriagebookError
from triagebook.base.timeutil import Clock, utc_now
from triagebook.config import Config
from triagebook.postmortem.hook import on_resolved
from triagebook.runner.session import Hooks


def hooks_for(cfg: Config, actor: str = "", clock: Clock = utc_now) -> Hooks:
    def page(incident_id: str, cls: str | None, diagnosis: str,
             secrets: dict[str, str]) -> list[str]:
        # imported when used: channels (smtplib, urllib) stay out of the runner's start-up
        from triagebook.escalation.service import escalate

        # A stdout channel writes the message to this terminal, once per channel; the
        # runner shows it once itself, so those copies are caught here, not printed.
        copies = io.StringIO()
        try:
            with contextlib.redirect_stdout(copies):
                out = escalate(cfg, incident_id, cls, diagnosis, actor=actor, clock=clock,
                               secrets=secrets)
        except TriagebookError as exc:  # e.g. required context missing: say so, walk on
            return [f"escalation refused: {exc}"]
        d = out.decision
        via = f" via {', '.join(d.channels)}" if d.channels else ""
        lines = [out.message.text(), f"routing: {d.action}{via} — {d.reason}"]
        lines += [f"delivery failed (recorded; inv escalation.tick retries): {f}"
                  for f in out.failures]
        return lines

    def raised(incident_id: str, secrets: dict[str, str]) -> list[str]:
        from triagebook.escalation.raised import on_severity_raised

        copies = io.StringIO()
        try:
            with contextlib.redirect_stdout(copies):
                out = on_severity_raised(cfg, incident_id, actor, clock, secrets)
        except TriagebookError as exc:
            return [f"escalation refused: {exc}"]
        if out is None:
            return []
        d = out.decision
        via = f" via {', '.join(d.channels)}" if d.channels else ""
        return [f"routing: {d.action}{via} — {d.reason}"]

    return Hooks(on_resolved=on_resolved(cfg, clock), escalate=page, raised=raised)

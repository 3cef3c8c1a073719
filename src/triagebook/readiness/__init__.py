"""`inv doctor`: is the on-call path ready before it is needed? One function per check
(`local`: this machine and project; `channels`: escalation settings and endpoints)."""

from __future__ import annotations

from pathlib import Path

from triagebook.readiness import local, services
from triagebook.readiness import paging as channels
from triagebook.readiness.check import Check

__all__ = ["Check", "run_checks"]


def run_checks(root: Path | None = None, timeout: float = 3.0,
               with_services: bool = False) -> list[Check]:
    """Every check, in the order an on-call engineer would fix them."""
    cfg, config_check = local.config(root)
    extra = services.services(cfg, timeout) if with_services else []
    return [
        local.python(),
        local.tzdata(cfg),
        config_check,
        local.runbooks(cfg),
        local.incidents_folder(cfg),
        *local.clock(cfg),
        *channels.settings(cfg),
        *channels.reachable(cfg, timeout),
        *channels.go_live(cfg),
        *channels.routes(cfg),
        *channels.chat_users(cfg),
        local.deliveries(cfg),
        local.offline_site(cfg),
        *extra,
    ]

"""The post-mortem policy on resolve: SEV1/SEV2 (per policy) get a draft at once."""

from __future__ import annotations

from collections.abc import Callable

from triagebook.base.timeutil import Clock, utc_now
from triagebook.config import Config
from triagebook.incident.state import IncidentState
from triagebook.postmortem.write import write_postmortem


def postmortem_due(cfg: Config, state: IncidentState) -> bool:
    try:
        return cfg.policy.severity(state.severity).postmortem
    except KeyError:
        return False


def on_resolved(cfg: Config, clock: Clock = utc_now) -> Callable[[IncidentState], str | None]:
    """A hook for the runner: the draft's path when policy wants one, else None."""

    def hook(state: IncidentState) -> str | None:
        if not postmortem_due(cfg, state):
            return None
        return cfg.display(write_postmortem(cfg, state.id, update=False, quiet=True,
                                            now=clock()))

    return hook

"""What the runner calls when an incident is resolved: the post-mortem draft, if due."""

from __future__ import annotations

from collections.abc import Callable

from triagebook.config import Config
from triagebook.incident.state import IncidentState


def on_resolved(cfg: Config) -> Callable[[IncidentState], str | None]:
    def hook(state: IncidentState) -> str | None:
        try:
            sev = cfg.policy.severity(state.severity)
        except KeyError:
            return None
        if not sev.postmortem:
            return None
        try:
            from triagebook.postmortem.write import write_postmortem
        except ImportError:  # pragma: no cover - the module ships with the package
            return None
        return cfg.display(write_postmortem(cfg, state.id, update=False, quiet=True))

    return hook

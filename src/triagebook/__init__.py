"""triagebook: runbooks as code for incident response.

The public API is what `__all__` lists — exactly what the project's own adapters (the
Invoke tasks and the mkdocs plugin) use, and they reach it only through this module, so
it cannot rot unnoticed; everything else may change between versions.
Names load on first use (PEP 562), so `import triagebook` stays cheap for the command
line: the runner's start-up must not pay for the site, escalation channels or mkdocs.

    from triagebook import load_config, load_catalog, lint, start, RunRequest
    cfg = load_config()                      # invoke.yaml's `triagebook:` section
    cat = load_catalog(cfg)                  # every runbook, problems collected
    problems = lint(cat, cfg.today())
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from triagebook.base.version import __version__

# public name → the module that defines it (`module:attr` where the names differ)
_API = {
    "TriagebookError": "triagebook.base.errors",
    "Problem": "triagebook.base.errors",
    "Config": "triagebook.config",
    "load_config": "triagebook.config",
    "Catalog": "triagebook.runbook.catalog",
    "load_catalog": "triagebook.runbook.catalog",
    "load_one": "triagebook.runbook.catalog",
    "lint": "triagebook.runbook.lint",
    "match": "triagebook.runbook.match",
    "load_events": "triagebook.incident.ledger:load",
    "fold": "triagebook.incident.state",
    "timeline": "triagebook.incident.timeline",
    "RunRequest": "triagebook.runner.start",
    "start": "triagebook.runner.start",
    "hooks_for": "triagebook.runner.lifecycle",
    "escalate": "triagebook.escalation.service",
    "tick": "triagebook.escalation.service",
    "ack": "triagebook.escalation.service",
    "write_postmortem": "triagebook.postmortem.write",
}
__all__ = [  # literal, for type checkers and linters; a test keeps it equal to _API
    "__version__", "TriagebookError", "Problem", "Config", "load_config", "Catalog",
    "load_catalog", "load_one", "lint", "match", "load_events", "fold", "timeline",
    "RunRequest", "start", "hooks_for", "escalate", "tick", "ack", "write_postmortem",
]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and editors
    from triagebook.base.errors import Problem, TriagebookError
    from triagebook.config import Config, load_config
    from triagebook.escalation.service import ack, escalate, tick
    from triagebook.incident.ledger import load as load_events
    from triagebook.incident.state import fold
    from triagebook.incident.timeline import timeline
    from triagebook.postmortem.write import write_postmortem
    from triagebook.runbook.catalog import Catalog, load_catalog, load_one
    from triagebook.runbook.lint import lint
    from triagebook.runbook.match import match
    from triagebook.runner.lifecycle import hooks_for
    from triagebook.runner.start import RunRequest, start


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'triagebook' has no attribute {name!r}")
    module, _, attr = module.partition(":")
    value = getattr(importlib.import_module(module), attr or name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)

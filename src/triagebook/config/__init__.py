"""The project configuration: paths and the policy of SPEC §3, in one place.

It lives under the `triagebook:` key of the project's `invoke.yaml` — the file Invoke
already reads next to `tasks.py` — and the mkdocs plugin reads the same file through
this package.  Every setting is declared once, on the dataclass field that holds it
(options/declare.py): its type, default, doc and checks; validation, the reference page
and the typed `Config` all derive from those declarations.  Everything has a default, so
a project with no `invoke.yaml` works.  Bad values are reported like runbook problems.
"""

from __future__ import annotations

from triagebook.channels import DEFAULT_CHANNELS, ChannelConfig
from triagebook.config.load import (
    CODES,
    CONFIG_FILE,
    SECTION,
    SETTINGS,
    default_config,
    find_root,
    from_values,
    load_config,
    overlay,
)
from triagebook.config.model import Config
from triagebook.config.policy import (
    DEFAULT_CLASSES,
    DEFAULT_SEVERITIES,
    ClassPolicy,
    Policy,
    SeverityPolicy,
)
from triagebook.config.sections import AlertsConfig, LedgerConfig, RepliesConfig, ServiceEndpoints

__all__ = ["CODES", "CONFIG_FILE", "DEFAULT_CHANNELS", "DEFAULT_CLASSES", "DEFAULT_SEVERITIES",
           "SECTION", "SETTINGS", "AlertsConfig", "ChannelConfig", "ClassPolicy", "Config",
           "LedgerConfig", "Policy", "RepliesConfig", "ServiceEndpoints", "SeverityPolicy",
           "default_config", "find_root", "from_values", "load_config", "overlay"]

"""What a channel kind declares: its own settings, its readiness check, its delivery.

Adding a kind is one module (a `Kind` subclass beside its `Channel` adapter) and one
line in channels/registry.py; nothing else in the project names kinds.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from triagebook.base.checks import Check
from triagebook.channels.base import Channel


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where a channel connects, for `inv doctor --reach` (`greeting`: an SMTP 220)."""

    host: str
    port: int
    greeting: bool = False


def where(channel: str) -> str:
    return f"triagebook.escalation.channels.{channel} in invoke.yaml"


def missing_env(*names: str) -> list[str]:
    return [n for n in names if n and not os.environ.get(n)]


class Kind(ABC):
    """One kind of channel. `Settings` is a dataclass of `setting` fields: the keys a
    channel of this kind takes in invoke.yaml besides the common ones."""

    name: ClassVar[str]
    Settings: ClassVar[type]
    reaches_human: ClassVar[bool] = False  # a person's phone, mail or chat (not a screen)
    ADDRESS: ClassVar[str] = ""  # the Settings field of its recipients (smtp: "to"), if any

    @abstractmethod
    def channel(self, name: str, s: Any, root: Path) -> Channel:
        """The adapter that delivers through a channel with these settings."""

    @abstractmethod
    def ready(self, name: str, s: Any, root: Path) -> Check:
        """`inv doctor`'s line for a channel with these settings (no network)."""

    def endpoint(self, s: Any) -> Endpoint | None:
        """Where it connects, when its settings are complete (None: nothing to reach)."""
        return None

    def recipients(self, s: Any) -> tuple[str, ...]:
        """Addresses it pages (they may acknowledge by replying)."""
        return ()

    def secret_envs(self, s: Any) -> tuple[str, ...]:
        """Environment variables whose values are credentials (redacted everywhere)."""
        return ()

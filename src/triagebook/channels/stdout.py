"""The stdout kind: the message printed in the runner's terminal. Pages nobody."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from triagebook.base.checks import Check
from triagebook.channels.base import Channel, Deadline
from triagebook.channels.kind import Kind, where


@dataclass(frozen=True, slots=True)
class StdoutSettings:
    """No settings of its own."""


class StdoutChannel(Channel):
    kind = "stdout"
    local = True

    def deliver(self, subject: str, text: str, deadline: Deadline) -> None:
        sys.stdout.write(f"--- escalation via {self.name} ---\n{text}\n")
        sys.stdout.flush()


class StdoutKind(Kind):
    name = "stdout"
    reaches_human = False
    Settings = StdoutSettings

    def channel(self, name: str, s: Any, root: Path) -> Channel:
        return StdoutChannel(name)

    def ready(self, name: str, s: Any, root: Path) -> Check:
        return Check(f"channel {name}", "warn",
                     "stdout: prints in the runner's terminal, nobody is paged",
                     f"set kind: smtp or webhook under {where(name)}")

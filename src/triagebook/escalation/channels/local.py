"""Channels on this machine: standard output, and an append-only file."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from triagebook.escalation.channels.base import Channel, Deadline


class StdoutChannel(Channel):
    kind = "stdout"
    local = True

    def deliver(self, subject: str, text: str, deadline: Deadline) -> None:
        sys.stdout.write(f"--- escalation via {self.name} ---\n{text}\n")
        sys.stdout.flush()


class FileChannel(Channel):
    kind = "file"
    local = True

    def __init__(self, name: str, path: Path) -> None:
        super().__init__(name)
        self.path = path

    def deliver(self, subject: str, text: str, deadline: Deadline) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(text + "\n\n")
            fh.flush()
            os.fsync(fh.fileno())

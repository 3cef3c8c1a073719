"""The file kind: messages appended (and fsynced) to a file in the project."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from triagebook.base.checks import Check
from triagebook.channels.base import Channel, Deadline
from triagebook.channels.kind import Kind, where
from triagebook.options.declare import setting
from triagebook.options.types import Str


@dataclass(frozen=True, slots=True)
class FileSettings:
    path: str = setting(Str("file: the file messages are appended to.", blank=True), "")


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


def _path(name: str, s: FileSettings, root: Path) -> Path:
    return root / (s.path or f"escalations-{name}.log")


def _shown(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


class FileKind(Kind):
    name = "file"
    reaches_human = False
    Settings = FileSettings

    def channel(self, name: str, s: Any, root: Path) -> Channel:
        return FileChannel(name, _path(name, s, root))

    def ready(self, name: str, s: Any, root: Path) -> Check:
        path = _path(name, s, root)
        probe = path.parent
        while not probe.exists() and probe != probe.parent:
            probe = probe.parent
        if not os.access(probe, os.W_OK):
            return Check(f"channel {name}", "fail", f"file: cannot write {_shown(path, root)}",
                         f"fix the folder's permissions or the path under {where(name)}")
        return Check(f"channel {name}", "ok", f"file: appends to {_shown(path, root)}")

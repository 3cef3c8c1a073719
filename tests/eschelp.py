"""Shared set-up for the escalation tests: a project with file channels, incidents."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import FIXTURES, REPO

from triagebook.config import load_config
from triagebook.incident import ledger as L
from triagebook.runner.start import RunRequest, start
from triagebook.tasks.ui import PlainUI

FILE_CHANNELS = ("      page: {kind: file, path: out/page.log, sms: true}\n"
                 "      chat: {kind: file, path: out/chat.log}\n"
                 "      email: {kind: file, path: out/email.log}\n")


def setup(root: Path, channels: str = FILE_CHANNELS, policy: str = "", escalation: str = "",
          top: str = "") -> Path:
    """A project with the demo runbook, the shipped cap-hit runbook and this config."""
    shutil.copy(FIXTURES / "runner" / "demo.md", root / "runbooks" / "demo.md")
    shutil.copy(REPO / "runbooks" / "process" / "escalation-cap-hit.md",
                root / "runbooks" / "escalation-cap-hit.md")
    (root / "invoke.yaml").write_text(
        "triagebook:\n" + top
        + "  policy:\n    timezone: Europe/Stockholm\n" + policy
        + "  escalation:\n    environment: prod\n"
        # a test's own deadline replaces the default 2 s (a key given twice is an error)
        + ("" if "deadline_seconds" in escalation else "    deadline_seconds: 2\n")
        + escalation
        + "    channels:\n" + channels, encoding="utf-8")
    return root


class _Empty:
    def readline(self) -> str:
        return ""


class _Sink:
    def write(self, s: str) -> None:
        pass

    def flush(self) -> None:
        pass


def open_incident(root: Path, iid: str, runbook: str = "demo", severity: str = "SEV2",
                  context: dict[str, str] | None = None) -> None:
    cfg = load_config(root)
    start(cfg, RunRequest(name=runbook, incident=iid, operator="alice", severity=severity,
                          context=context or {"server_id": "srv-abc"}),
          PlainUI(_Empty(), _Sink()))


def events(root: Path, iid: str) -> list[L.Event]:
    return L.load(root / "incidents", iid)


def types(root: Path, iid: str) -> list[str]:
    return [e.type for e in events(root, iid)]


def of_type(root: Path, iid: str, type_: str) -> list[L.Event]:
    return [e for e in events(root, iid) if e.type == type_]


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.exists() else ""

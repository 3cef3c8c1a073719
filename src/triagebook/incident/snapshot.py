"""The runbook as it was when it joined an incident: a copy kept in the incident's folder
(`runbooks/ID-HASH.md`), written whole or not at all, once per runbook version."""

from __future__ import annotations

from pathlib import Path

from triagebook.base.errors import UsageError
from triagebook.config import Config
from triagebook.incident.ledger import Ledger
from triagebook.runbook.model import Runbook


def keep_snapshot(cfg: Config, rb: Runbook, ledger: Ledger) -> Path:
    name = f"runbooks/{rb.id}-{rb.content_hash[:12]}.md"
    dest = ledger.dir / name
    if dest.exists():
        return dest
    try:
        data = (cfg.root / rb.path).read_bytes()
    except OSError as exc:
        raise UsageError(f"{rb.path}: cannot read it to keep a snapshot: {exc.strerror}") from None
    return ledger.write_file(name, data)  # whole or not at all

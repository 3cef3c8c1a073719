"""The result of one readiness check, and how a list of them is reported."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Literal

Status = Literal["ok", "warn", "fail"]


@dataclass(frozen=True, slots=True)
class Check:
    """One line of `inv doctor`: what was checked, how it went, what to do about it."""

    name: str
    status: Status
    detail: str
    fix: str = ""

    def __str__(self) -> str:
        tail = f" — {self.fix}" if self.fix and self.status != "ok" else ""
        return f"{self.status:<4}  {self.name}: {self.detail}{tail}"


def failed(checks: list[Check]) -> bool:
    return any(c.status == "fail" for c in checks)


def summary(checks: list[Check]) -> str:
    counts = {s: sum(c.status == s for c in checks) for s in ("ok", "warn", "fail")}
    return f"doctor: {counts['ok']} ok, {counts['warn']} warn, {counts['fail']} fail"


def as_json(checks: list[Check]) -> str:
    return json.dumps({"ok": not failed(checks), "checks": [asdict(c) for c in checks]},
                      indent=2)

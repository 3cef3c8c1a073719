"""The result of one readiness check (one line of `inv doctor`), shared by every layer
that can say whether it is ready: channels, the store, services."""

from __future__ import annotations

from dataclasses import dataclass
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

"""The result of one readiness check, and how a list of them is reported."""

from __future__ import annotations

import json
from dataclasses import asdict

from triagebook.base.checks import Check as Check
from triagebook.base.checks import Status as Status


def failed(checks: list[Check]) -> bool:
    return any(c.status == "fail" for c in checks)


def summary(checks: list[Check]) -> str:
    counts = {s: sum(c.status == s for c in checks) for s in ("ok", "warn", "fail")}
    return f"doctor: {counts['ok']} ok, {counts['warn']} warn, {counts['fail']} fail"


def as_json(checks: list[Check]) -> str:
    return json.dumps({"ok": not failed(checks), "checks": [asdict(c) for c in checks]},
                      indent=2)

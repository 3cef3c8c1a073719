"""A fixture set of incidents and post-mortems with known figures, for the statistics.

Ledgers are written line by line with explicit times (the format of SPEC §5), so every
figure below is known in advance:

INC-20260901-0100-aaaa  SEV2  disk-full  detected 01:00, ack +10 min (met, target 15),
                        mitigated +30, resolved +60; steps: 1 done (+5 min), 2 skipped
                        "no access" (+3 min), 3 done (+12 min) with one failed command
                        and one forced destructive block; 1 page sent
INC-20260915-0200-bbbb  SEV2  disk-full  detected 02:00, ack +20 min (missed), resolved
                        +120; steps: 1 done (+4 min), 2 skipped "no access" (+1 min);
                        3 pages sent, 1 muted by the cap (meta-incident), 1 muted
INC-20261005-0300-cccc  SEV1  api-down   detected 03:00, ack +2 min (met, target 5),
                        mitigated +20 (SEV2 → SEV1 on the way); step 1 skipped "obvious"
INC-20261006-0400-dddd  SEV3  (no runbook) detected 04:00, never acknowledged
META-…                  a meta-incident (left out of every figure)
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

INVOKE_YAML = """\
triagebook:
  policy:
    severities:
      SEV1: {response: 5 min, response_minutes: 5}
      SEV2: {response: 15 min}
"""

RUNBOOK = """\
---
title: {title}
severity: {severity}
failure_class: [{cls}]
route: {route}
trigger: {title} happens
services: [svc]
escalation: YELLOW
customer_visible: false
owner: {owner}
last_reviewed: {reviewed}
---

# {title}

## Steps

### 1. Look

Look at it.

### 2. Think

Think about it.

### 3. Fix

Fix it.
"""

POSTMORTEM = """\
---
incident: {iid}
title: {title}
severity: SEV2
status: {status}
---

# {title}

## Root cause

A disk filled.

## Action items

_One line each: `- [ ] what — owner: @name — due: YYYY-MM-DD`._

{items}

## Runbook feedback

nothing
"""


class Ledger:
    def __init__(self, root: Path, iid: str, start: datetime) -> None:
        self.path = root / "incidents" / iid / "events.jsonl"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.iid, self.start, self.seq = iid, start, 0
        self.lines: list[str] = []

    def add(self, minutes: float, type_: str, data: dict[str, object],
            runbook: str | None = None, step: int | None = None) -> Ledger:
        self.seq += 1
        ts = (self.start + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        self.lines.append(json.dumps({
            "seq": self.seq, "ts": ts, "type": type_, "runbook": runbook, "step": step,
            "actor": "alice", "data": data, "id": f"{self.iid}-{self.seq}"}))
        return self

    def opened(self, severity: str, meta_for: str | None = None) -> Ledger:
        return self.add(0, "incident.opened", {
            "severity": severity, "title": self.iid, "timezone": "UTC",
            "detected_at": self.start.strftime("%Y-%m-%dT%H:%M:%SZ"), "meta_for": meta_for})

    def attach(self, minutes: float, runbook: str) -> Ledger:
        return self.add(minutes, "runbook.attached", {
            "title": runbook, "hash": "h", "snapshot": "", "path": "",
            "steps": ["Look", "Think", "Fix"], "context": {}}, runbook)

    def done(self, minutes: float, runbook: str, step: int) -> Ledger:
        return self.add(minutes, "step.done", {"title": ["Look", "Think", "Fix"][step - 1]},
                        runbook, step)

    def skipped(self, minutes: float, runbook: str, step: int, reason: str) -> Ledger:
        return self.add(minutes, "step.skipped", {
            "title": ["Look", "Think", "Fix"][step - 1], "reason": reason}, runbook, step)

    def command(self, minutes: float, runbook: str, step: int, exit_code: int,
                forced: bool = False) -> Ledger:
        return self.add(minutes, "command", {
            "block": 1, "command": "df -h", "exit_code": exit_code, "output": "",
            "destructive": forced, "forced": forced}, runbook, step)

    def milestone(self, minutes: float, name: str) -> Ledger:
        return self.add(minutes, "milestone", {"name": name, "via": "cli"})

    def page(self, minutes: float, muted: bool = False, meta: str | None = None) -> Ledger:
        kind = "escalation.muted" if muted else "escalation.sent"
        data: dict[str, object] = {"id": f"esc-{self.seq}", "class": "RED", "channels": []}
        if muted:
            data["meta_incident"] = meta
        return self.add(minutes, kind, data)

    def write(self) -> None:
        self.path.write_text("\n".join(self.lines) + "\n", encoding="utf-8")


def build(root: Path) -> None:
    """The project: invoke.yaml, two runbooks (one never used, review overdue), four
    incidents and a meta-incident, two post-mortems with action items."""
    (root / "invoke.yaml").write_text(INVOKE_YAML, encoding="utf-8")
    rb = root / "runbooks"
    rb.mkdir(exist_ok=True)
    (rb / "disk-full.md").write_text(RUNBOOK.format(
        title="Disk full", severity="SEV2", cls="disk_full", route="storage",
        owner="storage-team", reviewed="2026-11-01"), encoding="utf-8")
    (rb / "api-down.md").write_text(RUNBOOK.format(
        title="API down", severity="SEV1", cls="api_down", route="api", owner="api-team",
        reviewed="2026-11-01"), encoding="utf-8")
    (rb / "forgotten.md").write_text(RUNBOOK.format(
        title="Forgotten", severity="SEV3", cls="forgotten", route="api", owner="api-team",
        reviewed="2025-01-01"), encoding="utf-8")

    a = Ledger(root, "INC-20260901-0100-aaaa", datetime(2026, 9, 1, 1, 0, tzinfo=UTC))
    a.opened("SEV2").attach(1, "disk-full").page(2).done(6, "disk-full", 1)
    a.skipped(9, "disk-full", 2, "no access").milestone(10, "acknowledged")
    a.command(15, "disk-full", 3, 1).command(16, "disk-full", 3, 0, forced=True)
    a.done(21, "disk-full", 3).milestone(30, "mitigated").milestone(60, "resolved").write()

    b = Ledger(root, "INC-20260915-0200-bbbb", datetime(2026, 9, 15, 2, 0, tzinfo=UTC))
    b.opened("SEV2").attach(0, "disk-full").page(1).page(2).page(3)
    b.page(4, muted=True, meta="META-20260915-0204-mmmm").page(5, muted=True)
    b.done(4, "disk-full", 1).skipped(5, "disk-full", 2, "no access")
    b.milestone(20, "acknowledged").milestone(120, "resolved").write()

    c = Ledger(root, "INC-20261005-0300-cccc", datetime(2026, 10, 5, 3, 0, tzinfo=UTC))
    c.opened("SEV2").attach(0, "api-down").add(1, "severity.changed", {"from": "SEV2",
                                                                       "to": "SEV1"})
    c.milestone(2, "acknowledged").skipped(3, "api-down", 1, "obvious")
    c.milestone(20, "mitigated").write()

    d = Ledger(root, "INC-20261006-0400-dddd", datetime(2026, 10, 6, 4, 0, tzinfo=UTC))
    d.opened("SEV3").write()

    m = Ledger(root, "META-20260915-0204-mmmm", datetime(2026, 9, 15, 2, 4, tzinfo=UTC))
    m.opened("SEV2", meta_for="INC-20260915-0200-bbbb").milestone(1, "acknowledged").write()

    pm = root / "postmortems"
    pm.mkdir(exist_ok=True)
    (pm / "INC-20260901-0100-aaaa.md").write_text(POSTMORTEM.format(
        iid="INC-20260901-0100-aaaa", title="Disk full on db-1", status="final", items=(
            "- [ ] Add a disk alert at 80 % — owner: @bob — due: 2026-10-01\n"
            "- [x] Rotate the logs — owner: @alice — due: 2026-09-10\n"
            "- [ ] Document the cleanup — owner: @alice — due: 2027-01-31")),
        encoding="utf-8")
    (pm / "INC-20260915-0200-bbbb.md").write_text(POSTMORTEM.format(
        iid="INC-20260915-0200-bbbb", title="Disk full again", status="draft", items=(
            "- [ ] Grow the volume — owner: @bob — due: 2026-11-01\n"
            "- [ ] Someone should look at quotas\n"
            "- [ ] Alert on inode use — owner: @carol — due: soon")),
        encoding="utf-8")

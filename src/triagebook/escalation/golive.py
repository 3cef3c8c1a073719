"""A channel goes live only after it has proved itself: `go_live_after: N` keeps it in
shadow mode (recorded, nothing delivered) until N clean drills went through it — drills
are delivered for real, first attempt, no failure (the spec: a week of clean drills
before going live)."""

from __future__ import annotations

from triagebook.config import Config
from triagebook.escalation.folders import drills_dir
from triagebook.escalation.history import records
from triagebook.incident import ledger as L


def clean_drills(cfg: Config) -> dict[str, int]:
    """Per channel: drills it delivered at the first attempt, without a failure."""
    out: dict[str, int] = {}
    for _, events in L.iter_all(drills_dir(cfg)):
        for rec in records(events).values():
            if rec.action != "drill":
                continue
            for cs in rec.channels.values():
                if cs.outcome == "delivered" and cs.attempt <= 1 and not cs.failures:
                    out[cs.name] = out.get(cs.name, 0) + 1
    return out


def remaining(cfg: Config) -> dict[str, int]:
    """Channels still short of their clean drills: how many remain."""
    gated = {n: c.go_live_after for n, c in cfg.channels.items() if c.go_live_after}
    if not gated:
        return {}
    clean = clean_drills(cfg)
    return {n: need - clean.get(n, 0) for n, need in gated.items() if clean.get(n, 0) < need}

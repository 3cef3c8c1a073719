"""Shadow mode: try a channel or a policy on real escalations without delivering a thing.

A channel with `shadow: true` is routed to like any other, but only an
`escalation.shadowed` event records what it would have been sent.  A shadow policy (a
copy of invoke.yaml with the changes to try, given with `--shadow-policy` or
`escalation.shadow_policy`) decides every escalation a second time; its decision is
recorded next to the live one, and `inv escalation.report` compares the two.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from triagebook.base.timeutil import iso
from triagebook.config import Config, overlay
from triagebook.escalation.history import records
from triagebook.escalation.policy import Decision
from triagebook.incident import events as E
from triagebook.incident import ledger as L


@dataclass(frozen=True, slots=True)
class ShadowPolicy:
    cfg: Config
    shown: str


def load(cfg: Config, path: Path | None) -> ShadowPolicy | None:
    """The shadow policy from `path` (the flag), else from the setting, else None."""
    if path is None and not cfg.shadow_policy:
        return None
    where = path if path is not None else cfg.root / cfg.shadow_policy
    return ShadowPolicy(overlay(cfg, where), cfg.display(where.resolve()))


def event(esc_id: str, cls: str, policy: ShadowPolicy, d: Decision) -> E.EscalationShadowed:
    via = f" via {', '.join(d.channels)}" if d.channels else ""
    return E.EscalationShadowed(
        id=esc_id, source="policy", policy=policy.shown, action=d.action, class_=cls,
        channels=list(d.channels), reason=d.reason, due=iso(d.due) if d.due else None,
        summary=f"shadow policy {policy.shown} would {d.action}{via}: {d.reason}")


@dataclass(frozen=True, slots=True)
class Comparison:
    incident: str
    esc_id: str
    at: datetime
    policy: str
    live: str
    shadow: str

    @property
    def agree(self) -> bool:
        return self.live == self.shadow


def _say(action: str, channels: list[str] | tuple[str, ...]) -> str:
    return action + (f" via {', '.join(channels)}" if channels and action != "mute" else "")


def compare(incidents_dir: Path, since: datetime) -> tuple[list[Comparison], dict[str, int]]:
    """Shadow-policy decisions next to the live ones, and per shadow channel how many
    messages it would have delivered, over the incidents since `since`."""
    rows: list[Comparison] = []
    channels: dict[str, int] = {}
    for iid, events in L.iter_all(incidents_dir):
        for rec in records(events).values():
            live_channels = [c for c in rec.message.channels or []]
            for at, p in rec.shadows:
                if at < since:
                    continue
                if p.source == "channel":
                    channels[p.channel] = channels.get(p.channel, 0) + 1
                    continue
                rows.append(Comparison(iid, rec.id, at, p.policy,
                                       _say(rec.action, live_channels),
                                       _say(p.action, p.channels or [])))
    return rows, channels

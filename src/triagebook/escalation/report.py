"""`inv escalation.report`: does paging work? Drill latency, failures, round trips, and
the shadow decisions next to the live ones."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from triagebook.base.timeutil import Clock, iso, utc, utc_now
from triagebook.config import Config
from triagebook.escalation.drill import TARGET_SECONDS
from triagebook.escalation.folders import drills_dir
from triagebook.escalation.history import records
from triagebook.escalation.shadow import Comparison, compare
from triagebook.incident import events as E
from triagebook.incident import ledger as L
from triagebook.incident.sla import span
from triagebook.incident.state import fold


@dataclass
class ChannelStats:
    channel: str
    drills: int = 0
    delivered: int = 0
    failed: int = 0
    shadowed: int = 0
    latencies: list[float] = field(default_factory=list)
    round_trips: list[float] = field(default_factory=list)
    late_acks: int = 0


@dataclass
class Report:
    now: datetime
    since: datetime
    drills: int = 0
    last_drill: tuple[str, datetime] | None = None
    last_success: tuple[str, datetime, float] | None = None  # id, when, slowest latency
    channels: dict[str, ChannelStats] = field(default_factory=dict)
    failures: list[tuple[datetime, str, str, str]] = field(default_factory=list)
    comparisons: list[Comparison] = field(default_factory=list)
    shadow_channels: dict[str, int] = field(default_factory=dict)
    go_live: dict[str, int] = field(default_factory=dict)  # channel → clean drills remaining


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile (p in 0..100); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(p / 100 * len(ordered)) - 1, 0)]


def build(cfg: Config, days: int = 30, clock: Clock = utc_now) -> Report:
    now = clock()
    rep = Report(now, now - timedelta(days=days))
    for did, events in L.iter_all(drills_dir(cfg)):
        st = fold(did, events)
        for rec in records(events).values():
            if rec.action != "drill" or rec.at < rep.since:
                continue
            rep.drills += 1
            if rep.last_drill is None or rec.at > rep.last_drill[1]:
                rep.last_drill = (did, rec.at)
            live = [c for c in rec.channels.values() if c.outcome != "shadowed"]
            for cs in rec.channels.values():
                row = rep.channels.setdefault(cs.name, ChannelStats(cs.name))
                row.drills += 1
                if cs.outcome == "delivered":
                    row.delivered += 1
                    if cs.latency_s is not None:
                        row.latencies.append(cs.latency_s)
                elif cs.outcome == "shadowed":
                    row.shadowed += 1
                else:
                    row.failed += 1
                    rep.failures.append((cs.at or rec.at, did, cs.name,
                                         cs.error or "no outcome recorded (cut off)"))
            if live and all(c.outcome == "delivered" for c in live):
                slowest = max((c.latency_s or 0.0) for c in live)
                if rep.last_success is None or rec.at > rep.last_success[1]:
                    rep.last_success = (did, rec.at, slowest)
            acked = st.milestones.get("acknowledged")
            if acked:
                m = rec.message
                window = timedelta(minutes=int(m.ack_window_minutes or 15)
                                   if isinstance(m, E.EscalationDrill) else 15)
                row = rep.channels.setdefault(acked[1], ChannelStats(acked[1]))
                trip = acked[0] - rec.at
                if trip <= window:
                    row.round_trips.append(trip.total_seconds())
                else:
                    row.late_acks += 1
    rep.failures.sort()
    rep.comparisons, rep.shadow_channels = compare(cfg.incidents_dir, rep.since)
    from triagebook.escalation.golive import remaining

    rep.go_live = remaining(cfg)
    return rep


def _s(v: float | None) -> str:
    if v is None:
        return "-"
    if v < 1:
        return f"{v * 1000:.0f} ms"
    return f"{v:.1f} s" if v < 100 else span(timedelta(seconds=v))


def render(rep: Report) -> str:
    days = (rep.now - rep.since).days
    out = [f"Drills in the last {days} days: {rep.drills}"
           + (f"; the last {rep.last_drill[0]}, {span(rep.now - rep.last_drill[1])} ago"
              if rep.last_drill else "")]
    if rep.last_success:
        did, at, slowest = rep.last_success
        ok = "met" if slowest < TARGET_SECONDS else "MISSED"
        out.append(f"Last successful drill: {did}, {span(rep.now - at)} ago; slowest channel "
                   f"{_s(slowest)} (target < {TARGET_SECONDS:g} s: {ok})")
    else:
        out.append(f"No successful drill in the last {days} days: run inv escalation.drill")
    head = ("channel", "drills", "ok", "failed", "p50", "p90", "p99", "max",
            "ack p50", "ack p90", "acks")
    rows = [head]
    for c in sorted(rep.channels.values(), key=lambda c: c.channel):
        lat, rt = c.latencies, c.round_trips
        rows.append((c.channel, str(c.drills), str(c.delivered), str(c.failed),
                     _s(percentile(lat, 50)), _s(percentile(lat, 90)), _s(percentile(lat, 99)),
                     _s(max(lat) if lat else None), _s(percentile(rt, 50)),
                     _s(percentile(rt, 90)),
                     f"{len(rt)}" + (f" (+{c.late_acks} late)" if c.late_acks else "")))
    if len(rows) > 1:
        widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
        out += ["", "Latency is send → accepted by the channel; ack is the round trip to "
                    "an acknowledgement within the drill's window.", ""]
        out += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip()
                for r in rows]
    out += ["", "Failures:" if rep.failures else "Failures: none"]
    out += [f"  {utc(at)}  {did}  {ch}: {err}" for at, did, ch, err in rep.failures]
    out += ["", "Shadow vs live:"]
    by_policy: dict[str, list[Comparison]] = {}
    for cmp in rep.comparisons:
        by_policy.setdefault(cmp.policy, []).append(cmp)
    for policy, rows_ in by_policy.items():
        differ = [c for c in rows_ if not c.agree]
        out.append(f"  shadow policy {policy}: {len(rows_)} decisions compared, "
                   f"{len(rows_) - len(differ)} agree, {len(differ)} differ")
        out += [f"    {c.incident} {c.esc_id}: live {c.live} — shadow {c.shadow}"
                for c in differ]
    for ch, n in sorted(rep.shadow_channels.items()):
        out.append(f"  shadow channel {ch}: would have delivered {n} "
                   f"message{'s' * (n != 1)}")
    if not rep.comparisons and not rep.shadow_channels:
        out.append("  nothing recorded in shadow mode")
    for ch, left in sorted(rep.go_live.items()):
        out.append(f"  channel {ch}: shadow until {left} more clean drill"
                   f"{'s' * (left != 1)} (go_live_after); run inv escalation.drill")
    return "\n".join(out) + "\n"


def as_dict(rep: Report) -> dict[str, Any]:
    def pct(v: list[float]) -> dict[str, float | None]:
        return {"p50": percentile(v, 50), "p90": percentile(v, 90), "p99": percentile(v, 99),
                "max": max(v) if v else None, "n": len(v)}

    return {
        "since": iso(rep.since), "drills": rep.drills, "target_seconds": TARGET_SECONDS,
        "last_drill": {"id": rep.last_drill[0], "at": iso(rep.last_drill[1])}
        if rep.last_drill else None,
        "last_success": {"id": rep.last_success[0], "at": iso(rep.last_success[1]),
                         "seconds_ago": (rep.now - rep.last_success[1]).total_seconds(),
                         "slowest_s": rep.last_success[2]} if rep.last_success else None,
        "channels": {c.channel: {"drills": c.drills, "delivered": c.delivered,
                                 "failed": c.failed, "shadowed": c.shadowed,
                                 "latency_s": pct(c.latencies),
                                 "ack_round_trip_s": pct(c.round_trips),
                                 "late_acks": c.late_acks}
                     for c in rep.channels.values()},
        "failures": [{"at": iso(at), "drill": did, "channel": ch, "error": err}
                     for at, did, ch, err in rep.failures],
        "shadow_policy": [{"incident": c.incident, "escalation": c.esc_id,
                           "policy": c.policy, "live": c.live, "shadow": c.shadow,
                           "agree": c.agree} for c in rep.comparisons],
        "shadow_channels": rep.shadow_channels,
        "go_live_remaining": rep.go_live,
    }

"""`inv oncall.who`: for each route, who is paged for each class now (or at a time) and
why — the schedule entry or override, their zone and whether quiet hours hold there,
and the next handoff.  Also what doctor and lint check about routes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from triagebook.base.errors import TriagebookError
from triagebook.base.safetext import neutralise
from triagebook.base.timeutil import to_zone
from triagebook.config import Config
from triagebook.oncall.quiet import quiet_window
from triagebook.oncall.records import present
from triagebook.oncall.schedule import OnCall, on_call, vacancy

CLASSES = ("RED", "YELLOW", "GREEN")


@dataclass(frozen=True, slots=True)
class RouteView:
    route: str
    chain: list[OnCall]
    channels: dict[str, tuple[str, ...]]  # class → channels
    problem: str = ""
    vacancy: str = ""  # why nobody is on call, when nobody is


def route_view(cfg: Config, route: str, at: datetime) -> RouteView:
    rc = cfg.routes[route]
    chans = {c: rc.channels.get(c) or cfg.policy.escalation(c).channels for c in CLASSES}
    try:
        chain = on_call(cfg, route, at)
        return RouteView(route, chain, chans, vacancy="" if chain else vacancy(cfg, route, at))
    except Exception as exc:  # noqa: BLE001 - said as one line, never a traceback
        why = str(exc) if isinstance(exc, TriagebookError) else f"{type(exc).__name__}: {exc}"
        return RouteView(route, [], chans, why)


def describe(cfg: Config, view: RouteView, at: datetime) -> list[str]:
    """The lines `inv oncall.who` prints for one route (a calendar's text is someone
    else's: control characters are written out, never sent to the terminal)."""
    return [neutralise(line) for line in _lines(cfg, view, at)]


def _lines(cfg: Config, view: RouteView, at: datetime) -> list[str]:
    out = [f"{view.route}:"]
    if view.problem:
        out.append(f"  nobody on call: schedule unreadable: {view.problem} (pages still go "
                   f"to the route's channels, naming nobody)")
    elif not view.chain:
        out.append(f"  nobody on call: {view.vacancy} (pages go to the route's channels, "
                   f"naming nobody)")
    for oc in view.chain:
        person = cfg.people.get(oc.person)
        zone = person.timezone if person else cfg.policy.timezone
        local = to_zone(at, zone)
        quiet, _ = quiet_window(at, zone, cfg.policy.quiet_start, cfg.policy.quiet_end)
        mark = present(cfg, oc.person, at)
        until = f"; next handoff {oc.until:%Y-%m-%d %H:%M %Z}" if oc.until else ""
        out.append(f"  {oc.level}: {oc.person} — {oc.why}{until}")
        out.append(f"    {zone}, {local:%H:%M} there: "
                   + ("quiet hours" if quiet else "not quiet hours")
                   + (f"; present until {mark.until:%H:%M} UTC" if mark else ""))
    for cls in CLASSES:
        out.append(f"  {cls}: {', '.join(view.channels[cls]) or '(no channel)'}")
    return out


def unreachable(cfg: Config) -> list[str]:
    """Routes whose RED channels reach no human, or whose people are not declared."""
    out = []
    for name, rc in sorted(cfg.routes.items()):
        red = rc.channels.get("RED") or cfg.policy.escalation("RED").channels
        missing = [c for c in red if c not in cfg.channels]
        if missing:
            out.append(f"route {name}: RED names {', '.join(missing)}, not configured under "
                       f"escalation.channels")
        if not any(c in cfg.channels and cfg.channels[c].of_kind.reaches_human
                   and not cfg.channels[c].shadow for c in red):
            out.append(f"route {name}: its RED channels ({', '.join(red)}) reach no human")
        for who in (*rc.rotation.people, *([rc.manager] if rc.manager else [])):
            if who not in cfg.people:
                out.append(f"route {name}: {who!r} is not in triagebook.people (no zone, no "
                           f"addresses)")
    return out

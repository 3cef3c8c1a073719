"""Readiness of paging: every class routed to configured channels, each channel's own
check (its kind says what ready means: channels/<kind>.py), endpoints answering."""

from __future__ import annotations

import socket
import time

from triagebook.config import Config
from triagebook.readiness.check import Check, Status

PAGED_CLASSES = ("RED", "YELLOW")  # GREEN only goes to the digest, through no channel


def _where(name: str) -> str:
    return f"triagebook.escalation.channels.{name} in invoke.yaml"


def _reaches(cfg: Config, cls: str, names: tuple[str, ...]) -> Check:
    """Does a page of this class reach a person at all (not only a screen or a file)?"""
    live = [cfg.channels[n] for n in names if n in cfg.channels]
    human = [ch.name for ch in live if ch.of_kind.reaches_human and not ch.shadow]
    if human:
        return Check(f"class {cls}", "ok", f"pages a person through {', '.join(human)}")
    promoted = _promotion(cfg) if cls == "YELLOW" else ""
    if promoted:
        return Check(f"class {cls}", "warn", f"reaches a person only when promoted, after "
                     f"{cfg.policy.yellow_promote_minutes} min unacknowledged, through "
                     f"{promoted}", f"give chat or email kind: smtp or webhook under "
                     f"{_where(names[0] if names else promoted)}")
    kinds = ", ".join(f"{ch.name} ({ch.kind}{', shadow' if ch.shadow else ''})"
                      for ch in live) or "no configured channel"
    return Check(f"class {cls}", "fail", f"no channel of {cls} reaches a person: {kinds}",
                 f"give one of them kind: smtp or webhook under {_where(names[0])}"
                 if names else f"list channels under policy.escalation_classes.{cls}")


def _promotion(cfg: Config) -> str:
    """The channel an unacknowledged YELLOW is promoted to, if it reaches a person."""
    if cfg.policy.yellow_promote_minutes <= 0:
        return ""
    from triagebook.escalation.policy import loud_channels

    try:
        loud = loud_channels(cfg.policy)
    except KeyError:
        return ""
    ch = cfg.channels.get(loud[0]) if loud else None
    return ch.name if ch is not None and ch.of_kind.reaches_human and not ch.shadow else ""


def settings(cfg: Config) -> list[Check]:
    """One check per configured channel, plus one per class routed to a missing one."""
    out: list[Check] = []
    for cls in cfg.policy.classes:
        if cls.name not in PAGED_CLASSES:
            continue
        for chan in cls.channels:
            if chan not in cfg.channels:
                out.append(Check(f"channel {chan}", "fail", f"class {cls.name} routes to "
                                 f"'{chan}', which is not configured",
                                 f"add {_where(chan)}, or change "
                                 f"policy.escalation_classes.{cls.name}.channels"))
    out += [_reaches(cfg, cls.name, cls.channels) for cls in cfg.policy.classes
            if cls.name in PAGED_CLASSES]
    out += [ch.of_kind.ready(ch.name, ch.settings, cfg.root) for ch in cfg.channels.values()]
    return out


def routes(cfg: Config) -> list[Check]:
    """Issue 22: each configured route reaches a human on RED, its people are declared,
    and its schedule names someone now."""
    from triagebook.base.timeutil import utc_now
    from triagebook.oncall.who import route_view, unreachable

    out: list[Check] = []
    bad = unreachable(cfg)
    for name in sorted(cfg.routes):
        mine = [b for b in bad if b.startswith(f"route {name}:")]
        view = route_view(cfg, name, utc_now())
        if view.problem:
            mine.append(f"route {name}: schedule unreadable: {view.problem}")
        elif not view.chain:
            mine.append(f"route {name}: nobody on call now: {view.vacancy}")
        if mine:
            prefix = f"route {name}: "
            out.append(Check(f"route {name}", "fail", "; ".join(m.removeprefix(prefix)
                                                                for m in mine),
                             "see inv oncall.who and the on-call guide"))
        else:
            out.append(Check(f"route {name}", "ok", f"{view.chain[0].person} on call; RED "
                             f"reaches a person"))
    return out


def _connect(host: str, port: int, timeout: float, smtp: bool) -> tuple[Status, str]:
    """(status, detail) of a TCP connect, and for SMTP the server's greeting."""
    start = time.monotonic()
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except OSError as exc:
        why = "no answer" if isinstance(exc, TimeoutError) else (exc.strerror or str(exc))
        return "fail", f"{host}:{port}: {why} (within {timeout:g} s)"
    ms = (time.monotonic() - start) * 1000
    with sock:
        if not smtp:
            return "ok", f"{host}:{port} accepts connections ({ms:.0f} ms)"
        try:
            greeting = sock.recv(512)
            sock.sendall(b"QUIT\r\n")
        except OSError:
            greeting = b""
    if greeting.startswith(b"220"):
        return "ok", f"{host}:{port} answers as SMTP (220, {ms:.0f} ms)"
    return "warn", f"{host}:{port} accepts connections but sent no SMTP greeting"


def reachable(cfg: Config, timeout: float) -> list[Check]:
    """TCP reachability of every SMTP and webhook endpoint whose settings are complete."""
    out: list[Check] = []
    for ch in cfg.channels.values():
        target = ch.of_kind.endpoint(ch.settings)
        if target is None:
            continue
        status, detail = _connect(target.host, target.port, timeout, target.greeting)
        fix = (f"check the server, the firewall and the host/port of {ch.name}; escalations "
               f"through it would fail now") if status != "ok" else ""
        out.append(Check(f"reach {ch.name}", status, detail, fix))
    return out


def go_live(cfg: Config) -> list[Check]:
    """Channels still in shadow until they pass their clean drills (`go_live_after`)."""
    from triagebook.escalation.golive import remaining

    return [Check(f"channel {name} go-live", "warn",
                  f"shadow until {left} more clean drill{'s' * (left != 1)} "
                  f"(go_live_after {cfg.channels[name].go_live_after}); live pages through "
                  f"it are recorded, not delivered", "run inv escalation.drill")
            for name, left in sorted(remaining(cfg).items())]


def chat_users(cfg: Config) -> list[Check]:
    """`replies.chat_users` entries that can match no signed user id: the list still
    closes chat acks to everyone else, so a typo there locks a responder out."""
    from triagebook.escalation.chat import CHAT_USER

    bad = [u for u in cfg.replies.chat_users if not CHAT_USER.match(u)]
    if not bad:
        return []
    verb = "match" if len(bad) > 1 else "matches"
    return [Check("chat acks", "warn", f"replies.chat_users: {', '.join(map(repr, bad))} "
                  f"{verb} nobody", "write platform:USER_ID (slack:U024BE7LH, "
                  "discord:112233445566778899) or slack:* — ids, not display names")]

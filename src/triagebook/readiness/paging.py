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
    out += [ch.of_kind.ready(ch.name, ch.settings, cfg.root) for ch in cfg.channels.values()]
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

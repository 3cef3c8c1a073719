"""Readiness of the escalation channels: settings and credentials present, endpoints
answering.  A webhook URL is itself a credential: it is read from its environment
variable to find host and port, and never printed."""

from __future__ import annotations

import os
import socket
import time
from urllib.parse import urlsplit

from triagebook.config import ChannelConfig, Config
from triagebook.readiness.check import Check, Status

PAGED_CLASSES = ("RED", "YELLOW")  # GREEN only goes to the digest, through no channel


def _where(name: str) -> str:
    return f"triagebook.escalation.channels.{name} in invoke.yaml"


def _missing_env(*names: str) -> list[str]:
    return [n for n in names if n and not os.environ.get(n)]


def _webhook_target(ch: ChannelConfig) -> tuple[str, int] | None:
    url = os.environ.get(ch.url_env, "")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


def _one(cfg: Config, ch: ChannelConfig) -> Check:
    name = f"channel {ch.name}"
    if ch.kind == "stdout":
        return Check(name, "warn", "stdout: prints in the runner's terminal, nobody is paged",
                     f"set kind: smtp or webhook under {_where(ch.name)}")
    if ch.kind == "file":
        path = cfg.root / (ch.path or f"escalations-{ch.name}.log")
        probe = path.parent
        while not probe.exists() and probe != probe.parent:
            probe = probe.parent
        if not os.access(probe, os.W_OK):
            return Check(name, "fail", f"file: cannot write {cfg.display(path)}",
                         f"fix the folder's permissions or the path under {_where(ch.name)}")
        return Check(name, "ok", f"file: appends to {cfg.display(path)}")
    if ch.kind == "smtp":
        if not ch.to:
            return Check(name, "fail", "smtp: no recipients",
                         f"add to: [address, ...] under {_where(ch.name)}")
        missing = _missing_env(ch.user_env, ch.password_env if ch.user_env else "")
        if missing:
            return Check(name, "fail", f"smtp: environment variable {', '.join(missing)} is "
                         f"not set (the login)", "export it in the on-call shell or service")
        login = f", login from ${ch.user_env}" if ch.user_env else ""
        return Check(name, "ok", f"smtp to {len(ch.to)} recipient"
                     f"{'s' * (len(ch.to) != 1)} via {ch.host}:{ch.port}{login}")
    if ch.kind == "webhook":
        if _missing_env(ch.url_env):
            return Check(name, "fail", f"webhook: environment variable {ch.url_env} is not "
                         f"set (it holds the URL)", "export it in the on-call shell or service")
        if _webhook_target(ch) is None:
            return Check(name, "fail", f"webhook: ${ch.url_env} does not hold an http(s) URL "
                         f"(value not shown: it is a credential)", f"check ${ch.url_env}")
        return Check(name, "ok", f"webhook ({ch.shape}), URL from ${ch.url_env}")
    return Check(name, "fail", f"unknown kind {ch.kind!r}", f"fix {_where(ch.name)}")


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
    out += [_one(cfg, ch) for ch in cfg.channels.values()]
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
        if ch.kind == "smtp" and ch.to:
            target: tuple[str, int] | None = (ch.host, ch.port)
        elif ch.kind == "webhook" and not _missing_env(ch.url_env):
            target = _webhook_target(ch)
        else:
            continue
        if target is None:
            continue
        status, detail = _connect(*target, timeout, ch.kind == "smtp")
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

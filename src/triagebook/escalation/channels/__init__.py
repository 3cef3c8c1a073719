"""Escalation channels: one `Channel` port, one adapter per kind.

`channel_for` builds the adapter for a configured channel from that channel's own
settings; `deliver` sends through it and turns any transport error into one
DeliveryError line.
"""

from __future__ import annotations

import smtplib
from pathlib import Path

from triagebook.config import ChannelConfig
from triagebook.escalation.channels.base import Channel, DeliveryError
from triagebook.escalation.channels.local import FileChannel, StdoutChannel
from triagebook.escalation.channels.smtp import SmtpChannel
from triagebook.escalation.channels.webhook import WebhookChannel

__all__ = ["Channel", "DeliveryError", "channel_for", "deliver"]


def channel_for(ch: ChannelConfig, root: Path) -> Channel:
    if ch.kind == "stdout":
        return StdoutChannel(ch.name)
    if ch.kind == "file":
        return FileChannel(ch.name, root / (ch.path or f"escalations-{ch.name}.log"))
    if ch.kind == "smtp":
        return SmtpChannel(ch.name, ch.host, ch.port, ch.sender, ch.to, ch.starttls,
                           ch.user_env, ch.password_env)
    if ch.kind == "webhook":
        return WebhookChannel(ch.name, ch.url_env, ch.shape)
    raise DeliveryError(f"{ch.name}: unknown channel kind {ch.kind!r}")  # config prevents it


def deliver(channel: Channel, subject: str, text: str) -> None:
    try:
        channel.deliver(subject, text)
    except DeliveryError:
        raise
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(f"{channel.name} ({channel.kind}): {type(exc).__name__}: "
                            f"{exc}") from None

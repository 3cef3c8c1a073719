"""Escalation channels: one `Channel` port, one adapter per kind.

`channel_for` builds the adapter for a configured channel from that channel's own
settings; `deliver` sends through it and turns any error at all into one
DeliveryError line — a channel can fail, it cannot take the others down with it.
"""

from __future__ import annotations

import smtplib
from pathlib import Path

from triagebook.config import ChannelConfig
from triagebook.escalation.channels.base import Channel, Deadline, DeliveryError
from triagebook.escalation.channels.local import FileChannel, StdoutChannel
from triagebook.escalation.channels.smtp import SmtpChannel
from triagebook.escalation.channels.webhook import WebhookChannel

__all__ = ["Channel", "Deadline", "DeliveryError", "channel_for", "deliver"]


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


def deliver(channel: Channel, subject: str, text: str, deadline: Deadline) -> None:
    try:
        channel.deliver(subject, text, deadline)
    except DeliveryError as exc:
        if deadline.aborted.is_set():
            raise deadline.timed_out(channel.name) from None
        if str(exc).startswith("no complete answer"):  # from Deadline.timeout()
            raise DeliveryError(f"{channel.name}: {exc}") from None
        raise
    except TimeoutError:
        raise deadline.timed_out(channel.name) from None
    except (OSError, smtplib.SMTPException) as exc:
        # the adapters' own errors: server replies and errno texts, never a URL
        what = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise DeliveryError(f"{channel.name} ({channel.kind}): {type(exc).__name__}: "
                            f"{what}") from None
    except Exception as exc:  # anything else: the type only — its text may hold a URL
        raise DeliveryError(f"{channel.name} ({channel.kind}): failed with "
                            f"{type(exc).__name__}") from None

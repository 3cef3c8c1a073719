"""Delivering an escalation message: stdout/file, email over SMTP, chat webhook.

Credentials come only from environment variables named in the configuration; a failed
delivery raises DeliveryError with one line that is recorded and retried.
"""

from __future__ import annotations

import json
import os
import smtplib
import ssl
import sys
import urllib.error
import urllib.request
from email.message import EmailMessage

from triagebook.config import ChannelConfig, Config

TIMEOUT = 10.0


class DeliveryError(Exception):
    pass


def deliver(cfg: Config, ch: ChannelConfig, subject: str, text: str) -> None:
    try:
        if ch.kind == "stdout":
            sys.stdout.write(f"--- escalation via {ch.name} ---\n{text}\n")
            sys.stdout.flush()
        elif ch.kind == "file":
            path = cfg.root / (ch.path or f"escalations-{ch.name}.log")
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "a", encoding="utf-8") as fh:
                fh.write(text + "\n\n")
                fh.flush()
                os.fsync(fh.fileno())
        elif ch.kind == "smtp":
            _smtp(ch, subject, text)
        elif ch.kind == "webhook":
            _webhook(ch, text)
        else:  # config validation prevents this
            raise DeliveryError(f"unknown channel kind {ch.kind!r}")
    except DeliveryError:
        raise
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(f"{ch.name} ({ch.kind}): {type(exc).__name__}: {exc}") from None


def _env(name: str, what: str, ch: ChannelConfig) -> str:
    value = os.environ.get(name, "") if name else ""
    if not value:
        raise DeliveryError(f"{ch.name}: {what} missing: set the environment variable "
                            f"{name or '(none configured)'}")
    return value


def _smtp(ch: ChannelConfig, subject: str, text: str) -> None:
    if not ch.to:
        raise DeliveryError(f"{ch.name}: no recipients (to: [...])")
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = ch.sender
    msg["To"] = ", ".join(ch.to)
    msg.set_content(text.split("\n", 1)[1] if "\n" in text else text)
    with smtplib.SMTP(ch.host, ch.port, timeout=TIMEOUT) as smtp:
        if ch.starttls:
            smtp.starttls(context=ssl.create_default_context())
        if ch.user_env:
            smtp.login(_env(ch.user_env, "SMTP user", ch),
                       _env(ch.password_env, "SMTP password", ch))
        smtp.send_message(msg)


def _webhook(ch: ChannelConfig, text: str) -> None:
    url = _env(ch.url_env, "webhook URL", ch)
    body = {"text": text} if ch.shape == "slack" else {"content": text}
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:  # noqa: S310 - configured URL
            if resp.status >= 300:
                raise DeliveryError(f"{ch.name}: webhook answered HTTP {resp.status}")
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"{ch.name}: webhook answered HTTP {exc.code}") from None
    except urllib.error.URLError as exc:
        raise DeliveryError(f"{ch.name}: webhook unreachable: {exc.reason}") from None

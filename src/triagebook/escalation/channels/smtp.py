"""Email over SMTP (optionally STARTTLS, optionally logged in from the environment)."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from triagebook.escalation.channels.base import TIMEOUT, Channel, DeliveryError


class SmtpChannel(Channel):
    kind = "smtp"

    def __init__(self, name: str, host: str, port: int, sender: str, to: tuple[str, ...],
                 starttls: bool = False, user_env: str = "", password_env: str = "") -> None:
        super().__init__(name)
        self.host, self.port, self.sender, self.to = host, port, sender, to
        self.starttls, self.user_env, self.password_env = starttls, user_env, password_env

    def deliver(self, subject: str, text: str) -> None:
        if not self.to:
            raise DeliveryError(f"{self.name}: no recipients (to: [...])")
        msg = EmailMessage()
        msg["Subject"] = subject
        msg["From"] = self.sender
        msg["To"] = ", ".join(self.to)
        msg.set_content(text.split("\n", 1)[1] if "\n" in text else text)
        with smtplib.SMTP(self.host, self.port, timeout=TIMEOUT) as smtp:
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self.user_env:
                smtp.login(self.env(self.user_env, "SMTP user"),
                           self.env(self.password_env, "SMTP password"))
            smtp.send_message(msg)

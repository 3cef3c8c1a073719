"""Email over SMTP (optionally STARTTLS, optionally logged in from the environment)."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from triagebook.escalation.channels.base import Channel, Deadline, DeliveryError, shut


class SmtpChannel(Channel):
    kind = "smtp"

    def __init__(self, name: str, host: str, port: int, sender: str, to: tuple[str, ...],
                 starttls: bool = False, user_env: str = "", password_env: str = "") -> None:
        super().__init__(name)
        self.host, self.port, self.sender, self.to = host, port, sender, to
        self.starttls, self.user_env, self.password_env = starttls, user_env, password_env

    def deliver(self, subject: str, text: str, deadline: Deadline) -> None:
        if not self.to:
            raise DeliveryError(f"{self.name}: no recipients (to: [...])")
        msg = EmailMessage()
        msg["Subject"] = subject
        msg["From"] = self.sender
        msg["To"] = ", ".join(self.to)
        msg.set_content(text.split("\n", 1)[1] if "\n" in text else text)
        smtp = smtplib.SMTP(timeout=deadline.timeout("connecting"))  # connects below
        deadline.on_abort(lambda: shut(getattr(smtp, "sock", None)))
        try:
            smtp.connect(self.host, self.port)
            self._step(smtp, deadline, "greeting")
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
                self._step(smtp, deadline, "STARTTLS")
            if self.user_env:
                smtp.login(self.env(self.user_env, "SMTP user"),
                           self.env(self.password_env, "SMTP password"))
                self._step(smtp, deadline, "login")
            smtp.send_message(msg)
            try:  # the message is accepted: a failing goodbye must not make it a failure
                self._step(smtp, deadline, "closing")
                smtp.quit()
            except (OSError, smtplib.SMTPException, DeliveryError):
                pass
        finally:
            smtp.close()

    @staticmethod
    def _step(smtp: smtplib.SMTP, deadline: Deadline, what: str) -> None:
        """Before the next exchange: whatever is left of the deadline, at most TIMEOUT."""
        if smtp.sock is not None:
            smtp.sock.settimeout(deadline.timeout(what))

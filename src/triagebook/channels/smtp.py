"""The smtp kind: email over SMTP (optionally STARTTLS, optionally logged in from the
environment).  smtplib and ssl load only when a message is sent."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from triagebook.base.checks import Check
from triagebook.channels.base import Channel, Deadline, DeliveryError, shut
from triagebook.channels.kind import Endpoint, Kind, missing_env, where
from triagebook.options.containers import ListOfItems
from triagebook.options.declare import setting
from triagebook.options.types import Bool, Int, Str

if TYPE_CHECKING:
    import smtplib


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str = setting(Str("smtp: server host.", blank=True), "localhost")
    port: int = setting(Int("smtp: server port.", low=1, high=65535,
                            expected="a port number"), 25)
    starttls: bool = setting(Bool("smtp: upgrade the connection with STARTTLS."), False)
    sender: str = setting(Str("smtp: the From address.", blank=True), "triagebook@localhost")
    to: tuple[str, ...] = setting(ListOfItems(Str(blank=True, expected="an address"),
                                              "smtp: recipient addresses.",
                                              expected="a list of addresses"), ())
    user_env: str = setting(Str("smtp: environment variable holding the user name.",
                                blank=True), "")
    password_env: str = setting(Str("smtp: environment variable holding the password.",
                                    blank=True), "")


class SmtpChannel(Channel):
    kind = "smtp"

    def __init__(self, name: str, host: str, port: int, sender: str, to: tuple[str, ...],
                 starttls: bool = False, user_env: str = "", password_env: str = "") -> None:
        super().__init__(name)
        self.host, self.port, self.sender, self.to = host, port, sender, to
        self.starttls, self.user_env, self.password_env = starttls, user_env, password_env

    def deliver(self, subject: str, text: str, deadline: Deadline) -> None:
        import smtplib
        import ssl
        from email.message import EmailMessage

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


class SmtpKind(Kind):
    name = "smtp"
    reaches_human = True
    ADDRESS = "to"
    Settings = SmtpSettings

    def channel(self, name: str, s: Any, root: Path) -> Channel:
        return SmtpChannel(name, s.host, s.port, s.sender, s.to, s.starttls, s.user_env,
                           s.password_env)

    def ready(self, name: str, s: Any, root: Path) -> Check:
        label = f"channel {name}"
        if not s.to:
            return Check(label, "fail", "smtp: no recipients",
                         f"add to: [address, ...] under {where(name)}")
        missing = missing_env(s.user_env, s.password_env if s.user_env else "")
        if missing:
            return Check(label, "fail", f"smtp: environment variable {', '.join(missing)} is "
                         f"not set (the login)", "export it in the on-call shell or service")
        login = f", login from ${s.user_env}" if s.user_env else ""
        return Check(label, "ok", f"smtp to {len(s.to)} recipient"
                     f"{'s' * (len(s.to) != 1)} via {s.host}:{s.port}{login}")

    def endpoint(self, s: Any) -> Endpoint | None:
        return Endpoint(s.host, s.port, greeting=True) if s.to else None

    def recipients(self, s: Any) -> tuple[str, ...]:
        return tuple(s.to)

    def secret_envs(self, s: Any) -> tuple[str, ...]:
        return (s.password_env,) if s.password_env else ()

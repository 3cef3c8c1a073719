"""The channel kinds this version knows: adding one is a module and a line here."""

from __future__ import annotations

from triagebook.channels.file import FileKind
from triagebook.channels.kind import Kind
from triagebook.channels.smtp import SmtpKind
from triagebook.channels.stdout import StdoutKind
from triagebook.channels.webhook import WebhookKind

KINDS: dict[str, Kind] = {k.name: k for k in (StdoutKind(), FileKind(), SmtpKind(),
                                               WebhookKind())}

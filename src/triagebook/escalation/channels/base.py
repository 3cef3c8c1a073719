"""The port every escalation channel implements: deliver one message or raise.

Each adapter is built from its own settings only (never the whole configuration);
credentials come from environment variables named in those settings.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from typing import ClassVar

TIMEOUT = 10.0


class DeliveryError(Exception):
    """A delivery that failed; the one-line message is recorded and retried."""


class Channel(ABC):
    kind: ClassVar[str]

    def __init__(self, name: str) -> None:
        self.name = name

    @abstractmethod
    def deliver(self, subject: str, text: str) -> None:
        """Hand the message over; raise DeliveryError (one line) when it was not taken."""

    def env(self, var: str, what: str) -> str:
        value = os.environ.get(var, "") if var else ""
        if not value:
            raise DeliveryError(f"{self.name}: {what} missing: set the environment variable "
                                f"{var or '(none configured)'}")
        return value

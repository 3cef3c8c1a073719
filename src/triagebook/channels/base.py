"""The port every escalation channel implements: deliver one message or raise.

Each adapter is built from its own settings only (never the whole configuration);
credentials come from environment variables named in those settings.  A delivery runs
against a `Deadline`: every network wait is bounded by what is left of it, and when it
is over the caller aborts the channel (its sockets are shut) and counts it as failed —
a server that trickles its answer cannot hold a page for a minute and then count as
delivered.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import ClassVar

TIMEOUT = 10.0  # one network operation, at most (and never past the deadline)


class DeliveryError(Exception):
    """A delivery that failed; the one-line message is recorded and retried.

    `retry_after`: the channel said when to try again (HTTP 429/503 `Retry-After`).
    The message never holds a credential (a webhook URL is one).
    """

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Deadline:
    """The time one delivery may take, connect to answer, waits included."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds
        self.aborted = threading.Event()
        self._on_abort: list[Callable[[], None]] = []

    def remaining(self) -> float:
        return self.end - time.monotonic()

    def timeout(self, what: str, op: float = TIMEOUT) -> float:
        """The socket timeout for the next operation; raises when nothing is left."""
        left = self.remaining()
        if left <= 0 or self.aborted.is_set():
            raise DeliveryError(f"no complete answer within {self.seconds:g} s (the delivery "
                                f"deadline; {what})")
        return min(op, left)

    def timed_out(self, name: str) -> DeliveryError:
        """The error for a socket timeout: the deadline's, when that is what ran out."""
        if self.remaining() <= 0.1 or self.aborted.is_set():
            return DeliveryError(f"{name}: no complete answer within {self.seconds:g} s "
                                 f"(the delivery deadline)")
        return DeliveryError(f"{name}: no answer within {TIMEOUT:g} s")

    def sleep(self, seconds: float) -> None:
        if self.aborted.wait(seconds):
            raise DeliveryError("aborted")

    def on_abort(self, fn: Callable[[], None]) -> None:
        self._on_abort.append(fn)

    def abort(self) -> None:
        self.aborted.set()
        for fn in self._on_abort:
            try:
                fn()
            except Exception:  # noqa: S110 - best effort: the socket may be gone already
                pass


def shut(sock: socket.socket | None) -> None:
    """Unblock a thread waiting on `sock` (close alone does not wake a blocked recv)."""
    if sock is None:
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


class Channel(ABC):
    kind: ClassVar[str]
    local: ClassVar[bool] = False  # on this machine (stdout, file): run inline, in order

    def __init__(self, name: str) -> None:
        self.name = name

    @abstractmethod
    def deliver(self, subject: str, text: str, deadline: Deadline) -> None:
        """Hand the message over; raise DeliveryError (one line) when it was not taken."""

    def env(self, var: str, what: str) -> str:
        value = os.environ.get(var, "") if var else ""
        if not value:
            raise DeliveryError(f"{self.name}: {what} missing: set the environment variable "
                                f"{var or '(none configured)'}")
        return value

"""Signals during a run: they act only where it is safe, never halfway through a record.

`Signals` catches SIGINT, SIGTERM and SIGHUP for the whole run.  A signal acts at once
only inside `live()` — while a prompt waits for input, or while a command runs; anywhere
else (an append to the ledger, an escalation being delivered, a post-mortem being
written) it waits until that work is finished and recorded, and acts at the next live
point.  So nothing that started is ever left without its outcome in the ledger.

SIGINT (Ctrl-C) raises KeyboardInterrupt: the prompt or the command decides what it
means (cancel the prompt, stop the command).  SIGTERM and SIGHUP raise `Leave`: the
session ends, and says why.

The hook is injectable: `Signals(install=False)` catches nothing from the operating
system, and `receive(signum)` delivers a signal by hand (tests, embedding).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

NAMES = {signal.SIGINT: "Ctrl-C", signal.SIGTERM: "SIGTERM", signal.SIGHUP: "SIGHUP"}
EXIT_CODES = {"Ctrl-C": 130, "SIGTERM": 143, "SIGHUP": 129}


class Leave(BaseException):  # like KeyboardInterrupt: a request, not an error
    """End the session now (SIGTERM, SIGHUP); `reason` is what session.ended records.

    A BaseException, so `except Exception` on the way (a channel, a parser) cannot
    swallow it.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Signals:
    def __init__(self, install: bool = True) -> None:
        self.install = install
        self.pending: int | None = None  # a signal waiting for the next live point
        self._live = 0
        self._saved: dict[int, Any] = {}

    def __enter__(self) -> Signals:
        if self.install and threading.current_thread() is threading.main_thread():
            for signum in NAMES:
                if signal.getsignal(signum) is signal.SIG_IGN:
                    continue  # started under nohup (or the like): keep ignoring it
                self._saved[signum] = signal.signal(signum, self._handler)
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, old in self._saved.items():
            signal.signal(signum, old)
        self._saved.clear()

    def _handler(self, signum: int, frame: FrameType | None) -> None:
        self.receive(signum)

    def receive(self, signum: int) -> None:
        """A signal arrived: act now when live, else keep it for the next live point."""
        if self._live:
            self._act(signum)
        if self.pending is None or self.pending == signal.SIGINT:
            self.pending = signum  # leaving outweighs a Ctrl-C, never the other way

    def _act(self, signum: int) -> None:
        self.pending = None
        if signum == signal.SIGINT:
            raise KeyboardInterrupt
        raise Leave(NAMES.get(signal.Signals(signum), signal.Signals(signum).name))

    @contextmanager
    def live(self) -> Iterator[None]:
        """A place where a signal may act at once (a prompt, a running command)."""
        if self.pending is not None:
            self._act(self.pending)
        self._live += 1
        try:
            yield
        finally:
            self._live -= 1

    def discard_interrupts(self) -> None:
        """Forget Ctrl-Cs that arrived while a command was being stopped: they were for it."""
        if self.pending == signal.SIGINT:
            self.pending = None

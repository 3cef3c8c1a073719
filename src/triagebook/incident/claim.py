"""Who walks which runbook: one claim per (incident, runbook) in the shared store.

Two responders may walk different runbooks of one incident on two machines; the same
runbook on two machines would record two walks of the same steps, so the second runner
is refused with who holds it.  A claim lives while its runner does: a heartbeat thread
renews it every HEARTBEAT_S, and a claim not renewed for TTL_S lapses (a laptop that
died mid-incident does not lock the runbook for good).  On the same host a claim whose
process is gone is taken over at once.  Offline, the runner goes on unclaimed — local
first — and claims when the store answers again.
"""

from __future__ import annotations

import os
import threading
import uuid
from datetime import datetime

from triagebook.base.errors import TriagebookError
from triagebook.base.timeutil import utc, utc_now
from triagebook.incident import actor as A
from triagebook.incident.store.base import ClaimHolder, EventStore
from triagebook.incident.sync import Notify, warn

TTL_S = 90.0
HEARTBEAT_S = 20.0


class RunbookClaimed(TriagebookError):
    def __init__(self, holder: ClaimHolder, now: datetime) -> None:
        self.holder, self.now = holder, now

    def __str__(self) -> str:
        h = self.holder
        since = f" since {utc(h.since)}" if h.since else ""
        heard = (f", last heard {max(int((self.now - h.heartbeat).total_seconds()), 0)} s ago"
                 if h.heartbeat else "")
        return (f"runbook {h.runbook} of {h.incident} is being walked by {h.describe()}"
                f"{since}{heard}; walk another runbook of this incident, or wait until they "
                f"quit (a claim lapses {int(TTL_S)} s after its runner stops)")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Claim:
    """This runner's claim on one runbook of one incident, renewed in the background.

    `store` is this claim's own connection (the heartbeat thread uses it; the runner's
    sync uses another)."""

    def __init__(self, store: EventStore, incident: str, runbook: str, actor: str,
                 notify: Notify = warn) -> None:
        self.store = store
        self.want = ClaimHolder(incident, runbook, uuid.uuid4().hex, actor, A.host(),
                                os.getpid())
        self.notify = notify
        self.held = False
        self._lock = threading.Lock()  # one store call at a time on this connection
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._warned = ""

    def acquire(self, offline: bool = False) -> None:
        """Take the claim; RunbookClaimed when someone else walks it.  Offline (known
        already, or found now): go on, and let the heartbeat claim it later."""
        try:
            if not offline:
                self._take(refuse=True)
        except RunbookClaimed:
            self.store.close()
            raise
        except TriagebookError as exc:
            self.notify(f"{exc}; walking without a claim on {self.want.runbook} until the "
                        f"store answers")
        self._thread = threading.Thread(target=self._beat, name="triagebook-claim",
                                        daemon=True)
        self._thread.start()

    def _take(self, refuse: bool) -> None:
        with self._lock:
            got = self.store.claim(self.want, TTL_S)
            if got.token != self.want.token and got.host == self.want.host \
                    and got.pid != self.want.pid and not _alive(got.pid):
                got = self.store.claim(self.want, TTL_S, displace=got.token)
        if got.token == self.want.token:
            self.held = True
            self._warned = ""
            return
        self.held = False
        if refuse:
            raise RunbookClaimed(got, utc_now())
        if self._warned != got.token:  # once per other holder
            self._warned = got.token
            self.notify(f"warning: {got.describe()} now holds runbook {got.runbook} of "
                        f"{got.incident} (claimed while this runner was offline); agree who "
                        f"walks it")

    def _beat(self) -> None:
        while not self._stop.wait(HEARTBEAT_S):
            try:
                self._take(refuse=False)
            except TriagebookError:
                self.store.close()  # offline: the next beat tries again

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        try:
            with self._lock:
                if self.held:
                    self.store.release(self.want)
        except TriagebookError:
            pass  # offline: the claim lapses after TTL_S on its own
        finally:
            self.held = False
            self.store.close()

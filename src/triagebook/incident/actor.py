"""Who wrote an event: the responder (`$TRIAGEBOOK_OPERATOR`, else login@host) or a
named part of triagebook on a host (`escalation@host`).

Ledgers from several machines merge into one timeline, so an actor names the machine
too: two responders with the same login, or the escalation work of two laptops, stay
told apart.
"""

from __future__ import annotations

import getpass
import os
import socket


def host() -> str:
    return socket.gethostname().split(".")[0] or "localhost"


def operator() -> str:
    """The responder at this keyboard: `$TRIAGEBOOK_OPERATOR`, else login@host."""
    name = os.environ.get("TRIAGEBOOK_OPERATOR", "").strip()
    if name:
        return name
    try:
        login = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        login = f"uid{os.getuid()}"
    return f"{login}@{host()}"


def service(name: str) -> str:
    """A part of triagebook writing on its own (escalation, tick) on this host."""
    return f"{name}@{host()}"

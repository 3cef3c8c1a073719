"""Which incident an alert group belongs to — for this machine, and with a team store for
the whole team (the brief: every decision to page holds for the team, not one laptop).

On one machine the mapping is a file per group (`incidents/.alert-groups/DIGEST`,
holding the incident id), claimed under a file lock before the ledger is written: two
deliveries of a new group at once, or a retry after a crash, find the same incident.

With a store, two receivers (an Alertmanager pair sends each notification to every
webhook it knows) may get the same new group at the same moment on two machines.  The
group's lock in the store is then held across the whole delivery — the claim (a team
record `alert-group:DIGEST` naming the incident), the ledger write and its push — so the
second receiver finds the first's incident, fetches it, and adds only what is new.  The
team's record wins over a machine's own (claimed while the store was away), and one that
does not read is replaced: the next delivery converges on one incident.  A store that
cannot be reached leaves the claim to this machine (said once), as before.  (If the
first receiver's events never reached the store, the second records its own opening in
the same incident and pages: a second page is the safer failure at 03:00.)
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from triagebook.alerts.payload import Group
from triagebook.base.errors import TriagebookError
from triagebook.config import Config
from triagebook.incident.durable import write_file
from triagebook.incident.ledger import check_id, new_id
from triagebook.incident.store.base import EventStore
from triagebook.incident.sync import Notify, warn
from triagebook.incident.team import team_lock

INDEX = ".alert-groups"
WAIT_S = 15.0  # how long a receiver waits for another's delivery of the same group
ALONE = "claiming the alert group on this machine only"


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _record_id(group: Group) -> str:
    return f"alert-group:{group.digest}"


def team_claim(cfg: Config, group: Group,
               notify: Notify = warn) -> contextlib.AbstractContextManager[EventStore | None]:
    """The store, holding the group's lock for the whole delivery; None without a store
    (or with one that cannot be reached or locked in time: said, and this machine
    decides alone)."""
    return team_lock(cfg, _record_id(group), WAIT_S, f"alert group {group.digest[:12]}",
                     ALONE, notify)


def incident_for(cfg: Config, group: Group, now: datetime, team: EventStore | None = None,
                 notify: Notify = warn) -> tuple[str, EventStore | None]:
    """The incident of this group — the team's when a store holds the group's lock
    (its record wins over this machine's, which it then replaces), else this machine's,
    else a new id claimed now: durable before the incident's first event is written.
    Also the store, or None when it failed here (said once: not asked again)."""
    index = cfg.incidents_dir / INDEX / group.digest
    with _locked(index.with_suffix(".lock")):
        try:
            mine = _an_id(index.read_text(encoding="ascii").strip())
        except (OSError, UnicodeDecodeError):
            mine = ""
        iid = ""
        if team is not None:
            try:
                iid = _team_record(team, group)
                if not iid:  # none, or one that does not read: ours replaces it
                    iid = mine or new_id(now)
                    team.set_record(_record_id(group), "alert-group",
                                    json.dumps({"incident": iid, "group": group.digest}))
            except TriagebookError as exc:
                notify(f"{exc}; {ALONE}")
                iid, team = "", None
        iid = iid or mine or new_id(now)
        if iid != mine:
            write_file(index, (iid + "\n").encode("ascii"))
        return iid, team


def _an_id(text: str) -> str:
    """``text`` if it is an incident id, else '' (a claim that does not read is none)."""
    try:
        return check_id(text) if text else ""
    except TriagebookError:
        return ""


def _team_record(team: EventStore, group: Group) -> str:
    """The incident the team's store names for the group ('' when none, or unreadable)."""
    text = team.record(_record_id(group))
    try:
        iid = json.loads(text)["incident"] if text else ""
    except (ValueError, KeyError, TypeError):
        return ""
    return _an_id(iid) if isinstance(iid, str) else ""

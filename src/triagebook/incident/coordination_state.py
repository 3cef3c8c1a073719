"""What the coordination events (roles, status updates, support-access grants, reminders)
add to an incident's folded state."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from triagebook.base.timeutil import parse_iso
from triagebook.incident import events as E

if TYPE_CHECKING:  # pragma: no cover
    from triagebook.incident.ledger import Event
    from triagebook.incident.state import IncidentState

ROLES = ("commander", "comms", "scribe")


@dataclass(frozen=True, slots=True)
class Role:
    person: str
    since: datetime
    by: str


@dataclass(frozen=True, slots=True)
class Update:
    at: datetime
    text: str
    public: bool
    by: str


@dataclass
class Grant:
    id: str
    to: str
    scope: str
    reason: str
    granted: datetime
    until: datetime
    by: str
    revoked: datetime | None = None
    revoked_by: str = ""

    def open_at(self, now: datetime) -> bool:
        """Not revoked (an expired grant still needs its revoke: the access may linger)."""
        return self.revoked is None

    def expired(self, now: datetime) -> bool:
        return now >= self.until


def _role(st: IncidentState, ev: Event, p: E.Payload) -> None:
    assert isinstance(p, E.RoleSet)
    if p.role not in ROLES:
        return
    if p.person:
        st.roles[p.role] = Role(p.person, ev.time, ev.actor)
    else:
        st.roles.pop(p.role, None)


def _update(st: IncidentState, ev: Event, p: E.Payload) -> None:
    assert isinstance(p, E.StatusUpdate)
    st.updates.append(Update(ev.time, p.text or "", bool(p.public), ev.actor))


def _granted(st: IncidentState, ev: Event, p: E.Payload) -> None:
    assert isinstance(p, E.AccessGranted)
    if p.grant and p.grant not in st.grants:
        st.grants[p.grant] = Grant(p.grant, p.to or "", p.scope or "", p.reason or "",
                                   ev.time, parse_iso(p.until), ev.actor)


def _revoked(st: IncidentState, ev: Event, p: E.Payload) -> None:
    assert isinstance(p, E.AccessRevoked)
    g = st.grants.get(p.grant or "")
    if g is not None and g.revoked is None:
        g.revoked, g.revoked_by = ev.time, ev.actor


def _reminded(st: IncidentState, ev: Event, p: E.Payload) -> None:
    assert isinstance(p, E.ReminderSent)
    if p.key:
        st.reminders.add(p.key)


FOLDS: dict[type[E.Payload], Callable[[Any, Any, E.Payload], None]] = {
    E.RoleSet: _role,
    E.StatusUpdate: _update,
    E.AccessGranted: _granted,
    E.AccessRevoked: _revoked,
    E.ReminderSent: _reminded,
}

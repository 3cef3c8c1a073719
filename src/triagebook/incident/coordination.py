"""The incident commander's coordination: roles, status updates, support-access grants,
and the stakeholder summary built from the public updates.

Each entry takes the short append lock only (like incident/commands.py), so it works
while a runner holds the incident.  Grants are time-bounded and audited; nothing that
looks like a credential is accepted in a grant (zero trust: access is granted through
the platform's own mechanism, and only its who/what/why/until is recorded here).
"""

from __future__ import annotations

import re
import secrets as _secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from triagebook.base.errors import BadArgument, UsageError
from triagebook.base.mdtext import md_text
from triagebook.base.redaction import Redactor, scan
from triagebook.base.safetext import neutralise
from triagebook.base.timeutil import Clock, iso, utc, utc_now
from triagebook.config import Config
from triagebook.incident import events as E
from triagebook.incident.coordination_state import ROLES, Grant
from triagebook.incident.ledger import Ledger, check_id, load
from triagebook.incident.state import IncidentState, fold

MAX_PERSON = 80
MAX_TEXT = 2000
MAX_GRANT = timedelta(hours=72)
DURATION = re.compile(r"^(\d{1,4})\s*(m|min|h|d)$")


@dataclass(frozen=True, slots=True)
class Done:
    incident: str
    message: str


def _ledger(cfg: Config, incident_id: str, actor: str,
            clock: Clock) -> tuple[Ledger, IncidentState]:
    check_id(incident_id)
    st = fold(incident_id, load(cfg.incidents_dir, incident_id))
    if st.opened_at is None:
        raise UsageError(f"{incident_id}: no such incident here (inv incident.list shows "
                         f"the known ones)")
    return Ledger(cfg.incidents_dir, incident_id, actor, Redactor(), clock,
                  session=False).open(), st


def _one_line(what: str, value: str, limit: int) -> str:
    value = value.strip()
    if not value:
        raise UsageError(f"{what}: expected some text but received nothing")
    if "\n" in value or neutralise(value) != value:
        raise UsageError(f"{what}: expected one line of plain text but received control "
                         f"characters or a line break")
    if len(value) > limit:
        raise UsageError(f"{what}: expected at most {limit} characters but received "
                         f"{len(value)}")
    return value


def _no_credential(what: str, value: str) -> None:
    found = scan(value)
    if found:
        raise UsageError(f"{what}: looks like a credential ({found[0].kind}); a grant records "
                         f"who, what and why, never a secret — grant access through the "
                         f"platform and describe it here")


def set_role(cfg: Config, incident_id: str, role: str, person: str, actor: str = "",
             clock: Clock = utc_now) -> Done:
    role = role.strip().lower()
    if role not in ROLES:
        raise UsageError(f"incident.role: ROLE expected one of {', '.join(ROLES)} but "
                         f"received {role!r}")
    clear = person.strip() in ("", "-", "none")
    person = "" if clear else _one_line("incident.role: PERSON", person, MAX_PERSON)
    led, st = _ledger(cfg, incident_id, actor, clock)
    with led.locked():
        st = fold(incident_id, led.events)
        previous = st.roles[role].person if role in st.roles else ""
        if previous == person:
            return Done(incident_id, f"{incident_id}: {role} is already "
                                     f"{person or 'nobody'}; nothing recorded")
        led.append(E.RoleSet(role=role, person=person, previous=previous))
    was = f" (was {previous})" if previous else ""
    return Done(incident_id, f"{incident_id}: {role} is now {person or 'nobody'}{was}")


def post_update(cfg: Config, incident_id: str, text: str, public: bool = False,
                actor: str = "", clock: Clock = utc_now) -> Done:
    text = text.strip()
    if not text:
        raise UsageError("incident.update: give the update's text: inv incident.update ID "
                         "'TEXT'")
    if len(text) > MAX_TEXT:
        raise UsageError(f"incident.update: expected at most {MAX_TEXT} characters but "
                         f"received {len(text)}")
    led, _ = _ledger(cfg, incident_id, actor, clock)
    ev = led.append(E.StatusUpdate(text=text, public=public))
    kind = "public update" if public else "update"
    return Done(incident_id, f"{incident_id}: {kind} recorded at {utc(ev.time)}")


def parse_duration(text: str) -> timedelta:
    m = DURATION.match(text.strip().lower())
    if m is None:
        raise BadArgument("for", f"{text!r}", "expected a duration like 30m, 2h or 1d")
    n, unit = int(m.group(1)), m.group(2)
    span = {"m": timedelta(minutes=n), "min": timedelta(minutes=n), "h": timedelta(hours=n),
            "d": timedelta(days=n)}[unit]
    if not timedelta(minutes=1) <= span <= MAX_GRANT:
        raise BadArgument("for", f"{text!r}", "expected between 1 minute and 72 hours (a longer "
                         "need is a new grant, decided again)")
    return span


def grant_access(cfg: Config, incident_id: str, to: str, scope: str, duration: str,
                 reason: str, actor: str = "", clock: Clock = utc_now) -> Done:
    to = _one_line("access.grant --to", to, MAX_PERSON)
    scope = _one_line("access.grant --scope", scope, 300)
    reason = _one_line("access.grant --reason", reason, 500)
    for what, value in (("--to", to), ("--scope", scope), ("--reason", reason)):
        _no_credential(f"access.grant {what}", value)
    span = parse_duration(duration)
    led, _ = _ledger(cfg, incident_id, actor, clock)
    grant_id = "G-" + _secrets.token_hex(3)
    until = clock() + span
    led.append(E.AccessGranted(grant=grant_id, to=to, scope=scope, reason=reason,
                               until=iso(until)))
    return Done(incident_id, f"{incident_id}: {grant_id} grants {to} access to {scope} until "
                             f"{utc(until)}; revoke it with inv access.revoke {incident_id} "
                             f"{grant_id}")


def revoke_access(cfg: Config, incident_id: str, grant_id: str, reason: str = "",
                  actor: str = "", clock: Clock = utc_now) -> Done:
    led, st = _ledger(cfg, incident_id, actor, clock)
    with led.locked():
        st = fold(incident_id, led.events)
        g = st.grants.get(grant_id.strip())
        if g is None:
            known = ", ".join(st.grants) or "none"
            raise UsageError(f"access.revoke: {incident_id} has no grant {grant_id!r} "
                             f"(grants: {known})")
        if g.revoked is not None:
            return Done(incident_id, f"{incident_id}: {g.id} was already revoked at "
                                     f"{utc(g.revoked)}; nothing recorded")
        led.append(E.AccessRevoked(grant=g.id, reason=reason.strip()[:500]))
    return Done(incident_id, f"{incident_id}: {g.id} ({g.to}, {g.scope}) revoked")


def open_grants(st: IncidentState) -> list[Grant]:
    return [g for g in st.grants.values() if g.revoked is None]


def describe_grant(g: Grant, now: datetime) -> str:
    state = ("revoked " + utc(g.revoked) if g.revoked else
             "EXPIRED " + utc(g.until) + ", not revoked" if g.expired(now) else
             "until " + utc(g.until))
    return f"{g.id}: {g.to} — {g.scope} ({state}); why: {g.reason}"


def summary(st: IncidentState, red: Redactor, plain: bool = False) -> str:
    """The stakeholder summary: the public updates, newest first, redacted again."""
    public = [u for u in st.updates if u.public]
    head = f"{st.id}: {st.title or 'incident'} — {st.severity}, {st.status}"
    if plain:
        lines = [head, ""] + [f"{utc(u.at)}  {red.text(u.text)}" for u in reversed(public)]
        if not public:
            lines.append("No public update yet.")
        return "\n".join(lines) + "\n"
    lines = [f"# {md_text(head)}", ""]
    lines += [f"- **{utc(u.at)}** — {md_text(red.text(u.text))}" for u in reversed(public)]
    if not public:
        lines.append("_No public update yet._")
    return "\n".join(lines) + "\n"

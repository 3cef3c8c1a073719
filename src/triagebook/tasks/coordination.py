"""`inv incident.role`, `incident.update`, `incident.summary`, `access.grant`,
`access.revoke`: the incident commander's coordination (issue 23)."""

from __future__ import annotations

from invoke.collection import Collection

from triagebook.tasks._common import choice, project, task, user_errors


def _actor() -> str:
    from triagebook.runner.context import operator_name

    return operator_name()


@task(help={
    "id_": "incident id", "role": "commander, comms or scribe",
    "person": "who takes it (a name or address); '-' clears the role"})
@user_errors
def role(c, id_, role, person):
    """Give an incident role (commander, comms, scribe) to a person; recorded."""
    from triagebook.incident.coordination import set_role

    print(set_role(project(), id_, role, person, actor=_actor()).message)


@task(help={
    "id_": "incident id", "text": "the status update",
    "public": "for stakeholders: goes into inv incident.summary"})
@user_errors
def update(c, id_, text, public=False):
    """Record a status update (resets the update-due reminder); --public for stakeholders."""
    from triagebook.incident.coordination import post_update

    print(post_update(project(), id_, text, public, actor=_actor()).message)


@task(help={"id_": "incident id", "format_": "markdown (default) or text"})
@user_errors
def summary(c, id_, format_="markdown"):
    """The stakeholder summary: the incident's public updates, newest first, redacted."""
    from triagebook import fold
    from triagebook import load_events as load
    from triagebook.escalation.outbox import redactor_for
    from triagebook.incident.coordination import summary as render
    from triagebook.incident.ledger import check_id

    choice("format", format_, ("markdown", "text"))
    cfg = project()
    check_id(id_)
    st = fold(id_, load(cfg.incidents_dir, id_))
    print(render(st, redactor_for(cfg), plain=format_ == "text"), end="")


@task(help={
    "id_": "incident id", "to": "who gets access (a person or team)",
    "scope": "what they may access (a system, tenant, dataset)",
    "for_": "how long: 30m, 2h, 1d (at most 72h)",
    "reason": "why (recorded with the grant)"})
@user_errors
def grant(c, id_, to="", scope="", for_="", reason=""):
    """Record a time-bounded support-access grant (never a credential)."""
    from triagebook.base.errors import UsageError
    from triagebook.incident.coordination import grant_access

    missing = [f"--{n}" for n, v in (("to", to), ("scope", scope), ("for", for_),
                                     ("reason", reason)) if not v.strip()]
    if missing:
        raise UsageError(f"access.grant: {', '.join(missing)} required, e.g. inv access.grant "
                         f"{id_} --to alice --scope 'tenant acme, read-only' --for 2h "
                         f"--reason 'verify the data fix'")
    print(grant_access(project(), id_, to, scope, for_, reason, actor=_actor()).message)


@task(help={
    "id_": "incident id", "grant_id": "the grant (G-…, shown by incident.show)",
    "reason": "why it ends now (optional)"})
@user_errors
def revoke(c, id_, grant_id, reason=""):
    """Record that a support-access grant was revoked."""
    from triagebook.incident.coordination import revoke_access

    print(revoke_access(project(), id_, grant_id, reason, actor=_actor()).message)


access = Collection("access")
access.add_task(grant)
access.add_task(revoke)


def show_lines(cfg, st, now) -> list[str]:
    """`incident.show`'s coordination lines: roles, the last update (and when the next is
    due), support-access grants (open ones first)."""
    from triagebook.base.safetext import neutralise
    from triagebook.base.timeutil import utc
    from triagebook.escalation.reminders import update_due
    from triagebook.incident.coordination import describe_grant

    out = []
    for name, r in sorted(st.roles.items()):
        out.append(f"{name:13s} {neutralise(r.person)} (since {utc(r.since)})")
    if st.updates:
        last = st.updates[-1]
        out.append(f"{'last update':13s} {utc(last.at)} by {neutralise(last.by)}: "
                   f"{neutralise(last.text)[:120]}")
    due = update_due(cfg.policy, st, now)
    if due is not None:
        state = "OVERDUE" if due <= now else "due"
        out.append(f"{'next update':13s} {state} {utc(due)}")
    grants = sorted(st.grants.values(), key=lambda g: (g.revoked is not None, g.granted))
    if grants:
        out.append("\naccess grants:")
        out += [f"  {neutralise(describe_grant(g, now))}" for g in grants]
    return out

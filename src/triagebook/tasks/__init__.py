"""Invoke collections; the project's tasks.py adds them (see `namespace()`)."""

from __future__ import annotations

from invoke.collection import Collection

from triagebook.tasks._common import remember_namespace


def namespace() -> Collection:
    from triagebook.tasks import escalation, incident, postmortem, runbook, site, store
    from triagebook.tasks.doctor import doctor

    ns = Collection()
    ns.add_task(doctor)  # a root task: the command is `inv doctor`
    from triagebook.tasks import learning

    for sub in (runbook, incident, postmortem, escalation, site, store):
        ns.add_collection(sub.ns)
    # what incidents teach: commands in the runbook and incident collections, and actions
    runbook.ns.add_task(learning.runbook_stats, name="stats")
    incident.ns.add_task(learning.incident_stats, name="stats")
    ns.add_collection(learning.actions)
    from triagebook.tasks import coordination

    for t in (coordination.role, coordination.update, coordination.summary):
        incident.ns.add_task(t)
    ns.add_collection(coordination.access)
    from triagebook.tasks import alert

    ns.add_collection(alert.ns)
    runbook.ns.add_task(alert.rules)
    from triagebook.tasks import oncall

    ns.add_collection(oncall.ns)
    remember_namespace(ns)
    return ns

"""Invoke collections; the project's tasks.py adds them (see `namespace()`)."""

from __future__ import annotations

from invoke.collection import Collection


def namespace() -> Collection:
    from triagebook.tasks import escalation, incident, postmortem, runbook, site, store
    from triagebook.tasks.doctor import doctor

    ns = Collection()
    ns.add_task(doctor)  # a root task: the command is `inv doctor`
    for sub in (runbook, incident, postmortem, escalation, site, store):
        ns.add_collection(sub.ns)
    return ns

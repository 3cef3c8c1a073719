"""Invoke collections; the project's tasks.py adds them (see `namespace()`)."""

from __future__ import annotations

from invoke.collection import Collection


def namespace() -> Collection:
    from . import bench, escalation, incident, postmortem, runbook, site

    ns = Collection()
    ns.add_collection(runbook.ns)
    ns.add_collection(incident.ns)
    ns.add_collection(postmortem.ns)
    ns.add_collection(escalation.ns)
    ns.add_collection(site.ns)
    ns.add_collection(bench.ns)
    return ns

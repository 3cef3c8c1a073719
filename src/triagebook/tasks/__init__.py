"""Invoke collections; the project's tasks.py adds them (see `namespace()`)."""

from __future__ import annotations

from invoke.collection import Collection

from triagebook.tasks._common import remember_namespace


def _invoke_skips_our_section() -> None:
    """Invoke turns every invoke.yaml key into an `INVOKE_…` environment-override name
    before each task runs: a key of ours that is a number (`people: {123: …}`), or two
    that differ only in case (`Alice`, `alice`), made every command an Invoke traceback
    before triagebook ran.  Our section is read by triagebook's own loader, which takes
    no environment overrides, so Invoke's crawl leaves it alone."""
    from invoke import env

    crawl = env.Environment._crawl
    if getattr(crawl, "triagebook", False):
        return

    def _crawl(self: env.Environment, key_path: list[str],
               env_vars: dict[str, list[str]]) -> dict[str, list[str]]:
        if key_path and key_path[0] == "triagebook":
            return {}
        return crawl(self, key_path, env_vars)

    _crawl.triagebook = True  # type: ignore[attr-defined]
    env.Environment._crawl = _crawl  # type: ignore[method-assign,assignment]


def namespace() -> Collection:
    from triagebook.tasks import escalation, incident, postmortem, runbook, site, store
    from triagebook.tasks.doctor import doctor

    _invoke_skips_our_section()
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

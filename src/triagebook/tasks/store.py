"""`inv store.*`: the team's shared ledger store (PostgreSQL)."""

from __future__ import annotations

from invoke.collection import Collection

from triagebook.base.errors import UsageError
from triagebook.incident.store import open_store
from triagebook.tasks._common import project, task, user_errors


@task
@user_errors
def init(c):
    """Create or migrate the shared store's schema (safe to run again)."""
    store = open_store(project())
    if store is None:
        raise UsageError("store.init: no shared store configured; set ledger.store in "
                         "invoke.yaml (see docs/guide/teams.md)")
    with store:
        before, after = store.migrate()
    if before == after:
        print(f"{store.where}: schema version {after}, up to date")
    elif before == 0:
        print(f"{store.where}: schema created (version {after})")
    else:
        print(f"{store.where}: schema migrated from version {before} to {after}")


ns = Collection("store")
ns.add_task(init)

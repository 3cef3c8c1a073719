"""`inv postmortem.*`: write post-mortems from the ledger, and check them."""

from __future__ import annotations

from invoke.collection import Collection
from invoke.exceptions import Exit

from triagebook import load_events as load
from triagebook import write_postmortem
from triagebook.postmortem.check import as_json
from triagebook.postmortem.check import check as run_check
from triagebook.tasks._common import choice, number, project, task, user_errors, warn


@task(help={"id_": "incident id",
            "update": "refresh the generated parts, keeping everything people wrote"})
@user_errors
def new(c, id_, update=False):
    """Write postmortems/ID.md from the incident's ledger."""
    cfg = project()
    warn(cfg, load(cfg.incidents_dir, id_).problems)  # the draft marks them too
    path = write_postmortem(cfg, id_, update=update)
    print(f"{'updated' if update else 'wrote'} {cfg.display(path)}")


@task(help={"max_draft_days": "days a SEV1/SEV2 post-mortem may stay a draft "
                              "(default: policy.postmortem_draft_days)",
            "format_": "text (default) or json"})
@user_errors
def check(c, max_draft_days=0, format_="text"):
    """List SEV1/SEV2 post-mortems missing a root cause or action items, or stale drafts."""
    choice("format", format_, ("text", "json"))
    cfg = project()
    days = int(number("max-draft-days", max_draft_days, whole=True)) \
        or cfg.policy.postmortem_draft_days
    found = run_check(cfg, cfg.today(), days)
    if format_ == "json":
        print(as_json(found))
    else:
        for f in found:
            print(f)
        print(f"postmortem.check: {len(found)} problem{'s' * (len(found) != 1)}")
    if found:
        raise Exit(code=1)


ns = Collection("postmortem")
ns.add_task(new)
ns.add_task(check)

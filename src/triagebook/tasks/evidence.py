"""`inv incident.sync`, `merge`, `bundle`, `verify`, `replay`: moving an incident's
evidence between machines and people, and checking it (added to the incident
collection by tasks/incident.py)."""

from __future__ import annotations

import json
from pathlib import Path

from invoke.exceptions import Exit

from triagebook.incident import ledger
from triagebook.tasks._common import choice, project, task, terminal_safe, user_errors


@task(help={"incident": "only this incident (default: every incident here)",
            "all_": "send every local event again, not only the queued ones; idempotent by "
                    "event id (a wiped or restored store is also found, and refilled, "
                    "without it)"})
@user_errors
def sync(c, incident="", all_=False):
    """Send queued ledger events to the team's store (they queue while it is offline)."""
    from triagebook.incident.sync import sync as run_sync

    cfg = project()
    done = run_sync(cfg, incident, resend=all_)
    for p in done:
        if p.refilled:
            print(p.said())
        if p.sent:
            print(f"{p.incident}: {p.sent} event{'s' * (p.sent != 1)} sent "
                  f"({p.new} new to the store)")
    total = sum(p.sent for p in done)
    print(f"incident.sync: {total} event{'s' * (total != 1)} sent, nothing left queued")


@task(help={
    "id_": "incident id to merge into (created here if absent)",
    "source": "an events.jsonl, an incident folder, or a bundle (.tar.gz); more sources "
              "after -- (inv incident.merge ID A -- B C)",
    "dry_run": "show what would be added; write nothing",
})
@user_errors
@terminal_safe
def merge(c, id_, source, dry_run=False):
    """Merge other responders' ledgers or bundles into this incident, by event id.

    A source holding another incident is refused; each merge is recorded with the
    source's sha256."""
    from triagebook.incident.merge import merge as run_merge

    cfg = project()
    # Invoke takes one value per positional; the rest come after a standalone `--`
    more = getattr(c, "remainder", "").split()
    reports = run_merge(cfg, id_, [s for s in (source, *more) if s], dry_run=dry_run)
    for r in reports:
        print(f"{r.source}: {r.events} event{'s' * (r.events != 1)}, {r.added} new")
    added = sum(r.added for r in reports)
    if dry_run:
        print(f"incident.merge --dry-run: {added} event{'s' * (added != 1)} would be added "
              f"to {id_}; nothing written")
        return
    print(f"incident.merge: {added} event{'s' * (added != 1)} added to {id_}")


@task(iterable=["allow"], help={
    "id_": "incident id",
    "out": "where to write it (default: ./ID.tar.gz; a folder: FOLDER/ID.tar.gz)",
    "allow": "FILE:LINE of a finding that is no credential (as the refusal names it); "
             "repeat for several; recorded in the manifest"})
@user_errors
def bundle(c, id_, out="", allow=None):
    """Write a deterministic, self-checking tar.gz of an incident (refused if a secret survives)."""
    from triagebook.incident.bundle import build

    cfg = project()
    made = build(cfg, ledger.check_id(id_), Path(out) if out else None, tuple(allow or ()))
    print(f"wrote {made.path} ({made.files} files, {made.size} bytes)")
    print(f"sha256 {made.sha256}  (send this with the bundle; inv incident.verify checks it)")


@task(help={"bundle_": "the .tar.gz made by inv incident.bundle",
            "format_": "text (default) or json"})
@user_errors
@terminal_safe
def verify(c, bundle_, format_="text"):
    """Re-hash and re-scan a bundle; name each tampered, missing or extra file."""
    from triagebook.incident.verify import verify as run_verify

    choice("format", format_, ("text", "json"))
    verdict = run_verify(Path(bundle_), bundle_)
    if format_ == "json":
        print(json.dumps(verdict.as_dict(), indent=2))
    else:
        for issue in verdict.issues:
            print(issue)
        state = "intact" if verdict.ok else f"NOT intact ({len(verdict.issues)} problem" \
            f"{'s' * (len(verdict.issues) != 1)})"
        print(f"{bundle_}: {state}: {verdict.incident}, {verdict.files} files, made by "
              f"{verdict.version}; sha256 {verdict.sha256}")
    if not verdict.ok:
        raise Exit(code=1)


@task(help={"target": "an incident id, or a bundle (.tar.gz) made by inv incident.bundle",
            "format_": "text (default) or json"})
@user_errors
@terminal_safe
def replay(c, target, format_="text"):
    """Dry-run walk of what happened, against what the runbook says now; runs nothing."""
    from triagebook.incident.replay import build as build_replay
    from triagebook.incident.replay import from_bundle, from_project
    from triagebook.incident.replay_render import as_dict, as_text

    choice("format", format_, ("text", "json"))
    cfg = project()
    path = Path(target)
    if path.is_file() or target.endswith((".tar.gz", ".tgz")):
        evidence = from_bundle(path, target)
    else:
        evidence = from_project(cfg, ledger.check_id(target))
    rep = build_replay(evidence, cfg)
    print(json.dumps(as_dict(rep), indent=2, ensure_ascii=False) if format_ == "json"
          else as_text(rep), end="\n" if format_ == "json" else "")

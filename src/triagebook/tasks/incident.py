"""`inv incident.*`: read incident ledgers (merged with the team's store) and the incident
commander's entries; the evidence tasks (sync, merge, bundle, verify, replay) are in
tasks/evidence.py and paging in tasks/escalation.py, added to the same collection."""

from __future__ import annotations

import json
import sys
import time

from invoke.collection import Collection

from triagebook import fold, timeline
from triagebook.base.errors import UsageError
from triagebook.base.safetext import neutralise
from triagebook.base.timeutil import local, utc, utc_now
from triagebook.escalation.history import describe, records
from triagebook.incident import ledger, sla
from triagebook.incident.state import MILESTONES
from triagebook.incident.store import configured
from triagebook.incident.team import known_incidents, load_merged
from triagebook.incident.timeline import render_rows, render_timeline
from triagebook.tasks import escalation as paging
from triagebook.tasks import evidence
from triagebook.tasks._common import (
    choice,
    project,
    task,
    terminal_safe,
    user_errors,
    warn,
    warn_ledgers,
)


@task(iterable=["context"], help={
    "format_": "table (default) or json",
    "context": "KEY=VALUE: only incidents whose context (any runbook's values, or an "
               "alert's labels) has it, e.g. correlation_id=7f3c2a10; repeat to narrow"})
@user_errors
@terminal_safe
def list_(c, format_="table", context=None):
    """List incidents, here and in the team's store: severity, status, runbooks, times."""
    from triagebook.incident.search import has_context
    from triagebook.runbook.values import parse_pairs

    choice("format", format_, ("table", "json"))
    wanted = parse_pairs(context or [])
    cfg = project()
    team = configured(cfg)
    rows = []
    bad = []
    for k in known_incidents(cfg):
        st = fold(k.id, k.events)
        if wanted and not has_context(st, wanted):
            continue
        bad.append((k.id, st.problems))
        last = k.last or st.last_event
        row = {"id": k.id, "severity": st.severity, "status": st.status,
               "runbook": ", ".join(st.runbooks),
               "detected": utc(st.detected_at) if st.detected_at else "",
               "last_event": utc(last) if last else ""}
        if team:
            row["where"] = k.where
        rows.append(row)
    rows.sort(key=lambda r: r["detected"], reverse=True)
    warn_ledgers(cfg, bad)
    if format_ == "json":
        print(json.dumps(rows, indent=2))
        return
    if not rows:
        print(f"no incidents in {cfg.display(cfg.incidents_dir)}")
        return
    head = {"id": "ID", "severity": "SEV", "status": "STATUS", "runbook": "RUNBOOK",
            "detected": "DETECTED", "last_event": "LAST EVENT"}
    if team:
        head["where"] = "WHERE"
    widths = {k: max(len(str(r[k])) for r in [head, *rows]) for k in head}
    for r in [head, *rows]:
        print("  ".join(str(r[k]).ljust(widths[k]) for k in head).rstrip())


@task(help={"id_": "incident id"})
@user_errors
@terminal_safe
def show(c, id_):
    """Show an incident: status, milestones (UTC and local), steps done/skipped/pending."""
    from triagebook.escalation.folders import folder_for  # channels load only when used

    cfg = project()
    if folder_for(cfg, id_) == cfg.incidents_dir:
        st = fold(id_, load_merged(cfg, id_))  # the whole team's events
    else:  # a drill: on this machine only
        st = fold(id_, ledger.load(folder_for(cfg, id_), id_))
    warn(cfg, st.problems)
    tz = cfg.policy.timezone
    print(f"{st.id}  {st.severity}  {st.status}  {st.title}")
    print(f"operator: {st.operator}")
    # who worked it; merging someone's ledger in is bookkeeping, not responding
    responders = sorted({e.actor for e in st.events if e.actor and e.actor != st.operator
                         and e.type != "ledger.merged"})
    if responders:
        print(f"also: {', '.join(responders)}")
    if st.detected_at:
        print(f"{'detected':13s} {utc(st.detected_at)}   {local(st.detected_at, tz)}")
    for name in MILESTONES:
        if name in st.milestones:
            when, via = st.milestones[name]
            print(f"{name:13s} {utc(when)}   {local(when, tz)}   via {via}")
        else:
            print(f"{name:13s} -")
    response = sla.measure(st, cfg.policy, utc_now())
    if response is not None:
        print(f"{'response':13s} {sla.describe(response)}")
    if st.customer_visible is not None:
        shown = "customer-visible" if st.customer_visible else "not customer-visible"
        print(f"{'visibility':13s} {shown} (set for this incident)")
    from triagebook.tasks.coordination import show_lines

    for line in show_lines(cfg, st, utc_now()):
        print(line)
    _notes(st)
    escalations = describe(records(st.events))
    if escalations:
        print("\nescalations:")
        for line in escalations:
            print(f"  {line}")
    for rid in st.runbooks:
        steps = st.steps_of(rid)
        counts = {k: sum(s.status == k for s in steps) for k in ("done", "skipped", "pending")}
        print(f"\nrunbook {rid}: {counts['done']} done, {counts['skipped']} skipped, "
              f"{counts['pending']} pending")
        for s in steps:
            extra = f" — {s.reason}" if s.reason else ""
            notes = f" ({len(s.notes)} note{'s' * (len(s.notes) != 1)})" if s.notes else ""
            n = len(s.commands)
            failed = len(s.failed_commands)
            cmds = (f" ({n} command{'s' * (n != 1)}" + (f", {failed} FAILED" if failed else "")
                    + ")") if n else ""
            print(f"  {s.status:7s} {s.number}. {s.title}{extra}{notes}{cmds}")
            for cmd in s.failed_commands:
                print(f"            FAILED: {neutralise(cmd.outcome())}")


def _notes(st) -> None:
    """Notes on the incident itself (not on a step), oldest first, with who wrote them."""
    if st.notes:
        print("\nnotes:")
        for when, who, text in sorted(st.notes):
            by = f" {who}:" if who else ""
            print(f"  {utc(when)}{by} {neutralise(text, newlines=False)}")


@task(help={"id_": "incident id",
            "format_": "text (default: for a terminal), md (a Markdown table), json or csv",
            "follow": "keep printing new rows as responders record them (Ctrl-C stops)",
            "timeout": "with --follow: stop after this many seconds (default: never)",
            "count": "with --follow: stop after this many new rows (default: never)"})
@user_errors
@terminal_safe
def timeline_(c, id_, format_="text", follow=False, timeout=0.0, count=0):
    """Print an incident's timeline (UTC, the responder's local time, who)."""
    choice("format", format_, ("text", "md", "json", "csv"))
    cfg = project()
    if not follow:
        if timeout or count:
            raise UsageError("--timeout and --count go with --follow")
        st = fold(id_, load_merged(cfg, id_))
        warn(cfg, st.problems)
        print(render_timeline(timeline(st), format_, cfg.policy.timezone), end="")
        return
    if format_ == "json":
        raise UsageError("--follow prints text, md or csv rows as they come; --format json "
                         "is for a finished timeline")
    _follow(cfg, id_, format_, float(timeout), int(count))


def _follow(cfg, id_, fmt, timeout, count):
    from triagebook.incident.follow import follow

    tz = cfg.policy.timezone
    deadline = time.monotonic() + timeout if timeout > 0 else None
    shown: set[str] = set()
    new_rows = 0
    try:
        for n, (events, new) in enumerate(follow(cfg, id_, poll_s=0.5 if deadline else 1.0)):
            if new:
                rows = [r for r in timeline(fold(id_, events))
                        if (r.event_id or r.event) not in shown]
                shown.update(r.event_id or r.event for r in rows)
                if n:
                    new_rows += len(rows)
                print(render_rows(rows, fmt, tz, header=n == 0), end="", flush=True)
            if count and new_rows >= count:
                return
            if deadline is not None and time.monotonic() >= deadline:
                return
    except KeyboardInterrupt:
        print(f"stopped following {id_}", file=sys.stderr)


AT_HELP = ("when it happened, if earlier than now: ISO 8601 with offset or "
           "'YYYY-MM-DD HH:MM Zone/Name' (not in the future)")


def _entry(fn, c_args: tuple[str, ...], at: str, **more) -> None:
    from triagebook.base.timeutil import parse_time
    from triagebook.runner.context import operator_name

    entry = fn(project(), *c_args, at=parse_time(at, "--at") if at else None,
               actor=operator_name(), **more)
    print(entry.message)
    if entry.postmortem:
        print(f"post-mortem draft: {entry.postmortem}")


@task(help={"id_": "incident id", "text": "the note", "at": AT_HELP})
@user_errors
def note(c, id_, text, at=""):
    """Add a note to an incident (works while a runner has it open)."""
    from triagebook.incident.commands import note as add_note

    _entry(add_note, (id_, text), at)


@task(help={"id_": "incident id", "at": AT_HELP})
@user_errors
def mitigate(c, id_, at=""):
    """Record that the incident is mitigated (impact stopped; not yet resolved)."""
    from triagebook.incident.commands import milestone

    _entry(milestone, (id_, "mitigated"), at)


@task(help={"id_": "incident id", "at": AT_HELP,
            "force": "resolve although support-access grants are still open (recorded)"})
@user_errors
def resolve(c, id_, at="", force=False):
    """Record that the incident is resolved; SEV1/SEV2 get a post-mortem draft."""
    from triagebook.incident.commands import milestone
    from triagebook.postmortem.hook import on_resolved

    _entry(milestone, (id_, "resolved"), at, force=force, on_resolved=on_resolved(project()))


@task(help={
    "id_": "incident id", "level": "SEV1, SEV2, SEV3 or SEV4 (any case)", "at": AT_HELP})
@user_errors
def severity(c, id_, level, at=""):
    """Change an incident's severity (recorded); raised to a class never paged: pages."""
    from triagebook.escalation.raised import on_severity_raised
    from triagebook.incident.commands import set_severity
    from triagebook.runner.context import operator_name

    _entry(set_severity, (id_, level), at)
    if not at:  # a change entered for the past records; a change now may page
        out = on_severity_raised(project(), id_, actor=operator_name())
        if out is not None:
            d = out.decision
            print(f"routing: {d.action} via {', '.join(d.channels) or '-'} — {d.reason}")


ns = Collection("incident")
ns.add_task(list_, name="list")
ns.add_task(show)
ns.add_task(timeline_, name="timeline")
ns.add_task(paging.escalate)
ns.add_task(paging.ack)
ns.add_task(paging.digest)
for t in (note, mitigate, resolve, severity):
    ns.add_task(t)
for t in (evidence.sync, evidence.merge, evidence.bundle, evidence.verify, evidence.replay):
    ns.add_task(t)

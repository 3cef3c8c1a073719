"""`inv incident.*`: read incident ledgers."""

from __future__ import annotations

import json

from invoke.collection import Collection
from invoke.tasks import task

from triagebook.escalation import sla
from triagebook.escalation.history import describe, records
from triagebook.incident import ledger
from triagebook.incident.state import MILESTONES, fold
from triagebook.incident.timeline import render_timeline, timeline
from triagebook.tasks import paging
from triagebook.tasks._common import choice, project, user_errors
from triagebook.timeutil import local, utc, utc_now


@task(help={"format_": "table (default) or json"})
@user_errors
def list_(c, format_="table"):
    """List incidents: id, severity, status, runbook, detected, last event."""
    choice("format", format_, ("table", "json"))
    cfg = project()
    rows = []
    for iid, events in ledger.iter_all(cfg.incidents_dir):
        st = fold(iid, events)
        rows.append({"id": iid, "severity": st.severity, "status": st.status,
                     "runbook": ", ".join(st.runbooks),
                     "detected": utc(st.detected_at) if st.detected_at else "",
                     "last_event": utc(st.last_event) if st.last_event else ""})
    rows.sort(key=lambda r: r["detected"], reverse=True)
    if format_ == "json":
        print(json.dumps(rows, indent=2))
        return
    if not rows:
        print(f"no incidents in {cfg.display(cfg.incidents_dir)}")
        return
    head = {"id": "ID", "severity": "SEV", "status": "STATUS", "runbook": "RUNBOOK",
            "detected": "DETECTED", "last_event": "LAST EVENT"}
    widths = {k: max(len(str(r[k])) for r in [head, *rows]) for k in head}
    for r in [head, *rows]:
        print("  ".join(str(r[k]).ljust(widths[k]) for k in head).rstrip())


@task(help={"id_": "incident id"})
@user_errors
def show(c, id_):
    """Show an incident: status, milestones (UTC and local), steps done/skipped/pending."""
    from triagebook.escalation.record import folder_for  # channels load only when used

    cfg = project()
    st = fold(id_, ledger.load(folder_for(cfg, id_), id_))
    tz = cfg.policy.timezone
    print(f"{st.id}  {st.severity}  {st.status}  {st.title}")
    print(f"operator: {st.operator}")
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
            cmds = f" ({len(s.commands)} command{'s' * (len(s.commands) != 1)})" \
                if s.commands else ""
            print(f"  {s.status:7s} {s.number}. {s.title}{extra}{notes}{cmds}")


@task(help={"id_": "incident id", "format_": "md (default), json or csv"})
@user_errors
def timeline_(c, id_, format_="md"):
    """Print an incident's timeline (UTC and the responder's local time)."""
    choice("format", format_, ("md", "json", "csv"))
    cfg = project()
    st = fold(id_, ledger.load(cfg.incidents_dir, id_))
    print(render_timeline(timeline(st), format_, cfg.policy.timezone), end="")


ns = Collection("incident")
ns.add_task(list_, name="list")
ns.add_task(show)
ns.add_task(timeline_, name="timeline")
ns.add_task(paging.escalate)
ns.add_task(paging.ack)
ns.add_task(paging.digest)

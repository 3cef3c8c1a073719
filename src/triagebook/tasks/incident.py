"""`inv incident.*`: read incident ledgers."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from invoke.collection import Collection
from invoke.tasks import task

from triagebook.errors import UsageError
from triagebook.incident import ledger
from triagebook.incident.state import MILESTONES, fold, local, render_timeline, timeline, utc
from triagebook.tasks._common import choice, project, user_errors


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
    cfg = project()
    st = fold(id_, ledger.load(cfg.incidents_dir, id_))
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


@task(help={
    "id_": "incident id",
    "class_": "RED, YELLOW or GREEN (default: the runbook's escalation, else from severity "
              "and customer visibility)",
    "diagnosis": "what is wrong, in one line",
    "action": "what was done / what is needed",
    "suggested_fix": "the fix you would try",
    "dry_run": "print the message and the routing decision; send and record nothing",
})
@user_errors
def escalate(c, id_, class_="", diagnosis="", action="", suggested_fix="", dry_run=False):
    """Compose, route and send (or defer) one escalation message for an incident."""
    from triagebook.escalation.service import escalate as run_escalate

    cfg = project()
    out = run_escalate(cfg, id_, class_ or None, diagnosis, action, suggested_fix, dry_run)
    d = out.decision
    print(out.message.text())
    print(f"\nrouting: {d.action}" + (f" via {', '.join(d.channels)}" if d.channels else "")
          + f" — {d.reason}" + (f" (due {ledger.iso(d.due)})" if d.due else ""))
    if out.meta_incident:
        print(f"meta-incident opened: {out.meta_incident}")
    if dry_run:
        print("dry run: nothing sent, nothing recorded")
    for f in out.failures:
        print(f"delivery failed (recorded; inv escalation.tick retries): {f}")


@task(help={
    "id_": "incident id (with --from-reply, the reply must say 'ack ID')",
    "via": "channel the acknowledgement came through (page, chat, email, phone, ...)",
    "text": "what the responder said",
    "from_reply": "a pasted email/chat reply containing 'ack <ID>': a file, or - for stdin",
})
@user_errors
def ack(c, id_, via="", text="", from_reply=""):
    """Record that a human acknowledged the incident (separate from resolving it)."""
    from triagebook.escalation.service import ack as run_ack

    cfg = project()
    reply = None
    if from_reply:
        try:
            reply = sys.stdin.read() if from_reply == "-" else Path(from_reply).read_text(
                encoding="utf-8", errors="replace")
        except OSError as exc:
            raise UsageError(f"--from-reply {from_reply}: cannot read: {exc.strerror}") from None
    iid, new = run_ack(cfg, id_, via, text, reply)
    print(f"{iid} acknowledged via {via or 'reply'}" if new
          else f"{iid} was already acknowledged; nothing recorded")


@task
@user_errors
def digest(c):
    """The daily digest: GREEN items, deferred items, acknowledged-but-unresolved incidents."""
    from triagebook.escalation.service import digest as run_digest

    print(run_digest(project()))


ns = Collection("incident")
ns.add_task(list_, name="list")
ns.add_task(show)
ns.add_task(timeline_, name="timeline")
ns.add_task(escalate)
ns.add_task(ack)
ns.add_task(digest)

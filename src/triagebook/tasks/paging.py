"""`inv incident.escalate`, `incident.ack`, `incident.digest`: paging humans."""

from __future__ import annotations

import sys
from pathlib import Path

from invoke.exceptions import Exit
from invoke.tasks import task

from triagebook.base.errors import UsageError
from triagebook.base.timeutil import iso, parse_time, utc
from triagebook.incident.ledger import iter_all
from triagebook.incident.team import load_merged
from triagebook.tasks._common import project, terminal_safe, user_errors, warn, warn_ledgers


def _routing(out) -> str:
    d = out.decision
    return (f"routing: {d.action}" + (f" via {', '.join(d.channels)}" if d.channels else "")
            + f" — {d.reason}" + (f" (due {iso(d.due)})" if d.due else ""))


@task(help={
    "id_": "incident id",
    "class_": "RED, YELLOW or GREEN (default: the runbook's escalation, else from severity "
              "and customer visibility)",
    "diagnosis": "what is wrong, in one line",
    "action": "what was done / what is needed",
    "suggested_fix": "the fix you would try",
    "dry_run": "print the message and the routing decision; send and record nothing",
    "at": "with --dry-run: decide as at TIME ('2026-03-29 02:30 Europe/Stockholm' or ISO "
          "8601 with offset); DST gaps and folds are explained",
    "customer_visible": "treat this incident as customer-visible (overrides the runbook; "
                        "recorded unless --dry-run)",
    "not_customer_visible": "treat this incident as not customer-visible (overrides the "
                            "runbook; recorded unless --dry-run)",
    "force": "page even though the runbook's required context is missing (recorded)",
    "shadow_policy": "also decide with this policy file (a copy of invoke.yaml with changes) "
                     "and record what it would do; it sends nothing",
})
@user_errors
@terminal_safe
def escalate(c, id_, class_="", diagnosis="", action="", suggested_fix="", dry_run=False,
             at="", customer_visible=False, not_customer_visible=False, force=False,
             shadow_policy=""):
    """Compose, route and send (or defer) one escalation message for an incident."""
    from triagebook.base.timeutil import utc_now
    from triagebook.escalation.quiet import wall_time_note
    from triagebook.escalation.service import escalate as run_escalate

    if customer_visible and not_customer_visible:
        raise UsageError("--customer-visible and --not-customer-visible: give one of them")
    if at and not dry_run:
        raise UsageError(f"--at {at!r}: simulates a decision; use it with --dry-run")
    visible = True if customer_visible else False if not_customer_visible else None
    clock = utc_now
    if at:
        when = parse_time(at, "--at")
        note = wall_time_note(when)
        print(f"simulated at {utc(when)}" + (f" — {note}" if note else ""))
        clock = lambda: when  # noqa: E731
    cfg = project()
    warn(cfg, load_merged(cfg, id_).problems)  # bad ledger lines: skipped, and said so
    out = run_escalate(cfg, id_, class_ or None, diagnosis, action, suggested_fix, dry_run,
                       clock=clock, force=force, customer_visible=visible,
                       shadow_policy=Path(shadow_policy) if shadow_policy else None)
    muted = out.decision.action == "mute" and not dry_run
    if muted:  # the reason first: a tired eye reads the top line
        print(f"incident.escalate: NOT SENT — {out.decision.reason}")
    print(out.message.text())
    print("\n" + _routing(out))
    if out.shadow is not None:
        s = out.shadow
        print(f"shadow policy: would {s.action}"
              + (f" via {', '.join(s.channels)}" if s.channels else "") + f" — {s.reason}")
    if out.missing:
        said = ("paged with --force" if not dry_run else "would page with --force" if force
                else "would be refused without --force")
        print(f"{said}: missing required context {', '.join(out.missing)}")
    if out.meta_incident:
        print(f"meta-incident: {out.meta_incident}")
    if out.meta is not None:
        print(f"meta-incident {out.meta.incident} paged: {_routing(out.meta)[9:]}")
    if dry_run:
        print("dry run: nothing sent, nothing recorded")
    for f in out.failures:
        print(f"delivery failed (recorded; inv escalation.tick retries): {f}")
    if muted:
        raise Exit(code=1)


@task(help={
    "id_": "incident id (with --from-reply, the reply must start with 'ack ID'); a drill's "
           "DRILL-… id times the drill's round trip",
    "via": "channel the acknowledgement came through (page, chat, email, phone, ...)",
    "text": "what the responder said",
    "from_reply": "a pasted email/chat reply whose first words are 'ack <ID>': a file, or - "
                  "for stdin",
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
    if not iid.startswith("DRILL-"):
        warn(cfg, load_merged(cfg, iid).problems)
    print(f"{iid} acknowledged via {via or 'reply'}" if new
          else f"{iid} was already acknowledged; nothing recorded")


@task(help={"send": "also deliver it through the channels (default: GREEN's channels)",
            "via": "with --send: comma-separated channel names instead"})
@user_errors
@terminal_safe
def digest(c, send=False, via=""):
    """The daily digest: GREEN, deferred, failed deliveries, response times, unresolved."""
    from triagebook.escalation.digest import digest as run_digest
    from triagebook.escalation.digest import send_digest

    cfg = project()
    text = run_digest(cfg)
    print(text)
    warn_ledgers(cfg, ((iid, evs.problems) for iid, evs in iter_all(cfg.incidents_dir)))
    if not send:
        return
    chans = tuple(v.strip() for v in via.split(",") if v.strip())
    results = send_digest(cfg, text, chans)
    for r in results:
        print(f"digest via {r.channel}: " + ("shadow channel, not delivered" if r.shadow
                                             else "delivered" if r.ok else f"FAILED: {r.error}"))
    failed = [r for r in results if not r.ok]
    if failed:
        raise Exit(f"digest: {len(failed)} of {len(results)} channels failed", code=1)

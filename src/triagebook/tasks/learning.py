"""`inv actions.list`, `inv runbook.stats`, `inv incident.stats`: what incidents teach."""

from __future__ import annotations

import json

from invoke.collection import Collection

from triagebook.base.timeutil import utc_now
from triagebook.learning.health import flagged, review_overdue
from triagebook.learning.period import since as parse_since
from triagebook.learning.quantiles import minutes
from triagebook.learning.response import BY, MEASURES
from triagebook.tasks._common import choice, project, task, user_errors


def say(line: str) -> None:
    """One line of ledger or post-mortem text to the terminal, escape sequences written out."""
    from triagebook.base.safetext import neutralise

    print(neutralise(line))


def gather(*args, **kwargs):  # the statistics' imports load on use, not at `inv` start-up
    from triagebook.learning.report import gather as run

    return run(*args, **kwargs)


def health_line(rh) -> str:
    from triagebook.site.health import health_line as line

    return line(rh)

FORMATS = ("text", "json")


@task(help={
    "open_": "only items not ticked yet",
    "overdue": "only open items past their due date",
    "owner": "only this owner's items (with or without the @)",
    "format_": "text (default) or json",
})
@user_errors
def list_(c, open_=False, overdue=False, owner="", format_="text"):
    """List post-mortem action items: what, owner, due, open or done, overdue."""
    from triagebook.postmortem.actions import read_all

    choice("format", format_, FORMATS)
    cfg = project()
    today = cfg.today()
    who = owner.lstrip("@").lower()
    found = [a for a in read_all(cfg.postmortems_dir, cfg.display)
             if (not open_ or not a.done) and (not overdue or a.overdue(today))
             and (not who or a.owner.lower() == who)]
    if format_ == "json":
        print(json.dumps([a.as_dict(today) for a in found], indent=2, ensure_ascii=False))
        return
    for a in found:
        state = "done" if a.done else ("OVERDUE" if a.overdue(today) else "open")
        due = a.due.isoformat() if a.due else "no due date"
        say(f"{state:<7}  {due:<11}  @{a.owner or '?':<12}  {a.incident}  {a.what}  "
              f"({a.path}:{a.line})")
    n_open = sum(not a.done for a in found)
    n_late = sum(a.overdue(today) for a in found)
    say(f"{len(found)} action item{'s' * (len(found) != 1)}: {n_open} open, "
          f"{n_late} overdue")


@task(help={
    "since": "only incidents detected since: 90d, 12w, 36h or a date (default: all)",
    "format_": "text (default) or json",
    "files": "read the local ledgers even when a team store is configured",
})
@user_errors
def runbook_stats(c, since="", format_="text", files=False):
    """Runbook health: per runbook and step, used / done / skipped (top reasons), commands
    failed, destructive blocks forced, median time on step, last used; flags runbooks
    never used and not reviewed within the review window."""
    choice("format", format_, FORMATS)
    cfg = project()
    now = utc_now()
    learning = gather(cfg, now, parse_since(since, now), use_store=not files)
    from triagebook import load_catalog

    cat = load_catalog(cfg)
    window, today = cfg.policy.review_window_days, cfg.today()
    ids = sorted(set(cat.runbooks) | set(learning.health.runbooks))
    out = []
    for rid in ids:
        rh = learning.health.of(rid)
        rb = cat.runbooks.get(rid)
        out.append({
            "id": rid, "used": rh.used,
            "last_used": rh.last_used.isoformat() if rh.last_used else None,
            "flagged": bool(rb and flagged(rb, learning.health, today, window)),
            "in_catalog": rb is not None,
            "steps": [{"step": s.number, "title": s.title, "used": s.used, "done": s.done,
                       "skipped": s.skipped, "top_skip_reasons": s.top_reasons(),
                       "commands_failed": s.commands_failed, "forced": s.forced,
                       "median_seconds": s.time.median}
                      for s in (rh.steps[n] for n in sorted(rh.steps))]})
    if format_ == "json":
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return
    for row, rid in zip(out, ids, strict=True):
        rh = learning.health.of(rid)
        mark = "  ⚑ never used, review overdue" if row["flagged"] else ""
        gone = "  (no longer in the catalog)" if not row["in_catalog"] else ""
        say(f"{rid}: {health_line(rh)}{mark}{gone}")
        for s in (rh.steps[n] for n in sorted(rh.steps)):
            reasons = "; ".join(f"{r} ×{n}" for r, n in s.top_reasons())
            say(f"  {s.number:>2}. {s.title[:48]:<48} reached {s.used}, done {s.done}, "
                  f"skipped {s.skipped}, failed cmds {s.commands_failed}, forced {s.forced}, "
                  f"median {minutes(s.time.median)}" + (f" — skipped: {reasons}" if reasons
                                                        else ""))
    n_flag = sum(bool(r["flagged"]) for r in out)
    say(f"{learning.health.incidents} incidents, {len(out)} runbooks, {n_flag} flagged")


@task(help={
    "since": "only incidents detected since: 90d, 12w, 36h or a date (default: all)",
    "by": "group by severity (default), route or runbook",
    "format_": "text (default) or json",
    "files": "read the local ledgers even when a team store is configured",
})
@user_errors
def incident_stats(c, since="", by="severity", format_="text", files=False):
    """Response metrics: counts, time to acknowledge / mitigate / resolve (median, p90),
    response-target hit rate, pages sent / muted / capped, drill delivery latency."""
    choice("format", format_, FORMATS)
    choice("by", by, BY)
    cfg = project()
    now = utc_now()
    learning = gather(cfg, now, parse_since(since, now), by, use_store=not files)
    groups = [*sorted(learning.response.groups.values(), key=lambda g: g.key),
              learning.response.total]
    drills = _drills(cfg)
    if format_ == "json":
        print(json.dumps({"by": by, "groups": [{
            "key": g.key, "incidents": g.incidents,
            **{f"{m}_median_s": g.times[m].median for m in MEASURES},
            **{f"{m}_p90_s": g.times[m].p90 for m in MEASURES},
            "target_met": g.met, "target_missed": g.missed, "hit_rate": g.hit_rate,
            "pages_sent": g.pages_sent, "pages_muted": g.pages_muted,
            "pages_capped": g.pages_capped} for g in groups],
            "drills": drills}, indent=2))
        return
    say(f"{by.upper():<14} {'N':>4}  {'TTA med/p90':<17} {'TTM med/p90':<17} "
          f"{'TTR med/p90':<17} {'TARGET':<8} PAGES sent/muted/capped")
    for g in groups:
        t = g.times
        cells = [f"{minutes(t[m].median)}/{minutes(t[m].p90)}" for m in MEASURES]
        hit = "–" if g.hit_rate is None else f"{g.hit_rate * 100:.0f} %"
        say(f"{g.key[:14]:<14} {g.incidents:>4}  {cells[0]:<17} {cells[1]:<17} "
              f"{cells[2]:<17} {hit:<8} {g.pages_sent}/{g.pages_muted}/{g.pages_capped}")
    for d in drills:
        say(f"drills via {d['channel']}: {d['drills']} drills, delivery median "
              f"{d['median_s']} s, p90 {d['p90_s']} s")


def _drills(cfg) -> list[dict[str, object]]:
    """Per channel: drill count and delivery latency (escalation.report's figures)."""
    from triagebook.escalation.report import build, percentile

    rep = build(cfg, days=3650)
    return [{"channel": ch.channel, "drills": ch.drills,
             "median_s": percentile(ch.latencies, 50), "p90_s": percentile(ch.latencies, 90)}
            for ch in sorted(rep.channels.values(), key=lambda c: c.channel)]


actions = Collection("actions")
actions.add_task(list_, name="list")


def stale_list(cat, books, format_: str) -> None:
    """`inv runbook.list --stale`: review overdue; never used by an incident first."""
    cfg = cat.config
    window, today = cfg.policy.review_window_days, cfg.today()
    health = gather(cfg, utc_now()).health
    due = [rb for rb in books if review_overdue(rb, today, window)]
    due.sort(key=lambda rb: (health.of(rb.id).used > 0, rb.last_reviewed or today, rb.id))
    if format_ == "json":
        print(json.dumps([{
            "id": rb.id, "owner": rb.owner, "route": rb.route,
            "last_reviewed": rb.last_reviewed.isoformat() if rb.last_reviewed else None,
            "used": health.of(rb.id).used,
            "last_used": (lu.isoformat() if (lu := health.of(rb.id).last_used) else None),
        } for rb in due], indent=2))
        return
    for rb in due:
        reviewed = rb.last_reviewed.isoformat() if rb.last_reviewed else "never"
        say(f"{rb.id}  reviewed {reviewed}  owner {rb.owner or '?'}  "
              f"{health_line(health.of(rb.id))}")
    say(f"{len(due)} runbook{'s' * (len(due) != 1)} past the {window}-day review window")

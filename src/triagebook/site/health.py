"""The site's Health section: response metrics by month, overdue follow-ups by owner and
each used runbook's step funnel — static SVG charts, each with its numbers in a table."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from triagebook.learning.health import RunbookHealth
from triagebook.learning.quantiles import minutes
from triagebook.learning.report import Learning
from triagebook.runbook.catalog import Catalog
from triagebook.site.charts import bars, lines
from triagebook.site.markup import Page, index_meta, md_escape


def _figure(svg: str) -> str:
    # one line: Python-Markdown keeps a block-level <figure> as raw HTML
    return f'<figure class="tb-figure">{svg}</figure>\n'


def _table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(rows_cell for rows_cell in row) + " |" for row in rows]
    return "\n".join(out) + "\n"


def _percent(v: float | None) -> str:
    return "–" if v is None else f"{v * 100:.0f} %"


def _response(learning: Learning) -> str:
    rows = []
    groups = sorted(learning.response.groups.values(), key=lambda g: g.key)
    for g in [*groups, learning.response.total]:
        t = g.times
        rows.append((md_escape(g.key), str(g.incidents),
                     minutes(t["acknowledged"].median), minutes(t["acknowledged"].p90),
                     minutes(t["mitigated"].median), minutes(t["resolved"].median),
                     minutes(t["resolved"].p90), _percent(g.hit_rate),
                     str(g.pages_sent), str(g.pages_muted), str(g.pages_capped)))
    head = ("Severity", "Incidents", "TTA median", "TTA p90", "TTM median", "TTR median",
            "TTR p90", "Target met", "Pages sent", "Muted", "Capped")
    return _table(head, rows)


def _monthly(learning: Learning, measure: str, title: str) -> str:
    m = learning.monthly
    months, sevs = m.months(), m.severities()
    if not months:
        return "_No incident in the period._\n"
    series = []
    for sev in sevs:
        vals = [m.median(measure, month, sev) for month in months]
        series.append((sev, [None if v is None else v / 60 for v in vals]))
    svg = lines(title, months, series, "min")
    rows = [(month, *(minutes(m.median(measure, month, sev)) for sev in sevs))
            for month in months]
    return _figure(svg) + "\n" + _table(("Month", *(md_escape(s) for s in sevs)), rows)


def _overdue(learning: Learning, today: date) -> str:
    owners = learning.overdue_by_owner(today)
    if not owners:
        return "_No overdue follow-up._\n"
    svg = bars("Overdue follow-ups by owner", [(o, [n]) for o, n in owners], ["overdue"])
    return _figure(svg) + "\n" + _table(("Owner", "Overdue"),
                                        [(md_escape(o), str(n)) for o, n in owners])


def _funnel(rh: RunbookHealth) -> str:
    steps = [rh.steps[n] for n in sorted(rh.steps)]
    if not steps:
        return "_No step finished yet._\n"
    svg = bars(f"Steps of {rh.id}", [(f"{s.number}. {s.title}", [s.used, s.done, s.skipped])
                                     for s in steps], ["reached", "done", "skipped"])
    rows = [(str(s.number), md_escape(s.title), str(s.used), str(s.done), str(s.skipped),
             md_escape(", ".join(f"{r} ×{n}" for r, n in s.top_reasons()) or "–"),
             str(s.commands_failed), str(s.forced), minutes(s.time.median)) for s in steps]
    head = ("Step", "Title", "Reached", "Done", "Skipped", "Top skip reasons",
            "Commands failed", "Forced", "Median time")
    return _figure(svg) + "\n" + _table(head, rows)


def health_line(rh: RunbookHealth) -> str:
    """One line for a runbook's header panel."""
    if not rh.used:
        return "not used by any incident on record"
    last = rh.last_used.strftime("%Y-%m-%d") if rh.last_used else "?"
    line = f"used {rh.used} time{'s' * (rh.used != 1)}, last {last}"
    worst = rh.most_skipped
    if worst is not None:
        line += f"; most skipped: step {worst.number} ({worst.title}) ×{worst.skipped}"
    return line


def health_pages(cat: Catalog, learning: Learning, today: date) -> list[Page]:
    used = sorted((rh for rh in learning.health.runbooks.values() if rh.used),
                  key=lambda rh: (-rh.used, rh.id))
    index = (f"# Health\n\nFrom {learning.health.incidents} incident"
             f"{'s' * (learning.health.incidents != 1)} on record and "
             f"{len(learning.actions)} post-mortem action items, as of {today.isoformat()}. "
             "Times run from detection (TTA: acknowledged, TTM: mitigated, TTR: resolved). "
             "Each runbook's step funnel is under [Runbook health](runbooks.md); "
             "`inv incident.stats`, `inv runbook.stats` and `inv actions.list` print the "
             "same figures.\n\n## Response by severity\n\n" + _response(learning)
             + "\n## Time to acknowledge by month (median)\n\n"
             + _monthly(learning, "acknowledged", "Time to acknowledge by month, median")
             + "\n## Time to resolve by month (median)\n\n"
             + _monthly(learning, "resolved", "Time to resolve by month, median")
             + "\n## Overdue follow-ups by owner\n\n" + _overdue(learning, today))
    parts = ["# Runbook health\n\nEvery runbook an incident used, most used first: how far "
             "responders got through its steps, what they skipped and why, which commands "
             "failed.\n"]
    for rh in used:
        rb = cat.runbooks.get(rh.id)
        title = f"[{md_escape(rb.title)}](../runbooks/{rb.id}.md)" if rb else md_escape(rh.id)
        parts.append(f"\n## {title}\n\n{md_escape(health_line(rh))}.\n\n{_funnel(rh)}")
    if not used:
        parts.append("\n_No incident has used a runbook yet._\n")
    return [Page("health/index.md", "Health", index, index_meta("Health")),
            Page("health/runbooks.md", "Runbook health", "".join(parts),
                 index_meta("Runbook health"))]

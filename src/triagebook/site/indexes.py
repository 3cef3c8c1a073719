"""The generated index pages: every runbook, the failure-class routing table, groupings
by severity, service, route and tag, the policy, and the front-matter reference."""

from __future__ import annotations

from datetime import date

from triagebook.config import Policy
from triagebook.runbook.catalog import Catalog
from triagebook.runbook.model import Runbook
from triagebook.site.markup import (
    TABLE_MARK,
    Code,
    Page,
    Table,
    code,
    index_meta,
    md_escape,
    page_link,
    stale,
    table,
)
from triagebook.site.reference import config_page, fields_page


def all_runbooks(cat: Catalog, today: date, broken: list[str] | None = None) -> Page:
    window = cat.config.policy.review_window_days
    rows = tuple((rb.severity, page_link(rb), tuple(Code(c) for c in rb.failure_classes),
                  rb.route, rb.owner or "", ", ".join(rb.services),
                  (rb.last_reviewed.isoformat() if rb.last_reviewed else "never")
                  + (" ⚠ stale" if stale(rb, today, window) else ""))
                 for rb in cat.sorted())
    warn = ""
    if broken:
        # only `inv site.serve` gets this far with lint errors; a build stops at them
        files = ", ".join(code(p) for p in broken)
        warn = (f'!!! failure "Lint errors"\n\n    {len(broken)} runbook '
                f"file{'s' * (len(broken) != 1)} with errors: {files}. Their pages list the "
                f"problems; `inv runbook.lint` prints them.\n\n")
    md = (f"# All runbooks\n\n{warn}{len(rows)} runbooks. Search (top of the page) finds a "
          f"runbook by failure class, pasted error line, service or words; the "
          f"[routing table](../routing.md) maps every failure class to its runbook and "
          f"route.\n\n{TABLE_MARK.format(0)}\n")
    head = ("Severity", "Title", "Failure classes", "Route", "Owner", "Services",
            "Last reviewed")
    return Page("runbooks/index.md", "All runbooks", md,
                index_meta("All runbooks", "tb-table-runbooks"), (Table(head, rows),))


def routing(cat: Catalog) -> Page:
    rows = tuple((Code(c), page_link(rb), rb.route, rb.owner or "", rb.severity)
                 for c, rb in cat.classes())
    md = ("# Failure-class routing\n\nFind the code your CLI, API or alert printed: the "
          "runbook to follow, the route that is paged and the team that owns it. Globs "
          "(`*`) match any code with that prefix; an exact code wins over a glob.\n\n"
          f"{TABLE_MARK.format(0)}\n")
    head = ("Failure class", "Runbook", "Route", "Owner", "Severity")
    return Page("routing.md", "Failure-class routing", md,
                index_meta("Failure-class routing", "tb-table-routing"), (Table(head, rows),))


def _groups(path: str, title: str, intro: str, groups: list[tuple[str, str, list[Runbook]]],
            with_trigger: bool) -> Page:
    parts = [f"# {title}\n\n{intro}\n"]
    tables: list[Table] = []
    head = ("Severity", "Runbook", "Trigger") if with_trigger else ("Severity", "Runbook")
    for key, note, books in groups:
        parts.append(f"## {md_escape(key)}\n\n{note}{TABLE_MARK.format(len(tables))}\n")
        tables.append(Table(head, tuple(
            (rb.severity, page_link(rb), rb.trigger)[:len(head)] for rb in books)))
    if not groups:
        parts.append("Nothing yet.\n")
    return Page(path, title, "\n".join(parts), index_meta(title), tuple(tables))


def grouped(cat: Catalog, attr: str, path: str, title: str, intro: str) -> Page:
    groups = [(key, "", books) for key, books in cat.index(attr).items()]
    return _groups(path, title, intro, groups, with_trigger=True)


def by_route(cat: Catalog) -> Page:
    groups = []
    for route, books in cat.index("route").items():
        owners = sorted({rb.owner for rb in books if rb.owner})
        groups.append((route, f"Owner: {md_escape(', '.join(owners) or 'not set')}\n\n",
                       books))
    return _groups("by-route.md", "By route and owner", "Who is paged (route) and who "
                   "maintains the runbook (owner).", groups, with_trigger=False)


def policy_page(policy: Policy) -> Page:
    sev = table(["Severity", "Meaning", "Response time", "Post-mortem", "Examples"],
                 [[s.name, md_escape(s.meaning), md_escape(s.response),
                   "required" if s.postmortem else "optional", md_escape(s.example) or "–"]
                  for s in policy.severities])
    cls = table(["Class", "Meaning", "Channels"],
                 [[c.name, c.meaning, ", ".join(c.channels)] for c in policy.classes])
    follow = ", ".join(f"{k} {v} min" for k, v in policy.followup_minutes.items())
    md = f"""# Severity and escalation policy

Read from the project configuration (`triagebook.policy` in `invoke.yaml`); the runner
and escalation use the same values.

## Severities

{sev}
## Escalation classes

{cls}
- **Quiet hours**: {policy.quiet_start:%H:%M}–{policy.quiet_end:%H:%M} in the responder's time
  zone ({policy.timezone}). RED and customer-visible YELLOW route as usual; other YELLOW
  waits until the quiet window ends.
- **Promotion**: an unacknowledged YELLOW goes to the loud channel after
  {policy.yellow_promote_minutes} minutes.
- **Follow-up after acknowledgement**: {follow} — then a note in the ledger, never a
  re-page.
- **Cap**: at most {policy.cap_per_24h} escalations per incident in a rolling 24 hours; the
  next one is muted and opens a meta-incident.
- **Runbook review window**: {policy.review_window_days} days; older runbooks show a stale
  warning.
"""
    return Page("policy.md", "Severity and escalation policy", md,
                {"title": "Severity and escalation policy", "hide": ["toc"]})


NAV = [
    ("All runbooks", "runbooks/index.md"),
    ("Failure-class routing", "routing.md"),
    ("By severity", "by-severity.md"),
    ("By service", "by-service.md"),
    ("By route and owner", "by-route.md"),
    ("Tags", "tags.md"),
    ("Severity and escalation policy", "policy.md"),
    ("Post-mortems", "postmortems/index.md"),
    ("Health", "health/index.md"),
    ("Runbook health", "health/runbooks.md"),
    ("Runbook front-matter", "reference/front-matter.md"),
    ("Configuration reference", "reference/configuration.md"),
]


def home_page() -> Page:
    """The front page of a site that has none of its own (the embedded default)."""
    md = """# Runbooks

Something failed and you are on call. Start here.

1. **Find the runbook.** Paste the error code, the log line or the JSON error body into
   **Search**; or look the code up in the [failure-class routing table](routing.md).
2. **Check urgency and ownership** in the panel at the top of the runbook.
3. **Fill in the incident's values** in the panel's form: every command and query on the
   page fills in, and the page's address keeps the values to hand over.

All runbooks: [table](runbooks/index.md) · [by severity](by-severity.md) ·
[by service](by-service.md) · [by route and owner](by-route.md) ·
[severity and escalation policy](policy.md).
"""
    return Page("index.md", "Runbooks", md, {"title": "Runbooks", "hide": ["toc"]})


def index_pages(cat: Catalog, today: date, broken: list[str] | None = None) -> list[Page]:
    return [
        all_runbooks(cat, today, broken),
        routing(cat),
        grouped(cat, "severity", "by-severity.md", "By severity",
                "Most urgent first. Response times are in the [policy](policy.md)."),
        grouped(cat, "services", "by-service.md", "By service",
                "Every service a runbook touches."),
        by_route(cat),
        grouped(cat, "tags", "tags.md", "Tags", "Free keywords from the runbooks."),
        policy_page(cat.config.policy),
        fields_page(),
        config_page(),
    ]

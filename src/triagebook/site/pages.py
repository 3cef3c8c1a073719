"""The site's pages, generated from the catalog and the policy — no mkdocs here.

Each page is Markdown plus a meta mapping (front-matter).  The mkdocs plugin
adds them to a build; `inv site.export DIR` writes them as files for any other
generator.  Runbook pages are flat (`runbooks/<id>.md`) so a runbook links to
another as `other-id.md` from any folder.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from triagebook.config import SETTINGS, Policy
from triagebook.options.base import Option, Schema
from triagebook.runbook.catalog import Catalog
from triagebook.runbook.model import BUILTINS, Runbook
from triagebook.runbook.schema import CONTEXT, FRONT_MATTER
from triagebook.runbook.templates import analyse

BUILTIN_HELP = {
    "incident_id": "incident id, filled by the runner",
    "severity": "the incident's current severity, filled by the runner",
    "detected_at": "when the incident was detected (UTC), filled by the runner",
    "now": "the current time (UTC), filled by the runner",
    "operator": "who runs the runbook, filled by the runner",
    "runbook_id": "this runbook's id, filled by the runner",
}
RAW_OPEN, RAW_CLOSE = "{% raw %}", "{% endraw %}"
SENTINEL = "TBPH{}X"


@dataclass(frozen=True, slots=True)
class Page:
    path: str  # relative to docs_dir, e.g. runbooks/token-failure.md
    title: str
    markdown: str
    meta: dict[str, Any] = field(default_factory=dict)

    def text(self) -> str:
        """Markdown with front-matter (JSON is valid YAML and far faster to write)."""
        return f"---\n{json.dumps(self.meta, ensure_ascii=False)}\n---\n\n{self.markdown}"


def md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("*", "\\*").replace("_", "\\_").replace("<", "&lt;")


def code(text: str) -> str:
    return f"`{text}`"


def link(rb: Runbook, prefix: str = "runbooks/") -> str:
    return f"[{md_escape(rb.title)}]({prefix}{rb.id}.md)"


def stale(rb: Runbook, today: date, window: int) -> bool:
    return rb.last_reviewed is None or (today - rb.last_reviewed).days > window


def mark_placeholders(text: str, rb: Runbook) -> tuple[str, list[list[str]]]:
    """Replace each `{{ expr }}` outside raw blocks with a sentinel word.

    Sentinels survive syntax highlighting as single words; the plugin swaps them
    for a marked span with the variable's description.  Raw markers are dropped.
    """
    out: list[str] = []
    marks: list[list[str]] = []
    pos = 0
    while pos < len(text):
        raw = text.find(RAW_OPEN, pos)
        start = text.find("{{", pos)
        if raw >= 0 and (start < 0 or raw < start):
            out.append(text[pos:raw])
            end = text.find(RAW_CLOSE, raw)
            end = len(text) if end < 0 else end
            out.append(text[raw + len(RAW_OPEN):end])
            pos = end + len(RAW_CLOSE)
            continue
        if start < 0:
            out.append(text[pos:])
            break
        end = text.find("}}", start)
        if end < 0:
            out.append(text[pos:])
            break
        expr = text[start:end + 2]
        names = analyse(expr).names
        name = names[0][0] if names else ""
        var = rb.var(name)
        desc = var.description if var else BUILTIN_HELP.get(name, "")
        out.append(text[pos:start] + SENTINEL.format(len(marks)))
        marks.append([expr, name, desc])
        pos = end + 2
    return "".join(out), marks


def placeholder_html(mark: list[str]) -> str:
    expr, name, desc = mark
    tip = f"{name}: {desc}" if desc else name
    return (f'<span class="tb-ph" title="{html.escape(tip, quote=True)}">'
            f"{html.escape(expr)}</span>")


def fence_words(lines: list[str], rb: Runbook) -> list[str]:
    """```sh norun / ```sh destructive → ```{ .sh } for superfences, which reads a fence
    with bare words after the language as inline text; a destructive block gets the
    `tb-destructive` class and a label (triagebook.css shows it above the block)."""
    out = list(lines)
    for block in (b for step in rb.steps for b in step.code):
        words = block.info.split()
        if len(words) < 2 or not set(words[1:]) <= {"norun", "destructive"}:
            continue
        opener = out[block.line - 1]
        body = opener.lstrip()
        indent = opener[:len(opener) - len(body)]
        marker = body[:len(body) - len(body.lstrip(body[:1]))]
        extra = (' .tb-destructive data-tb-label="destructive: the runner asks for evidence '
                 'first"') if block.destructive else ""
        out[block.line - 1] = f"{indent}{marker}{{ .{words[0]}{extra} }}"
    return out


@dataclass(frozen=True, slots=True)
class PostmortemDoc:
    id: str
    meta: dict[str, Any]
    body: str


def read_postmortems(folder: Path) -> list[PostmortemDoc]:
    """Post-mortems under `postmortems/`; unreadable front-matter still publishes the body."""
    from triagebook.runbook.frontmatter import split_front_matter

    out: list[PostmortemDoc] = []
    if not folder.is_dir():
        return out
    for path in sorted(folder.glob("*.md")):
        if path.name == "index.md":
            continue
        meta, body = split_front_matter(path.read_text(encoding="utf-8", errors="replace"))
        out.append(PostmortemDoc(path.stem, dict(meta or {}), body))
    return out


def postmortem_pages(docs: list[PostmortemDoc]) -> list[Page]:
    pages = []
    rows = []
    for d in sorted(docs, key=lambda d: str(d.meta.get("detected", "")), reverse=True):
        title = str(d.meta.get("title") or d.id)
        pages.append(Page(f"postmortems/{d.id}.md", f"Post-mortem: {title}",
                          d.body.lstrip("\n"), {"title": f"Post-mortem: {title}"}))
        rows.append([md_escape(str(d.meta.get("detected", ""))[:10]),
                     f"[{md_escape(d.id)}]({d.id}.md)", md_escape(title),
                     md_escape(str(d.meta.get("severity", ""))),
                     md_escape(str(d.meta.get("duration") or "unresolved")),
                     md_escape(str(d.meta.get("status", "")))])
    md = ("# Post-mortems\n\nWritten from the incident ledgers (`inv postmortem.new ID`).\n\n"
          + (_table(["Date", "Incident", "Title", "Severity", "Duration", "Status"], rows)
             if rows else "None yet.\n"))
    pages.append(Page("postmortems/index.md", "Post-mortems", md, _index_meta("Post-mortems")))
    return pages


def runbook_page(rb: Runbook, source: str, cat: Catalog, today: date,
                 postmortems: list[PostmortemDoc] | None = None) -> Page:
    policy = cat.config.policy
    lines = fence_words(source.split("\n"), rb)
    body_from = rb.lines.get("__body__", 1) - 1
    body = "\n".join(lines[body_from:]).strip("\n")
    if "__h1__" not in rb.lines:
        body = f"# {md_escape(rb.title)}\n\n{body}"
    body, marks = mark_placeholders(body, rb)
    sev = policy.severity(rb.severity)
    window = policy.review_window_days
    related = [{"id": r, "title": cat.runbooks[r].title if r in cat.runbooks else r}
               for r in rb.related]
    panel = {
        "id": rb.id, "severity": rb.severity, "response": sev.response,
        "postmortem": sev.postmortem, "failure_classes": list(rb.failure_classes),
        "route": rb.route, "trigger": rb.trigger, "services": list(rb.services),
        "escalation": rb.escalation, "customer_visible": rb.customer_visible,
        "owner": rb.owner, "tags": list(rb.tags),
        "last_reviewed": rb.last_reviewed.isoformat() if rb.last_reviewed else None,
        "stale": stale(rb, today, window), "review_window_days": window,
        "related": related, "command": f"inv runbook.run {rb.id}",
        "context": [{"name": v.name, "description": v.description, "required": v.required,
                     "secret": v.secret} for v in rb.context],
        "placeholders": marks, "source": rb.path,
        "postmortems": [{"id": d.id, "title": str(d.meta.get("title") or d.id)}
                        for d in postmortems or () if rb.id in (d.meta.get("runbooks") or ())],
    }
    meta = {
        "title": rb.title,
        "description": rb.trigger,
        # Material's search boosts page tags 10^6: an exact failure class or service name
        # finds its runbook before any table that merely mentions it.
        "tags": sorted({*rb.failure_classes, *rb.services, *rb.tags, rb.route}),
        "triagebook": panel,
    }
    return Page(f"runbooks/{rb.id}.md", rb.title, body + "\n", meta)


def _table(head: list[str], rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out) + "\n"


def _index_meta(title: str) -> dict[str, Any]:
    # Tables repeat every class and service; kept out of search so results point at runbooks.
    return {"title": title, "search": {"exclude": True}, "hide": ["toc"]}


def all_runbooks(cat: Catalog, today: date) -> Page:
    window = cat.config.policy.review_window_days
    rows = [[rb.severity, link(rb, ""), ", ".join(code(c) for c in rb.failure_classes),
             md_escape(rb.route), ", ".join(md_escape(s) for s in rb.services),
             (rb.last_reviewed.isoformat() if rb.last_reviewed else "never")
             + (" ⚠ stale" if stale(rb, today, window) else "")]
            for rb in cat.sorted()]
    md = (f"# All runbooks\n\n{len(rows)} runbooks. Search (top of the page) finds a runbook "
          f"by failure class, service or words; the [routing table](../routing.md) maps "
          f"every failure class to its runbook and route.\n\n"
          + _table(["Severity", "Title", "Failure classes", "Route", "Services",
                    "Last reviewed"], rows))
    return Page("runbooks/index.md", "All runbooks", md, _index_meta("All runbooks"))


def routing(cat: Catalog) -> Page:
    rows = [[code(c), link(rb), md_escape(rb.route), rb.severity,
             md_escape(rb.owner or "")] for c, rb in cat.classes()]
    md = ("# Failure-class routing\n\nFind the code your CLI, API or alert printed: the "
          "runbook to follow and the route that owns it. Globs (`*`) match any code with "
          "that prefix; an exact code wins over a glob.\n\n"
          + _table(["Failure class", "Runbook", "Route", "Severity", "Owner"], rows))
    return Page("routing.md", "Failure-class routing", md, _index_meta("Failure-class routing"))


def grouped(cat: Catalog, attr: str, path: str, title: str, intro: str) -> Page:
    parts = [f"# {title}\n\n{intro}\n"]
    for key, books in cat.index(attr).items():
        parts.append(f"## {md_escape(key)}\n")
        parts += [f"- {rb.severity} · {link(rb)} — {md_escape(rb.trigger)}" for rb in books]
        parts.append("")
    if len(parts) == 1:
        parts.append("Nothing yet.\n")
    return Page(path, title, "\n".join(parts), _index_meta(title))


def by_route(cat: Catalog) -> Page:
    parts = ["# By route and owner\n\nWho is paged (route) and who maintains the runbook "
             "(owner).\n"]
    for route, books in cat.index("route").items():
        owners = sorted({rb.owner for rb in books if rb.owner})
        parts.append(f"## {md_escape(route)}\n\nOwner: {', '.join(owners) or 'not set'}\n")
        parts += [f"- {rb.severity} · {link(rb)}" for rb in books]
        parts.append("")
    return Page("by-route.md", "By route and owner", "\n".join(parts),
                _index_meta("By route and owner"))


def policy_page(policy: Policy) -> Page:
    sev = _table(["Severity", "Meaning", "Response time", "Post-mortem"],
                 [[s.name, s.meaning, s.response, "required" if s.postmortem else "optional"]
                  for s in policy.severities])
    cls = _table(["Class", "Meaning", "Channels"],
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


def _reference(items: Iterable[tuple[str, Option]], required: bool = False) -> list[list[str]]:
    # Docs are Markdown already; only a pipe would break the table.  A default given in
    # words (`shown`) is prose, any other is a value.
    rows = []
    for key, opt in items:
        d = opt.default_text()
        shown = d.replace("|", "\\|") if opt.shown else code(d) if d else ""
        rows.append([code(key), *(["yes" if opt.required else ""] if required else []),
                     opt.type_name.replace("|", "\\|"), shown, opt.doc.replace("|", "\\|")])
    return rows


def fields_page() -> Page:
    """The front-matter reference, generated from the declarations so it never drifts."""
    md = ("# Runbook front-matter\n\nGenerated from triagebook's schema "
          "(`inv runbook.schema` prints it as JSON Schema for your editor). Keys starting "
          "with `x-` are yours; any other unknown key is a lint error.\n\n"
          + _table(["Field", "Required", "Type", "Default", "Meaning"],
                   _reference(FRONT_MATTER.options.items(), required=True))
          + "\n## Context variables\n\nEach entry under `context:` declares one "
          "placeholder (`name:` alone or `name: description` are short forms). Built-ins, "
          "always available: " + ", ".join(code(b) for b in BUILTINS) + ".\n\n"
          + _table(["Setting", "Type", "Default", "Meaning"], _reference(CONTEXT.options.items())))
    return Page("reference/front-matter.md", "Runbook front-matter", md,
                {"title": "Runbook front-matter"})


def config_page(settings: Schema = SETTINGS) -> Page:
    """The configuration reference: every declared setting, generated like the fields."""
    md = ("# Configuration reference\n\nGenerated from triagebook's declarations. Every key "
          "sits under `triagebook:` in the project's `invoke.yaml` and is optional; `NAME` "
          "stands for a name you choose. A bad value stops every command with its file, "
          "line and key.\n\n"
          + _table(["Key", "Type", "Default", "Meaning"], _reference(settings.walk())))
    return Page("reference/configuration.md", "Configuration reference", md,
                {"title": "Configuration reference"})


def build_pages(cat: Catalog, today: date) -> list[Page]:
    pages = []
    pms = read_postmortems(cat.config.postmortems_dir)
    for rb in cat.sorted():
        source = (cat.config.root / rb.path).read_text(encoding="utf-8")
        pages.append(runbook_page(rb, source, cat, today, pms))
    pages += [
        all_runbooks(cat, today),
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
        *postmortem_pages(pms),
    ]
    return pages


NAV = [
    ("All runbooks", "runbooks/index.md"),
    ("Failure-class routing", "routing.md"),
    ("By severity", "by-severity.md"),
    ("By service", "by-service.md"),
    ("By route and owner", "by-route.md"),
    ("Tags", "tags.md"),
    ("Severity and escalation policy", "policy.md"),
    ("Post-mortems", "postmortems/index.md"),
    ("Runbook front-matter", "reference/front-matter.md"),
    ("Configuration reference", "reference/configuration.md"),
]


def export(pages: list[Page], folder: Path) -> int:
    for page in pages:
        dest = folder / page.path
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(page.text(), encoding="utf-8")
    return len(pages)


__all__ = ["BUILTINS", "NAV", "Page", "build_pages", "export", "placeholder_html"]

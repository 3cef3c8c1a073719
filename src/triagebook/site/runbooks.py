"""Runbook pages: the runbook's own Markdown with its steps numbered as the runner counts
them and its placeholders marked for the page's fill-in form; the header panel's data
goes in the page meta (the theme renders it)."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import date
from functools import lru_cache

from jinja2 import TemplateSyntaxError, nodes

from triagebook.base.errors import Problem
from triagebook.runbook.catalog import Catalog
from triagebook.runbook.match import runbook_keys
from triagebook.runbook.model import Runbook
from triagebook.runbook.patterns import browser_unsafe
from triagebook.runbook.pivots import names as pivot_names
from triagebook.runbook.pivots import template_html
from triagebook.runbook.template_check import analyse
from triagebook.runbook.templates import environment
from triagebook.site.markup import Page, md_escape, stale
from triagebook.site.postmortems import PostmortemDoc

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
SECRET_PREFIX = "TRIAGEBOOK_SECRET_"  # the runner's convention (runner/session.py)


def secret_env(name: str) -> str:
    return SECRET_PREFIX + name.upper()


@lru_cache(maxsize=4096)
def fillable(expr: str) -> str | None:
    """The name a page may fill live: `{{ name }}` or `{{ name | default(...) }}` only."""
    try:
        tree = environment().parse(expr)
    except TemplateSyntaxError:
        return None
    if len(tree.body) != 1 or not isinstance(tree.body[0], nodes.Output):
        return None
    out = tree.body[0].nodes
    node = out[0] if len(out) == 1 else None
    if isinstance(node, nodes.Filter) and node.name in ("default", "d"):
        node = node.node
    return node.name if isinstance(node, nodes.Name) else None


def mark_placeholders(text: str, rb: Runbook) -> tuple[str, list[list[str]]]:
    """Replace each `{{ expr }}` outside raw blocks with a sentinel word.

    Sentinels survive syntax highlighting as single words; the plugin swaps them for a
    marked span (`placeholder_html`).  Raw markers are dropped.  Each mark is
    [expression, name, description, how the page fills it: value | secret | none].
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
        mode = "none"
        if var is not None and len(names) == 1:
            mode = "secret" if var.secret else "value" if fillable(expr) == name else "none"
        out.append(text[pos:start] + SENTINEL.format(len(marks)))
        marks.append([expr, name, desc, mode])
        pos = end + 2
    return "".join(out), marks


def placeholder_html(mark: list[str]) -> str:
    expr, name, desc, mode = (mark + ["none"])[:4]
    if mode == "secret":
        env = secret_env(name)
        tip = f"{name}: secret — the runner passes it as ${env}; set {env} in your shell"
        return (f'<span class="tb-ph tb-secret" title="{html.escape(tip, quote=True)}">'
                f"${{{env}}}</span>")
    tip = f"{name}: {desc}" if desc else name
    fill = f' data-tb-var="{html.escape(name, quote=True)}"' if mode == "value" else ""
    return (f'<span class="tb-ph"{fill} title="{html.escape(tip, quote=True)}">'
            f"{html.escape(expr)}</span>")


def _number_steps(lines: list[str], rb: Runbook) -> None:
    """Label each step as the runner counts them ("Step 3 of 7"), in place."""
    total = len(rb.steps)
    for step in rb.steps:
        i = step.line - 1
        if not 0 <= i < len(lines):
            continue
        label = f"Step {step.number} of {total}"
        line = lines[i]
        if line.lstrip().startswith("#"):
            lines[i] = f'\n<p class="tb-step" data-search-exclude>{label}</p>\n\n{line}'
            continue
        # an ordered-list step: the label goes right after the item's marker
        stripped = line.lstrip()
        digits = len(stripped) - len(stripped.lstrip("0123456789"))
        if digits and stripped[digits:digits + 1] in (".", ")"):
            cut = len(line) - len(stripped) + digits + 1
            rest = line[cut:].lstrip()
            lines[i] = (f'{line[:cut]} <span class="tb-step" data-search-exclude>{label}'
                        f"</span> {rest}")


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


def _links(rb: Runbook, links: dict[str, str]) -> list[dict[str, str]]:
    """The pivots this runbook can fill: every value they name is a non-secret context
    value of the runbook; the page's form fills them as it fills the commands."""
    known = {v.name for v in rb.context if not v.secret}
    return [{"name": n, "html": template_html(t)} for n, t in sorted(links.items())
            if pivot_names(t) and set(pivot_names(t)) <= known]


def runbook_page(rb: Runbook, source: str, cat: Catalog, today: date,
                 postmortems: Sequence[PostmortemDoc] = (),
                 problems: Sequence[Problem] = (), health: str = "") -> Page:
    policy = cat.config.policy
    lines = fence_words(source.split("\n"), rb)
    _number_steps(lines, rb)
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
                     "secret": v.secret, "example": v.example,
                     # a pattern a browser could backtrack on is not checked in the form
                     "pattern": None if v.pattern and browser_unsafe(v.pattern) else v.pattern,
                     "default": v.default, "env": secret_env(v.name) if v.secret else None}
                    for v in rb.context if v.name in rb.placeholders],
        "placeholders": marks, "source": rb.path,
        "postmortems": [{"id": p.id, "title": p.title} for p in postmortems
                        if rb.id in p.runbooks],
        "problems": [str(p) for p in problems],
        "links": _links(rb, cat.config.links),
        "health": health,
    }
    meta = {
        "title": rb.title,
        "description": rb.trigger,
        # Material's search boosts page tags 10^6. They hold the runbook's search keys
        # (failure classes, services, tags, route) spelled the way the search box's
        # normaliser spells what people paste (triagebook.runbook.normalise).
        "tags": runbook_keys(rb).site_tags(),
        "triagebook": panel,
    }
    return Page(f"runbooks/{rb.id}.md", rb.title, body + "\n", meta)


def error_page(rid: str, path: str, problems: Sequence[Problem]) -> Page:
    """What `inv site.serve` shows where a runbook that does not parse would be."""
    items = "\n".join(f"- `{p}`" for p in problems)
    md = (f"# {md_escape(rid)}: lint errors\n\n!!! failure \"This runbook cannot be shown\"\n\n"
          f"    `{path}` has errors; fix them and save — this page reloads by itself.\n\n"
          f"{items}\n\nThe same list: `inv runbook.lint`.\n")
    return Page(f"runbooks/{rid}.md", f"{rid}: lint errors", md,
                {"title": f"{rid}: lint errors", "search": {"exclude": True},
                 "hide": ["toc"]})

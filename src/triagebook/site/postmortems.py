"""Post-mortem pages: each post-mortem as written, its front-matter in a panel, and an index.

The Markdown files are GitHub-flavoured (a `|` inside a code span in a table cell is
written `\\|`); the site's renderer (Python-Markdown) already keeps pipes inside code
spans in their cell and would show the backslash, so the page drops it there.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from triagebook.site.markup import Page, md_escape, table

# front-matter key → label, in panel order; other keys are not shown
PANEL = (("incident", "Incident"), ("severity", "Severity"), ("status", "Status"),
         ("detected", "Detected"), ("resolved", "Resolved"), ("duration", "Duration"),
         ("runbooks", "Runbooks"), ("owner", "Owner"), ("authors", "Authors"),
         ("reviewers", "Reviewers"), ("created", "Created"))
UNESCAPE_RE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|<>])")


@dataclass(frozen=True, slots=True)
class PostmortemDoc:
    id: str
    meta: dict[str, Any]
    body: str

    @property
    def title(self) -> str:
        return str(self.meta.get("title") or self.id)

    @property
    def runbooks(self) -> tuple[str, ...]:
        value = self.meta.get("runbooks") or ()
        return tuple(str(r) for r in value) if isinstance(value, (list, tuple)) else ()


def _text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


def unescape_code_pipes(row: str) -> str:
    """`\\|` → `|` inside the code spans of one table row; the rest is left alone."""
    out: list[str] = []
    i, fence = 0, 0
    while i < len(row):
        ch = row[i]
        if ch == "\\" and not fence and i + 1 < len(row):
            out.append(row[i:i + 2])
            i += 2
            continue
        if ch == "`":
            run = len(row[i:]) - len(row[i:].lstrip("`"))
            fence = 0 if run == fence else fence or run
            out.append("`" * run)
            i += run
            continue
        if fence and row.startswith("\\|", i):
            out.append("|")
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def site_body(body: str) -> str:
    """The post-mortem's Markdown as the site renders it: code-span pipes in tables
    unescaped, and the first heading's `*` and `_` kept literal (a title such as
    `allocation_* storm` must not turn into emphasis)."""
    lines = body.lstrip("\n").split("\n")
    titled = False
    for i, line in enumerate(lines):
        if line.lstrip().startswith("|") and "`" in line:
            lines[i] = unescape_code_pipes(line)
        elif not titled and line.startswith("# "):
            titled = True
            plain = UNESCAPE_RE.sub(r"\1", line[2:].strip())
            lines[i] = "# " + md_escape(plain.replace("\\", "\\\\"))
    return "\n".join(lines)


def panel(doc: PostmortemDoc) -> dict[str, Any]:
    rows = [[label, _text(doc.meta[k])] for k, label in PANEL
            if k in doc.meta and k != "runbooks" and _text(doc.meta[k])]
    return {"id": doc.id, "rows": rows, "runbooks": list(doc.runbooks),
            "status": _text(doc.meta.get("status")) or "unknown"}


def postmortem_pages(docs: Sequence[PostmortemDoc]) -> list[Page]:
    pages = []
    rows = []
    for d in sorted(docs, key=lambda d: str(d.meta.get("detected", "")), reverse=True):
        title = f"Post-mortem: {d.title}"
        pages.append(Page(f"postmortems/{d.id}.md", title, site_body(d.body),
                          {"title": title, "triagebook_postmortem": panel(d)}))
        rows.append([md_escape(str(d.meta.get("detected", ""))[:10]),
                     f"[{md_escape(d.id)}]({d.id}.md)", md_escape(d.title),
                     md_escape(_text(d.meta.get("severity"))),
                     md_escape(_text(d.meta.get("duration")) or "unresolved"),
                     md_escape(_text(d.meta.get("status")))])
    md = ("# Post-mortems\n\nWritten from the incident ledgers (`inv postmortem.new ID`).\n\n"
          + (table(["Date", "Incident", "Title", "Severity", "Duration", "Status"], rows)
             if rows else "None yet.\n"))
    pages.append(Page("postmortems/index.md", "Post-mortems", md,
                      {"title": "Post-mortems", "search": {"exclude": True},
                       "hide": ["toc"]}))
    return pages

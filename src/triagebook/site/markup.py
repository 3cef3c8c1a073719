"""What every generated page is made of: the `Page` record, tables, Markdown helpers.

Catalog-sized tables (a row per runbook or per failure class) are kept as data
(`Table`) and placed in the page's Markdown as a marker: `inv site.export` writes them
as Markdown tables, the mkdocs plugin as ready HTML with resolved links — Python-Markdown
would otherwise spend seconds on a few thousand rows at every `inv site.serve` rebuild.
"""

from __future__ import annotations

import html
import json
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from triagebook.runbook.model import Runbook

TABLE_MARK = "<!-- triagebook:table:{} -->"
TABLE_RE = re.compile(r"<!-- triagebook:table:(\d+) -->")


@dataclass(frozen=True, slots=True)
class Link:
    text: str
    target: str  # a page path relative to docs_dir: runbooks/token-failure.md


@dataclass(frozen=True, slots=True)
class Code:
    text: str


Cell = str | Link | Code | tuple["Cell", ...]  # a tuple reads "a, b, c"


@dataclass(frozen=True, slots=True)
class Table:
    head: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]

    def markdown(self, here: str) -> str:
        """A Markdown table; links relative to the page at ``here``."""
        base = posixpath.dirname(here)

        def cell(c: Cell) -> str:
            if isinstance(c, Link):
                return f"[{md_escape(c.text)}]({posixpath.relpath(c.target, base or '.')})"
            if isinstance(c, Code):
                return f"`{c.text}`"
            if isinstance(c, tuple):
                return ", ".join(cell(x) for x in c)
            return md_escape(c)

        out = ["| " + " | ".join(self.head) + " |", "|" + "---|" * len(self.head)]
        out += ["| " + " | ".join(cell(c) for c in row) + " |" for row in self.rows]
        return "\n".join(out) + "\n"

    def html(self, url: Callable[[str], str]) -> str:
        """An HTML table; ``url`` turns a link target into an href for this page."""
        esc = html.escape

        def cell(c: Cell) -> str:
            if isinstance(c, Link):
                return f'<a href="{esc(url(c.target))}">{esc(c.text)}</a>'
            if isinstance(c, Code):
                return f"<code>{esc(c.text)}</code>"
            if isinstance(c, tuple):
                return ", ".join(cell(x) for x in c)
            return esc(c)

        head = "".join(f"<th>{esc(h)}</th>" for h in self.head)
        body = "\n".join("<tr>" + "".join(f"<td>{cell(c)}</td>" for c in row) + "</tr>"
                         for row in self.rows)
        return f"<table>\n<thead>\n<tr>{head}</tr>\n</thead>\n<tbody>\n{body}\n</tbody>\n</table>"


@dataclass(frozen=True, slots=True)
class Page:
    path: str  # relative to docs_dir, e.g. runbooks/token-failure.md
    title: str
    markdown: str  # may hold TABLE_MARK lines for `tables`
    meta: dict[str, Any] = field(default_factory=dict)
    tables: tuple[Table, ...] = ()

    def plain_markdown(self) -> str:
        """The Markdown with its tables written out as Markdown tables."""
        if not self.tables:
            return self.markdown
        return TABLE_RE.sub(lambda m: self.tables[int(m.group(1))].markdown(self.path),
                            self.markdown)

    def text(self) -> str:
        """Markdown with front-matter (JSON is valid YAML and far faster to write)."""
        return (f"---\n{json.dumps(self.meta, ensure_ascii=False)}\n---\n\n"
                f"{self.plain_markdown()}")


def md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("*", "\\*").replace("_", "\\_").replace("<", "&lt;")


def code(text: str) -> str:
    return f"`{text}`"


def link(rb: Runbook, prefix: str = "runbooks/") -> str:
    return f"[{md_escape(rb.title)}]({prefix}{rb.id}.md)"


def page_link(rb: Runbook) -> Link:
    return Link(rb.title, f"runbooks/{rb.id}.md")


def stale(rb: Runbook, today: date, window: int) -> bool:
    return rb.last_reviewed is None or (today - rb.last_reviewed).days > window


def table(head: list[str], rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out) + "\n"


def index_meta(title: str, layout: str = "") -> dict[str, Any]:
    """Generated tables repeat every class and service; kept out of search so results
    point at runbooks.  ``layout`` names the page's CSS layout (narrow-screen tables)."""
    meta: dict[str, Any] = {"title": title, "search": {"exclude": True}, "hide": ["toc"]}
    if layout:
        meta["triagebook_layout"] = layout
    return meta

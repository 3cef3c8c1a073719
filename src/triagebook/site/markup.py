"""What every generated page is made of: the `Page` record and small Markdown helpers."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from triagebook.runbook.model import Runbook


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

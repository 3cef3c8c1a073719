"""The site's pages, generated from the catalog and the policy — no mkdocs, no file reads.

Each page is Markdown plus a meta mapping (front-matter).  `triagebook.site.sources`
reads what the pages are made of (runbook sources, post-mortems) and calls
`build_pages`; the mkdocs plugin adds the pages to a build; `inv site.export DIR` writes
them as files for any other generator.  Runbook pages are flat (`runbooks/<id>.md`) so
a runbook links to another as `other-id.md` from any folder.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import PurePath

from triagebook.base.errors import Problem
from triagebook.learning.report import Learning
from triagebook.runbook.catalog import Catalog
from triagebook.site.health import health_line, health_pages
from triagebook.site.indexes import index_pages
from triagebook.site.markup import Page
from triagebook.site.postmortems import PostmortemDoc, postmortem_pages
from triagebook.site.runbooks import error_page, runbook_page


def build_pages(cat: Catalog, today: date, sources: Mapping[str, str],
                postmortems: Sequence[PostmortemDoc] = (),
                problems: Sequence[Problem] = (),
                learning: Learning | None = None) -> list[Page]:
    """Every page, from the catalog, each runbook's text (id → source) and the
    post-mortems (and, given `learning`, the Health pages and each runbook's health
    line).  Lint errors in ``problems`` are shown on the pages they concern, and a
    runbook file that does not parse gets an error page in its place (`inv site.serve`
    keeps serving while someone fixes it; a build stops at lint errors before this)."""
    by_path: dict[str, list[Problem]] = {}
    for p in problems:
        if p.level == "error":
            by_path.setdefault(p.path, []).append(p)
    pages = [runbook_page(rb, sources[rb.id], cat, today, postmortems,
                          by_path.get(rb.path, ()),
                          health_line(learning.health.of(rb.id)) if learning else "")
             for rb in cat.sorted() if rb.id in sources]
    shown = {rb.path for rb in cat.runbooks.values()}
    taken = {rb.id for rb in cat.runbooks.values()}
    for path, found in sorted(by_path.items()):
        rid = PurePath(path).stem
        if path not in shown and path.endswith(".md") and rid not in taken:
            taken.add(rid)
            pages.append(error_page(rid, path, found))
    pages += index_pages(cat, today, broken=sorted(by_path))
    pages += postmortem_pages(postmortems)
    if learning is not None:
        pages += health_pages(cat, learning, today)
    return pages


__all__ = ["build_pages"]

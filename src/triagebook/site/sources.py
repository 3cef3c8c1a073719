"""The site's file adapter: reads what the pages are made of, writes exported pages.

Page generation (`triagebook.site.pages`) is pure; the mkdocs plugin and
`inv site.export` come here for the runbook sources and the post-mortems.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from triagebook.base.errors import Problem
from triagebook.base.files import read_bytes
from triagebook.base.mdtext import BRACKETS, inert_brackets, over_bracket_budget
from triagebook.base.redaction import Redactor
from triagebook.base.timeutil import utc_now
from triagebook.base.yamlsrc import split_front_matter
from triagebook.learning.report import gather_for_site
from triagebook.runbook.catalog import Catalog
from triagebook.site.markup import Page
from triagebook.site.pages import build_pages
from triagebook.site.postmortems import PostmortemDoc


def read_sources(cat: Catalog) -> dict[str, str]:
    """Runbook id → its text; a file that vanished since the catalog was read is left out."""
    out: dict[str, str] = {}
    for rb in cat.runbooks.values():
        try:
            out[rb.id] = (cat.config.root / rb.path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
    return out


def read_postmortems(folder: Path) -> list[PostmortemDoc]:
    """Post-mortems under `postmortems/`; unreadable front-matter still publishes the body."""
    out: list[PostmortemDoc] = []
    if not folder.is_dir():
        return out
    red = Redactor()  # and every TRIAGEBOOK_SECRET_* value in the environment
    for path in sorted(folder.glob("*.md")):
        if path.name == "index.md":
            continue
        try:  # regular files only, bounded: a FIFO or a huge file never stalls the build
            text = read_bytes(path).decode("utf-8", errors="replace")
        except OSError as exc:
            text = f"(this post-mortem could not be read: {exc.strerror or exc})\n"
        meta, body = split_front_matter(text)
        # hand-written: the same redaction as a bundle's, before page and search index
        body = red.text(body)
        if over_bracket_budget(body):  # a renderer-quadratic body: its brackets made inert
            print(f"warning: {path.name}: more than {BRACKETS} '[' — shown as look-alikes "
                  f"(［ ］) so the page renders; links in it are not links", file=sys.stderr)
            body = inert_brackets(body)
        out.append(PostmortemDoc(path.stem, red.data(dict(meta or {})), body))
    return out


def site_pages(cat: Catalog, today: date, problems: list[Problem] | None = None) -> list[Page]:
    """Read what the pages need (runbooks, post-mortems, the incidents' record for the
    Health pages), then generate them."""
    learning = gather_for_site(cat.config, utc_now())
    return build_pages(cat, today, read_sources(cat),
                       read_postmortems(cat.config.postmortems_dir), problems or (), learning)


def export(pages: list[Page], folder: Path) -> int:
    for page in pages:
        dest = folder / page.path
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(page.text(), encoding="utf-8")
    return len(pages)

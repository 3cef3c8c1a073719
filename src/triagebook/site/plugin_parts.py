"""The stateless parts of the mkdocs plugin (site/plugin.py): where its files are, how
the catalog becomes pages, the theme and nav it adds, and the panel after a page title."""

from __future__ import annotations

import json
import logging
import posixpath
import re
import sys
from pathlib import Path, PurePosixPath
from typing import Any

from jinja2 import BytecodeCache, Template
from jinja2.bccache import Bucket
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page as MkPage
from mkdocs.utils import get_relative_url

from triagebook import Config, TriagebookError, lint, load_catalog, load_config
from triagebook.runbook.catalog import paused_gc
from triagebook.runbook.lint import summary
from triagebook.runbook.match import site_index
from triagebook.site.indexes import NAV
from triagebook.site.markup import Page
from triagebook.site.sources import site_pages

log = logging.getLogger("mkdocs.plugins.triagebook")
HERE = Path(__file__).resolve().parent
THEME = HERE / "theme"
ASSETS = HERE / "assets"
SHIM = "assets/triagebook/iframe-worker-shim.js"
CSS = "assets/triagebook/triagebook.css"
JS = "assets/triagebook/triagebook.js"
MATCH_JS = "assets/triagebook/match.js"
PANEL = "partials/triagebook-panel.html"
PM_PANEL = "partials/triagebook-postmortem.html"
SENTINEL_RE = re.compile(r"TBPH(\d+)X")
TABLE_WORD = "TBTABLE{}X"
TABLE_HTML_RE = re.compile(r"<p>TBTABLE(\d+)X</p>")


def quiet_dirty(record: logging.LogRecord) -> bool:
    return not record.getMessage().startswith("A 'dirty' build is being performed")


class Generated(File):
    """A generated page that says whether its content changed since the last build, so a
    dirty rebuild skips the others (mkdocs treats every in-memory file as modified)."""

    changed = True

    def is_modified(self) -> bool:
        return self.changed


class MemoryBytecodeCache(BytecodeCache):
    def __init__(self) -> None:
        self.store: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self.store:
            bucket.bytecode_from_string(self.store[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.store[bucket.key] = bucket.bytecode_to_string()


def load_pages(root: Path, serving: bool, last: list[Page],
               last_index: dict[str, Any] | None = None
               ) -> tuple[list[Page], Config | None, dict[str, Any]]:
    """Lint the catalog and make its pages, and the search's ranking index (made a
    script by `match_script`).  While serving, a catalog that cannot be read keeps the `last` good
    pages and index (and None: nothing new to watch); a build fails."""
    try:
        with paused_gc():  # thousands of pages: nothing for the cycle collector here
            cfg = load_config(root)
            for p in cfg.problems:  # a typo in invoke.yaml never stops the site
                log.warning(str(p))
            cat = load_catalog(cfg)
            problems = lint(cat, cfg.today())
            errors = [p for p in problems if p.level == "error"]
            if errors and not serving:
                raise PluginError("\n".join(str(p) for p in errors) + "\n"
                                  + summary(cat, problems))
            for p in errors:
                log.error(str(p))
            return site_pages(cat, cfg.today(), errors), cfg, site_index(cat)
    except TriagebookError as exc:
        if not (serving and last):
            raise PluginError(str(exc)) from None
        log.error(f"{exc} (still serving the last good pages)")
        return last, None, last_index or {}


def match_script(index: dict[str, Any], directory_urls: bool) -> str:
    """`runbook.match`'s ranking data for the search box (triagebook.js `rank`), with each
    runbook page's address (known once every plugin has set `use_directory_urls`): a
    script, so it loads under file:// too; a file of its own, so triagebook.js stays
    small."""
    for book in index.get("books", ()):
        book["url"] = f"runbooks/{book['id']}" + ("/" if directory_urls else ".html")
    data = json.dumps(index, separators=(",", ":"), ensure_ascii=False)
    return f"var TRIAGEBOOK_MATCH = {data};\n"


def theme(config: MkDocsConfig) -> None:
    """Our theme fragments, CSS and script; nav and offline adjustments."""
    # Our fragments sit right after the project's custom_dir: a site overrides them by
    # placing files of the same name there.
    dirs = config.theme.dirs
    if str(THEME) not in dirs:
        dirs.insert(1 if config.theme.custom_dir else 0, str(THEME))
    config.extra_css.append(CSS)
    config.extra_javascript.append(MATCH_JS)
    config.extra_javascript.append(JS)
    # Runbook pages are deliberately left out of the nav (see _nav); don't list them.
    config.validation.nav.omitted_files = logging.DEBUG
    offline = config.plugins.get("material/offline") or config.plugins.get("offline")
    if offline is not None and offline.config.enabled:
        # file:// has no history API for instant navigation: plain page loads instead.
        features = config.theme.get("features") or []
        config.theme["features"] = [f for f in features if f != "navigation.instant"]


def nav(pages: list[Page], files: Files) -> list[Any]:
    """Home, the generated indexes, then the site's own pages — never every runbook,
    so each page's navigation stays small however large the catalog grows."""
    generated = {p.path for p in pages}
    own = sorted(f.src_uri for f in files.documentation_pages()
                 if f.src_uri not in generated and f.src_uri != "index.md"
                 and not f.src_uri.startswith("postmortems/"))
    nav: list[Any] = []
    if files.get_file_from_path("index.md") is not None:
        nav.append({"Home": "index.md"})
    nav += [{title: path} for title, path in NAV]
    if own:
        nav.append({"Using triagebook": own})
    return nav


def after_title(html: str, template: Template, page: MkPage,
                 config: MkDocsConfig) -> str:
    panel = template.render(page=page, config=config,
                            base_url=get_relative_url(".", page.url))
    head_end = html.find("</h1>")
    if head_end < 0:
        return panel + html
    head_end += len("</h1>")
    return html[:head_end] + panel + html[head_end:]


def watched(cfg: Config) -> list[tuple[Path, bool]]:
    """What `mkdocs serve` watches (path, recursive): runbooks, post-mortems, invoke.yaml."""
    out = [(cfg.runbooks_dir, True), (cfg.postmortems_dir, True)]
    if cfg.source is not None:
        out.append((cfg.source, False))
    return out


def local_polyfills(config: MkDocsConfig) -> None:
    """material's offline plugin loads its file:// worker shim from unpkg.com; a site read
    during an outage must not reach out, so it gets the vendored copy."""
    fills = config.extra.get("polyfills")
    if fills:
        config.extra["polyfills"] = [SHIM if "iframe-worker" in str(u) else u for u in fills]


def watch_all(server: Any, watch: list[tuple[Path, bool]]) -> None:
    """Watch what the site is made from; a missing postmortems/ is made (empty) first."""
    for path, recursive in watch:
        if not path.exists() and recursive and path.parent.is_dir():
            # postmortems/ before the first post-mortem: made now, empty, so the first
            # one written while serving is seen (mkdocs ignores folder events, so a
            # folder created later could not be noticed)
            try:
                path.mkdir()
            except OSError:
                continue
        if path.exists():
            server.watch(str(path), recursive=recursive)


def relink_missing_runbooks(markdown: str, src_uri: str, files: Files) -> str:
    """A post-mortem outlives the runbook it names: a link to a runbook no longer in the
    catalog (renamed, removed) points to the runbook list instead, with a warning naming
    the post-mortem — never a failed build.  Links are found by markdown-it's tokens."""
    from markdown_it import MarkdownIt

    base = PurePosixPath(src_uri).parent
    missing = set()
    for tok in MarkdownIt("commonmark").parse(markdown):
        for child in tok.children or []:
            href = str(child.attrs.get("href", "")) if child.type == "link_open" else ""
            target = href.split("#", 1)[0].split("?", 1)[0]
            if not target.endswith(".md") or "://" in target:
                continue
            path = posixpath.normpath(str(base / target))
            if path.startswith("runbooks/") and files.get_file_from_path(path) is None:
                missing.add(href)
    for href in sorted(missing):
        # said on stderr, not through mkdocs' log: its --strict would fail the build over
        # a post-mortem nobody should have to edit to publish the runbooks
        print(f"warning: {src_uri}: links to {href}, which is no longer in the catalog (a "
              f"renamed or removed runbook); the link opens the runbook list instead",
              file=sys.stderr)
        rel = posixpath.relpath("runbooks/index.md", str(base) or ".")
        markdown = markdown.replace(f"]({href})", f"]({rel})")
    return markdown

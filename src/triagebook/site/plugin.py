"""The mkdocs plugin: a thin adapter that adds triagebook's generated pages to a build.

Page generation lives in `triagebook.site.pages` (files read by `site.sources`); this
module only loads the project, turns problems into PluginError, registers files, theme
fragments and assets, and marks placeholders in the rendered HTML.  Under
`mkdocs serve --dirty` (what `inv site.serve` runs) it lives across rebuilds: only pages
whose generated Markdown changed are rebuilt, and lint errors become error pages
instead of a failed rebuild.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any, Literal

from jinja2 import BytecodeCache, Environment, Template
from jinja2.bccache import Bucket
from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page as MkPage
from mkdocs.utils import get_relative_url
from mkdocs.utils.templates import TemplateContext

from triagebook import TriagebookError, lint, load_catalog, load_config
from triagebook.runbook.catalog import paused_gc
from triagebook.runbook.lint import summary
from triagebook.runbook.normalise import tables
from triagebook.site.indexes import NAV, home_page
from triagebook.site.inert import inert_meta, sanitise
from triagebook.site.markup import TABLE_RE, Page, Table
from triagebook.site.runbooks import placeholder_html
from triagebook.site.sources import site_pages

log = logging.getLogger("mkdocs.plugins.triagebook")
HERE = Path(__file__).resolve().parent
THEME = HERE / "theme"
ASSETS = HERE / "assets"
SHIM = "assets/triagebook/iframe-worker-shim.js"
CSS = "assets/triagebook/triagebook.css"
JS = "assets/triagebook/triagebook.js"
PANEL = "partials/triagebook-panel.html"
PM_PANEL = "partials/triagebook-postmortem.html"
SENTINEL_RE = re.compile(r"TBPH(\d+)X")
TABLE_WORD = "TBTABLE{}X"
TABLE_HTML_RE = re.compile(r"<p>TBTABLE(\d+)X</p>")


class _Generated(File):
    """A generated page that says whether its content changed since the last build, so a
    dirty rebuild skips the others (mkdocs treats every in-memory file as modified)."""

    changed = True

    def is_modified(self) -> bool:
        return self.changed


def _quiet_dirty(record: logging.LogRecord) -> bool:
    return not record.getMessage().startswith("A 'dirty' build is being performed")


class _MemoryBytecodeCache(BytecodeCache):
    def __init__(self) -> None:
        self.store: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self.store:
            bucket.bytecode_from_string(self.store[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.store[bucket.key] = bucket.bytecode_to_string()


class TriagebookPluginConfig(base.Config):
    enabled = c.Type(bool, default=True)
    project_dir = c.Optional(c.Type(str))  # default: the folder of mkdocs.yml


class TriagebookPlugin(BasePlugin[TriagebookPluginConfig]):
    def __init__(self) -> None:
        self.pages: list[Page] = []
        self.meta: dict[str, dict[str, Any]] = {}  # page path → its meta (front-matter)
        self.tables: dict[str, tuple[Table, ...]] = {}
        self.previous: dict[str, str] = {}  # page path → Markdown, from the last build
        self.previous_meta: dict[str, dict[str, Any]] = {}
        self.previous_tables: dict[str, tuple[Table, ...]] = {}
        self.serving = False
        self.watch: list[tuple[Path, bool]] = []
        self.templates: dict[str, Template] = {}
        self.server: Any = None  # the live-reload server, under `mkdocs serve`
        self.env: Environment | None = None
        self.bytecode = _MemoryBytecodeCache()

    def on_startup(self, *, command: Literal["build", "gh-deploy", "serve"],
                   dirty: bool) -> None:
        # Defining on_startup keeps this instance across `mkdocs serve` rebuilds.
        self.serving = command == "serve"
        if self.serving and dirty:
            # `inv site.serve` asks for dirty rebuilds knowingly: this plugin decides
            # which pages changed, so mkdocs' warning about stale navigation is noise.
            logging.getLogger("mkdocs.commands.build").addFilter(_quiet_dirty)

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        if not self.config.enabled:
            return config
        root = Path(self.config.project_dir or Path(config.config_file_path).parent)
        if "pymdownx.superfences" not in config.markdown_extensions:
            raise PluginError("mkdocs.yml: markdown_extensions: expected pymdownx.superfences "
                              "(steps written as a list hold fenced code, which plain "
                              "Markdown renders as inline text) but it is missing")
        try:
            with paused_gc():  # thousands of pages: nothing for the cycle collector here
                cfg = load_config(root)
                cat = load_catalog(cfg)
                problems = lint(cat, cfg.today())
                errors = [p for p in problems if p.level == "error"]
                if errors and not self.serving:
                    raise PluginError("\n".join(str(p) for p in errors) + "\n"
                                      + summary(cat, problems))
                for p in errors:
                    log.error(str(p))
                self.pages = site_pages(cat, cfg.today(), errors)
        except TriagebookError as exc:
            if not (self.serving and self.pages):
                raise PluginError(str(exc)) from None
            log.error(f"{exc} (still serving the last good pages)")
            cfg = None
        if cfg is not None:
            pm = cfg.postmortems_dir
            self.watch = [(cfg.runbooks_dir, True), (pm, True)]
            if cfg.source is not None:
                self.watch.append((cfg.source, False))
            if self.server is not None and pm.is_dir():
                # postmortems/ created while serving: watched from this rebuild on
                self.server.watch(str(pm))
        # Our fragments sit right after the project's custom_dir: a site overrides them by
        # placing files of the same name there.
        dirs = config.theme.dirs
        if str(THEME) not in dirs:
            dirs.insert(1 if config.theme.custom_dir else 0, str(THEME))
        config.extra_css.append(CSS)
        config.extra_javascript.append(JS)
        # Runbook pages are deliberately left out of the nav (see _nav); don't list them.
        config.validation.nav.omitted_files = logging.DEBUG
        offline = config.plugins.get("material/offline") or config.plugins.get("offline")
        if offline is not None and offline.config.enabled:
            # file:// has no history API for instant navigation: plain page loads instead.
            features = config.theme.get("features") or []
            config.theme["features"] = [f for f in features if f != "navigation.instant"]
        return config

    def on_files(self, files: Files, config: MkDocsConfig) -> Files | None:
        if not self.config.enabled:
            return files
        self.env, self.templates = None, {}  # a new build: the theme may have changed
        # The meta goes straight to the page (on_page_markdown): mkdocs would otherwise
        # YAML-parse every generated page's front-matter again.
        self.meta = {p.path: p.meta for p in self.pages}
        self.tables = {p.path: p.tables for p in self.pages if p.tables}
        texts = {p.path: p.markdown for p in self.pages}
        script = (f"var TRIAGEBOOK = {json.dumps({'normalise': tables()})};\n"
                  + (ASSETS / "triagebook.js").read_text(encoding="utf-8"))
        texts[JS] = script
        if files.get_file_from_path("index.md") is None:
            home = home_page()
            texts[home.path], self.meta[home.path] = home.markdown, home.meta
        for path, text in texts.items():
            if files.get_file_from_path(path) is None:
                f = _Generated.generated(config, path, content=text)
                assert isinstance(f, _Generated)
                f.changed = self.previous.get(path) != text or (
                    self.previous_meta.get(path) != self.meta.get(path)) or (
                    self.previous_tables.get(path) != self.tables.get(path))
                files.append(f)
        self.previous, self.previous_meta = texts, self.meta
        self.previous_tables = self.tables
        for name, dest in (("triagebook.css", CSS), ("iframe-worker-shim.js", SHIM)):
            files.append(File.generated(config, dest, abs_src_path=str(ASSETS / name)))
        if config.nav is None:
            config.nav = self._nav(files)
        return files

    def _nav(self, files: Files) -> list[Any]:
        """Home, the generated indexes, then the site's own pages — never every runbook,
        so each page's navigation stays small however large the catalog grows."""
        generated = {p.path for p in self.pages}
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

    def on_pre_build(self, *, config: MkDocsConfig) -> None:
        # material's offline plugin loads its file:// worker shim from unpkg.com; a site
        # read during an outage must not reach out, so it gets the vendored copy.
        fills = config.extra.get("polyfills")
        if fills:
            config.extra["polyfills"] = [SHIM if "iframe-worker" in str(u) else u for u in fills]

    def on_env(self, env: Environment, *, config: MkDocsConfig, files: Files) -> Environment:
        # mkdocs makes a new template environment for every build; while serving, the
        # compiled templates (keyed by their source) carry over from one rebuild to the next.
        env.bytecode_cache = self.bytecode
        self.env = env
        return env

    def _template(self, name: str, config: MkDocsConfig) -> Template:
        # Through the theme environment (a site's custom_dir overrides it), compiled once
        # per build, not once per page.
        if name not in self.templates:
            if self.env is None:
                self.env = config.theme.get_env()
            self.templates[name] = self.env.get_template(name)
        return self.templates[name]

    def on_page_markdown(self, markdown: str, *, page: MkPage, config: MkDocsConfig,
                         files: Files) -> str | None:
        meta = self.meta.get(page.file.src_uri)
        if meta is not None:
            page.meta = dict(meta)
        page.meta = inert_meta(page.meta or {})
        if page.file.src_uri in self.tables:
            # a word Markdown leaves alone; the table's HTML replaces it after rendering
            markdown = TABLE_RE.sub(lambda m: f"\n{TABLE_WORD.format(m.group(1))}\n", markdown)
        return markdown

    def on_page_content(self, html: str, *, page: MkPage, config: MkDocsConfig,
                        files: Files) -> str | None:
        meta = page.meta or {}
        tables = self.tables.get(page.file.src_uri)
        if tables:

            known: dict[str, str] = {}

            def url(target: str) -> str:
                if target not in known:
                    f = files.get_file_from_path(target)
                    known[target] = f.url_relative_to(page.file) if f is not None else target
                return known[target]

            html = TABLE_HTML_RE.sub(lambda m: tables[int(m.group(1))].html(url), html)
        if layout := meta.get("triagebook_layout"):
            return f'<div class="tb-layout {layout}">{html}</div>'
        if meta.get("triagebook_postmortem"):
            # a post-mortem is hand-written and may be handed in: its raw HTML is
            # sanitised (no script, no handler, no javascript: link), the rest kept
            html = sanitise(html)
        if tb := meta.get("triagebook"):
            marks = tb.get("placeholders", [])
            return SENTINEL_RE.sub(lambda m: placeholder_html(marks[int(m.group(1))])
                                   if int(m.group(1)) < len(marks) else m.group(0), html)
        return html

    def on_page_context(self, context: TemplateContext, *, page: MkPage,
                        config: MkDocsConfig, nav: Navigation) -> TemplateContext | None:
        # After search has indexed the page (search comes first in `plugins`): the panel
        # costs the index nothing, and it is marked data-search-exclude in any order.
        meta = page.meta or {}
        if meta.get("triagebook") and page.content is not None:
            page.content = self._after_title(page.content, self._template(PANEL, config),
                                             page, config)
        elif meta.get("triagebook_postmortem") and page.content is not None:
            page.content = self._after_title(page.content, self._template(PM_PANEL, config),
                                             page, config)
        return context

    @staticmethod
    def _after_title(html: str, template: Template, page: MkPage,
                     config: MkDocsConfig) -> str:
        panel = template.render(page=page, config=config,
                                base_url=get_relative_url(".", page.url))
        head_end = html.find("</h1>")
        if head_end < 0:
            return panel + html
        head_end += len("</h1>")
        return html[:head_end] + panel + html[head_end:]

    def on_serve(self, server: Any, *, config: MkDocsConfig, builder: Any) -> Any:
        self.server = server
        for path, recursive in self.watch:
            if path.exists():
                server.watch(str(path), recursive=recursive)
        return server

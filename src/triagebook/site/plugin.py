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
from pathlib import Path
from typing import Any, Literal

from jinja2 import Environment, Template
from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page as MkPage
from mkdocs.utils.templates import TemplateContext

from triagebook.runbook.normalise import tables
from triagebook.site.indexes import home_page
from triagebook.site.inert import inert_meta, sanitise
from triagebook.site.markup import TABLE_RE, Page, Table
from triagebook.site.plugin_parts import (
    ASSETS,
    CSS,
    JS,
    MATCH_JS,
    PANEL,
    PM_PANEL,
    SENTINEL_RE,
    SHIM,
    TABLE_HTML_RE,
    TABLE_WORD,
    Generated,
    MemoryBytecodeCache,
    after_title,
    load_pages,
    local_polyfills,
    match_script,
    nav,
    quiet_dirty,
    relink_missing_runbooks,
    theme,
    watch_all,
    watched,
)
from triagebook.site.runbooks import placeholder_html

log = logging.getLogger("mkdocs.plugins.triagebook")


class TriagebookPluginConfig(base.Config):
    enabled = c.Type(bool, default=True)
    project_dir = c.Optional(c.Type(str))  # default: the folder of mkdocs.yml


class TriagebookPlugin(BasePlugin[TriagebookPluginConfig]):
    def __init__(self) -> None:
        self.pages: list[Page] = []
        self.match_index: dict[str, Any] = {}  # runbook.match's ranking, for the search box
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
        self.bytecode = MemoryBytecodeCache()

    def on_startup(self, *, command: Literal["build", "gh-deploy", "serve"],
                   dirty: bool) -> None:
        # Defining on_startup keeps this instance across `mkdocs serve` rebuilds.
        self.serving = command == "serve"
        if self.serving and dirty:
            # `inv site.serve` asks for dirty rebuilds knowingly: this plugin decides
            # which pages changed, so mkdocs' warning about stale navigation is noise.
            logging.getLogger("mkdocs.commands.build").addFilter(quiet_dirty)

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        if not self.config.enabled:
            return config
        root = Path(self.config.project_dir or Path(config.config_file_path).parent)
        if "pymdownx.superfences" not in config.markdown_extensions:
            raise PluginError("mkdocs.yml: markdown_extensions: expected pymdownx.superfences "
                              "(steps written as a list hold fenced code, which plain "
                              "Markdown renders as inline text) but it is missing")
        self.pages, cfg, self.match_index = load_pages(root, self.serving, self.pages,
                                                       self.match_index)
        if cfg is not None:
            self.watch = watched(cfg)
            if self.server is not None and cfg.postmortems_dir.is_dir():
                # postmortems/ created while serving: watched from this rebuild on
                self.server.watch(str(cfg.postmortems_dir))
        theme(config)
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
        texts[JS] = (f"var TRIAGEBOOK = {json.dumps({'normalise': tables()})};\n"
                     + (ASSETS / "triagebook.js").read_text(encoding="utf-8"))
        texts[MATCH_JS] = match_script(self.match_index, config.use_directory_urls)
        if files.get_file_from_path("index.md") is None:
            home = home_page()
            texts[home.path], self.meta[home.path] = home.markdown, home.meta
        for path, text in texts.items():
            if files.get_file_from_path(path) is None:
                f = Generated.generated(config, path, content=text)
                assert isinstance(f, Generated)
                f.changed = self.previous.get(path) != text or (
                    self.previous_meta.get(path) != self.meta.get(path)) or (
                    self.previous_tables.get(path) != self.tables.get(path))
                files.append(f)
        self.previous, self.previous_meta = texts, self.meta
        self.previous_tables = self.tables
        for name, dest in (("triagebook.css", CSS), ("iframe-worker-shim.js", SHIM)):
            files.append(File.generated(config, dest, abs_src_path=str(ASSETS / name)))
        if config.nav is None:
            config.nav = nav(self.pages, files)
        return files

    def on_pre_build(self, *, config: MkDocsConfig) -> None:
        local_polyfills(config)

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
        if page.meta.get("triagebook_postmortem"):
            markdown = relink_missing_runbooks(markdown, page.file.src_uri, files)
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
            page.content = after_title(page.content, self._template(PANEL, config),
                                             page, config)
        elif meta.get("triagebook_postmortem") and page.content is not None:
            page.content = after_title(page.content, self._template(PM_PANEL, config),
                                             page, config)
        return context

    def on_serve(self, server: Any, *, config: MkDocsConfig, builder: Any) -> Any:
        self.server = server
        watch_all(server, self.watch)
        return server


"""The mkdocs plugin: a thin adapter that adds triagebook's generated pages to a build.

Page generation lives in `triagebook.site.pages`; this module only loads the
project, turns problems into PluginError, registers files, theme fragments and
assets, and marks placeholders in the rendered HTML.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page as MkPage
from mkdocs.utils import get_relative_url

from triagebook.config import load_config
from triagebook.errors import TriagebookError
from triagebook.runbook.catalog import load_catalog
from triagebook.runbook.lint import lint, summary
from triagebook.site.pages import NAV, SENTINEL, Page, build_pages, placeholder_html

HERE = Path(__file__).resolve().parent
THEME = HERE / "theme"
ASSETS = HERE / "assets"
SHIM = "assets/triagebook/iframe-worker-shim.js"
CSS = "assets/triagebook/triagebook.css"
PANEL = "partials/triagebook-panel.html"


class TriagebookPluginConfig(base.Config):
    enabled = c.Type(bool, default=True)
    project_dir = c.Optional(c.Type(str))  # default: the folder of mkdocs.yml


class TriagebookPlugin(BasePlugin[TriagebookPluginConfig]):
    def __init__(self) -> None:
        self.pages: list[Page] = []
        self.runbooks_dir: Path | None = None
        self.config_file: Path | None = None

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        if not self.config.enabled:
            return config
        root = Path(self.config.project_dir or Path(config.config_file_path).parent)
        exts = config.markdown_extensions
        if "pymdownx.superfences" not in exts:
            raise PluginError("mkdocs.yml: markdown_extensions: expected pymdownx.superfences "
                              "(steps written as a list hold fenced code, which plain "
                              "Markdown renders as inline text) but it is missing")
        try:
            cfg = load_config(root)
            cat = load_catalog(cfg)
        except TriagebookError as exc:
            raise PluginError(str(exc)) from None
        problems = lint(cat, cfg.today())
        errors = [p for p in problems if p.level == "error"]
        if errors:
            raise PluginError("\n".join(str(p) for p in errors) + "\n" + summary(cat, problems))
        self.runbooks_dir = cfg.runbooks_dir
        self.config_file = cfg.source
        self.pages = build_pages(cat, cfg.today())
        # Our fragments sit right after the project's custom_dir: a site overrides them by
        # placing files of the same name there.
        dirs = config.theme.dirs
        at = 1 if config.theme.custom_dir else 0
        if str(THEME) not in dirs:
            dirs.insert(at, str(THEME))
        config.extra_css.append(CSS)
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
        for page in self.pages:
            if files.get_file_from_path(page.path) is None:
                files.append(File.generated(config, page.path, content=page.text()))
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

    def on_page_content(self, html: str, *, page: MkPage, config: MkDocsConfig,
                        files: Files) -> str | None:
        tb = page.meta.get("triagebook") if page.meta else None
        if not tb:
            return html
        for i, mark in enumerate(tb.get("placeholders", [])):
            html = html.replace(SENTINEL.format(i), placeholder_html(mark), 1)
        # Fetched through the theme environment, so a site's custom_dir can override it.
        panel = config.theme.get_env().get_template(PANEL).render(
            page=page, config=config, base_url=get_relative_url(".", page.url))
        head_end = html.find("</h1>")
        if head_end < 0:
            return panel + html
        head_end += len("</h1>")
        return html[:head_end] + panel + html[head_end:]

    def on_serve(self, server: Any, *, config: MkDocsConfig, builder: Any) -> Any:
        if self.runbooks_dir is not None:
            server.watch(str(self.runbooks_dir))
        if self.config_file is not None:
            server.watch(str(self.config_file))
        return server

"""A real Chromium (Debian's, through Playwright) against the real built site."""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
from conftest import inv
from sitehelp import CHROMIUM, copy_project, have_browser, serve

pytestmark = pytest.mark.browser

if not have_browser():
    if os.environ.get("CI"):
        raise RuntimeError(f"CI is set but no browser at {CHROMIUM}: .ci/run installs chromium")
    pytest.skip(f"no browser at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)

from playwright.sync_api import sync_playwright  # noqa: E402

ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu",
        "--disable-component-update", "--no-first-run", "--disable-sync"]


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = copy_project(tmp_path_factory.mktemp("browser"))
    for args in (("site.build",), ("site.build", "--offline")):
        res = inv(root, *args, timeout=300)
        assert res.returncode == 0, res.stderr + res.stdout
    return root


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


def guarded_page(browser, outside: list[str]):
    """A page whose every request off this machine is blocked and recorded."""
    ctx = browser.new_context()
    page = ctx.new_page()

    def route(r):
        url = r.request.url
        host = urlparse(url).hostname
        if url.startswith(("file:", "data:", "blob:", "about:")) or host in ("127.0.0.1",
                                                                            "localhost"):
            r.continue_()
        else:
            outside.append(url)
            r.abort()

    page.route("**/*", route)
    return page


def first_result(page, query: str) -> str:
    page.click("label.md-search__icon, .md-search__input", timeout=10000)
    # typed key by key, as a person would: material listens for keyboard events
    page.locator(".md-search__input").press_sequentially(query, delay=15)
    first = page.locator(".md-search-result__list > li a").first
    first.wait_for(timeout=15000)
    return first.get_attribute("href") or ""


@pytest.mark.parametrize("query,runbook", [
    ("sku_unavailable", "allocation-failure"),
    ("token_expired", "token-failure"),
    ("dead_letter", "jobs-stuck"),
    ("billing-worker", "billing-worker-failure"),
    ("terminal-gateway", "terminal-gateway"),
])
def test_search_puts_the_runbook_first(project, browser, query, runbook):
    outside: list[str] = []
    with serve(project / "site") as base:
        page = guarded_page(browser, outside)
        page.goto(base + "/")
        href = first_result(page, query)
        assert f"runbooks/{runbook}/" in href, href
        page.context.close()
    assert outside == []


def test_pages_request_nothing_outside_and_route_by_table(project, browser):
    outside: list[str] = []
    with serve(project / "site") as base:
        page = guarded_page(browser, outside)
        page.goto(base + "/routing/")
        page.get_by_role("link", name="GPU allocation failures").first.click()
        page.wait_for_url("**/runbooks/allocation-failure/")
        assert page.locator("[data-tb-panel]").is_visible()
        assert "provisioning" in page.locator("[data-tb-panel]").inner_text()
        hovers = [el.get_attribute("title") for el in page.locator(".tb-ph").all()]
        assert "correlation_id: correlation_id of the failed create/resize call" in hovers
        for path in ("/", "/runbooks/", "/policy/", "/runbooks/token-failure/"):
            page.goto(base + path)
            page.wait_for_load_state("networkidle")
        page.context.close()
    assert outside == []


def test_offline_variant_searches_from_file_url(project, browser):
    outside: list[str] = []
    page = guarded_page(browser, outside)
    index = project / "site-offline" / "index.html"
    page.goto(index.as_uri())
    href = first_result(page, "sku_unavailable")
    assert "/site-offline/runbooks/allocation-failure.html" in href, href
    page.click(".md-search-result__list > li a >> nth=0")
    page.wait_for_url(re.compile(r".*/runbooks/allocation-failure\.html(\?.*)?$"))
    assert "SEV2" in page.locator("[data-tb-panel]").inner_text()
    page.context.close()
    assert outside == []


def test_destructive_block_shows_its_label(project, browser):
    outside: list[str] = []
    with serve(project / "site") as base:
        page = guarded_page(browser, outside)
        page.goto(base + "/runbooks/bad-deploy-rollback/")
        block = page.locator(".tb-destructive").first
        assert "helm -n" in block.inner_text() and "rollback" in block.inner_text()
        label = block.evaluate("el => getComputedStyle(el, '::before').content")
        assert label == '"destructive: the runner asks for evidence first"'
        page.context.close()
    assert outside == []

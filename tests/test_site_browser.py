"""A real Chromium (Debian's, through Playwright) against the real built site."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
from conftest import inv
from pastecorpus import PASTES
from sitehelp import CHROMIUM, copy_project, have_browser, serve

pytestmark = pytest.mark.browser

if not have_browser():
    if os.environ.get("CI"):
        raise RuntimeError(f"CI is set but no browser at {CHROMIUM}: .ci/run installs chromium")
    pytest.skip(f"no browser at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)

from playwright.sync_api import sync_playwright  # noqa: E402

ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu",
        "--disable-component-update", "--no-first-run", "--disable-sync"]


@pytest.fixture(scope="session")  # one setup per worker, even when tests interleave
def project(tmp_path_factory) -> Path:
    root = copy_project(tmp_path_factory.mktemp("browser"))
    for args in (("site.build",), ("site.build", "--offline")):
        res = inv(root, *args, timeout=300)
        assert res.returncode == 0, res.stderr + res.stdout
    return root


@pytest.fixture(scope="module")  # a live Playwright: one module at a time holds it
def browser():
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


def guarded_page(browser, outside: list[str], **context):
    """A page whose every request off this machine is blocked and recorded; ``context``
    are browser-context options (viewport, colour scheme, permissions)."""
    ctx = browser.new_context(**context)
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


# ---- issue 15: the site as the incident console --------------------------------------

def filled(page, name: str) -> list[str]:
    return page.locator(f".tb-ph[data-tb-var='{name}']").all_inner_texts()


def test_form_fills_every_placeholder_live_and_copy_takes_the_filled_command(project, browser):
    outside: list[str] = []
    with serve(project / "site") as base:
        page = guarded_page(browser, outside, permissions=["clipboard-read", "clipboard-write"])
        page.goto(base + "/runbooks/allocation-failure/")
        assert set(filled(page, "sku")) == {"{{ sku }}"}
        page.fill("#tb-v-region", "us-east-2")
        page.fill("#tb-v-sku", "h100-80g-x8")
        region = filled(page, "region")
        in_prose = page.locator("article p .tb-ph[data-tb-var='region']")
        assert in_prose.count() == 1 and len(region) == 2  # a query and a sentence
        assert set(region) == {"us-east-2"}
        assert set(filled(page, "sku")) == {"h100-80g-x8"}
        assert page.locator(".tb-ph.tb-filled").count() == 4
        assert "sku=h100-80g-x8" in page.url and "region=us-east-2" in page.url
        block = page.locator(".highlight", has_text="kubectl get nodes").first
        block.hover()
        block.locator("button[data-clipboard-target]").click()
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied.startswith("kubectl get nodes -l gpuaas.io/sku=h100-80g-x8 ")
        page.context.close()
    assert outside == []


def test_link_opens_prefilled_and_a_secret_never_enters_url_or_storage(project, browser):
    outside: list[str] = []
    with serve(project / "site") as base:
        page = guarded_page(browser, outside)
        page.goto(base + "/runbooks/token-failure/?correlation_id=abcd1234-ef&"
                  "admin_token=hunter2-SECRET")
        assert set(filled(page, "correlation_id")) == {"abcd1234-ef"}
        assert page.input_value("#tb-v-correlation_id") == "abcd1234-ef"
        # the secret's field names the variable the runner reads; no input to type it into
        field = page.locator("[data-tb-field='admin_token']")
        assert "TRIAGEBOOK_SECRET_ADMIN_TOKEN" in field.inner_text()
        assert field.locator("input").count() == 0
        assert "${TRIAGEBOOK_SECRET_ADMIN_TOKEN}" in page.locator(".tb-ph.tb-secret").first.inner_text()
        assert "hunter2" not in page.locator("article").inner_text()
        assert "admin_token" not in page.url and "hunter2" not in page.url
        page.fill("#tb-v-correlation_id", "abcd1234-zz")
        stored = page.evaluate("JSON.stringify([localStorage, sessionStorage])")
        assert "hunter2" not in stored and "abcd1234" not in stored
        page.context.close()
    assert outside == []


def test_a_value_missing_its_pattern_stays_marked_unfilled(project, browser):
    outside: list[str] = []
    with serve(project / "site") as base:
        page = guarded_page(browser, outside)
        page.goto(base + "/runbooks/token-failure/")
        page.fill("#tb-v-correlation_id", "no!")
        assert page.locator("[data-tb-field='correlation_id'] [data-tb-bad]").is_visible()
        # marked as the runner marks a missing value, never template text to copy
        assert set(filled(page, "correlation_id")) == {"<correlation_id>"}
        ph = page.locator(".tb-ph[data-tb-var='correlation_id']").first
        assert ph.evaluate("e => e.classList.contains('tb-invalid')") is True
        assert ph.evaluate("e => getComputedStyle(e).outlineStyle") == "dashed"
        # a value with a default shows the default until one is typed
        assert set(filled(page, "api_base")) == {"https://api.gpuaas.internal"}
        page.context.close()
    assert outside == []


PASTED = [
    ("error_code=token_expired correlation_id=7f3c2a10-5b8e", "token-failure"),
    ('{"error": {"code": "token_expired", "message": "The token has expired", '
     '"correlation_id": "7f3c2a10"}}', "token-failure"),
    ("CrashLoopBackOff", "bad-deploy-rollback"),
    ("OOMKilled", "server-resource-exhaustion"),
    ("HTTP 502", "api-degradation"),
    ("502 Bad Gateway", "api-degradation"),
]


@pytest.mark.parametrize("text,runbook", PASTED)
def test_pasted_error_finds_its_runbook_in_search_and_match(project, browser, text, runbook):
    outside: list[str] = []
    with serve(project / "site") as base:
        page = guarded_page(browser, outside)
        page.goto(base + "/")
        page.click("label.md-search__icon, .md-search__input", timeout=10000)
        page.locator(".md-search__input").fill(text)  # pasted with the mouse: no key pressed
        first = page.locator(".md-search-result__list > li a").first
        first.wait_for(timeout=15000)
        assert f"runbooks/{runbook}/" in (first.get_attribute("href") or "")
        page.context.close()
    assert outside == []
    res = inv(project, "runbook.match", text, "--format", "json")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)[0]["id"] == runbook


def test_search_box_and_runbook_match_normalise_alike(project, browser):
    from triagebook.runbook.normalise import normalise

    samples = [text for text, _ in PASTED] + [text for text, _, _ in PASTES] + [
        "2026-11-22T02:14:07Z level=error msg=\"request failed\" status=401 "
        "error_code=token_expired sku=h100-80g-x8",
        "HTTP/1.1 503 Service Unavailable", "Service  Unavailable", "429",
        "NodeCordoned AllocationTimeout", "billing-worker dead_letter", "The pod was evicted",
        "'region': 'eu-north-1', trace_id=0af7651916cd43dd8448eb211c80319c",
    ]
    outside: list[str] = []
    with serve(project / "site") as base:
        page = guarded_page(browser, outside)
        page.goto(base + "/")
        for text in samples:
            js = page.evaluate("t => triagebook.normalise(t)", text)
            assert js == normalise(text).as_dict(), text
        page.context.close()
    assert outside == []


def test_the_site_search_finds_what_runbook_match_finds_for_every_paste(project, browser):
    """Issue 19 item 2: the paste corpus (tests/pastecorpus.py) through the site's search
    box, in one page: its first result is runbook.match's first, for every paste that
    has one — words-only (low confidence) pastes included: the site orders the runbooks
    lunr finds with runbook.match's own ranking (match.site_index, shipped as a script).
    runbook.match itself is held to the corpus in test_match_corpus.py."""
    from triagebook.config import default_config
    from triagebook.runbook.catalog import load_catalog
    from triagebook.runbook.match import match

    cat = load_catalog(default_config(project), use_cache=False)
    outside: list[str] = []
    missed = []
    checked = 0
    with serve(project / "site") as base:
        page = guarded_page(browser, outside)
        page.goto(base + "/")
        page.click("label.md-search__icon, .md-search__input", timeout=10000)
        box = page.locator(".md-search__input")
        for text, runbook, _confidence in PASTES:
            if runbook is None:
                continue
            first = match(cat, text)[0].id
            checked += 1
            box.fill(text)  # pasted with the mouse: no key pressed
            try:
                page.wait_for_function(
                    "rb => { const a = document.querySelector("
                    "'.md-search-result__list > li a'); "
                    "return a && a.getAttribute('href').includes('runbooks/' + rb + '/'); }",
                    arg=first, timeout=5000)
            except Exception:  # noqa: BLE001 - a miss is recorded, the rest still run
                a = page.locator(".md-search-result__list > li a").first
                href = a.get_attribute("href") if a.count() else None
                missed.append((text, first, href))
            box.fill("")
        page.context.close()
    assert outside == []
    assert checked >= 50
    assert missed == []


def test_the_sites_ranking_is_runbook_matchs_for_every_paste(project, browser):
    """The shipped ranking (triagebook.rank) gives runbook.match's ids, in its order, and
    its scores, for the whole paste corpus."""
    from triagebook.config import default_config
    from triagebook.runbook.catalog import load_catalog
    from triagebook.runbook.match import match

    cat = load_catalog(default_config(project), use_cache=False)
    outside: list[str] = []
    with serve(project / "site") as base:
        page = guarded_page(browser, outside)
        page.goto(base + "/")
        for text, _runbook, _confidence in PASTES:
            got = page.evaluate("t => triagebook.rank(t)", text)
            want = match(cat, text)
            assert [g["id"] for g in got] == [m.id for m in want], text
            assert [round(g["score"], 9) for g in got] == [round(m.score, 9) for m in want], text
        page.context.close()
    assert outside == []


def test_snippets_read_as_sentences_not_the_panel(project, browser):
    outside: list[str] = []
    with serve(project / "site") as base:
        page = guarded_page(browser, outside)
        page.goto(base + "/")
        page.click("label.md-search__icon, .md-search__input", timeout=10000)
        page.locator(".md-search__input").fill("sku_unavailable")
        first = page.locator(".md-search-result__list > li").first
        first.wait_for(timeout=15000)
        text = first.inner_text()
        assert "The scheduler places instances on nodes" in text
        for panel_word in ("Failure classes", "Customer-visible", "Last reviewed", "Step 1 of"):
            assert panel_word not in text
        page.context.close()
    assert outside == []


def test_steps_numbered_as_the_runner_counts(project, browser):
    outside: list[str] = []
    with serve(project / "site") as base:
        page = guarded_page(browser, outside)
        page.goto(base + "/runbooks/allocation-failure/")
        labels = page.locator(".tb-step").all_inner_texts()
        assert [x.lower() for x in labels] == [f"step {n} of 5" for n in range(1, 6)]
        assert page.locator(".tb-step").nth(2).is_visible()
        page.goto(base + "/runbooks/incident-process/")  # steps written as a list
        assert page.locator(".tb-step").first.inner_text().lower() == "step 1 of 6"
        page.context.close()
    assert outside == []


def test_dark_scheme_follows_the_system_and_the_toggle(project, browser):
    outside: list[str] = []
    with serve(project / "site") as base:
        page = guarded_page(browser, outside, color_scheme="dark")
        page.goto(base + "/runbooks/token-failure/")

        def scheme():
            return page.evaluate("document.body.getAttribute('data-md-color-scheme')")

        assert scheme() == "slate"
        page.locator("form[data-md-component='palette'] label:visible").first.click()
        assert scheme() == "default"  # the reader chose light
        page.reload()
        assert scheme() == "default"  # and it stays chosen
        page.context.close()
        light = guarded_page(browser, outside, color_scheme="light")
        light.goto(base + "/")
        assert light.evaluate("document.body.getAttribute('data-md-color-scheme')") == "default"
        light.context.close()
    assert outside == []


def test_routing_table_reads_on_a_phone(project, browser):
    outside: list[str] = []
    with serve(project / "site") as base:
        page = guarded_page(browser, outside, viewport={"width": 390, "height": 844},
                          is_mobile=True, has_touch=True)
        page.goto(base + "/routing/")
        rows = page.locator("article table tbody tr")
        assert rows.count() > 30
        width = page.evaluate("document.documentElement.clientWidth")
        for i in range(rows.count()):
            row = rows.nth(i)
            code = row.locator("td").nth(0).locator("code")
            # one box: the code was not broken across lines
            assert code.evaluate("e => e.getClientRects().length") == 1, code.inner_text()
            for cell in (code, row.locator("td").nth(3)):  # the code and its owner
                box = cell.bounding_box()
                assert box is not None and box["width"] > 0
                assert box["x"] >= 0 and box["x"] + box["width"] <= width + 1, cell.inner_text()
        owner = rows.first.locator("td").nth(3)
        assert owner.evaluate("e => getComputedStyle(e, '::before').content") == '"owner "'
        assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scroll
        page.context.close()
    assert outside == []


def test_offline_copy_fills_from_a_file_url_and_searches_pasted_errors(project, browser):
    outside: list[str] = []
    page = guarded_page(browser, outside)
    rb = project / "site-offline" / "runbooks" / "token-failure.html"
    page.goto(rb.as_uri() + "?correlation_id=feed1234-beef")
    assert set(filled(page, "correlation_id")) == {"feed1234-beef"}
    page.fill("#tb-v-correlation_id", "feed1234-cafe")
    assert set(filled(page, "correlation_id")) == {"feed1234-cafe"}
    page.click("label.md-search__icon, .md-search__input")
    page.locator(".md-search__input").fill("CrashLoopBackOff")
    first = page.locator(".md-search-result__list > li a").first
    first.wait_for(timeout=15000)
    assert "/runbooks/bad-deploy-rollback.html" in (first.get_attribute("href") or "")
    page.context.close()
    assert outside == []

"""No script in the site: a hostile note, skip reason and link in a ledger, through a real
incident, a real post-mortem and a real site build, opened in a real Chromium."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import assert_no_traceback, inv
from sitehelp import CHROMIUM, copy_project, have_browser, serve

pytestmark = pytest.mark.browser

if not have_browser():
    if os.environ.get("CI"):
        raise RuntimeError(f"CI is set but no browser at {CHROMIUM}: .ci/run installs chromium")
    pytest.skip(f"no browser at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)

from playwright.sync_api import sync_playwright  # noqa: E402

ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu",
        "--disable-component-update", "--no-first-run", "--disable-sync"]
NOTE = "<img src=x onerror=alert(1)> <script>alert(2)</script>"
REASON = '{: onclick="alert(3)" }'
LINK = "[click](javascript:alert(4))"
LOGGER = "<svg onload=console.log('xss-ran')></svg><script>console.log('xss-ran')</script>"


@pytest.fixture(scope="session")  # one setup per worker, even when tests interleave
def site(tmp_path_factory) -> Path:
    root = copy_project(tmp_path_factory.mktemp("xss"))
    res = inv(root, "runbook.run", "api-degradation", "--incident", "INC-XSS", input=(
        f"note {NOTE}\nskip {REASON}\nnote {LINK}\nnote {LOGGER}\nresolved\nquit\n"),
        env={"TRIAGEBOOK_OPERATOR": "alice"})
    assert res.returncode == 0, res.stderr
    assert (root / "postmortems" / "INC-XSS.md").is_file()  # SEV2: drafted on resolve
    built = inv(root, "site.build", timeout=300)
    assert_no_traceback(built)
    assert built.returncode == 0, built.stderr + built.stdout
    return root / "site"


@pytest.fixture(scope="session")  # one setup per worker, even when tests interleave
def page_state(site):
    """The post-mortem page after load: dialogs, console lines, and what the DOM holds."""
    dialogs: list[str] = []
    console: list[str] = []
    with serve(site) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_page()
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.on("console", lambda m: console.append(m.text))
        page.goto(base + "/postmortems/INC-XSS/")
        page.wait_for_load_state("networkidle")
        article = page.locator("article")
        for cell in article.locator("td, li").all():  # an injected handler fires on hover
            cell.hover()
        state = {
            "text": article.inner_text(),
            "handlers": page.evaluate("""() => [...document.querySelectorAll('article *')]
                .flatMap(el => [...el.attributes].map(a => a.name))
                .filter(n => n.startsWith('on'))"""),
            "scripts": article.locator("script").count(),
            "images": article.locator("img").count(),
            "js_links": page.locator("a[href^='javascript:']").count(),
        }
        browser.close()
    return dialogs, console, state


def test_no_dialog_opens(page_state):
    dialogs, _, _ = page_state
    assert dialogs == []


def test_no_injected_script_logs_to_the_console(page_state):
    _, console, _ = page_state
    assert "xss-ran" not in console


def test_the_note_is_shown_literally(page_state):
    _, _, state = page_state
    assert NOTE in state["text"]


def test_the_skip_reason_and_link_are_shown_literally(page_state):
    _, _, state = page_state
    assert REASON in state["text"] and LINK in state["text"]


def test_the_page_holds_no_injected_element_or_handler(page_state):
    _, _, state = page_state
    assert (state["handlers"], state["scripts"], state["images"], state["js_links"]) == (
        [], 0, 0, 0)

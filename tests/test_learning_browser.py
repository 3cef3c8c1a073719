"""The Health pages in a real site build, opened in Chromium: the charts render as SVG,
no request leaves the machine, the numbers in the tables are the fixture set's, each
runbook page carries its health line, and a hostile owner name stays text."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from learnhelp import build
from sitehelp import CHROMIUM, copy_project, have_browser, serve

from triagebook.config import load_config
from triagebook.site.build import mkdocs

pytestmark = pytest.mark.browser

if not have_browser():
    if os.environ.get("CI"):
        raise RuntimeError(f"CI is set but no browser at {CHROMIUM}: .ci/run installs chromium")
    pytest.skip(f"no browser at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)

from playwright.sync_api import sync_playwright  # noqa: E402

ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu",
        "--disable-component-update", "--no-first-run", "--disable-sync"]
HOSTILE_OWNER = "<script>window.__pwned=1</script>"


@pytest.fixture(scope="session")  # one setup per worker, even when tests interleave
def site(tmp_path_factory) -> Path:
    root = copy_project(tmp_path_factory.mktemp("health"))
    build(root)
    pm = root / "postmortems" / "INC-20260915-0200-bbbb.md"
    pm.write_text(pm.read_text(encoding="utf-8").replace(
        "- [ ] Grow the volume — owner: @bob",
        f"- [ ] Grow the volume — owner: @{HOSTILE_OWNER}"), encoding="utf-8")
    out = root / "site"
    code = mkdocs(["build", "--strict", "--clean", "-d", str(out)], load_config(root))
    assert code == 0
    return out


@pytest.fixture(scope="session")  # one setup per worker, even when tests interleave
def pages(site):
    """What Chromium shows on the two Health pages and one runbook page, plus every
    request it made."""
    requests: list[str] = []
    with serve(site) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_page()
        page.on("request", lambda r: requests.append(r.url))
        out = {}
        for name, path in (("health", "/health/"), ("runbooks", "/health/runbooks/"),
                           ("disk", "/runbooks/disk-full/")):
            page.goto(base + path)
            page.wait_for_load_state("networkidle")
            out[name] = {
                "svgs": page.locator("article svg.tb-chart").count(),
                "svg_boxes": [page.locator("article svg.tb-chart").nth(i).bounding_box()
                              for i in range(page.locator("article svg.tb-chart").count())],
                "tables": page.locator("article table").evaluate_all(
                    "ts => ts.map(t => [...t.rows].map(r => [...r.cells].map(c => "
                    "c.innerText.trim())))"),
                "health": page.locator("[data-tb-health]").all_inner_texts(),
                "pwned": page.evaluate("() => window.__pwned === 1"),
                "text": page.locator("article").inner_text(),
            }
        browser.close()
    out["hosts"] = sorted({urlsplit(u).hostname or "" for u in requests})
    return out


def test_no_request_leaves_the_machine(pages):
    assert pages["hosts"] == ["127.0.0.1"]


def test_health_page_draws_three_charts(pages):
    assert pages["health"]["svgs"] == 3


def test_charts_have_a_size_on_screen(pages):
    assert all(box and box["width"] > 100 and box["height"] > 20
               for box in pages["health"]["svg_boxes"])


def test_response_table_holds_the_fixture_figures(pages):
    table = pages["health"]["tables"][0]
    sev2 = [row for row in table if row[0] == "SEV2"][0]
    assert sev2 == ["SEV2", "2", "10 min", "20 min", "30 min", "1 h 00 min", "2 h 00 min",
                    "50 %", "4", "2", "1"]


def test_monthly_table_beside_the_chart(pages):
    assert pages["health"]["tables"][1] == [["Month", "SEV1", "SEV2"],
                                            ["2026-09", "–", "10 min"],
                                            ["2026-10", "2 min", "–"]]


def test_overdue_owner_is_text_not_script(pages):
    owners = [row[0] for row in pages["health"]["tables"][3][1:]]
    assert owners == ["<script>window.__pwned=1</script>", "bob"]


def test_hostile_owner_never_ran(pages):
    assert pages["health"]["pwned"] is False


def test_runbook_health_funnel_table(pages):
    funnel = pages["runbooks"]["tables"][0]
    assert funnel[2] == ["2", "Think", "2", "0", "2", "no access ×2", "0", "0", "1 min"]


def test_runbook_page_health_line(pages):
    assert pages["disk"]["health"] == [
        "used 2 times, last 2026-09-15; most skipped: step 2 (Think) ×2 · runbook health"]

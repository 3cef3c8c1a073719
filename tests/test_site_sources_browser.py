"""No script in the site from front-matter or a hand-written post-mortem (issue 26): each
payload would set a `window.PWN…` flag if it ran; Chromium opens every page it could
reach and finds none set."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, assert_no_traceback, inv
from sitehelp import CHROMIUM, copy_project, have_browser, serve

pytestmark = pytest.mark.browser

if not have_browser():
    if os.environ.get("CI"):
        raise RuntimeError(f"CI is set but no browser at {CHROMIUM}: .ci/run installs chromium")
    pytest.skip(f"no browser at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)

from playwright.sync_api import sync_playwright  # noqa: E402

ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
PM = "INC-20261201-0101-abcd"
FLAGS = [f"PWN{n}" for n in range(1, 8)]
PAGES = ["runbooks/evil/", f"postmortems/{PM}/", "runbooks/", "routing/", "by-route/",
         "by-severity/", "postmortems/"]


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    root = copy_project(tmp_path_factory.mktemp("xss-sources"))
    shutil.copy(FIXTURES / "xss" / "evil-runbook.md", root / "runbooks" / "evil.md")
    (root / "postmortems").mkdir(exist_ok=True)
    shutil.copy(FIXTURES / "xss" / "handwritten-postmortem.md",
                root / "postmortems" / f"{PM}.md")
    built = inv(root, "site.build", timeout=300)
    assert_no_traceback(built)
    assert built.returncode == 0, built.stderr + built.stdout
    return root / "site"


def flags_set(site: Path, pages: list[str], flags: list[str],
              text_of: str = "") -> tuple[dict[str, list[str]], str]:
    """Per page: the flags an injected payload set (hovering every link on the way);
    and the article text of the page ``text_of``, when given."""
    out: dict[str, list[str]] = {}
    shown = ""
    with serve(site) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_page()
        page.on("dialog", lambda d: d.dismiss())
        for path in pages:
            page.goto(f"{base}/{path}")
            page.wait_for_load_state("networkidle")
            for link in page.locator("article a").all()[:40]:
                link.hover()
            out[path] = page.evaluate(f"() => {flags!r}.filter(f => window[f] !== undefined)")
        if text_of:
            page.goto(f"{base}/{text_of}")
            shown = page.locator("article").inner_text()
        browser.close()
    return out, shown


@pytest.fixture(scope="session")
def ran(site) -> dict[str, list[str]]:
    return flags_set(site, PAGES, FLAGS)[0]


@pytest.mark.parametrize("path", PAGES)
def test_no_payload_runs(ran, path):
    assert ran[path] == []


def test_the_title_reads_as_written_with_look_alikes(site):
    page = (site / "runbooks" / "evil" / "index.html").read_text(encoding="utf-8")
    assert "<title>[SEV3] Evil ＂‹/title›‹script›window.PWN1=1‹/script› - " in page


def test_the_description_cannot_leave_its_attribute(site):
    page = (site / "runbooks" / "evil" / "index.html").read_text(encoding="utf-8")
    assert ('<meta name="description" content="When \'＂›‹img src=x onerror=＂window.PWN2=1'
            '＂› happens">') in page


def test_raw_html_in_a_postmortem_body_is_sanitised_and_the_rest_kept(site):
    page = (site / "postmortems" / PM / "index.html").read_text(encoding="utf-8")
    assert "<p>Fine text with <b>bold</b>.</p>" in page
    assert "javascript:" not in page.split('<div class="md-content"')[1]


def test_a_hostile_runbook_id_stays_inside_its_href(site):
    page = (site / "postmortems" / PM / "index.html").read_text(encoding="utf-8")
    assert 'runbooks/evil%22%3E%3Cscript%3Ewindow.PWN4%3D1%3C/script%3E/"' in page


def test_a_result_the_search_adds_from_the_trigger_shows_it_as_text(site):
    """A word only in a runbook's trigger (not in lunr's page text) still finds it, as
    runbook.match does: the search adds that result from the shipped index — as text."""
    with serve(site) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_page()
        page.goto(f"{base}/")
        page.click("label.md-search__icon, .md-search__input", timeout=10000)
        page.locator(".md-search__input").fill("onerror")
        first = page.locator(".md-search-result__list > li a").first
        first.wait_for(timeout=10000)
        assert "runbooks/evil/" in (first.get_attribute("href") or "")
        assert "onerror=\"window.PWN2=1\"" in first.inner_text()
        first.hover()
        assert page.evaluate(f"() => {FLAGS!r}.filter(f => window[f] !== undefined)") == []
        browser.close()


MERGED = "INC-20261202-0303-abcd"
LEDGER_FLAGS = [f"PWN{n}" for n in range(8, 12)]


@pytest.fixture(scope="module")
def ledger_site(tmp_path_factory) -> tuple[Path, str]:
    """Ledger data and a merged ledger as sources: a responder records payloads in notes
    and a skip reason; the incident is bundled, merged into another project, drafted
    into a post-mortem there, and the site built from it."""
    first = copy_project(tmp_path_factory.mktemp("ledger-a"))
    shutil.copy(FIXTURES / "evidence" / "wedged.md", first / "runbooks" / "wedged.md")
    script = ("ack\nnote <img src=x onerror=\"window.PWN8=1\"> seen\n"
              "skip '\"><script>window.PWN9=1</script>\nquit\n")
    res = inv(first, "runbook.run", "wedged", "--incident", MERGED, "--context", "host=wk-7",
              "--detected", "2026-12-02T03:03:00Z", input=script,
              env={"TRIAGEBOOK_OPERATOR": "alice"})
    assert res.returncode == 0, res.stderr
    res = inv(first, "incident.note", MERGED, "</textarea><svg onload=window.PWN10=1>")
    assert res.returncode == 0, res.stderr
    res = inv(first, "incident.bundle", MERGED, "--out", "b.tar.gz")
    assert res.returncode == 0, res.stderr
    second = copy_project(tmp_path_factory.mktemp("ledger-b"))
    shutil.copy(FIXTURES / "evidence" / "wedged.md", second / "runbooks" / "wedged.md")
    res = inv(second, "incident.merge", MERGED, str(first / "b.tar.gz"))
    assert res.returncode == 0, res.stderr
    res = inv(second, "incident.note", MERGED, "[x](javascript:window.PWN11=1)")
    assert res.returncode == 0, res.stderr
    res = inv(second, "postmortem.new", MERGED)
    assert res.returncode == 0, res.stderr
    built = inv(second, "site.build", timeout=300)
    assert_no_traceback(built)
    assert built.returncode == 0, built.stderr + built.stdout
    return second / "site", (second / "postmortems" / f"{MERGED}.md").read_text()


def test_no_payload_from_ledger_data_or_a_merged_ledger_runs(ledger_site):
    site, draft = ledger_site
    assert "window.PWN8=1" in draft  # the payloads did reach the draft: the test bites
    assert "window.PWN10=1" in draft
    pages = [f"postmortems/{MERGED}/", "postmortems/", "health/", "runbooks/wedged/"]
    assert [p for p in pages if not (site / p / "index.html").is_file()] == []
    ran, shown = flags_set(site, pages, LEDGER_FLAGS, text_of=f"postmortems/{MERGED}/")
    assert ran == {path: [] for path in pages}
    assert "onerror=\"window.PWN8=1\"" in shown  # shown as the text it was

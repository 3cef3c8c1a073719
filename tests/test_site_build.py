"""The built site: real mkdocs builds through `inv site.build`, checked as files."""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import FIXTURES, assert_no_traceback, inv, inv_process
from sitehelp import copy_project


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    root = copy_project(tmp_path_factory.mktemp("site"))
    res = inv(root, "site.build", timeout=300)
    assert res.returncode == 0, res.stderr + res.stdout
    return root / "site"


def page(site: Path, rel: str) -> str:
    return (site / rel / "index.html").read_text(encoding="utf-8")


def test_runbook_page_panel(built):
    html = page(built, "runbooks/token-failure")
    panel = html[html.index('data-tb-panel'):html.index("</dl>", html.index("data-tb-panel"))]
    assert 'class="tb-badge tb-sev-SEV3">SEV3</span>' in panel and "respond: 1 hour" in panel
    for text in ("<code>token_missing</code>", "<code>token_expired</code>", "auth-session",
                 "A CLI command exits non-zero", "gpuaas-api, auth-service",
                 "tb-esc-YELLOW", "Customer-visible</dt><dd>yes", "identity-team",
                 "2026-11-02", "<code>inv runbook.run token-failure</code>"):
        assert text in panel, text
    assert 'href="../project-context-invalid/"' in panel
    assert "<title>[SEV3] CLI authentication failures" in html


def test_placeholders_marked_with_description(built):
    html = page(built, "runbooks/token-failure")
    assert ('<span class="tb-ph" data-tb-var="correlation_id" title="correlation_id: '
            'correlation_id printed on the CLI&#x27;s stderr">{{ correlation_id }}</span>') in html
    assert "TBPH" not in html


def test_raw_blocks_show_literally(built):
    html = page(built, "runbooks/project-context-invalid")
    assert "{% raw %}" not in html and "{{.tenant_id}}" in html


def test_list_steps_keep_code_inside_items(built):
    html = page(built, "runbooks/incident-process")
    steps = html[html.index('id="steps"'):]
    assert steps.count("<li>") == 6
    first_item = steps[steps.index("<li>"):steps.index("</li>")]
    assert "<pre" in first_item  # superfences: the fence stayed a code block in the item


def test_routing_table_one_row_per_class_sorted(built):
    html = page(built, "routing")
    rows = re.findall(r"<tr>\s*<td><code>([^<]+)</code></td>\s*<td><a href=\"([^\"]+)\"",
                      html)
    classes = [c for c, _ in rows]
    assert classes == sorted(classes, key=str.lower)
    assert len(classes) == len(set(classes))
    assert ("allocation_*", "../runbooks/allocation-failure/") in rows
    assert ("sku_unavailable", "../runbooks/allocation-failure/") in rows
    assert ("token_expired", "../runbooks/token-failure/") in rows


def test_generated_indexes_and_policy(built):
    allrb = page(built, "runbooks")
    assert allrb.count("<tr>") == 24  # header + 23 runbooks
    assert "Last reviewed" in allrb
    sev = page(built, "by-severity")
    assert sev.index("SEV1") < sev.index("SEV2") < sev.index("SEV4")
    assert "billing-worker" in page(built, "by-service")
    assert "identity-team" in page(built, "by-route")
    pol = page(built, "policy")
    assert "next business day" in pol and "22:00–07:00" in pol


def test_configuration_reference_lists_settings_and_is_in_the_nav(built):
    html = page(built, "reference/configuration")
    for key in ("runbooks_dir", "policy.quiet_hours", "policy.severities.SEV1.response_minutes",
                "escalation.channels.NAME.kind"):
        assert f"<code>{key}</code>" in html, key
    assert "<code>22:00-07:00</code>" in html
    assert 'href="reference/configuration/"' in (built / "index.html").read_text(encoding="utf-8")


def test_search_index_is_lean_and_tags_runbooks(built):
    index = json.loads((built / "search" / "search_index.json").read_text(encoding="utf-8"))
    docs = index["docs"]
    by_loc = {}
    for d in docs:
        by_loc.setdefault(d["location"].split("#")[0], []).append(d)
    # generated tables are excluded so they never outrank the runbook itself
    assert "routing/" not in by_loc and "runbooks/" not in by_loc
    top = by_loc["runbooks/allocation-failure/"][0]
    # tags hold the search keys, spelled as the search box's normaliser spells a query
    assert "skuunavailable" in top["tags"] and "allocation_" in top["tags"]
    assert "scheduler" in top["tags"]
    size = len(json.dumps(index))
    pages = len(by_loc)
    assert size / pages < 6000, (size, pages)


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.loads: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "img", "iframe") and a.get("src"):
            self.loads.append(a["src"])
        if tag == "link" and a.get("href") and a.get("rel") not in ("canonical",):
            self.loads.append(a["href"])


def test_no_external_resources_anywhere(built):
    for html in built.rglob("*.html"):
        refs = _Refs()
        refs.feed(html.read_text(encoding="utf-8"))
        external = [u for u in refs.loads if re.match(r"^(https?:)?//", u)]
        assert external == [], (html, external)
    css_js = "".join(p.read_text(encoding="utf-8", errors="replace")
                     for p in built.rglob("*.css"))
    assert "fonts.googleapis" not in css_js and "@import url(http" not in css_js


def test_stale_review_warning(tmp_path):
    root = copy_project(tmp_path)
    p = root / "runbooks" / "auth" / "token-failure.md"
    p.write_text(p.read_text().replace("last_reviewed: 2026-11-02", "last_reviewed: 2025-01-02"))
    res = inv(root, "site.build", timeout=300)
    assert res.returncode == 0, res.stderr
    html = page(root / "site", "runbooks/token-failure")
    assert "data-tb-stale" in html and "review window is 90 days" in html


def test_build_fails_on_lint_error_naming_the_file(tmp_path):
    root = copy_project(tmp_path)
    shutil.copy(FIXTURES / "lint" / "bad-severity.md", root / "runbooks" / "bad-severity.md")
    res = inv_process(root, "site.build"  # mkdocs' own output: a child's fds
                      , timeout=300)
    assert res.returncode != 0
    out = res.stdout + res.stderr
    assert ("runbooks/bad-severity.md:3: bad-value: severity: expected one of SEV1, SEV2, "
            "SEV3, SEV4 but received 'SEV9'") in out
    assert_no_traceback(res)


def test_build_needs_superfences(tmp_path):
    root = copy_project(tmp_path)
    cfg = root / "mkdocs.yml"
    cfg.write_text(cfg.read_text().replace("  - pymdownx.superfences\n", ""))
    res = inv_process(root, "site.build"  # mkdocs' own output: a child's fds
                      , timeout=300)
    assert res.returncode != 0
    assert "expected pymdownx.superfences" in res.stdout + res.stderr


def test_embedded_default_without_mkdocs_yml(tmp_path):
    root = copy_project(tmp_path)
    (root / "mkdocs.yml").unlink()
    shutil.rmtree(root / "docs")
    res = inv(root, "site.build", timeout=300)
    assert res.returncode == 0, res.stderr + res.stdout
    assert "tb-panel" in page(root / "site", "runbooks/jobs-stuck")


def test_export_writes_markdown_pages(tmp_path):
    root = copy_project(tmp_path)
    res = inv(root, "site.export", str(tmp_path / "out"))
    assert res.returncode == 0, res.stderr
    text = (tmp_path / "out" / "runbooks" / "token-failure.md").read_text()
    assert text.startswith("---\n{") and '"route": "auth-session"' in text
    assert (tmp_path / "out" / "routing.md").is_file()


def test_postmortems_published_and_linked(tmp_path):
    root = copy_project(tmp_path)
    (root / "postmortems").mkdir()
    (root / "postmortems" / "INC-20261101-0300-abcd.md").write_text(
        "---\nincident: INC-20261101-0300-abcd\ntitle: Token outage\nseverity: SEV2\n"
        "runbooks: [token-failure]\ndetected: 2026-11-01 03:00:00 UTC\nduration: 1 h 05 min\n"
        "status: draft\n---\n\n# Post-mortem: Token outage\n\n## Runbook feedback\n\n"
        "- [CLI authentication failures](../runbooks/token-failure.md)\n", encoding="utf-8")
    res = inv(root, "site.build", timeout=300)
    assert res.returncode == 0, res.stderr + res.stdout
    index = page(root / "site", "postmortems")
    row = index[index.index("INC-20261101-0300-abcd"):]
    for cell in ("Token outage", "SEV2", "1 h 05 min", "draft"):
        assert cell in row[:600], cell
    assert "2026-11-01" in index
    assert "Post-mortem: Token outage" in page(root / "site", "postmortems/INC-20261101-0300-abcd")
    panel = page(root / "site", "runbooks/token-failure")
    assert 'href="../../postmortems/INC-20261101-0300-abcd/"' in panel
    assert "postmortems/INC-20261101-0300-abcd" not in page(root / "site", "runbooks/jobs-stuck")


def test_a_postmortem_linking_a_renamed_runbook_does_not_fail_the_build(tmp_path, capfd):
    """Issue 26 item 5: a runbook renamed after the incident (lint clean) leaves an old
    post-mortem's link dangling: a warning naming the post-mortem, the link opens the
    runbook list, and the build succeeds."""
    root = copy_project(tmp_path)
    (root / "postmortems").mkdir(exist_ok=True)
    (root / "postmortems" / "INC-20261101-0300-old1.md").write_text(
        "---\nincident: INC-20261101-0300-old1\ntitle: Old\nseverity: SEV2\n"
        "status: final\n---\n\n# Post-mortem: Old\n\nWalked with "
        "[the old runbook](../runbooks/renamed-away.md).\n", encoding="utf-8")
    res = inv(root, "site.build", timeout=300)
    assert res.returncode == 0, res.stderr + res.stdout
    said = capfd.readouterr().err  # mkdocs runs as a child process: its stderr, by fd
    assert ("warning: postmortems/INC-20261101-0300-old1.md: links to "
            "../runbooks/renamed-away.md, which is no longer in the catalog") in said
    html = page(root / "site", "postmortems/INC-20261101-0300-old1")
    assert '<a href="../../runbooks/" rel="noopener noreferrer">the old runbook</a>' in html


def test_a_secret_pasted_into_a_postmortem_is_not_published(tmp_path):
    """Issue 26 item 3: the site redacts post-mortems as a bundle does — page and index."""
    root = copy_project(tmp_path)
    (root / "postmortems").mkdir(exist_ok=True)
    leak = "Hunter2-Really-Secret-Value"
    (root / "postmortems" / "INC-20261101-0300-leak.md").write_text(
        "---\nincident: INC-20261101-0300-leak\ntitle: Leak\nseverity: SEV2\n"
        "status: draft\n---\n\n# Post-mortem: Leak\n\nWe logged in with "
        f"password={leak} to check.\n", encoding="utf-8")
    res = inv(root, "site.build", timeout=300)
    assert res.returncode == 0, res.stderr + res.stdout
    html = page(root / "site", "postmortems/INC-20261101-0300-leak")
    assert "password=[REDACTED:secret]" in html
    assert leak not in html
    assert leak not in (root / "site" / "search" / "search_index.json").read_text()


def test_destructive_blocks_are_labelled_and_marked_fences_stay_code(built):
    html = page(built, "runbooks/bad-deploy-rollback")
    assert html.count('<div class="tb-destructive highlight" data-tb-label="destructive: the '
                      'runner asks for evidence first">') == 1
    norun = page(built, "runbooks/iam-permission-denied")
    assert "sh norun" not in norun  # without the rewrite superfences shows it as inline text
    assert "<pre><span></span><code>git<span" in norun


def test_postmortem_from_a_real_incident_renders_right(tmp_path):
    """Run a runbook whose command holds pipes to a SEV2 resolve, edit the draft as people
    do (action items, reviewers), build: the page shows what was written."""
    root = copy_project(tmp_path)
    shutil.copy(FIXTURES / "site" / "queue-storm.md", root / "runbooks" / "queue-storm.md")
    res = inv(root, "runbook.run", "queue-storm", "--incident", "INC-PM1",
              input="run\ny\ndone\nresolved\nquit\n", env={"TRIAGEBOOK_OPERATOR": "ana"})
    assert res.returncode == 0, res.stderr + res.stdout
    pm = root / "postmortems" / "INC-PM1.md"
    text = pm.read_text(encoding="utf-8")
    text = text.replace("status: draft", "status: draft\nreviewers: [bo, chen]", 1)
    text += ("\n## Follow-up\n\n- [ ] cap allocation retries — owner: @ana — due: 2026-12-01\n"
             "- [x] page the jobs route — owner: @bo\n")
    pm.write_text(text, encoding="utf-8")
    res = inv(root, "site.build", timeout=300)
    assert res.returncode == 0, res.stderr + res.stdout
    html = page(root / "site", "postmortems/INC-PM1")
    timeline = html[html.index("<table>"):html.index("</table>")]
    assert "\\|" not in timeline
    assert "grep -c &#x27;|stuck&#x27;" in timeline or "grep -c '|stuck'" in timeline
    boxes = re.findall(r'<input type="checkbox"[^>]*>', html)
    assert len(boxes) == 2 and sum("checked" in b for b in boxes) == 1
    panel = html[html.index("data-tb-pm-panel"):html.index("</dl>", html.index("data-tb-pm-panel"))]
    for shown in ("draft", "SEV2", "bo, chen", "INC-PM1"):
        assert shown in panel, shown
    assert 'href="../../runbooks/queue-storm/"' in panel
    index = json.loads((root / "site" / "search" / "search_index.json").read_text())
    titles = [d["title"] for d in index["docs"] if d["location"].startswith("postmortems/INC-PM1")]
    assert "Post-mortem: Queue storm after allocation_*/node_* retries" in titles


def test_steps_numbered_and_owner_column(built):
    html = page(built, "runbooks/jobs-stuck")
    labels = re.findall(r'class="tb-step"[^>]*>(Step \d+ of \d+)<', html)
    assert labels and labels[0] == "Step 1 of " + str(len(labels)) and len(set(labels)) == len(labels)
    allrb = page(built, "runbooks")
    head = allrb[allrb.index("<thead>"):allrb.index("</thead>")]
    assert "<th>Owner</th>" in head
    assert "<td>identity-team</td>" in allrb


def test_serve_mode_error_page_lists_the_problems(tmp_path):
    """What `inv site.serve` publishes where a runbook does not parse (built as pages)."""
    from triagebook.config import load_config
    from triagebook.runbook.catalog import load_catalog
    from triagebook.runbook.lint import lint
    from triagebook.site.sources import site_pages

    root = copy_project(tmp_path)
    shutil.copy(FIXTURES / "lint" / "bad-severity.md", root / "runbooks" / "bad-severity.md")
    cfg = load_config(root)
    cat = load_catalog(cfg)
    pages = {p.path: p for p in site_pages(cat, cfg.today(), lint(cat, cfg.today()))}
    err = pages["runbooks/bad-severity.md"]
    assert "runbooks/bad-severity.md:3: bad-value: severity" in err.markdown
    assert "bad-severity.md" in pages["runbooks/index.md"].markdown  # listed on All runbooks

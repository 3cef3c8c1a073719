"""Post-mortems keep what people wrote and render ledger text as text: a note can neither
forge a generated-block marker nor put HTML, a link or an attribute list in the page."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, assert_no_traceback, inv

from triagebook.postmortem.blocks import BlockError, check_kept

FORGED = "<!-- generated:responders -->"
XSS = "<img src=x onerror=alert(1)> <script>alert(2)</script>"
ROOT_CAUSE = "The token cache kept a revoked signing key for 6 h."
ACTION = "- [ ] expire cached keys on rotation — owner: @bob — due: 2026-11-30"


@pytest.fixture
def proj(project: Path) -> Path:
    shutil.copy(FIXTURES / "runner" / "demo.md", project / "runbooks" / "demo.md")
    return project


def incident(root: Path, iid: str, script: str) -> Path:
    res = inv(root, "runbook.run", "demo", "--incident", iid, "--context", "server_id=srv-a",
              input=script, env={"TRIAGEBOOK_OPERATOR": "alice"})
    assert res.returncode == 0, res.stderr
    path = root / "postmortems" / f"{iid}.md"
    if not path.exists():
        assert inv(root, "postmortem.new", iid).returncode == 0
    return path


def write_human_parts(path: Path) -> str:
    text = path.read_text()
    text = text.replace("_The underlying cause, not the trigger: why the system could fail "
                        "this way._", ROOT_CAUSE)
    text = text.replace("_One line each: `- [ ] what — owner: @name — due: YYYY-MM-DD`._",
                        ACTION)
    path.write_text(text)
    return text


def headings(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if ln.startswith("#")]


# ---- item 3: human text survives ------------------------------------------------------------

@pytest.fixture
def forged(proj: Path) -> tuple[Path, str]:
    path = incident(proj, "INC-F", f"note {FORGED}\nnote <!-- /generated:timeline -->\n"
                                   f"done\nresolved\nquit\n")
    before = write_human_parts(path)
    res = inv(proj, "postmortem.new", "INC-F", "--update")
    assert res.returncode == 0, res.stderr
    return path, before


def test_a_note_cannot_forge_a_marker_so_every_heading_survives_update(forged):
    path, before = forged
    assert {"## Root cause", "## Action items"} <= set(headings(before))
    assert headings(path.read_text()) == headings(before)


def test_what_people_wrote_survives_update_beside_a_forged_marker(forged):
    path, _ = forged
    text = path.read_text()
    assert ROOT_CAUSE in text and ACTION in text


def test_the_forged_marker_is_shown_as_text_not_as_a_marker(forged):
    path, _ = forged
    text = path.read_text()
    assert text.count(FORGED) == 1  # the real one, above the responders list
    assert "&lt;!-- generated:responders --&gt;" in text


@pytest.mark.parametrize("edit,why", [
    (lambda t: t.replace(f"\n{ROOT_CAUSE}\n", f"\n{ROOT_CAUSE}\n<!-- generated:impact -->\n"),
     "a second block 'impact'"),
    (lambda t: t.replace("<!-- /generated:metrics -->\n", ""),
     "<!-- generated:runbook-feedback --> inside the block 'metrics'"),
    (lambda t: t.replace("<!-- generated:responders -->\n", ""),
     "<!-- /generated:responders --> closes no open block"),
])
def test_update_refuses_unpaired_markers_saying_where_and_writes_nothing(proj, edit, why):
    path = incident(proj, "INC-U", "done\nresolved\nquit\n")
    text = edit(write_human_parts(path))
    path.write_text(text)
    res = inv(proj, "postmortem.new", "INC-U", "--update")
    assert_no_traceback(res)
    assert res.returncode == 1
    (line,) = res.stderr.strip().splitlines()
    assert line.startswith("postmortems/INC-U.md:") and f"--update refused: {why}" in line
    n = int(line.split(":")[1])
    assert "generated" in text.split("\n")[n - 1]  # the line it names is the marker
    assert path.read_text() == text


def test_a_lost_human_line_is_refused_with_that_line():
    old = "# T\n\n## Root cause\n\nA cache.\n\n<!-- generated:x -->\nfacts\n<!-- /generated:x -->\n"
    new = "# T\n\n## Root cause\n\n<!-- generated:x -->\nnew facts\n<!-- /generated:x -->\n"
    with pytest.raises(BlockError) as exc:
        check_kept(old, new)
    assert (exc.value.line, exc.value.why) == (4, "the update would drop this line: 'A cache.'")


# ---- item 4: ledger text renders as text ----------------------------------------------------

@pytest.fixture
def hostile(proj: Path) -> Path:
    return incident(proj, "INC-X", f"note {XSS}\nskip {{: onclick=\"alert(3)\" }}\n"
                                   f"note [click](javascript:alert(4))\nresolved\nquit\n")


def test_no_raw_html_from_the_ledger_reaches_the_postmortem(hostile):
    text = hostile.read_text()
    assert "<script" not in text and "<img" not in text


def test_html_from_a_note_is_written_escaped(hostile):
    assert ("&lt;img src=x onerror=alert(1)&gt; &lt;script&gt;alert(2)&lt;/script&gt;"
            in hostile.read_text())


def test_an_attribute_list_in_a_skip_reason_is_written_escaped(hostile):
    assert 'skipped: \\{: onclick="alert(3)" \\}' in hostile.read_text()


def test_a_link_in_a_note_is_written_escaped(hostile):
    assert "[click]\\(javascript:alert(4))" in hostile.read_text()


def test_markdown_timeline_escapes_ledger_text(proj, hostile):
    tl = inv(proj, "incident.timeline", "INC-X", "--format", "md").stdout
    assert "<script" not in tl and "&lt;script&gt;alert(2)&lt;/script&gt;" in tl


def test_json_timeline_keeps_the_note_as_typed(proj, hostile):
    tl = inv(proj, "incident.timeline", "INC-X", "--format", "json").stdout
    assert "<script>alert(2)</script>" in tl

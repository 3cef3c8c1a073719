"""Steps read as written (issue 19 item 3): a step title is its rendered text — inline
Markdown to plain text, never cut mid-word — wherever it is shown."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import inv

from triagebook.runbook.parse import parse_text
from triagebook.runbook.titles import lead, plain
from triagebook.runner.header import Header, shorten

FRONT = ("---\ntitle: T\nseverity: SEV3\nfailure_class: [x]\nroute: r\ntrigger: t\n---\n"
         "# T\n\n## Steps\n\n")


@pytest.mark.parametrize("written, read", [
    ("Check the **gateway** with `kubectl`", "Check the gateway with kubectl"),
    ("Open [the dashboard](https://grafana.example/d/x) now", "Open the dashboard now"),
    ("Look at ![the graph](g.png) and <b>act</b>", "Look at the graph and act"),
    ("Escaped \\*stars\\* stay", "Escaped *stars* stay"),
    ("Fill {{ region }} in", "Fill {{ region }} in"),
    ("Plain words, nothing else", "Plain words, nothing else"),
])
def test_inline_markdown_reads_as_plain_text(written: str, read: str) -> None:
    assert plain(written) == read


def test_a_heading_step_title_is_rendered() -> None:
    rb = parse_text(FRONT + "### Restart `web` **now**\n\nbody\n", "r.md", "r").runbook
    assert rb is not None
    assert rb.steps[0].title == "Restart web now"


def test_a_list_step_title_is_its_bold_lead_and_the_rest_stays_in_the_body() -> None:
    text = FRONT + ("1. **Acknowledge and declare.** Type `ack` in the runner, then post in\n"
                    "   the status channel:\n\n   ```text\n   Investigating\n   ```\n\n"
                    "2. Assess impact. Which customers, since when.\n")
    rb = parse_text(text, "r.md", "r").runbook
    assert rb is not None
    assert [s.title for s in rb.steps] == ["Acknowledge and declare", "Assess impact"]
    assert rb.steps[0].body.startswith("Type `ack` in the runner, then post in\n"
                                       "the status channel:\n\n```text")
    assert rb.steps[1].body == "Which customers, since when."


def test_lead_without_bold_is_the_first_sentence() -> None:
    assert lead("Roll back. Then tell people.") == ("Roll back", "Then tell people.")


def test_a_shortened_title_is_cut_at_a_word_boundary() -> None:
    title = "Acknowledge and declare the incident in the status channel"
    short = shorten(title, 30)
    assert short == "Acknowledge and declare the…"
    assert len(short) <= 30


def test_a_narrow_header_keeps_whole_words() -> None:
    h = Header(1, 6, "", "Acknowledge and declare the incident in the status channel",
               "incident-process", "INC-20261122-0214-k3fz", "SEV1", "+00:01:00")
    line = h.text(60)
    assert len(line) <= 60
    shown = line.split(" · ")[1].removesuffix("…")
    assert h.title.startswith(shown)
    assert h.title[len(shown)] == " "  # the cut falls between words


def test_the_shipped_sev1_process_reads_as_written_everywhere(shipped: Path) -> None:
    env = {"TRIAGEBOOK_OPERATOR": "alice"}
    shown = inv(shipped, "runbook.show", "incident-process").stdout
    assert "Acknowledge and declare" in shown
    walked = inv(shipped, "runbook.run", "incident-process", "--incident", "INC-T",
                 "--context", "status_channel=#inc", input="done\nq\n", env=env)
    assert walked.returncode == 0, walked.stderr
    assert "== step 1/6 · Acknowledge and declare · incident-process" in walked.stdout
    show = inv(shipped, "incident.show", "INC-T").stdout
    timeline = inv(shipped, "incident.timeline", "INC-T").stdout
    assert "Acknowledge and declare" in show
    assert "**" not in show
    assert "step 1 Acknowledge and declare" in timeline
    assert "**" not in timeline

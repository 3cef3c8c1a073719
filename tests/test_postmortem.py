"""Post-mortems from scripted incidents with frozen, stepped time (freezegun)."""

from __future__ import annotations

import io
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import FIXTURES, inv
from freezegun import freeze_time

from triagebook.base.timeutil import parse_time
from triagebook.config import load_config
from triagebook.postmortem.check import check
from triagebook.postmortem.write import write_postmortem
from triagebook.runner.lifecycle import hooks_for
from triagebook.runner.start import RunRequest, start
from triagebook.tasks.ui import PlainUI


class SteppedInput(io.StringIO):
    """Feeds one action per line, moving frozen time forward before each."""

    def __init__(self, script: list[tuple[int, str]], frozen) -> None:
        super().__init__()
        self.script = list(script)
        self.frozen = frozen

    def readline(self, size: int = -1) -> str:  # noqa: ARG002
        if not self.script:
            return ""
        minutes, line = self.script.pop(0)
        self.frozen.tick(timedelta(minutes=minutes))
        return line + "\n"


@pytest.fixture
def proj(project: Path) -> Path:
    shutil.copy(FIXTURES / "runner" / "demo.md", project / "runbooks" / "demo.md")
    (project / "invoke.yaml").write_text(
        "triagebook:\n  policy:\n    timezone: Europe/Stockholm\n", encoding="utf-8")
    return project


SCRIPT = [  # minutes after the previous action, action
    (5, "ack"),
    (3, "done"),
    (4, "note error rate back to normal on srv-abc"),
    (2, "skip logs were empty"),
    (1, "severity SEV1"),
    (20, "mitigated"),
    (6, "severity SEV2"),
    (4, "next"),
    (1, "done"),
    (44, "resolved"),
    (1, "quit"),
]


def scripted_incident(root: Path) -> Path:
    """SEV2 detected 02:30 CEST on 2026-10-25; the clocks go back at 03:00 CEST."""
    cfg = load_config(root)
    with freeze_time("2026-10-25T00:30:00Z") as frozen:
        frozen.tick(timedelta(minutes=10))  # the runner starts 10 min after detection
        out = io.StringIO()
        ui = PlainUI(SteppedInput(SCRIPT, frozen), out)
        start(cfg, RunRequest(name="demo", incident="INC-DST", operator="alice",
                              context={"server_id": "srv-abc"},
                              detected=parse_time("2026-10-25 02:30 Europe/Stockholm")),
              ui, hooks=hooks_for(cfg))
    assert "post-mortem draft: postmortems/INC-DST.md" in out.getvalue()
    return root / "postmortems" / "INC-DST.md"


def section(text: str, start: str, end: str) -> list[str]:
    body = text[text.index(f"<!-- generated:{start} -->"):text.index(f"<!-- /generated:{end} -->")]
    return [ln for ln in body.splitlines() if ln.startswith("|") or ln.startswith("- ")]


def test_timeline_and_metrics_are_facts(proj):
    text = scripted_incident(proj).read_text()
    rows = section(text, "timeline", "timeline")
    assert rows[0] == "| Time (UTC) | Local (Europe/Stockholm) | Actor | Event | Detail |"
    assert rows[2:] == [
        "| 2026-10-25 00:30:00 UTC | 2026-10-25 02:30:00 CEST |  | detected | SEV2 Demo outage |",
        "| 2026-10-25 00:40:00 UTC | 2026-10-25 02:40:00 CEST | alice | incident opened | by alice, severity SEV2 |",
        "| 2026-10-25 00:40:00 UTC | 2026-10-25 02:40:00 CEST | alice | runbook started | demo: Demo outage |",
        "| 2026-10-25 00:45:00 UTC | 2026-10-25 02:45:00 CEST | alice | acknowledged | via runner |",
        "| 2026-10-25 00:48:00 UTC | 2026-10-25 02:48:00 CEST | alice | step done | step 1 Inspect srv-abc |",
        "| 2026-10-25 00:52:00 UTC | 2026-10-25 02:52:00 CEST | alice | note | error rate back to normal on srv-abc |",
        "| 2026-10-25 00:54:00 UTC | 2026-10-25 02:54:00 CEST | alice | step skipped | step 2 Look back 30m — logs were empty |",
        "| 2026-10-25 00:55:00 UTC | 2026-10-25 02:55:00 CEST | alice | severity changed | SEV2 → SEV1 |",
        # 01:00 UTC: 03:00 CEST becomes 02:00 CET — local wall time steps back an hour
        "| 2026-10-25 01:15:00 UTC | 2026-10-25 02:15:00 CET | alice | mitigated | via runner |",
        "| 2026-10-25 01:21:00 UTC | 2026-10-25 02:21:00 CET | alice | severity changed | SEV1 → SEV2 |",
        "| 2026-10-25 01:26:00 UTC | 2026-10-25 02:26:00 CET | alice | step done | step 4 Dangerous |",
        "| 2026-10-25 02:10:00 UTC | 2026-10-25 03:10:00 CET | alice | resolved | via runner |",
    ]
    metrics = section(text, "metrics", "metrics")
    assert metrics[2:] == [
        "| Time to acknowledge | 15 min 00 s | 2026-10-25 00:45:00 UTC |",
        "| Time to mitigate | 45 min 00 s | 2026-10-25 01:15:00 UTC |",
        "| Time to resolve | 1 h 40 min | 2026-10-25 02:10:00 UTC |",
        "| Response target | acknowledged 15 min after detection — target 15 min (SEV2): met "
        "| - |",
    ]
    assert section(text, "impact", "impact") == [
        "- **Duration**: 1 h 40 min", "- **At SEV1**: 26 min 00 s", "- **At SEV2**: 1 h 14 min"]
    block = text[text.index("<!-- generated:runbook-feedback -->"):
                 text.index("<!-- /generated:runbook-feedback -->")]
    feedback = [ln for ln in block.splitlines() if ln.lstrip().startswith("- ")]
    assert feedback[0] == "- [Demo outage](../runbooks/demo.md) (`demo`):"
    assert feedback[1] == "    - step 2 *Look back 30m* skipped: logs were empty"
    assert feedback[2] == "    - step 3 *Fail on purpose* never finished"
    import markdown  # the site's renderer (Python-Markdown, under mkdocs): nesting kept

    html = markdown.markdown("\n".join(feedback))
    assert html.count("<ul>") == 2  # the steps' list sits inside the runbook's item
    assert "Update the runbook if this was a new failure mode." in text
    head = text.split("---\n")[1]
    for line in ("incident: INC-DST", "severity: SEV2", "status: draft", "- demo",
                 "detected: 2026-10-25 00:30:00 UTC", "resolved: 2026-10-25 02:10:00 UTC",
                 "duration: 1 h 40 min"):
        assert line in head
    for prompt in ("## Root cause\n\n_The underlying cause", "## Action items\n\n_One line each"):
        assert prompt in text


def test_update_keeps_what_people_wrote(proj):
    path = scripted_incident(proj)
    text = path.read_text()
    text = text.replace("_The underlying cause, not the trigger: why the system could fail "
                        "this way._", "The token cache kept a revoked signing key for 6 h.")
    text = text.replace("_One line each: `- [ ] what — owner: @name — due: YYYY-MM-DD`._",
                        "- [ ] expire cached keys on rotation — owner: @bob — due: 2026-11-30")
    text = text.replace("status: draft", "status: reviewed")
    text = text.replace("| resolved | via runner |", "| resolved | EDITED BY HAND |")
    path.write_text(text)
    res = inv(proj, "postmortem.new", "INC-DST", "--update")
    assert res.returncode == 0, res.stderr
    new = path.read_text()
    assert "The token cache kept a revoked signing key for 6 h." in new
    assert "- [ ] expire cached keys on rotation — owner: @bob — due: 2026-11-30" in new
    assert "status: reviewed" in new
    assert "EDITED BY HAND" not in new and "| resolved | via runner |" in new
    again = inv(proj, "postmortem.new", "INC-DST")
    assert again.returncode == 1 and "--update refreshes" in again.stderr


def test_template_override(proj):
    (proj / "pm.md.j2").write_text("# PM {{ title }}\n\n## Root cause\n\n_why_\n\n"
                                   "<!-- generated:metrics -->\n{{ metrics }}\n"
                                   "<!-- /generated:metrics -->\n")
    (proj / "invoke.yaml").write_text("triagebook:\n  postmortem_template: pm.md.j2\n  policy:\n"
                                      "    timezone: Europe/Stockholm\n")
    text = scripted_incident(proj).read_text()
    assert "# PM Demo outage" in text and "| Time to resolve | 1 h 40 min |" in text
    assert "## Timeline" not in text


def test_check_lists_incomplete_sev2(proj):
    path = scripted_incident(proj)
    cfg = load_config(proj)
    found = [str(f) for f in check(cfg, date(2026, 10, 26), 10)]
    assert found == ["postmortems/INC-DST.md: SEV2: root cause is missing",
                     "postmortems/INC-DST.md: SEV2: no action items (- [ ] what — owner — due)"]
    res = inv(proj, "postmortem.check")
    assert res.returncode == 1 and "root cause is missing" in res.stdout
    text = path.read_text()
    text = text.replace("_The underlying cause, not the trigger: why the system could fail "
                        "this way._", "A cache.")
    text = text.replace("## Action items\n", "## Action items\n\n- [ ] fix — owner: @a — "
                        "due: 2026-11-01\n")
    path.write_text(text)
    assert check(cfg, date(2026, 10, 26), 10) == []
    stale = [str(f) for f in check(cfg, date(2027, 1, 1), 10)]
    assert len(stale) == 1 and "still a draft after" in stale[0]
    assert inv(proj, "postmortem.check", "--max-draft-days", "1000").returncode == 0


def test_secret_never_reaches_the_postmortem(proj):
    cfg = load_config(proj)
    secret = "hunter2-very-secret-value"
    with freeze_time("2026-11-22T02:00:00Z") as frozen:
        ui = PlainUI(SteppedInput([(1, "run"), (0, "y"), (1, f"note pasted {secret} oops"),
                                   (1, "resolved"), (1, "q")], frozen), io.StringIO())
        start(cfg, RunRequest(name="demo", incident="INC-SEC", operator="alice",
                              context={"server_id": "srv-abc", "api_token": secret}),
              ui, hooks=hooks_for(cfg))
    write_postmortem(cfg, "INC-SEC", update=True)
    text = (proj / "postmortems" / "INC-SEC.md").read_text()
    assert "[REDACTED:api_token]" in text and secret not in text

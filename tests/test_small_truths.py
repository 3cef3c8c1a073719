"""The small truths of issue 19 item 7, each with its test."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import FIXTURES, inv

from triagebook.incident.sla import Response, describe
from triagebook.tasks.runbook import _classes


@pytest.mark.parametrize("elapsed, verdict", [(20, "met"), (59, "met"), (61, "missed")])
def test_an_immediate_target_is_the_first_minute_not_a_certain_miss(elapsed: int,
                                                                    verdict: str) -> None:
    r = Response("SEV1", 0, "immediate", timedelta(seconds=elapsed), acknowledged=True)
    assert r.verdict == verdict


def test_an_immediate_target_reads_as_such() -> None:
    r = Response("SEV1", 0, "immediate", timedelta(seconds=20), acknowledged=True)
    assert describe(r) == ("acknowledged 20 s after detection — target immediate (SEV1: "
                           "within the minute): met")


def test_runbook_list_never_cuts_a_class_mid_word() -> None:
    classes = ("incident_declared", "major_incident", "platform_down")
    shown = _classes(classes, 40)
    assert shown == "incident_declared, +2 more"
    assert _classes(("a_b", "c_d"), 40) == "a_b, c_d"


@pytest.fixture
def opened(project: Path) -> Path:
    shutil.copy(FIXTURES / "runner" / "demo.md", project / "runbooks" / "demo.md")
    res = inv(project, "runbook.run", "demo", "--incident", "INC-N", "--context",
              "server_id=srv-1", input="\nq\n",
              env={"TRIAGEBOOK_OPERATOR": "alice"})
    assert res.returncode == 0, res.stderr
    return project


def test_incident_show_shows_incident_level_notes(opened: Path) -> None:
    noted = inv(opened, "incident.note", "INC-N", "customer X reports the outage too",
                env={"TRIAGEBOOK_OPERATOR": "bob"})
    assert noted.returncode == 0, noted.stderr
    shown = inv(opened, "incident.show", "INC-N").stdout
    notes = shown[shown.index("\nnotes:\n"):].splitlines()
    assert notes[2].endswith(" bob: customer X reports the outage too")


def test_site_serve_on_a_busy_port_is_one_line(project: Path) -> None:
    import socket

    from conftest import assert_no_traceback

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        res = inv(project, "site.serve", "--dev-addr", f"127.0.0.1:{port}")
    assert res.returncode == 1
    assert_no_traceback(res)
    assert res.stderr.strip() == (f"--dev-addr 127.0.0.1:{port}: the port is in use (another "
                                  f"site.serve?); pick another, e.g. --dev-addr "
                                  f"127.0.0.1:{port + 1}")


ONE_STEP = ("---\ntitle: One step\nseverity: SEV3\nfailure_class: [one]\nroute: r\n"
            "trigger: t\n---\n# One step\n\n## Steps\n\n### Look\n\nLook at it.\n")


def test_a_runbook_joining_an_incident_says_so_not_resuming(opened: Path) -> None:
    (opened / "runbooks" / "one.md").write_text(ONE_STEP)
    res = inv(opened, "runbook.run", "one", "--incident", "INC-N", input="q\n",
              env={"TRIAGEBOOK_OPERATOR": "alice"})
    assert res.returncode == 0, res.stderr
    assert "one joins INC-N (open, SEV2): One step, 1 step" in res.stdout
    assert "resuming" not in res.stdout


def test_the_end_of_a_walk_offers_only_what_is_not_recorded(project: Path) -> None:
    (project / "runbooks" / "one.md").write_text(ONE_STEP)
    res = inv(project, "runbook.run", "one", "--incident", "INC-O",
              input="mitigated\ndone\nq\n", env={"TRIAGEBOOK_OPERATOR": "alice"})
    assert res.returncode == 0, res.stderr
    assert ("1 step of one is finished. Status: mitigated. Record 'resolved', or "
            "'quit'.") in res.stdout


def test_replay_keeps_a_return_to_an_earlier_severity() -> None:
    from datetime import UTC, datetime

    from triagebook.incident.replay import severity_path
    from triagebook.incident.state import IncidentState

    t = [datetime(2026, 12, 4, 3, m, tzinfo=UTC) for m in range(4)]
    st = IncidentState("INC-S", severities=[(t[0], "SEV1"), (t[1], "SEV2"), (t[2], "SEV2"),
                                            (t[3], "SEV1")])
    assert severity_path(st) == "SEV1 → SEV2 → SEV1"


def test_doctor_fails_when_no_channel_pages_a_person(project: Path) -> None:
    res = inv(project, "doctor")
    assert res.returncode == 1
    lines = res.stdout.splitlines()
    assert ("fail  class RED: no channel of RED reaches a person: page (stdout), chat "
            "(stdout), email (stdout) — give one of them kind: smtp or webhook under "
            "triagebook.escalation.channels.page in invoke.yaml") in lines


def test_did_you_mean_suggests_only_a_near_incident() -> None:
    from triagebook.incident.reading import NoSuchIncident

    known = ["INC-20261122-0214-k3fz", "INC-20261201-1000-abcd", "INC-20261122-0215-x7pq"]
    assert str(NoSuchIncident("INC-20261122-0214-k3fx", known)) == (
        "no incident 'INC-20261122-0214-k3fx'; did you mean 'INC-20261122-0214-k3fz'? "
        "(inv incident.list shows them)")
    assert str(NoSuchIncident("INC-NOPE", known)) == (
        "no incident 'INC-NOPE' (inv incident.list shows them)")


def test_escalation_watch_says_something_every_tick(project: Path) -> None:
    res = inv(project, "escalation.watch", "--interval", "0.01", "--count", "2")
    assert res.returncode == 0, res.stderr
    ticks = [ln for ln in res.stdout.splitlines() if ln.startswith("tick ")]
    assert len(ticks) == 2
    assert ticks[0].endswith(": 0 actions; next in 0.01 s")
    assert ticks[1].endswith(": 0 actions")


def test_the_timeline_is_for_a_terminal_by_default_and_markdown_on_request(opened: Path) -> None:
    text = inv(opened, "incident.timeline", "INC-N").stdout.splitlines()
    assert text[0].split() == ["TIME", "(UTC)", "ACTOR", "EVENT", "DETAIL"]
    assert not any(line.startswith("|") for line in text)
    md = inv(opened, "incident.timeline", "INC-N", "--format", "md").stdout.splitlines()
    assert md[0] == "| Time (UTC) | Local (UTC) | Actor | Event | Detail |"


@pytest.mark.parametrize("ledger, shown", [("incidents/INC-1/events.jsonl", False),
                                           ("https://ledger.example/INC-1", True)])
def test_an_sms_page_spends_no_line_on_a_local_path(ledger: str, shown: bool) -> None:
    from triagebook.escalation.message import Message

    msg = Message("RED", "[RED] INC-1", (("Incident", "INC-1"), ("Runbook page", ""),
                                         ("Ledger", ledger), ("Ack", 'reply "ack INC-1"')))
    assert (ledger in msg.text(sms=True)) is shown
    assert ledger in msg.text(sms=False)


def test_one_broken_runbook_is_one_error_not_one_per_runbook_linking_to_it(
        project: Path) -> None:
    for n in range(3):
        (project / "runbooks" / f"r{n}.md").write_text(
            ONE_STEP.replace("trigger: t\n", "trigger: t\nrelated: [broken]\n")
            .replace("[one]", f"[one_{n}]"))
    (project / "runbooks" / "broken.md").write_text("---\ntitle: [unclosed\n---\n")
    res = inv(project, "runbook.lint")
    assert res.returncode == 1
    codes = [ln.split(": ")[1] for ln in res.stdout.splitlines() if ln.startswith("runbooks/")]
    assert codes == ["yaml-syntax"]


def test_a_private_key_split_over_two_notes_reaches_the_ledger_in_neither(
        opened: Path) -> None:
    """Issue 26 item 2: the block opened in one note and closed in the next."""
    body1, body2 = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7", \
        "u8mLpZq2Vx9TnR4KcW1yHs3dJfQ0aBgE5oPiXvLtYrNm6Cz"
    first = f"pasted from the box:\n-----BEGIN PRIVATE KEY-----\n{body1}"
    second = f"{body2}\n-----END PRIVATE KEY-----\nthat was all of it"
    for text in (first, second):
        assert inv(opened, "incident.note", "INC-N", text).returncode == 0
    ledger = (opened / "incidents" / "INC-N" / "events.jsonl").read_text()
    assert body1 not in ledger
    assert body2 not in ledger
    assert "that was all of it" in ledger


def test_declared_secrets_are_redacted_in_lowercase_percent_encoding() -> None:
    from urllib.parse import quote

    from triagebook.base.redaction import Redactor

    secret = "Ab/Cd?Ef=Gh&Ij"
    lower = quote(secret, safe="").replace("%2F", "%2f").replace("%3F", "%3f")
    lower = lower.replace("%3D", "%3d").replace("%26", "%26")
    assert Redactor({"tok": secret}).text(f"GET /x?t={lower}") == "GET /x?t=[REDACTED:tok]"


def test_a_literal_credential_in_a_runbook_is_a_lint_error_and_never_published(
        project: Path) -> None:
    """Issue 26 item 3: the site would publish it (page and search index)."""
    token = "ghp_" + "Zq8mW2vR5tLp9xKdQ3nB7yJ4cF6hA1sE0uG2"
    (project / "runbooks" / "leaky.md").write_text(ONE_STEP.replace(
        "Look at it.\n", f"Look at it.\n\n```sh\ncurl -H 'Authorization: token {token}' "
                         f"https://api.github.com/\n```\n"))
    res = inv(project, "runbook.lint")
    assert res.returncode == 1
    lines = [ln for ln in res.stdout.splitlines() if "secret-in-runbook" in ln]
    assert lines == ["runbooks/leaky.md:17: secret-in-runbook: step 1: credential-shaped "
                     "text (github-token) in a code block; put it in a context value "
                     "marked secret: true and use {{ name }}"]
    assert token not in res.stdout


@pytest.mark.parametrize("pattern, unsafe", [
    ("^(a+)+$", True), ("^(a|a)*$", True), (r"^(\w+\s?)*$", True),
    ("^[A-Za-z0-9-]{8,64}$", False), ("^srv-[a-z0-9]{4,32}$", False),
    (r"^(eu|us)-[a-z]+-\d$", False), (r"^20[0-9]{2}-(0[1-9]|1[0-2])$", False),
])
def test_patterns_a_browser_could_backtrack_on_are_found(pattern: str, unsafe: bool) -> None:
    from triagebook.runbook.patterns import browser_unsafe

    assert browser_unsafe(pattern) is unsafe


def test_a_browser_unsafe_pattern_is_warned_and_not_checked_in_the_form(project: Path) -> None:
    """Issue 26 item 5: lint says so; the site's form never runs it on a value from a
    link (the runner still checks it, time-bounded)."""
    text = ONE_STEP.replace("trigger: t\n", "trigger: t\ncontext:\n  code:\n    description: "
                            "a code\n    pattern: '^(a+)+$'\n").replace(
        "Look at it.\n", "Look at {{ code }}.\n")
    (project / "runbooks" / "one.md").write_text(text)
    res = inv(project, "runbook.lint")
    assert "browser-unsafe-pattern" in res.stdout
    from datetime import date

    from triagebook.config import default_config
    from triagebook.runbook.catalog import load_catalog
    from triagebook.site.runbooks import runbook_page

    cat = load_catalog(default_config(project), use_cache=False)
    page = runbook_page(cat.runbooks["one"], text, cat, date(2026, 12, 4))
    ctx = page.meta["triagebook"]["context"]
    assert ctx[0]["name"] == "code"
    assert ctx[0]["pattern"] is None


def test_a_page_of_nested_brackets_renders_fast_and_lint_warns(project: Path) -> None:
    """Issue 26 item 5: 40 KB of brackets took the site's renderer 90 s."""
    import time

    import markdown

    from triagebook.base.mdtext import inert_brackets

    hostile = "[" * 20_000 + "]" * 20_000
    plain = "x" * 40_000
    t0 = time.perf_counter()
    markdown.markdown(plain)
    base = time.perf_counter() - t0
    t0 = time.perf_counter()
    html = markdown.markdown(inert_brackets(hostile))
    cost = time.perf_counter() - t0
    assert cost < 20 * max(base, 1e-3)  # as cheap as plain text of the same size
    assert html.count("\uff3b") == 20_000
    (project / "runbooks" / "one.md").write_text(ONE_STEP.replace("Look at it.", hostile[:2000]))
    res = inv(project, "runbook.lint")
    assert "markdown-budget" in res.stdout


def test_a_postmortem_over_the_bracket_budget_is_published_inert(tmp_path: Path) -> None:
    from triagebook.site.sources import read_postmortems

    (tmp_path / "INC-1.md").write_text("---\ntitle: x\n---\n" + "[" * 1000 + "\n```\n[kept]\n```\n")
    body = read_postmortems(tmp_path)[0].body
    assert "[" * 2 not in body.split("```")[0]
    assert "[kept]" in body


def test_a_skewed_clock_never_gives_a_negative_time_to_acknowledge() -> None:
    from datetime import UTC, datetime

    from triagebook.incident.state import IncidentState
    from triagebook.postmortem.write import metrics

    detected = datetime(2026, 12, 4, 3, 30, tzinfo=UTC)
    st = IncidentState("INC-K", detected_at=detected,
                       milestones={"acknowledged": (datetime(2026, 12, 4, 3, 0, tzinfo=UTC),
                                                    "phone")})
    row = next(r for r in metrics(st).splitlines() if r.startswith("| Time to acknowledge"))
    assert "recorded 30 min" in row
    assert "before detection — a responder's clock is off" in row


def test_a_literal_credential_never_stops_the_runbook_from_running(project: Path) -> None:
    token = "ghp_" + "Zq8mW2vR5tLp9xKdQ3nB7yJ4cF6hA1sE0uG2"
    (project / "runbooks" / "leaky.md").write_text(ONE_STEP.replace(
        "Look at it.\n", f"Look at it.\n\n```sh\necho {token}\n```\n"))
    res = inv(project, "runbook.run", "leaky", "--incident", "INC-L", input="q\n",
              env={"TRIAGEBOOK_OPERATOR": "alice"})
    assert res.returncode == 0, res.stderr
    assert token not in (project / "incidents" / "INC-L" / "events.jsonl").read_text()


def test_a_watch_that_reloads_the_config_warns_once(tmp_path: Path, monkeypatch) -> None:
    """`escalation.watch` reloads invoke.yaml every tick: a typo in it is said once, not
    once a tick (three ticks here)."""
    (tmp_path / "tasks.py").write_text("")
    (tmp_path / "runbooks").mkdir()
    (tmp_path / "invoke.yaml").write_text("triagebook:\n  runbooks_dri: runbooks\n")
    res = inv(tmp_path, "escalation.watch", "--interval", "0.01", "--count", "3")
    assert res.returncode == 0, res.stderr
    assert res.stdout.count("tick ") == 3
    assert len([line for line in res.stderr.splitlines() if "runbooks_dri" in line]) == 1

"""On-call routing (issue 22): routes, schedules (rotation and iCalendar), overrides,
presence, quiet hours in the paged person's zone, and `inv oncall.*`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import FIXTURES, inv
from eschelp import of_type, open_incident, read, setup
from freezegun import freeze_time

from triagebook.config import load_config
from triagebook.escalation.service import escalate
from triagebook.oncall.records import record_override, record_presence
from triagebook.oncall.schedule import on_call, primary

STOCKHOLM = ZoneInfo("Europe/Stockholm")

PEOPLE = """  people:
    alice: {timezone: Europe/Stockholm}
    bob: {timezone: America/New_York}
    carol: {timezone: Europe/Stockholm}
"""

CHANNELS = ("      page: {kind: file, path: out/page.log, sms: true}\n"
            "      chat: {kind: file, path: out/chat.log}\n"
            "      email: {kind: file, path: out/email.log}\n"
            "      page-a: {kind: file, path: out/page-a.log, sms: true}\n"
            "      page-b: {kind: file, path: out/page-b.log, sms: true}\n")


def routes(**extra: str) -> str:
    """`demo-team` (alice then carol, weekly from Monday 23 March, 09:00 Stockholm) and
    `night-team` (bob alone, New York)."""
    return (PEOPLE + "  routes:\n"
            "    demo-team:\n"
            "      channels: {RED: [page-a]}\n"
            "      rotation: {people: [alice, carol], start: '2026-03-23', handoff: '09:00',"
            " length_days: 7, timezone: Europe/Stockholm}\n"
            + extra.get("demo", "")
            + "    night-team:\n"
            "      channels: {RED: [page-b]}\n"
            "      rotation: {people: [bob], start: '2026-03-23', timezone: America/New_York}\n")


@pytest.fixture
def proj(project: Path) -> Path:
    root = setup(project, CHANNELS, top=routes())
    night = (FIXTURES / "runner" / "demo.md").read_text().replace("route: demo-team",
                                                                  "route: night-team")
    (root / "runbooks" / "night.md").write_text(night.replace("title: Demo outage",
                                                              "title: Night outage"))
    return root


def stockholm(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=STOCKHOLM)


# ---- schedules ---------------------------------------------------------------------------

@pytest.mark.parametrize("local, who", [
    ("2026-03-30 08:59", "alice"),  # the week after the spring-forward change (29 March)
    ("2026-03-30 09:00", "carol"),  # handoff at 09:00 local, CEST now: 07:00 UTC
    ("2026-04-06 08:59", "carol"),
    ("2026-04-06 09:00", "alice"),
    ("2026-10-26 09:00", "carol"),  # after falling back (25 October): still 09:00 local
])
def test_a_rotation_hands_off_at_its_local_time_across_dst(proj, local, who):
    cfg = load_config(proj)
    oc = primary(cfg, "demo-team", stockholm(local))
    assert oc is not None
    assert oc.person == who


def test_the_next_handoff_is_said_in_local_time(proj):
    cfg = load_config(proj)
    oc = primary(cfg, "demo-team", stockholm("2026-03-28 12:00"))
    assert oc is not None
    assert oc.until == stockholm("2026-03-30 09:00")
    assert oc.until.astimezone(UTC).hour == 7  # CEST: the DST change fell inside the shift


def test_an_override_beats_the_schedule_and_the_schedule_comes_second(proj):
    cfg = load_config(proj)
    at = stockholm("2026-03-25 12:00")
    record_override(cfg, "demo-team", "bob", at - timedelta(hours=1),
                    at + timedelta(hours=1), "carol", at)
    chain = on_call(cfg, "demo-team", at)
    assert [(c.level, c.person) for c in chain] == [("primary", "bob"), ("secondary", "carol")]
    assert "override recorded by carol" in chain[0].why
    later = primary(cfg, "demo-team", at + timedelta(hours=2))
    assert later is not None
    assert later.person == "alice"  # the override has ended


CALENDAR = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//oncall//EN
BEGIN:VEVENT
UID:week@oncall
DTSTART;TZID=Europe/Stockholm:20260323T090000
DTEND;TZID=Europe/Stockholm:20260330T090000
RRULE:FREQ=WEEKLY;INTERVAL=2
SUMMARY:alice
END:VEVENT
BEGIN:VEVENT
UID:week@oncall
RECURRENCE-ID;TZID=Europe/Stockholm:20260406T090000
DTSTART;TZID=Europe/Stockholm:20260406T090000
DTEND;TZID=Europe/Stockholm:20260413T090000
SUMMARY:Carol
END:VEVENT
BEGIN:VEVENT
UID:other@oncall
DTSTART;TZID=Europe/Stockholm:20260330T090000
DTEND;TZID=Europe/Stockholm:20260406T090000
RRULE:FREQ=WEEKLY;INTERVAL=2
SUMMARY:bob
END:VEVENT
BEGIN:VEVENT
UID:second@oncall
DTSTART;TZID=Europe/Stockholm:20260323T090000
DTEND;TZID=Europe/Stockholm:20260330T090000
RRULE:FREQ=WEEKLY
SUMMARY:secondary: carol
END:VEVENT
END:VCALENDAR
"""


@pytest.mark.parametrize("local, who", [
    ("2026-03-25 12:00", "alice"),
    ("2026-03-31 12:00", "bob"),
    ("2026-04-07 12:00", "carol"),  # alice's occurrence moved to carol (RECURRENCE-ID)
    ("2026-04-21 12:00", "alice"),  # the rule goes on after the exception
])
def test_an_icalendar_schedule_with_a_rule_and_an_exception(project, local, who):
    setup(project, CHANNELS, top=PEOPLE + "  routes:\n    demo-team:\n"
                                          "      calendar: oncall.ics\n")
    (project / "oncall.ics").write_text(CALENDAR)
    cfg = load_config(project)
    chain = on_call(cfg, "demo-team", stockholm(local))
    assert chain[0].person == who
    assert chain[0].level == "primary"
    assert [(c.level, c.person) for c in chain[1:]] == [("secondary", "carol")]


def test_an_unreadable_calendar_never_stops_a_page(project):
    setup(project, CHANNELS, top=PEOPLE + "  routes:\n    demo-team:\n"
                                          "      calendar: missing.ics\n"
                                          "      channels: {RED: [page-a]}\n")
    open_incident(project, "INC-CAL")
    out = escalate(load_config(project), "INC-CAL", "RED", clock=lambda: stockholm(
        "2026-03-25 12:00"))
    assert out.decision.action == "send"
    assert "schedule unreadable" in out.decision.reason
    assert "INC-CAL" in read(project / "out" / "page-a.log")


# ---- paging --------------------------------------------------------------------------------

def test_two_routes_page_two_channels(proj):
    open_incident(proj, "INC-A", "demo")
    open_incident(proj, "INC-B", "night")
    cfg = load_config(proj)
    noon = lambda: stockholm("2026-03-25 12:00")  # noqa: E731
    a = escalate(cfg, "INC-A", "RED", clock=noon)
    b = escalate(cfg, "INC-B", "RED", clock=noon)
    assert a.decision.channels == ("page-a",)
    assert b.decision.channels == ("page-b",)
    assert "INC-A" in read(proj / "out" / "page-a.log")
    assert "INC-B" not in read(proj / "out" / "page-a.log")
    assert "INC-B" in read(proj / "out" / "page-b.log")
    assert "to alice (primary on demo-team" in a.decision.reason
    assert "to bob (primary on night-team" in b.decision.reason
    (sent,) = of_type(proj, "INC-A", "escalation.sent")
    assert "to alice" in sent.data["reason"]  # recorded, not only printed


def test_the_same_yellow_at_23_utc_waits_in_stockholm_and_goes_in_new_york(proj):
    open_incident(proj, "INC-S", "demo")
    open_incident(proj, "INC-N", "night")
    cfg = load_config(proj)
    late = lambda: datetime(2026, 3, 25, 23, 0, tzinfo=UTC)  # noqa: E731
    sthlm = escalate(cfg, "INC-S", "YELLOW", clock=late, customer_visible=False)
    ny = escalate(cfg, "INC-N", "YELLOW", clock=late, customer_visible=False)
    assert sthlm.decision.action == "defer"
    assert "Europe/Stockholm" in sthlm.decision.reason
    assert sthlm.decision.due == datetime(2026, 3, 26, 6, 0, tzinfo=UTC)  # 07:00 CET
    assert ny.decision.action == "send"
    assert "to bob" in ny.decision.reason


def test_a_person_marked_present_gets_a_deferred_yellow_at_once(proj):
    open_incident(proj, "INC-P", "demo")
    cfg = load_config(proj)
    late = datetime(2026, 3, 25, 23, 0, tzinfo=UTC)
    record_presence(cfg, "alice", late + timedelta(hours=2), "alice", late)
    out = escalate(cfg, "INC-P", "YELLOW", clock=lambda: late, customer_visible=False)
    assert out.decision.action == "send"
    assert "alice is marked present" in out.decision.reason


def test_no_routes_configured_changes_nothing(project):
    setup(project)
    open_incident(project, "INC-G")
    cfg = load_config(project)
    out = escalate(cfg, "INC-G", "RED", clock=lambda: stockholm("2026-03-25 12:00"))
    assert out.decision.channels == cfg.policy.escalation("RED").channels
    assert "primary on" not in out.decision.reason


# ---- the commands --------------------------------------------------------------------------

def test_oncall_who_names_each_level_its_reason_zone_and_the_next_handoff(proj):
    with freeze_time("2026-03-29 23:30:00"):  # 01:30 CEST in Stockholm, 19:30 in New York
        res = inv(proj, "oncall.who")
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert "demo-team:" in lines
    assert ("  primary: alice — rotation: alice's shift since Mon 23 Mar 09:00 CET; next "
            "handoff 2026-03-30 09:00 CEST") in lines
    assert "    Europe/Stockholm, 01:30 there: quiet hours" in lines
    assert "    America/New_York, 19:30 there: not quiet hours" in lines
    assert "  RED: page-a" in lines


def test_oncall_override_is_recorded_and_shown_by_who(proj):
    res = inv(proj, "oncall.override", "demo-team", "bob", "--from",
              "2026-03-25T10:00:00Z", "--until", "2026-03-25T14:00:00Z",
              env={"TRIAGEBOOK_OPERATOR": "carol"})
    assert res.returncode == 0, res.stderr
    assert "recorded by carol" in res.stdout
    who = inv(proj, "oncall.who", "--route", "demo-team", "--at", "2026-03-25T12:00:00Z")
    assert "  primary: bob — override recorded by carol" in who.stdout


def test_a_route_typo_is_one_line_with_did_you_mean(proj):
    res = inv(proj, "oncall.who", "--route", "demo-taem")
    assert res.returncode == 1
    assert res.stderr.strip() == ("no route 'demo-taem' in triagebook.routes (known: "
                                  "demo-team, night-team); did you mean 'demo-team'?")


def test_lint_names_a_route_no_configuration_knows(proj):
    (proj / "runbooks" / "night.md").write_text(
        (proj / "runbooks" / "night.md").read_text().replace("route: night-team",
                                                             "route: nite-team"))
    res = inv(proj, "runbook.lint")
    assert res.returncode == 1
    assert ("runbooks/night.md:5: unknown-route: route: 'nite-team' is not in "
            "triagebook.routes (invoke.yaml), so nobody on call is paged for it; did you "
            "mean 'night-team'?") in res.stdout


def test_the_dry_run_names_the_person_at_the_time_asked(proj):
    open_incident(proj, "INC-D", "demo")
    res = inv(proj, "incident.escalate", "INC-D", "--class", "RED", "--dry-run", "--at",
              "2026-03-30 09:30 Europe/Stockholm")
    assert res.returncode == 0, res.stderr
    assert "to carol (primary on demo-team" in res.stdout


def test_doctor_checks_every_route_reaches_a_person(proj):
    cfg_text = (proj / "invoke.yaml").read_text().replace(
        "page-a: {kind: file, path: out/page-a.log, sms: true}",
        "page-a: {kind: smtp, host: 127.0.0.1, port: 9, to: [oncall@example.org]}")
    (proj / "invoke.yaml").write_text(cfg_text.replace("channels: {RED: [page-b]}",
                                                       "channels: {RED: [nowhere]}")
                                      .replace("people: [bob]", "people: [bob, dave]"))
    res = inv(proj, "doctor")
    assert res.returncode == 1
    lines = [ln for ln in res.stdout.splitlines() if "route " in ln]
    assert [ln for ln in lines if "route demo-team" in ln and "alice on call" in ln] != []
    bad = [ln for ln in lines if "route night-team" in ln]
    assert len(bad) == 1
    assert "its RED channels (nowhere) reach no human" in bad[0]
    assert "'dave' is not in triagebook.people" in bad[0]


def test_the_page_goes_to_the_on_call_persons_own_address(project):
    """A person's contact on a channel replaces the channel's recipients (a real SMTP
    server on loopback receives it)."""
    from loopback import Smtp

    smtp = Smtp()
    try:
        people = PEOPLE.replace("alice: {timezone: Europe/Stockholm}",
                                "alice: {timezone: Europe/Stockholm, contacts: "
                                "{page-a: alice@example.org}}")
        chans = CHANNELS.replace("page-a: {kind: file, path: out/page-a.log, sms: true}",
                                 f"page-a: {{kind: smtp, host: 127.0.0.1, port: {smtp.port}, "
                                 f"to: [team@example.org]}}")
        setup(project, chans, top=routes().replace(PEOPLE, people))
        open_incident(project, "INC-M")
        out = escalate(load_config(project), "INC-M", "RED",
                       clock=lambda: stockholm("2026-03-25 12:00"))
        assert out.failures == ()
        (message,) = smtp.messages
        to = [ln for ln in message.splitlines() if ln.lower().startswith("to:")]
        assert to == ["To: alice@example.org"]
        (sent,) = of_type(project, "INC-M", "escalation.sent")
        assert sent.data["person"] == "alice"
    finally:
        smtp.close()


def test_an_unacknowledged_red_pages_the_secondary_then_the_manager_and_an_ack_stops_it(proj):
    """Issue 22 item 4: alice (primary) is paged; 15 min without an ack, tick pages carol
    (the secondary); 30 min, the manager; once acknowledged, nothing more."""
    from triagebook.escalation.service import tick

    text = (proj / "invoke.yaml").read_text().replace(
        "      channels: {RED: [page-a]}\n",
        "      channels: {RED: [page-a]}\n      manager: dave\n", 1)
    (proj / "invoke.yaml").write_text(text.replace(PEOPLE, PEOPLE + "    dave: {}\n"))
    open_incident(proj, "INC-L", "demo")
    cfg = load_config(proj)
    t0 = stockholm("2026-03-25 12:00")
    escalate(cfg, "INC-L", "RED", clock=lambda: t0)
    assert tick(cfg, clock=lambda: t0 + timedelta(minutes=14)) == []
    first = tick(cfg, clock=lambda: t0 + timedelta(minutes=15))
    assert [(r.kind, r.detail.split(" (")[0]) for r in first] == [
        ("secondary", "RED unacknowledged for 15 min: secondary carol")]
    assert tick(cfg, clock=lambda: t0 + timedelta(minutes=16)) == []  # not twice
    second = tick(cfg, clock=lambda: t0 + timedelta(minutes=30))
    assert [r.kind for r in second] == ["manager"]
    leveled = of_type(proj, "INC-L", "escalation.leveled")
    assert [(e.data["level"], e.data["person"]) for e in leveled] == [
        ("secondary", "carol"), ("manager", "dave")]
    assert read(proj / "out" / "page-a.log").count("INC-L") >= 3  # alice, carol, dave
    shown = inv(proj, "incident.show", "INC-L").stdout
    assert "    secondary carol paged at 2026-03-25 11:15:00 UTC (no ack)" in shown


def test_an_ack_before_the_interval_means_no_secondary(proj):
    from triagebook.escalation.service import ack, tick

    open_incident(proj, "INC-K", "demo")
    cfg = load_config(proj)
    t0 = stockholm("2026-03-25 12:00")
    escalate(cfg, "INC-K", "RED", clock=lambda: t0)
    ack(cfg, "INC-K", "cli", clock=lambda: t0 + timedelta(minutes=5))
    assert tick(cfg, clock=lambda: t0 + timedelta(minutes=60)) == []
    assert of_type(proj, "INC-K", "escalation.leveled") == []


def test_raising_the_severity_pages_the_route_once_at_the_new_class(proj):
    """Issue 22 item 6: SEV3 (GREEN: digest only) raised to SEV2 pages YELLOW to the
    route's person; raised again to SEV1 (still YELLOW: not customer-visible) pages
    nothing more, nor does lowering it."""
    with freeze_time("2026-03-25 11:00:00", tick=True):  # 12:00 in Stockholm: not quiet
        open_incident(proj, "INC-V", "demo", severity="SEV3")
        first = inv(proj, "incident.severity", "INC-V", "SEV2")
        again = inv(proj, "incident.severity", "INC-V", "SEV1")
        lowered = inv(proj, "incident.severity", "INC-V", "SEV3")
    assert first.returncode == 0, first.stderr
    assert "routing: send via chat, email — YELLOW goes to async channels first; to " \
           "alice (primary on demo-team" in first.stdout
    assert again.returncode == 0, again.stderr
    assert "routing:" not in again.stdout  # already paged at YELLOW
    assert "routing:" not in lowered.stdout
    (sent,) = of_type(proj, "INC-V", "escalation.sent")
    assert sent.data["person"] == "alice"


def test_the_runners_severity_raise_pages_too(proj):
    with freeze_time("2026-03-25 11:00:00", tick=True):
        res = inv(proj, "runbook.run", "demo", "--incident", "INC-RS", "--severity", "SEV3",
                  "--context", "server_id=srv-abc", input="severity SEV2\nquit\n",
                  env={"TRIAGEBOOK_OPERATOR": "alice"})
    assert res.returncode == 0, res.stderr
    assert "routing: send via chat, email" in res.stdout
    (sent,) = of_type(proj, "INC-RS", "escalation.sent")
    assert sent.data["person"] == "alice"


def test_a_calendar_url_is_read_and_its_last_copy_used_while_it_is_down(project, monkeypatch):
    """A calendar published on a (loopback) HTTP server, fetched once a minute at most
    (a tick asks for every incident); once the server is gone, the copy kept from the
    last good read still names the person, and says so."""
    import functools
    import http.server
    import threading

    from triagebook.oncall import calendar

    now = [1000.0]
    monkeypatch.setattr(calendar, "_now", lambda: now[0])
    (project / "pub").mkdir()
    (project / "pub" / "oncall.ics").write_text(CALENDAR)
    requests: list[str] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            requests.append(self.path)

    handler = functools.partial(Handler, directory=str(project / "pub"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/oncall.ics"
    setup(project, CHANNELS, top=PEOPLE + f"  routes:\n    demo-team:\n      calendar: {url}\n")
    cfg = load_config(project)
    at = stockholm("2026-04-07 12:00")
    live = on_call(cfg, "demo-team", at)
    again = on_call(cfg, "demo-team", at)
    assert len(requests) == 1  # the second question within the minute: no second fetch
    server.shutdown()
    server.server_close()
    assert live[0].person == "carol"
    assert again[0].person == "carol"
    assert live[0].why.startswith(f"calendar {url}: ")
    now[0] += calendar.RECENT_S
    kept = on_call(cfg, "demo-team", at)
    assert kept[0].person == "carol"
    assert "unreachable" in kept[0].why
    assert "the copy kept at" in kept[0].why


def test_a_calendars_text_cannot_drive_the_terminal(project):
    hostile = CALENDAR.replace("SUMMARY:alice", "SUMMARY:al\\x1b]0;pwned\\x07ice")
    setup(project, CHANNELS, top=PEOPLE + "  routes:\n    demo-team:\n"
                                          "      calendar: oncall.ics\n")
    (project / "oncall.ics").write_text(hostile.replace("\\x1b", "\x1b").replace("\\x07",
                                                                                 "\x07"))
    res = inv(project, "oncall.who", "--at", "2026-03-25T12:00:00Z")
    assert res.returncode == 0, res.stderr
    assert "\x1b" not in res.stdout
    assert "\x07" not in res.stdout
    assert "primary:" not in res.stdout  # a text with control characters is nobody's name
    assert "  secondary: carol" in res.stdout


def test_a_calendar_rule_that_would_expand_for_hours_is_refused_at_once(project):
    """`FREQ=SECONDLY` since 1970 is billions of occurrences to walk: refused before
    expanding (one line), and the page still goes to the route's channels."""
    bomb = CALENDAR.replace("DTSTART;TZID=Europe/Stockholm:20260323T090000\n"
                            "DTEND;TZID=Europe/Stockholm:20260330T090000\n"
                            "RRULE:FREQ=WEEKLY;INTERVAL=2\nSUMMARY:alice",
                            "DTSTART:19700101T000000Z\nDTEND:19700101T000001Z\n"
                            "RRULE:FREQ=SECONDLY\nSUMMARY:alice", 1)
    assert "FREQ=SECONDLY" in bomb
    setup(project, CHANNELS, top=PEOPLE + "  routes:\n    demo-team:\n"
                                          "      calendar: oncall.ics\n"
                                          "      channels: {RED: [page-a]}\n")
    (project / "oncall.ics").write_text(bomb)
    open_incident(project, "INC-BOMB")
    out = escalate(load_config(project), "INC-BOMB", "RED",
                   clock=lambda: stockholm("2026-03-25 12:00"))
    assert out.decision.action == "send"
    assert "repeat more than 100000 times up to now" in out.decision.reason
    who = inv(project, "oncall.who", "--at", "2026-03-25T12:00:00Z")
    assert "schedule unreadable" in who.stdout


def test_route_settings_are_checked_like_every_setting(project):
    setup(project, CHANNELS, top="  routes:\n    api:\n      channels: {PURPLE: [page]}\n"
                                 "      rotation: {handoff: '25:00', timezone: Mars/Olympus}\n")
    problems = [str(p) for p in load_config(project).problems]
    assert [p for p in problems if "routes.api.channels.PURPLE: expected an escalation "
                                   "class: RED, YELLOW or GREEN" in p] != []
    assert [p for p in problems if "routes.api.rotation.handoff: expected HH:MM but "
                                   "received '25:00'" in p] != []
    assert [p for p in problems if "routes.api.rotation.timezone: expected an IANA time "
                                   "zone" in p] != []


@pytest.mark.parametrize("utc_now, who", [
    ("2026-03-29 00:59:00", "alice"),  # 01:59 CET, a minute before the clocks go forward
    ("2026-03-29 01:00:00", "alice"),  # 03:00 CEST: the change, not a handoff
    ("2026-03-30 06:59:00", "alice"),  # 08:59 CEST on Monday
    ("2026-03-30 07:00:00", "carol"),  # 09:00 CEST: the handoff, an hour earlier in UTC
])
def test_who_is_on_call_now_across_the_dst_change_and_the_handoff(proj, utc_now, who):
    """Frozen clocks (freezegun) around the spring-forward night and the Monday handoff:
    `inv oncall.who` with no --at asks the real clock."""
    with freeze_time(utc_now):
        res = inv(proj, "oncall.who", "--route", "demo-team")
    assert res.returncode == 0, res.stderr
    primary = [ln for ln in res.stdout.splitlines() if ln.startswith("  primary: ")]
    assert len(primary) == 1
    assert primary[0].startswith(f"  primary: {who} — rotation: {who}'s shift since ")

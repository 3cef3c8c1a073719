"""On-call routing against hostile and broken input (a probe of issue 22's work): no
calendar, record file or schedule setting stops a page, hangs it, or pages the wrong
person at the wrong time."""

from __future__ import annotations

import http.server
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import inv
from eschelp import open_incident, read, setup
from test_oncall import CHANNELS, PEOPLE, stockholm

from triagebook.config import load_config
from triagebook.escalation.service import escalate, tick
from triagebook.oncall import calendar as C
from triagebook.oncall import records as R
from triagebook.oncall.schedule import on_call, primary

HEAD = "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:x\n"


def with_calendar(project: Path, text: str) -> Path:
    setup(project, CHANNELS, top=PEOPLE + "  routes:\n    demo-team:\n"
                                          "      calendar: oncall.ics\n"
                                          "      channels: {RED: [page-a]}\n")
    (project / "oncall.ics").write_text(text)
    return project


@pytest.mark.parametrize("name, text, why", [
    ("no DTSTART", HEAD + "BEGIN:VEVENT\nUID:a\nSUMMARY:alice\nEND:VEVENT\nEND:VCALENDAR\n",
     "cannot be read as a calendar"),
    ("two RRULEs", HEAD + "BEGIN:VEVENT\nUID:a\nDTSTART:20260101T000000Z\n"
     "DTEND:20260101T010000Z\nRRULE:FREQ=DAILY\nRRULE:FREQ=WEEKLY\nSUMMARY:alice\n"
     "END:VEVENT\nEND:VCALENDAR\n", None),
    ("unknown calendar zone", HEAD.replace("PRODID:x\n", "PRODID:x\nX-WR-TIMEZONE:Mars/Olympus\n")
     + "BEGIN:VEVENT\nUID:a\nDTSTART:20260101T000000\nDTEND:20270101T000000\n"
     "SUMMARY:alice\nEND:VEVENT\nEND:VCALENDAR\n", "cannot be read as a calendar"),
    ("a SECONDLY time zone", HEAD + "BEGIN:VTIMEZONE\nTZID:Weird\nBEGIN:STANDARD\n"
     "DTSTART:16010101T000000\nTZOFFSETFROM:+0100\nTZOFFSETTO:+0100\nRRULE:FREQ=SECONDLY\n"
     "END:STANDARD\nEND:VTIMEZONE\nBEGIN:VEVENT\nUID:a\nDTSTART;TZID=Weird:20260101T000000\n"
     "DTEND;TZID=Weird:20270101T000000\nSUMMARY:alice\nEND:VEVENT\nEND:VCALENDAR\n",
     "repeat more than 100000 times"),
    ("YEARLY stepping hourly", HEAD + "BEGIN:VEVENT\nUID:a\nDTSTART:00020101T000000Z\n"
     "DTEND:00020101T010000Z\nRRULE:FREQ=YEARLY;BYDAY=MO,TU,WE,TH,FR,SA,SU;"
     "BYHOUR=0,4,8,12,16,20\nSUMMARY:alice\nEND:VEVENT\nEND:VCALENDAR\n",
     "repeat more than 100000 times"),
])
def test_a_broken_or_hostile_calendar_is_one_line_and_the_page_goes(project, name, text, why):
    with_calendar(project, text)
    open_incident(project, "INC-H")
    cfg = load_config(project)
    began = time.process_time()
    out = escalate(cfg, "INC-H", "RED", clock=lambda: stockholm("2026-03-25 12:00"))
    assert time.process_time() - began < 5  # CPU, not wall-clock: the guard, not a race
    assert out.decision.action == "send", name
    assert "INC-H" in read(project / "out" / "page-a.log")
    if why is not None:
        assert "schedule unreadable" in out.decision.reason
        assert why in out.decision.reason
    who = inv(project, "oncall.who", "--at", "2026-03-25T11:00:00Z")
    assert who.returncode == 0, who.stderr
    assert "Traceback" not in who.stderr


def test_a_calendar_url_that_trickles_is_cut_off(project, monkeypatch):
    """Headers, then a byte a second: the fetch stops at its deadline (made short here),
    not at the end of the data."""
    class Trickle(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            for _ in range(60):
                try:
                    self.wfile.write(b"B")
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(0.1)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Trickle)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setattr(C, "FETCH_S", 0.5)
    try:
        setup(project, CHANNELS, top=PEOPLE + "  routes:\n    demo-team:\n      calendar: "
              f"http://127.0.0.1:{server.server_address[1]}/x.ics\n")
        began = time.monotonic()
        with pytest.raises(C.CalendarProblem, match="not sent whole within 0.5 s"):
            on_call(load_config(project), "demo-team", stockholm("2026-03-25 12:00"))
        assert time.monotonic() - began < 5  # the 60 bytes would take 6 s
    finally:
        server.shutdown()
        server.server_close()


def primary_with_record(project: Path, at: datetime, line: str):
    """Who is primary on demo-team at ``at`` with one hand-written override record."""
    (project / "oncall").mkdir()
    (project / "oncall" / "overrides.jsonl").write_text(line + "\n")
    return primary(load_config(project), "demo-team", at)


def test_a_record_without_a_zone_is_skipped_not_fatal(project):
    setup(project, CHANNELS, top=PEOPLE + "  routes:\n    demo-team:\n"
                                          "      rotation: {people: [alice]}\n")
    oc = primary_with_record(project, datetime(2026, 12, 10, tzinfo=UTC),
                             '{"route":"demo-team","person":"bob","from":"2026-12-01T00:00",'
                             '"until":"2026-12-31T00:00","by":"x","at":"2026-12-04T00:00:00Z",'
                             '"id":"n1"}')
    assert oc is not None
    assert oc.person == "alice"


def test_the_newest_records_are_read_from_a_large_file(project, monkeypatch):
    setup(project, CHANNELS, top=PEOPLE + "  routes:\n    demo-team:\n"
                                          "      rotation: {people: [alice]}\n")
    monkeypatch.setattr(R, "MAX_RECORDS", 4096)
    cfg = load_config(project)
    old = datetime(2020, 1, 1, tzinfo=UTC)
    (project / "oncall").mkdir()
    with open(project / "oncall" / "overrides.jsonl", "w") as fh:
        for n in range(200):  # far more than 4 KB of old overrides
            fh.write(f'{{"route":"demo-team","person":"bob","from":"2020-01-01T00:00:00Z",'
                     f'"until":"2020-01-02T00:00:00Z","by":"x","at":"2020-01-01T00:00:00Z",'
                     f'"id":"o{n}"}}\n')
    now = datetime(2026, 12, 4, 12, tzinfo=UTC)
    R.record_override(cfg, "demo-team", "carol", now - timedelta(hours=1),
                      now + timedelta(hours=1), "dana", now)
    oc = primary(cfg, "demo-team", now)
    assert oc is not None
    assert oc.person == "carol"
    assert old < now


def test_an_impossible_start_date_is_a_config_warning(project):
    setup(project, CHANNELS, top="  routes:\n    api:\n      rotation: {start: '2026-02-30'}\n")
    problems = [str(p) for p in load_config(project).problems]
    assert [p for p in problems if "rotation.start: expected a date, YYYY-MM-DD but "
                                   "received '2026-02-30'" in p] != []


def rotation(project: Path, body: str) -> Path:
    setup(project, CHANNELS, top=PEOPLE + "  routes:\n    demo-team:\n"
                                          "      channels: {RED: [page-a]}\n" + body)
    return project


def test_a_handoff_in_the_repeated_autumn_hour_happens_once(project):
    rotation(project, "      rotation: {people: [alice, bob], start: '2026-10-24', "
                      "handoff: '02:30', length_days: 1, timezone: Europe/Stockholm}\n")
    cfg = load_config(project)
    at = [datetime(2026, 10, 25, 0, m, tzinfo=UTC) for m in (29, 31)] + [
        datetime(2026, 10, 25, 1, m, tzinfo=UTC) for m in (5, 29, 31)]
    people = []
    for t in at:
        oc = primary(cfg, "demo-team", t)
        assert oc is not None
        people.append(oc.person)
    assert people == ["alice", "bob", "bob", "bob", "bob"]  # 02:30 CEST = 00:30 UTC, once


def test_a_handoff_in_the_spring_gap_is_shown_as_the_real_time(project):
    rotation(project, "      rotation: {people: [alice, bob], start: '2026-03-28', "
                      "handoff: '02:30', length_days: 1, timezone: Europe/Stockholm}\n")
    oc = primary(load_config(project), "demo-team", datetime(2026, 3, 29, 3, tzinfo=UTC))
    assert oc is not None
    assert "02:30 CET" not in oc.why  # a time that does not exist that night
    assert "03:30 CEST" in oc.why


def test_nobody_is_on_call_before_a_rotation_starts(project):
    rotation(project, "      rotation: {people: [alice, bob], start: '2027-06-01'}\n")
    assert on_call(load_config(project), "demo-team",
                   datetime(2026, 12, 4, tzinfo=UTC)) == []


def test_the_manager_comes_at_twice_the_interval_without_a_secondary(project):
    rotation(project, "      rotation: {people: [alice], start: '2026-03-23'}\n"
                      "      secondary_after_minutes: 10\n      manager: dana\n")
    (project / "invoke.yaml").write_text((project / "invoke.yaml").read_text()
                                         .replace(PEOPLE, PEOPLE + "    dana: {}\n"))
    open_incident(project, "INC-MG")
    cfg = load_config(project)
    t0 = stockholm("2026-03-25 12:00")
    escalate(cfg, "INC-MG", "RED", clock=lambda: t0)
    assert tick(cfg, clock=lambda: t0 + timedelta(minutes=10)) == []
    assert [r.kind for r in tick(cfg, clock=lambda: t0 + timedelta(minutes=20))] == ["manager"]


@pytest.mark.parametrize("args, said", [
    (["--until", "9999-12-31T23:59-05:00"], "outside the years 1-9999 in UTC"),
    (["--until", "2099-01-01T00:00:00Z", "--from", "0001-01-01T00:30+01:00"],
     "outside the years 1-9999 in UTC"),
])
def test_times_past_the_calendar_are_one_line(project, args, said):
    rotation(project, "      rotation: {people: [alice]}\n")
    res = inv(project, "oncall.override", "demo-team", "bob", *args)
    assert res.returncode == 1
    assert said in res.stderr
    assert "Traceback" not in res.stderr


def test_a_name_with_a_newline_is_refused(project):
    rotation(project, "      rotation: {people: [alice]}\n")
    res = inv(project, "oncall.override", "demo-team", "ghost\nX", "--until",
              "2099-01-01T00:00:00Z")
    assert res.returncode == 1
    assert res.stderr.count("\n") == 1
    assert "a name: one line, at most 64 characters" in res.stderr


def test_a_page_held_for_one_persons_night_goes_to_the_next_person_at_the_handoff(project):
    """Bob (New York) is on call at 04:00 UTC, 23:00 for him: a YELLOW waits until his
    morning (12:00 UTC). At 08:00 UTC alice (Stockholm, 09:00) takes over: the next tick
    sends it to her instead of keeping it for bob, who is no longer on call."""
    rotation(project, "      rotation: {people: [bob, alice], start: '2026-03-23', "
                      "handoff: '08:00', length_days: 1, timezone: UTC}\n")
    open_incident(project, "INC-HO")
    cfg = load_config(project)
    night = datetime(2026, 3, 24, 4, 0, tzinfo=UTC)  # day 1 of the rotation: bob's
    out = escalate(cfg, "INC-HO", "YELLOW", clock=lambda: night, customer_visible=False)
    assert out.decision.action == "defer"
    assert "to bob" in out.decision.reason
    assert tick(cfg, clock=lambda: night + timedelta(hours=3, minutes=59)) == []
    moved = tick(cfg, clock=lambda: night + timedelta(hours=4, minutes=5))
    assert [(r.kind, r.detail.split(";")[0]) for r in moved] == [
        ("handoff", "YELLOW held for bob's quiet hours")]
    assert "INC-HO" in read(project / "out" / "chat.log")
    later = tick(cfg, clock=lambda: night + timedelta(hours=9))  # bob's 07:00: not again
    assert [r.kind for r in later] == ["promote"]  # unacknowledged YELLOW, as ever


def test_keys_invoke_could_not_name_are_no_traceback(project):
    """A person named by a number, and names differing only in case, in invoke.yaml:
    Invoke's environment crawl used to fail every command before triagebook ran."""
    setup(project, CHANNELS, top="  people:\n    123: {timezone: UTC}\n    Alice: {}\n"
                                 "    alice: {}\n  routes:\n    demo-team:\n"
                                 "      rotation: {people: [alice, Alice]}\n")
    import os
    import subprocess
    import sys

    # the real `inv` start-up (Invoke reads invoke.yaml itself there): the subject here
    res = subprocess.run([sys.executable, "-m", "invoke", "oncall.who", "--at",
                          "2026-03-25T12:00:00Z"], cwd=project, capture_output=True,
                         text=True, timeout=120, env={**os.environ, "NO_COLOR": "1"})
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr
    assert "  primary: " in res.stdout


def test_a_full_disk_records_no_half_override_and_says_so_in_one_line(project, monkeypatch):
    import errno
    import os as real_os

    from triagebook.base.errors import UsageError

    rotation(project, "      rotation: {people: [alice]}\n")
    cfg = load_config(project)
    now = datetime(2026, 12, 4, 12, tzinfo=UTC)
    R.record_override(cfg, "demo-team", "bob", now, now + timedelta(hours=1), "x", now)
    before = (project / "oncall" / "overrides.jsonl").read_bytes()

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, real_os.strerror(errno.ENOSPC))

    monkeypatch.setattr(R.os, "fsync", full)
    with pytest.raises(UsageError) as err:
        R.record_override(cfg, "demo-team", "carol", now, now + timedelta(hours=1), "x", now)
    assert str(err.value) == ("oncall/overrides.jsonl: cannot record (No space left on "
                              "device); nothing recorded")
    assert (project / "oncall" / "overrides.jsonl").read_bytes() == before


def test_a_calendar_urls_credentials_are_never_shown(project):
    """A published calendar's secret (a token in its query, a password in its address)
    appears neither in `oncall.who` nor in what an escalation records."""
    setup(project, CHANNELS, top=PEOPLE + "  routes:\n    demo-team:\n"
          "      calendar: http://cal:s3cretPassw0rd@127.0.0.1:9/x.ics?token=T0kenValue99\n"
          "      channels: {RED: [page-a]}\n")
    open_incident(project, "INC-SEC")
    out = escalate(load_config(project), "INC-SEC", "RED",
                   clock=lambda: stockholm("2026-03-25 12:00"))
    who = inv(project, "oncall.who", "--at", "2026-03-25T12:00:00Z")
    ledger = (project / "incidents" / "INC-SEC" / "events.jsonl").read_text()
    for secret in ("s3cretPassw0rd", "T0kenValue99"):
        assert secret not in out.decision.reason
        assert secret not in who.stdout + who.stderr
        assert secret not in ledger
        assert secret not in read(project / "out" / "page-a.log")


def test_a_record_with_control_characters_is_no_record(project):
    rotation(project, "      rotation: {people: [alice]}\n")
    oc = primary_with_record(project, datetime(2026, 12, 4, tzinfo=UTC),
                             '{"route":"demo-team","person":"mallory\\u001b[2J",'
                             '"from":"2026-01-01T00:00:00Z","until":"2099-01-01T00:00:00Z",'
                             '"by":"x","at":"2026-01-01T00:00:00Z","id":"c1"}')
    assert oc is not None
    assert oc.person == "alice"


EVENT = "BEGIN:VEVENT\nUID:a\nDTSTART:20260301T090000Z\n{extra}SUMMARY:{summary}\nEND:VEVENT\n"


@pytest.mark.parametrize("events, said", [
    (EVENT.format(extra="DTEND:20260301T100000Z\nRRULE:garbage\n", summary="alice"),
     "schedule unreadable: oncall.ics: a recurrence rule it cannot read ('alice': expected "
     "FREQ=DAILY"),
    (EVENT.format(extra="RRULE:FREQ=DAILY\n", summary="alice"),
     "1 event(s) without DTEND or DURATION last no time (RFC 5545), e.g. 'alice': add DTEND"),
    (EVENT.format(extra="DTEND:20260401T090000Z\n", summary="tertiary: alice"),
     "passed over now: SUMMARY 'tertiary: alice' (expected a name, or 'secondary: NAME'"),
    ("", "calendar oncall.ics has no events"),
])
def test_why_nobody_is_on_call_is_said(project, events, said):
    """A calendar that names nobody now says why, in `oncall.who`, in doctor and in the
    page's recorded reason — not "nobody on call" alone."""
    with_calendar(project, HEAD + events + "END:VCALENDAR\n")
    who = inv(project, "oncall.who", "--at", "2026-03-10T12:00:00Z")
    assert said in who.stdout
    open_incident(project, "INC-V")
    out = escalate(load_config(project), "INC-V", "RED",
                   clock=lambda: datetime(2026, 3, 10, 12, tzinfo=UTC))
    assert out.decision.action == "send"
    assert said.split(" (")[0] in out.decision.reason


def test_why_nobody_is_on_call_before_a_rotation_starts(project):
    rotation(project, "      rotation: {people: [alice, bob], start: '2027-06-01'}\n")
    who = inv(project, "oncall.who", "--at", "2026-12-04T12:00:00Z")
    assert "nobody on call: the rotation's first shift starts 2027-06-01 09:00" in who.stdout


@pytest.mark.parametrize("name", ["''", "\"tab\\there\""])
def test_a_route_or_person_name_nobody_could_type_is_a_config_warning(project, name):
    setup(project, CHANNELS, top=f"  people:\n    {name}: {{timezone: UTC}}\n"
                                 f"  routes:\n    {name}:\n      rotation: {{people: [x]}}\n")
    cfg = load_config(project)
    said = [str(p) for p in cfg.problems if "expected a name of 1-64 printable" in str(p)]
    assert len(said) == 2
    assert list(cfg.routes) == []
    assert list(cfg.people) == []


def test_spaces_around_a_route_name_are_dropped_not_the_route(project):
    """A pasted non-breaking space after `demo-team` is invisible in invoke.yaml: the
    route is still demo-team (refusing it would send its pages to the global channels)."""
    setup(project, CHANNELS, top="  people:\n    ' alice ': {timezone: UTC}\n"
                                 "  routes:\n    \"demo-team\\u00a0\":\n"
                                 "      rotation: {people: [' alice']}\n"
                                 "    ' demo-team':\n      rotation: {people: [alice]}\n")
    cfg = load_config(project)
    assert list(cfg.routes) == ["demo-team"]
    assert list(cfg.people) == ["alice"]
    assert cfg.routes["demo-team"].rotation.people == ("alice",)
    said = [str(p) for p in cfg.problems]
    assert len([p for p in said if "given twice, spaces aside" in p]) == 1


def test_a_calendar_naming_only_a_secondary_says_there_is_no_primary(project):
    with_calendar(project, HEAD + EVENT.format(extra="DTEND:20260401T090000Z\n",
                                               summary="secondary: bob") + "END:VCALENDAR\n")
    open_incident(project, "INC-NP")
    out = escalate(load_config(project), "INC-NP", "RED",
                   clock=lambda: datetime(2026, 3, 10, 12, tzinfo=UTC))
    assert out.decision.action == "send"
    assert "route demo-team: no primary on call (secondary bob)" in out.decision.reason


def test_a_calendar_url_that_fails_is_not_asked_again_within_the_minute(project, monkeypatch):
    """Down and no copy kept: every question of a tick would wait for it again."""
    asked: list[str] = []

    class Broken(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            self.send_error(500)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Broken)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    now = [5000.0]
    monkeypatch.setattr(C, "_now", lambda: now[0])
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/oncall.ics"
        setup(project, CHANNELS, top=PEOPLE + f"  routes:\n    demo-team:\n"
                                              f"      calendar: {url}\n")
        cfg = load_config(project)
        for _ in range(3):
            with pytest.raises(C.CalendarProblem, match="no copy kept yet"):
                on_call(cfg, "demo-team", datetime(2026, 3, 10, 12, tzinfo=UTC))
        assert len(asked) == 1
        now[0] += C.RECENT_S
        with pytest.raises(C.CalendarProblem):
            on_call(cfg, "demo-team", datetime(2026, 3, 10, 12, tzinfo=UTC))
        assert len(asked) == 2
    finally:
        server.shutdown()
        server.server_close()

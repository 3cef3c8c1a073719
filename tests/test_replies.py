"""Replies come back by themselves (issue 23): roles, status updates and their cadence,
support-access grants, and acknowledgements read from a real IMAP mailbox (Dovecot on
127.0.0.1)."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from freezegun import freeze_time

from triagebook.base.errors import UsageError
from triagebook.base.redaction import Redactor
from triagebook.config import load_config
from triagebook.escalation import reminders
from triagebook.escalation.imap import InboxError, connect, serve
from triagebook.escalation.service import ack
from triagebook.incident import coordination as C
from triagebook.incident import events as E
from triagebook.incident.ledger import Ledger, NoSuchIncident, load
from triagebook.incident.state import fold
from triagebook.postmortem.write import generate

IID = "INC-20261203-0300-abcd"
T0 = datetime(2026, 12, 3, 3, 0, tzinfo=UTC)
CONFIG = """\
triagebook:
  escalation:
    channels:
      chat: {{kind: file, path: chat.log}}
      email: {{kind: file, path: email.log}}
      page: {{kind: file, path: page.log, sms: true}}
  replies:
    imap_host: 127.0.0.1
    imap_port: {port}
    imap_security: none
    imap_user: oncall
    senders: [alice@example.test, '@sre.example.test']
    idle_seconds: 5
"""


def project(root: Path, port: int = 143, severity: str = "SEV1",
            acknowledged: bool = True) -> Path:
    """An open incident detected at T0 (and acknowledged at T0: the cadence runs from
    when someone took it)."""
    (root / "invoke.yaml").write_text(CONFIG.format(port=port), encoding="utf-8")
    (root / "runbooks").mkdir(exist_ok=True)
    clock = lambda: T0  # noqa: E731
    with Ledger(root / "incidents", IID, "alice", Redactor(), clock, session=False) as led:
        led.append(E.IncidentOpened(severity=severity, title="API down",
                                    detected_at="2026-12-03T03:00:00Z"))
        if acknowledged:
            led.append(E.Milestone(name="acknowledged", via="phone"))
    return root


def state(root: Path):
    return fold(IID, load(root / "incidents", IID))


# ---- roles -------------------------------------------------------------------------------

def test_role_is_recorded_with_the_previous_holder(tmp_path):
    cfg = load_config(project(tmp_path))
    C.set_role(cfg, IID, "commander", "alice")
    C.set_role(cfg, IID, "Commander", "bob")
    ev = [e for e in load(cfg.incidents_dir, IID) if e.type == "role.set"][-1]
    assert (ev.data["person"], ev.data["previous"]) == ("bob", "alice")


def test_role_shows_in_state(tmp_path):
    cfg = load_config(project(tmp_path))
    C.set_role(cfg, IID, "comms", "carol")
    assert state(tmp_path).roles["comms"].person == "carol"


def test_unknown_role_is_one_line(tmp_path):
    cfg = load_config(project(tmp_path))
    with pytest.raises(UsageError, match="ROLE expected one of commander, comms, scribe"):
        C.set_role(cfg, IID, "pilot", "bob")


def test_role_person_with_escape_codes_is_refused(tmp_path):
    cfg = load_config(project(tmp_path))
    with pytest.raises(UsageError, match="control characters"):
        C.set_role(cfg, IID, "scribe", "eve\x1b[2J")


def test_role_on_unknown_incident_is_refused(tmp_path):
    cfg = load_config(project(tmp_path))
    with pytest.raises(NoSuchIncident, match="no incident 'INC-20261203-0300-zzzz'"):
        C.set_role(cfg, "INC-20261203-0300-zzzz", "scribe", "eve")


# ---- updates, the summary and the cadence --------------------------------------------------

def test_summary_holds_public_updates_only_newest_first(tmp_path):
    cfg = load_config(project(tmp_path))
    C.post_update(cfg, IID, "investigating elevated errors", public=True)
    C.post_update(cfg, IID, "internal: db primary failed over")
    C.post_update(cfg, IID, "mitigated by rollback", public=True)
    text = C.summary(state(tmp_path), Redactor(), plain=True)
    assert [ln.split("  ", 1)[1] for ln in text.splitlines()[2:]] == [
        "mitigated by rollback", "investigating elevated errors"]


def test_summary_redacts_a_token_typed_into_a_public_update(tmp_path):
    cfg = load_config(project(tmp_path))
    token = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
    C.post_update(cfg, IID, f"rotated {token} for the customer", public=True)
    assert token not in C.summary(state(tmp_path), Redactor())


def test_summary_escapes_markup(tmp_path):
    cfg = load_config(project(tmp_path))
    C.post_update(cfg, IID, "<script>alert(1)</script>", public=True)
    assert "<script>" not in C.summary(state(tmp_path), Redactor())


def test_update_due_after_the_severity_window(tmp_path):
    cfg = load_config(project(tmp_path))
    st = state(tmp_path)
    assert reminders.update_due(cfg.policy, st, T0) == T0 + timedelta(minutes=30)


def test_no_cadence_before_anyone_took_the_incident(tmp_path):
    cfg = load_config(project(tmp_path, acknowledged=False))
    assert reminders.update_due(cfg.policy, state(tmp_path), T0 + timedelta(hours=2)) is None


def test_a_commander_starts_the_cadence(tmp_path):
    cfg = load_config(project(tmp_path, acknowledged=False))
    with freeze_time(T0 + timedelta(minutes=10)):
        C.set_role(cfg, IID, "commander", "bob")
    assert reminders.update_due(cfg.policy, state(tmp_path), T0) == T0 + timedelta(minutes=40)


def test_no_reminder_inside_the_window(tmp_path):
    cfg = load_config(project(tmp_path))
    assert reminders.due(cfg.policy, state(tmp_path), T0 + timedelta(minutes=29)) == []


def test_reminder_once_per_window_and_never_a_page(tmp_path):
    cfg = load_config(project(tmp_path))
    with freeze_time(T0 + timedelta(minutes=31)):
        first = reminders.tick(cfg)
        again = reminders.tick(cfg)
    assert ([r.kind for r in first], again) == (["update-due"], [])
    assert (tmp_path / "chat.log").read_text().count("[REMINDER]") == 1
    assert not (tmp_path / "page.log").exists()


def test_next_window_reminds_again(tmp_path):
    cfg = load_config(project(tmp_path))
    with freeze_time(T0 + timedelta(minutes=31)):
        reminders.tick(cfg)
    with freeze_time(T0 + timedelta(minutes=61)):
        assert [r.key for r in reminders.tick(cfg)] == [
            "update-due:2026-12-03T04:00:00+00:00"]


def test_an_update_resets_the_cadence(tmp_path):
    cfg = load_config(project(tmp_path))
    with freeze_time(T0 + timedelta(minutes=25)):
        C.post_update(cfg, IID, "still investigating")
    with freeze_time(T0 + timedelta(minutes=40)):
        assert reminders.tick(cfg) == []


def test_reminder_names_the_commander(tmp_path):
    cfg = load_config(project(tmp_path))
    C.set_role(cfg, IID, "commander", "bob")
    with freeze_time(T0 + timedelta(minutes=31)):
        (r,) = reminders.tick(cfg)
    assert r.to == "bob"


def test_no_reminder_after_mitigation(tmp_path):
    cfg = load_config(project(tmp_path))
    with Ledger(cfg.incidents_dir, IID, "alice", Redactor(), lambda: T0,
                session=False) as led:
        led.append(E.Milestone(name="mitigated", via="cli"))
    with freeze_time(T0 + timedelta(hours=3)):
        assert reminders.tick(cfg) == []


def test_sev3_has_no_cadence(tmp_path):
    cfg = load_config(project(tmp_path, severity="SEV3"))
    with freeze_time(T0 + timedelta(hours=5)):
        assert reminders.tick(cfg) == []


def test_postmortem_lists_updates_and_gaps(tmp_path):
    cfg = load_config(project(tmp_path))
    with freeze_time(T0 + timedelta(minutes=10)):
        C.post_update(cfg, IID, "first look", public=True)
    with freeze_time(T0 + timedelta(minutes=55)):
        C.post_update(cfg, IID, "rolled back")
    part = generate(cfg, state(tmp_path), T0 + timedelta(minutes=60)).parts["status-updates"]
    assert part.splitlines()[-1] == ("Gaps longer than the cadence: 2026-12-03 03:10:00 UTC → "
                                     "2026-12-03 03:55:00 UTC (45 min).")


# ---- support-access grants -----------------------------------------------------------------

def grant(cfg, minutes_from_t0: int = 0, span: str = "2h") -> str:
    with freeze_time(T0 + timedelta(minutes=minutes_from_t0)):
        C.grant_access(cfg, IID, "carol", "tenant acme, read-only", span, "verify the fix")
    return next(iter(state(cfg.root).grants))


def test_grant_is_recorded_with_its_end(tmp_path):
    cfg = load_config(project(tmp_path))
    gid = grant(cfg)
    g = state(tmp_path).grants[gid]
    assert (g.to, g.until) == ("carol", T0 + timedelta(hours=2))


def test_grant_refuses_a_credential(tmp_path):
    cfg = load_config(project(tmp_path))
    with pytest.raises(UsageError, match="looks like a credential"):
        C.grant_access(cfg, IID, "carol", "use password=Zx9-very-secret-Qq7", "1h", "fix")


def test_grant_refuses_more_than_72_hours(tmp_path):
    cfg = load_config(project(tmp_path))
    with pytest.raises(UsageError, match="between 1 minute and 72 hours"):
        C.grant_access(cfg, IID, "carol", "db", "4d", "fix")


def test_open_grant_blocks_resolve(tmp_path):
    from triagebook.incident.commands import milestone

    cfg = load_config(project(tmp_path))
    gid = grant(cfg)
    with pytest.raises(UsageError, match=f"1 support-access grant still open: {gid}"):
        milestone(cfg, IID, "resolved")


def test_resolve_with_force_records_the_open_grant(tmp_path):
    from triagebook.incident.commands import milestone

    cfg = load_config(project(tmp_path))
    gid = grant(cfg)
    milestone(cfg, IID, "resolved", force=True)
    notes = [e.data["text"] for e in load(cfg.incidents_dir, IID) if e.type == "note"]
    assert notes == [f"resolved with --force while access grants were open: {gid} (carol: "
                     f"tenant acme, read-only)"]


def test_revoked_grant_no_longer_blocks(tmp_path):
    from triagebook.incident.commands import milestone

    cfg = load_config(project(tmp_path))
    C.revoke_access(cfg, IID, grant(cfg), "done")
    assert milestone(cfg, IID, "resolved").event is not None


def test_grant_reminders_before_and_after_expiry(tmp_path):
    cfg = load_config(project(tmp_path, severity="SEV3"))
    grant(cfg)
    with freeze_time(T0 + timedelta(minutes=110)):
        soon = [r.kind for r in reminders.tick(cfg)]
    with freeze_time(T0 + timedelta(minutes=125)):
        late = [r.kind for r in reminders.tick(cfg)]
    with freeze_time(T0 + timedelta(minutes=140)):
        quiet = reminders.tick(cfg)
    assert (soon, late, quiet) == (["grant-expiring"], ["grant-expired"], [])


def test_postmortem_lists_a_grant_never_revoked(tmp_path):
    cfg = load_config(project(tmp_path))
    gid = grant(cfg)
    part = generate(cfg, state(tmp_path), T0 + timedelta(hours=3)).parts["access"]
    assert part.startswith(f"- {gid}: carol — tenant acme, read-only; granted")
    assert "**never revoked**" in part


# ---- acknowledgements by mail (a real Dovecot) -----------------------------------------

@pytest.fixture(scope="module")
def imap():
    from imapserver import ImapServer, ImapUnavailable

    try:
        server = ImapServer()
        server.start()
    except ImapUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)
    yield server
    server.close()


@pytest.fixture
def mailbox(imap, tmp_path, monkeypatch):
    """A project reading the server's INBOX, emptied first."""
    from imapserver import PASSWORD

    conn = imap.client()
    conn.store("1:*", "+FLAGS", "(\\Deleted)") if imap.count() else None
    conn.expunge()
    conn.logout()
    monkeypatch.setenv("TRIAGEBOOK_SECRET_IMAP_PASSWORD", PASSWORD)
    return load_config(project(tmp_path, imap.port, acknowledged=False))


def read_once(cfg):
    tallies = []
    serve(cfg, lambda i, s, t: ack(cfg, i, "email", t, actor=s)[1], tallies.append, once=True)
    return tallies[-1]


def acked_milestones(cfg):
    return [(e.actor, e.data["via"], e.data["text"]) for e in load(cfg.incidents_dir, IID)
            if e.type == "milestone"]


def test_mail_reply_acknowledges(imap, mailbox):
    imap.deliver("Alice <alice@example.test>", f"ack {IID}\nlooking now\n\n> [ESCALATION:RED]")
    tally = read_once(mailbox)
    assert tally.acked == [(IID, "alice@example.test")]
    assert acked_milestones(mailbox) == [("alice@example.test", "email", f"ack {IID}")]


def test_processed_mail_is_flagged_never_deleted(imap, mailbox):
    imap.deliver("alice@example.test", f"ack {IID}")
    read_once(mailbox)
    assert (imap.count(), imap.flagged()) == (1, [True])


def test_quoted_page_alone_does_not_ack(imap, mailbox):
    imap.deliver("alice@example.test", f"> Ack: reply \"ack {IID}\"\n> [ESCALATION:RED]")
    tally = read_once(mailbox)
    assert (tally.acked, dict(tally.ignored)) == ([], {"quoted page or no text": 1})


def test_cant_ack_is_not_an_ack(imap, mailbox):
    imap.deliver("alice@example.test", f"I can't ack {IID}, I'm on a plane")
    tally = read_once(mailbox)
    assert (tally.acked, dict(tally.ignored)) == ([], {"not an ack (e.g. I can't ack)": 1})


def test_unknown_sender_is_ignored_and_counted(imap, mailbox):
    imap.deliver("mallory@evil.test", f"ack {IID}")
    tally = read_once(mailbox)
    assert (dict(tally.ignored), acked_milestones(mailbox)) == ({"sender not allowed": 1}, [])


def test_sender_from_an_allowed_domain_acks(imap, mailbox):
    imap.deliver("bob@sre.example.test", f"ack {IID}")
    assert read_once(mailbox).acked == [(IID, "bob@sre.example.test")]


def test_unknown_incident_is_ignored(imap, mailbox):
    imap.deliver("alice@example.test", "ack INC-20261203-0300-zzzz")
    assert dict(read_once(mailbox).ignored) == {"unknown incident": 1}


def test_same_message_twice_is_one_ack(imap, mailbox):
    imap.deliver("alice@example.test", f"ack {IID}", message_id="<dup-1@example.test>")
    imap.deliver("alice@example.test", f"ack {IID}", message_id="<dup-1@example.test>")
    tally = read_once(mailbox)
    assert (len(tally.acked), dict(tally.ignored)) == (1, {"same message again": 1})


def test_oversized_message_is_not_read(imap, mailbox):
    imap.deliver("alice@example.test", f"ack {IID}\n" + "x" * 300_000)
    tally = read_once(mailbox)
    assert (tally.acked, dict(tally.ignored)) == ([], {"too large or unreadable": 1})


def test_wrong_password_is_one_line_without_it(imap, mailbox, monkeypatch):
    monkeypatch.setenv("TRIAGEBOOK_SECRET_IMAP_PASSWORD", "not-the-password-77")
    with pytest.raises(InboxError) as info:
        connect(mailbox)
    assert "not-the-password-77" not in str(info.value)
    assert str(info.value).startswith(f"escalation.inbox: cannot use 127.0.0.1:{imap.port}:")


def test_plaintext_imap_refused_off_loopback(tmp_path, monkeypatch):
    root = project(tmp_path)
    (root / "invoke.yaml").write_text(CONFIG.format(port=143).replace(
        "imap_host: 127.0.0.1", "imap_host: mail.example.test"), encoding="utf-8")
    monkeypatch.setenv("TRIAGEBOOK_SECRET_IMAP_PASSWORD", "x")
    with pytest.raises(InboxError, match="only allowed for a server on a loopback address"):
        connect(load_config(root))


def test_idle_picks_up_a_reply_as_it_arrives(imap, mailbox):
    stop = threading.Event()
    tallies: list = []
    worker = threading.Thread(target=serve, daemon=True, kwargs=dict(
        cfg=mailbox, ack=lambda i, s, t: ack(mailbox, i, "email", t, actor=s)[1],
        report=tallies.append, stop=stop))
    worker.start()
    while not tallies:  # the first pass over the (empty) mailbox
        time.sleep(0.05)
    imap.deliver("alice@example.test", f"ack {IID}\nonline")
    deadline = time.monotonic() + 60  # a bound on waiting, not on speed
    while not acked_milestones(mailbox) and time.monotonic() < deadline:
        time.sleep(0.1)
    stop.set()
    worker.join(30)
    assert acked_milestones(mailbox) == [("alice@example.test", "email", f"ack {IID}")]
    assert not worker.is_alive()


def test_inbox_json_free_of_password(imap, mailbox):
    """Nothing the inbox writes holds the mailbox password."""
    from imapserver import PASSWORD

    imap.deliver("alice@example.test", f"ack {IID}")
    read_once(mailbox)
    written = "".join(p.read_text(errors="replace") for p in mailbox.root.rglob("*")
                      if p.is_file())
    assert PASSWORD not in written
    assert json.loads((mailbox.incidents_dir / IID / "events.jsonl").read_text()
                      .splitlines()[-1])["type"] == "milestone"


def test_page_names_the_roles(tmp_path):
    from triagebook.escalation.service import escalate

    cfg = load_config(project(tmp_path, acknowledged=False))
    C.set_role(cfg, IID, "commander", "alice")
    C.set_role(cfg, IID, "comms", "bob")
    escalate(cfg, IID, "RED", diagnosis="api down")
    page = (tmp_path / "chat.log").read_text()
    assert "Roles: commander alice, comms bob" in page

"""Chat acks and commands on the intake server (issue 23): signed Slack and Discord
requests over real HTTP on 127.0.0.1; bad signatures, stale timestamps and replays are
refused with nothing recorded."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from triagebook.base.redaction import Redactor
from triagebook.config import load_config
from triagebook.incident import events as E
from triagebook.incident.ledger import Ledger, load
from triagebook.tasks.alert import build_server

IID = "INC-20261203-0300-chat"
SLACK_SECRET = "slack-signing-secret-0f3a9c"
DISCORD_KEY = Ed25519PrivateKey.generate()


@pytest.fixture
def server(tmp_path: Path, monkeypatch):
    yield from serve(tmp_path, monkeypatch, "triagebook: {}\n")


def serve(tmp_path: Path, monkeypatch, config: str):
    (tmp_path / "runbooks").mkdir()
    (tmp_path / "invoke.yaml").write_text(config, encoding="utf-8")
    with Ledger(tmp_path / "incidents", IID, "alice", Redactor(), session=False) as led:
        led.append(E.IncidentOpened(severity="SEV2", title="Queue stuck",
                                    detected_at="2026-12-03T03:00:00Z"))
    monkeypatch.setenv("TRIAGEBOOK_SECRET_SLACK_SIGNING_SECRET", SLACK_SECRET)
    public = DISCORD_KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
    monkeypatch.setenv("TRIAGEBOOK_DISCORD_PUBLIC_KEY", public)
    cfg = load_config(tmp_path)
    srv = build_server(cfg, "127.0.0.1:0")
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield cfg, srv.server_address[1]
    srv.shutdown()
    srv.server_close()


def post(port: int, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("POST", path, body, headers)
    r = conn.getresponse()
    out = r.status, r.read()
    conn.close()
    return out


def slack(port: int, text: str, ts: int | None = None, secret: str = SLACK_SECRET,
          body: bytes | None = None, sig: str | None = None) -> tuple[int, bytes]:
    body = body or urlencode({"text": text, "user_name": "alice", "command": "/triage"}).encode()
    ts = int(time.time()) if ts is None else ts
    sig = sig or "v0=" + hmac.new(secret.encode(), f"v0:{ts}:".encode() + body,
                                  hashlib.sha256).hexdigest()
    return post(port, "/chat/slack", body, {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": sig})


def discord(port: int, payload: dict, ts: int | None = None,
            key: Ed25519PrivateKey = DISCORD_KEY) -> tuple[int, bytes]:
    body = json.dumps(payload).encode()
    ts = int(time.time()) if ts is None else ts
    sig = key.sign(str(ts).encode() + body).hex()
    return post(port, "/chat/discord", body, {
        "Content-Type": "application/json", "X-Signature-Ed25519": sig,
        "X-Signature-Timestamp": str(ts)})


def events(cfg, type_: str) -> list:
    return [e for e in load(cfg.incidents_dir, IID) if e.type == type_]


def test_slack_ack(server):
    cfg, port = server
    status, body = slack(port, f"ack {IID}")
    assert (status, json.loads(body)["text"]) == (200, f"{IID} acknowledged by slack:alice")
    assert [(e.actor, e.data["via"]) for e in events(cfg, "milestone")] == [
        ("slack:alice", "chat")]


def test_slack_note(server):
    cfg, port = server
    slack(port, f"note {IID} restarted the consumer")
    assert [e.data["text"] for e in events(cfg, "note")] == ["restarted the consumer"]


def test_slack_status(server):
    _, port = server
    status, body = slack(port, f"status {IID}")
    assert json.loads(body)["text"] == f"{IID} SEV2 open: Queue stuck"


def test_slack_unknown_command_gets_usage(server):
    _, port = server
    assert json.loads(slack(port, "deploy everything")[1])["text"].startswith("usage:")


def test_slack_bad_signature_refused_nothing_recorded(server):
    cfg, port = server
    status, _ = slack(port, f"ack {IID}", secret="not-the-secret")
    assert (status, events(cfg, "milestone")) == (401, [])


def test_slack_stale_timestamp_refused(server):
    cfg, port = server
    status, body = slack(port, f"ack {IID}", ts=int(time.time()) - 600)
    assert (status, events(cfg, "milestone")) == (401, [])
    assert b"5-minute window" in body


def test_slack_replay_refused(server):
    cfg, port = server
    body = urlencode({"text": f"note {IID} once", "user_name": "alice"}).encode()
    ts = int(time.time())  # one timestamp: the same signature, whatever the clock does
    first = slack(port, "", body=body, ts=ts)
    again = slack(port, "", body=body, ts=ts)
    assert (first[0], again[0]) == (200, 401)
    assert [e.data["text"] for e in events(cfg, "note")] == ["once"]


def test_discord_ping(server):
    _, port = server
    status, body = discord(port, {"type": 1})
    assert (status, json.loads(body)) == (200, {"type": 1})


def test_discord_ack(server):
    cfg, port = server
    status, body = discord(port, {"type": 2, "member": {"user": {"username": "bob"}},
                                  "data": {"name": "triage",
                                           "options": [{"name": "text",
                                                        "value": f"ack {IID}"}]}})
    assert (status, json.loads(body)["data"]["content"]) == (200, f"{IID} acknowledged by "
                                                                  "discord:bob")


def test_discord_wrong_key_refused(server):
    cfg, port = server
    status, _ = discord(port, {"type": 2, "data": {"options": [{"value": f"ack {IID}"}]}},
                        key=Ed25519PrivateKey.generate())
    assert (status, events(cfg, "milestone")) == (401, [])


def test_discord_stale_refused(server):
    cfg, port = server
    status, _ = discord(port, {"type": 2, "data": {"options": [{"value": f"ack {IID}"}]}},
                        ts=int(time.time()) - 301)
    assert (status, events(cfg, "milestone")) == (401, [])


def test_oversized_body_is_413_unread(server):
    _, port = server
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.putrequest("POST", "/chat/slack")
    conn.putheader("Content-Length", str(2 * 1024 * 1024))
    conn.endheaders()
    r = conn.getresponse()
    assert r.status == 413
    conn.close()


def test_escape_codes_in_a_chat_name_never_reach_the_ledger(server):
    cfg, port = server
    body = urlencode({"text": f"note {IID} hi", "user_name": "eve\x1b[2J"}).encode()
    slack(port, "", body=body)
    assert [e.actor for e in events(cfg, "note")] == ["slack:eve\\x1b[2J"]


def test_health_and_metrics(server):
    _, port = server
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/readyz")
    ready = conn.getresponse()
    ready.read()
    conn.request("GET", "/metrics")
    metrics = conn.getresponse().read().decode()
    conn.close()
    assert ready.status == 200
    assert "triagebook_intake_requests_total" in metrics


@pytest.fixture
def narrowed(tmp_path: Path, monkeypatch):
    """replies.chat_users names who may act: mallory is in the workspace, not on the list."""
    yield from serve(tmp_path, monkeypatch, "triagebook:\n  replies:\n"
                                            "    chat_users: [slack:U0ALICE, discord:112233]\n")


def slack_as(port: int, text: str, name: str, uid: str) -> tuple[int, bytes]:
    body = urlencode({"text": text, "user_name": name, "user_id": uid}).encode()
    return slack(port, "", body=body)


def test_a_chat_ack_from_a_listed_user_is_taken(narrowed):
    cfg, port = narrowed
    status, body = slack_as(port, f"ack {IID}", "alice", "U0ALICE")
    assert (status, json.loads(body)["text"]) == (200, f"{IID} acknowledged by slack:alice")
    assert [e.actor for e in events(cfg, "milestone")] == ["slack:alice"]


def test_a_chat_ack_from_someone_not_listed_is_refused_and_nothing_recorded(narrowed):
    cfg, port = narrowed
    for verb in ("ack", "note"):
        status, body = slack_as(port, f"{verb} {IID} hello", "mallory", "U0MALLORY")
        assert status == 200
        assert json.loads(body)["text"] == (f"slack:mallory may not {verb} incidents: not in "
                                            f"replies.chat_users (invoke.yaml); nothing "
                                            f"recorded")
    # a display name set to a listed id is still not that user
    status, body = slack_as(port, f"ack {IID}", "U0ALICE", "U0MALLORY")
    assert "may not ack" in json.loads(body)["text"]
    status, body = discord(port, {"type": 2, "member": {"user": {"username": "112233",
                                                                 "id": "999"}},
                                  "data": {"options": [{"value": f"ack {IID}"}]}})
    assert "may not ack" in json.loads(body)["data"]["content"]
    status, body = discord(port, {"type": 2, "member": {"user": {"username": "bob",
                                                                 "id": "112233"}},
                                  "data": {"options": [{"value": f"ack {IID}"}]}})
    assert json.loads(body)["data"]["content"] == f"{IID} acknowledged by discord:bob"
    assert [e.actor for e in events(cfg, "milestone")] == ["discord:bob"]
    assert events(cfg, "note") == []


def test_a_whole_workspace_can_be_allowed_and_status_is_open_to_it(narrowed):
    from triagebook.escalation.chat import allowed

    cfg, port = narrowed
    status, body = slack_as(port, f"status {IID}", "mallory", "U0MALLORY")
    assert json.loads(body)["text"] == f"{IID} SEV2 open: Queue stuck"
    (cfg.root / "invoke.yaml").write_text("triagebook:\n  replies:\n    chat_users: [slack:*]\n",
                                          encoding="utf-8")
    wide = load_config(cfg.root)
    assert allowed(wide, ("slack:U0ANY", "slack:anyone"))
    assert not allowed(wide, ("discord:anyone",))
    (cfg.root / "invoke.yaml").write_text("triagebook: {}\n", encoding="utf-8")
    assert allowed(load_config(cfg.root), ("slack:anyone",))  # none listed: the workspace


def test_doctor_warns_of_chat_users_that_match_nobody(tmp_path):
    """A display name in chat_users matches no signed id: the list still closes chat acks
    to everyone else, so doctor says so."""
    from triagebook.readiness.paging import chat_users

    (tmp_path / "invoke.yaml").write_text(
        "triagebook:\n  replies:\n    chat_users: [alice, slack:U0ALICE, 'discord:*']\n",
        encoding="utf-8")
    (check,) = chat_users(load_config(tmp_path))
    assert (check.status, check.detail) == ("warn", "replies.chat_users: 'alice' matches "
                                                    "nobody")

"""Chat commands and the signatures that make a chat request trustworthy.

Slack signs a request with HMAC-SHA256 of `v0:TIMESTAMP:BODY` under the app's signing
secret; Discord with Ed25519 over `TIMESTAMP + BODY` under the application's public key.
Both are checked in constant time, the timestamp must lie within five minutes of now,
and a signature seen before is a replay: refused, nothing recorded.

The commands, from either: `ack INC-…`, `note INC-… text`, `status INC-…`.  The HTTP
adapter (intake/chat.py) only verifies and calls `run`.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from triagebook.base.errors import TriagebookError, UsageError
from triagebook.config import Config

WINDOW_S = 300
MAX_TEXT = 1000
CHAT_USER = re.compile(r"^(slack|discord):(\*|[A-Za-z0-9_-]{1,64})$")  # a chat_users entry
COMMAND = re.compile(r"^\s*(ack|note|status)\s+([A-Za-z0-9][A-Za-z0-9_-]{0,63})\s*(.*)$",
                     re.IGNORECASE | re.DOTALL)


class Refused(Exception):
    """A request that is not verifiably from the chat platform (HTTP 401)."""


@dataclass(frozen=True, slots=True)
class Replies:
    """Signatures seen within the replay window (bounded), shared by the server's threads."""

    seen: OrderedDict[str, float]
    lock: threading.Lock

    @classmethod
    def new(cls) -> Replies:
        return cls(OrderedDict(), threading.Lock())

    def first_time(self, signature: str, now: float) -> bool:
        with self.lock:
            while self.seen and next(iter(self.seen.values())) < now - 2 * WINDOW_S:
                self.seen.popitem(last=False)
            if signature in self.seen:
                return False
            self.seen[signature] = now
            while len(self.seen) > 100_000:
                self.seen.popitem(last=False)
            return True


def _fresh(timestamp: str, now: float) -> None:
    try:
        ts = int(timestamp)
    except ValueError:
        raise Refused("timestamp is not a number") from None
    if abs(now - ts) > WINDOW_S:
        raise Refused("timestamp outside the 5-minute window (a stale or replayed request)")


def verify_slack(cfg: Config, headers: dict[str, str], body: bytes, now: float,
                 replies: Replies) -> None:
    secret = os.environ.get(cfg.replies.slack_secret_env, "")
    if not secret:
        raise Refused(f"no Slack signing secret (${cfg.replies.slack_secret_env} is empty)")
    timestamp = headers.get("x-slack-request-timestamp", "")
    signature = headers.get("x-slack-signature", "")
    _fresh(timestamp, now)
    base = b"v0:" + timestamp.encode() + b":" + body
    want = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(want.encode(), signature.encode()):
        raise Refused("bad signature")
    if not replies.first_time(signature, now):
        raise Refused("replayed request")


def verify_discord(cfg: Config, headers: dict[str, str], body: bytes, now: float,
                   replies: Replies) -> None:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    key_hex = os.environ.get(cfg.replies.discord_key_env, "")
    timestamp = headers.get("x-signature-timestamp", "")
    signature = headers.get("x-signature-ed25519", "")
    try:
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(key_hex))
        sig = bytes.fromhex(signature)
    except ValueError:
        raise Refused("no valid Discord public key or signature") from None
    _fresh(timestamp, now)
    try:
        key.verify(sig, timestamp.encode() + body)  # the library's check is constant time
    except InvalidSignature:
        raise Refused("bad signature") from None
    if not replies.first_time(signature, now):
        raise Refused("replayed request")


def allowed(cfg: Config, identities: tuple[str, ...]) -> bool:
    """May this chat user acknowledge and note?  ``identities``: the requester's user id
    as the platform signs it (`slack:U024BE7LH`, `discord:112233445566778899`) — never a
    display name, which its owner can change to anyone's id."""
    users = cfg.replies.chat_users
    if not users:
        return True
    return any(i in users or f"{i.split(':', 1)[0]}:*" in users for i in identities)


def run(cfg: Config, text: str, actor: str, now: datetime,
        identities: tuple[str, ...] = ()) -> str:
    """Do what a chat command says; the answer is one short text for the channel."""
    m = COMMAND.match(text[:MAX_TEXT])
    if m is None:
        return "usage: ack INC-… · note INC-… TEXT · status INC-…"
    verb, incident, rest = m.group(1).lower(), m.group(2), m.group(3).strip()
    if verb != "status" and not allowed(cfg, identities):
        return (f"{actor} may not {verb} incidents: not in replies.chat_users "
                f"(invoke.yaml); nothing recorded")
    try:
        if verb == "ack":
            from triagebook.escalation.service import ack

            _, new = ack(cfg, incident, "chat", f"ack {incident}", actor=actor)
            return (f"{incident} acknowledged by {actor}" if new
                    else f"{incident} was already acknowledged; nothing recorded")
        if verb == "note":
            from triagebook.incident.commands import note

            return note(cfg, incident, rest, actor=actor).message
        return status(cfg, incident, now)
    except TriagebookError as exc:
        return str(exc).splitlines()[0][:300]


def status(cfg: Config, incident: str, now: datetime) -> str:
    from triagebook.base.safetext import neutralise
    from triagebook.base.timeutil import utc
    from triagebook.incident.ledger import check_id, load
    from triagebook.incident.state import fold

    check_id(incident)
    st = fold(incident, load(cfg.incidents_dir, incident))
    if st.opened_at is None:
        raise UsageError(f"{incident}: no such incident")
    parts = [f"{st.id} {st.severity} {st.status}: {st.title}"]
    if "commander" in st.roles:
        parts.append(f"commander {st.roles['commander'].person}")
    if st.updates:
        parts.append(f"last update {utc(st.updates[-1].at)}: {st.updates[-1].text[:200]}")
    return neutralise(" · ".join(parts))

"""Acknowledgements by mail: which replies acknowledge an incident, and which are ignored
(and why).  The IMAP conversation lives in escalation/imap.py; this module only reads
messages that have arrived.

A reply acknowledges when, after the quoted lines (`> …`) are dropped, its first words
are `ack INC-…` — the same rule as `inv incident.ack --from-reply` — its sender may
acknowledge (the smtp channels' recipients and `replies.senders`), and the incident
exists here.  A message is considered once (by Message-ID, remembered in
`incidents/.inbox-seen`): a copy delivered twice is one acknowledgement.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path

from triagebook.base.errors import UsageError
from triagebook.config import Config
from triagebook.escalation.message import find_ack
from triagebook.incident.ledger import check_id, incident_ids

MAX_MESSAGE = 256 * 1024  # a reply is short; a larger message is not read
MAX_TEXT = 500
SEEN = ".inbox-seen"


@dataclass(frozen=True, slots=True)
class Reply:
    message_id: str
    sender: str
    text: str  # the reply's own text: quoted lines dropped, first 500 characters


@dataclass
class Tally:
    acked: list[tuple[str, str]] = field(default_factory=list)  # (incident, sender)
    ignored: Counter[str] = field(default_factory=Counter)  # reason → count

    def line(self) -> str:
        why = ", ".join(f"{n} {r}" for r, n in sorted(self.ignored.items()))
        return (f"escalation.inbox: {len(self.acked)} acknowledged"
                + (f"; ignored: {why}" if why else ""))


def parse(raw: bytes) -> Reply | None:
    """The reply in a raw RFC 5322 message; None when it is too large or has no text."""
    if len(raw) > MAX_MESSAGE:
        return None
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    body = msg.get_body(preferencelist=("plain",))
    if body is None:
        return None
    try:
        text = body.get_content()
    except (LookupError, ValueError):
        return None
    own = "\n".join(ln for ln in str(text).splitlines()
                    if not ln.lstrip().startswith(">")).strip()
    sender = parseaddr(str(msg.get("From", "")))[1].strip().lower()
    mid = str(msg.get("Message-ID", "")).strip() or hashlib.sha256(raw).hexdigest()
    return Reply(mid, sender, own[:MAX_TEXT])


def allowed_senders(cfg: Config) -> set[str]:
    """Who may acknowledge by mail: every smtp channel's recipients and replies.senders."""
    out = {s.strip().lower() for s in cfg.replies.senders}
    for ch in cfg.channels.values():
        out.update(t.strip().lower() for t in ch.of_kind.recipients(ch.settings))
    return {s for s in out if s}


def may_ack(sender: str, allowed: set[str]) -> bool:
    domain = "@" + sender.rpartition("@")[2] if "@" in sender else ""
    return sender in allowed or bool(domain and domain in allowed)


class Seen:
    """Message-IDs already considered (hashed), kept beside the incidents."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / SEEN
        try:
            self.ids = set(self.path.read_text(encoding="ascii").split())
        except (OSError, UnicodeDecodeError):
            self.ids = set()

    @staticmethod
    def key(message_id: str) -> str:
        return hashlib.sha256(message_id.encode("utf-8", "replace")).hexdigest()[:32]

    def __contains__(self, message_id: str) -> bool:
        return self.key(message_id) in self.ids

    def add(self, message_id: str) -> None:
        k = self.key(message_id)
        if k in self.ids:
            return
        self.ids.add(k)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="ascii") as fh:
            fh.write(k + "\n")


def decide(cfg: Config, reply: Reply, allowed: set[str], known: set[str]) -> tuple[str, str]:
    """("ack", incident id) or ("ignore", the reason)."""
    try:
        incident = find_ack(reply.text)
    except UsageError:
        low = reply.text.lower()
        return "ignore", ("quoted page or no text" if not reply.text else
                          "does not start with 'ack ID'" if "ack" not in low[:200] else
                          "not an ack (e.g. I can't ack)")
    try:
        check_id(incident)
    except UsageError:
        return "ignore", "unknown incident"
    if incident not in known:
        return "ignore", "unknown incident"
    if not may_ack(reply.sender, allowed):
        return "ignore", "sender not allowed"
    return "ack", incident


def known_incidents(cfg: Config) -> set[str]:
    return set(incident_ids(cfg.incidents_dir))

"""The IMAP side of `inv escalation.inbox`: connect (TLS by default), read unflagged
messages, acknowledge through the escalation service, flag what was read (never delete),
and wait for news with IMAP IDLE where the server offers it (else poll).

Everything from the mailbox is untrusted: a message over 256 KiB is not fetched, the
reply's text is bounded, and the only thing a message can cause is an acknowledgement
of an incident that exists here, from a sender who may acknowledge.
"""

from __future__ import annotations

import imaplib
import ipaddress
import os
import select
import ssl
import threading
import time
from collections.abc import Callable

from triagebook.base.errors import UsageError
from triagebook.config import Config
from triagebook.escalation.inbox import (
    MAX_MESSAGE,
    Seen,
    Tally,
    allowed_senders,
    decide,
    known_incidents,
    parse,
)

TIMEOUT = 30.0


class InboxError(UsageError):
    """The mailbox cannot be used: one line, never the password."""


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def connect(cfg: Config) -> imaplib.IMAP4:
    r = cfg.replies
    if not r.imap_host:
        raise InboxError("escalation.inbox: replies.imap_host is not set in invoke.yaml "
                         "(the IMAP server that receives replies to pages)")
    if r.imap_security == "none" and not _loopback(r.imap_host):
        raise InboxError(f"escalation.inbox: replies.imap_security none is only allowed for a "
                         f"server on a loopback address, not {r.imap_host}; use tls or "
                         f"starttls")
    password = os.environ.get(r.imap_password_env, "")
    if not password:
        raise InboxError(f"escalation.inbox: environment variable {r.imap_password_env} is "
                         f"empty (the mailbox's password; replies.imap_password_env names it)")
    where = f"{r.imap_host}:{r.imap_port}"
    try:
        if r.imap_security == "tls":
            conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                r.imap_host, r.imap_port, ssl_context=ssl.create_default_context(),
                timeout=TIMEOUT)
        else:
            conn = imaplib.IMAP4(r.imap_host, r.imap_port, timeout=TIMEOUT)
            if r.imap_security == "starttls":
                conn.starttls(ssl.create_default_context())
        conn.login(r.imap_user, password)
        typ, _ = conn.select(_quoted(r.mailbox))
        if typ != "OK":
            raise InboxError(f"escalation.inbox: {where} has no mailbox {r.mailbox!r}")
    except InboxError:
        raise
    except (imaplib.IMAP4.error, OSError, ssl.SSLError) as exc:
        raise InboxError(f"escalation.inbox: cannot use {where}: {_why(exc, password)}") from None
    return conn


def _quoted(mailbox: str) -> str:
    return '"' + mailbox.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _why(exc: BaseException, password: str) -> str:
    text = str(exc).replace(password, "[REDACTED]") if password else str(exc)
    return f"{type(exc).__name__}: {text}"[:200]


def process(cfg: Config, conn: imaplib.IMAP4,
            ack: Callable[[str, str, str], bool]) -> Tally:
    """Read every unflagged message once; `ack(incident, sender, text)` records one."""
    tally = Tally()
    seen = Seen(cfg.incidents_dir)
    allowed = allowed_senders(cfg)
    known = known_incidents(cfg)
    typ, data = conn.uid("SEARCH", "UNFLAGGED")
    uids = [u.decode() for u in data[0].split()] if typ == "OK" and data and data[0] else []
    for uid in uids:
        typ, meta = conn.uid("FETCH", uid, "(RFC822.SIZE)")
        size = _size(meta)
        if size is None or size > MAX_MESSAGE:
            tally.ignored["too large or unreadable"] += 1
            _flag(conn, uid)
            continue
        typ, got = conn.uid("FETCH", uid, "(BODY.PEEK[])")
        raw = next((part[1] for part in got or () if isinstance(part, tuple)), b"")
        reply = parse(raw) if typ == "OK" and raw else None
        if reply is None:
            tally.ignored["no plain text"] += 1
        elif reply.message_id in seen:
            tally.ignored["same message again"] += 1
        else:
            verdict, value = decide(cfg, reply, allowed, known)
            if verdict == "ack":
                first = reply.text.splitlines()[0][:200] if reply.text else ""
                if ack(value, reply.sender, first):
                    tally.acked.append((value, reply.sender))
                else:
                    tally.ignored["already acknowledged"] += 1
            else:
                tally.ignored[value] += 1
            seen.add(reply.message_id)
        _flag(conn, uid)
    return tally


def _size(meta: list[object] | None) -> int | None:
    for part in meta or ():
        text = part.decode("ascii", "replace") if isinstance(part, bytes) else str(part)
        if "RFC822.SIZE" in text:
            try:
                return int(text.split("RFC822.SIZE", 1)[1].strip().split()[0].rstrip(")"))
            except (ValueError, IndexError):
                return None
    return None


def _flag(conn: imaplib.IMAP4, uid: str) -> None:
    conn.uid("STORE", uid, "+FLAGS", "(\\Flagged \\Seen)")


def has_idle(conn: imaplib.IMAP4) -> bool:
    return "IDLE" in {str(c).upper() for c in conn.capabilities}


def wait(conn: imaplib.IMAP4, seconds: float, stop: threading.Event) -> None:
    """Until the server reports news, `seconds` pass, or `stop` is set: IMAP IDLE where
    offered (RFC 2177), else a NOOP poll."""
    end = time.monotonic() + seconds
    if not has_idle(conn):
        while time.monotonic() < end and not stop.wait(min(1.0, end - time.monotonic())):
            pass
        conn.noop()
        return
    tag = conn._new_tag()  # imaplib has no IDLE before Python 3.14
    conn.send(tag + b" IDLE\r\n")
    if not conn.readline().startswith(b"+"):
        raise InboxError("escalation.inbox: the server refused IDLE")
    sock = conn.socket()
    while time.monotonic() < end and not stop.is_set():
        pending = isinstance(sock, ssl.SSLSocket) and sock.pending() > 0
        if not pending and not select.select([sock], [], [], 1.0)[0]:
            continue
        line = conn.readline()
        if not line:
            raise InboxError("escalation.inbox: the server closed the connection")
        if b"EXISTS" in line or b"RECENT" in line:
            break
    conn.send(b"DONE\r\n")
    while True:  # the rest of IDLE's answer, up to its tagged completion
        line = conn.readline()
        if not line or line.startswith(tag):
            return


def serve(cfg: Config, ack: Callable[[str, str, str], bool], report: Callable[[Tally], None],
          once: bool = False, stop: threading.Event | None = None) -> None:
    """Process the mailbox, then wait for news and again, until `stop` (or once)."""
    stop = stop or threading.Event()
    conn = connect(cfg)
    try:
        while True:
            report(process(cfg, conn, ack))
            if once or stop.is_set():
                return
            try:
                wait(conn, cfg.replies.idle_seconds, stop)
            except (TimeoutError, imaplib.IMAP4.error, OSError) as exc:
                raise InboxError(f"escalation.inbox: connection lost: {_why(exc, '')}") from None
            if stop.is_set():
                return
    finally:
        try:
            conn.logout()
        except (imaplib.IMAP4.error, OSError):
            pass

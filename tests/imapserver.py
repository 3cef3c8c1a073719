"""A throwaway Dovecot IMAP server on 127.0.0.1 for the mail-ack tests.

Debian's `dovecot-imapd` (installed by .ci/run when absent), started in the foreground
with its own configuration, base directory and Maildir store in a temporary folder; one
user with a known password; plain IMAP, which triagebook allows only on loopback.
Mail is delivered to it by the tests with IMAP APPEND, as a mail server would.
"""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

from alerting import free_port

DOVECOT = "/usr/sbin/dovecot"
USER = "oncall"
PASSWORD = "imap-test-password-41c9"
MAIL_USER = "mail"  # Dovecot refuses mail access as root; Debian's `mail` user owns the store


class ImapUnavailable(RuntimeError):
    pass


CONF = """\
base_dir = {run}
state_dir = {state}
log_path = {log}
info_log_path = {log}
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{mail}/%u
first_valid_uid = 1
default_internal_user = dovecot
default_login_user = dovenull
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {passwd}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={mail}/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0600
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


class ImapServer:
    def __init__(self) -> None:
        if not os.path.exists(DOVECOT):
            raise ImapUnavailable(f"no {DOVECOT}: apt-get install dovecot-imapd")
        self.dir = Path(tempfile.mkdtemp(prefix="tb-imap-"))
        os.chmod(self.dir, 0o755)  # the mail user must reach its store
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        mail_user = pwd.getpwnam(MAIL_USER)
        for sub in ("run", "state", "mail"):
            (self.dir / sub).mkdir()
        os.chown(self.dir / "mail", mail_user.pw_uid, mail_user.pw_gid)
        passwd = self.dir / "passwd"
        passwd.write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n", encoding="utf-8")
        conf = self.dir / "dovecot.conf"
        conf.write_text(CONF.format(run=self.dir / "run", state=self.dir / "state",
                                    log=self.dir / "dovecot.log", mail=self.dir / "mail",
                                    passwd=passwd, uid=mail_user.pw_uid, gid=mail_user.pw_gid,
                                    port=self.port), encoding="utf-8")
        self.proc = subprocess.Popen([DOVECOT, "-F", "-c", str(conf)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                raise ImapUnavailable(f"dovecot exited: {err}{self.log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise ImapUnavailable(f"dovecot did not listen on {self.port}: {self.log()}")

    def log(self) -> str:
        try:
            return (self.dir / "dovecot.log").read_text(encoding="utf-8")[-2000:]
        except OSError:
            return ""

    def client(self) -> imaplib.IMAP4:
        conn = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        conn.login(USER, PASSWORD)
        conn.select("INBOX")
        return conn

    def deliver(self, sender: str, text: str, subject: str = "Re: [ESCALATION:RED]",
                message_id: str | None = None, raw: bytes | None = None) -> None:
        """Put a message into the INBOX (IMAP APPEND), unflagged and unseen."""
        if raw is None:
            msg = EmailMessage()
            msg["From"] = sender
            msg["To"] = "pages@example.test"
            msg["Subject"] = subject
            if message_id:
                msg["Message-ID"] = message_id
            msg.set_content(text)
            raw = msg.as_bytes()
        conn = self.client()
        try:
            typ, data = conn.append("INBOX", "", imaplib.Time2Internaldate(time.time()), raw)
            assert typ == "OK", data
        finally:
            conn.logout()

    def flagged(self) -> list[bool]:
        """For every message in the INBOX, in order: is it flagged?"""
        conn = self.client()
        try:
            typ, data = conn.fetch("1:*", "(FLAGS)")
            if typ != "OK" or not data or data[0] is None:
                return []
            return [b"\\Flagged" in (d if isinstance(d, bytes) else d[0]) for d in data]
        finally:
            conn.logout()

    def count(self) -> int:
        conn = self.client()
        try:
            typ, data = conn.select("INBOX")
            return int(data[0]) if typ == "OK" else -1
        finally:
            conn.logout()

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        shutil.rmtree(self.dir, ignore_errors=True)

"""The team store, replies, alerts and service endpoints: each setting declared once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from triagebook.options.base import Invalid, Key, Run
from triagebook.options.containers import DictOfItems, ListOfItems
from triagebook.options.declare import setting
from triagebook.options.types import Bool, Choice, Int, Number, Str


@dataclass(frozen=True, slots=True)
class LedgerConfig:
    """The shared ledger store. Credentials never live here: PGPASSWORD / ~/.pgpass, or
    the whole URL in the environment variable named by `store_url_env`."""

    store: str = setting(Str(
        "The team's shared store: `postgresql://user@host:port/database`, no password "
        "(PGPASSWORD or ~/.pgpass); empty: this machine only.", blank=True), "")
    store_url_env: str = setting(Str(
        "Instead of `store`: an environment variable holding the URL (which may then hold "
        "the password).", blank=True), "")
    timeout: float = setting(Number(
        "Seconds the store may take to connect, and per statement; the runner never waits "
        "longer.", low=0, high=60, expected="seconds, more than 0 and at most 60"), 2.0)

    @staticmethod
    def check_settings(v: dict[str, Any], run: Run, key: Key) -> None:
        store = v.get("store") or ""
        parts = urlsplit(store)
        if store and parts.scheme not in ("postgresql", "postgres"):
            run.invalid(key + ("store",), store,
                        Invalid("a postgresql://user@host:port/database URL"))
        elif parts.password is not None or "password=" in parts.query:
            # one line, and the value itself is not echoed: it holds a password
            run.invalid(key + ("store",), "", Invalid(
                "", message="holds a password; invoke.yaml is shared, "
                "so give it in PGPASSWORD or ~/.pgpass, or put the whole URL in an environment "
                "variable named by ledger.store_url_env"))
        env = v.get("store_url_env") or ""
        if env and not env.replace("_", "").isalnum():
            run.invalid(key + ("store_url_env",), env,
                        Invalid("the name of an environment variable"))
        if store and env:
            run.invalid(key + ("store_url_env",), env,
                        Invalid("either ledger.store or ledger.store_url_env, not both"))


def _port(doc: str) -> Int:
    return Int(doc, low=1, high=65535, expected="a port number")


@dataclass(frozen=True, slots=True)
class RepliesConfig:
    """Replies that come back by themselves: acks by mail (IMAP) and signed chat requests.
    Secrets only from the environment, by the variable names given here."""

    imap_host: str = setting(Str("The IMAP server holding replies to pages (empty: no mail "
                                 "acks).", blank=True), "")
    imap_port: int = setting(_port("Its port."), 993)
    imap_security: str = setting(Choice(
        ("tls", "starttls", "none"), "tls (implicit, port 993), starttls, or none — none "
        "only for a server on a loopback address."), "tls")
    imap_user: str = setting(Str("The mailbox's user name.", blank=True), "")
    imap_password_env: str = setting(Str("The environment variable holding its password."),
                                     "TRIAGEBOOK_SECRET_IMAP_PASSWORD")
    mailbox: str = setting(Str("The folder replies arrive in."), "INBOX")
    senders: tuple[str, ...] = setting(ListOfItems(
        Str(), "Addresses (or `@domain`) allowed to acknowledge by mail, besides the smtp "
        "channels' recipients.", expected="a list of addresses"), ())
    chat_users: tuple[str, ...] = setting(ListOfItems(
        Str(), "Chat users allowed to acknowledge and note, by user id (`slack:U024BE7LH`, "
        "`discord:112233445566778899`; a display name can be changed to anyone's, so "
        "names are not matched; `slack:*` for the whole signed workspace). Empty: anyone "
        "in the workspace — a signature proves the workspace, not the person.",
        expected="a list of platform:USER_ID"), ())
    idle_seconds: int = setting(Int("IMAP IDLE is renewed (or the mailbox polled) this often.",
                                    low=5, high=1740, expected="seconds from 5 to 1740"), 300)
    slack_secret_env: str = setting(Str("The environment variable holding Slack's signing "
                                        "secret."), "TRIAGEBOOK_SECRET_SLACK_SIGNING_SECRET")
    discord_key_env: str = setting(Str("The environment variable holding the Discord "
                                       "application's public key (hex)."),
                                   "TRIAGEBOOK_DISCORD_PUBLIC_KEY")


def _severities(v: dict[str, str]) -> dict[str, str]:
    return {str(k).lower(): str(x).upper() for k, x in v.items()}


@dataclass(frozen=True, slots=True)
class AlertsConfig:
    """Alerts in (issue 21): how an alert group becomes an incident."""

    escalate: bool = setting(Bool(
        "Page per the runbook's escalation class and the policy when an alert opens an "
        "incident (or fires again)."), True)
    severity: dict[str, str] = setting(DictOfItems(
        Str(), "The alert's `severity` label → the incident's severity (otherwise the "
        "runbook's own).", placeholder="LABEL VALUE",
        expected="a mapping of label values to SEV1..SEV4"),
        factory=lambda: {"critical": "SEV2", "warning": "SEV3", "info": "SEV4"},
        convert=_severities)
    context: dict[str, str] = setting(DictOfItems(
        Str(), "A runbook's context value ← the alert label (or annotation) to take it "
        "from, when the names differ.", placeholder="VALUE NAME",
        expected="a mapping of names to labels"), factory=dict)
    fallback: str = setting(Str("The runbook an alert opens when no match is confident."),
                            "incident-process")


@dataclass(frozen=True, slots=True)
class ServiceEndpoints:
    """A service's own health endpoints, for `inv doctor --services`."""

    name: str
    url: str = setting(Str("Base URL: /healthz, /readyz and /metrics are under it."))
    counters: tuple[str, ...] = setting(ListOfItems(
        Str(), "Metric names the runbooks' queries read; `doctor --services` checks "
        "/metrics has them.", expected="a list of metric names"), ())

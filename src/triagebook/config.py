"""The project configuration: paths and the policy of SPEC §3, in one place.

It lives under the `triagebook:` key of the project's `invoke.yaml` — the file
Invoke already reads next to `tasks.py` — and the mkdocs plugin reads the same
file through this module.  Everything has a default, so a project with no
`invoke.yaml` works.  Bad values are reported like runbook problems.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from triagebook.base import yamlsrc
from triagebook.base.errors import Problem, ProblemsError
from triagebook.options.base import Codes, Invalid, Run, Schema
from triagebook.options.containers import DictOfItems, ListOfItems, Optional, SubConfig
from triagebook.options.types import (
    Bool,
    Choice,
    FilePath,
    Int,
    Number,
    Str,
    TimeRange,
    TimeZone,
)

CONFIG_FILE = "invoke.yaml"
SECTION = "triagebook"
CODES = Codes(type="bad-config", value="bad-config", unknown="unknown-config",
              missing="bad-config")


@dataclass(frozen=True, slots=True)
class SeverityPolicy:
    name: str
    meaning: str
    response: str
    response_minutes: int | None
    postmortem: bool
    example: str = ""  # what such an incident looks like here (the policy page's column)


@dataclass(frozen=True, slots=True)
class ClassPolicy:
    name: str
    meaning: str
    channels: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Policy:
    severities: tuple[SeverityPolicy, ...]
    classes: tuple[ClassPolicy, ...]
    timezone: str = "UTC"
    quiet_start: time = time(22, 0)
    quiet_end: time = time(7, 0)
    yellow_promote_minutes: int = 15
    followup_minutes: dict[str, int] = field(default_factory=lambda: {"RED": 60, "YELLOW": 240})
    cap_per_24h: int = 3
    review_window_days: int = 90
    postmortem_draft_days: int = 10
    # status-update cadence per severity, minutes (0: none); reminders, never pages
    update_minutes: dict[str, int] = field(
        default_factory=lambda: {"SEV1": 30, "SEV2": 60, "SEV3": 0, "SEV4": 0})

    def severity(self, name: str) -> SeverityPolicy:
        for s in self.severities:
            if s.name == name:
                return s
        raise KeyError(name)

    def escalation(self, name: str) -> ClassPolicy:
        for c in self.classes:
            if c.name == name:
                return c
        raise KeyError(name)


DEFAULT_SEVERITIES = (
    SeverityPolicy("SEV1", "Platform down, all customers affected", "immediate", 0, True,
                   "API down for everyone; nobody can sign in; every allocation fails; data "
                   "loss"),
    SeverityPolicy("SEV2", "Major degradation, many customers affected", "15 min", 15, True,
                   "one region's allocations fail; billing worker stopped; terminal gateway "
                   "down"),
    SeverityPolicy("SEV3", "Partial degradation, some customers affected", "1 hour", 60, False,
                   "one customer's jobs stuck; a webhook endpoint failing; slow API for one "
                   "route"),
    SeverityPolicy("SEV4", "Minor issue, workaround available", "next business day", None,
                   False, "a console page renders wrong; a retry succeeded on the second "
                   "try"),
)
DEFAULT_CLASSES = (
    ClassPolicy("RED", "Irreversible or customer-impacting: data, billing, secrets, hard "
                "infrastructure breakage. Pages at any hour, loud channel first.",
                ("page", "chat", "email")),
    ClassPolicy("YELLOW", "Repeated soft or reversible customer-visible failures. Async "
                "channels first; promoted to the loud channel if not acknowledged in 15 "
                "minutes.", ("chat", "email")),
    ClassPolicy("GREEN", "Informational. Goes only into the daily digest.", ("digest",)),
)


@dataclass(frozen=True, slots=True)
class ChannelConfig:
    """Where one escalation channel delivers. Credentials are named env variables only."""

    name: str
    kind: str = "stdout"  # stdout | file | smtp | webhook
    sms: bool = False  # SMS-class: body at most six lines
    path: str = ""
    host: str = "localhost"
    port: int = 25
    starttls: bool = False
    sender: str = "triagebook@localhost"
    to: tuple[str, ...] = ()
    user_env: str = ""
    password_env: str = ""
    url_env: str = ""
    shape: str = "slack"  # slack | discord
    shadow: bool = False  # issue 14: record what would be sent, deliver nothing
    go_live_after: int = 0  # clean drills needed before live pages go out (0: live now)


DEFAULT_CHANNELS = {
    "page": ChannelConfig("page", sms=True),
    "chat": ChannelConfig("chat"),
    "email": ChannelConfig("email"),
    "digest": ChannelConfig("digest"),  # issue 14: `inv incident.digest --send` (GREEN's channel)
}


def _channel_values(c: ChannelConfig) -> dict[str, Any]:
    return {f.name: getattr(c, f.name) for f in fields(c) if f.name != "name"}
CHANNEL_KINDS = ("stdout", "file", "smtp", "webhook")


# ---- the ledger's shared store (teams) ---------------------------------------------
@dataclass(frozen=True, slots=True)
class LedgerConfig:
    """The shared ledger store. Credentials never live here: PGPASSWORD / ~/.pgpass, or
    the whole URL in the environment variable named by `store_url_env`."""

    store: str = ""  # postgresql://user@host:port/db, no password; empty = local only
    store_url_env: str = ""  # name of an environment variable holding the URL
    timeout: float = 2.0  # seconds: connect and statement timeout; the runner never waits longer


@dataclass(frozen=True, slots=True)
class RepliesConfig:
    """Replies that come back by themselves: acks by mail (IMAP) and signed chat requests.
    Secrets only from the environment, by the variable names given here."""

    imap_host: str = ""  # empty: escalation.inbox is not set up
    imap_port: int = 993
    imap_security: str = "tls"  # tls | starttls | none (none only on a loopback address)
    imap_user: str = ""
    imap_password_env: str = "TRIAGEBOOK_SECRET_IMAP_PASSWORD"
    mailbox: str = "INBOX"
    senders: tuple[str, ...] = ()  # who may ack by mail, besides the smtp channels' `to`
    idle_seconds: int = 300  # re-issue IMAP IDLE (or poll) this often
    slack_secret_env: str = "TRIAGEBOOK_SECRET_SLACK_SIGNING_SECRET"
    discord_key_env: str = "TRIAGEBOOK_DISCORD_PUBLIC_KEY"  # hex Ed25519 public key


@dataclass(frozen=True, slots=True)
class AlertsConfig:
    """Alerts in (issue 21): how an alert group becomes an incident."""

    escalate: bool = True  # page per the runbook's class and the policy when one opens
    severity: dict[str, str] = field(default_factory=lambda: {
        "critical": "SEV2", "warning": "SEV3", "info": "SEV4"})
    context: dict[str, str] = field(default_factory=dict)  # runbook value ← label name
    fallback: str = "incident-process"  # the runbook when no match is confident


@dataclass(frozen=True, slots=True)
class ServiceEndpoints:
    """A service's own health endpoints, for `inv doctor --services`."""

    url: str  # base URL: /healthz, /readyz and /metrics are under it
    counters: tuple[str, ...] = ()  # metric names its runbooks' queries read


@dataclass(frozen=True, slots=True)
class Config:
    root: Path
    runbooks_dir: Path
    incidents_dir: Path
    postmortems_dir: Path
    cache_dir: Path
    site_dir: Path
    policy: Policy
    source: Path | None = None
    postmortem_template: Path | None = None
    environment: str = ""
    ledger_url: str = ""
    site_url: str = ""  # where the site is published; links open runbooks pre-filled
    channels: dict[str, ChannelConfig] = field(default_factory=lambda: dict(DEFAULT_CHANNELS))
    ledger: LedgerConfig = LedgerConfig()  # issue 16: the shared ledger store
    replies: RepliesConfig = RepliesConfig()  # issue 23: acks by mail and chat
    alerts: AlertsConfig = AlertsConfig()  # issue 21: alerts open incidents
    services: dict[str, ServiceEndpoints] = field(default_factory=dict)  # doctor --services
    links: dict[str, str] = field(default_factory=dict)  # pivots: name → URL template
    meta_route: tuple[str, ...] = ()  # channels for the cap-hit meta-incident (empty: RED's)
    deadline_seconds: float = 20.0  # one channel's delivery, connect to answer, all included
    shadow_policy: str = ""  # a policy file whose decisions are recorded, never delivered

    def today(self) -> date:
        """Today on the responder's calendar (policy.timezone)."""
        return datetime.now(ZoneInfo(self.policy.timezone)).date()

    def display(self, path: Path) -> str:
        """A path as users see it: relative to the project root when inside it."""
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)


# --- The settings, each declared once: type, default, one-line doc. -----------------------
# The reference page (site/pages.config_page), validation and `default_config` derive
# from these; the dataclasses above are the typed result.


def _minutes(doc: str, default: int) -> Int:
    return Int(doc, low=1, expected="a positive whole number", default=default)


def _severity(s: SeverityPolicy) -> SubConfig:
    return SubConfig(Schema({
        "meaning": Str("What the severity means, in the policy table.", default=s.meaning),
        "response": Str("Expected response time, as people say it.", default=s.response),
        "response_minutes": Optional(Int(low=0, expected="minutes (0 or more)"),
                                     "Expected response time in minutes (null: none).",
                                     default=s.response_minutes),
        "postmortem": Bool("Whether incidents of this severity need a post-mortem.",
                           words={"required": True, "optional": False}, default=s.postmortem),
        "example": Str("What an incident of this severity looks like here (the policy "
                       "page shows it).", blank=True, default=s.example),
    }), f"{s.name}: {s.meaning}.")


def _class(c: ClassPolicy) -> SubConfig:
    return SubConfig(Schema({
        "meaning": Str("What the class means, in the policy table.", default=c.meaning),
        "channels": ListOfItems(Str(), "Channels notified, loudest first.", min_items=1,
                                expected="a non-empty list of channel names",
                                default=c.channels),
    }), f"The {c.name} escalation class.")


def _check_channel(v: dict[str, Any], run: Run, key: tuple[object, ...]) -> None:
    if v.get("kind") == "webhook" and not v.get("url_env"):
        run.invalid(key + ("url_env",), v.get("url_env"), Invalid(
            "the name of an environment variable holding the webhook URL"))


_d = ChannelConfig("")
CHANNEL = Schema({
    "kind": Choice(CHANNEL_KINDS, "How the channel delivers.", default=_d.kind),
    "sms": Bool("SMS-class: the body is cut to six lines.", default=_d.sms),
    "path": Str("file: the file messages are appended to.", blank=True, default=_d.path),
    "host": Str("smtp: server host.", blank=True, default=_d.host),
    "port": Int("smtp: server port.", low=1, high=65535, expected="a port number",
                default=_d.port),
    "starttls": Bool("smtp: upgrade the connection with STARTTLS.", default=_d.starttls),
    "sender": Str("smtp: the From address.", blank=True, default=_d.sender),
    "to": ListOfItems(Str(blank=True, expected="an address"), "smtp: recipient addresses.",
                      expected="a list of addresses", default=_d.to),
    "user_env": Str("smtp: environment variable holding the user name.", blank=True,
                    default=_d.user_env),
    "password_env": Str("smtp: environment variable holding the password.", blank=True,
                        default=_d.password_env),
    "url_env": Str("webhook: environment variable holding the URL (required).", blank=True,
                   default=_d.url_env),
    "shape": Choice(("slack", "discord"), "webhook: the JSON body's shape.", default=_d.shape),
    "shadow": Bool("Record what would be sent through this channel; deliver nothing.",
                   default=_d.shadow),
    "go_live_after": Int("Clean drills this channel must pass before live pages go out "
                         "through it; until then it runs as shadow (drills deliver for "
                         "real). 0: live at once.", low=0, high=1000,
                         expected="a number of drills (0 or more)", default=_d.go_live_after),
}, check=_check_channel)


def _check_ledger(v: dict[str, Any], run: Run, key: tuple[object, ...]) -> None:
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


_l = LedgerConfig()
LEDGER = Schema({
    "store": Str("The team's shared store: `postgresql://user@host:port/database`, no "
                 "password (PGPASSWORD or ~/.pgpass); empty: this machine only.", blank=True,
                 default=_l.store),
    "store_url_env": Str("Instead of `store`: an environment variable holding the URL "
                         "(which may then hold the password).", blank=True,
                         default=_l.store_url_env),
    "timeout": Number("Seconds the store may take to connect, and per statement; the runner "
                      "never waits longer.", low=0, high=60,
                      expected="seconds, more than 0 and at most 60", default=_l.timeout),
}, check=_check_ledger)

_a = AlertsConfig()
ALERTS = Schema({
    "escalate": Bool("Page per the runbook's escalation class and the policy when an alert "
                     "opens an incident (or fires again).", default=_a.escalate),
    "severity": DictOfItems(Str(), "The alert's `severity` label → the incident's severity "
                            "(otherwise the runbook's own).", placeholder="LABEL VALUE",
                            expected="a mapping of label values to SEV1..SEV4",
                            default=dict(_a.severity)),
    "context": DictOfItems(Str(), "A runbook's context value ← the alert label (or "
                           "annotation) to take it from, when the names differ.",
                           placeholder="VALUE NAME", expected="a mapping of names to labels",
                           default={}),
    "fallback": Str("The runbook an alert opens when no match is confident.",
                    default=_a.fallback),
})

_r = RepliesConfig()
REPLIES = Schema({
    "imap_host": Str("The IMAP server holding replies to pages (empty: no mail acks).",
                     blank=True, default=_r.imap_host),
    "imap_port": Int("Its port.", low=1, high=65535, expected="a port number",
                     default=_r.imap_port),
    "imap_security": Choice(("tls", "starttls", "none"), "tls (implicit, port 993), "
                            "starttls, or none — none only for a server on a loopback "
                            "address.", default=_r.imap_security),
    "imap_user": Str("The mailbox's user name.", blank=True, default=_r.imap_user),
    "imap_password_env": Str("The environment variable holding its password.",
                             default=_r.imap_password_env),
    "mailbox": Str("The folder replies arrive in.", default=_r.mailbox),
    "senders": ListOfItems(Str(), "Addresses (or `@domain`) allowed to acknowledge by mail, "
                           "besides the smtp channels' recipients.",
                           expected="a list of addresses", default=()),
    "idle_seconds": Int("IMAP IDLE is renewed (or the mailbox polled) this often.", low=5,
                        high=1740, expected="seconds from 5 to 1740", default=_r.idle_seconds),
    "slack_secret_env": Str("The environment variable holding Slack's signing secret.",
                            default=_r.slack_secret_env),
    "discord_key_env": Str("The environment variable holding the Discord application's "
                           "public key (hex).", default=_r.discord_key_env),
})


def _check_top(v: dict[str, Any], run: Run, key: tuple[object, ...]) -> None:
    url = v.get("site_url") or ""
    if url and not url.startswith(("http://", "https://", "file:")):
        run.invalid(key + ("site_url",), url, Invalid("the site's address (https://…)"))


def _path(doc: str, default: str) -> FilePath:
    return FilePath(doc, default=Path(default))


SETTINGS = Schema({
    "site_url": Str("The published runbook site; messages and `runbook.match` link the "
                    "runbook page pre-filled with the incident's values.", blank=True,
                    default=""),
    "runbooks_dir": _path("Where runbooks live.", "runbooks"),
    "incidents_dir": _path("Incident ledgers, one folder per incident.", "incidents"),
    "postmortems_dir": _path("Post-mortems.", "postmortems"),
    "cache_dir": _path("Lint's content-hash cache (safe to delete).", ".triagebook-cache"),
    "site_dir": _path("Where `inv site.build` writes the site.", "site"),
    "postmortem_template": FilePath("Jinja template for new post-mortems.",
                                    expected="a file path", default=None,
                                    shown="the packaged one"),
    "policy": SubConfig(Schema({
        "timezone": TimeZone("The responder's time zone, for quiet hours and local times.",
                             default="UTC"),
        "quiet_hours": TimeRange("Quiet window in that zone; may run past midnight.",
                                 default=(time(22, 0), time(7, 0))),
        "yellow_promote_minutes": Int("An unacknowledged YELLOW goes to the loud channel "
                                      "after this; 0 turns promotion off.", low=0,
                                      expected="minutes (0 turns promotion off)", default=15),
        "followup_minutes": SubConfig(Schema({
            c: _minutes(f"Follow-up note this long after a {c} acknowledgement.", m)
            for c, m in (("RED", 60), ("YELLOW", 240))
        }), "Follow-up note after acknowledgement, per class (never a re-page)."),
        "cap_per_24h": _minutes("Escalations per incident in a rolling 24 hours; the next "
                                "is muted and opens a meta-incident.", 3),
        "review_window_days": _minutes("Runbooks reviewed longer ago than this are stale.", 90),
        "update_minutes": SubConfig(Schema({
            sev: Int(f"A {sev} incident's commander is reminded when no status update came "
                     f"for this many minutes (0: no cadence).", low=0,
                     expected="minutes (0 turns the cadence off)", default=m)
            for sev, m in (("SEV1", 30), ("SEV2", 60), ("SEV3", 0), ("SEV4", 0))
        }), "Status-update cadence per severity: `escalation.tick` reminds (never pages) "
            "until mitigation."),
        "postmortem_draft_days": _minutes("`postmortem.check` flags SEV1/SEV2 drafts older "
                                          "than this.", 10),
        "severities": SubConfig(Schema({s.name: _severity(s) for s in DEFAULT_SEVERITIES}),
                                "The severity scale (see the policy page)."),
        "escalation_classes": SubConfig(Schema({c.name: _class(c) for c in DEFAULT_CLASSES}),
                                        "The escalation classes (see the policy page)."),
    }), "The severity and escalation policy."),
    "escalation": SubConfig(Schema({
        "environment": Str("Shown at the end of a message's subject (`— prod`).", blank=True,
                           default=""),
        "ledger_url": Str("Link to the ledger in messages; `{incident}` is replaced by the "
                          "incident id.", blank=True, default="", shown="the ledger's path"),
        "channels": DictOfItems(SubConfig(CHANNEL, "One channel."),
                                "Where each channel delivers; names are used by "
                                "`policy.escalation_classes`.", placeholder="NAME",
                                expected="a mapping of channel names",
                                default={n: _channel_values(c)
                                         for n, c in DEFAULT_CHANNELS.items()},
                                shown="page (sms), chat, email, digest: all stdout"),
        "meta_route": ListOfItems(Str(), "Channels that page the 'escalation cap hit' "
                                  "meta-incident (empty: the RED channels).",
                                  expected="a list of channel names", default=()),
        "deadline_seconds": Number("One channel's whole delivery (connect, waits, answer), at "
                                   "most; then it counts as failed and is retried.", low=0,
                                   high=600, expected="seconds, more than 0 and at most 600",
                                   default=20.0),
        "shadow_policy": Str("A policy file (the shape of invoke.yaml) whose decision is "
                             "recorded next to every live one, never delivered.", blank=True,
                             default=""),
    }), "How escalation messages are sent."),
    "ledger": SubConfig(LEDGER, "The incident ledger's shared store, for teams (see the "
                                "team guide)."),
    "services": DictOfItems(SubConfig(Schema({
        "url": Str("Base URL: /healthz, /readyz and /metrics are under it."),
        "counters": ListOfItems(Str(), "Metric names the runbooks' queries read; "
                                "`doctor --services` checks /metrics has them.",
                                expected="a list of metric names", default=()),
    }), "One service."), "Health endpoints of the services runbooks name, for "
        "`inv doctor --services`.", placeholder="SERVICE",
        expected="a mapping of service names", default={}),
    "links": DictOfItems(Str(), "Pivots shown with an incident's values filled, e.g. "
                         "`trace: https://tempo.example/explore?traceId={{ trace_id }}`; "
                         "a link is shown when every value it names is known.",
                         placeholder="NAME", expected="a mapping of names to URL templates",
                         default={}),
    "alerts": SubConfig(ALERTS, "How alerts from Alertmanager and Grafana open incidents "
                                "(see the alerts guide)."),
    "replies": SubConfig(REPLIES, "Acknowledgements that come back by mail and chat (see "
                                  "the replies guide)."),
}, check=_check_top)


def default_config(root: Path) -> Config:
    """The configuration of a project with no `triagebook:` section: every default."""
    return build(root, SETTINGS.defaults())


def find_root(start: Path | None = None) -> Path:
    """The project root: the nearest folder holding invoke.yaml, tasks.py or mkdocs.yml."""
    here = (start or Path.cwd()).resolve()
    for d in (here, *here.parents):
        if any((d / n).is_file() for n in (CONFIG_FILE, "tasks.py", "mkdocs.yml")):
            return d
    return here


def load_config(root: Path | None = None) -> Config:
    """Read `invoke.yaml` at ``root``; raises ProblemsError listing every bad value."""
    root = (root or find_root()).resolve()
    path = root / CONFIG_FILE
    if not path.is_file():
        return default_config(root)
    return _load_file(root, path, CONFIG_FILE, required=False)


def overlay(cfg: Config, path: Path) -> Config:
    """`cfg` with the `triagebook:` section of another file laid over it (a shadow policy:
    the changes to try); problems as for invoke.yaml, named in that file."""
    base: dict[str, Any] = {}
    if cfg.source is not None and cfg.source.is_file():
        data = _read(cfg.source, cfg.display(cfg.source)).data
        base = (data.get(SECTION) or {}) if isinstance(data, dict) else {}
    return _load_file(cfg.root, path, cfg.display(path), required=True,
                      base=base if isinstance(base, dict) else {})


def _read(path: Path, shown: str) -> yamlsrc.YamlDoc:
    try:
        return yamlsrc.load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ProblemsError([Problem(shown, None, "unreadable", f"cannot read: {exc}")]) from None
    except yamlsrc.YamlSyntaxError as exc:
        what = "not valid YAML" if exc.code == "yaml-syntax" else "refused"
        raise ProblemsError([Problem(shown, exc.line, exc.code,
                                     f"{what}: {exc.message}")]) from None


def _laid_over(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in top.items():
        out[k] = _laid_over(out[k], v) if isinstance(v, dict) and isinstance(
            out.get(k), dict) else v
    return out


def _load_file(root: Path, path: Path, shown: str, required: bool,
               base: dict[str, Any] | None = None) -> Config:
    doc = _read(path, shown)
    data = doc.data if isinstance(doc.data, dict) else {}
    section = data.get(SECTION)
    if section is None:
        if required:
            raise ProblemsError([Problem(shown, 1, "bad-config", f"expected a '{SECTION}:' "
                                         f"section (the same shape as {CONFIG_FILE})")])
        return replace(default_config(root), source=path)
    run = Run(doc, shown, CODES)
    run.duplicates(under=(SECTION,))
    if base and isinstance(section, dict):
        section = _laid_over(base, section)
    values = SubConfig(SETTINGS).validate(section, run, (SECTION,))
    if run.problems:
        raise ProblemsError(sorted(run.problems, key=lambda p: p.line or 0))
    return build(root, values, source=path)


def build(root: Path, v: dict[str, Any], source: Path | None = None) -> Config:
    """A `Config` from validated settings (paths relative to ``root``)."""
    p, e = v["policy"], v["escalation"]
    quiet_start, quiet_end = p["quiet_hours"]
    policy = Policy(
        severities=tuple(SeverityPolicy(n, **s) for n, s in p["severities"].items()),
        classes=tuple(ClassPolicy(n, **c) for n, c in p["escalation_classes"].items()),
        timezone=p["timezone"], quiet_start=quiet_start, quiet_end=quiet_end,
        yellow_promote_minutes=p["yellow_promote_minutes"],
        followup_minutes=dict(p["followup_minutes"]), cap_per_24h=p["cap_per_24h"],
        review_window_days=p["review_window_days"],
        postmortem_draft_days=p["postmortem_draft_days"],
        update_minutes=dict(p["update_minutes"]),
    )
    template = v["postmortem_template"]
    return Config(
        root=root, policy=policy, source=source,
        **{k: _under(root, v[k]) for k in ("runbooks_dir", "incidents_dir", "postmortems_dir",
                                           "cache_dir", "site_dir")},
        postmortem_template=_under(root, template) if template is not None else None,
        environment=e["environment"], ledger_url=e["ledger_url"],
        channels={str(n): ChannelConfig(str(n), **c) for n, c in e["channels"].items()},
        ledger=LedgerConfig(**v["ledger"]),
        services={str(n): ServiceEndpoints(str(s["url"]), tuple(s["counters"]))
                  for n, s in v["services"].items()},
        links={str(n): str(u) for n, u in v["links"].items()},
        alerts=AlertsConfig(escalate=v["alerts"]["escalate"],
                            severity={str(k).lower(): str(x).upper()
                                      for k, x in v["alerts"]["severity"].items()},
                            context=dict(v["alerts"]["context"]),
                            fallback=v["alerts"]["fallback"]),
        replies=RepliesConfig(**{**v["replies"], "senders": tuple(v["replies"]["senders"])}),
        site_url=v["site_url"].strip().rstrip("/"), meta_route=tuple(e["meta_route"]),
        deadline_seconds=e["deadline_seconds"], shadow_policy=e["shadow_policy"],
    )


def _under(root: Path, path: Path) -> Path:
    # normpath, not resolve(): '..' is folded but a symlinked folder keeps its project path.
    return Path(os.path.normpath(root / path))

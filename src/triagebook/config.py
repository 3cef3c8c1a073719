"""The project configuration: paths and the policy of SPEC §3, in one place.

It lives under the `triagebook:` key of the project's `invoke.yaml` — the file
Invoke already reads next to `tasks.py` — and the mkdocs plugin reads the same
file through this module.  Everything has a default, so a project with no
`invoke.yaml` works.  Bad values are reported like runbook problems.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from triagebook.runbook import frontmatter as yamlsrc
from triagebook.errors import Problem, ProblemsError, suggest
from triagebook.runbook.model import ESCALATION_CLASSES, SEVERITIES

CONFIG_FILE = "invoke.yaml"
SECTION = "triagebook"


@dataclass(frozen=True, slots=True)
class SeverityPolicy:
    name: str
    meaning: str
    response: str
    response_minutes: int | None
    postmortem: bool


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
    SeverityPolicy("SEV1", "Platform down, all customers affected", "immediate", 0, True),
    SeverityPolicy("SEV2", "Major degradation, many customers affected", "15 min", 15, True),
    SeverityPolicy("SEV3", "Partial degradation, some customers affected", "1 hour", 60, False),
    SeverityPolicy("SEV4", "Minor issue, workaround available", "next business day", None,
                   False),
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


DEFAULT_CHANNELS = {
    "page": ChannelConfig("page", sms=True),
    "chat": ChannelConfig("chat"),
    "email": ChannelConfig("email"),
}
CHANNEL_KINDS = ("stdout", "file", "smtp", "webhook")
CHANNEL_KEYS = ("kind", "sms", "path", "host", "port", "starttls", "sender", "to", "user_env",
                "password_env", "url_env", "shape")


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

    def today(self) -> date:
        """Today on the responder's calendar (policy.timezone)."""
        return datetime.now(ZoneInfo(self.policy.timezone)).date()

    def display(self, path: Path) -> str:
        """A path as users see it: relative to the project root when inside it."""
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)


def default_config(root: Path) -> Config:
    return Config(
        root=root,
        runbooks_dir=root / "runbooks",
        incidents_dir=root / "incidents",
        postmortems_dir=root / "postmortems",
        cache_dir=root / ".triagebook-cache",
        site_dir=root / "site",
        policy=Policy(DEFAULT_SEVERITIES, DEFAULT_CLASSES),
    )


def find_root(start: Path | None = None) -> Path:
    """The project root: the nearest folder holding invoke.yaml, tasks.py or mkdocs.yml."""
    here = (start or Path.cwd()).resolve()
    for d in (here, *here.parents):
        if any((d / n).is_file() for n in (CONFIG_FILE, "tasks.py", "mkdocs.yml")):
            return d
    return here


_PATH_KEYS = ("runbooks_dir", "incidents_dir", "postmortems_dir", "cache_dir", "site_dir",
              "postmortem_template")
_TOP_KEYS = (*_PATH_KEYS, "policy", "escalation", "site_url")
_POLICY_KEYS = ("timezone", "quiet_hours", "yellow_promote_minutes", "followup_minutes",
                "cap_per_24h", "review_window_days", "postmortem_draft_days", "severities",
                 "escalation_classes")


def load_config(root: Path | None = None) -> Config:
    """Read `invoke.yaml` at ``root``; raises ProblemsError listing every bad value."""
    root = (root or find_root()).resolve()
    cfg = default_config(root)
    path = root / CONFIG_FILE
    if not path.is_file():
        return cfg
    shown = cfg.display(path)
    try:
        doc = yamlsrc.load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ProblemsError([Problem(shown, None, "unreadable", f"cannot read: {exc}")]) from None
    except yamlsrc.YamlSyntaxError as exc:
        raise ProblemsError([Problem(shown, exc.line, "yaml-syntax",
                                     f"not valid YAML: {exc.message}")]) from None
    data = doc.data if isinstance(doc.data, dict) else {}
    section = data.get(SECTION)
    if section is None:
        return replace(cfg, source=path)
    v = _Validator(doc, shown)
    out = v.build(cfg, section)
    if v.problems:
        raise ProblemsError(sorted(v.problems, key=lambda p: p.line or 0))
    return replace(out, source=path)


class _Validator:
    def __init__(self, doc: yamlsrc.YamlDoc, path: str) -> None:
        self.doc = doc
        self.path = path
        self.problems: list[Problem] = []

    def bad(self, key: tuple[Any, ...], expected: str, got: Any) -> None:
        dotted = ".".join(str(k) for k in key)
        self.problems.append(Problem(self.path, self.doc.line(*key), "bad-config",
                                     f"{dotted}: expected {expected} but received {got!r}"))

    def unknown(self, key: tuple[Any, ...], known: tuple[str, ...]) -> None:
        hint = suggest(str(key[-1]), known, 1)
        extra = f"; did you mean '{hint[0]}'?" if hint else f" (known: {', '.join(known)})"
        dotted = ".".join(str(k) for k in key)
        self.problems.append(Problem(self.path, self.doc.line(*key), "unknown-config",
                                     f"{dotted}: not a setting{extra}"))

    def mapping(self, key: tuple[Any, ...], value: Any, known: tuple[str, ...]) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.bad(key, "a mapping", value)
            return {}
        for k in value:
            if k not in known:
                self.unknown(key + (k,), known)
        return value

    def positive(self, key: tuple[Any, ...], value: Any, default: int) -> int:
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
        self.bad(key, "a positive whole number", value)
        return default

    def build(self, cfg: Config, section: Any) -> Config:
        top = (SECTION,)
        sec = self.mapping(top, section, _TOP_KEYS)
        changes: dict[str, Any] = {}
        for key in _PATH_KEYS:
            if key in sec:
                val = sec[key]
                if isinstance(val, str) and val.strip():
                    changes[key] = (cfg.root / val).resolve()
                else:
                    self.bad(top + (key,), "a folder path", val)
        policy = cfg.policy
        if "policy" in sec:
            policy = self.policy(policy, sec["policy"])
        if "escalation" in sec:
            changes.update(self.escalation(sec["escalation"]))
        if "site_url" in sec:
            url = sec["site_url"]
            if isinstance(url, str) and url.startswith(("http://", "https://", "file:")):
                changes["site_url"] = url
            else:
                self.bad(top + ("site_url",), "the site's address (https://…)", url)
        return replace(cfg, policy=policy, **changes)

    def escalation(self, value: Any) -> dict[str, Any]:
        key = (SECTION, "escalation")
        e = self.mapping(key, value, ("environment", "ledger_url", "channels"))
        out: dict[str, Any] = {}
        for name in ("environment", "ledger_url"):
            if name in e:
                if isinstance(e[name], str):
                    out[name] = e[name]
                else:
                    self.bad(key + (name,), "a string", e[name])
        if "channels" in e:
            chans = dict(DEFAULT_CHANNELS)
            ck = key + ("channels",)
            raw = e["channels"] if isinstance(e["channels"], dict) else {}
            if not isinstance(e["channels"], dict):
                self.bad(ck, "a mapping of channel names", e["channels"])
            for cname, spec in raw.items():
                sk = ck + (cname,)
                sp = self.mapping(sk, spec, CHANNEL_KEYS)
                kw: dict[str, Any] = {}
                for k, v in sp.items():
                    if k not in CHANNEL_KEYS:
                        continue
                    if k == "kind" and v not in CHANNEL_KINDS:
                        self.bad(sk + (k,), f"one of {', '.join(CHANNEL_KINDS)}", v)
                    elif k in ("sms", "starttls") and not isinstance(v, bool):
                        self.bad(sk + (k,), "true or false", v)
                    elif k == "port" and not (isinstance(v, int) and 0 < v < 65536):
                        self.bad(sk + (k,), "a port number", v)
                    elif k == "to" and not (isinstance(v, list) and all(isinstance(x, str)
                                                                        for x in v)):
                        self.bad(sk + (k,), "a list of addresses", v)
                    elif k == "shape" and v not in ("slack", "discord"):
                        self.bad(sk + (k,), "slack or discord", v)
                    elif k not in ("sms", "starttls", "port", "to") and not isinstance(v, str):
                        self.bad(sk + (k,), "a string", v)
                    else:
                        kw[k] = tuple(v) if k == "to" else v
                if kw.get("kind") == "webhook" and not kw.get("url_env"):
                    self.bad(sk + ("url_env",), "the name of an environment variable holding "
                                                "the webhook URL", kw.get("url_env"))
                chans[str(cname)] = ChannelConfig(str(cname), **kw)
            out["channels"] = chans
        return out

    def policy(self, base: Policy, value: Any) -> Policy:
        key = (SECTION, "policy")
        p = self.mapping(key, value, _POLICY_KEYS)
        ch: dict[str, Any] = {}
        if "timezone" in p:
            tz = p["timezone"]
            try:
                ZoneInfo(str(tz))
                ch["timezone"] = str(tz)
            except (ZoneInfoNotFoundError, ValueError):
                self.bad(key + ("timezone",), "an IANA time zone such as Europe/Stockholm", tz)
        if "quiet_hours" in p:
            q = p["quiet_hours"]
            qk = key + ("quiet_hours",)
            parts = q.split("-") if isinstance(q, str) else []
            try:
                start, end = (time.fromisoformat(x.strip()) for x in parts)
                ch["quiet_start"], ch["quiet_end"] = start, end
            except ValueError:
                self.bad(qk, "'HH:MM-HH:MM' such as '22:00-07:00'", q)
        for name in ("yellow_promote_minutes", "cap_per_24h", "review_window_days",
                     "postmortem_draft_days"):
            if name in p:
                ch[name] = self.positive(key + (name,), p[name], getattr(base, name))
        if "followup_minutes" in p:
            fk = key + ("followup_minutes",)
            fm = self.mapping(fk, p["followup_minutes"], ("RED", "YELLOW"))
            merged = dict(base.followup_minutes)
            for cls, val in fm.items():
                if cls in merged:
                    merged[cls] = self.positive(fk + (cls,), val, merged[cls])
            ch["followup_minutes"] = merged
        if "severities" in p:
            ch["severities"] = self.severities(base, p["severities"])
        if "escalation_classes" in p:
            ch["classes"] = self.classes(base, p["escalation_classes"])
        return replace(base, **ch)

    def severities(self, base: Policy, value: Any) -> tuple[SeverityPolicy, ...]:
        key = (SECTION, "policy", "severities")
        m = self.mapping(key, value, SEVERITIES)
        out = []
        for sev in base.severities:
            spec = m.get(sev.name)
            if spec is None:
                out.append(sev)
                continue
            sk = key + (sev.name,)
            s = self.mapping(sk, spec, ("meaning", "response", "response_minutes", "postmortem"))
            ch: dict[str, Any] = {}
            for name in ("meaning", "response"):
                if name in s:
                    if isinstance(s[name], str) and s[name].strip():
                        ch[name] = s[name].strip()
                    else:
                        self.bad(sk + (name,), "a non-empty string", s[name])
            if "response_minutes" in s:
                rm = s["response_minutes"]
                if rm is None or (isinstance(rm, int) and not isinstance(rm, bool) and rm >= 0):
                    ch["response_minutes"] = rm
                else:
                    self.bad(sk + ("response_minutes",), "minutes (0 or more) or null", rm)
            if "postmortem" in s:
                pm = s["postmortem"]
                if pm in ("required", "optional") or isinstance(pm, bool):
                    ch["postmortem"] = pm in ("required", True)
                else:
                    self.bad(sk + ("postmortem",), "'required' or 'optional'", pm)
            out.append(replace(sev, **ch))
        return tuple(out)

    def classes(self, base: Policy, value: Any) -> tuple[ClassPolicy, ...]:
        key = (SECTION, "policy", "escalation_classes")
        m = self.mapping(key, value, ESCALATION_CLASSES)
        out = []
        for cls in base.classes:
            spec = m.get(cls.name)
            if spec is None:
                out.append(cls)
                continue
            ck = key + (cls.name,)
            s = self.mapping(ck, spec, ("meaning", "channels"))
            ch: dict[str, Any] = {}
            if "meaning" in s:
                if isinstance(s["meaning"], str) and s["meaning"].strip():
                    ch["meaning"] = s["meaning"].strip()
                else:
                    self.bad(ck + ("meaning",), "a non-empty string", s["meaning"])
            if "channels" in s:
                chans = s["channels"]
                if isinstance(chans, list) and chans and all(isinstance(c, str) for c in chans):
                    ch["channels"] = tuple(chans)
                else:
                    self.bad(ck + ("channels",), "a non-empty list of channel names", chans)
            out.append(replace(cls, **ch))
        return tuple(out)

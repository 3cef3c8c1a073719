"""The project configuration, each setting declared once on the field that holds it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from triagebook.base.errors import Problem
from triagebook.channels import DEFAULT_CHANNELS, ChannelConfig, ChannelOption
from triagebook.config.oncall import Person, RouteConfig, people_option, routes_option
from triagebook.config.policy import Policy
from triagebook.config.sections import AlertsConfig, LedgerConfig, RepliesConfig, ServiceEndpoints
from triagebook.options.base import Invalid, Key, Run
from triagebook.options.containers import DictOfItems, ListOfItems
from triagebook.options.declare import Section, setting
from triagebook.options.types import FilePath, Number, Str

ESC = ("escalation",)


def _path(doc: str, default: str) -> Any:
    return setting(FilePath(doc), Path(default))


def _site_url(url: str) -> str:
    return url.strip().rstrip("/")


@dataclass(frozen=True, slots=True)
class Config:
    SECTIONS: ClassVar[dict[str, str]] = {"escalation": "How escalation messages are sent."}

    root: Path
    source: Path | None = None
    # what was wrong in invoke.yaml (warnings; each bad value's default is in use)
    problems: tuple[Problem, ...] = ()
    site_url: str = setting(Str(
        "The published runbook site; messages and `runbook.match` link the runbook page "
        "pre-filled with the incident's values.", blank=True), "", convert=_site_url)
    runbooks_dir: Path = _path("Where runbooks live.", "runbooks")
    incidents_dir: Path = _path("Incident ledgers, one folder per incident.", "incidents")
    postmortems_dir: Path = _path("Post-mortems.", "postmortems")
    cache_dir: Path = _path("Lint's content-hash cache (safe to delete).", ".triagebook-cache")
    site_dir: Path = _path("Where `inv site.build` writes the site.", "site")
    postmortem_template: Path | None = setting(FilePath(
        "Jinja template for new post-mortems.", expected="a file path",
        shown="the packaged one"), None)
    policy: Policy = setting(Section(Policy, "The severity and escalation policy."),
                             factory=Policy)
    environment: str = setting(Str("Shown at the end of a message's subject (`— prod`).",
                                   blank=True), "", under=ESC)
    ledger_url: str = setting(Str(
        "Link to the ledger in messages; `{incident}` is replaced by the incident id.",
        blank=True, shown="the ledger's path"), "", under=ESC)
    channels: dict[str, ChannelConfig] = setting(DictOfItems(
        ChannelOption("One channel."), "Where each channel delivers; names are used by "
        "`policy.escalation_classes`.", placeholder="NAME",
        expected="a mapping of channel names", shown="page (sms), chat, email, digest: all "
        "stdout"), factory=lambda: dict(DEFAULT_CHANNELS), under=ESC)
    meta_route: tuple[str, ...] = setting(ListOfItems(
        Str(), "Channels that page the 'escalation cap hit' meta-incident (empty: the RED "
        "channels).", expected="a list of channel names"), (), under=ESC)
    deadline_seconds: float = setting(Number(
        "One channel's whole delivery (connect, waits, answer), at most; then it counts as "
        "failed and is retried.", low=0, high=600,
        expected="seconds, more than 0 and at most 600"), 20.0, under=ESC)
    shadow_policy: str = setting(Str(
        "A policy file (the shape of invoke.yaml) whose decision is recorded next to every "
        "live one, never delivered.", blank=True), "", under=ESC)
    ledger: LedgerConfig = setting(Section(
        LedgerConfig, "The incident ledger's shared store, for teams (see the team guide)."),
        factory=LedgerConfig)
    services: dict[str, ServiceEndpoints] = setting(DictOfItems(
        Section(ServiceEndpoints, "One service.", named=True),
        "Health endpoints of the services runbooks name, for `inv doctor --services`.",
        placeholder="SERVICE", expected="a mapping of service names"), factory=dict)
    links: dict[str, str] = setting(DictOfItems(
        Str(), "Pivots shown with an incident's values filled, e.g. "
        "`trace: https://tempo.example/explore?traceId={{ trace_id }}`; a link is shown when "
        "every value it names is known.", placeholder="NAME",
        expected="a mapping of names to URL templates"), factory=dict)
    alerts: AlertsConfig = setting(Section(
        AlertsConfig, "How alerts from Alertmanager and Grafana open incidents (see the "
        "alerts guide)."), factory=AlertsConfig)
    routes: dict[str, RouteConfig] = routes_option()
    people: dict[str, Person] = people_option()
    oncall_dir: Path = _path("On-call overrides and presence (append-only records).",
                             "oncall")
    replies: RepliesConfig = setting(Section(
        RepliesConfig, "Acknowledgements that come back by mail and chat (see the replies "
        "guide)."), factory=RepliesConfig)

    @staticmethod
    def check_settings(v: dict[str, Any], run: Run, key: Key) -> None:
        url = v.get("site_url") or ""
        if url and not url.startswith(("http://", "https://", "file:")):
            run.invalid(key + ("site_url",), url, Invalid("the site's address (https://…)"))

    def today(self) -> date:
        """Today on the responder's calendar (policy.timezone)."""
        return datetime.now(ZoneInfo(self.policy.timezone)).date()

    def display(self, path: Path) -> str:
        """A path as users see it: relative to the project root when inside it."""
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)

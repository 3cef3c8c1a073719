"""One pass over the incidents fills every aggregate the commands and the site show."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from triagebook.config import Config
from triagebook.learning.collect import collect
from triagebook.learning.facts import IncidentFact
from triagebook.learning.health import Health
from triagebook.learning.response import Monthly, Response, keyer
from triagebook.postmortem.actions import ActionItem, read_all


@dataclass
class Learning:
    health: Health = field(default_factory=Health)
    response: Response = field(default_factory=lambda: Response("severity"))
    monthly: Monthly = field(default_factory=Monthly)
    actions: list[ActionItem] = field(default_factory=list)

    def overdue_by_owner(self, today: date) -> list[tuple[str, int]]:
        counts: dict[str, int] = {}
        for a in self.actions:
            if a.overdue(today):
                counts[a.owner or "(no owner)"] = counts.get(a.owner or "(no owner)", 0) + 1
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def learn(facts: Iterable[IncidentFact], by: str = "severity",
          route_of: Callable[[str], str] = lambda rid: "",
          actions: Iterable[ActionItem] = ()) -> Learning:
    out = Learning(response=Response(by))
    key = keyer(by, route_of)
    for fact in facts:
        out.health.add(fact)
        out.response.add(fact, key(fact))
        out.monthly.add(fact)
    out.actions = list(actions)
    return out


def gather(cfg: Config, now: datetime, since: datetime | None = None, by: str = "severity",
           use_store: bool = True, timeout: float | None = None) -> Learning:
    """Everything, from the store when one is configured and reachable, else the ledgers;
    post-mortem action items from `postmortems/`."""
    from triagebook.incident.store.base import StoreUnavailable

    def route_of(rid: str) -> str:
        return routes.get(rid, "(unknown runbook)")

    routes = route_map(cfg) if by == "route" else {}
    actions = read_all(cfg.postmortems_dir, cfg.display)
    try:
        return learn(collect(cfg, since, now, use_store, timeout), by, route_of, actions)
    except StoreUnavailable:
        return learn(collect(cfg, since, now, False), by, route_of, actions)


def route_map(cfg: Config) -> dict[str, str]:
    from triagebook.runbook.catalog import load_catalog

    return {rb.id: rb.route for rb in load_catalog(cfg).runbooks.values()}


_last: tuple[object, Learning] | None = None


def _signature(cfg: Config, today: date) -> object:
    """What the figures depend on, cheaply: every ledger's and post-mortem's size and
    modification time, the policy, the day."""
    files = []
    for folder, pattern in ((cfg.incidents_dir, "*/events.jsonl"), (cfg.postmortems_dir, "*.md")):
        if folder.is_dir():
            for p in folder.glob(pattern):
                try:
                    st = p.stat()
                except OSError:
                    continue
                files.append((str(p), st.st_size, st.st_mtime_ns))
    return (tuple(sorted(files)), repr(cfg.policy), today, str(cfg.root))


def gather_for_site(cfg: Config, now: datetime) -> Learning:
    """`gather` for page generation: `inv site.serve` rebuilds on every edit, so without a
    team store the figures are kept until a ledger or post-mortem changes (or the day
    does); with one, the store is asked with the responder's short timeout and an
    unreachable store means the local ledgers — the site must build during an outage."""
    global _last
    from triagebook.incident.store import configured

    if configured(cfg):
        return gather(cfg, now, timeout=cfg.ledger.timeout)
    key = _signature(cfg, now.date())
    if _last is not None and _last[0] == key:
        return _last[1]
    learning = gather(cfg, now, use_store=False)
    _last = (key, learning)
    return learning

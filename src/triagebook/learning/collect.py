"""Where the facts come from: the local ledgers (streamed, one incident in memory at a
time) or, with a team store configured, PostgreSQL (learning/sql.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from triagebook.config import Config
from triagebook.incident.ledger import iter_all
from triagebook.incident.sla import measure
from triagebook.incident.state import IncidentState, fold
from triagebook.learning.facts import IncidentFact, StepFact, facts
from triagebook.learning.sql import INCIDENTS, STEPS, severity_path

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _verdict(st: IncidentState, cfg: Config, now: datetime) -> str:
    r = measure(st, cfg.policy, now)
    return r.verdict if r is not None else ""


def from_files(cfg: Config, since: datetime | None, now: datetime) -> Iterator[IncidentFact]:
    """Every incident detected since `since` (meta-incidents of the escalation cap left
    out: they are about paging, not about a failure)."""
    for iid, events in iter_all(cfg.incidents_dir):
        st = fold(iid, events)
        if st.meta_for or st.detected_at is None:
            continue
        if since is not None and st.detected_at < since:
            continue
        fact = facts(st, _verdict(st, cfg, now))
        if fact is not None:
            yield fact


def from_rows(cfg: Config, rows: list[tuple[Any, ...]], step_rows: list[tuple[Any, ...]],
              now: datetime) -> Iterator[IncidentFact]:
    """Facts from the store's two queries (learning/sql.py)."""
    steps: dict[str, list[StepFact]] = {}
    for (iid, rid, number, title, status, reason, seconds, failed, forced) in step_rows:
        steps.setdefault(iid, []).append(StepFact(
            rid, number, title, status, reason,
            None if seconds is None else max(float(seconds), 0.0), int(failed), int(forced)))
    for (iid, opened, detected, opening, meta_for, ack, mit, res, sev_times, sev_values,
         runbooks, sent, muted, capped) in rows:
        if meta_for:
            continue
        severity, changes = severity_path(opening, list(sev_times), list(sev_values))
        st = IncidentState(iid, severity=severity, detected_at=detected, opened_at=opened)
        st.severities = [(detected, opening), *changes]
        st.severities.sort(key=lambda p: p[0])
        if ack is not None:
            st.milestones["acknowledged"] = (ack, "")
        joined = tuple(dict.fromkeys(runbooks))  # in the order each first joined
        yield IncidentFact(iid, severity, opened, detected, ack, mit, res, joined,
                           _verdict(st, cfg, now), int(sent), int(muted), int(capped),
                           tuple(steps.get(iid, ())))


def from_store(cfg: Config, store: Any, since: datetime | None,
               now: datetime) -> Iterator[IncidentFact]:
    """The same facts, folded by PostgreSQL (`store` is a PostgresStore)."""
    rows = store.query(INCIDENTS, {"since": since or EPOCH})
    step_rows = store.query(STEPS, {"since": since or EPOCH}) if rows else []
    return from_rows(cfg, rows, step_rows, now)


def collect(cfg: Config, since: datetime | None, now: datetime,
            use_store: bool = True, timeout: float | None = None) -> Iterator[IncidentFact]:
    """From the team store when one is configured (and `use_store`), else the ledgers.

    `timeout` bounds the store (default: a minute — statistics are read off the 03:00
    path; the site passes the responder's short one and falls back to the ledgers)."""
    if use_store:
        from triagebook.incident.store import open_store

        store = open_store(cfg, timeout=timeout or max(cfg.ledger.timeout, 60.0))
        if store is not None:
            try:
                yield from from_store(cfg, store, since, now)
            finally:
                store.close()
            return
    yield from from_files(cfg, since, now)

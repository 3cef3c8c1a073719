"""Raising an incident's severity pages (issue 22 item 6): when its latest change raised
it to a class the incident was never paged at (or louder), the route's on-call person is
paged now — `inv incident.severity` and the runner's `severity` call this after every
change; whether it was a raise is read here, once.  Only for a runbook whose route is
configured: without routes there is nobody on call to page, and a severity change
records, as it always did."""

from __future__ import annotations

from triagebook.base.timeutil import Clock, utc_now
from triagebook.config import Config
from triagebook.escalation.facts import customer_visible, runbook_of
from triagebook.escalation.history import records
from triagebook.escalation.policy import choose_class
from triagebook.escalation.service import Outcome, escalate
from triagebook.incident import ledger as L
from triagebook.incident.state import fold

LOUDNESS = {"GREEN": 0, "YELLOW": 1, "RED": 2}


def on_severity_raised(cfg: Config, incident_id: str, actor: str = "",
                       clock: Clock = utc_now,
                       secrets: dict[str, str] | None = None) -> Outcome | None:
    """After a severity change: page at the class the new severity calls for, when the
    change raised it (SEV2 → SEV1, not the reverse) and the incident was not already
    paged at that class or louder, nor resolved; None when nothing is sent."""
    if not cfg.routes:
        return None  # no route configured: nobody on call to page (as before routes)
    st = fold(incident_id, L.load(cfg.incidents_dir, incident_id))
    sevs = [sev for _, sev in st.severities]
    if len(sevs) < 2 or not sevs[-1] < sevs[-2] or "resolved" in st.milestones \
            or st.meta_for:
        return None
    rb = runbook_of(cfg, st)
    if rb is None or rb.route not in cfg.routes:
        return None
    cls = choose_class(None, None, st.severity, customer_visible(st, rb))
    paged = max((LOUDNESS.get(r.cls, 0) for r in records(st.events).values()
                 if r.action in ("send", "defer")), default=-1)
    if cls == "GREEN" or paged >= LOUDNESS[cls]:
        return None
    return escalate(cfg, incident_id, cls, f"severity raised to {st.severity}", actor=actor,
                    clock=clock, secrets=secrets, force=True, requested=True)

"""The meta-incident: opened when the cap mutes an incident, paged RED on its own route.

One per capped incident per rolling 24 h.  It carries the shipped runbook
`escalation-cap-hit` when the project has it (with `capped_incident` filled in), so the
page links a runbook like any other; its own escalations are never capped.
"""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta

from triagebook.base.errors import TriagebookError
from triagebook.base.redaction import Redactor
from triagebook.base.timeutil import Clock, iso
from triagebook.config import Config
from triagebook.incident import actor as A
from triagebook.incident import events as E
from triagebook.incident import ledger as L
from triagebook.incident.state import IncidentState
from triagebook.incident.sync import attach
from triagebook.runbook.catalog import load_one
from triagebook.runbook.model import Runbook

RUNBOOK = "escalation-cap-hit"


def existing(st: IncidentState, now: datetime) -> str:
    """The meta-incident already opened for this incident in the window, or ''."""
    since = now - timedelta(hours=24)
    for e in st.events:
        p = e.payload
        if isinstance(p, E.EscalationMuted) and p.meta_incident and e.time > since:
            return str(p.meta_incident)
    return ""


def open_meta(cfg: Config, st: IncidentState, now: datetime, red: Redactor,
              clock: Clock) -> str:
    """Open the meta-incident for capped incident `st` (the caller holds its lock)."""
    meta_id = L.new_id(now) + "-cap"
    led = L.Ledger(cfg.incidents_dir, meta_id, A.service("escalation"), red, clock,
                   session=False)
    attach(cfg, led, keep_open=False)  # the meta-incident syncs like any other
    led.open()
    led.append(E.IncidentOpened(
        severity="SEV2", title=f"escalation cap hit on incident {st.id}",
        detected_at=iso(now), meta_for=st.id, timezone=cfg.policy.timezone))
    rb = _runbook(cfg)
    if rb is not None:
        snap = led.dir / "runbooks" / f"{rb.id}-{rb.content_hash[:12]}.md"
        snap.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(cfg.root / rb.path, snap)
        led.append(E.RunbookAttached(
            title=rb.title, hash=rb.content_hash, snapshot=cfg.display(snap), path=rb.path,
            steps=[s.title for s in rb.steps], context={"capped_incident": st.id},
            secret_context=sorted(rb.secret_names)), runbook=rb.id)
    led.append(E.Note(text=f"{cfg.policy.cap_per_24h} escalations of {st.id} in 24 h; "
                           f"further pages are muted. Check why it keeps escalating and who "
                           f"owns it."))
    return meta_id


def _runbook(cfg: Config) -> Runbook | None:
    try:
        return load_one(cfg, RUNBOOK)
    except TriagebookError:  # not in this project, or broken: the page goes out without
        return None

"""The post-mortem's record of coordination: status updates and the gaps between them,
support-access grants (who had access, to what, for how long, revoked when)."""

from __future__ import annotations

from datetime import datetime, timedelta

from triagebook.base.mdtext import md_text
from triagebook.base.timeutil import utc
from triagebook.config import Policy
from triagebook.incident.state import IncidentState


def _span(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


def status_updates(st: IncidentState, policy: Policy, end: datetime) -> str:
    """Updates in order, then every stretch longer than the severity's cadence without one."""
    every = policy.update_minutes.get(st.severity, 0)
    out = [f"{len(st.updates)} update{'s' * (len(st.updates) != 1)}"
           + (f"; {st.severity} cadence: every {every} min" if every else "; no cadence for "
              + st.severity) + ".", ""]
    out += [f"- {utc(u.at)} {'(public)' if u.public else '(internal)'} {md_text(u.by)}: "
            f"{md_text(u.text)}" for u in st.updates]
    if not st.updates:
        out.append("- none recorded")
    if every and st.detected_at is not None:
        marks = [st.detected_at, *(u.at for u in st.updates), end]
        gaps = [(a, b) for a, b in zip(marks, marks[1:], strict=False)
                if b - a > timedelta(minutes=every)]
        out.append("")
        out.append("Gaps longer than the cadence: " + ("; ".join(
            f"{utc(a)} → {utc(b)} ({_span(b - a)})" for a, b in gaps) if gaps else "none") + ".")
    return "\n".join(out)


def access_grants(st: IncidentState) -> str:
    if not st.grants:
        return "_No support access was granted._"
    lines = []
    for g in st.grants.values():
        ended = (f"revoked {utc(g.revoked)} by {md_text(g.revoked_by)}" if g.revoked
                 else "**never revoked**")
        lines.append(f"- {g.id}: {md_text(g.to)} — {md_text(g.scope)}; granted {utc(g.granted)} "
                     f"by {md_text(g.by)} until {utc(g.until)}; {ended}; why: {md_text(g.reason)}")
    return "\n".join(lines)

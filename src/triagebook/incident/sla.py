"""Response time, measured: detection to acknowledgement against the severity's target.

The target is `response_minutes` of the severity in force when the incident was
acknowledged (or now, while it is not), measured from detection.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from triagebook.config import Policy
from triagebook.incident.state import IncidentState


@dataclass(frozen=True, slots=True)
class Response:
    severity: str
    target_minutes: int | None
    response: str  # the policy's words: "15 min", "immediate"
    elapsed: timedelta  # detection → acknowledgement, or → now when not acknowledged
    acknowledged: bool

    @property
    def verdict(self) -> str:
        """met | missed (acknowledged) · pending | overdue (not yet) · no target"""
        if self.target_minutes is None:
            return "no target"
        late = self.elapsed > self.limit
        if self.acknowledged:
            return "missed" if late else "met"
        return "overdue" if late else "pending"

    @property
    def limit(self) -> timedelta:
        """The target as a span: 0 minutes ("immediate") means within the first minute,
        the soonest a person can answer — not a target every incident misses."""
        return timedelta(minutes=self.target_minutes or 1)

    @property
    def over(self) -> timedelta:
        return self.elapsed - self.limit


def measure(st: IncidentState, policy: Policy, now: datetime) -> Response | None:
    if st.detected_at is None:
        return None
    acked = st.milestones.get("acknowledged")
    until = acked[0] if acked else now
    severity = st.severity
    for when, sev in st.severities:
        if when <= until:
            severity = sev
    try:
        sp = policy.severity(severity)
    except KeyError:
        return None
    return Response(severity, sp.response_minutes, sp.response,
                    max(until - st.detected_at, timedelta()), acked is not None)


def span(delta: timedelta) -> str:
    secs = int(delta.total_seconds())
    if secs < 60:
        return f"{secs} s"
    h, m = secs // 3600, secs % 3600 // 60
    return f"{h} h {m:02d} min" if h else f"{m} min"


def describe(r: Response) -> str:
    head = (f"acknowledged {span(r.elapsed)} after detection" if r.acknowledged
            else f"not acknowledged, {span(r.elapsed)} since detection")
    if r.target_minutes is None:
        return f"{head} — no response target for {r.severity} ({r.response})"
    words = f", {r.response}" if r.response != f"{r.target_minutes} min" else ""
    target = (f"target {r.target_minutes} min ({r.severity}{words})" if r.target_minutes
              else f"target immediate ({r.severity}: within the minute)")
    verdict = r.verdict
    if verdict in ("missed", "overdue"):
        return f"{head} — {target}: {verdict.upper()} by {span(r.over)}"
    return f"{head} — {target}: {verdict}"

"""Finding incidents by what they are about: any context value a runbook was given, or a
label of an alert that fired in it (a correlation_id, a trace id, a server id)."""

from __future__ import annotations

from collections.abc import Mapping

from triagebook.incident import events as E
from triagebook.incident.state import IncidentState


def values(st: IncidentState) -> dict[str, set[str]]:
    """Every KEY → the values it had in this incident."""
    out: dict[str, set[str]] = {}
    for use in st.runbooks.values():
        for k, v in use.context.items():
            out.setdefault(k, set()).add(str(v))
    for ev in st.events:
        p = ev.payload
        if isinstance(p, E.ContextSet):
            for k, v in (p.values or {}).items():
                out.setdefault(k, set()).add(str(v))
        elif isinstance(p, E.AlertFired):
            for alert in p.alerts or ():
                labels = alert.get("labels") if isinstance(alert, dict) else None
                for k, v in (labels or {}).items():
                    out.setdefault(str(k), set()).add(str(v))
    return out


def has_context(st: IncidentState, wanted: Mapping[str, str]) -> bool:
    found = values(st)
    return all(v in found.get(k, ()) for k, v in wanted.items())

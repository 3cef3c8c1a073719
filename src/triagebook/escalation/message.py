"""The escalation message (SPEC §8): a subject and six fields, SMS-class limits, ack parsing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from triagebook.errors import UsageError
from triagebook.incident.state import IncidentState

SUBJECT_MAX = 80
SMS_LINES = 6
SMS_LINE_MAX = 100
LINE_MAX = 400
ACK_RE = re.compile(r"\back\s+([A-Za-z0-9_-]{1,64})\b", re.I)


@dataclass(frozen=True, slots=True)
class Message:
    cls: str
    subject: str
    fields: tuple[tuple[str, str], ...]

    def text(self, sms: bool = False) -> str:
        lines = [f"{k}: {v}" for k, v in self.fields]
        if sms:
            # six body lines: the last two fields share one line, nothing is dropped
            if len(lines) > SMS_LINES:
                lines = lines[:SMS_LINES - 1] + [" · ".join(lines[SMS_LINES - 1:])]
            lines = [shorten(line, SMS_LINE_MAX) for line in lines]
        else:
            lines = [shorten(line, LINE_MAX) for line in lines]
        return "\n".join([self.subject, *lines])


def shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def compose(st: IncidentState, cls: str, what: str, env: str, diagnosis: str, action: str,
            fix: str, link: str) -> Message:
    tail = f" — {env}" if env else ""
    head = f"[ESCALATION:{cls}] "
    room = SUBJECT_MAX - len(head) - len(tail)
    subject = head + shorten(what, max(room, 10)) + tail
    detected = (st.detected_at.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%d %H:%M UTC")
                if st.detected_at else "unknown")
    fields = (
        ("Incident", st.id),
        ("Detected", detected),
        ("Diagnosis", diagnosis),
        ("Action", action),
        ("Suggested fix", fix),
        ("Ledger", link),
        ("Ack", f'reply "ack {st.id}"'),
    )
    return Message(cls, shorten(subject, SUBJECT_MAX), fields)


def find_ack(text: str, incident_id: str | None = None) -> str:
    """The incident id in a reply's `ack <ID>`; with incident_id, it must be that one."""
    found = [m.group(1) for m in ACK_RE.finditer(text)]
    if incident_id:
        if any(f.lower() == incident_id.lower() for f in found):
            return incident_id
        raise UsageError(f"the reply does not say 'ack {incident_id}'"
                         + (f" (it acknowledges {', '.join(found)})" if found else ""))
    if not found:
        raise UsageError("the reply has no 'ack <INCIDENT-ID>' line")
    if len(set(found)) > 1:
        raise UsageError(f"the reply acknowledges several incidents ({', '.join(found)}); "
                         f"name one: inv incident.ack ID --from-reply FILE")
    return found[0]

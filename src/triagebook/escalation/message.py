"""The escalation message (SPEC §8-9): what a paged human needs, within SMS-class limits.

A message is a subject and named fields.  Every field is always there: a long one is
shortened (ending in `…`), never dropped; a link is never cut in the middle (a cut link
does not work; a runbook link loses its pre-filled values first); and the ack line,
with the whole incident id, is never shortened at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from triagebook.base.errors import UsageError
from triagebook.base.timeutil import to_zone

SUBJECT_MAX = 80
SMS_LINES = 6
SMS_LINE_MAX = 120
LINE_MAX = 400
MIN_KEEP = 8  # a shortened field keeps at least this much of its value
ACK = "Ack"
WHOLE = frozenset({"Incident", ACK})  # ids: never shortened
LINKS = frozenset({"Runbook page", "Ledger"})
# SMS-class: which fields share each of the six body lines (the ack line is last, whole);
# the context values (correlation ids…) get a line of their own, so they are cut last
SMS_LAYOUT = (("Incident", "Severity", "Detected"), ("Runbook", "Diagnosis"), ("Context",),
              ("Action", "Suggested fix"), ("Runbook page", "Ledger"), (ACK,))
# The evidence (the last failing command and an excerpt of its output) goes to e-mail and
# chat, never to an SMS-class channel: six lines are for the facts.
EVIDENCE = ("Failed command", "Output", "Links")
EXCERPT_LINES, EXCERPT_WIDTH = 8, 160
ACK_FIRST = re.compile(r"\A\s*ack\s+([A-Za-z0-9_-]{1,64})(?=[\s.,;:!?)\]\"']|\Z)", re.I)


@dataclass(frozen=True, slots=True)
class Message:
    cls: str
    subject: str
    fields: tuple[tuple[str, str], ...]

    def text(self, sms: bool = False) -> str:
        if not sms:
            lines = [self.subject]
            for k, v in self.fields:
                if k == "Output":  # an excerpt keeps its lines, each bounded
                    lines.append("Output (last lines):")
                    lines += [f"  {ln[:EXCERPT_WIDTH]}" for ln in v.split("\n")[-EXCERPT_LINES:]]
                else:
                    lines.append(fit([(k, v)], LINE_MAX))
            return "\n".join(lines)
        # a ledger that is only a path on the responder's disk means nothing on a phone
        facts = tuple((k, v) for k, v in self.fields if k not in EVIDENCE
                      and not (k == "Ledger" and "://" not in v))
        return "\n".join([self.subject, *(fit(g, SMS_LINE_MAX) for g in sms_lines(facts))])

    def field(self, name: str) -> str:
        return next((v for k, v in self.fields if k == name), "")


def sms_lines(fields: tuple[tuple[str, str], ...]) -> list[list[tuple[str, str]]]:
    """The fields grouped into at most six lines; a field the layout does not name joins
    the action line."""
    groups: list[list[tuple[str, str]]] = [[] for _ in SMS_LAYOUT]
    for k, v in fields:
        at = next((i for i, names in enumerate(SMS_LAYOUT) if k in names), 3)
        groups[at].append((k, v))
    return [g for g in groups if g]


def _clean(text: str) -> str:
    return " ".join(str(text).split())


def shorten(text: str, limit: int) -> str:
    text = _clean(text)
    return text if len(text) <= limit else text[:max(limit - 1, 0)] + "…"


def fit(fields: list[tuple[str, str]], limit: int) -> str:
    """One line of `Label: value` parts within `limit`, shortening the longest values
    first; links lose their query string but are never cut; ids are never touched."""
    parts = [(k, _clean(v)) for k, v in fields]

    def join(ps: list[tuple[str, str]]) -> str:
        return " · ".join(f"{k}: {v}" for k, v in ps)

    if len(join(parts)) <= limit or any(k == ACK for k, _ in parts):
        return join(parts)
    parts = [(k, v.split("?", 1)[0]) if k in LINKS else (k, v) for k, v in parts]
    line = join(parts)
    if len(line) <= limit:
        return line
    text = [i for i, (k, _) in enumerate(parts) if k not in LINKS | WHOLE]
    budget = limit - (len(line) - sum(len(parts[i][1]) for i in text))
    cap = _water_level([len(parts[i][1]) for i in text], budget)
    for i in text:
        k, v = parts[i]
        parts[i] = (k, shorten(v, max(cap, MIN_KEEP)))
    return join(parts)


def _water_level(lengths: list[int], budget: int) -> int:
    """The largest cap c with sum(min(len, c)) <= budget: the longest values give way."""
    if not lengths:
        return 0
    lo, hi = 0, max(lengths)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if sum(min(n, mid) for n in lengths) <= budget:
            lo = mid
        else:
            hi = mid - 1
    return lo


@dataclass(frozen=True, slots=True)
class Facts:
    """Everything a message says, gathered by the service from the ledger and runbook."""

    incident: str
    cls: str
    what: str  # subject words: the runbook's services and id, or the incident title
    env: str = ""
    severity: str = ""
    response: str = ""  # the severity's response time, e.g. "15 min"
    detected: datetime | None = None
    timezone: str = "UTC"
    runbook: str = ""  # "id — owner X, route Y"
    context: tuple[tuple[str, str | None], ...] = ()  # required values; None = missing
    diagnosis: str = ""
    action: str = ""
    fix: str = ""
    runbook_url: str = ""
    ledger: str = ""
    drill: bool = False
    roles: tuple[tuple[str, str], ...] = ()  # (role, person): who already works it
    links: tuple[tuple[str, str], ...] = ()  # pivots filled with the incident's values
    failed_command: str = ""  # the last failing command: its line and outcome
    output: str = ""  # the end of its output, redacted (never to SMS-class channels)


def compose(f: Facts) -> Message:
    tail = f" — {f.env}" if f.env else ""
    head = ("[DRILL]" if f.drill else "") + f"[ESCALATION:{f.cls}] "
    room = SUBJECT_MAX - len(head) - len(tail)
    subject = head + shorten(f.what or f.incident, max(room, 10)) + tail
    detected = "unknown"
    if f.detected:
        detected = to_zone(f.detected, "UTC").strftime("%Y-%m-%d %H:%M UTC")
        if f.timezone != "UTC":
            detected += to_zone(f.detected, f.timezone).strftime(" (%H:%M %Z)")
    severity = (f.severity or "unknown") + (f" (response {f.response})" if f.response else "")
    context = ", ".join(f"{k}={'(missing)' if v is None else v}" for k, v in f.context)
    fields = [
        ("Incident", f.incident),
        ("Severity", severity),
        ("Detected", detected),
        ("Runbook", f.runbook or "none attached"),
        ("Context", context or "none required"),
        ("Diagnosis", f.diagnosis),
        ("Action", f.action),
        ("Suggested fix", f.fix),
    ]
    if f.roles:
        fields.append(("Roles", ", ".join(f"{r} {p}" for r, p in f.roles)))
    if f.runbook_url:
        fields.append(("Runbook page", f.runbook_url))
    if f.links:
        fields.append(("Links", " · ".join(f"{n}: {u}" for n, u in f.links)))
    if f.failed_command:
        fields.append(("Failed command", f.failed_command))
    if f.output:
        fields.append(("Output", f.output))
    fields += [("Ledger", f.ledger), (ACK, f'reply "ack {f.incident}"')]
    return Message(f.cls, shorten(subject, SUBJECT_MAX), tuple(fields))


def find_ack(text: str, incident_id: str | None = None) -> str:
    """The incident id of a reply whose first words are `ack <ID>`.

    Only the first words count: "I can't ack INC-1, I'm off" and a reply that merely
    quotes the page (which itself says `ack INC-1`) acknowledge nothing.
    """
    m = ACK_FIRST.match(text)
    if m is None:
        raise UsageError("the reply does not start with 'ack <INCIDENT-ID>' (only a reply "
                         "whose first words are 'ack ID' acknowledges)")
    found = m.group(1)
    if incident_id:
        if found.lower() != incident_id.lower():
            raise UsageError(f"the reply does not say 'ack {incident_id}' (it acknowledges "
                             f"{found})")
        return incident_id
    return found

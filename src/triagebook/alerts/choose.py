"""Which runbook an alert opens, with which context values and at which severity.

The runbook: an annotation `runbook` (an id) or `runbook_url` (a link into the site)
wins; then the labels `failure_class` / `error_code`; then `alertname`, `summary` and
`description` through the matcher of `inv runbook.match`.  Only a confident match (a
failure class or code named, an exact name) is taken; otherwise the fallback runbook
(`alerts.fallback`, `incident-process`) opens the incident and the candidates are noted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from triagebook.alerts.payload import Group
from triagebook.base.errors import UsageError
from triagebook.config import Config
from triagebook.runbook.catalog import Catalog
from triagebook.runbook.match import FAMILY, match
from triagebook.runbook.model import Runbook
from triagebook.runbook.values import check_values

SEVERITIES = ("SEV1", "SEV2", "SEV3", "SEV4")
URL_ID = re.compile(r"/runbooks/([A-Za-z0-9][A-Za-z0-9_-]*)(?:/|\.html|\.md)?(?:[?#].*)?$")


@dataclass(frozen=True, slots=True)
class Choice:
    runbook: str  # "" when no runbook at all (no fallback in the catalog)
    reason: str
    confidence: str  # high | low | none
    candidates: tuple[str, ...] = ()


def confidence(score: float) -> str:
    """high: a failure class, code or exact name was named; low: words only; none."""
    if score >= FAMILY:
        return "high"
    return "low" if score > 0 else "none"


def runbook_from_url(url: str) -> str:
    m = URL_ID.search(url.strip())
    return m.group(1) if m else ""


def choose(cfg: Config, cat: Catalog, group: Group) -> Choice:
    first = next((a for a in group.alerts if a.status == "firing"), group.alerts[0])
    labels = {**group.common_labels, **first.labels}
    notes = {**group.common_annotations, **first.annotations}
    named = notes.get("runbook", "").strip()
    if named in cat.runbooks:
        return Choice(named, "annotation runbook", "high")
    from_url = runbook_from_url(notes.get("runbook_url", ""))
    if from_url in cat.runbooks:
        return Choice(from_url, "annotation runbook_url", "high")
    for label in ("failure_class", "error_code"):
        value = labels.get(label, "").strip()
        if value:
            found = match(cat, value, limit=1)
            if found and found[0].score >= FAMILY:
                return Choice(found[0].id, f"label {label}: {found[0].reason}", "high")
    text = " ".join(x for x in (labels.get("alertname", ""), notes.get("summary", ""),
                                notes.get("description", "")) if x)
    found = match(cat, text, limit=3) if text else []
    if found and confidence(found[0].score) == "high":
        return Choice(found[0].id, f"matched: {found[0].reason}", "high")
    candidates = tuple(m.id for m in found)
    level = confidence(found[0].score) if found else "none"
    fallback = cfg.alerts.fallback if cfg.alerts.fallback in cat.runbooks else ""
    why = (f"no confident match ({level}); candidates: {', '.join(candidates) or 'none'}; "
           f"opened on {fallback or 'no runbook'}")
    return Choice(fallback, why, level, candidates)


def context_from(cfg: Config, rb: Runbook, labels: dict[str, str],
                 annotations: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """The runbook's context values found in the alert (never secrets), each validated
    like `--context`; the ones that do not fit are left out and named."""
    values: dict[str, str] = {}
    dropped: list[str] = []
    for var in rb.context:
        if var.secret:
            continue
        source = cfg.alerts.context.get(var.name, var.name)
        value = labels.get(source) or annotations.get(source)
        if not value:
            continue
        try:
            check_values(rb, {var.name: value}, require=False)
        except UsageError as exc:
            dropped.append(f"{var.name} ({str(exc).splitlines()[0][:160]})")
            continue
        values[var.name] = value
    return values, dropped


def severity_from(cfg: Config, labels: dict[str, str], rb: Runbook | None) -> str:
    mapped = cfg.alerts.severity.get(labels.get("severity", "").strip().lower(), "")
    if mapped in SEVERITIES:
        return mapped
    label = labels.get("severity", "").strip().upper()
    if label in SEVERITIES:
        return label
    return rb.severity if rb else "SEV3"

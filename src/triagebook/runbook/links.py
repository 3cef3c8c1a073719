"""Links into the published site: a runbook page that opens with its values filled in."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from urllib.parse import quote, urlencode

from triagebook.runbook.model import Runbook
from triagebook.runbook.patterns import SlowPattern, matches


def runbook_link(site_url: str, rb_id: str, values: Mapping[str, str],
                 secrets: Collection[str] = ()) -> str:
    """`{site_url}/runbooks/{id}/?name=value…` — the page's form reads the query.

    Secret names (and empty values) are never put in a URL; the page shows the
    environment variable the runner reads them from instead.
    """
    base = f"{site_url.rstrip('/')}/runbooks/{quote(rb_id)}/"
    pairs = [(k, v) for k, v in values.items() if v and k not in secrets]
    return base + ("?" + urlencode(pairs) if pairs else "")


def prefill(rb: Runbook, found: Mapping[str, str]) -> dict[str, str]:
    """The values in ``found`` (`key=value` pairs from a pasted line) this runbook
    declares, not secret, and matching the declared pattern — what a link may carry."""
    out: dict[str, str] = {}
    for var in rb.context:
        value = found.get(var.name)
        if value and not var.secret and (not var.pattern or _fits(var.pattern, value)):
            out[var.name] = value
    return out


def _fits(pattern: str, value: str) -> bool:
    # the same bounded matcher as lint and the runner: pasted text meets runbook patterns
    try:
        return matches(pattern, value)
    except SlowPattern:
        return False

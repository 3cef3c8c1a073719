"""Links into the published site: a runbook page that opens with its values filled in."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from urllib.parse import quote, urlencode


def runbook_link(site_url: str, rb_id: str, values: Mapping[str, str],
                 secrets: Collection[str] = ()) -> str:
    """`{site_url}/runbooks/{id}/?name=value…` — the page's form reads the query.

    Secret names (and empty values) are never put in a URL; the page shows the
    environment variable the runner reads them from instead.
    """
    base = f"{site_url.rstrip('/')}/runbooks/{quote(rb_id)}/"
    pairs = [(k, v) for k, v in values.items() if v and k not in secrets]
    return base + ("?" + urlencode(pairs) if pairs else "")

"""Pivots (`triagebook.links` in invoke.yaml): named URL templates such as
`trace: https://tempo.example/explore?traceId={{ trace_id }}`, filled with an incident's
values and shown in the runner, in pages and on the runbook's site page.

Only plain `{{ name }}` placeholders are read (no Jinja: a link is data, not code); a
value is URL-quoted whole, so it cannot add a parameter or leave the URL; a link is
shown only when every value it names is known, and never with a secret."""

from __future__ import annotations

import html
import re
from collections.abc import Collection, Mapping
from urllib.parse import quote

NAME = re.compile(r"{{\s*([A-Za-z_][A-Za-z0-9_]*)\s*}}")


def names(template: str) -> list[str]:
    return NAME.findall(template)


def fill(template: str, values: Mapping[str, str], secret: Collection[str] = ()) -> str | None:
    wanted = names(template)
    if any(n in secret or not values.get(n) for n in wanted):
        return None
    return NAME.sub(lambda m: quote(str(values[m.group(1)]), safe=""), template)


def filled(links: Mapping[str, str], values: Mapping[str, str],
           secret: Collection[str] = ()) -> list[tuple[str, str]]:
    """(name, URL) for every link whose values are all known."""
    out = []
    for name, template in sorted(links.items()):
        url = fill(template, values, secret)
        if url is not None:
            out.append((name, url))
    return out


def template_html(template: str) -> str:
    """The template as HTML with each placeholder a fill-in span (site/assets JS fills it)."""
    out, at = [], 0
    for m in NAME.finditer(template):
        out.append(html.escape(template[at:m.start()]))
        n = html.escape(m.group(1), quote=True)
        out.append(f'<span class="tb-ph" data-tb-var="{n}">{{{{ {n} }}}}</span>')
        at = m.end()
    out.append(html.escape(template[at:]))
    return "".join(out)

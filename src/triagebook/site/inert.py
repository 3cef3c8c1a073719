"""What the theme prints without escaping is made inert here.

mkdocs' theme templates print a page's `title` and `description` as they are (the
theme's Jinja environment does not autoescape), and a runbook's or post-mortem's
front-matter is where they come from. Markup characters in those values are replaced by
look-alikes (‹ › ＂), so no value can open a tag or leave an attribute, whatever template
prints it and however (striptags unescapes entities, so escaping alone is not enough).
Post-mortem bodies, hand-written or handed in, are sanitised with nh3 (ammonia).
"""

from __future__ import annotations

from typing import Any

import nh3

# front-matter keys a theme prints raw (material: title, description, subtitle)
PRINTED = ("title", "description", "subtitle", "site_name")
_LOOKALIKE = str.maketrans({"<": "‹", ">": "›", '"': "＂", "`": "ˋ"})

# what a post-mortem body may keep: nh3's safe tags, plus the ids and classes that
# headings (permalinks), code highlighting and tables carry
_ATTRIBUTES = {"*": {"class", "id", "title", "lang", "dir", "align"},
               "a": {"href", "title"}, "img": {"src", "alt", "title", "width", "height"},
               "td": {"colspan", "rowspan", "align"}, "th": {"colspan", "rowspan", "align",
                                                         "scope"},
               "ol": {"start"}, "input": {"type", "checked", "disabled"}}
_TAGS = nh3.ALLOWED_TAGS | {"input", "details", "summary", "mark", "span", "div"}


def inert(value: str) -> str:
    return value.translate(_LOOKALIKE)


def inert_meta(meta: dict[str, Any]) -> dict[str, Any]:
    """`meta` with the values a theme prints raw made inert (a new dict when changed)."""
    changed = {k: inert(v) for k in PRINTED if isinstance(v := meta.get(k), str)
               and inert(v) != v}
    return {**meta, **changed} if changed else meta


def sanitise(html: str) -> str:
    """HTML rendered from an untrusted Markdown body, without script: nh3 with the safe
    tags and URL schemes, ids and classes kept, `rel=noopener noreferrer` on links."""
    return nh3.clean(html, tags=_TAGS, attributes=_ATTRIBUTES,
                     url_schemes={"http", "https", "mailto"},
                     link_rel="noopener noreferrer")

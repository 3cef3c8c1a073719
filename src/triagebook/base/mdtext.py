"""Text from a ledger or a context, written into Markdown so that it renders as itself.

Notes, skip reasons, step titles filled with context values, actor names, escalation
summaries: people typed them, so they may hold anything — `<script>`, `<img onerror=…>`,
`[x](javascript:…)`, an attribute list `{: onclick=… }` (the site enables attr_list), a
`<!-- generated:… -->` marker.  Everything such goes through `md_text` (or `md_code` for
a command shown as code) before it reaches a post-mortem, a Markdown timeline or the
site, so it can open no tag, link, attribute list, emphasis or comment.  This is the one
place that decides how; table cells add their own `|` escape (incident/timeline.py).
"""

from __future__ import annotations

import re

_CHARS = str.maketrans({
    "\\": "\\\\", "`": "\\`", "*": "\\*", "{": "\\{", "}": "\\}",
    "&": "&amp;", "<": "&lt;", ">": "&gt;",  # no HTML, no comment, no autolink
})
# `_` emphasises only at a word's edge; inside a word (`api_token`) it stays readable.
_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
# `[text](url)`, `![alt](src)`, `[text][ref]`: a bracket pair then `(` or `[` is a link.
_LINK = re.compile(r"\]([(\[])")
# Where the text starts a line or a list item: a heading, a list, a numbered list.
_LEAD = re.compile(r"^(#|\+|-|=|\d+(?=\.))")
_NEWLINES = re.compile(r"\s*(?:\r\n|\r|\n)\s*")


def md_text(text: object) -> str:
    """One line of literal text, safe anywhere inline (a paragraph, a list item, a cell)."""
    s = _NEWLINES.sub(" ⏎ ", str(text).strip())
    s = s.translate(_CHARS)
    s = _UNDERSCORE.sub(r"\\_", s)
    s = _LINK.sub(r"]\\\1", s)
    m = _LEAD.match(s)
    if m:
        s = m.group(0) + "\\" + s[m.end():] if m.group(0)[0].isdigit() else "\\" + s
    return s


def md_code(text: object) -> str:
    """One line as an inline code span that no backtick inside can close early."""
    s = _NEWLINES.sub(" ⏎ ", str(text).strip())
    longest = max((len(r) for r in re.findall(r"`+", s)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if s.startswith("`") or s.endswith("`") else ""
    return f"{fence}{pad}{s}{pad}{fence}"


BRACKETS = 400  # `[` in one Markdown text; Python-Markdown's link search is quadratic in them
_FENCE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})")


def over_bracket_budget(text: str) -> bool:
    return text.count("[") > BRACKETS


_LOOKALIKE = str.maketrans({"[": "\uff3b", "]": "\uff3d"})  # ［ ］: read alike, no link syntax


def inert_brackets(text: str) -> str:
    """`[` and `]` outside fenced code as their full-width look-alikes, so the renderer
    reads no link in them (a backslash escape or an entity is as slow to render as the
    bracket): a hand-written page of nested brackets renders in linear time."""
    out, fence = [], ""
    for line in text.split("\n"):
        m = _FENCE.match(line)
        if fence:
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                fence = ""
            out.append(line)
            continue
        if m:
            fence = m.group(1)
            out.append(line)
            continue
        out.append(line.translate(_LOOKALIKE))
    return "\n".join(out)

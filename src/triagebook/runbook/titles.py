"""A step title as people read it: its inline Markdown rendered to plain text.

`### Check the **gateway** with `kubectl`` reads "Check the gateway with kubectl" in the
runner, `runbook.show`, `incident.show`, the timeline, the post-mortem and the replay.  A
numbered-list step has no heading: its title is the bold lead of its first paragraph
(`1. **Acknowledge and declare.** Type …` → "Acknowledge and declare"), else that
paragraph's first sentence; the rest of the paragraph stays in the body.  Titles are
never cut: a screen too narrow wraps them.
"""

from __future__ import annotations

import re
from functools import lru_cache

from markdown_it import MarkdownIt

_MARKUP = re.compile(r"[*_`\[\]<>!\\&]")  # nothing of these: the text is already plain
_SPACE = re.compile(r"\s+")
_SENTENCE = re.compile(r"(?<=[.!?:])\s+(?=\S)")


@lru_cache(maxsize=1)
def _inline() -> MarkdownIt:
    return MarkdownIt("commonmark")


def plain(text: str) -> str:
    """Inline Markdown → the text it renders (emphasis, code, links, images by their alt,
    HTML tags dropped), whitespace collapsed."""
    if not _MARKUP.search(text):
        return _SPACE.sub(" ", text).strip()
    out: list[str] = []
    for tok in _inline().parseInline(text)[0].children or []:
        if tok.type in ("text", "code_inline"):
            out.append(tok.content)
        elif tok.type in ("softbreak", "hardbreak"):
            out.append(" ")
        elif tok.type == "image":
            out.append("".join(c.content for c in tok.children or []))
    return _SPACE.sub(" ", "".join(out)).strip()


def lead(paragraph: str) -> tuple[str, str]:
    """(title, the rest) of a list step's first paragraph, both as written."""
    text = paragraph.strip()
    for mark in ("**", "__"):
        if text.startswith(mark) and (end := text.find(mark, len(mark))) > len(mark):
            title = text[len(mark):end].strip().rstrip(".:")
            return title, text[end + len(mark):].strip()
    parts = _SENTENCE.split(text, maxsplit=1)
    first = parts[0].rstrip(".:") if len(parts) > 1 else text
    return first, parts[1] if len(parts) > 1 else ""

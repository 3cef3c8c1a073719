"""The generated blocks of a post-mortem, and the promise that `--update` keeps the rest.

A block is a line `<!-- generated:NAME -->`, the generated text, and a line
`<!-- /generated:NAME -->`.  Markers count only as whole lines, and nothing from a ledger
can write one: ledger text is escaped (mdtext.py), so `<!--` never survives into it.  A
file whose markers do not pair up (a marker pasted by hand, one deleted, a block twice)
is refused with the line, never guessed at; and after replacing, every line people wrote
must still be there, in order, or nothing is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MARKER = re.compile(r"^\s*<!-- (/?)generated:([A-Za-z0-9_-]+) -->\s*$")


def start_tag(name: str) -> str:
    return f"<!-- generated:{name} -->"


def end_tag(name: str) -> str:
    return f"<!-- /generated:{name} -->"


class BlockError(Exception):
    """Why a body's generated blocks cannot be trusted (0-based line in the body)."""

    def __init__(self, line: int, why: str) -> None:
        super().__init__(why)
        self.line, self.why = line, why


@dataclass(frozen=True, slots=True)
class Block:
    name: str
    start: int  # line of the opening marker
    end: int  # line of the closing marker


def find_blocks(lines: list[str]) -> list[Block]:
    blocks: list[Block] = []
    open_: tuple[str, int] | None = None
    seen: dict[str, int] = {}
    for i, line in enumerate(lines):
        m = MARKER.match(line)
        if not m:
            continue
        closing, name = m.group(1) == "/", m.group(2)
        if not closing:
            if open_ is not None:
                raise BlockError(i, f"{start_tag(name)} inside the block '{open_[0]}' opened "
                                    f"at line {open_[1] + 1}")
            if name in seen:
                raise BlockError(i, f"a second block '{name}' (the first opens at line "
                                    f"{seen[name] + 1})")
            open_ = (name, i)
            seen[name] = i
        elif open_ is None or open_[0] != name:
            raise BlockError(i, f"{end_tag(name)} closes no open block"
                                + (f" ('{open_[0]}' is open)" if open_ else ""))
        else:
            blocks.append(Block(name, open_[1], i))
            open_ = None
    if open_ is not None:
        raise BlockError(open_[1], f"{start_tag(open_[0])} is never closed")
    return blocks


def replace_blocks(body: str, parts: dict[str, str]) -> str:
    """The body with each named block's content replaced; blocks people removed stay
    removed, blocks with no new content stay as they are."""
    lines = body.split("\n")
    out: list[str] = []
    at = 0
    for b in find_blocks(lines):
        if b.name not in parts:
            continue
        out += lines[at:b.start + 1]
        out += parts[b.name].split("\n")
        at = b.end
    out += lines[at:]
    new = "\n".join(out)
    check_kept(body, new)
    return new


def human_lines(lines: list[str]) -> list[tuple[int, str]]:
    """(line, text) of every line outside a block's content (markers included)."""
    inside: set[int] = set()
    for b in find_blocks(lines):
        inside.update(range(b.start + 1, b.end))
    return [(i, ln) for i, ln in enumerate(lines) if i not in inside]


def check_kept(old: str, new: str) -> None:
    """Every line people wrote in `old` is in `new`, in the same order; else BlockError."""
    theirs = human_lines(old.split("\n"))
    new_lines = new.split("\n")
    at = 0
    for i, line in theirs:
        while at < len(new_lines) and new_lines[at] != line:
            at += 1
        if at == len(new_lines):
            raise BlockError(i, f"the update would drop this line: {line.strip()[:80]!r}")
        at += 1

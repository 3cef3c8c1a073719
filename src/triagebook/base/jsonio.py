"""The one JSON door for data from outside (ledger lines, bundles, the store): bounded in
size and depth, no NaN or Infinity, and every refusal a `ValueError` (a
`json.JSONDecodeError`), never a RecursionError or a MemoryError."""

from __future__ import annotations

import json
from typing import Any

MAX_TEXT = 1 << 20  # one ledger line or manifest; an event is a few hundred bytes
MAX_DEPTH = 32  # an event is 3-4 levels deep


class JsonRefused(json.JSONDecodeError):
    def __init__(self, why: str) -> None:
        super().__init__(why, "", 0)
        self.msg = why

    def __str__(self) -> str:
        return self.msg


def _no_constant(name: str) -> Any:
    raise JsonRefused(f"{name} is not a JSON number")


def loads(text: str | bytes, max_text: int = MAX_TEXT, max_depth: int = MAX_DEPTH) -> Any:
    if len(text) > max_text:
        raise JsonRefused(f"{len(text)} bytes; at most {max_text} are read")
    opens = text.count(b"{") + text.count(b"[") if isinstance(text, bytes) else \
        text.count("{") + text.count("[")
    if opens > max_depth and _depth(text) > max_depth:  # few brackets: cannot be deep
        raise JsonRefused(f"nested deeper than {max_depth} levels")
    try:
        return json.loads(text, parse_constant=_no_constant)
    except RecursionError:  # unreachable after _depth; kept as the last guard
        raise JsonRefused(f"nested deeper than {max_depth} levels") from None


def _depth(text: str | bytes) -> int:
    """The deepest bracket nesting outside strings — one linear pass, before parsing."""
    s = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    if "[" not in s and "{" not in s:
        return 0
    depth = deepest = 0
    in_str = escaped = False
    for ch in s:
        if in_str:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest

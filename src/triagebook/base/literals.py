"""Which of many literal strings a text holds, in one pass of `re` over it.

A credential detector runs its regex only on a text holding one of the literals every
match contains (`AKIA`, `ghp_`, `xoxb-`…).  Asking `lit in text` for each of ~60 literals
is 60 scans and 60 Python-level steps per text; one regex shaped as a trie of the
literals (`A(?:3T|BIA|C(?:CA)?|…)`) scans once, and at each position follows only the
branch of the character there.

The scan finds matches without overlap, so a literal beginning inside another's match
(`ABCD` scanned for `AB` and `BCD`) is not reported itself: `present` therefore returns
every literal that *may* be in the text — those found, the literals inside them, and
those that could continue one of them.  A superset: a gate built on it can run a regex
for nothing, never skip one that would match.
"""

from __future__ import annotations

import re
from collections.abc import Iterable


class LiteralSet:
    """A fixed set of literals (at least one character each), searchable in one pass."""

    def __init__(self, literals: Iterable[str]) -> None:
        self.literals = frozenset(lit for lit in literals if lit)
        self.rx = re.compile(_trie(self.literals)) if self.literals else None
        self._reach = {m: frozenset(lit for lit in self.literals if _reaches(m, lit))
                       for m in self.literals}

    def present(self, text: str) -> frozenset[str]:
        """The literals that may occur in ``text`` (every one that does, and maybe more)."""
        if self.rx is None:
            return frozenset()
        found = set(self.rx.findall(text))
        if not found:
            return frozenset()
        if len(found) == 1:
            return self._reach[found.pop()]
        return frozenset().union(*(self._reach[m] for m in found))


def _reaches(match: str, lit: str) -> bool:
    """Can ``lit`` occur where ``match`` was found: inside it, or starting inside it
    and running on past its end?"""
    return lit in match or any(lit.startswith(match[i:]) for i in range(1, len(match)))


def _trie(literals: frozenset[str]) -> str:
    """A regex matching exactly the literals, longest first at each position."""
    root: dict[str, dict] = {}  # type: ignore[type-arg]
    for lit in literals:
        node = root
        for ch in lit:
            node = node.setdefault(ch, {})
        node[""] = {}
    return _emit(root)


def _emit(node: dict[str, dict]) -> str:  # type: ignore[type-arg]
    branches = [re.escape(ch) + _emit(child) for ch, child in sorted(node.items()) if ch]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    # a literal ends here and longer ones continue: the longer first (greedy), then none
    return f"(?:{body})?" if "" in node else body

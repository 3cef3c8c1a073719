"""Context `pattern:` matching, bounded in time.

A pattern such as `^(a|a)*$` backtracks exponentially on a near-miss: with Python's
`re` one example or one typed value hangs lint or the runner for good.  We keep `re`
rules for what a pattern is (schema.py compiles it with `re` for the error message) and
match with the `regex` module, which takes a timeout.  Matching with a time limit
rather than refusing nested quantifiers statically: a static rule would also refuse safe,
common patterns (`^(\\d+\\.)+\\d+$`, `^([a-z0-9]+-)*[a-z0-9]+$`), and `regex` already
runs many "evil" ones in linear time; only what really exceeds the limit is refused.
"""

from __future__ import annotations

import importlib
import re
from functools import lru_cache
from typing import Any

import regex

TIMEOUT = 0.1  # seconds for one match; a sane pattern takes microseconds


@lru_cache(maxsize=1024)
def _compiled(pattern: str) -> Any:
    return regex.compile(pattern)


class SlowPattern(Exception):
    """Matching took longer than TIMEOUT: the pattern backtracks catastrophically."""


def matches(pattern: str, value: str, timeout: float = TIMEOUT) -> bool:
    """`re.search` semantics, refused (SlowPattern) past ``timeout`` seconds."""
    try:
        return _compiled(pattern).search(value, timeout=timeout) is not None
    except TimeoutError:
        raise SlowPattern(pattern) from None


@lru_cache(maxsize=4096)  # a catalog repeats its patterns (ids, namespaces, hosts)
def browser_unsafe(pattern: str) -> bool:
    """Could a browser's backtracking engine take exponential time on this pattern?  A
    repetition holding another unbounded repetition or an alternation (`(a+)+`,
    `(a|a)*`, `(\\w+\\s?)*`).  Deliberately broad: a flagged pattern is only left out of
    the site's form check (the runner still checks it, with a time limit) — no browser
    runs one on a value from a shared link."""
    sre: Any = importlib.import_module("re._parser")  # the stdlib's reading of it

    try:
        tree = sre.parse(pattern)
    except re.error:
        return False
    return _nested(tree, inside=False)


def _nested(items: Any, inside: bool) -> bool:
    c: Any = importlib.import_module("re._constants")
    for op, av in items:
        if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            low, high, body = av
            if op is c.POSSESSIVE_REPEAT:
                continue
            unbounded = high == c.MAXREPEAT or high > 16
            if inside and unbounded:
                return True
            if _nested(body, inside=inside or high > 1):
                return True
        elif op is c.BRANCH:
            if inside:
                return True
            if any(_nested(branch, inside) for branch in av[1]):
                return True
        elif op is c.SUBPATTERN:
            if _nested(av[-1], inside):
                return True
        elif op in (c.ASSERT, c.ASSERT_NOT):
            if _nested(av[1], inside):
                return True
    return False

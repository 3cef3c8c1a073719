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

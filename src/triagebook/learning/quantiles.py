"""Durations kept as counts per whole second: exact median/p90 at one-second resolution,
memory bounded by the spread of the values, not by how many incidents there are."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Durations:
    counts: Counter[int] = field(default_factory=Counter)
    n: int = 0

    def add(self, seconds: float) -> None:
        self.counts[max(int(round(seconds)), 0)] += 1
        self.n += 1

    def merge(self, other: Durations) -> None:
        self.counts.update(other.counts)
        self.n += other.n

    def quantile(self, p: float) -> int | None:
        """Nearest-rank quantile (p in 0..100) in seconds; None when empty."""
        if not self.n:
            return None
        rank = max(math.ceil(p / 100 * self.n), 1)
        seen = 0
        for value in sorted(self.counts):
            seen += self.counts[value]
            if seen >= rank:
                return value
        return None  # pragma: no cover - rank <= n always lands above

    @property
    def median(self) -> int | None:
        return self.quantile(50)

    @property
    def p90(self) -> int | None:
        return self.quantile(90)


def minutes(seconds: int | None) -> str:
    """`12 min`, `1 h 05 min`, `40 s`, or `–` for no value."""
    if seconds is None:
        return "–"
    if seconds < 60:
        return f"{seconds} s"
    h, m = seconds // 3600, seconds % 3600 // 60
    return f"{h} h {m:02d} min" if h else f"{m} min"
